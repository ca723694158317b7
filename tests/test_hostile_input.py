"""Hostile and out-of-range input through the CLI: one line on stderr, a documented exit
code, never a traceback, never a half-written record (the review's repros)."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pkgcli.errors import EXIT_DATABASE, EXIT_NOT_FOUND, EXIT_UPSTREAM, EXIT_USAGE
from pkgcli.http import parse_retry_after
from pkgcli.models import link_id
from pkgcli.output import csv_cell
from pkgcli.render import inert
from pkgcli.store import record_id
from tests.mirror_seed import package, seed, standard

from .conftest import CliHarness

HUGE = "99999999999999999999999"  # all digits, beyond SQLite's 64-bit INTEGER


@pytest.fixture
def mirror(isolated_env: Path) -> Path:
    seed(str(isolated_env), *standard())
    return isolated_env


def one_line(stderr: str) -> str:
    """The single error line (a traceback would be many lines)."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("pkgcli: ")
    return lines[0]


# -- item 10: a numeric slug beyond 2**63-1 ----------------------------------------------


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (("show", HUGE, "--offline"), f"no package '{HUGE}' in the mirror"),
        (("show", HUGE, "--offline", "--json"), f"no package '{HUGE}' in the mirror"),
        (("list-grid", HUGE), f"no grid '{HUGE}' in the mirror"),
        (("edit", HUGE, "--history"), f"no package '{HUGE}' in the mirror"),
        (("edit", HUGE, "--revert-all"), f"no package '{HUGE}' in the mirror"),
    ],
)
def test_an_id_too_big_for_sqlite_is_not_found(
    cli: CliHarness, mirror: Path, args: tuple[str, ...], problem: str
) -> None:
    result = cli(*args)
    assert result.exit_code == EXIT_NOT_FOUND
    assert problem in one_line(result.stderr)


def test_an_id_too_big_for_sqlite_is_not_found_upstream_either(
    fake: Any, cli: CliHarness, tmp_path: Path
) -> None:
    fetched = cli("fetch", HUGE, "--source", "djangopackages")
    assert fetched.exit_code == EXIT_NOT_FOUND
    assert HUGE in one_line(fetched.stderr)
    edited = cli("edit", HUGE, "--set", "title=x")
    assert edited.exit_code == EXIT_NOT_FOUND
    assert "--create" not in edited.stderr  # an all-digit name cannot be created
    assert cli("fetch", "django-oauth-toolkit", "--source", "djangopackages").exit_code == 0
    document = {
        "format": "pkgcli-edits",
        "version": 1,
        "edits": [{"package": HUGE, "field": "title", "value": "x"}],
    }
    path = tmp_path / "in.json"
    path.write_text(json.dumps(document))
    imported = cli("edit", "--import", str(path))
    assert imported.exit_code == EXIT_NOT_FOUND
    assert f"not in this mirror: {HUGE}" in one_line(imported.stderr)


def test_ids_still_find_their_records(cli: CliHarness, mirror: Path) -> None:
    shown = cli("show", "0002", "--offline", "--json")
    assert shown.exit_code == 0, shown.stderr
    assert json.loads(shown.stdout)["slug"] == "django-ninja"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        ("0002", 2),
        (str(2**63 - 1), 2**63 - 1),
        (str(2**63), None),
        (HUGE, None),
        ("0" * 30 + "7", 7),
        ("django-ninja", None),
        ("-1", None),
        ("\u0661\u0662", None),  # Arabic-Indic digits: isdigit() but not an id
        ("\u00b2", None),  # superscript two: isdigit() but int() fails
        ("", None),
    ],
)
def test_record_id(text: str, expected: int | None) -> None:
    assert record_id(text) == expected


# -- item 11: PKGCLI_TIMEOUT ---------------------------------------------------------------


@pytest.mark.parametrize("value", ["-1", "0", "nan", "inf", "-inf", "abc", "1e300", "3601"])
@pytest.mark.parametrize(
    "args", [("show", "django-ninja", "--offline", "--json"), ("fetch", "django-ninja")]
)
def test_a_bad_timeout_is_a_usage_error_naming_the_variable(
    mirror: Path, monkeypatch: pytest.MonkeyPatch, value: str, args: tuple[str, ...]
) -> None:
    from typer.testing import CliRunner

    from pkgcli.cli import app

    monkeypatch.setenv("PKGCLI_TIMEOUT", value)
    result = CliRunner().invoke(app, list(args))  # settings read by the app itself
    assert result.exit_code == EXIT_USAGE
    line = one_line(result.stderr)
    assert "PKGCLI_TIMEOUT" in line and repr(value) in line
    assert result.stdout == ""


