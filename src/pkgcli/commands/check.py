"""`pkgcli check`: parse the options, read the project's file, judge, render."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from pkgcli.commands._options import FieldsOption, FormatOption, JsonOption, NoColorOption, emit

app = typer.Typer(rich_markup_mode=None, add_completion=False)


@app.command("check")
def check(
    ctx: typer.Context,
    file: Annotated[
        str,
        typer.Argument(
            metavar="[FILE|-]",
            help="requirements*.txt, pyproject.toml, uv.lock, poetry.lock, pylock.toml, a "
            "project directory, or - for requirements / pip freeze on stdin.",
        ),
    ] = ".",
    offline: Annotated[bool, typer.Option("--offline", help="Never touch the network.")] = False,
    list_all: Annotated[
        bool, typer.Option("--all", help="List dependencies not on Django Packages too.")
    ] = False,
    django: Annotated[
        str | None,
        typer.Option("--django", metavar="X.Y", help="The project's Django (default: from FILE)."),
    ] = None,
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on",
            metavar="LIST",
            help="Exit 8 when a dependency is: archived,risk,unsupported,vulnerable.",
        ),
    ] = None,
    json_output: JsonOption = False,
    fmt: FormatOption = None,
    fields: FieldsOption = None,
    no_color: NoColorOption = False,
) -> None:
    """Judge your project's Django dependencies: health, Django support, advisories."""
    from pkgcli.check import judge, meets, parse_fail_on, read_project
    from pkgcli.compat import parse_version_option
    from pkgcli.errors import EXIT_CHECK_FAILED
    from pkgcli.output import output_options
    from pkgcli.present.health_tables import CHECK, render_rows

    conditions = parse_fail_on(fail_on)
    wanted_django = parse_version_option(django, "--django") if django else None
    out = output_options(fmt, json_output, None, no_color)
    if fields is not None:
        CHECK.select(fields, [])  # refuse a bad --fields before any work
        out = out._replace(fields=fields)
    project = read_project(file, sys.stdin.read() if file == "-" else None)
    result = judge(ctx.obj, project, django=wanted_django, offline=offline, list_all=list_all)
    emit(render_rows(result.rows, CHECK, out))
    unmapped = result.total - result.mapped
    ctx.obj.note(
        f"{result.total} dependencies: {result.mapped} on Django Packages, {unmapped} not"
        + ("" if list_all or not unmapped else " (--all lists them)")
        + f"; project Django: {result.django or 'not found'}"
        + (f"; {len(result.skipped)} lines not understood" if result.skipped else "")
    )
    if conditions and any(meets(row, conditions) for row in result.rows):
        raise typer.Exit(EXIT_CHECK_FAILED)
