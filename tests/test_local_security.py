"""The local half of the hostile-input review (issue 11): shells, files, the store and
settings. Every test goes through the real command (CliRunner or a subprocess)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from pkgcli.errors import EXIT_NOT_FOUND
from tests.mirror_seed import package, seed, standard

from .conftest import CliHarness

HOSTILE_SLUG = "zz;touch${IFS}pwned"


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("pkgcli: ")
    return lines[0]


def tamper(db: Path, *statements: str) -> None:
    """What an older pkgcli (or a hostile upstream it trusted) left in the mirror."""
    conn = sqlite3.connect(db)
    with conn:
        for sql in statements:
            conn.execute(sql)
    conn.close()


@pytest.fixture
def poisoned(isolated_env: Path) -> Path:
    seed(str(isolated_env), *standard())
    seed(str(isolated_env), [package(900, "zz-safe"), package(901, "zz-other")])
    tamper(
        isolated_env,
        f"UPDATE packages SET slug = '{HOSTILE_SLUG}' WHERE id = 901",
        "UPDATE grids SET slug = 'a$(reboot)' WHERE slug = 'authentication'",
    )
    return isolated_env


def complete(shell: str, words: str, db: Path) -> subprocess.CompletedProcess[str]:
    """What the shell runs on Tab: the real program and typer's completion protocol."""
    cword = len(words.split()) - (0 if words.endswith(" ") else 1)
    env = {
        **os.environ,
        "PKGCLI_DB": str(db),
        "_PKGCLI_COMPLETE": f"complete_{shell}",
        "COMP_WORDS": words,
        "COMP_CWORD": str(cword),
        "_TYPER_COMPLETE_ARGS": words,
        "_TYPER_COMPLETE_FISH_ACTION": "get-args",
    }
    return subprocess.run(
        [sys.executable, "-m", "pkgcli"], env=env, capture_output=True, text=True, check=False
    )


# -- completion and "did you mean" offer only slugs that pass the slug rule ----------------


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_never_offers_a_slug_that_breaks_the_slug_rule(
    poisoned: Path, shell: str
) -> None:
    done = complete(shell, "pkgcli show zz", poisoned)
    assert done.returncode == 0 and done.stderr == ""
    assert "zz-safe" in done.stdout
    assert "touch" not in done.stdout and ";" not in done.stdout
    grids = complete(shell, "pkgcli list-grid a", poisoned)
    assert "reboot" not in grids.stdout and "$" not in grids.stdout


def test_did_you_mean_offers_only_valid_slugs(cli: CliHarness, poisoned: Path) -> None:
    result = cli("show", "zz", "--offline")
    assert result.exit_code == EXIT_NOT_FOUND
    line = one_line(result.stderr)
    assert "zz-safe" in line and "touch" not in line
    result = cli("list-grid", "a")
    assert result.exit_code == EXIT_NOT_FOUND
    assert "reboot" not in one_line(result.stderr)
