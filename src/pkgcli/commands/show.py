"""`pkgcli show`: parse the options, make one call into the core, render."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from pkgcli.commands._options import (
    FieldsOption,
    FormatOption,
    JsonOption,
    ListFieldsOption,
    NoColorOption,
    emit,
)
from pkgcli.completion import complete_package_slug
from pkgcli.errors import UsageError
from pkgcli.output import OutputFormat

app = typer.Typer(rich_markup_mode=None, add_completion=False)


@app.command("show")
def show(
    ctx: typer.Context,
    slug: Annotated[
        str | None,
        typer.Argument(
            metavar="SLUG",
            help="Package slug (or numeric id).",
            autocompletion=complete_package_slug,
            show_default=False,
        ),
    ] = None,
    json_output: JsonOption = False,
    offline: Annotated[bool, typer.Option("--offline", help="Never touch the network.")] = False,
    fmt: FormatOption = None,
    fields: FieldsOption = None,
    list_fields: ListFieldsOption = False,
    no_color: NoColorOption = False,
    sources: Annotated[
        bool, typer.Option("--sources", help="Say where each field came from, and its age.")
    ] = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="Every health rule with its input, and the score.")
    ] = False,
) -> None:
    """Show one package from the mirror (fetched first if it is not there yet)."""
    from pkgcli.output import output_options, render_field_list, render_record

    out = output_options(fmt, json_output, fields, no_color, kind="package")
    if list_fields:
        return emit(render_field_list("package", out))
    if slug is None:
        raise UsageError("name the package to show: pkgcli show SLUG")
    from pkgcli.service import show_package

    view = show_package(ctx.obj, slug, offline=offline)
    from pkgcli.present.health import attach_health, health_lines, health_pairs

    attach_health(view, ctx.obj, explain=explain)  # pkgcli.health

    def human() -> Any:
        from pkgcli.render import render_package, render_sources

        return render_sources(view, render_package(view)) if sources else render_package(view)

    emit(render_record(view, "package", out, preset="show", human=human))
    if sources:
        from pkgcli.render import source_lines

        emit(source_lines(view, out))  # nothing more for the table, or JSON (pkgcli.sources)
    if fields is None and out.format is OutputFormat.table:
        emit(health_lines(view, explain=explain, width=out.width))
    elif fields is None and out.format is OutputFormat.plain:
        emit(health_pairs(view, explain=explain))
