"""One retry policy for every source: a URL costs at most 4 requests in all, even when
GitHub keeps answering with its secondary rate limit (it used to be a loop of GitHub's own
around the HTTP client's: up to 16 requests for one URL)."""

from __future__ import annotations

from typing import Any

from pkgcli.errors import EXIT_STOPPED
from pkgcli.http import MAX_ATTEMPTS

from .conftest import CliHarness

DDT = "django-debug-toolbar"


def test_a_persisting_secondary_limit_costs_at_most_four_requests_then_stops_github(
    fake: Any, cli: CliHarness
) -> None:
    assert cli("fetch", DDT, "--source", "djangopackages").exit_code == 0
    fake.github.secondary_limit(times=50, retry_after=5)
    before = len(fake.requests.paths())
    result = cli("fetch", DDT, "--source", "github")
    asked = [p for p in fake.requests.paths()[before:] if p.startswith("/github/")]
    assert result.exit_code == EXIT_STOPPED, result.stderr
    assert len(asked) == MAX_ATTEMPTS == 4  # one URL, one budget: no loop around it
    assert cli.sleeps == [5, 5, 5]  # the pauses GitHub asked for, between the 4 attempts
    said = " ".join(result.stderr.split())
    assert "GitHub stopped: GitHub's secondary rate limit persists" in said
    assert "waited out 3 secondary rate limit(s)" in said
    assert "pkgcli fetch --resume after" in said
