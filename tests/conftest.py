"""Shared test harness: an isolated environment per test, the fake upstream, a CLI runner.

Every test runs with the upstream URLs pointing at a closed local port unless it asks for
the fake upstream, with no GitHub token in the environment, and with a fresh database in
its own tmp dir: no test can reach the real services or the user's own mirror.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from pkgcli.cli import app
from pkgcli.config import load_settings
from pkgcli.context import AppContext

FIXTURES = Path(__file__).parent / "fixtures"
CLOSED_PORT_URL = "http://127.0.0.1:9"  # discard port: connection refused, never the internet


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("GITHUB_TOKEN", "GH_TOKEN", "PKGCLI_DB", "NO_COLOR", "VISUAL", "EDITOR"):
        monkeypatch.delenv(name, raising=False)
    db = tmp_path / "mirror.db"
    monkeypatch.setenv("PKGCLI_DB", str(db))
    monkeypatch.setenv("PKGCLI_API_URL", f"{CLOSED_PORT_URL}/api/v4")
    monkeypatch.setenv("PKGCLI_GITHUB_API_URL", f"{CLOSED_PORT_URL}/github")
    monkeypatch.setenv("PKGCLI_PYPI_URL", CLOSED_PORT_URL)
    monkeypatch.setenv("PKGCLI_GITLAB_API_URL", f"{CLOSED_PORT_URL}/gitlab/api/v4")
    monkeypatch.setenv("PKGCLI_CODEBERG_API_URL", f"{CLOSED_PORT_URL}/codeberg/api/v1")
    monkeypatch.setenv("PKGCLI_ENDOFLIFE_URL", f"{CLOSED_PORT_URL}/endoflife")
    monkeypatch.setenv("PKGCLI_TIMEOUT", "5")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("PAGER", "")  # no pager where a test fakes a terminal (test_pager opts in)
    return db


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The fake upstream (real HTTP on 127.0.0.1), seeded with the real fixture records."""
    from tests.fake.catalogue import load_fixture_catalogue
    from tests.fake.endoflife import FakeEndOfLife
    from tests.fake.forges import FakeCodeberg, FakeGitLab
    from tests.fake.github import FakeGitHub
    from tests.fake.pypi import FakePyPI
    from tests.fake.server import FakeUpstream

    with FakeUpstream(load_fixture_catalogue(FIXTURES / "djangopackages")) as server:
        # GitHub and PyPI for the same packages (fake.github, fake.pypi to steer them).
        server.github = FakeGitHub.from_catalogue(server.catalogue)  # type: ignore[attr-defined]
        server.pypi = FakePyPI.from_catalogue(server.catalogue)  # type: ignore[attr-defined]
        server.mount("/github", server.github)  # type: ignore[attr-defined]
        server.mount("/pypi", server.pypi)  # type: ignore[attr-defined]
        # GitLab and Codeberg: the catalogue's projects there plus the real GitLab payloads
        # (fake.gitlab, fake.codeberg to steer them).
        gitlab = FakeGitLab.from_catalogue(server.catalogue, fixtures=FIXTURES / "gitlab")
        server.gitlab = gitlab  # type: ignore[attr-defined]
        server.codeberg = FakeCodeberg.from_catalogue(server.catalogue)  # type: ignore[attr-defined]
        server.mount("/gitlab/api/v4", server.gitlab)  # type: ignore[attr-defined]
        server.mount("/codeberg/api/v1", server.codeberg)  # type: ignore[attr-defined]
        server.endoflife = FakeEndOfLife()  # type: ignore[attr-defined]
        server.mount("/endoflife", server.endoflife)  # type: ignore[attr-defined]
        monkeypatch.setenv("PKGCLI_ENDOFLIFE_URL", f"{server.base_url}/endoflife")
        monkeypatch.setenv("PKGCLI_API_URL", server.api_url)
        monkeypatch.setenv("PKGCLI_GITHUB_API_URL", f"{server.base_url}/github")
        monkeypatch.setenv("PKGCLI_PYPI_URL", server.base_url)
        monkeypatch.setenv("PKGCLI_GITLAB_API_URL", f"{server.base_url}/gitlab/api/v4")
        monkeypatch.setenv("PKGCLI_CODEBERG_API_URL", f"{server.base_url}/codeberg/api/v1")
        yield server


@dataclass
class CliHarness:
    """Runs the real `pkgcli` app in-process; records the back-off sleeps it asked for."""

    runner: CliRunner = field(default_factory=CliRunner)
    sleeps: list[float] = field(default_factory=list)
    transport: Any = None

    def __call__(self, *args: str, input: str | None = None) -> Result:
        context = AppContext(
            settings=load_settings(None), transport=self.transport, sleep=self.sleeps.append
        )
        return self.runner.invoke(app, list(args), input=input, obj=context)


@pytest.fixture
def cli() -> CliHarness:
    return CliHarness()


RunCli = Callable[..., Result]
