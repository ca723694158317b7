"""Options every command that prints data shares (see docs/output.md), and `emit`."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from pkgcli.completion import (
    complete_fields,
    complete_sort,
)
from pkgcli.output import OutputFormat

FormatOption = Annotated[
    OutputFormat | None,
    typer.Option(
        "--format",
        case_sensitive=False,
        help="Output format (default: table on a terminal, plain tab-separated when piped).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Shortcut for --format json.")]
FieldsOption = Annotated[
    str | None,
    typer.Option(
        "--fields",
        metavar="A,B,C",
        autocompletion=complete_fields,
        help="Fields to print, comma-separated, or 'all' (see --list-fields).",
    ),
]
ListFieldsOption = Annotated[
    bool, typer.Option("--list-fields", help="List the fields --fields and --sort accept.")
]
NoColorOption = Annotated[
    bool, typer.Option("--no-color", help="No colour on a terminal (NO_COLOR works too).")
]
SortOption = Annotated[
    str | None,
    typer.Option(
        "--sort",
        metavar="FIELD",
        autocompletion=complete_sort,
        help="Sort by this field (numbers and times: highest first).",
    ),
]
ReverseOption = Annotated[bool, typer.Option("--reverse", help="Reverse the order.")]


PAGING = {"enabled": True}  # `--no-pager` (a group option) turns it off for the run


def emit(text: str) -> None:
    """Data to stdout; through `$PAGER` (default `less -FRX`) when stdout is a terminal and
    the text is taller than it — never when piped, nor with `--no-pager` or an empty PAGER."""
    if PAGING["enabled"] and _taller_than_terminal(text) and _page(text):
        return
    sys.stdout.write(text)
    sys.stdout.flush()


def _taller_than_terminal(text: str) -> bool:
    from pkgcli.output import stdout_is_terminal

    if not stdout_is_terminal():
        return False
    import shutil

    return text.count("\n") >= shutil.get_terminal_size((80, 24)).lines


def _page(text: str) -> bool:
    """Show `text` in the pager; False when there is none to run (then print it plainly)."""
    import os
    import shlex
    import subprocess

    command = os.environ.get("PAGER", "less -FRX")
    if not command.strip():
        return False
    try:
        argv = shlex.split(command)
        pager = subprocess.Popen(argv, stdin=subprocess.PIPE, env={"LESS": "FRX", **os.environ})
    except (OSError, ValueError):
        return False
    assert pager.stdin is not None
    try:
        pager.stdin.write(text.encode("utf-8", "surrogateescape"))
        pager.stdin.close()
    except BrokenPipeError:  # the user quit the pager early
        pass
    pager.wait()
    return True
