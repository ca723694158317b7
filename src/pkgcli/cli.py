"""The typer app: each command parses, makes one call into the core, and renders.

`PkgcliGroup` is the single place where errors become one line on stderr and a documented
exit code (see README, "Exit codes"); nothing below it prints a traceback on purpose.
"""

import os
import signal
import sys
from collections.abc import Callable
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from typer.core import TyperGroup

from pkgcli import __version__
from pkgcli.completion import (
    complete_fields,
    complete_grid_slug,
    complete_package_slug,
    complete_sort,
)
from pkgcli.errors import EXIT_INTERRUPTED, PkgcliError, UsageError
from pkgcli.output import OutputFormat


def _die(message: str, code: int) -> NoReturn:
    from pkgcli.render import inert

    print(f"pkgcli: {inert(message)}", file=sys.stderr, flush=True)
    raise typer.Exit(code)


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


# Every command is built only when it is invoked (or listed by --help): typer reads every
# option of every command it builds, and building them all cost each `show` several ms
# (`edit`'s fourteen options alone ~3 ms).
LAZY_COMMANDS: dict[str, typer.Typer] = {}
_F = TypeVar("_F", bound=Callable[..., Any])


def command(name: str) -> Callable[[_F], _F]:
    """Register `name` as a lazily built command (its own one-command typer app)."""
    sub_app = typer.Typer(rich_markup_mode=None, add_completion=False)
    LAZY_COMMANDS[name] = sub_app
    return sub_app.command(name)


# click's UsageError, found through a public class so it works whether typer vendors click.
_ClickUsageError: type[Exception] = next(
    k for k in typer.BadParameter.__mro__ if k.__name__ == "UsageError"
)


def _usage_error(exc: Any) -> NoReturn:
    """A bad option or argument: one line naming the help to read, exit 2."""
    if type(exc).__name__ == "NoArgsIsHelpError":  # bare `pkgcli`: click prints the help
        raise exc
    path = exc.ctx.command_path if exc.ctx is not None else "pkgcli"
    _die(f"{exc.format_message().rstrip('.')} (see '{path} --help')", exc.exit_code)


