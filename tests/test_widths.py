"""Every listing command's table fits 40, 80 and 200 columns without wrapping."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.mirror_seed import seed, standard

from .conftest import CliHarness

COMMANDS = [
    ("list",),
    ("list", "--fields", "all"),
    ("search", "django"),
    ("grids",),
    ("grid", "rest-frameworks"),
    ("grid", "rest-frameworks", "--fields", "all"),
    ("edits", "history"),
    ("edits", "fields"),
    ("show", "--list-fields"),
    ("show", "drf-yasg", "django-ninja", "--offline", "--fields", "slug,title,stars"),
]


@pytest.mark.parametrize("width", [40, 80, 200])
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_tables_fit_the_terminal(
    cli: CliHarness,
    isolated_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: tuple[str, ...],
    width: int,
) -> None:
    seed(str(isolated_env), *standard())
    assert cli("edit", "drf-yasg", "--set", "notes=" + "a long note " * 30).exit_code == 0
    monkeypatch.setenv("COLUMNS", str(width))
    result = cli(*command, "--format", "table")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines, command
    too_wide = [line for line in lines if len(line) > width]
    assert too_wide == []