@pytest.mark.parametrize(("value", "seconds"), [("", 20.0), (" 7.5 ", 7.5), ("3600", 3600.0)])
def test_a_good_timeout_is_used(
    mirror: Path, monkeypatch: pytest.MonkeyPatch, value: str, seconds: float
) -> None:
    from typer.testing import CliRunner

    from pkgcli.cli import app
    from pkgcli.config import load_settings

    monkeypatch.setenv("PKGCLI_TIMEOUT", value)
    assert load_settings().timeout == seconds
    assert CliRunner().invoke(app, ["show", "django-ninja", "--offline", "--json"]).exit_code == 0


# -- item 12: the CSV formula guard covers every cell, lists included -------------------

FORMULA = '=HYPERLINK("http://evil.example/","click")'


@pytest.fixture
def hostile(isolated_env: Path) -> Path:
    packages, grids = standard()
    packages.append(
        package(
            50,
            "hostile-csv",
            title="+cmd|' /C calc'!A0",
            repo_description="@SUM(1+1)*cmd|' /C calc'!A0",
            pypi_version="-1+2",
            participants=[FORMULA, "bob"],
            repo_watchers=7,
        )
    )
    seed(str(isolated_env), packages, grids)
    return isolated_env


@pytest.mark.parametrize(
    "args",
    [
        ("search", "hostile", "--format", "csv", "--fields", "all"),
        ("show", "hostile-csv", "--offline", "--format", "csv", "--fields", "all"),
    ],
)
def test_no_csv_cell_starts_a_formula(
    cli: CliHarness, hostile: Path, args: tuple[str, ...]
) -> None:
    result = cli(*args)
    assert result.exit_code == 0, result.stderr
    (row,) = csv.DictReader(io.StringIO(result.stdout))
    assert row["participants"] == "'" + FORMULA + ",bob"
    assert row["title"].startswith("'+") and row["description"].startswith("'@")
    assert row["pypi_version"] == "'-1+2"
    assert row["stars"] == "7"
    for name, cell in row.items():
        assert cell[:1] not in "=+-@" or not cell, (name, cell)


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        (["=1+1", "x"], "'=1+1,x"),
        (["x", "=1+1"], "x,=1+1"),  # not at the start of the cell: text, not a formula
        ("@x", "'@x"),
        ("+x", "'+x"),
        ("-x", "'-x"),
        (-3, "-3"),  # a number stays a number
        ([-3, 1], "'-3,1"),
        (True, "true"),
        (None, ""),
        ("plain", "plain"),
    ],
)
def test_csv_cell(value: Any, cell: str) -> None:
    assert csv_cell(value) == cell


# -- item 13: NEL, U+061C, U+2028, U+2029, U+FEFF and friends --------------------------

SNEAKY = "a\x85b\u061cc\u2028d\u2029e\ufefff\u2066g\u180eh\u2060i"
NEVER_RAW = ("\x85", "\u061c", "\u2028", "\u2029", "\ufeff", "\u2066", "\u180e", "\u2060")


@pytest.fixture
def sneaky(isolated_env: Path) -> Path:
    packages, grids = standard()
    packages.append(
        package(51, "sneaky-pkg", title=SNEAKY, repo_description=SNEAKY, participants=[SNEAKY])
    )
    seed(str(isolated_env), packages, grids)
    return isolated_env


