"""The health verdict, `show --explain`, the star trend and `pkgcli changes`, through the CLI.

Each rule is driven from the stored inputs (the columns the sources write), both sides of
its threshold and with the input unknown; the verdict is read from `show --json`.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pkgcli.health import COMMIT_WATCH_DAYS, RELEASE_WATCH_DAYS

from .conftest import CliHarness

SLUG = "django-oauth-toolkit"


def _ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


@pytest.fixture
def mirrored(fake: Any, cli: CliHarness, isolated_env: Path) -> Path:
    result = cli("fetch", SLUG)
    assert result.exit_code == 0, result.stderr
    return isolated_env


def _sql(db: Path, *statements: tuple[str, tuple[Any, ...]]) -> None:
    conn = sqlite3.connect(db)
    with conn:
        for sql, params in statements:
            conn.execute(sql, params)
    conn.close()


def _health(cli: CliHarness) -> dict[str, Any]:
    result = cli("show", SLUG, "--offline", "--json")
    assert result.exit_code == 0, result.stderr
    health: dict[str, Any] = json.loads(result.stdout)["pkgcli"]["health"]
    return health


def _rule(health: dict[str, Any], name: str) -> dict[str, Any]:
    return next(r for r in health["rules"] if r["rule"] == name)


GH = "UPDATE github_repos SET {} WHERE package_id = 1858"
PY = "UPDATE pypi_projects SET {} WHERE package_id = 1858"
PK = "UPDATE packages SET {} WHERE id = 1858"

CASES = [
    ("archived", [(GH.format("archived = 1"), ())], "fail"),
    ("archived", [(GH.format("archived = 0"), ())], "pass"),
    ("archived", [(GH.format("archived = NULL"), ())], "unknown"),
    ("inactive", [(PY.format("development_status = ?"), ("7 - Inactive",))], "fail"),
    ("inactive", [(PY.format("development_status = ?"), ("5 - Production/Stable",))], "pass"),
    ("inactive", [(PY.format("development_status = NULL"), ())], "unknown"),
    ("advisories", [(PY.format("advisories = ?"), ('["PYSEC-2024-1"]',))], "fail"),
    ("advisories", [(PY.format("advisories = ?"), ("[]",))], "pass"),
    ("advisories", [(PY.format("advisories = NULL"), ())], "unknown"),
    ("django_support", [(PY.format("django_versions = ?"), ('["3.2", "4.0"]',))], "fail"),
    ("django_support", [(PY.format("django_versions = ?"), ('["4.2", "5.2"]',))], "pass"),
    ("django_support", [(PY.format("django_versions = ?"), ("[]",))], "unknown"),
    (
        "last_release",
        [(PY.format("latest_release_at = ?"), (_ago(RELEASE_WATCH_DAYS + 2),))],
        "fail",
    ),
    (
        "last_release",
        [(PY.format("latest_release_at = ?"), (_ago(RELEASE_WATCH_DAYS - 2),))],
        "pass",
    ),
    ("last_release", [(PY.format("latest_release_at = NULL"), ())], "unknown"),
    (
        "last_commit",
        [
            (GH.format("last_commit_at = ?"), (_ago(COMMIT_WATCH_DAYS + 2),)),
            (PK.format("last_updated = ?"), (_ago(COMMIT_WATCH_DAYS + 3),)),
        ],
        "fail",
    ),
    (
        "last_commit",
        [
            (GH.format("last_commit_at = ?"), (_ago(COMMIT_WATCH_DAYS - 2),)),
            (PK.format("last_updated = ?"), (_ago(COMMIT_WATCH_DAYS - 3),)),
        ],
        "pass",
    ),
    (
        "last_commit",
        [(GH.format("last_commit_at = NULL"), ()), (PK.format("last_updated = NULL"), ())],
        "unknown",
    ),
    ("single_maintainer", [(GH.format("participants = ?"), ('["solo"]',))], "fail"),
    ("single_maintainer", [(GH.format("participants = ?"), ('["a", "b"]',))], "pass"),
    (
        "single_maintainer",
        [(GH.format("participants = NULL"), ()), (PK.format("participants = ?"), ("[]",))],
        "unknown",
    ),
]


@pytest.mark.parametrize(("rule", "statements", "outcome"), CASES)
def test_each_rule_on_both_sides_of_its_threshold_and_unknown(
    mirrored: Path, cli: CliHarness, rule: str, statements: Any, outcome: str
) -> None:
    _sql(mirrored, *statements)
    health = _health(cli)
    assert _rule(health, rule)["outcome"] == outcome
    if outcome == "fail":
        severity = _rule(health, rule)["severity"]
        assert health["verdict"] in ("risk", severity)
        assert _rule(health, rule)["reason"] in health["reasons"]
    else:
        assert _rule(health, rule)["reason"] not in health["reasons"]


def _all_passing(db: Path) -> None:
    _sql(
        db,
        (GH.format("archived = 0, participants = ?, last_commit_at = ?"), ('["a","b"]', _ago(3))),
        (PK.format("last_updated = ?"), (_ago(4),)),
        (
            PY.format(
                "development_status = ?, advisories = '[]', django_versions = ?, "
                "latest_release_at = ?"
            ),
            ("5 - Production/Stable", '["5.2"]', _ago(10)),
        ),
    )


def test_verdict_is_healthy_only_when_every_rule_passed(mirrored: Path, cli: CliHarness) -> None:
    _all_passing(mirrored)
    assert _health(cli)["verdict"] == "healthy"
    _sql(mirrored, (GH.format("participants = ?"), ('["solo"]',)))
    assert _health(cli)["verdict"] == "watch"
    _sql(mirrored, (GH.format("archived = 1"), ()))
    health = _health(cli)
    assert health["verdict"] == "risk"
    assert health["reasons"] == [
        "the repository is archived",
        "a single contributor (100% of commits)",
    ]


def test_an_unknown_input_is_never_a_pass(mirrored: Path, cli: CliHarness) -> None:
    _all_passing(mirrored)
    _sql(mirrored, (PY.format("advisories = NULL"), ()))
    health = _health(cli)
    assert health["verdict"] == "unknown"
    assert health["reasons"] == ["not known: advisories"]


def test_show_prints_the_verdict_and_explain_prints_every_rule_and_the_score(
    mirrored: Path, cli: CliHarness
) -> None:
    _all_passing(mirrored)
    plain = cli("show", SLUG, "--offline", "--format", "table")
    assert "Health: healthy — every rule passed" in plain.stdout
    assert "Rules" not in plain.stdout
    explained = cli("show", SLUG, "--offline", "--format", "table", "--explain")
    assert max(len(line) for line in explained.stdout.splitlines()) <= 80
    out = " ".join(explained.stdout.split())  # long lines wrap at 80 columns
    for rule in (
        "archived",
        "inactive",
        "advisories",
        "django_support",
        "last_release",
        "last_commit",
        "single_maintainer",
    ):
        assert f" {rule} " in out
    assert "W (stars) = 3337, M (months since last commit) = 0, Python 3 = yes" in out
    assert "score 3337" in out
    piped = dict(
        line.split("\t", 1)
        for line in cli("show", SLUG, "--offline", "--explain").stdout.splitlines()
    )
    assert (piped["health"], piped["health_reasons"]) == ("healthy", "")
    assert piped["rule_archived"].startswith("pass: archived")
    assert piped["score_inputs"] == "W=3337 M=0 python3=yes score=3337"


def test_show_draws_the_star_trend_from_two_snapshots(
    fake: Any, mirrored: Path, cli: CliHarness
) -> None:
    assert "Stars:" not in cli("show", SLUG, "--offline", "--format", "table").stdout
    fake.github.find("jazzband/django-oauth-toolkit").stars = 4000
    assert cli("fetch", SLUG, "--source", "github").exit_code == 0
    shown = cli("show", SLUG, "--offline", "--format", "table").stdout
    assert "Stars:" in shown and "3337 → 4000" in shown
    assert json.loads(cli("show", SLUG, "--offline", "--json").stdout)["pkgcli"]["star_trend"] == [
        3337,
        4000,
    ]


def test_snapshots_are_stored_only_on_change(mirrored: Path, cli: CliHarness) -> None:
    def count() -> int:
        conn = sqlite3.connect(mirrored)
        n = int(conn.execute("SELECT COUNT(*) FROM snapshots").fetchone()[0])
        conn.close()
        return n

    assert count() == 1
    assert cli("fetch", SLUG).exit_code == 0  # nothing changed upstream
    assert count() == 1


# -- pkgcli changes ----------------------------------------------------------------------


def _drop_from_grid(fake: Any, package_id: int, grid_id: int) -> None:
    package = fake.catalogue.packages[package_id]
    package["grids"] = [u for u in package["grids"] if f"/grids/{grid_id}/" not in u]
    grid = fake.catalogue.grids[grid_id]
    grid["packages"] = [u for u in grid["packages"] if f"/packages/{package_id}/" not in u]


def test_changes_reports_scripted_churn_in_every_format(fake: Any, cli: CliHarness) -> None:
    haystack = fake.pypi.projects["django-haystack"]["info"]  # id 2225, in grid 438
    haystack["classifiers"] = ["Development Status :: 7 - Inactive"]  # risk, to begin with
    assert cli("fetch", "--all", "--source", "djangopackages,pypi").exit_code == 0
    since = datetime.now(UTC).isoformat()
    # churn: a new release, a star jump, a verdict change, a package leaving a grid
    fake.pypi.projects["django-debug-toolbar"]["info"]["version"] = "99.0"
    fake.catalogue.packages[1858]["repo_watchers"] = 5000
    haystack["classifiers"] = ["Development Status :: 5 - Production/Stable"]
    _drop_from_grid(fake, 5811, 438)
    assert cli("fetch", "--all", "--source", "djangopackages,pypi").exit_code == 0

    result = cli("changes", "--since", since, "--json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    found = {(r["kind"], r["slug"]) for r in rows}
    assert ("release", "django-debug-toolbar") in found
    assert ("stars", "django-oauth-toolkit") in found
    assert ("verdict", "django-haystack") in found
    assert ("grid_removed", "django-notifications") in found
    stars = next(r for r in rows if r["kind"] == "stars")
    assert (stars["after"], stars["delta"]) == (5000, 5000 - stars["before"])

    only_grid = json.loads(cli("changes", "--since", since, "--grid", "oauth", "--json").stdout)
    assert {r["slug"] for r in only_grid} == {"django-oauth-toolkit"}
    in_438 = json.loads(
        cli("changes", "--since", since, "--grid", "healt-checkers", "--json").stdout
    )
    assert {r["slug"] for r in in_438} == {"django-haystack", "django-notifications"}
    for fmt in ("table", "plain", "csv", "tsv", "md", "ndjson"):
        out = cli("changes", "--since", since, "--format", fmt)
        assert out.exit_code == 0 and "django-debug-toolbar" in out.stdout, fmt
    # since before the first refresh: compared with the first state pkgcli knew
    assert json.loads(cli("changes", "--since", "1h", "--json").stdout) == rows
    assert json.loads(cli("changes", "--since", "2999-01-01", "--json").stdout) == []
    assert cli("changes", "--since", "soon").exit_code == 2


def test_changes_filters_by_the_users_tag(fake: Any, cli: CliHarness) -> None:
    assert cli("fetch", "--all", "--source", "djangopackages").exit_code == 0
    assert cli("edit", "django-debug-toolbar", "--set", "tags=watched").exit_code == 0
    since = datetime.now(UTC).isoformat()
    for pid in (34, 1858):
        fake.catalogue.packages[pid]["repo_watchers"] = 9999
    assert cli("fetch", "--all", "--source", "djangopackages").exit_code == 0
    rows = json.loads(cli("changes", "--since", since, "--tag", "watched", "--json").stdout)
    assert {r["slug"] for r in rows} == {"django-debug-toolbar"}


def test_changes_in_an_unknown_grid_is_not_found_not_no_changes(fake: Any, cli: CliHarness) -> None:
    assert cli("fetch", "--all", "--source", "djangopackages").exit_code == 0
    result = cli("changes", "--grid", "oauht")
    assert result.exit_code == 3
    assert result.stderr.startswith("pkgcli: no grid 'oauht' in the mirror; did you mean")
