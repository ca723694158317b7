"""`pkgcli fetch --source …` against the fake GitHub and PyPI, end to end over real HTTP."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from pkgcli.errors import EXIT_STOPPED, EXIT_UPSTREAM, EXIT_USAGE
from pkgcli.refresh import STATS_WAIT
from tests.fake.github import FakeRepo

from .conftest import FIXTURES, CliHarness

DOT = "django-oauth-toolkit"
DDT = "django-debug-toolbar"
TOKEN = "ghp_pkgcliTestToken0123456789abcdef"
REAL_1858 = json.loads((FIXTURES / "djangopackages" / "package-1858.json").read_text())


def shown(cli: CliHarness, slug: str = DOT) -> dict[str, Any]:
    result = cli("show", slug, "--json", "--offline")
    assert result.exit_code == 0, result.stderr
    view: dict[str, Any] = json.loads(result.stdout)
    return view


def log(fake: Any, start: int = 0, prefix: str = "/") -> list[Any]:
    return [r for r in fake.requests.snapshot()[start:] if r.path.startswith(prefix)]


def github_slugs(fake: Any) -> list[str]:
    return sorted(
        p["slug"] for p in fake.catalogue.packages.values() if "github.com" in p["repo_url"]
    )


# -- the done-when path ----------------------------------------------------------------


def test_fetch_follows_the_rename_and_shows_fresh_values_with_provenance(
    fake: Any, cli: CliHarness
) -> None:
    result = cli("fetch", DOT)
    assert result.exit_code == 0, result.stderr
    assert "0 ok, 0 not modified, 1 moved, 0 not found, 0 failed, 0 pending" in result.stderr
    repo = fake.github.find("jazzband/django-oauth-toolkit")
    paths = [r.path for r in log(fake, prefix="/github")]
    assert paths[:2] == [
        "/github/repos/evonove/django-oauth-toolkit",
        f"/github/repositories/{repo.id}",
    ]
    assert all("evonove" not in p for p in paths[2:])  # the rest asked for the new name

    view = shown(cli)
    assert view["repo_full_name"] == "jazzband/django-oauth-toolkit"
    assert view["repo_url"] == REAL_1858["repo_url"]  # upstream's field stays as upstream has it
    assert view["repo_watchers"] == repo.stars != REAL_1858["repo_watchers"]
    assert view["repo_forks"] == repo.forks
    assert view["commits_over_52"] == repo.participation
    assert view["participants"] == repo.contributors and len(repo.contributors) > 200  # 3 pages
    assert view["commit_count"] == repo.commit_count
    assert view["subscribers_count"] == repo.subscribers
    assert view["last_updated"] is not None
    assert datetime.fromisoformat(view["last_updated"]) == datetime.fromisoformat(
        repo.newest_commit_at.replace("Z", "+00:00")
    )
    info = fake.pypi.projects[DOT]["info"]
    assert view["requires_python"] == info["requires_python"]
    assert view["django_versions"] == sorted(
        (
            c.rsplit(" :: ", 1)[1]
            for c in info["classifiers"]
            if c.startswith("Framework :: Django ::")
        ),
        key=lambda v: tuple(map(int, v.split("."))),
    )
    assert view["latest_release_at"] is not None and view["development_status"]

    meta = view["pkgcli"]
    assert meta["field_sources"]["repo_watchers"] == "github"
    assert meta["field_sources"]["pypi_version"] == "pypi"
    assert meta["sources"]["github"]["status"] == "moved"
    assert meta["sources"]["github"]["full_name"] == "jazzband/django-oauth-toolkit"
    assert meta["sources"]["pypi"]["status"] == "ok"
    dp_at = meta["sources"]["djangopackages"]["fetched_at"]
    assert meta["sources"]["github"]["fetched_at"] > dp_at  # fetched after: so it wins

    text = cli("show", DOT, "--offline", "--sources", "--format", "table").stdout
    assert "(now jazzband/django-oauth-toolkit)" in text
    assert "Stars, forks, description        GitHub, fetched just now" in text
    assert "PyPI said" in text and "GitHub said" in text
    piped = cli("show", DOT, "--offline", "--sources").stdout.splitlines()  # plain, for scripts
    groups = meta["sources"]["github"]["groups"]
    assert f"group\tStars, forks, description\tgithub\t{groups['repo']}" in piped
    assert f"source\tgithub\tmoved\t{meta['sources']['github']['checked_at']}" in piped
    assert "repo_full_name\tjazzband/django-oauth-toolkit" in piped  # the new fields too
    assert cli("show", DOT, "--offline", "--sources", "--json").stdout.startswith("{")


def test_a_second_run_is_answered_by_304s_that_cost_no_quota(fake: Any, cli: CliHarness) -> None:
    assert cli("fetch", DOT).exit_code == 0
    before = shown(cli)
    quota = fake.github.quota(None).remaining
    start = len(fake.requests)

    again = cli("fetch", DOT)
    assert again.exit_code == 0, again.stderr
    revisited = log(fake, start, "/github") + log(fake, start, "/pypi")
    assert revisited and all("if-none-match" in r.headers for r in revisited)
    assert not any("evonove" in r.path for r in revisited)  # straight to the new name
    assert fake.github.quota(None).remaining == quota  # every GitHub answer was a 304
    n = len(log(fake, start, "/github"))
    assert f"GitHub: 1 package; {n} requests, {n} answered 304" in again.stderr
    assert "PyPI: 1 package; 1 request, 1 answered 304" in again.stderr
    # Renamed and unchanged: `moved` says more than `not_modified`; PyPI's all-304 answer
    # is `not_modified`.
    assert again.stderr.count("0 ok, 0 not modified, 1 moved") == 1
    assert "0 ok, 1 not modified, 0 moved" in again.stderr

    after = shown(cli)
    assert after["pkgcli"]["sources"]["github"]["etag_hit"] is True
    assert after["pkgcli"]["sources"]["pypi"]["etag_hit"] is True
    for key in ("repo_watchers", "commits_over_52", "participants", "license", "pypi_version"):
        assert after[key] == before[key], key


# -- the token -------------------------------------------------------------------------


def test_with_a_token_graphql_batches_and_the_token_never_leaves_github(
    fake: Any, cli: CliHarness, monkeypatch: pytest.MonkeyPatch, isolated_env: Path
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    slugs = github_slugs(fake)
    result = cli("fetch", *slugs)
    assert result.exit_code == 0, result.stderr
    posts = [r for r in fake.requests.snapshot() if r.method == "POST"]
    assert [r.path for r in posts] == ["/github/graphql"]  # one batch for all of them
    assert json.loads(posts[0].body)["query"].count("repository(") == len(slugs)
    assert not any("/commits" in r.path for r in log(fake, prefix="/github"))  # from GraphQL
    for request in fake.requests.snapshot():
        if request.path.startswith("/github/"):
            assert request.headers["authorization"] == f"Bearer {TOKEN}"
        else:  # Django Packages and PyPI, on the very same host
            assert "authorization" not in request.headers, request.path
    assert log(fake, prefix="/pypi") and log(fake, prefix="/api/v4")
    assert TOKEN not in result.stdout + result.stderr
    assert TOKEN not in cli("show", DOT, "--json", "--offline").stdout
    for path in isolated_env.parent.glob("mirror.db*"):
        assert TOKEN.encode() not in path.read_bytes(), path.name
    assert shown(cli)["repo_full_name"] == "jazzband/django-oauth-toolkit"  # GraphQL followed


def test_a_redirect_to_another_host_is_not_followed(
    fake: Any, cli: CliHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    elsewhere = f"http://localhost:{fake.port}/github"  # same server, another host name
    fake.github.remove("jazzband/django-debug-toolbar")
    fake.github.offsite["jazzband/django-debug-toolbar"] = elsewhere
    result = cli("fetch", DDT)
    assert result.exit_code == 0, result.stderr
    assert all(r.headers.get("host", "").startswith("127.0.0.1") for r in fake.requests.snapshot())
    github = shown(cli, DDT)["pkgcli"]["sources"]["github"]
    assert github["status"] == "moved"
    assert github["status_detail"] == f"redirected to localhost:{fake.port}; not followed"


def test_a_rejected_token_stops_github_and_is_never_printed(
    fake: Any, cli: CliHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    fake.github.valid_tokens = {"another"}
    result = cli("fetch", DOT)
    assert result.exit_code == EXIT_UPSTREAM
    assert "GitHub rejected the token (401 Bad credentials)" in result.stderr
    assert TOKEN not in result.stderr + result.stdout
    assert shown(cli)["pkgcli"]["sources"]["pypi"]["status"] == "ok"  # the rest went on


# -- what the real world answers -------------------------------------------------------


def test_stats_still_computing_are_revisited_after_a_pause(fake: Any, cli: CliHarness) -> None:
    repo = fake.github.find("jazzband/django-debug-toolbar")
    repo.stats_pending = 1  # 202 once, then the numbers
    result = cli("fetch", DDT)
    assert result.exit_code == 0, result.stderr
    assert cli.sleeps == [STATS_WAIT]  # one bounded pause, no spinning
    asked = [r.path for r in log(fake, prefix="/github") if r.path.endswith("/participation")]
    assert len(asked) == 2
    view = shown(cli, DDT)
    assert view["commits_over_52"] == repo.participation
    assert view["pkgcli"]["field_sources"]["commits_over_52"] == "github"


def test_stats_that_stay_computing_keep_the_previous_value(fake: Any, cli: CliHarness) -> None:
    assert cli("fetch", DDT).exit_code == 0
    repo = fake.github.find("jazzband/django-debug-toolbar")
    first = shown(cli, DDT)
    assert first["commits_over_52"] == repo.participation
    previous = repo.participation
    repo.participation = [9] * 52
    repo.stats_pending = 100
    start = len(fake.requests)

    result = cli("fetch", DDT, "--source", "github")
    # Not every request was answered: pending (never ok), and resumable.
    assert result.exit_code == EXIT_STOPPED, result.stderr
    assert "still computing commit activity for 1 package(s)" in result.stderr
    assert "1 pending" in result.stderr and "pkgcli fetch --resume" in result.stderr
    assert cli.sleeps == [STATS_WAIT, STATS_WAIT]  # at most two more looks
    asked = [r.path for r in log(fake, start, "/github") if r.path.endswith("/participation")]
    assert len(asked) == 3
    view = shown(cli, DDT)
    assert view["commits_over_52"] == previous  # the 202 was never kept as data
    groups = view["pkgcli"]["sources"]["github"]["groups"]
    assert groups["participation"] < groups["repo"]  # and its age says so


def test_an_empty_repository_answers_204_and_nothing_is_invented(
    fake: Any, cli: CliHarness
) -> None:
    repo = fake.github.find("jazzband/django-debug-toolbar")
    repo.commit_count = 0  # empty: 204 for stats and contributors, 409 for commits
    result = cli("fetch", DDT)
    assert result.exit_code == 0, result.stderr
    view = shown(cli, DDT)
    record = fake.catalogue.package_by_slug(DDT)
    assert view["participants"] == record["participants"]  # Django Packages' still
    assert view["commits_over_52"] == record["commits_over_52"]
    assert view["repo_watchers"] == repo.stars  # the repository itself did answer
    assert view["commit_count"] is None


@pytest.mark.parametrize(
    ("refusal", "status", "words"),
    [
        (None, "not_found", None),
        (451, "not_found", "unavailable for legal reasons (451)"),
        (403, "not_found", "blocked (403)"),
    ],
)
def test_a_refused_repository_is_recorded_and_keeps_its_values(
    fake: Any, cli: CliHarness, refusal: int | None, status: str, words: str | None
) -> None:
    assert cli("fetch", DDT).exit_code == 0
    before = shown(cli, DDT)
    if refusal is None:
        fake.github.remove("jazzband/django-debug-toolbar")
    else:
        fake.github.find("jazzband/django-debug-toolbar").refusal = refusal
    result = cli("fetch", DDT, "--source", "github")
    assert result.exit_code == 0, result.stderr  # a fact about the package, not a failure
    assert "1 not found, 0 failed" in result.stderr
    after = shown(cli, DDT)
    assert after["pkgcli"]["sources"]["github"]["status"] == status
    detail = after["pkgcli"]["sources"]["github"]["status_detail"] or ""
    assert words is None or detail.startswith(words)
    for key in ("repo_watchers", "repo_forks", "participants", "commits_over_52", "license"):
        assert after[key] == before[key], key  # never zeroed


def test_a_project_gone_from_pypi_is_recorded_and_keeps_its_values(
    fake: Any, cli: CliHarness
) -> None:
    assert cli("fetch", DOT).exit_code == 0
    before = shown(cli)
    fake.pypi.remove(DOT)
    result = cli("fetch", DOT, "--source", "pypi")
    assert result.exit_code == 0, result.stderr
    assert "0 ok, 0 not modified, 0 moved, 1 not found" in result.stderr
    after = shown(cli)
    assert after["pkgcli"]["sources"]["pypi"]["status"] == "not_found"
    assert after["pkgcli"]["sources"]["pypi"]["status_detail"].startswith("gone from PyPI")
    for key in ("pypi_version", "requires_python", "django_versions", "latest_release_at"):
        assert after[key] == before[key], key


# -- rate limits -----------------------------------------------------------------------


def test_the_quota_floor_stops_github_keeps_what_is_done_and_says_when_to_resume(
    fake: Any, cli: CliHarness
) -> None:
    quota = fake.github.quota(None)  # anonymous: 60 an hour, pkgcli stops at 6 left
    quota.remaining = 10
    slugs = github_slugs(fake)
    result = cli("fetch", *slugs)
    assert result.exit_code == EXIT_STOPPED, result.stderr
    resume = datetime.fromtimestamp(quota.reset, UTC).strftime("%H:%M")
    stop = re.search(
        r"GitHub stopped: GitHub rate limit: (\d) of 60 requests left \(pkgcli stops at 6\)",
        result.stderr,
    )
    assert f"to finish, run: pkgcli fetch --resume after {resume} UTC" in " ".join(
        result.stderr.split()
    )
    assert result.stderr.strip().splitlines()[-1].startswith("pkgcli: stopped early;")
    assert stop, result.stderr
    # Whatever was in flight when the floor was reached finished; nothing more was sent.
    assert 6 - 3 <= quota.remaining <= 6 and int(stop.group(1)) >= quota.remaining
    said = " ".join(result.stderr.split())  # the summary wraps at 80 columns
    pypi = re.search(r"PyPI: (\d+) packages?;[^:]*? (\d+) ok, 0 not modified", said)
    assert pypi and pypi.group(1) == pypi.group(2)  # PyPI was not stopped
    statuses = [shown(cli, s)["pkgcli"]["sources"]["github"] for s in slugs]
    assert any(s and s["status"] == "pending" for s in statuses)
    assert not any(
        s and s["status"] == "ok" and not s["groups"].get("participation") for s in statuses
    )
    for slug in slugs:  # nothing half-written, nothing zeroed: Django Packages' values stay
        view = shown(cli, slug)
        if view["pkgcli"]["field_sources"]["repo_watchers"] == "djangopackages":
            assert view["repo_watchers"] == fake.catalogue.package_by_slug(slug)["repo_watchers"]


def test_a_quota_at_zero_is_a_clean_stop(fake: Any, cli: CliHarness) -> None:
    fake.github.quota(None).remaining = 0
    result = cli("fetch", DOT)
    assert result.exit_code == EXIT_STOPPED
    assert "GitHub stopped: GitHub rate limit: 0 of 60 requests left" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(log(fake, prefix="/github")) == 1  # stopped at the first 403
    view = shown(cli)
    assert view["pkgcli"]["sources"]["github"]["status"] == "pending"
    assert view["repo_watchers"] == REAL_1858["repo_watchers"]
    assert view["pkgcli"]["sources"]["pypi"]["status"] == "ok"


def test_a_secondary_limit_is_obeyed_then_backed_off(fake: Any, cli: CliHarness) -> None:
    fake.github.secondary_limit(times=2, retry_after=7)
    result = cli("fetch", DDT)
    assert result.exit_code == 0, result.stderr
    assert cli.sleeps == [7, 7]  # retry-after obeyed, twice, then it went through
    assert "waited out 2 secondary rate limit(s)" in " ".join(result.stderr.split())
    assert shown(cli, DDT)["pkgcli"]["sources"]["github"]["status"] == "ok"


def test_a_secondary_limit_that_persists_stops_github(fake: Any, cli: CliHarness) -> None:
    fake.github.secondary_limit(times=50, retry_after=5)
    result = cli("fetch", DDT)
    assert result.exit_code == EXIT_STOPPED
    assert "GitHub stopped: GitHub's secondary rate limit persists" in result.stderr
    assert cli.sleeps == [5, 5, 5]


def test_never_more_than_four_requests_in_flight(
    fake: Any, cli: CliHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    fake.github.latency = fake.pypi.latency = 0.02
    fake.github.max_in_flight = 4  # one more and the fake answers with a secondary limit
    result = cli("fetch", *github_slugs(fake))
    assert result.exit_code == 0, result.stderr
    assert fake.github.secondary_answers == 0
    assert 1 <= fake.github.peak_in_flight <= 4 and 1 <= fake.pypi.peak_in_flight <= 4


# -- the command -----------------------------------------------------------------------


def test_fetch_all_without_a_token_skips_github_with_a_notice(fake: Any, cli: CliHarness) -> None:
    result = cli("fetch", "--all")
    assert result.exit_code == 0, result.stderr
    n = len(github_slugs(fake))
    assert (
        f"GitHub skipped for {n} packages: without a token GitHub allows 60 requests an hour"
        in " ".join(result.stderr.split())
    )
    assert log(fake, prefix="/github") == []
    assert log(fake, prefix="/pypi")


def test_fetch_all_with_a_token_includes_github(
    fake: Any, cli: CliHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    result = cli("fetch", "--all")
    assert result.exit_code == 0, result.stderr
    n = len(github_slugs(fake))
    assert f"GitHub: {n} packages;" in result.stderr
    assert f"{n - 1} ok, 0 not modified, 1 moved, 0 not found, 0 failed, 0 pending" in result.stderr


def test_an_unknown_source_is_a_usage_error_naming_the_valid_ones(
    fake: Any, cli: CliHarness
) -> None:
    result = cli("fetch", DOT, "--source", "github,npm")
    assert result.exit_code == EXIT_USAGE
    assert (
        "unknown source 'npm'; choose from djangopackages, github, pypi, gitlab, codeberg, forges"
        in (result.stderr)
    )
    assert fake.requests.snapshot() == []


def test_one_source_alone_touches_only_that_upstream(fake: Any, cli: CliHarness) -> None:
    result = cli("fetch", DOT, "--source", "pypi")  # not mirrored yet: its record comes first
    assert result.exit_code == 0, result.stderr
    assert "not mirrored yet, so fetched from Django Packages first: django-oauth-toolkit" in (
        result.stderr
    )
    assert log(fake, prefix="/github") == []
    start = len(fake.requests)
    assert cli("fetch", DOT, "--source", " PyPI ").exit_code == 0
    assert [r.path for r in log(fake, start)] == ["/pypi/django-oauth-toolkit/json"]


# -- other forges ----------------------------------------------------------------------


def gitlab_transport(record: dict[str, Any], project: dict[str, Any] | None) -> Any:
    """Django Packages and GitLab behind one MockTransport (nothing leaves the process)."""
    meta = json.loads(
        (
            FIXTURES
            / "gitlab"
            / "project-lansharkconsulting-django-encrypted-model-fields.meta.json"
        ).read_text()
    )
    etag = meta["headers"]["etag"][0]
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        path = request.url.path
        if path.endswith(f"/packages/{record['slug']}/"):
            return httpx.Response(200, json=record)
        if "/gitlab/api/v4/projects/" in path:
            if project is None:
                return httpx.Response(404, json={"message": "404 Project Not Found"})
            if request.headers.get("if-none-match") == etag:
                return httpx.Response(304, headers={"etag": etag})
            return httpx.Response(200, json=project, headers={"etag": etag})
        return httpx.Response(404, json={"detail": "Not found."})

    transport = httpx.MockTransport(handler)
    transport.seen = seen  # type: ignore[attr-defined]
    return transport


def test_a_gitlab_repository_feeds_the_same_fields(cli: CliHarness) -> None:
    project = json.loads(
        (
            FIXTURES / "gitlab" / "project-lansharkconsulting-django-encrypted-model-fields.json"
        ).read_text()
    )
    record = dict(REAL_1858, slug="encrypted-fields", pypi_url="", grids=[])
    record["repo_url"] = (
        "https://gitlab.com/lansharkconsulting/django/django-encrypted-model-fields"
    )
    cli.transport = gitlab_transport(record, project)
    result = cli("fetch", "encrypted-fields")
    assert result.exit_code == 0, result.stderr
    assert "GitLab: 1 package; 1 request" in result.stderr
    asked = [r for r in cli.transport.seen if "gitlab" in r.url.path]
    assert (
        asked[0]
        .url.raw_path.decode()
        .endswith(
            "/projects/lansharkconsulting%2Fdjango%2Fdjango-encrypted-model-fields?license=true"
        )
    )
    view = shown(cli, "encrypted-fields")
    assert (view["repo_watchers"], view["repo_forks"]) == (33, 25)
    assert view["repo_full_name"] == "lansharkconsulting/django/django-encrypted-model-fields"
    assert view["license"] == "MIT License" and view["archived"] is False
    assert view["pkgcli"]["field_sources"]["repo_watchers"] == "gitlab"

    again = cli("fetch", "encrypted-fields", "--source", "forges")
    assert again.exit_code == 0, again.stderr
    assert "1 request, 1 answered 304" in again.stderr
    assert "0 ok, 1 not modified" in again.stderr
    assert shown(cli, "encrypted-fields")["repo_watchers"] == 33


def test_a_missing_gitlab_project_is_recorded(cli: CliHarness) -> None:
    record = dict(REAL_1858, slug="gone-from-gitlab", pypi_url="", grids=[])
    record["repo_url"] = "https://gitlab.com/jeff.triplett/does-not-exist"
    cli.transport = gitlab_transport(record, None)
    result = cli("fetch", "gone-from-gitlab")
    assert result.exit_code == 0, result.stderr
    view = shown(cli, "gone-from-gitlab")
    assert view["pkgcli"]["sources"]["gitlab"]["status"] == "not_found"
    assert view["repo_watchers"] == REAL_1858["repo_watchers"]


def test_the_database_keeps_validators_and_parsed_data_never_raw_bodies(
    fake: Any, cli: CliHarness, isolated_env: Path
) -> None:
    assert cli("fetch", DOT).exit_code == 0
    with sqlite3.connect(isolated_env) as conn:
        rows = conn.execute("SELECT url, etag, data FROM http_cache").fetchall()
    assert rows and all(etag for _, etag, _ in rows)
    repo_row = next(
        data for url, _, data in rows if url.endswith("/repos/jazzband/django-oauth-toolkit")
    )
    assert "stargazers_count" not in repo_row and '"stars"' in repo_row  # parsed, not raw


def test_ctrl_c_mid_refresh_exits_130_and_keeps_whole_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.fake.catalogue import generate_catalogue
    from tests.fake.github import FakeGitHub
    from tests.fake.pypi import FakePyPI
    from tests.fake.server import FakeUpstream

    from .conftest import CliHarness as Harness

    db = tmp_path / "mirror.db"
    catalogue = generate_catalogue(n_packages=400, n_grids=5, seed=11)
    with FakeUpstream(catalogue) as server:
        server.mount("/github", github := FakeGitHub.from_catalogue(catalogue))
        server.mount("/pypi", pypi := FakePyPI.from_catalogue(catalogue))
        env = {
            **os.environ,
            "PKGCLI_DB": str(db),
            "PKGCLI_API_URL": server.api_url,
            "PKGCLI_GITHUB_API_URL": f"{server.base_url}/github",
            "PKGCLI_PYPI_URL": server.base_url,
            "GITHUB_TOKEN": TOKEN,
        }
        monkeypatch.setenv("PKGCLI_API_URL", server.api_url)
        assert Harness()("fetch", "--all", "--source", "djangopackages").exit_code == 0
        github.latency = pypi.latency = 0.05
        proc = subprocess.Popen(
            [sys.executable, "-m", "pkgcli", "fetch", "--all", "--source", "github,pypi"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # wait until a first batch is committed
            with sqlite3.connect(db) as conn:
                if conn.execute("SELECT count(*) FROM github_repos").fetchone()[0]:
                    break
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "Interrupted in" in stderr and "run: pkgcli fetch --resume" in stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = conn.execute("SELECT status, repo_fetched_at, checked_at FROM github_repos")
        saved = rows.fetchall()
        total = conn.execute("SELECT count(*) FROM packages WHERE repo_url LIKE '%github.com%'")
        on_github = total.fetchone()[0]
    assert 0 < len(saved) < on_github  # stopped part-way, and kept what it had
    assert all(status and checked for status, _, checked in saved)  # whole rows only


# -- the user's edits ------------------------------------------------------------------


def test_an_edit_beats_every_source_and_says_so(fake: Any, cli: CliHarness) -> None:
    assert cli("edit", DOT, "--set", "repo_watchers=7").exit_code == 0
    assert cli("fetch", DOT).exit_code == 0
    view = shown(cli)
    repo = fake.github.find("jazzband/django-oauth-toolkit")
    assert view["repo_watchers"] == 7
    assert view["pkgcli"]["field_sources"]["repo_watchers"] == "edit"
    assert view["pkgcli"]["overrides"]["repo_watchers"]["upstream"] == repo.stars  # GitHub's
    text = cli("show", DOT, "--offline", "--sources", "--format", "table").stdout
    assert "Stars, forks, description        your edit; GitHub, fetched just now" in text


def test_the_refresh_follows_the_repository_and_project_the_user_fixed(
    fake: Any, cli: CliHarness
) -> None:
    assert cli("fetch", DDT, "--source", "djangopackages").exit_code == 0
    fixed = ("repo_url=https://github.com/pydanny/dj-paginator", "pypi_url=dj-paginator")
    assert cli("edit", DDT, "--set", fixed[0], "--set", fixed[1]).exit_code == 0
    fake.github.add(FakeRepo(id=39753819, full_name="pydanny/dj-paginator", stars=36))
    start = len(fake.requests)
    result = cli("fetch", DDT, "--source", "github,pypi")
    assert result.exit_code == 0, result.stderr
    asked = {r.path.split("?")[0] for r in log(fake, start)}
    assert "/github/repos/pydanny/dj-paginator" in asked
    assert "/pypi/dj-paginator/json" in asked  # gone from PyPI here: recorded, not fatal
    assert not any("debug-toolbar" in path for path in asked)
    view = shown(cli, DDT)
    assert (view["repo_full_name"], view["repo_watchers"]) == ("pydanny/dj-paginator", 36)
    assert view["pkgcli"]["sources"]["pypi"]["status"] == "not_found"


def test_show_json_with_sources_validates_against_the_published_schema(
    fake: Any, cli: CliHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pkgcli.schema import schemas
    from tests.test_schema import validate

    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    assert cli("fetch", *github_slugs(fake)).exit_code == 0
    schema = schemas()["package-view.schema.json"]
    for slug in github_slugs(fake):
        assert validate(shown(cli, slug), schema) == [], slug
    row = json.loads(cli("show", DOT, "--offline", "--json", "--fields", "all").stdout)
    assert validate(row, schemas()["package-row.schema.json"]) == []
    assert row["repo_full_name"] == "jazzband/django-oauth-toolkit" and row["commit_count"] > 0
