"""Long output on a terminal goes through $PAGER; never when piped, nor with --no-pager."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.mirror_seed import seed, standard

from .conftest import CliHarness


@pytest.fixture
def terminal(isolated_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A 5-line terminal whose pager writes what it gets to a file."""
    seed(str(isolated_env), *standard())
    paged = tmp_path / "paged.txt"
    monkeypatch.setenv("PAGER", f"sh -c 'cat > {paged}'")
    monkeypatch.setenv("LINES", "5")
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setattr("pkgcli.output.stdout_is_terminal", lambda: True)
    return paged


def test_long_output_on_a_terminal_goes_through_the_pager(cli: CliHarness, terminal: Path) -> None:
    result = cli("list", "--fields", "slug")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert "django-rest-framework" in terminal.read_text()


def test_no_pager_prints_directly_before_or_after_the_command(
    cli: CliHarness, terminal: Path
) -> None:
    for args in (["--no-pager", "list"], ["list", "--no-pager"]):
        result = cli(*args, "--fields", "slug")
        assert "django-rest-framework" in result.stdout
    assert not terminal.exists()


def test_short_output_is_not_paged(cli: CliHarness, terminal: Path) -> None:
    result = cli("list", "--fields", "slug", "--limit", "1")
    assert "alpha-widget" in result.stdout and not terminal.exists()


def test_piped_output_is_never_paged(
    cli: CliHarness, terminal: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("pkgcli.output.stdout_is_terminal", lambda: False)
    assert "django-rest-framework" in cli("list", "--fields", "slug").stdout
    assert not terminal.exists()
