"""`pkgcli status` and the source registry, through the CLI against the fake upstream."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pkgcli.errors import EXIT_STOPPED, EXIT_USAGE
from pkgcli.registry import Source, register, unregister

from .conftest import FIXTURES, CliHarness

DOT = "django-oauth-toolkit"
TOKEN = "ghp_pkgcliTestToken0123456789abcdef"


def status(cli: CliHarness, *args: str) -> dict[str, Any]:
    result = cli("status", "--json", *args)
    assert result.exit_code == 0, result.stderr
    view: dict[str, Any] = json.loads(result.stdout)
    return view


def test_status_counts_the_mirror_its_freshness_runs_and_quota(
    fake: Any, cli: CliHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = status(cli, "--offline")
    assert empty["packages"] == 0 and empty["runs"] == [] and empty["resume"] is None
    assert fake.requests.snapshot() == []  # --offline: not even the free request

    assert cli("fetch", DOT).exit_code == 0
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    view = status(cli)
    assert (view["packages"], view["local"], view["gone"]) == (1, 0, 0)
    assert view["grids"] >= 1 and view["categories"] == 1
    assert view["freshness"]["github"] == {"day": 1, "week": 0, "older": 0, "never": 0}
    assert view["freshness"]["pypi"]["day"] == 1 and view["freshness"]["gitlab"]["never"] == 1
    assert [r["status"] for r in view["runs"]] == ["complete"]
    assert view["runs"][0]["outcomes"]["moved"] == 1
    assert view["github_token_from"] == "GITHUB_TOKEN"
    quota = view["github_quota"]
    assert isinstance(quota["remaining"], int) and quota["limit"] >= quota["remaining"]
    assert [r.path for r in fake.requests.snapshot() if "rate_limit" in r.path]
    text = cli("status", "--offline").stdout
    assert "Mirror: 1 package (0 local" in text and "GitHub token: from GITHUB_TOKEN" in text
    assert all(len(line) <= 80 for line in text.splitlines())


def test_status_names_the_unfinished_run_and_its_resume_command(fake: Any, cli: CliHarness) -> None:
    fake.github.quota(None).remaining = 0
    assert cli("fetch", DOT).exit_code == EXIT_STOPPED
    view = status(cli, "--offline")
    assert view["runs"][0]["status"] == "stopped"
    assert view["unfinished_run"] == view["runs"][0]["id"]
    assert view["resume"] == "pkgcli fetch --resume"
    assert "is unfinished: pkgcli fetch --resume" in cli("status", "--offline").stdout


@pytest.fixture
def extra_source() -> Iterator[Source]:
    source = Source(
        "tinyforge", "TinyForge", "PKGCLI_TINYFORGE_URL", "http://127.0.0.1:9/tiny", "tiny_api"
    )
    register(source)
    yield source
    unregister(source.name)


def test_a_registered_source_reaches_settings_paths_source_and_status(
    extra_source: Source, cli: CliHarness, monkeypatch: pytest.MonkeyPatch, isolated_env: Path
) -> None:
    monkeypatch.setenv("PKGCLI_TINYFORGE_URL", "http://127.0.0.1:9/elsewhere/")
    paths = json.loads(cli("paths", "--json").stdout)
    assert paths["tiny_api"] == "http://127.0.0.1:9/elsewhere"
    refused = cli("fetch", DOT, "--source", "npm")
    assert refused.exit_code == EXIT_USAGE
    assert "gitlab, codeberg, tinyforge, forges" in refused.stderr
    assert "tinyforge" in status(cli, "--offline")["freshness"]
    assert "TinyForge" in cli("status", "--offline").stdout


@pytest.fixture
def tinyforge() -> Iterator[Any]:
    from tests import tiny_source

    register(tiny_source.SOURCE)
    yield tiny_source
    unregister(tiny_source.SOURCE.name)


def tiny_transport() -> Any:
    """Django Packages (one record whose repository is on TinyForge) and TinyForge."""
    import httpx

    record = json.loads((FIXTURES / "djangopackages" / "package-1858.json").read_text())
    record.update(slug="tiny-pkg", repo_url="https://tiny.example/o/r", pypi_url="", grids=[])

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/packages/tiny-pkg/"):
            return httpx.Response(200, json=record)
        if request.url.path == "/tiny/repos/o/r":
            return httpx.Response(200, json={"name": "o/renamed", "stars": 7})
        return httpx.Response(404, json={"detail": "Not found."})

    return httpx.MockTransport(handler)


def test_a_source_registered_by_a_test_flows_through_fetch_show_and_paths(
    tinyforge: Any, cli: CliHarness, monkeypatch: pytest.MonkeyPatch, isolated_env: Path
) -> None:
    monkeypatch.setenv("PKGCLI_TINYFORGE_URL", "http://127.0.0.1:9/tiny")
    cli.transport = tiny_transport()
    tinyforge.migrate(str(isolated_env))  # the source's own migration, before first use
    assert cli("fetch", "tiny-pkg", "--source", "djangopackages").exit_code == 0

    result = cli("fetch", "TINY-PKG", "--source", "TinyForge", "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["sources"]["tinyforge"]["ok"] == 1
    assert summary["sources"]["tinyforge"]["requests"] == 1
    view = json.loads(cli("show", "tiny-pkg", "--json", "--offline").stdout)
    said = view["pkgcli"]["sources"]["tinyforge"]
    assert (said["status"], said["full_name"]) == ("ok", "o/renamed")
    text = cli("show", "tiny-pkg", "--offline", "--sources", "--format", "table").stdout
    assert "TinyForge said" in text
    assert json.loads(cli("paths", "--json").stdout)["tinyforge_api"] == "http://127.0.0.1:9/tiny"
    human = cli("fetch", "tiny-pkg", "--source", "tinyforge")
    assert "TinyForge: 1 package; 1 request" in human.stderr
