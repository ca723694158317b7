"""`pkgcli status`: parse the options, make one call into the core, render."""

from __future__ import annotations

from typing import Annotated

import typer

from pkgcli.commands._options import JsonOption, emit

app = typer.Typer(rich_markup_mode=None, add_completion=False)


@app.command("status")
def status(
    ctx: typer.Context,
    json_output: JsonOption = False,
    offline: Annotated[
        bool, typer.Option("--offline", help="Skip GitHub's free quota request.")
    ] = False,
) -> None:
    """The mirror at a glance: counts, how fresh each source is, the last runs, the token."""
    from pkgcli.ingest.status import mirror_status

    view = mirror_status(ctx.obj, offline=offline)
    if json_output:
        from pkgcli.render import render_json

        return emit(render_json(view) + "\n")
    from pkgcli.present.status import render_status

    emit(render_status(view))
