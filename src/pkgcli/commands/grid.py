"""`pkgcli grid SLUG`: one grid's packages side by side (the comparison half of `list-grid`)."""

from __future__ import annotations

from typing import Annotated

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
from pkgcli.completion import complete_grid_slug

app = typer.Typer(rich_markup_mode=None, add_completion=False)


@app.command("grid")
def grid(
    ctx: typer.Context,
    slug: Annotated[
        str,
        typer.Argument(
            metavar="SLUG", help="Grid slug (or id).", autocompletion=complete_grid_slug
        ),
    ],
    sort: SortOption = None,
    reverse: ReverseOption = False,
    limit: LimitOption = None,
    columns: ColumnsOption = None,
    fmt: FormatOption = None,
    json_output: JsonOption = False,
    list_fields: ListFieldsOption = False,
    no_color: NoColorOption = False,
) -> None:
    """Compare the packages of one grid side by side (by score unless --sort).

    Example: pkgcli grid rest-frameworks --sort stars --fields slug,stars,last_commit
    """
    run_list_grid(ctx, slug, sort, reverse, limit, columns, fmt, json_output, list_fields, no_color)
