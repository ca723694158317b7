"""`pkgcli fetch`: parse the options, make one call into the core, render."""

from __future__ import annotations

from typing import Annotated

import typer

from pkgcli.completion import complete_package_slug
from pkgcli.registry import source_help

app = typer.Typer(rich_markup_mode=None, add_completion=False)


@app.command("fetch")
def fetch(
    ctx: typer.Context,
    slugs: Annotated[
        list[str] | None,
        typer.Argument(
            help="Package slugs or ids to fetch or refresh; '-' reads them from stdin.",
            autocompletion=complete_package_slug,
        ),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Mirror the whole catalogue.")] = False,
    grid: Annotated[
        str | None, typer.Option("--grid", metavar="SLUG", help="The packages of this grid.")
    ] = None,
    category: Annotated[
        str | None,
        typer.Option("--category", metavar="SLUG", help="The packages of this category."),
    ] = None,
    stale: Annotated[
        str | None,
        typer.Option(
            "--stale",
            metavar="AGE",
            help="Only data older than AGE (e.g. 7d) or never fetched, by each source's age.",
        ),
    ] = None,
    source: Annotated[
        str | None, typer.Option("--source", metavar="NAMES", help=source_help())
    ] = None,
    resume: Annotated[
        bool,
        typer.Option("--resume", help="Finish the last unfinished run (pending and failed)."),
    ] = False,
    failed: Annotated[
        bool, typer.Option("--failed", help="Retry the last run's failed packages.")
    ] = False,
    plan: Annotated[
        bool,
        typer.Option(
            "--plan", help="Say what would be fetched, and how long it takes; fetch nothing."
        ),
    ] = False,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the summary as one JSON object on stdout.")
    ] = False,
    wait: Annotated[
        bool,
        typer.Option("--wait", help="At GitHub's quota floor, sleep until the reset and go on."),
    ] = False,
    max_requests: Annotated[
        int | None,
        typer.Option(
            "--max-requests", min=0, metavar="N", help="Stop cleanly after N requests (exit 7)."
        ),
    ] = None,
    time_budget: Annotated[
        str | None,
        typer.Option(
            "--time-budget",
            metavar="DURATION",
            help="Stop cleanly after this long, e.g. 90s, 15m, 2h (exit 7).",
        ),
    ] = None,
) -> None:
    """Store or refresh packages from Django Packages, GitHub, PyPI, GitLab and Codeberg.

    A GitHub token (GITHUB_TOKEN or GH_TOKEN) raises GitHub's quota from 60 to 5,000
    requests an hour, lets --all include GitHub, and asks for 50 repositories per GraphQL
    query; it is sent to the GitHub API only, never stored or printed.

    Exit codes: 0 done, 3 a named slug is not on Django Packages, 4 an upstream was
    unreachable, 6 some packages failed (the rest stored), 7 stopped early (quota floor,
    --max-requests, --time-budget): run `pkgcli fetch --resume` to finish.
    """
    import sys

    from pkgcli.present.fetch import render_summary, summary_json
    from pkgcli.render import json_line
    from pkgcli.sync import Selection, parse_duration, read_slugs, run_fetch

    names = list(slugs or [])
    if "-" in names:
        names = [n for n in names if n != "-"] + read_slugs(sys.stdin.read())
    seconds = None if time_budget is None else parse_duration(time_budget, "--time-budget")
    selection = Selection(
        names,
        all_,
        resume,
        failed,
        max_requests,
        seconds,
        wait,
        grid,
        category,
        None if stale is None else parse_duration(stale, "--stale"),
    )
    if plan:
        return _plan(ctx, selection, source, json_output)
    summary, code = run_fetch(ctx.obj, selection, sources=source)
    if json_output:
        sys.stdout.write(json_line(summary_json(summary)) + "\n")
    else:
        for line in render_summary(summary):
            ctx.obj.note(line)
    if code:
        raise typer.Exit(code)


def _plan(ctx: typer.Context, selection: object, source: str | None, json_output: bool) -> None:
    from pkgcli.commands._options import emit
    from pkgcli.ingest.plan import plan_fetch
    from pkgcli.present.fetch import render_plan
    from pkgcli.registry import parse_sources
    from pkgcli.render import json_line
    from pkgcli.sync import check_plan

    check_plan(selection)
    view = plan_fetch(ctx.obj, selection, parse_sources(source))
    emit(json_line(view) + "\n" if json_output else render_plan(view))
