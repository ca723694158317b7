"""`pkgcli list`: every package in the mirror, narrowed by filters that compose."""

from __future__ import annotations

from typing import Annotated

import typer

from pkgcli.commands._options import (
    FieldsOption,
    FormatOption,
    JsonOption,
    ListFieldsOption,
    NoColorOption,
    ReverseOption,
    SortOption,
    emit,
)
from pkgcli.completion import complete_grid_slug
from pkgcli.models import MAX_ID

app = typer.Typer(rich_markup_mode=None, add_completion=False)


@app.command("list")
def list_(
    ctx: typer.Context,
    category: Annotated[
        str | None, typer.Option("--category", metavar="SLUG", help="Only this category.")
    ] = None,
    grid: Annotated[
        str | None,
        typer.Option(
            "--grid", metavar="SLUG", autocompletion=complete_grid_slug, help="Only this grid."
        ),
    ] = None,
    tags: Annotated[
        list[str] | None,
        typer.Option("--tag", metavar="TAG", help="Only packages you tagged so (repeatable: all)."),
    ] = None,
    license_: Annotated[
        str | None, typer.Option("--license", metavar="NAME", help="Only this licence (e.g. MIT).")
    ] = None,
    django: Annotated[
        str | None,
        typer.Option("--django", metavar="X.Y", help="Only packages declaring this Django."),
    ] = None,
    python: Annotated[
        str | None,
        typer.Option("--python", metavar="X.Y", help="Only packages declaring this Python."),
    ] = None,
    archived: Annotated[
        bool | None,
        typer.Option(
            "--archived/--no-archived",
            help="Only archived repositories / all but the archived ones.",
            show_default=False,
        ),
    ] = None,
    local: Annotated[
        bool, typer.Option("--local", help="Only packages only this mirror knows.")
    ] = False,
    edited: Annotated[bool, typer.Option("--edited", help="Only packages you edited.")] = False,
    stale: Annotated[
        str | None,
        typer.Option(
            "--stale", metavar="AGE", help="Only last commits older than AGE: 2y, 6mo, 30d."
        ),
    ] = None,
    sort: SortOption = None,
    reverse: ReverseOption = False,
    limit: Annotated[
        int,
        typer.Option(
            "--limit", min=0, max=MAX_ID, metavar="N", help="At most N packages (0: all)."
        ),
    ] = 0,
    fields: FieldsOption = None,
    fmt: FormatOption = None,
    json_output: JsonOption = False,
    list_fields: ListFieldsOption = False,
    no_color: NoColorOption = False,
) -> None:
    """List the packages in the mirror (by slug), narrowed by filters that all must hold.

    Filters see what `show` shows: the sources' fields and your edits included.

    Example: pkgcli list --django 5.2 --no-archived --sort stars --limit 20
    """
    from pkgcli import service
    from pkgcli.output import output_options, render_field_list, render_listing

    out = output_options(fmt, json_output, fields, no_color, kind="package")
    if list_fields:
        return emit(render_field_list("package", out))
    wanted = service.PackageFilter(
        category=category, grid=grid, tags=tuple(tags or ()), license=license_, django=django,
        python=python, archived=archived, local=local, edited=edited, stale=stale,
    )  # fmt: skip
    listing = service.list_packages(ctx.obj, wanted, sort=sort, reverse=reverse, limit=limit)
    emit(render_listing(listing.views, "package", out))
    if len(listing.views) < listing.total:
        ctx.obj.note(f"{len(listing.views)} of {listing.total} shown; --limit 0 for all")