@pytest.mark.parametrize("fmt", ["table", "plain", "csv", "tsv", "md"])
@pytest.mark.parametrize(
    "args",
    [
        ("search", "sneaky", "--fields", "title,description,participants"),
        ("show", "sneaky-pkg", "--offline"),
        ("show", "sneaky-pkg", "--offline", "--fields", "all"),
    ],
    ids=" ".join,
)
def test_line_separators_and_invisible_characters_never_pass_raw(
    cli: CliHarness, sneaky: Path, fmt: str, args: tuple[str, ...]
) -> None:
    result = cli(*args, "--format", fmt)
    assert result.exit_code == 0, result.stderr
    assert not [c for c in NEVER_RAW if c in result.stdout]
    if fmt in ("plain", "tsv") and args[0] == "search":  # one line per row: splitlines agrees
        header = 1 if fmt == "tsv" else 0
        assert len(result.stdout.splitlines()) == header + 1
        assert result.stdout.splitlines() == result.stdout.split("\n")[:-1]


def test_json_escapes_them_and_keeps_the_value(cli: CliHarness, sneaky: Path) -> None:
    result = cli("show", "sneaky-pkg", "--offline", "--json")
    assert result.exit_code == 0, result.stderr
    assert not [c for c in NEVER_RAW if c in result.stdout]
    assert "\\u2028" in result.stdout and "\\ufeff" in result.stdout
    assert json.loads(result.stdout)["title"] == SNEAKY


@pytest.mark.parametrize(
    ("text", "one_line", "lines"),
    [
        ("a\x85b", "a b", "a\nb"),
        ("a\u2028b\u2029c", "a b c", "a\nb\nc"),
        ("a\u061cb\ufeffc", "a\ufffdb\ufffdc", "a\ufffdb\ufffdc"),
        ("plain ascii", "plain ascii", "plain ascii"),
    ],
)
def test_inert(text: str, one_line: str, lines: str) -> None:
    assert inert(text) == one_line
    assert inert(text, multiline=True) == lines


# -- item 16: edit --export FILE -----------------------------------------------------------


@pytest.fixture
def umask() -> Iterator[Callable[[int], int]]:
    previous = os.umask(0o022)
    try:
        yield os.umask
    finally:
        os.umask(previous)


def leftovers(directory: Path) -> list[str]:
    return [p.name for p in directory.iterdir() if p.name.startswith(".pkgcli-export-")]


def test_exporting_to_a_directory_leaves_nothing_behind(
    cli: CliHarness, mirror: Path, tmp_path: Path
) -> None:
    assert cli("edit", "django-ninja", "--set", "title=N").exit_code == 0
    target = tmp_path / "exports"
    target.mkdir()
    result = cli("edit", "--export", str(target))
    assert result.exit_code == EXIT_USAGE
    assert f"cannot write {target}" in one_line(result.stderr)
    assert leftovers(tmp_path) == [] and list(target.iterdir()) == []


def test_a_failed_export_removes_its_temporary_file_and_keeps_the_old_one(
    cli: CliHarness, mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "edits.json"
    target.write_text("old")

    def refuse(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    result = cli("edit", "--export", str(target))
    assert result.exit_code == EXIT_USAGE
    assert "No space left on device" in one_line(result.stderr)
    assert leftovers(tmp_path) == [] and target.read_text() == "old"


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o600), (0o077, 0o600), (0o000, 0o600)])
def test_a_new_export_is_private_whatever_the_umask(
    cli: CliHarness,
    mirror: Path,
    tmp_path: Path,
    umask: Callable[[int], int],
    mask: int,
    mode: int,
) -> None:
    umask(mask)
    target = tmp_path / "edits.json"
    assert cli("edit", "--export", str(target)).exit_code == 0
    assert stat.S_IMODE(target.stat().st_mode) == mode
    assert json.loads(target.read_text())["format"] == "pkgcli-edits"


@pytest.mark.parametrize("mode", [0o644, 0o600, 0o640])
def test_overwriting_an_export_keeps_its_mode(
    cli: CliHarness, mirror: Path, tmp_path: Path, umask: Callable[[int], int], mode: int
) -> None:
    umask(0o077)
    target = tmp_path / "edits.json"
    target.write_text("old")
    target.chmod(mode)
    assert cli("edit", "--export", str(target)).exit_code == 0
    assert stat.S_IMODE(target.stat().st_mode) == mode
    assert json.loads(target.read_text())["format"] == "pkgcli-edits"


def test_exporting_through_a_symlink_writes_the_file_it_points_to(
    cli: CliHarness, mirror: Path, tmp_path: Path
) -> None:
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    assert cli("edit", "--export", str(link)).exit_code == 0
    assert link.is_symlink()
    assert json.loads(real.read_text())["format"] == "pkgcli-edits"


