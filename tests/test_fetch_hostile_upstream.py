"""`pkgcli fetch` against a Django Packages that sends bad records, lies in its list pages or
runs alongside another fetch: the review's repros, through the CLI and the fake upstream."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pkgcli.errors import EXIT_USAGE
from pkgcli.fake.catalogue import generate_catalogue
from pkgcli.fake.server import FakeUpstream

from .conftest import CliHarness

DP = ("--source", "djangopackages")


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeUpstream]:
    """The review's harness: 120 packages, 10 grids, 4 categories."""
    with FakeUpstream(generate_catalogue(120, 10, 4, 0)) as fake:
        monkeypatch.setenv("PKGCLI_API_URL", fake.api_url)
        yield fake


@pytest.mark.parametrize(
    "when", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", "0001-01-01"]
)
def test_an_edit_to_a_date_out_of_range_is_a_usage_error(
    server: FakeUpstream, cli: CliHarness, when: str
) -> None:
    assert cli("fetch", "--all", *DP).exit_code == 0
    result = cli("edit", "1", "--set", f"last_updated={when}")
    assert result.exit_code == EXIT_USAGE
    assert "Traceback" not in result.stderr
    assert "must be an ISO date" in result.stderr
