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
            help="Package slugs or ids to fetch or refresh.",
            autocompletion=complete_package_slug,
        ),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Mirror the whole catalogue.")] = False,
    source: Annotated[
        str | None,
        typer.Option(
            "--source",
            metavar="NAMES",
            help=source_help(),
        ),
    ] = None,
) -> None:
    """Store or refresh packages from Django Packages, GitHub, PyPI, GitLab and Codeberg.

    A GitHub token (GITHUB_TOKEN or GH_TOKEN) raises GitHub's quota from 60 to 5,000
    requests an hour, lets `--all` include GitHub, and asks for 50 repositories per
    GraphQL query; it is sent to the GitHub API only, never stored or printed.
    """
    from pkgcli.sync import run_fetch

    code = run_fetch(ctx.obj, slugs or [], all_packages=all_, sources=source)
    if code:
        raise typer.Exit(code)
