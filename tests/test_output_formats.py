"""Every format of every command, through the CLI, parsed back and compared with JSON."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from pkgcli.merge import NEW_FIELDS
from pkgcli.models import UPSTREAM_PACKAGE_KEYS
from pkgcli.render import inert
from tests.mirror_seed import EVIL, seed, standard

LISTS = [
    ("list-grid",),
    ("list-grid", "rest-frameworks"),
    ("search", "rest"),
    ("search", "--grids", "a"),
]
RECORDS = [("show", "evil-pkg", "--offline"), ("show", "django-ninja", "--offline"), ("paths",)]


@pytest.fixture
def mirror(isolated_env: Path) -> Path:
    seed(str(isolated_env), *standard())
    return isolated_env


def as_text(value: Any) -> str:
    """What a CSV/TSV/plain cell must hold for a JSON value (see docs/output.md)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(as_text(v) for v in value)
    return inert(value)


def run(cli: Any, *args: str) -> str:
    result = cli(*args)
    assert result.exit_code == 0, result.stderr
    return str(result.stdout)


@pytest.mark.parametrize("command", LISTS, ids=" ".join)
@pytest.mark.parametrize("fields", [None, "all"])
def test_list_formats_parse_back_to_the_same_rows(
    cli: Any, mirror: Path, command: tuple[str, ...], fields: str | None
) -> None:
    args = [*command, *(["--fields", fields] if fields else [])]
    rows = json.loads(run(cli, *args, "--json"))
    assert rows and all(next(iter(row)) == "slug" for row in rows)
    assert json.loads(run(cli, *args, "--format", "json")) == rows
    ndjson = run(cli, *args, "--format", "ndjson").splitlines()
    assert [json.loads(line) for line in ndjson] == rows
    text_rows = [{k: as_text(v) for k, v in row.items()} for row in rows]
    assert list(csv.DictReader(io.StringIO(run(cli, *args, "--format", "csv")))) == text_rows
    tsv = run(cli, *args, "--format", "tsv").splitlines()
    assert tsv[0].split("\t") == list(rows[0])
    assert [dict(zip(tsv[0].split("\t"), line.split("\t"), strict=True)) for line in tsv[1:]] == (
        text_rows
    )
    plain = run(cli, *args).splitlines()  # piped, no --format: TSV without the header
    assert plain == tsv[1:]
    md = run(cli, *args, "--format", "md").splitlines()
    assert len(md) == 2 + len(rows) and re.fullmatch(r"\|( -{3}:? \|)+", md[1])
    assert [line.split(" | ")[0].removeprefix("| ").replace("\\_", "_") for line in md[2:]] == [
        row["slug"] for row in rows
    ]
    table = run(cli, *args, "--format", "table").splitlines()
    assert len(table) == len(rows) + 1 + (command == ("list-grid", "rest-frameworks"))


def test_show_json_is_the_upstream_record_plus_pkgcli(cli: Any, mirror: Path) -> None:
    view = json.loads(run(cli, "show", "evil-pkg", "--json", "--offline"))
    assert list(view) == [*UPSTREAM_PACKAGE_KEYS, *NEW_FIELDS, "notes", "tags", "pkgcli"]
    assert view["repo_description"] == EVIL and view["title"] == EVIL  # exact, not inert
    assert view["created"] == "2012-01-01T10:00:00-05:00"  # upstream's own zone
    assert [url.rsplit("/api/v4/", 1)[1] for url in view["grids"]] == ["grids/10/"]
    assert view["pkgcli"]["schema_version"] == 1
    assert view["pkgcli"]["grids"] == [
        {"id": 10, "slug": "rest-frameworks", "title": "REST frameworks"}
    ]
    assert json.loads(run(cli, "show", "evil-pkg", "--offline", "--format", "json")) == view
    (line,) = run(cli, "show", "evil-pkg", "--offline", "--format", "ndjson").splitlines()
    assert json.loads(line) == view


@pytest.mark.parametrize("command", RECORDS, ids=" ".join)
def test_record_formats_parse_back(cli: Any, mirror: Path, command: tuple[str, ...]) -> None:
    flat = json.loads(run(cli, *command, "--json", "--fields", "all"))
    text = {k: as_text(v) for k, v in flat.items()}
    (row,) = csv.DictReader(io.StringIO(run(cli, *command, "--format", "csv", "--fields", "all")))
    assert row == text
    header, values = run(cli, *command, "--format", "tsv", "--fields", "all").splitlines()
    assert dict(zip(header.split("\t"), values.split("\t"), strict=True)) == text
    plain = run(cli, *command, "--fields", "all").splitlines()
    assert dict(line.split("\t", 1) for line in plain) == text
    md = run(cli, *command, "--format", "md", "--fields", "all").splitlines()
    assert md[:2] == ["| Field | Value |", "| --- | --- |"] and len(md) == 2 + len(flat)
    table = run(cli, *command, "--format", "table", "--fields", "all")
    assert table.count("\n") >= len(flat)


