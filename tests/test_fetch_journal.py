"""The run journal through `pkgcli fetch`: truthful outcomes, exit codes 6 and 7,
`--resume`, `--failed`, `--json` and `fetch -`, against the fake upstream."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from pkgcli.errors import EXIT_FAILED, EXIT_STOPPED, EXIT_USAGE

from .conftest import CliHarness

DDT = "django-debug-toolbar"
DOT = "django-oauth-toolkit"
TOKEN = "ghp_pkgcliTestToken0123456789abcdef"


def github_slugs(fake: Any) -> list[str]:
    return sorted(
        p["slug"] for p in fake.catalogue.packages.values() if "github.com" in p["repo_url"]
    )


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def assert_no_ok_without_every_answer(db: Path) -> None:
    """A GitHub row whose outcome is ok/not_modified/moved has every group fetched."""
    half = rows(
        db,
        "SELECT package_id FROM github_repos WHERE status IN ('ok', 'not_modified', 'moved') "
        "AND full_name IS NOT NULL AND (repo_fetched_at IS NULL "
        "OR participation_fetched_at IS NULL OR contributors_fetched_at IS NULL)",
    )
    assert half == []


def test_a_quota_stop_is_pending_then_resume_finishes_the_same_run(
    fake: Any, cli: CliHarness, isolated_env: Path
) -> None:
    quota = fake.github.quota(None)
    quota.remaining = 14  # pkgcli stops at 6 left: a few packages, not all
    slugs = github_slugs(fake)
    first = cli("fetch", *slugs, "--json")
    assert first.exit_code == EXIT_STOPPED, first.stderr
    summary = json.loads(first.stdout)
    github = summary["sources"]["github"]
    assert summary["status"] == "stopped" and github["pending"] > 0
    assert summary["resume"].startswith("pkgcli fetch --resume after ")
    assert sum(github[o] for o in ("ok", "not_modified", "moved", "pending")) == len(slugs)
    assert_no_ok_without_every_answer(isolated_env)
    pending = rows(isolated_env, "SELECT count(*) FROM fetch_outcomes WHERE outcome = 'pending'")[
        0
    ][0]
    assert pending == github["pending"]

    quota.remaining = quota.limit  # the window reset
    again = cli("fetch", "--resume", "--json")
    assert again.exit_code == 0, again.stderr
    resumed = json.loads(again.stdout)
    assert resumed["run_id"] == summary["run_id"] and resumed["status"] == "complete"
    assert resumed["sources"]["github"]["pending"] == 0
    assert set(resumed["sources"]) == {"github"}  # only what was left: PyPI had finished
    assert_no_ok_without_every_answer(isolated_env)
    assert rows(isolated_env, "SELECT status FROM fetch_runs") == [("complete",)]
    assert cli("fetch", "--resume").exit_code == EXIT_USAGE  # nothing left to resume


def test_a_failure_is_isolated_to_its_package_and_failed_retries_it(
    fake: Any, cli: CliHarness, isolated_env: Path
) -> None:
    fake.faults.add("422", path="/github/repos/jazzband/django-debug-toolbar/contributors")
    result = cli("fetch", DDT, DOT)
    assert result.exit_code == EXIT_FAILED, result.stderr
    said = " ".join(result.stderr.split())
    assert "1 failed" in said and "pkgcli fetch --failed" in said
    view = json.loads(cli("show", DDT, "--json", "--offline").stdout)
    assert view["pkgcli"]["sources"]["github"]["status"] == "failed"
    other = json.loads(cli("show", DOT, "--json", "--offline").stdout)
    assert other["pkgcli"]["sources"]["github"]["status"] == "moved"  # the rest was stored

    retry = cli("fetch", "--failed", "--json")
    assert retry.exit_code == 0, retry.stderr
    summary = json.loads(retry.stdout)
    assert summary["packages"] == 1 and summary["sources"]["github"]["ok"] == 1
    view = json.loads(cli("show", DDT, "--json", "--offline").stdout)
    assert view["pkgcli"]["sources"]["github"]["status"] == "ok"


TYPES: dict[str, Any] = {
    "object": dict,
    "integer": int,
    "number": (int, float),
    "string": str,
    "boolean": bool,
}


def check(value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """Types, required keys, enums, nested properties: what the summary schema uses."""
    types = schema.get("type", [])
    types = types if isinstance(types, list) else [types]
    if value is None:
        return [] if "null" in types else [f"{path}: null"]
    if types and not any(t != "null" and isinstance(value, TYPES[t]) for t in types):
        return [f"{path}: {value!r} is not {types}"]
    problems = [
        f"{path}: {value!r} not in enum" for _ in [0] if value not in schema.get("enum", [value])
    ]
    if isinstance(value, dict):
        problems += [f"{path}.{k}: missing" for k in schema.get("required", []) if k not in value]
        for key, item in value.items():
            sub = schema.get("properties", {}).get(key, schema.get("additionalProperties"))
            if isinstance(sub, dict):
                problems += check(item, sub, f"{path}.{key}")
    return problems


def test_fetch_json_is_one_object_with_the_documented_keys(fake: Any, cli: CliHarness) -> None:
    result = cli("fetch", DOT, "--json")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("\n") == 1
    summary = json.loads(result.stdout)
    schema = json.loads(
        (Path(__file__).parent.parent / "docs/schema/fetch-summary.schema.json").read_text()
    )
    assert check(summary, schema) == []
    assert summary["resume"] is None and summary["status"] == "complete"
    assert set(summary["sources"]) == {"github", "pypi"}
    assert summary["duration_s"] >= 0 and summary["packages"] == 1


def test_fetch_dash_reads_slugs_from_stdin(fake: Any, cli: CliHarness) -> None:
    text = f"# nightly list\n\n{DOT}\n  {DDT}  # the toolbar\n"
    result = cli("fetch", "-", "--source", "djangopackages", "--json", input=text)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["catalogue"]["packages"] == 2
    empty = cli("fetch", "-", input="# nothing\n\n")
    assert empty.exit_code == EXIT_USAGE


def test_the_summary_fits_80_columns_and_uses_proper_names(fake: Any, cli: CliHarness) -> None:
    result = cli("fetch", *github_slugs(fake))
    assert result.exit_code == 0, result.stderr
    assert all(len(line) <= 80 for line in result.stderr.splitlines())
    assert "GitHub: " in result.stderr and "PyPI: " in result.stderr
    assert "github:" not in result.stderr and "pypi:" not in result.stderr
    assert "Done in " in result.stderr


def test_max_requests_stops_cleanly_and_resume_finishes(
    fake: Any, cli: CliHarness, isolated_env: Path
) -> None:
    slugs = github_slugs(fake)
    assert cli("fetch", *slugs, "--source", "djangopackages").exit_code == 0
    start = len(fake.requests)
    result = cli("fetch", *slugs, "--source", "github", "--max-requests", "5", "--json")
    assert result.exit_code == EXIT_STOPPED, result.stderr
    assert len(fake.requests) - start <= 5
    summary = json.loads(result.stdout)
    assert summary["sources"]["github"]["pending"] > 0
    assert summary["resume"] == "pkgcli fetch --resume"
    assert_no_ok_without_every_answer(isolated_env)
    done = cli("fetch", "--resume")
    assert done.exit_code == 0, done.stderr
    assert rows(isolated_env, "SELECT count(*) FROM fetch_outcomes WHERE outcome = 'pending'") == [
        (0,)
    ]


def test_a_time_budget_of_zero_leaves_everything_pending(fake: Any, cli: CliHarness) -> None:
    result = cli("fetch", DOT, "--time-budget", "0s")
    assert result.exit_code == EXIT_STOPPED, result.stderr
    assert "the time budget is spent" in " ".join(result.stderr.split())
    assert cli("fetch", DOT, "--time-budget", "soon").exit_code == EXIT_USAGE


class ResetOnSleep(list[float]):
    """The harness's recorded sleeps; sleeping long enough starts a new quota window."""

    def __init__(self, quota: Any) -> None:
        super().__init__()
        self.quota = quota

    def append(self, seconds: float) -> None:
        super().append(seconds)
        if seconds > 10:
            self.quota.remaining = self.quota.limit


