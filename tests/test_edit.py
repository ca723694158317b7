"""`pkgcli edit` through the CLI: the overlay survives refreshes, validation, history and
undo, local packages, export and import."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from pkgcli.errors import EXIT_NOT_FOUND, EXIT_UPSTREAM, EXIT_USAGE
from pkgcli.merge import NEW_FIELDS
from pkgcli.overlay import FIELDS

from .conftest import FIXTURES, CliHarness

DOT = "django-oauth-toolkit"
REAL_1858 = json.loads((FIXTURES / "djangopackages" / "package-1858.json").read_text())
NEW_DOCS = "https://django-oauth-toolkit.readthedocs.io/"


def view(cli: CliHarness, slug: str = DOT) -> dict[str, Any]:
    result = cli("show", slug, "--json", "--offline")
    assert result.exit_code == 0, result.stderr
    shown: dict[str, Any] = json.loads(result.stdout)
    return shown


def history(cli: CliHarness, *args: str) -> list[dict[str, Any]]:
    result = cli("edit", *args, "--history", "--json")
    assert result.exit_code == 0, result.stderr
    entries: list[dict[str, Any]] = json.loads(result.stdout)
    return entries


def db_rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_an_edit_survives_fetch_all_and_unset_restores_upstream(
    fake: Any, cli: CliHarness, isolated_env: Path
) -> None:
    assert cli("fetch", "--all").exit_code == 0
    result = cli("edit", DOT, "--set", f"documentation_url={NEW_DOCS}", "--set", "title=DOT")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert f'{DOT}: documentation_url = "{NEW_DOCS}"' in result.stderr

    assert cli("fetch", "--all").exit_code == 0
    assert cli("fetch", DOT).exit_code == 0
    shown = view(cli)
    assert (shown["documentation_url"], shown["title"]) == (NEW_DOCS, "DOT")
    meta = shown["pkgcli"]
    assert meta["edited"] == ["title", "documentation_url"]  # in the order of edit --fields
    assert meta["overrides"]["documentation_url"] == {
        "value": NEW_DOCS,
        "upstream": REAL_1858["documentation_url"],
        "upstream_at_edit": REAL_1858["documentation_url"],
        "upstream_changed": False,
    }
    # The upstream row itself was never written by the edit.
    assert db_rows(isolated_env, "SELECT title, documentation_url FROM packages WHERE id = 1858")[
        0
    ] == (REAL_1858["title"], REAL_1858["documentation_url"])
    text = cli("show", DOT, "--offline", "--format", "table").stdout
    assert f"{NEW_DOCS}  (edited)" in text
    assert "DOT  (django-oauth-toolkit)  (edited)" in text

    result = cli("edit", DOT, "--unset", "documentation_url")
    assert result.exit_code == 0, result.stderr
    assert "documentation_url back to the upstream value" in result.stderr
    shown = view(cli)
    assert shown["documentation_url"] == REAL_1858["documentation_url"]
    assert shown["pkgcli"]["edited"] == ["title"]
    again = cli("edit", DOT, "--unset", "documentation_url")
    assert again.exit_code == 0
    assert "documentation_url is not edited; nothing to unset" in again.stderr


def test_show_json_keeps_the_upstream_keys_and_adds_the_overlay_keys(
    fake: Any, cli: CliHarness
) -> None:
    assert cli("edit", DOT, "--set", "repo_forks=1", "--set", "tags=auth, oauth").exit_code == 0
    shown = view(cli)
    assert list(shown)[: len(REAL_1858)] == list(REAL_1858)
    assert list(shown)[len(REAL_1858) :] == [*NEW_FIELDS, "notes", "tags", "pkgcli"]
    assert (shown["repo_forks"], shown["tags"], shown["notes"]) == (1, ["auth", "oauth"], None)
    assert shown["pkgcli"]["local"] is False


def test_upstream_changes_after_an_edit_show_both_values(fake: Any, cli: CliHarness) -> None:
    mine = "https://github.com/jazzband/django-oauth-toolkit"
    renamed = "https://github.com/jazzband/dot-renamed"
    assert cli("edit", DOT, "--set", f"repo_url={mine}").exit_code == 0
    fake.catalogue.packages[1858]["repo_url"] = renamed
    assert cli("fetch", DOT).exit_code == 0
    override = view(cli)["pkgcli"]["overrides"]["repo_url"]
    assert override == {
        "value": mine,
        "upstream": renamed,
        "upstream_at_edit": REAL_1858["repo_url"],
        "upstream_changed": True,
    }
    assert view(cli)["repo_url"] == mine
    text = cli("show", DOT, "--offline", "--format", "table").stdout
    assert f"{mine}  (edited)" in text
    words = " ".join(text.split())  # long lines fold at 80 columns
    assert f"{mine} (edited) upstream now: {renamed} (changed since your edit)" in words
    assert max(len(line) for line in text.splitlines()) <= 80


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        (["--set", "repo_watchers=abc"], "invalid value for repo_watchers: 'abc'"),
        (["--set", "repo_watchers=-3"], "must be a whole number"),
        (["--set", "repo_url=ftp://example.com/x"], "must be an http:// or https:// URL"),
        (["--set", "last_updated=yesterday"], "must be an ISO date"),
        (["--set", "commits_over_52=1,2,3"], "must hold 52 weekly counts"),
        (["--set", "participants=[1, 2]"], "must be a list of text items"),
        (["--set", "grids=[not json"], "is not a valid JSON list"),
        (["--set", "title=line one\nline two"], "must be a single line"),
        (["--set", "colour=blue"], "unknown field 'colour' for --set"),
        (["--set", "star=3"], "unknown field 'star' for --set; did you mean stars?"),
        (["--set", "score=3"], "score is not editable; editable fields: title, description,"),
        (["--set", "title"], "--set takes FIELD=VALUE"),
        (["--unset", "colour"], "unknown field 'colour' for --unset"),
        (["--set", "title=a", "--unset", "title"], "title is given more than once"),
    ],
)
def test_an_invalid_edit_is_one_line_and_changes_nothing(
    fake: Any, cli: CliHarness, options: list[str], problem: str
) -> None:
    assert cli("fetch", DOT).exit_code == 0
    before = view(cli)
    # A valid --set in the same command is not applied either: all or nothing.
    result = cli("edit", DOT, "--set", "repo_forks=5", *options)
    assert result.exit_code == EXIT_USAGE
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert problem in result.stderr
    assert "Traceback" not in result.stderr
    assert view(cli) == before
    assert history(cli, DOT) == []


def test_values_are_typed_lists_as_json_or_commas(fake: Any, cli: CliHarness) -> None:
    result = cli(
        "edit",
        DOT,
        "--set",
        'participants=["ann", "bob"]',
        "--set",
        "tags=Auth, oauth ,auth",
        "--set",
        "last_updated=2024-05-31",
        "--set",
        "repo_watchers= 7 ",
        "--set",
        "grids=7,126",
        "--set",
        "category=1",
        "--set",
        "pypi_url=django-oauth-toolkit",
        "--set",
        "documentation_url=",
    )
    assert result.exit_code == 0, result.stderr
    shown = view(cli)
    assert shown["participants"] == ["ann", "bob"]
    assert shown["tags"] == ["Auth", "oauth"]  # duplicates dropped, whatever the case
    assert shown["last_updated"].startswith("2024-05-30T20:00:00")  # midnight UTC, in New York
    assert shown["repo_watchers"] == 7
    assert [g.rsplit("/", 2)[1] for g in shown["grids"]] == ["7", "126"]
    assert [g["slug"] for g in shown["pkgcli"]["grids"]] == ["authentication", "oauth-providers"]
    assert shown["pypi_url"] == "django-oauth-toolkit"
    assert shown["documentation_url"] == ""
    entries = {e["field"]: e for e in history(cli, DOT)}
    assert entries["last_updated"]["value"] == "2024-05-31T00:00:00+00:00"  # stored as UTC
    assert entries["grids"]["value"] == [7, 126]


def test_setting_the_same_value_again_records_nothing(fake: Any, cli: CliHarness) -> None:
    assert cli("edit", DOT, "--set", "title=Mine").exit_code == 0
    again = cli("edit", DOT, "--set", "title=Mine")
    assert again.exit_code == 0
    assert "title already has that value; nothing to change" in again.stderr
    assert "nothing changed" in again.stderr
    assert len(history(cli, DOT)) == 1
    # Setting the upstream value itself is a pin: kept even if upstream changes later.
    pin = cli("edit", DOT, "--set", f"repo_forks={REAL_1858['repo_forks']}")
    assert pin.exit_code == 0
    fake.catalogue.packages[1858]["repo_forks"] = 9999
    assert cli("fetch", DOT, "--source", "djangopackages").exit_code == 0
    assert view(cli)["repo_forks"] == REAL_1858["repo_forks"]
    assert view(cli)["pkgcli"]["overrides"]["repo_forks"]["upstream_changed"] is True


def test_history_and_revert_one_or_all(fake: Any, cli: CliHarness) -> None:
    for options in (["--set", "title=A"], ["--set", "title=B"], ["--unset", "title"]):
        assert cli("edit", DOT, *options).exit_code == 0
    assert cli("edit", DOT, "--set", "notes=keep an eye on it").exit_code == 0
    entries = history(cli, DOT)
    assert [(e["action"], e["value"], e["state"]) for e in entries] == [
        ("set", "A", "superseded"),
        ("set", "B", "superseded"),
        ("unset", None, "in force"),
        ("set", "keep an eye on it", "in force"),
    ]
    assert entries[0]["upstream_at_edit"] == REAL_1858["title"]
    piped = cli("edit", DOT, "--history")
    lines = piped.stdout.splitlines()
    assert len(lines) == 4
    assert lines[0].split("\t")[2:] == [DOT, "title", "set", '"A"', "superseded"]
    ids = [e["id"] for e in entries]

    assert view(cli)["title"] == REAL_1858["title"]
    result = cli("edit", DOT, "--revert", str(ids[2]))  # withdraw the unset: B again
    assert result.exit_code == 0, result.stderr
    assert f"reverted edit {ids[2]}" in result.stderr
    assert view(cli)["title"] == "B"
    assert cli("edit", DOT, "--revert", str(ids[1])).exit_code == 0
    assert view(cli)["title"] == "A"

    already = cli("edit", DOT, "--revert", str(ids[1]))
    assert already.exit_code == EXIT_USAGE
    assert "already reverted" in already.stderr
    missing = cli("edit", DOT, "--revert", "9999")
    assert missing.exit_code == EXIT_NOT_FOUND
    assert "has no edit 9999" in missing.stderr

    result = cli("edit", DOT, "--revert-all")
    assert result.exit_code == 0
    shown = view(cli)
    assert (shown["title"], shown["notes"], shown["pkgcli"]["edited"]) == (
        REAL_1858["title"],
        None,
        [],
    )
    assert {e["state"] for e in history(cli, DOT)} == {"reverted"}
    assert "has no edits to revert" in cli("edit", DOT, "--revert-all").stderr


def test_setting_notes_or_tags_to_nothing_drops_them(fake: Any, cli: CliHarness) -> None:
    assert cli("edit", DOT, "--set", "notes=n", "--set", "tags=a,b").exit_code == 0
    result = cli("edit", DOT, "--set", "notes=", "--set", "tags=[]")
    assert result.exit_code == 0
    assert f"{DOT}: notes removed" in result.stderr
    shown = view(cli)
    assert (shown["notes"], shown["tags"], shown["pkgcli"]["edited"]) == (None, [], [])
    assert "tags is not edited" in cli("edit", DOT, "--set", "tags=").stderr


def test_history_of_all_packages_and_json_of_changes(fake: Any, cli: CliHarness) -> None:
    empty = cli("edit", "--history")
    assert (empty.exit_code, empty.stdout, empty.stderr) == (0, "", "no edits yet\n")
    recorded = cli("edit", DOT, "--set", "repo_forks=3", "--json")
    assert recorded.exit_code == 0
    [entry] = json.loads(recorded.stdout)
    assert (entry["package"], entry["field"], entry["value"]) == (DOT, "repo_forks", 3)
    assert cli("edit", "django-debug-toolbar", "--set", "repo_forks=4").exit_code == 0
    assert [e["package"] for e in history(cli)] == [DOT, "django-debug-toolbar"]


def test_edit_fetches_a_package_that_is_not_mirrored_yet(fake: Any, cli: CliHarness) -> None:
    result = cli("edit", DOT, "--set", "title=Mine")
    assert result.exit_code == 0, result.stderr
    assert "not in the mirror yet: fetching it" in result.stderr
    assert view(cli)["title"] == "Mine"
    unknown = cli("edit", "no-such-package", "--set", "title=x")
    assert unknown.exit_code == EXIT_NOT_FOUND
    assert "pkgcli edit no-such-package --create" in unknown.stderr


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["edit"], "name the package to edit"),
        (["edit", DOT], "nothing to do"),
        (["edit", DOT, "--history", "--set", "title=x"], "do not go together"),
        (["edit", DOT, "--export", "x.json"], "takes no package slug"),
        (["edit", DOT, "--create", "--unset", "title"], "makes no sense with --create"),
        (["edit", DOT, "--revert", "1", "--revert-all"], "not both"),
        (["edit", "bad slug", "--set", "title=x"], "is not a package slug"),
    ],
)
def test_option_mistakes_are_usage_errors(cli: CliHarness, args: list[str], problem: str) -> None:
    result = cli(*args)
    assert result.exit_code == EXIT_USAGE
    assert problem in result.stderr
    assert result.stderr.count("\n") == 1


def test_edit_is_listed_and_has_help_though_it_is_built_lazily(cli: CliHarness) -> None:
    assert re.search(r"^  edit +Edit a package locally", cli("--help").stdout, re.M)
    result = cli("edit", "-h")
    assert result.exit_code == 0
    assert "--set FIELD=VALUE" in result.stdout


def test_the_editable_fields_are_listed(cli: CliHarness) -> None:
    result = cli("edit", "--fields")
    assert result.exit_code == 0
    assert [line.split("\t")[0] for line in result.stdout.splitlines()] == list(FIELDS)
    listed = json.loads(cli("edit", "--fields", "--json").stdout)
    assert {f["name"]: f["upstream"] for f in listed}["notes"] is False


# -- local packages --------------------------------------------------------------------


def test_a_local_package_is_created_and_shown_without_the_network(cli: CliHarness) -> None:
    # No fake upstream here: the API URL is a closed port, so any request would fail.
    result = cli(
        "edit",
        "my-private-app",
        "--create",
        "--set",
        "title=My Private App",
        "--set",
        "repo_url=https://git.example.com/me/app",
    )
    assert result.exit_code == 0, result.stderr
    assert "created local package my-private-app" in result.stderr
    for extra in ([], ["--offline"]):
        shown = json.loads(cli("show", "my-private-app", "--json", *extra).stdout)
        assert shown["id"] < 0
        assert shown["title"] == "My Private App"
        assert shown["repo_url"] == "https://git.example.com/me/app"
        assert shown["pkgcli"]["local"] is True
    text = cli("show", "my-private-app", "--format", "table").stdout
    assert "My Private App" in text
    assert "local package: only in this mirror" in text
    assert "(edited)" not in text  # every value of a local package is the user's

    second = cli("edit", "another-app", "--create")
    assert second.exit_code == 0
    ids = [
        json.loads(cli("show", s, "--json").stdout)["id"] for s in ("my-private-app", "another-app")
    ]
    assert ids == [-1, -2]


def test_creating_an_existing_or_malformed_slug_is_refused(fake: Any, cli: CliHarness) -> None:
    assert cli("fetch", DOT).exit_code == 0
    for slug, problem in (
        (DOT, "already in the mirror"),
        ("DJANGO-OAUTH-TOOLKIT", "already in the mirror"),
        ("12345", "cannot name a new package"),
        ("x" * 51, "cannot name a new package"),
        ("has space", "is not a package slug"),
    ):
        result = cli("edit", slug, "--create", "--set", "title=x")
        assert result.exit_code == EXIT_USAGE, slug
        assert problem in result.stderr
    bad_value = cli("edit", "new-app", "--create", "--set", "repo_url=nope")
    assert bad_value.exit_code == EXIT_USAGE
    assert cli("show", "new-app", "--offline").exit_code == EXIT_NOT_FOUND  # not half-created


def test_fetch_never_asks_django_packages_about_local_packages(
    fake: Any, cli: CliHarness, isolated_env: Path
) -> None:
    assert cli("edit", "my-app", "--create", "--set", "title=Mine").exit_code == 0
    assert cli("fetch", "--all").exit_code == 0
    assert cli("fetch", "--all").exit_code == 0  # a complete pass flags gone packages
    result = cli("fetch", "my-app")
    assert result.exit_code == 0, result.stderr
    assert "not looked up on Django Packages (local packages, only in this mirror): my-app" in (
        result.stderr
    )
    mixed = cli("fetch", "my-app", DOT)
    assert mixed.exit_code == 0
    assert not [r for r in fake.requests if "my-app" in r.path]
    shown = view(cli, "my-app")
    assert shown["pkgcli"]["gone_upstream_at"] is None
    assert shown["title"] == "Mine"
    assert db_rows(isolated_env, "SELECT count(*) FROM packages WHERE gone_at IS NOT NULL") == [
        (0,)
    ]


def test_a_local_slug_that_upstream_publishes_later_moves_aside_but_stays_usable(
    fake: Any, cli: CliHarness
) -> None:
    assert cli("edit", DOT, "--create", "--set", "notes=my fork").exit_code == 0
    assert cli("fetch", "--all").exit_code == 0  # upstream has it: it takes the slug
    assert view(cli)["id"] == 1858
    moved = view(cli, f"{DOT}-local1")
    assert (moved["id"], moved["notes"], moved["pkgcli"]["local"]) == (-1, "my fork", True)
    assert cli("edit", f"{DOT}-local1", "--set", "title=Fork").exit_code == 0


def test_a_local_package_can_be_deleted_but_an_upstream_one_cannot(
    fake: Any, cli: CliHarness
) -> None:
    assert cli("edit", "my-app", "--create", "--set", "notes=x").exit_code == 0
    assert cli("edit", "my-app", "--delete").exit_code == 0
    assert cli("show", "my-app", "--offline").exit_code == EXIT_NOT_FOUND
    assert history(cli) == []
    assert cli("fetch", DOT).exit_code == 0
    refused = cli("edit", DOT, "--delete")
    assert refused.exit_code == EXIT_USAGE
    assert "--revert-all" in refused.stderr


# -- export and import -----------------------------------------------------------------


def make_edits(cli: CliHarness) -> None:
    assert cli("fetch", "--all").exit_code == 0
    assert cli("edit", DOT, "--set", f"documentation_url={NEW_DOCS}", "--set", "tags=auth")
    assert cli("edit", DOT, "--set", "title=Old", "--set", "repo_forks=1").exit_code == 0
    assert cli("edit", DOT, "--unset", "title").exit_code == 0  # not in force: not exported
    assert cli("edit", "django-debug-toolbar", "--set", "notes=Line 1\nLine 2").exit_code == 0
    created = cli("edit", "my-app", "--create", "--set", "title=Mine", "--set", "grids=7")
    assert created.exit_code == 0
    assert cli("edit", "empty-local", "--create").exit_code == 0


def overlay_of(shown: dict[str, Any]) -> dict[str, Any]:
    meta = shown["pkgcli"]
    edited = {f: shown[f] for f in meta["edited"]}
    return {"edited": edited, "overrides": meta["overrides"], "local": meta["local"]}


def test_export_then_import_on_a_fresh_database_reproduces_the_edits(
    fake: Any, cli: CliHarness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_edits(cli)
    slugs = (DOT, "django-debug-toolbar", "my-app", "empty-local")
    before = {slug: overlay_of(view(cli, slug)) for slug in slugs}
    export = tmp_path / "edits.json"
    result = cli("edit", "--export", str(export))
    assert result.exit_code == 0, result.stderr
    assert "exported 6 edits and 2 local packages" in result.stderr
    document = json.loads(export.read_text())
    assert (document["format"], document["version"]) == ("pkgcli-edits", 1)
    assert {e["field"] for e in document["edits"] if e["package"] == DOT} == {
        "documentation_url",
        "tags",
        "repo_forks",
    }

    monkeypatch.setenv("PKGCLI_DB", str(tmp_path / "fresh.db"))
    assert cli("fetch", "--all").exit_code == 0
    result = cli("edit", "--import", str(export))
    assert result.exit_code == 0, result.stderr
    assert "imported 6 edits and 2 new local packages" in result.stderr
    assert {slug: overlay_of(view(cli, slug)) for slug in slugs} == before
    assert {e["origin"] for e in history(cli)} == {"import"}

    again = cli("edit", "--import", str(export))  # idempotent
    assert again.exit_code == 0
    assert "imported 0 edits and 0 new local packages" in again.stderr
    assert len(history(cli)) == 6


def test_an_import_naming_a_missing_package_imports_nothing(
    fake: Any, cli: CliHarness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_edits(cli)
    export = tmp_path / "edits.json"
    assert cli("edit", "--export", str(export)).exit_code == 0
    fresh = tmp_path / "fresh.db"
    monkeypatch.setenv("PKGCLI_DB", str(fresh))
    assert cli("fetch", DOT).exit_code == 0  # django-debug-toolbar is not mirrored here
    result = cli("edit", "--import", str(export))
    assert result.exit_code == EXIT_NOT_FOUND
    assert "not in this mirror: django-debug-toolbar" in result.stderr
    assert "nothing imported" in result.stderr
    assert history(cli) == []
    assert db_rows(fresh, "SELECT count(*) FROM packages WHERE id < 0") == [(0,)]


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ("not json", "is not JSON"),
        ('{"format": "other"}', "is not a pkgcli edits export"),
        ('{"format": "pkgcli-edits", "version": 99}', "this pkgcli reads version 1"),
        (
            '{"format": "pkgcli-edits", "version": 1, "edits": '
            '[{"package": "django-oauth-toolkit", "field": "repo_forks", "value": "many"}]}',
            "invalid value for repo_forks",
        ),
        (
            '{"format": "pkgcli-edits", "version": 1, "edits": '
            '[{"package": "django-oauth-toolkit", "field": "colour", "value": "red"}]}',
            "unknown field 'colour'",
        ),
    ],
)
def test_an_invalid_import_file_imports_nothing(
    fake: Any, cli: CliHarness, tmp_path: Path, document: str, problem: str
) -> None:
    assert cli("fetch", DOT).exit_code == 0
    path = tmp_path / "in.json"
    path.write_text(document)
    result = cli("edit", "--import", str(path))
    assert result.exit_code == EXIT_USAGE
    assert problem in result.stderr
    assert history(cli) == []


def test_export_to_stdout_and_import_from_stdin(fake: Any, cli: CliHarness) -> None:
    assert cli("edit", DOT, "--set", "repo_forks=2").exit_code == 0
    exported = cli("edit", "--export", "-")
    assert exported.exit_code == 0
    document = json.loads(exported.stdout)
    document["edits"][0]["value"] = 3
    imported = cli("edit", "--import", "-", input=json.dumps(document))
    assert imported.exit_code == 0, imported.stderr
    assert view(cli)["repo_forks"] == 3


def test_an_unreachable_upstream_does_not_block_editing_a_mirrored_package(
    fake: Any, cli: CliHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("fetch", DOT).exit_code == 0
    monkeypatch.setenv("PKGCLI_API_URL", "http://127.0.0.1:9/api/v4")
    assert cli("edit", DOT, "--set", "title=Offline edit").exit_code == 0
    assert view(cli)["title"] == "Offline edit"
    assert cli("edit", "not-mirrored", "--set", "title=x").exit_code == EXIT_UPSTREAM


def test_show_does_not_load_the_edit_machinery(fake: Any, cli: CliHarness) -> None:
    """`show` pays for the overlay (one small module, one query), not for `edit`."""
    import subprocess
    import sys

    assert cli("edit", DOT, "--set", "title=Mine").exit_code == 0
    script = (
        "import sys\n"
        "from pkgcli.cli import app\n"
        "try:\n"
        f"    app(['show', '{DOT}', '--json', '--offline'], prog_name='pkgcli')\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stderr.write(' '.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert json.loads(done.stdout)["title"] == "Mine"
    loaded = set(done.stderr.split())
    assert "pkgcli.overlay" in loaded
    heavy = {"pkgcli.editing", "pkgcli.editor", "tomllib", "rich", "httpx", "sqlite_utils"}
    assert loaded & heavy == set()
