"""The boundary over real sockets: the fake upstream's fault layer (`tests/fake/faults.py`)
against `pkgcli fetch`, for what only real HTTP shows — a body trickled byte by byte past
the deadline, a gzip bomb and an endless chunked body against the cap, a `Link` to a
lookalike URL, a path-traversal name — each failing one package of one source."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest

from pkgcli.errors import EXIT_FAILED

from .conftest import CliHarness

DOT = "django-oauth-toolkit"


def sources(cli: CliHarness, slug: str = DOT) -> dict[str, Any]:
    result = cli("show", slug, "--json", "--offline")
    assert result.exit_code == 0, result.stderr
    found: dict[str, Any] = json.loads(result.stdout)["pkgcli"]["sources"]
    return found


def test_a_trickled_answer_is_cut_at_the_total_deadline(
    fake: Any, cli: CliHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PKGCLI_TIMEOUT", "0.5")
    fake.faults.add("trickle", re.compile(r"^/pypi/"), None, interval=0.05)
    started = time.monotonic()
    result = cli("fetch", DOT)
    elapsed = time.monotonic() - started
    assert result.exit_code == EXIT_FAILED, result.stderr  # one source failed
    assert "PyPI did not finish its answer within 0.5 s" in " ".join(result.stderr.split())
    assert elapsed < 4 * 0.5 + 3.0  # four attempts at most, each cut at its deadline
    assert sources(cli)["github"]["status"] in ("ok", "moved")  # GitHub went on


@pytest.mark.parametrize(
    ("kind", "route", "opts"),
    [
        ("gzip-bomb", r"^/github/repos/", {"mb": 48}),
        ("endless", r"^/github/repos/", {}),
        ("huge", r"^/pypi/", {"mb": 40}),
    ],
)
def test_bodies_past_the_cap_fail_one_source_and_the_rest_goes_on(
    fake: Any, cli: CliHarness, kind: str, route: str, opts: dict[str, Any]
) -> None:
    fake.faults.add(kind, re.compile(route), None, **opts)
    result = cli("fetch", DOT)
    assert result.exit_code == EXIT_FAILED, result.stderr  # one source failed
    assert "sent an answer larger than 32 MB" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr
    other = "pypi" if "github" in route else "github"
    assert sources(cli)[other]["status"] in ("ok", "moved")


def test_a_contributors_link_that_only_starts_like_the_api_is_not_followed(
    fake: Any, cli: CliHarness
) -> None:
    lookalike = f"{fake.base_url}/github-elsewhere/contributors?page=2"
    assert lookalike.startswith(f"{fake.base_url}/github")  # what a text check accepted
    fake.faults.add("off-origin-next", re.compile(r"^/github/.*/contributors"), None, url=lookalike)
    result = cli("fetch", DOT)
    assert result.exit_code == 0, result.stderr
    assert not [p for p in fake.requests.paths() if "github-elsewhere" in p]


def test_a_path_traversal_name_from_github_is_never_requested_or_stored(
    fake: Any, cli: CliHarness
) -> None:
    fake.faults.add("path-traversal", re.compile(r"^/github/"), None)
    result = cli("fetch", DOT)
    assert result.exit_code == EXIT_FAILED, result.stderr  # one source failed
    assert "GitHub answered with an unusable repository name ('../../../etc/passwd')" in (
        " ".join(result.stderr.split())
    )
    assert not [p for p in fake.requests.paths() if "etc/passwd" in p or "/.." in p]
    github = sources(cli).get("github") or {}
    assert github.get("full_name") != "../../../etc/passwd" and not github.get("fetched_at")
    assert sources(cli)["pypi"]["status"] == "ok"
