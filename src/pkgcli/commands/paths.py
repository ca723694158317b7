"""`pkgcli paths`: parse the options, make one call into the core, render."""

from __future__ import annotations

import typer

from pkgcli.commands._options import (
    FieldsOption,
    FormatOption,
    JsonOption,
    ListFieldsOption,
    NoColorOption,
    emit,
)

app = typer.Typer(rich_markup_mode=None, add_completion=False)


@app.command("paths")
def paths(
    ctx: typer.Context,
    json_output: JsonOption = False,
    fmt: FormatOption = None,
    fields: FieldsOption = None,
    list_fields: ListFieldsOption = False,
    no_color: NoColorOption = False,
) -> None:
    """Show where pkgcli keeps its database and which upstreams it talks to."""
    from pkgcli.config import github_token_source
    from pkgcli.output import output_options, render_field_list, render_record
    from pkgcli.registry import SOURCES

    out = output_options(fmt, json_output, fields, no_color, kind="paths")
    if list_fields:
        return emit(render_field_list("paths", out))
    from pkgcli.models import redact_urls  # credentials in a configured URL stay hidden

    settings = ctx.obj.settings
    info = {
        "database": settings.db_path,
        "database_from": settings.db_source,
        **{source.paths_key: redact_urls(settings.url(source.name)) for source in SOURCES},
        "github_token_from": github_token_source(),
    }
    emit(render_record(info, "paths", out, missing="(not set)"))
