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


def emit(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()