# -- item 7, the edit side: out-of-range dates and integers --------------------------------


@pytest.mark.parametrize(
    ("assignment", "problem"),
    [
        ("last_updated=9999-12-31T23:59:59-05:00", "is out of range"),
        ("last_updated=0001-01-01T00:00:00+05:00", "is out of range"),
        ("last_updated=2024-13-45", "must be an ISO date"),
        (f"repo_watchers={2**63}", "must be a whole number"),
        ("repo_watchers=99999999999999999999", "must be a whole number"),
        (f"repo_forks={2**64}", "must be a whole number"),
        (f"category={2**63}", "must be a whole number"),
        (f"grids=1,{2**63}", "must be a whole number"),
    ],
)
def test_an_out_of_range_value_is_a_usage_error(
    cli: CliHarness, mirror: Path, assignment: str, problem: str
) -> None:
    result = cli("edit", "django-ninja", "--set", assignment)
    assert result.exit_code == EXIT_USAGE
    field = assignment.split("=")[0]
    assert f"invalid value for {field}" in one_line(result.stderr)
    assert problem in result.stderr
    assert cli("edit", "--history", "--json").stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("value", "stored", "shown"),
    [
        ("0001-01-01", "0001-01-01T00:00:00+00:00", "0001-01-01T00:00:00+00:00"),
        ("9999-12-31T23:59:59+00:00", "9999-12-31T23:59:59+00:00", "9999-12-31T18:59:59-05:00"),
        ("0001-01-01T05:00:00+05:00", "0001-01-01T00:00:00+00:00", "0001-01-01T00:00:00+00:00"),
    ],
)
def test_the_extreme_dates_in_range_are_stored_and_shown_everywhere(
    cli: CliHarness, mirror: Path, value: str, stored: str, shown: str
) -> None:
    result = cli("edit", "django-ninja", "--set", f"last_updated={value}", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)[0]["value"] == stored
    view = json.loads(cli("show", "django-ninja", "--offline", "--json").stdout)
    assert view["last_updated"] == shown  # New York time, or UTC where that has no year
    for args in (
        ("show", "django-ninja", "--offline", "--format", "table"),
        ("show", "django-ninja", "--offline", "--fields", "all", "--format", "table"),
        ("list-grid", "rest-frameworks", "--sort", "last_commit", "--format", "table"),
        ("search", "ninja", "--fields", "all", "--format", "csv"),
    ):
        listed = cli(*args)
        assert listed.exit_code == 0, (args, listed.stderr)
        assert stored[:4] in listed.stdout or "years" in listed.stdout


def test_the_largest_count_sqlite_holds_is_accepted(cli: CliHarness, mirror: Path) -> None:
    most = 2**63 - 1
    assert cli("edit", "django-ninja", "--set", f"repo_watchers={most}").exit_code == 0
    assert (
        json.loads(cli("show", "django-ninja", "--offline", "--json").stdout)["repo_watchers"]
        == most
    )
    table = cli("list-grid", "rest-frameworks", "--format", "table")
    assert table.exit_code == 0, table.stderr


# -- found on the way: text that is not UTF-8 ----------------------------------------------

NOT_UTF8 = "caf\udce9"  # what Python makes of the Latin-1 bytes b"caf\xe9" in argv


@pytest.mark.parametrize(
    "assignment", [f"notes={NOT_UTF8}", f"title={NOT_UTF8}", f"tags=a,{NOT_UTF8}"]
)
def test_text_that_is_not_utf8_is_a_usage_error(
    cli: CliHarness, mirror: Path, assignment: str
) -> None:
    result = cli("edit", "django-ninja", "--set", assignment)
    assert result.exit_code == EXIT_USAGE
    assert "is not valid UTF-8 text" in one_line(result.stderr)


def test_searching_for_text_that_is_not_utf8_is_a_usage_error(
    cli: CliHarness, mirror: Path
) -> None:
    result = cli("search", NOT_UTF8)
    assert result.exit_code == EXIT_USAGE
    assert "not valid UTF-8 text" in one_line(result.stderr)


# -- item 3: every value of an import file is checked, upstream_at_edit included -----------

