"""The README's console examples marked "checked against the test mirror" are what pkgcli
prints: each `$ pkgcli ...` line runs, in README order, against the small mirror of
tests/mirror_seed.py at 80 columns (a line commented "an 80-column terminal" gets the
table a terminal would), and its stdout then stderr must be the lines that follow it
(`$ echo $?` checks the exit code)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.mirror_seed import seed, standard

from .conftest import CliHarness

README = Path(__file__).parent.parent / "README.md"
MARK = "<!-- checked against the test mirror: tests/test_readme_examples.py -->"


def checked_blocks() -> list[list[str]]:
    """The lines of each marked ```console block."""
    text = README.read_text(encoding="utf-8")
    pattern = re.escape(MARK) + r"\n```console\n(.*?)```"
    return [block.splitlines() for block in re.findall(pattern, text, flags=re.DOTALL)]


def sessions(lines: list[str]) -> list[tuple[str, list[str]]]:
    """(command line, the lines it printed) pairs of one block."""
    pairs: list[tuple[str, list[str]]] = []
    for line in lines:
        if line.startswith("$ "):
            pairs.append((line[2:], []))
        else:
            pairs[-1][1].append(line)
    return pairs


def test_the_readme_has_checked_examples() -> None:
    assert len(checked_blocks()) >= 4


def test_checked_readme_examples_print_what_they_say(
    cli: CliHarness, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(str(isolated_env), *standard())
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr("pkgcli.output.stdout_is_terminal", lambda: False)
    last_code = 0
    for block in checked_blocks():
        for command, expected in sessions(block):
            if command == "echo $?":
                assert expected == [str(last_code)], command
                continue
            words = shlex.split(command, comments=True)
            assert words[0] == "pkgcli", command
            if "# an 80-column terminal" in command:  # what a terminal gets: the table
                words += ["--format", "table"]
            result = cli(*words[1:])
            last_code = result.exit_code
            printed = (result.stdout + result.stderr).splitlines()
            assert [line.rstrip() for line in printed] == expected, command
