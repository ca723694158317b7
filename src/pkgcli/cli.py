"""The typer app: each command parses, makes one call into the core, and renders.

`PkgcliGroup` is the single place where errors become one line on stderr and a documented
exit code (see README, "Exit codes"); nothing below it prints a traceback on purpose.
"""

from __future__ import annotations

import signal
import sys
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from pkgcli import __version__
from pkgcli.errors import EXIT_INTERRUPTED, PkgcliError


def _die(message: str, code: int) -> NoReturn:
    from pkgcli.render import inert

    print(f"pkgcli: {inert(message)}", file=sys.stderr, flush=True)
    raise typer.Exit(code)


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


# Commands with many options, built only when invoked (or listed by --help): typer reads
# every option of every command at start-up, and `edit`'s fourteen cost each `show` ~3 ms.
LAZY_COMMANDS: dict[str, typer.Typer] = {}


class PkgcliGroup(TyperGroup):
    """Maps PkgcliError / Ctrl-C / SIGTERM to one stderr line and an exit code."""

    def list_commands(self, ctx: Any) -> list[str]:
        names = super().list_commands(ctx)
        return [*names, *(name for name in LAZY_COMMANDS if name not in names)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in LAZY_COMMANDS and cmd_name not in self.commands:
            self.commands[cmd_name] = typer.main.get_command(LAZY_COMMANDS[cmd_name])
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: Any) -> Any:
        previous = signal.signal(signal.SIGTERM, _terminate)
        try:
            return super().invoke(ctx)
        except PkgcliError as exc:
            _die(exc.message, exc.exit_code)
        except KeyboardInterrupt:
            _die("interrupted; everything committed so far is kept", EXIT_INTERRUPTED)
        except BrokenPipeError:
            sys.stderr.close()  # the reader went away (e.g. `| head`): not an error
            raise typer.Exit(0) from None
        finally:
            signal.signal(signal.SIGTERM, previous)
            obj = ctx.obj
            if obj is not None:
                obj.close()


app = typer.Typer(
    cls=PkgcliGroup,
    name="pkgcli",
    help="A local, scriptable mirror of the Django Packages catalogue.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"pkgcli {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db", metavar="PATH", help="Database file (default: PKGCLI_DB, else the data dir)."
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """A local, scriptable mirror of the Django Packages catalogue."""
    from pkgcli.config import load_settings
    from pkgcli.context import AppContext

    if ctx.obj is None:
        ctx.obj = AppContext(settings=load_settings(db))
    elif db:  # tests inject their own context; --db still wins
        from dataclasses import replace

        ctx.obj.settings = replace(ctx.obj.settings, db_path=db, db_source="--db")


@app.command()
def show(
    ctx: typer.Context,
    slug: Annotated[str, typer.Argument(help="Package slug (or numeric id).")],
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    offline: Annotated[bool, typer.Option("--offline", help="Never touch the network.")] = False,
    sources: Annotated[
        bool, typer.Option("--sources", help="Say where each field came from, and its age.")
    ] = False,
) -> None:
    """Show one package from the mirror (fetched first if it is not there yet)."""
    from pkgcli.render import render_json
    from pkgcli.service import show_package

    view = show_package(ctx.obj, slug, offline=offline)
    if json_output:  # provenance is always in the JSON, under pkgcli.sources
        sys.stdout.write(render_json(view) + "\n")
        return
    from rich.console import Console

    from pkgcli.render import render_package, render_sources

    console = Console(highlight=False, soft_wrap=False)
    console.print(render_package(view))
    if sources:
        console.print(render_sources(view))


@app.command()
def fetch(
    ctx: typer.Context,
    slugs: Annotated[
        list[str] | None, typer.Argument(help="Package slugs or ids to fetch or refresh.")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Mirror the whole catalogue.")] = False,
    source: Annotated[
        str | None,
        typer.Option(
            "--source",
            metavar="NAMES",
            help="Comma-separated: djangopackages,github,pypi,forges (default: all).",
        ),
    ] = None,
) -> None:
    """Store or refresh packages from Django Packages, GitHub, PyPI and other forges."""
    from pkgcli.sync import run_fetch

    code = run_fetch(ctx.obj, slugs or [], all_packages=all_, sources=source)
    if code:
        raise typer.Exit(code)


edit_app = typer.Typer(rich_markup_mode=None, add_completion=False)
LAZY_COMMANDS["edit"] = edit_app


@edit_app.command("edit")
def edit(
    ctx: typer.Context,
    slug: Annotated[
        str | None, typer.Argument(metavar="SLUG", help="Package slug (or numeric id).")
    ] = None,
    sets: Annotated[
        list[str] | None,
        typer.Option("--set", metavar="FIELD=VALUE", help="Set a field (repeatable)."),
    ] = None,
    unsets: Annotated[
        list[str] | None,
        typer.Option("--unset", metavar="FIELD", help="Back to the upstream value (repeatable)."),
    ] = None,
    editor: Annotated[
        bool, typer.Option("--editor", help="Edit in $VISUAL/$EDITOR (default on a terminal).")
    ] = False,
    history: Annotated[
        bool, typer.Option("--history", help="List the edits (of SLUG, or of all packages).")
    ] = False,
    reverts: Annotated[
        list[int] | None,
        typer.Option("--revert", metavar="ID", help="Withdraw one edit (repeatable)."),
    ] = None,
    revert_all: Annotated[
        bool, typer.Option("--revert-all", help="Withdraw every edit of SLUG.")
    ] = False,
    create: Annotated[
        bool, typer.Option("--create", help="Add SLUG as a package only this mirror knows.")
    ] = False,
    delete: Annotated[bool, typer.Option("--delete", help="Delete local package SLUG.")] = False,
    export: Annotated[
        str | None, typer.Option("--export", metavar="FILE", help="Write all edits to FILE (-).")
    ] = None,
    import_: Annotated[
        str | None, typer.Option("--import", metavar="FILE", help="Apply edits from FILE (-).")
    ] = None,
    fields: Annotated[bool, typer.Option("--fields", help="List the editable fields.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Edit a package locally: your values override the mirror's and survive every refresh."""
    from pkgcli.editing import EditRequest, run_edit
    from pkgcli.render import edit_messages, edit_output

    request = EditRequest(
        slug=slug, sets=sets or [], unsets=unsets or [], reverts=reverts or [],
        revert_all=revert_all, create=create, delete=delete, history=history, editor=editor,
        export_path=export, import_path=import_, list_fields=fields,
    )  # fmt: skip
    tty = sys.stdout.isatty()
    result = run_edit(ctx.obj, request, interactive=tty and sys.stdin.isatty())
    for message in edit_messages(result):
        ctx.obj.note(message)
    output = edit_output(result, json_output=json_output, tty=tty)
    if isinstance(output, str):
        sys.stdout.write(output)
    elif output is not None:
        from rich.console import Console

        Console(highlight=False).print(output)


@app.command()
def paths(
    ctx: typer.Context,
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Show where pkgcli keeps its database and which upstreams it talks to."""
    from pkgcli.config import github_token_source
    from pkgcli.render import render_json

    settings = ctx.obj.settings
    info = {
        "database": settings.db_path,
        "database_from": settings.db_source,
        "django_packages_api": settings.api_url,
        "github_api": settings.github_api_url,
        "pypi": settings.pypi_url,
        "github_token_from": github_token_source(),
    }
    if json_output:
        print(render_json(info))
        return
    for key, value in info.items():
        print(f"{key:<20} {value if value is not None else '(not set)'}")


def main() -> None:
    app(prog_name="pkgcli")