GOOD_EDIT = {
    "package": "django-ninja",
    "field": "title",
    "value": "Ninja",
    "upstream_at_edit": None,
}


def edits_file(tmp_path: Path, *edits: dict[str, Any], **top: Any) -> Path:
    document = {"format": "pkgcli-edits", "version": 1, "edits": list(edits), **top}
    path = tmp_path / "edits.json"
    path.write_text(json.dumps(document))
    return path


def dot(field: str, value: Any, **more: Any) -> dict[str, Any]:
    return {"package": "django-oauth-toolkit", "field": field, "value": value, **more}


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        (
            dot("last_updated", "2024-01-01", upstream_at_edit="garbage"),
            "invalid upstream_at_edit for last_updated: 'garbage' must be an ISO date",
        ),
        (dot("grids", [1], upstream_at_edit=5), "invalid upstream_at_edit for grids: '5'"),
        (dot("grids", [1], upstream_at_edit=[0]), "must be a list of ids"),
        (dot("category", 1, upstream_at_edit="1"), "invalid upstream_at_edit for category"),
        (dot("category", 1, upstream_at_edit=True), "invalid upstream_at_edit for category"),
        (dot("repo_watchers", 1, upstream_at_edit="123"), "must be a whole number"),
        (dot("repo_watchers", 1, upstream_at_edit=True), "must be a whole number"),
        (dot("repo_watchers", 1, upstream_at_edit=1.5), "must be a whole number"),
        (dot("repo_watchers", 1, upstream_at_edit=2**63), "must be a whole number"),
        (dot("participants", ["a"], upstream_at_edit="bob"), "must be a list of text items"),
        (dot("participants", ["a"], upstream_at_edit=[1]), "must be a list of text items"),
        (dot("commits_over_52", [], upstream_at_edit=[1, "x"]), "must be a whole number"),
        (dot("title", "T", upstream_at_edit=5), "invalid upstream_at_edit for title: '5'"),
        (dot("title", "T", upstream_at_edit="\udce9"), "is not valid UTF-8 text"),
        (dot("notes", "mine", upstream_at_edit="x"), "must be null: notes exists only"),
        (dot("tags", ["a"], upstream_at_edit=["a"]), "must be null: tags exists only"),
        (dot("title", "\udce9"), "invalid value for title"),
        (dot("repo_watchers", 2**63), "invalid value for repo_watchers"),
        (dot("last_updated", "9999-12-31T23:59:59-05:00"), "is out of range"),
        ({"package": "django-oauth-toolkit", "field": "title"}, 'needs a "value"'),
        (dot("title", "T", package="not a slug!"), "is not a package slug"),
    ],
)
def test_an_import_with_one_bad_entry_imports_nothing_and_names_it(
    cli: CliHarness, mirror: Path, tmp_path: Path, entry: dict[str, Any], problem: str
) -> None:
    path = edits_file(tmp_path, GOOD_EDIT, entry)
    result = cli("edit", "--import", str(path))
    assert result.exit_code == EXIT_USAGE
    line = one_line(result.stderr)
    assert line.startswith(f"pkgcli: edit #2 ({entry['package']} {entry['field']}) in {path}: ")
    assert problem in line and line.endswith("nothing imported")
    assert json.loads(cli("edit", "--history", "--json").stdout) == []
    for args in (("show", "django-oauth-toolkit", "--offline"), ("search", "oauth")):
        assert cli(*args).exit_code == 0  # nothing stored that could break a reader


@pytest.mark.parametrize(
    ("top", "problem"),
    [
        ({"version": True}, "has export version True"),
        ({"version": 1.0}, "has export version 1.0"),
        ({"version": "1"}, "has export version '1'"),
        ({"version": 0}, "has export version 0"),
        ({"local_packages": [{"slug": 5}]}, "local package #1 in"),
        ({"local_packages": ["x"]}, "local package #1 in"),
        ({"local_packages": [{"slug": "123"}]}, "cannot name a new package"),
        ({"edits": {"a": 1}}, "local_packages and edits must be lists"),
    ],
)
def test_an_import_file_with_a_bad_header_imports_nothing(
    cli: CliHarness, mirror: Path, tmp_path: Path, top: dict[str, Any], problem: str
) -> None:
    path = edits_file(tmp_path, GOOD_EDIT, **top)
    result = cli("edit", "--import", str(path))
    assert result.exit_code == EXIT_USAGE
    assert problem in one_line(result.stderr)
    assert json.loads(cli("edit", "--history", "--json").stdout) == []


