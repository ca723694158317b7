"""The command surface through the CLI: `edits` subcommands (one job each), `grids` and
`grid SLUG`, full summaries in --help."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from pkgcli.errors import EXIT_NOT_FOUND, EXIT_USAGE
from tests.mirror_seed import seed, standard

from .conftest import CliHarness


@pytest.fixture
def mirror(isolated_env: Path) -> Path:
    seed(str(isolated_env), *standard())
    return isolated_env


def ok(cli: CliHarness, *args: str, input: str | None = None) -> str:
    result = cli(*args, input=input)
    assert result.exit_code == 0, result.stderr
    return str(result.stdout)


def test_edits_history_goes_through_every_format(cli: CliHarness, mirror: Path) -> None:
    ok(cli, "edit", "drf-yasg", "--set", "stars=5", "--set", "tags=legal")
    rows = json.loads(ok(cli, "edits", "history", "--json"))
    assert [(r["field"], r["value"], r["state"]) for r in rows] == [
        ("repo_watchers", 5, "in force"), ("tags", ["legal"], "in force")]  # fmt: skip
    table = list(csv.DictReader(io.StringIO(ok(cli, "edits", "history", "--format", "csv"))))
    assert [r["package"] for r in table] == ["drf-yasg", "drf-yasg"]
    picked = json.loads(ok(cli, "edits", "history", "drf-yasg", "--json", "--fields", "id,when"))
    assert set(picked[0]) == {"id", "created_at"}
    text = ok(cli, "edits", "history", "--format", "table", "--no-color")
    assert text.splitlines()[0].split()[:2] == ["Id", "When"]


def test_edits_history_fits_narrow_terminals(
    cli: CliHarness, mirror: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok(cli, "edit", "djangorestframework-simplejwt", "--set", "notes=" + "long note " * 20)
    for width in (40, 80, 200):
        monkeypatch.setenv("COLUMNS", str(width))
        text = ok(cli, "edits", "history", "--format", "table")
        assert all(len(line) <= width for line in text.splitlines()), text
        assert len(text.splitlines()) == 2  # a header and one row: nothing wraps


def test_edits_revert_by_id_and_all(cli: CliHarness, mirror: Path) -> None:
    ok(cli, "edit", "drf-yasg", "--set", "stars=5")
    ok(cli, "edit", "django-ninja", "--set", "forks=1", "--set", "stars=2")
    ids = [r["id"] for r in json.loads(ok(cli, "edits", "history", "--json"))]
    ok(cli, "edits", "revert", str(ids[0]))
    shown = json.loads(ok(cli, "show", "drf-yasg", "--offline", "--json"))
    assert shown["pkgcli"]["edited"] == []
    ok(cli, "edits", "revert", "--all", "django-ninja")
    states = [r["state"] for r in json.loads(ok(cli, "edits", "history", "--json"))]
    assert "in force" not in states
    missing = cli("edits", "revert", "999")
    assert missing.exit_code == EXIT_NOT_FOUND and "no edit 999" in missing.stderr
    assert cli("edits", "revert").exit_code == EXIT_USAGE


def test_edits_create_delete_export_import(cli: CliHarness, mirror: Path, tmp_path: Path) -> None:
    ok(cli, "edits", "create", "our-app")
    ok(cli, "edit", "our-app", "--set", "title=Our app")
    assert json.loads(ok(cli, "list", "--local", "--json", "--fields", "title")) == [
        {"slug": "our-app", "title": "Our app"}]  # fmt: skip
    exported = json.loads(ok(cli, "edits", "export", "-"))
    assert exported  # a document
    ok(cli, "edits", "delete", "our-app")
    assert json.loads(ok(cli, "list", "--local", "--json")) == []
    ok(cli, "edits", "import", "-", input=json.dumps(exported))
    assert [r["slug"] for r in json.loads(ok(cli, "list", "--local", "--json"))] == ["our-app"]


def test_edits_fields_lists_what_set_takes(cli: CliHarness, mirror: Path) -> None:
    rows = json.loads(ok(cli, "edits", "fields", "--json"))
    by_name = {r["name"]: r for r in rows}
    assert by_name["stars"]["aliases"] == ["repo_watchers"]
    assert by_name["stars"]["type"] == "integer ≥ 0"
    assert "score" not in by_name


def test_grids_and_grid_are_the_two_halves_of_list_grid(cli: CliHarness, mirror: Path) -> None:
    assert ok(cli, "grids", "--json") == ok(cli, "list-grid", "--json")
    one = ok(cli, "grid", "authentication", "--json", "--fields", "slug,stars")
    assert one == ok(cli, "list-grid", "authentication", "--json", "--fields", "slug,stars")
    assert cli("grid").exit_code == EXIT_USAGE


def test_help_has_whole_summaries_and_an_example_per_command(cli: CliHarness) -> None:
    text = ok(cli, "--help")
    assert "..." not in text.split("Commands:")[1]  # no summary cut at 45 characters
    for command in ("show", "list", "grids", "grid", "list-grid", "search", "edits"):
        assert "Example: pkgcli " in ok(cli, command, "--help"), command
    assert "..." not in ok(cli, "edits", "--help").split("Commands:")[1]
