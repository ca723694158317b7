"""`pkgcli grids`: every grid in the mirror (the list half of `list-grid`)."""

from __future__ import annotations

import typer

from pkgcli.commands._options import (
    FormatOption,
    JsonOption,
    ListFieldsOption,
    NoColorOption,
    ReverseOption,
    SortOption,
)
from pkgcli.commands.list_grid import ColumnsOption, LimitOption, run_list_grid

app = typer.Typer(rich_markup_mode=None, add_completion=False)


@app.command("grids")
def grids(
    ctx: typer.Context,
    sort: SortOption = None,
    reverse: ReverseOption = False,
    limit: LimitOption = None,
    columns: ColumnsOption = None,
    fmt: FormatOption = None,
    json_output: JsonOption = False,
    list_fields: ListFieldsOption = False,
    no_color: NoColorOption = False,
) -> None:
    """List every grid in the mirror with its package count (by slug unless --sort).

    Example: pkgcli grids --sort package_count --limit 10
    """
    run_list_grid(ctx, None, sort, reverse, limit, columns, fmt, json_output, list_fields, no_color)
