"""`pkgcli edit`: parse the options, make one call into the core, render."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from pkgcli.completion import complete_package_slug, complete_set, complete_unset

app = typer.Typer(rich_markup_mode=None, add_completion=False)


@app.command("edit")
def edit(
    ctx: typer.Context,
    slug: Annotated[
        str | None,
        typer.Argument(
            metavar="SLUG",
            help="Package slug (or numeric id).",
            autocompletion=complete_package_slug,
        ),
    ] = None,
    sets: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="FIELD=VALUE",
            autocompletion=complete_set,
            help="Set a field, by either of its names (repeatable; see `edits fields`).",
        ),
    ] = None,
    unsets: Annotated[
        list[str] | None,
        typer.Option(
            "--unset",
            metavar="FIELD",
            autocompletion=complete_unset,
            help="Back to the upstream value (repeatable).",
        ),
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
