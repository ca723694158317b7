"""The typer app: each command parses, makes one call into the core, and renders.

`PkgcliGroup` is the single place where errors become one line on stderr and a documented
exit code (see README, "Exit codes"); nothing below it prints a traceback on purpose.
"""

import os
import signal
import sys
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from pkgcli import __version__
from pkgcli.errors import EXIT_DATABASE, EXIT_ERROR, EXIT_INTERRUPTED, PkgcliError


def _die(message: str, code: int) -> NoReturn:
    from pkgcli.models import redact_urls
    from pkgcli.render import inert

    print(f"pkgcli: {inert(redact_urls(message))}", file=sys.stderr, flush=True)
    raise typer.Exit(code)


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


# Every command lives in its own module under `pkgcli.commands` (one typer app each) and is
# imported and built only when it is invoked (or listed by --help): typer reads every option
# of every command it builds, and building them all cost each `show` several ms.
# Adding a command is one module and one line here, in the order `--help` lists them.
COMMANDS: dict[str, str] = {
    "show": "show",
    "list": "list",
    "grids": "grids",
    "grid": "grid",
    "list-grid": "list_grid",
    "search": "search",
    "fetch": "fetch",
    "edit": "edit",
    "edits": "edits",
    "paths": "paths",
    "status": "status",
    "check": "check",
    "changes": "changes",
}


# click's UsageError, found through a public class so it works whether typer vendors click.
_ClickUsageError: type[Exception] = next(
    k for k in typer.BadParameter.__mro__ if k.__name__ == "UsageError"
)


# What click raises to end a command on purpose (exit codes, usage errors): not faults.
_CLICK_FLOW: tuple[type[BaseException], ...] = (
    typer.Exit,
    typer.Abort,
    next(k for k in typer.BadParameter.__mro__ if k.__name__ == "ClickException"),
)


def _unexpected(exc: Exception) -> NoReturn:
    """A fault nothing below foresaw: still one line and an exit code, never a traceback
    (set PKGCLI_TRACEBACK=1 to see one). SQLite errors are the database's (exit 5)."""
    if os.environ.get("PKGCLI_TRACEBACK"):
        raise exc
    sqlite3 = sys.modules.get("sqlite3")
    if sqlite3 is not None and isinstance(exc, sqlite3.Error):
        _die(f"database error: {exc}", EXIT_DATABASE)
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    _die(f"unexpected error ({detail}); please report it", EXIT_ERROR)


def _usage_error(exc: Any) -> NoReturn:
    """A bad option or argument: one line naming the help to read, exit 2."""
    if type(exc).__name__ == "NoArgsIsHelpError":  # bare `pkgcli`: click prints the help
        raise exc
    path = exc.ctx.command_path if exc.ctx is not None else "pkgcli"
    _die(f"{exc.format_message().rstrip('.')} (see '{path} --help')", exc.exit_code)


SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")


def _show_completion_for(args: list[str]) -> None:
    """`--show-completion SHELL` prints SHELL's script. typer's own option is a flag when
    it can detect the shell, so it ignored the name and gave zsh and fish the bash script."""
    for i, arg in enumerate(args):
        if not arg.startswith("-"):  # a command: its own arguments are not ours
            return
        name = arg.partition("=")[2] if arg.startswith("--show-completion=") else None
        if arg == "--show-completion" and i + 1 < len(args):
            name = args[i + 1]
        if name is None:
            continue
        if name not in SHELLS:
            _die(f"--show-completion takes one of {', '.join(SHELLS)}, not {name!r}", 2)
        from typer._completion_shared import get_completion_script  # typer 0.9-0.28

        print(
            get_completion_script(prog_name="pkgcli", complete_var="_PKGCLI_COMPLETE", shell=name)
        )
        raise SystemExit(0)


def db_first(args: list[str]) -> list[str]:
    """`pkgcli show x --db PATH` as `pkgcli --db PATH show x`: `--db` (and `--no-pager`) are
    accepted after the command too (they belong to the group, which click parses first).
    Stops at `--`."""
    moved: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest += args[i:]
            break
        if arg == "--db" and i + 1 < len(args):
            moved += args[i : i + 2]
            i += 2
            continue
        if arg.startswith("--db=") or arg == "--no-pager":
            moved.append(arg)
        else:
            rest.append(arg)
        i += 1
    return moved + rest


class PkgcliGroup(TyperGroup):
    """Maps PkgcliError / usage errors / Ctrl-C / SIGTERM to one stderr line and an exit code."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        _show_completion_for(args)
        try:
            return super().parse_args(ctx, db_first(args))
        except _ClickUsageError as exc:
            _usage_error(exc)

    def list_commands(self, ctx: Any) -> list[str]:
        names = super().list_commands(ctx)
        return [*names, *(name for name in COMMANDS if name not in names)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            import importlib

            module = importlib.import_module(f"pkgcli.commands.{COMMANDS[cmd_name]}")
            command = typer.main.get_command(module.app)
            for each in [command, *getattr(command, "commands", {}).values()]:
                # The whole first paragraph in --help, not click's 45-character cut.
                each.short_help = " ".join((each.help or "").split("\n\n")[0].split())
            self.commands[cmd_name] = command
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
        except _CLICK_FLOW:
            raise
        except Exception as exc:
            _unexpected(exc)
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
    no_pager: Annotated[
        bool,
        typer.Option("--no-pager", help="Never page long output (default: $PAGER on a terminal)."),
    ] = False,
) -> None:
    """A local, scriptable mirror of the Django Packages catalogue."""
    if no_pager or "pkgcli.commands._options" in sys.modules:  # reset between runs too
        from pkgcli.commands._options import PAGING

        PAGING["enabled"] = not no_pager
    from pkgcli.config import load_settings
    from pkgcli.context import AppContext

    if ctx.obj is None:
        ctx.obj = AppContext(settings=load_settings(db))
    elif db:  # tests inject their own context; --db still wins
        ctx.obj.settings = ctx.obj.settings.with_db(db)


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
