"""Every command is documented in the README, and CI runs the README's test command."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from pkgcli.cli import app

ROOT = Path(__file__).parent.parent


def test_every_command_has_a_readme_section_and_help() -> None:
    readme = (ROOT / "README.md").read_text()
    group = typer.main.get_command(app)
    names = group.list_commands(None)  # type: ignore[attr-defined]
    assert names
    for name in names:
        assert f"### `pkgcli {name}" in readme, f"README has no section for `pkgcli {name}`"
        command = group.get_command(None, name)  # type: ignore[attr-defined]
        assert command.help, f"`pkgcli {name}` has no help text"


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"Run the test suite.*?```console\n(.+?)\n```", readme, re.S)
    assert match, "README lost its 'Run the test suite' command"
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert match.group(1) in ci_lines
