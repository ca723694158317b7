"""`pkgcli fetch` and `pkgcli show` end to end, against the fake upstream over real HTTP."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from pkgcli.config import DEFAULT_API_URL
from pkgcli.errors import EXIT_DATABASE, EXIT_NOT_FOUND, EXIT_UPSTREAM, EXIT_USAGE
from pkgcli.merge import NEW_FIELDS

from .conftest import FIXTURES, CliHarness

REAL_1858 = json.loads((FIXTURES / "djangopackages" / "package-1858.json").read_text())


def test_show_fetches_a_missing_package_then_reproduces_the_upstream_record(
    fake: Any, cli: CliHarness
) -> None:
    result = cli("show", "django-oauth-toolkit", "--json")
    assert result.exit_code == 0, result.stderr
    assert "not in the mirror yet" in result.stderr
    whole = json.loads(result.stdout)
    shown = dict(whole)
    meta = shown.pop("pkgcli")
    # show fetched Django Packages only: the fields GitHub and PyPI add are null so far.
    assert {key: shown.pop(key) for key in NEW_FIELDS} == dict.fromkeys(NEW_FIELDS)
    assert (shown.pop("notes"), shown.pop("tags")) == (None, [])  # the user's layer, unedited
    assert (meta["edited"], meta["overrides"], meta["local"]) == ([], {}, False)
    # Links are served on the configured API base (here the fake's), by the same ids.
    expected = json.loads(json.dumps(REAL_1858).replace(DEFAULT_API_URL, fake.api_url))
    assert shown == expected  # the 18 keys, names, types, values and timestamps exactly
    assert list(shown) == list(REAL_1858)
    assert meta["category"]["slug"] == "apps"
    assert {g["id"] for g in meta["grids"]} == {126, 125, 245, 306, 7}
    assert all(g["title"] for g in meta["grids"])

    requests_before = len(fake.requests)
    again = cli("show", "django-oauth-toolkit", "--json", "--offline")
    assert again.exit_code == 0
    assert json.loads(again.stdout) | {"pkgcli": None} == whole | {"pkgcli": None}
    assert len(fake.requests) == requests_before  # --offline: no network at all
    assert again.stderr == ""


def test_show_renders_the_human_view_in_80_columns(fake: Any, cli: CliHarness) -> None:
    assert cli("fetch", "django-oauth-toolkit", "--source", "djangopackages").exit_code == 0
    # the human view is the table format (the default on a terminal; piped: plain lines)
    result = cli("show", "django-oauth-toolkit", "--offline", "--format", "table")
    assert result.exit_code == 0
    out = result.stdout
    for expected in ("Django OAuth Toolkit", "3,305", "829", "3.2.0", "247", "2026-01-25"):
        assert expected in out
    assert "OAuth2 goodies for the Djangonauts!" in out
    assert "▁" in out  # the sparkline
    assert max(len(line) for line in out.splitlines()) <= 80


def test_requests_ask_for_json_and_name_pkgcli(fake: Any, cli: CliHarness) -> None:
    assert cli("fetch", "django-oauth-toolkit", "--source", "djangopackages").exit_code == 0
    for request in fake.requests:
        assert request.headers["accept"] == "application/json"
        assert request.headers["user-agent"].startswith("pkgcli/")
        assert "authorization" not in request.headers


def test_an_unknown_slug_is_one_line_with_close_matches(fake: Any, cli: CliHarness) -> None:
    assert cli("fetch", "django-oauth-toolkit").exit_code == 0
    result = cli("show", "django-oauth-tolkit", "--offline")
    assert result.exit_code == EXIT_NOT_FOUND
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "django-oauth-tolkit" in result.stderr
    assert "did you mean: django-oauth-toolkit" in result.stderr

    online = cli("show", "no-such-package-anywhere")
    assert online.exit_code == EXIT_NOT_FOUND
    assert "no package 'no-such-package-anywhere' on Django Packages" in online.stderr


@pytest.mark.parametrize("slug", ["django oauth", "../../etc/passwd", "x\x1b[31mred"])
def test_a_malformed_slug_is_a_usage_error(cli: CliHarness, slug: str) -> None:
    result = cli("show", slug)
    assert result.exit_code == EXIT_USAGE
    assert "is not a package slug" in result.stderr
    assert "\x1b" not in result.stderr
    assert "Traceback" not in result.stderr


def test_fetch_of_several_slugs_reports_the_missing_ones(fake: Any, cli: CliHarness) -> None:
    result = cli("fetch", "django-oauth-toolkit", "nope-nope")
    assert result.exit_code == EXIT_NOT_FOUND
    assert "not on Django Packages: nope-nope" in result.stderr
    assert cli("show", "django-oauth-toolkit", "--offline").exit_code == 0


def test_fetch_needs_slugs_or_all(cli: CliHarness) -> None:
    assert cli("fetch").exit_code == EXIT_USAGE
    assert cli("fetch", "--all", "x").exit_code == EXIT_USAGE


def test_an_unreachable_upstream_is_one_line(cli: CliHarness) -> None:
    result = cli("show", "django-oauth-toolkit")  # the API URL points at a closed port
    assert result.exit_code == EXIT_UPSTREAM
    note, error = result.stderr.splitlines()
    assert note == "django-oauth-toolkit is not in the mirror yet: fetching it from Django Packages"
    assert error.startswith("pkgcli: cannot reach Django Packages")
    assert len(cli.sleeps) == 3  # retried with back-off, without really sleeping


@pytest.mark.parametrize("kind", ["500", "503", "429", "drop", "truncate", "html", "malformed"])
def test_transient_faults_are_retried_transparently(fake: Any, cli: CliHarness, kind: str) -> None:
    fake.faults.add(kind, path="/api/v4/packages/", times=1)
    result = cli("fetch", "django-oauth-toolkit")
    assert result.exit_code == 0, result.stderr
    assert len(cli.sleeps) >= 1


def test_maintenance_mode_is_a_clear_upstream_error(fake: Any, cli: CliHarness) -> None:
    fake.maintenance = True
    result = cli("fetch", "django-oauth-toolkit")
    assert result.exit_code == EXIT_UPSTREAM
    assert "unavailable (503" in result.stderr


def test_a_corrupt_database_is_a_clear_error(cli: CliHarness, isolated_env: Path) -> None:
    isolated_env.write_bytes(b"garbage" * 1000)
    result = cli("show", "django-oauth-toolkit", "--offline")
    assert result.exit_code == EXIT_DATABASE
    assert "corrupt or not a pkgcli database" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_database_from_a_newer_pkgcli_is_refused(cli: CliHarness, isolated_env: Path) -> None:
    assert cli("paths").exit_code == 0
    assert cli("show", "x", "--offline").exit_code == EXIT_NOT_FOUND  # creates the mirror
    conn = sqlite3.connect(isolated_env)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('pkgcli', '9999_from_the_future', 'x')"
    )
    conn.commit()
    result = cli("show", "x", "--offline")
    assert result.exit_code == EXIT_DATABASE
    assert "newer pkgcli" in result.stderr


def test_db_option_beats_the_environment(cli: CliHarness, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    result = cli("--db", str(other), "paths", "--json")
    assert json.loads(result.stdout)["database"] == str(other)
    assert json.loads(result.stdout)["database_from"] == "--db"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["fetch", "--all", "--nope"], "No such option: --nope (see 'pkgcli fetch --help')"),
        (["nope"], "No such command 'nope'"),
        (["--nope"], "No such option: --nope (Possible options: --no-pager) (see 'pkgcli --help')"),
        (["show", "x", "--format", "yaml"], "Invalid value for '--format'"),
    ],
)
def test_bad_options_are_one_line_usage_errors(
    cli: CliHarness, args: list[str], message: str
) -> None:
    result = cli(*args)
    assert result.exit_code == EXIT_USAGE
    assert result.stderr.startswith("pkgcli: ")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