class PkgcliGroup(TyperGroup):
    """Maps PkgcliError / usage errors / Ctrl-C / SIGTERM to one stderr line and an exit code."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except _ClickUsageError as exc:
            _usage_error(exc)

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
        except _ClickUsageError as exc:
            _usage_error(exc)
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
        ctx.obj.settings = ctx.obj.settings.with_db(db)


# -- options every command that prints data shares (see docs/output.md) -----------------

FormatOption = Annotated[
    OutputFormat | None,
    typer.Option(
        "--format",
        case_sensitive=False,
        help="Output format (default: table on a terminal, plain tab-separated when piped).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Shortcut for --format json.")]
FieldsOption = Annotated[
    str | None,
    typer.Option(
        "--fields",
        metavar="A,B,C",
        autocompletion=complete_fields,
        help="Fields to print, comma-separated, or 'all' (see --list-fields).",
    ),
]
ListFieldsOption = Annotated[
    bool, typer.Option("--list-fields", help="List the fields --fields and --sort accept.")
]
NoColorOption = Annotated[
    bool, typer.Option("--no-color", help="No colour on a terminal (NO_COLOR works too).")
]
SortOption = Annotated[
    str | None,
    typer.Option(
        "--sort",
        metavar="FIELD",
        autocompletion=complete_sort,
        help="Sort by this field (numbers and times: highest first).",
    ),
]
ReverseOption = Annotated[bool, typer.Option("--reverse", help="Reverse the order.")]


def _emit(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


@command("show")
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
) -> None:
    """Show one package from the mirror (fetched first if it is not there yet)."""
    from pkgcli.output import output_options, render_field_list, render_record

    out = output_options(fmt, json_output, fields, no_color, kind="package")
    if list_fields:
        return _emit(render_field_list("package", out))
    if slug is None:
        raise UsageError("name the package to show: pkgcli show SLUG")
    from pkgcli.service import show_package

    view = show_package(ctx.obj, slug, offline=offline)

    def human() -> Any:
        from pkgcli.render import render_package, render_sources

        return render_sources(view, render_package(view)) if sources else render_package(view)

    _emit(render_record(view, "package", out, preset="show", human=human))
    if sources:
        from pkgcli.render import source_lines

        _emit(source_lines(view, out))  # nothing more for the table, or JSON (pkgcli.sources)


@command("list-grid")
def list_grid(
    ctx: typer.Context,
    slug: Annotated[
        str | None,
        typer.Argument(
            metavar="[SLUG]",
            help="Grid slug (or id). Without it: every grid in the mirror.",
            autocompletion=complete_grid_slug,
            show_default=False,
        ),
    ] = None,
    sort: SortOption = None,
    reverse: ReverseOption = False,
    limit: Annotated[
        int | None,
        typer.Option("--limit", min=0, metavar="N", help="At most N rows (0: all)."),
    ] = None,
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns",
            "--fields",
            metavar="A,B,C",
            autocompletion=complete_fields,
            help="Columns to print, comma-separated, or 'all' (see --list-fields).",
        ),
    ] = None,
    fmt: FormatOption = None,
    json_output: JsonOption = False,
    list_fields: ListFieldsOption = False,
    no_color: NoColorOption = False,
) -> None:
    """Compare the packages of a grid side by side, or list every grid."""
    from pkgcli import service
    from pkgcli.output import output_options, render_field_list, render_listing, selected

    kind = "grid" if slug is None else "package"
    out = output_options(fmt, json_output, columns, no_color, kind=kind)
    if list_fields:
        return _emit(render_field_list(kind, out))
    if slug is None:
        counts = "mirrored_count" in selected(out, "grid")
        grids = service.list_grids(
            ctx.obj, sort=sort, reverse=reverse, limit=limit, mirrored=counts
        )
        return _emit(render_listing(grids, "grid", out))
    found = service.compare_grid(ctx.obj, slug, sort=sort, reverse=reverse, limit=limit)
    title = f"{found.grid['title'] or found.grid['slug']} ({found.grid['slug']})"
    _emit(render_listing(found.views, "package", out, title=title))


@command("search")
def search(
    ctx: typer.Context,
    words: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="TEXT...",
            help="Words to look for; all must match, as word prefixes.",
            show_default=False,
        ),
    ] = None,
    grids: Annotated[bool, typer.Option("--grids", help="Search grids, not packages.")] = False,
    sort: SortOption = None,
    reverse: ReverseOption = False,
    limit: Annotated[
        int, typer.Option("--limit", min=0, metavar="N", help="At most N results (0: all).")
    ] = 30,
    fields: FieldsOption = None,
    fmt: FormatOption = None,
    json_output: JsonOption = False,
    list_fields: ListFieldsOption = False,
    no_color: NoColorOption = False,
) -> None:
    """Search the mirror offline (title, slug, description, participants) by relevance."""
    from pkgcli import service
    from pkgcli.output import output_options, render_field_list, render_listing

    kind = "grid" if grids else "package"
    out = output_options(fmt, json_output, fields, no_color, kind=kind)
    if list_fields:
        return _emit(render_field_list(kind, out))
    if not words:
        raise UsageError("give the words to search for: pkgcli search TEXT...")
    text = " ".join(words)
    found = service.search(ctx.obj, text, grids=grids, sort=sort, reverse=reverse, limit=limit)
    _emit(render_listing(found, kind, out, preset=None if grids else "search"))


@command("fetch")
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
            help="Comma-separated: djangopackages,github,pypi,forges (default: all).",
        ),
    ] = None,
) -> None:
    """Store or refresh packages from Django Packages, GitHub, PyPI and other forges."""
    from pkgcli.sync import run_fetch

    code = run_fetch(ctx.obj, slugs or [], all_packages=all_, sources=source)
    if code:
        raise typer.Exit(code)


@command("edit")
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


@command("paths")
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

    out = output_options(fmt, json_output, fields, no_color, kind="paths")
    if list_fields:
        return _emit(render_field_list("paths", out))
    settings = ctx.obj.settings
    info = {
        "database": settings.db_path,
        "database_from": settings.db_source,
        "django_packages_api": settings.api_url,
        "github_api": settings.github_api_url,
        "pypi": settings.pypi_url,
        "gitlab_api": settings.gitlab_api_url,
        "codeberg_api": settings.codeberg_api_url,
        "github_token_from": github_token_source(),
    }
    _emit(render_record(info, "paths", out, missing="(not set)"))


def main() -> None:
    try:
        app(prog_name="pkgcli")
    except SystemExit as exc:
        if exc.code == EXIT_INTERRUPTED:
            # Worker threads may still wait on a slow request until its timeout; every write
            # was one transaction (committed or rolled back by now), so leave without them.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(EXIT_INTERRUPTED)
        raise