def test_wait_sleeps_until_the_reset_and_finishes_the_run(
    fake: Any, cli: CliHarness, isolated_env: Path
) -> None:
    quota = fake.github.quota(None)
    quota.remaining = 14
    cli.sleeps = ResetOnSleep(quota)
    result = cli("fetch", *github_slugs(fake), "--wait", "--json")
    assert result.exit_code == 0, result.stderr
    assert "waiting" in result.stderr and "for the quota to reset at" in result.stderr
    assert any(s > 10 for s in cli.sleeps)  # slept until the reset, not in a busy loop
    summary = json.loads(result.stdout)
    assert summary["status"] == "complete" and summary["sources"]["github"]["pending"] == 0
    assert summary["sources"]["github"]["ok"] + summary["sources"]["github"]["moved"] == len(
        github_slugs(fake)
    )
    assert_no_ok_without_every_answer(isolated_env)


def test_grid_and_category_select_their_packages(fake: Any, cli: CliHarness) -> None:
    assert cli("fetch", DOT, "--source", "djangopackages").exit_code == 0
    view = json.loads(cli("show", DOT, "--json", "--offline").stdout)
    grid = cli("list-grid", "--format", "json").stdout
    slug = json.loads(grid)[0]["slug"]
    result = cli("fetch", "--grid", slug.upper(), "--source", "pypi", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["packages"] >= 1
    category = cli("fetch", "--category", str(view["category"]).rstrip("/").split("/")[-1])
    assert category.exit_code == 0, category.stderr
    missing = cli("fetch", "--grid", "no-such-grid")
    assert missing.exit_code == 3 and "no grid 'no-such-grid'" in missing.stderr
    both = cli("fetch", DOT, "--grid", slug)
    assert both.exit_code == EXIT_USAGE


def test_stale_refreshes_only_what_each_source_has_not_fetched_lately(
    fake: Any, cli: CliHarness
) -> None:
    assert cli("fetch", DOT, "--source", "djangopackages,pypi").exit_code == 0
    start = len(fake.requests)
    result = cli("fetch", DOT, "--stale", "7d", "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert set(summary["sources"]) == {"github"}  # PyPI and the record are a minute old
    assert all(r.path.startswith("/github") for r in fake.requests.snapshot()[start:])
    again = cli("fetch", "--stale", "7d", "--json")
    assert again.exit_code == 0 and json.loads(again.stdout)["sources"] == {}
    assert cli("fetch", "--stale", "a week").exit_code == EXIT_USAGE


def test_plan_fetches_nothing_but_the_free_quota_request(
    fake: Any, cli: CliHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    slugs = github_slugs(fake)
    assert cli("fetch", *slugs, "--source", "djangopackages,pypi").exit_code == 0
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    start = len(fake.requests)
    result = cli("fetch", "--all", "--plan", "--json")
    assert result.exit_code == 0, result.stderr
    asked = [r.path for r in fake.requests.snapshot()[start:]]
    assert asked == ["/github/rate_limit"]
    plan = json.loads(result.stdout)
    github, pypi = plan["sources"]["github"], plan["sources"]["pypi"]
    assert github["packages"] == len(slugs) and github["conditional"] == 0
    assert github["requests"] == 2 * len(slugs) + 1  # REST stats + contributors, 1 GraphQL
    assert github["quota_needed"] == github["requests"]
    assert github["quota_left"] == plan["github_quota"]["remaining"]
    assert pypi["conditional"] == pypi["packages"] > 0  # fetched before: likely 304s
    text = cli("fetch", "--all", "--plan").stdout
    assert "GitHub quota: needs" in text and "(fits)" in text
    assert cli("fetch", "--resume", "--plan").exit_code == EXIT_USAGE
    assert [r.path for r in fake.requests.snapshot()[start:]] == ["/github/rate_limit"] * 2


def test_a_warm_rerun_skips_rest_for_repositories_not_pushed_since(
    fake: Any, cli: CliHarness, monkeypatch: pytest.MonkeyPatch, isolated_env: Path
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    slugs = github_slugs(fake)
    assert cli("fetch", *slugs).exit_code == 0
    before = {s: json.loads(cli("show", s, "--json", "--offline").stdout) for s in slugs}
    start = len(fake.requests)
    again = cli("fetch", *slugs, "--source", "github", "--json")
    assert again.exit_code == 0, again.stderr
    asked = [r for r in fake.requests.snapshot()[start:] if r.path.startswith("/github")]
    assert [r.method for r in asked] == ["POST"]  # one GraphQL query, no REST at all
    github = json.loads(again.stdout)["sources"]["github"]
    assert github["ok"] + github["failed"] + github["pending"] == 0
    keys = ("commits_over_52", "participants", "repo_watchers", "commit_count", "last_updated")
    for slug in slugs:
        after = json.loads(cli("show", slug, "--json", "--offline").stdout)
        assert [after[k] for k in keys] == [before[slug][k] for k in keys], slug
    assert_no_ok_without_every_answer(isolated_env)

    repo = fake.github.find("jazzband/django-debug-toolbar")
    repo.newest_commit_at = "2030-01-01T00:00:00Z"  # pushed since: REST again
    repo.participation = [3] * 52
    start = len(fake.requests)
    assert cli("fetch", DDT, "--source", "github").exit_code == 0
    rest = [r.path for r in fake.requests.snapshot()[start:] if r.method == "GET"]
    assert any(p.endswith("/stats/participation") for p in rest)
    shown = json.loads(cli("show", DDT, "--json", "--offline").stdout)
    assert shown["commits_over_52"] == [3] * 52


def test_resume_reruns_a_selection_killed_before_its_sources_were_journaled(
    fake: Any, cli: CliHarness, isolated_env: Path
) -> None:
    assert cli("fetch", DOT, "--source", "djangopackages,pypi").exit_code == 0
    with sqlite3.connect(isolated_env) as conn:  # as if killed in the catalogue pass
        conn.execute("DELETE FROM fetch_outcomes")
        conn.execute("UPDATE fetch_runs SET status = 'running', finished_at = NULL")
    start = len(fake.requests)
    result = cli("fetch", "--resume", "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    pypi = summary["sources"]["pypi"]
    assert summary["run_id"] == 1 and pypi["ok"] + pypi["not_modified"] == 1
    paths = [r.path for r in fake.requests.snapshot()[start:]]
    assert any("/packages/" in p for p in paths) and "/pypi/django-oauth-toolkit/json" in paths
    assert rows(isolated_env, "SELECT id, status FROM fetch_runs") == [(1, "complete")]
