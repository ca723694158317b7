"""`pkgcli changes`: what changed in the mirror since a moment, from the snapshots."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from pkgcli.commands._options import FieldsOption, FormatOption, JsonOption, NoColorOption, emit
from pkgcli.errors import UsageError

app = typer.Typer(rich_markup_mode=None, add_completion=False)

_UNITS = {"h": 1 / 24, "d": 1, "w": 7}


def parse_since(text: str, now: datetime) -> str:
    """`30d`, `12h`, `2w` or an ISO date → the UTC ISO moment it names."""
    match = re.fullmatch(r"(\d{1,5})([hdw])", text.strip().lower())
    if match:
        return (now - timedelta(days=int(match.group(1)) * _UNITS[match.group(2)])).isoformat()
    from pkgcli.fields import parse_iso

    when = parse_iso(text.strip())
    if when is None:
        raise UsageError(f"--since takes 30d, 12h, 2w or an ISO date, not {text!r}")
    return when.isoformat()


@app.command("changes")
def changes(
    ctx: typer.Context,
    since: Annotated[
        str, typer.Option("--since", metavar="AGE|DATE", help="30d, 12h, 2w or an ISO date.")
    ] = "30d",
    grid: Annotated[
        str | None, typer.Option("--grid", metavar="SLUG", help="Only packages in this grid.")
    ] = None,
    tag: Annotated[
        str | None, typer.Option("--tag", metavar="TAG", help="Only packages you tagged TAG.")
    ] = None,
    json_output: JsonOption = False,
    fmt: FormatOption = None,
    fields: FieldsOption = None,
    no_color: NoColorOption = False,
) -> None:
    """New releases, archived or gone packages, verdict changes, star movers, grid moves."""
    from pkgcli.history import changes as find_changes
    from pkgcli.output import output_options
    from pkgcli.present.health_tables import CHANGES, render_rows
    from pkgcli.service import find_grid

    moment = parse_since(since, datetime.now(UTC))
    if grid is not None:
        find_grid(ctx.obj.store, grid)  # an unknown grid is exit 3, not "no changes"
    out = output_options(fmt, json_output, None, no_color)
    if fields is not None:
        CHANGES.select(fields, [])
        out = out._replace(fields=fields)
    rows = find_changes(ctx.obj.store, moment, ctx.obj.settings.api_url, grid=grid, tag=tag)
    emit(render_rows(rows, CHANGES, out))
    if not rows:
        ctx.obj.note(f"no changes recorded since {moment[:19]}Z")
