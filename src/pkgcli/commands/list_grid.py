"""`pkgcli list-grid`: parse the options, make one call into the core, render."""

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
    emit,
)
from pkgcli.completion import complete_fields, complete_grid_slug
from pkgcli.models import MAX_ID
from pkgcli.output import OutputFormat

app = typer.Typer(rich_markup_mode=None, add_completion=False)

LimitOption = Annotated[  # a --limit beyond SQLite's range is a usage error, not OverflowError
    int | None,
    typer.Option("--limit", min=0, max=MAX_ID, metavar="N", help="At most N rows (0: all)."),
]
ColumnsOption = Annotated[
    str | None,
    typer.Option(
        "--columns",
        "--fields",
        metavar="A,B,C",
        autocompletion=complete_fields,
        help="Columns to print, comma-separated, or 'all' (see --list-fields).",
    ),
]


@app.command("list-grid")
def list_grid(
    ctx: typer.Context,
    slug: Annotated[
        str | None,
        typer.Argument(
            metavar="[SLUG]",
            help="Grid slug (or id). Without it: every grid in the mirror.",
            autocompletion=complete_grid_slug,
            show_default=False,
        ),
    ] = None,
    sort: SortOption = None,
    reverse: ReverseOption = False,
    limit: LimitOption = None,
    columns: ColumnsOption = None,
    fmt: FormatOption = None,
    json_output: JsonOption = False,
    list_fields: ListFieldsOption = False,
    no_color: NoColorOption = False,
    django: Annotated[
        str | None,
        typer.Option("--django", metavar="X.Y", help="Add a column: declares Django X.Y?"),
    ] = None,
    matrix: Annotated[
        str | None,
        typer.Option("--matrix", metavar="django|python", help="Packages by versions."),
    ] = None,
) -> None:
    """Compare the packages of a grid side by side, or list every grid (see also `pkgcli
    grids` and `pkgcli grid SLUG`, the same two jobs as two commands).

    Example: pkgcli list-grid rest-frameworks --sort stars
    """
    run_list_grid(
        ctx, slug, sort, reverse, limit, columns, fmt, json_output, list_fields, no_color,
        django=django, matrix=matrix,
    )  # fmt: skip


def run_list_grid(
    ctx: typer.Context,
    slug: str | None,
    sort: str | None,
    reverse: bool,
    limit: int | None,
    columns: str | None,
    fmt: OutputFormat | None,
    json_output: bool,
    list_fields: bool,
    no_color: bool,
    *,
    django: str | None = None,
    matrix: str | None = None,
) -> None:
    """The grid list (no slug) or one grid's comparison, in the chosen format; `django` adds
    a support column and `matrix` prints packages by versions (pkgcli.present.compat_grid)."""
    from pkgcli import service
    from pkgcli.output import output_options, render_field_list, render_listing, selected

    kind = "grid" if slug is None else "package"
    out = output_options(fmt, json_output, columns, no_color, kind=kind)
    if list_fields:
        return emit(render_field_list(kind, out))
    if slug is None:
        counts = "mirrored_count" in selected(out, "grid")
        grids = service.list_grids(
            ctx.obj, sort=sort, reverse=reverse, limit=limit, mirrored=counts
        )
        return emit(render_listing(grids, "grid", out))
    found = service.compare_grid(ctx.obj, slug, sort=sort, reverse=reverse, limit=limit)
    title = f"{found.grid['title'] or found.grid['slug']} ({found.grid['slug']})"
    if django or matrix:  # compatibility views: pkgcli.present.compat_grid
        from pkgcli.present.compat_grid import render_compat

        return emit(render_compat(ctx.obj, found.views, out, title, django=django, matrix=matrix))
    emit(render_listing(found.views, "package", out, title=title))