def test_show_fields_select(cli: Any, mirror: Path) -> None:
    assert json.loads(
        run(cli, "show", "django-ninja", "--offline", "--json", "--fields", "stars,score")
    ) == {
        "slug": "django-ninja",
        "stars": 7000,
        "score": 6300,
    }
    plain = run(cli, "show", "django-ninja", "--offline", "--fields", "title,last_commit")
    assert plain == "slug\tdjango-ninja\ntitle\tDjango Ninja\nlast_commit\t\n"


def test_show_piped_default_is_field_tab_value_with_iso_times(cli: Any, mirror: Path) -> None:
    lines = dict(
        line.split("\t", 1)
        for line in run(cli, "show", "django-rest-framework", "--offline").splitlines()
    )
    assert lines["slug"] == "django-rest-framework" and lines["stars"] == "28000"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", lines["last_commit"])
    assert lines["participants"] == "tomchristie,carltongibson,auvipy"


def test_show_table_is_the_human_view(cli: Any, mirror: Path) -> None:
    text = run(cli, "show", "django-rest-framework", "--offline", "--format", "table")
    assert text.startswith("Django REST framework  (django-rest-framework)")
    assert "Last commit    10 days ago" in text


def test_paths_json_names_every_setting(cli: Any, mirror: Path) -> None:
    info = json.loads(run(cli, "paths", "--json"))
    assert list(info) == [
        "database", "database_from", "django_packages_api", "github_api", "pypi",
        "gitlab_api", "codeberg_api", "github_token_from",
    ]  # fmt: skip
    assert info["database"] == str(mirror) and info["github_token_from"] is None
    assert run(cli, "paths", "--format", "table").splitlines()[-1].split(None, 1) == [
        "github_token_from",
        "(not set)",
    ]


@pytest.mark.parametrize(
    "command", [("show", "--list-fields"), ("paths", "--list-fields"), ("search", "--list-fields")]
)
def test_list_fields_in_every_format(cli: Any, command: tuple[str, ...]) -> None:
    listed = json.loads(run(cli, *command, "--json"))
    keys = {"name", "aliases", "type", "editable", "description"}
    assert all(set(f) == keys for f in listed)
    lines = run(cli, *command).splitlines()
    assert [line.split("\t")[0] for line in lines] == [f["name"] for f in listed]
    rows = list(csv.DictReader(io.StringIO(run(cli, *command, "--format", "csv"))))
    assert [r["name"] for r in rows] == [f["name"] for f in listed]


def test_every_listed_field_is_accepted_by_fields_and_sort(cli: Any, mirror: Path) -> None:
    for field in json.loads(run(cli, "show", "--list-fields", "--json")):
        name = field["name"]
        run(cli, "list-grid", "rest-frameworks", "--fields", name, "--sort", name, "--json")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("list-grid", "--json", "--format", "csv"), "--json and --format csv disagree"),
        (("list-grid", "--format", "xml"), "Invalid value for '--format'"),
        (("show", "x", "--fields", "bogus"), "unknown field 'bogus'"),
        (("show",), "name the package to show"),
        (("list-grid", "--limit", "-1"), "Invalid value for '--limit'"),
    ],
)
def test_bad_output_options_are_usage_errors(
    cli: Any, mirror: Path, args: tuple[str, ...], message: str
) -> None:
    result = cli(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def _colours(text: str) -> set[str]:
    """SGR parameters that set a colour (30-37, 38, 90-97 foreground; 40-47, 48 background)."""
    found = set()
    for params in re.findall(r"\x1b\[([0-9;]*)m", text):
        for p in params.split(";"):
            if p and (30 <= int(p) <= 48 or 90 <= int(p) <= 107):
                found.add(p)
    return found


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pkgcli.output.stdout_is_terminal", lambda: True)
    monkeypatch.setenv("TERM", "xterm-256color")


def test_on_a_terminal_the_default_is_a_coloured_table_with_relative_times(
    cli: Any, mirror: Path, terminal: None
) -> None:
    text = run(cli, "list-grid", "rest-frameworks")
    assert _colours(text)
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    assert "10 days ago" in plain and "Z\t" not in plain
    assert all(len(line) <= 80 for line in plain.splitlines())


@pytest.mark.parametrize("how", ["NO_COLOR", "--no-color"])
def test_no_color(
    cli: Any, mirror: Path, terminal: None, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    if how == "NO_COLOR":
        monkeypatch.setenv("NO_COLOR", "1")
        text = run(cli, "list-grid", "rest-frameworks")
    else:
        text = run(cli, "list-grid", "rest-frameworks", "--no-color")
    assert not _colours(text)
    assert "10 days ago" in text  # still the table
    assert not _colours(run(cli, "show", "django-ninja", "--offline", "--no-color"))


def test_data_goes_to_stdout_notes_to_stderr(cli: Any, mirror: Path, terminal: None) -> None:
    result = cli("list-grid", "rest-frameworks", "--json")
    assert json.loads(result.stdout)  # --json on a terminal: still pure JSON
    assert "not in the mirror" in result.stderr and "not in the mirror" not in result.stdout
