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
    slugs: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="SLUG...",
            help="Package slugs (or numeric ids); - reads them from stdin, one per line.",
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
    """Show packages from the mirror (each fetched first if it is not there yet).

    Many slugs print one record each: a JSON array with --json, one line each with
    --format ndjson, rows with csv/tsv. A slug not found is one line on stderr; the others
    are still printed, and the exit code is then 3.

    Example: pkgcli show django-oauth-toolkit django-allauth --format csv --fields slug,stars
    """
    from pkgcli.output import output_options, render_field_list, render_record

    out = output_options(fmt, json_output, fields, no_color, kind="package")
    if list_fields:
        return emit(render_field_list("package", out))
    if not slugs:
        raise UsageError("name the package to show: pkgcli show SLUG (or - for stdin)")
    if len(slugs) > 1 or slugs == ["-"]:
        return _show_many(ctx, _read_slugs(slugs), out, offline=offline)
    slug = slugs[0]
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


def _read_slugs(args: list[str]) -> list[str]:
    """The slugs given, with `-` replaced by those on stdin (blank lines and # comments
    skipped)."""
    import sys

    slugs: list[str] = []
    for arg in args:
        if arg != "-":
            slugs.append(arg)
            continue
        for line in sys.stdin:
            text = line.split("#", 1)[0].strip()
            slugs += text.split()
    return slugs


def _show_many(ctx: typer.Context, slugs: list[str], out: Any, *, offline: bool) -> None:
    from pkgcli.errors import EXIT_NOT_FOUND, EXIT_UPSTREAM, EXIT_USAGE
    from pkgcli.output import OutputFormat, render_listing, to_text
    from pkgcli.present.health import attach_health_many
    from pkgcli.render import json_line, render_package
    from pkgcli.service import show_packages

    shown = show_packages(ctx.obj, slugs, offline=offline)
    views = shown.views
    attach_health_many(views, ctx.obj, explain=False)  # pkgcli.health, as `show SLUG` has
    if out.fields is None and out.format is OutputFormat.json:
        # An array with one compact record a line: as exact, and json's C encoder makes
        # it several times cheaper than indenting 1,000 records.
        emit("[\n" + ",\n".join(json_line(v) for v in views) + "\n]\n" if views else "[]\n")
    elif out.fields is None and out.format is OutputFormat.ndjson:
        emit("".join(json_line(v) + "\n" for v in views))
    elif out.fields is None and out.format is OutputFormat.table:
        emit("\n".join(to_text(render_package(v), out) for v in views))
    elif views or out.format is not OutputFormat.json:
        emit(render_listing(views, "package", out, preset="show"))
    else:
        emit("[]\n")
    for problem in shown.problems:
        ctx.obj.note(f"pkgcli: {problem.message}")
    if shown.problems:  # the most telling code: upstream trouble, then bad input
        codes = {p.exit_code for p in shown.problems}
        worst = next(c for c in (EXIT_UPSTREAM, EXIT_USAGE, EXIT_NOT_FOUND, *codes) if c in codes)
        raise typer.Exit(worst)
