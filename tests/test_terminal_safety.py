"""Upstream text full of markup and escape sequences prints harmlessly in every format."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.mirror_seed import EVIL, seed, standard

# What may never reach a terminal from upstream text: ESC (other than our own SGR colour
# codes), C1 controls (one-byte CSI/OSC), BEL, carriage return, backspace, bidi overrides
# and isolates, zero-width characters.
SGR = re.compile(r"\x1b\[[0-9;]*m")
FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
COMMANDS = [
    ("show", "evil-pkg", "--offline"),
    ("show", "evil-pkg", "--offline", "--fields", "all"),
    ("list-grid", "rest-frameworks", "--fields", "all"),
    ("list-grid", "rest-frameworks"),
    ("search", "evil"),
    ("search", "markup", "--fields", "title,description,participants,pypi_version"),
]
FORMATS = ["table", "plain", "csv", "tsv", "md"]


@pytest.fixture
def mirror(isolated_env: Path) -> Path:
    seed(str(isolated_env), *standard())
    return isolated_env


def assert_inert(text: str, *, colour: bool = False) -> None:
    bare = SGR.sub("", text) if colour else text
    assert "\x1b" not in bare
    bad = FORBIDDEN.findall(bare.replace("\n", ""))
    assert not bad, f"unsafe characters reached the terminal: {bad!r}"


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_text_format_is_inert(
    cli: Any, mirror: Path, command: tuple[str, ...], fmt: str
) -> None:
    result = cli(*command, "--format", fmt)
    assert result.exit_code == 0, result.stderr
    assert "evil" in result.stdout.lower() or "markup" in result.stdout
    assert_inert(result.stdout)


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_coloured_tables_are_inert_and_markup_is_literal(
    cli: Any, mirror: Path, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]
) -> None:
    monkeypatch.setattr("pkgcli.output.stdout_is_terminal", lambda: True)
    monkeypatch.setenv("TERM", "xterm-256color")
    result = cli(*command)
    assert result.exit_code == 0
    assert SGR.search(result.stdout)  # it is coloured…
    assert_inert(result.stdout, colour=True)  # …and nothing else got through
    bare = SGR.sub("", result.stdout)
    # rich markup in upstream text is shown, never interpreted (no link, no bold)
    assert "[bold]markup" in bare or "[bold]mar" in bare
    assert "\x1b]8;" not in result.stdout


def test_show_human_view_keeps_the_whole_description_inert(cli: Any, mirror: Path) -> None:
    text = cli("show", "evil-pkg", "--offline", "--format", "table").stdout
    assert_inert(text)
    assert "[bold]markup[/] [link=http://evil.example]x[/link]" in text
    assert "overwrite" in text and " end" in text  # nothing was swallowed either


@pytest.mark.parametrize("fmt", ["json", "ndjson"])
def test_json_stays_exact_and_carries_no_raw_controls(cli: Any, mirror: Path, fmt: str) -> None:
    show = cli("show", "evil-pkg", "--offline", "--format", fmt).stdout
    assert json.loads(show)["repo_description"] == EVIL
    listing = cli("list-grid", "rest-frameworks", "--fields", "title,pypi_version", "--format", fmt)
    rows = (
        [json.loads(line) for line in listing.stdout.splitlines()]
        if fmt == "ndjson"
        else (json.loads(listing.stdout))
    )
    evil = next(r for r in rows if r["slug"] == "evil-pkg")
    assert evil["title"] == EVIL and evil["pypi_version"] == "6.6\x1b[2J\r"
    for text in (show, listing.stdout):
        assert not FORBIDDEN.findall(text.replace("\n", ""))  # escaped as \u001b, \u009b…


def test_stderr_notes_are_inert(cli: Any, isolated_env: Path) -> None:
    packages, grids = standard()
    grids[0]["slug"] = "rest-frameworks"
    seed(str(isolated_env), packages, grids)
    result = cli("list-grid", "rest\x1b[2J")
    assert result.exit_code == 2
    assert_inert(result.stderr)