def test_a_deeply_nested_import_file_is_a_usage_error(
    cli: CliHarness, mirror: Path, tmp_path: Path
) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    result = cli("edit", "--import", str(path))
    assert result.exit_code == EXIT_USAGE
    one_line(result.stderr)


def test_upstream_values_as_upstream_has_them_are_imported_unchanged(
    cli: CliHarness, mirror: Path, tmp_path: Path
) -> None:
    """What `coerce` would refuse in a new value is a fact about upstream here: Django
    Packages serves commit lists that are not 52 long, URLs without a scheme, untrimmed
    titles; null is upstream not knowing."""
    upstream_values = {
        "commits_over_52": ([0] * 52, [1, 2, 3, 4]),
        "documentation_url": ("https://docs.example/", "docs.example/no-scheme"),
        "title": ("Mine", " Untrimmed title "),
        "participants": (["me"], ["", "bob"]),
        "category": (1, None),
        "last_updated": ("2024-01-01", None),
        "repo_watchers": (5, None),
        "grids": ([1], [2, 2]),
    }
    edits = [dot(f, value, upstream_at_edit=old) for f, (value, old) in upstream_values.items()]
    edits.append(dot("repo_forks", 3, upstream_at_edit=11))
    edits.append(dot("notes", "mine", upstream_at_edit=None))
    edits.append(dot("pypi_version", "9.9"))  # no upstream_at_edit: the upstream value now
    result = cli("edit", "--import", str(edits_file(tmp_path, *edits)))
    assert result.exit_code == 0, result.stderr
    shown = json.loads(cli("show", "django-oauth-toolkit", "--offline", "--json").stdout)
    overrides = shown["pkgcli"]["overrides"]
    assert overrides["commits_over_52"]["upstream_at_edit"] == [1, 2, 3, 4]
    assert overrides["documentation_url"]["upstream_at_edit"] == "docs.example/no-scheme"
    assert overrides["title"]["upstream_at_edit"] == " Untrimmed title "
    assert overrides["participants"]["upstream_at_edit"] == ["", "bob"]
    assert overrides["category"]["upstream_at_edit"] is None
    assert overrides["last_updated"]["upstream_at_edit"] is None
    grids_then = overrides["grids"]["upstream_at_edit"]
    assert [link_id(url) for url in grids_then] == [2, 2]
    assert overrides["repo_forks"] == {
        "value": 3,
        "upstream": 10,
        "upstream_at_edit": 11,
        "upstream_changed": True,
    }
    assert overrides["pypi_version"]["upstream_changed"] is False
    for args in (
        ("show", "django-oauth-toolkit", "--offline", "--format", "table"),
        ("search", "oauth", "--fields", "all"),
        ("edit", "--history"),
        ("edit", "--export", "-"),
    ):
        assert cli(*args).exit_code == 0, args


def test_an_upstream_time_with_an_offset_is_kept_in_utc(
    cli: CliHarness, mirror: Path, tmp_path: Path
) -> None:
    entry = dot("last_updated", "2024-01-01", upstream_at_edit="2023-06-01T08:00:00-04:00")
    assert cli("edit", "--import", str(edits_file(tmp_path, entry))).exit_code == 0
    (exported,) = json.loads(cli("edit", "--export", "-").stdout)["edits"]
    assert exported["upstream_at_edit"] == "2023-06-01T12:00:00+00:00"
    shown = json.loads(cli("show", "django-oauth-toolkit", "--offline", "--json").stdout)
    assert shown["pkgcli"]["overrides"]["last_updated"]["upstream_at_edit"] == (
        "2023-06-01T08:00:00-04:00"
    )


# -- item 17: a value in the database that does not parse is exit 5, "corrupt" -------------

READERS = [
    ("show", "django-ninja", "--offline", "--json"),
    ("show", "django-ninja", "--offline", "--format", "table"),
    ("search", "ninja"),
    ("search", "ninja", "--format", "csv", "--fields", "all"),
    ("list-grid", "rest-frameworks"),
]


