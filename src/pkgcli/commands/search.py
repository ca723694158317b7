"""`pkgcli search`: parse the options, make one call into the core, render."""

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
from pkgcli.errors import UsageError
from pkgcli.models import MAX_ID  # a bigger --limit is a usage error, not OverflowError

app = typer.Typer(rich_markup_mode=None, add_completion=False)


@app.command("search")
def search(
    ctx: typer.Context,
    words: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="TEXT...",
            help="Words to look for; all must match, anywhere in a word.",
            show_default=False,
        ),
    ] = None,
    grids: Annotated[bool, typer.Option("--grids", help="Search grids, not packages.")] = False,
    sort: SortOption = None,
    reverse: ReverseOption = False,
    limit: Annotated[
        int,
        typer.Option("--limit", min=0, max=MAX_ID, metavar="N", help="At most N results (0: all)."),
    ] = 30,
    fields: FieldsOption = None,
    fmt: FormatOption = None,
    json_output: JsonOption = False,
    list_fields: ListFieldsOption = False,
    no_color: NoColorOption = False,
) -> None:
    """Search the mirror offline by relevance: title, slug, description, participants, and
    your edited text, notes and tags. Words match inside words too (`auth` finds allauth).

    Example: pkgcli search oauth --limit 5
    """
    from pkgcli import service
    from pkgcli.output import output_options, render_field_list, render_listing

    kind = "grid" if grids else "package"
    out = output_options(fmt, json_output, fields, no_color, kind=kind)
    if list_fields:
        return emit(render_field_list(kind, out))
    if not words:
        raise UsageError("give the words to search for: pkgcli search TEXT...")
    text = " ".join(words)
    found = service.search(ctx.obj, text, grids=grids, sort=sort, reverse=reverse, limit=limit)
    emit(render_listing(found.views, kind, out, preset=None if grids else "search"))
    if len(found.views) < found.total:
        ctx.obj.note(f"{len(found.views)} of {found.total} shown; --limit 0 for all")