def tamper(db: Path, *statements: str) -> None:
    conn = sqlite3.connect(db)
    try:
        for sql in statements:
            conn.execute(sql)
        conn.commit()
    finally:
        conn.close()


def assert_corrupt(result: Any, db: Path, *words: str) -> str:
    assert result.exit_code == EXIT_DATABASE, result.output
    *notes, line = str(result.stderr).strip().splitlines()  # list-grid notes a missing member
    assert line.startswith("pkgcli: ") and not [n for n in notes if "pkgcli:" in n]
    assert f"{db} is corrupt: " in line
    for word in words:
        assert word in line, line
    return str(line)


@pytest.mark.parametrize(
    ("sql", "words"),
    [
        ("UPDATE packages SET grid_ids = 'not json' WHERE id = 2", ("grid_ids", "'not json'")),
        ("UPDATE packages SET grid_ids = '[[' WHERE id = 2", ("grid_ids",)),
        ("UPDATE packages SET grid_ids = '5' WHERE id = 2", ("grid_ids", "list of integers")),
        ("UPDATE packages SET grid_ids = '[\"a\"]' WHERE id = 2", ("grid_ids",)),
        ("UPDATE packages SET commits_over_52 = '\"abc\"' WHERE id = 2", ("commits_over_52",)),
        ("UPDATE packages SET commits_over_52 = '[1.5]' WHERE id = 2", ("commits_over_52",)),
        ("UPDATE packages SET participants = '[1]' WHERE id = 2", ("participants", "strings")),
        ("UPDATE packages SET participants = '{' WHERE id = 2", ("participants",)),
        ("UPDATE packages SET last_updated = 'garbage' WHERE id = 2", ("last_updated",)),
        ("UPDATE packages SET created = 'garbage' WHERE id = 2", ("created", "ISO time")),
        (
            "INSERT INTO github_repos (package_id, commits_over_52, participation_fetched_at)"
            " VALUES (2, 'not json', '2024-01-01T00:00:00+00:00')",
            ("github_repos.commits_over_52", "package id 2"),
        ),
        (
            "INSERT INTO github_repos (package_id, participants, contributors_fetched_at)"
            " VALUES (2, '[null]', '2024-01-01T00:00:00+00:00')",
            ("github_repos.participants",),
        ),
        (
            "INSERT INTO pypi_projects (package_id, python_versions, fetched_at)"
            " VALUES (2, '[3.1', '2024-01-01T00:00:00+00:00')",
            ("pypi_projects.python_versions",),
        ),
        (
            "INSERT INTO github_repos (package_id, stars, repo_fetched_at)"
            " VALUES (2, 5, 'yesterday')",
            ("what the sources say about package 'django-ninja'",),
        ),
    ],
)
@pytest.mark.parametrize("args", READERS, ids=" ".join)
def test_a_corrupt_package_row_is_exit_5_on_every_read(
    cli: CliHarness, mirror: Path, sql: str, words: tuple[str, ...], args: tuple[str, ...]
) -> None:
    tamper(mirror, sql)
    assert_corrupt(cli(*args), mirror, "django-ninja" if "packages" in sql else "", *words)


def insert_edit(db: Path, field: str, new: str | None, old: str | None = None) -> None:
    tamper(
        db,
        "INSERT INTO edits (package_id, field, old_value, new_value, created_at, origin) "
        f"VALUES (2, '{field}', {old or 'NULL'}, {new or 'NULL'}, '2024-01-01T00:00:00+00:00', "
        "'cli')",
    )


@pytest.mark.parametrize(
    "args",
    [*READERS, ("edit", "--history"), ("edit", "django-ninja", "--history", "--json")],
    ids=" ".join,
)
def test_an_edit_value_that_is_not_json_is_exit_5(
    cli: CliHarness, mirror: Path, args: tuple[str, ...]
) -> None:
    insert_edit(mirror, "title", "'not json'")
    assert_corrupt(cli(*args), mirror, "edit 1 (django-ninja title)", "is not JSON")


def test_exporting_a_corrupt_edit_is_exit_5_and_writes_nothing(
    cli: CliHarness, mirror: Path, tmp_path: Path
) -> None:
    insert_edit(mirror, "last_updated", "'\"2024-01-01T00:00:00+00:00\"'", "'\"garbage\"'")
    target = tmp_path / "edits.json"
    assert_corrupt(cli("edit", "--export", str(target)), mirror, "upstream_at_edit 'garbage'")
    assert not target.exists() and leftovers(tmp_path) == []
    assert_corrupt(cli("edit", "--export", "-"), mirror, "edit 1")


def test_a_bad_upstream_at_edit_from_an_old_import_can_be_seen_and_reverted(
    cli: CliHarness, mirror: Path
) -> None:
    """What `--import` let in before it checked upstream_at_edit: show says how to fix it."""
    insert_edit(mirror, "last_updated", "'\"2024-01-01T00:00:00+00:00\"'", "'\"garbage\"'")
    line = assert_corrupt(cli("show", "django-ninja", "--offline"), mirror)
    assert line.endswith("withdraw it with: pkgcli edit django-ninja --revert 1")
    history = cli("edit", "django-ninja", "--history", "--json")
    assert history.exit_code == 0, history.stderr
    assert json.loads(history.stdout)[0]["upstream_at_edit"] == "garbage"
    assert cli("edit", "django-ninja", "--revert", "1").exit_code == 0
    for args in READERS:
        assert cli(*args).exit_code == 0, args


@pytest.mark.parametrize(
    ("field", "new", "words"),
    [
        ("grids", "'5'", ("the value '5'",)),
        ("grids", "'[0]'", ("must be a list of ids",)),
        ("category", "'\"x\"'", ("category",)),
        ("repo_watchers", "'\"many\"'", ("must be a whole number",)),
        ("last_updated", "'\"soon\"'", ("must be an ISO date",)),
        ("participants", "'[1]'", ("must be a list of text items",)),
    ],
)
def test_an_edit_value_of_the_wrong_type_is_exit_5(
    cli: CliHarness, mirror: Path, field: str, new: str, words: tuple[str, ...]
) -> None:
    insert_edit(mirror, field, new)
    for args in READERS:
        assert_corrupt(cli(*args), mirror, f"edit 1 (django-ninja {field})", *words)
    assert cli("edit", "--history").exit_code == 0  # shown as stored, so it can be reverted


# -- found on the way: a Retry-After header no server should send --------------------------


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("9" * 400, 1e9), ("\u00b2", None), ("12", 12.0), ("0012", 12.0), ("-5", None)],
)
def test_parse_retry_after_of_absurd_headers(header: str, seconds: float | None) -> None:
    assert parse_retry_after(header) == seconds


@pytest.mark.parametrize("header", ["9" * 400, "\u00b2"])
def test_an_absurd_retry_after_is_one_line_not_a_traceback(
    cli: CliHarness, mirror: Path, header: str
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers=[(b"Retry-After", header.encode("latin-1"))])

    cli.transport = httpx.MockTransport(answer)
    result = cli("fetch", "django-ninja", "--source", "djangopackages")
    assert result.exit_code == EXIT_UPSTREAM
    assert "rate limiting us (429)" in one_line(result.stderr)


def test_the_editor_reopens_on_an_out_of_range_date_or_integer(
    cli: CliHarness, mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from .test_edit_editor import ScriptedEditor

    editor = ScriptedEditor(tmp_path / "editor", monkeypatch)
    editor.plan(
        {
            "write": "last_updated = 9999-12-31T23:59:59-05:00\n"
            "repo_watchers = 99999999999999999999\n"
        },
        {"write": "last_updated = 0001-01-01T00:00:00Z\nrepo_watchers = 9223372036854775807\n"},
    )
    result = cli("edit", "django-ninja", "--editor")
    assert result.exit_code == 0, result.stderr
    problems = [line for line in editor.seen(1).splitlines() if line.startswith("# ERROR: ")]
    assert "last_updated" in problems[0] and "out of range" in problems[0]
    assert "repo_watchers" in problems[1] and "whole number" in problems[1]
    shown = json.loads(cli("show", "django-ninja", "--offline", "--json").stdout)
    assert (shown["last_updated"], shown["repo_watchers"]) == (
        "0001-01-01T00:00:00+00:00",
        2**63 - 1,
    )
