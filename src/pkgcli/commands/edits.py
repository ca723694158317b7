"""`pkgcli edits`: your edits as a whole — history, revert, create/delete local packages,
export/import, the editable fields — each a subcommand, one job each (`pkgcli edit SLUG`
still sets and unsets one package's fields)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from pkgcli.commands._options import (
    FieldsOption,
    FormatOption,
    JsonOption,
    NoColorOption,
    emit,
)
from pkgcli.completion import complete_package_slug

app = typer.Typer(
    rich_markup_mode=None,
    add_completion=False,
    no_args_is_help=True,
    help="Your edits as a whole: history, revert, local packages, export/import, fields."
    "\n\nExample: pkgcli edits history --format csv",
)

SlugArgument = Annotated[
    str,
    typer.Argument(metavar="SLUG", help="Package slug.", autocompletion=complete_package_slug),
]


def _run(ctx: typer.Context, **request: Any) -> Any:
    from pkgcli.editing import EditRequest, run_edit
    from pkgcli.render import edit_messages

    result = run_edit(ctx.obj, EditRequest(**request), interactive=False)
    for message in edit_messages(result):
        ctx.obj.note(message)
    return result


@app.command("history")
def history(
    ctx: typer.Context,
    slug: Annotated[
        str | None,
        typer.Argument(
            metavar="[SLUG]",
            help="Only this package's edits.",
            autocompletion=complete_package_slug,
            show_default=False,
        ),
    ] = None,
    fmt: FormatOption = None,
    json_output: JsonOption = False,
    fields: FieldsOption = None,
    no_color: NoColorOption = False,
) -> None:
    """List your edits, newest last, with their state (in force, superseded, reverted).

    Example: pkgcli edits history django-oauth-toolkit --format csv
    """
    from pkgcli.output import output_options, render_listing

    out = output_options(fmt, json_output, fields, no_color, kind="edit")
    result = _run(ctx, slug=slug, history=True)
    emit(render_listing(result.entries, "edit", out))


@app.command("revert")
def revert(
    ctx: typer.Context,
    ids: Annotated[
        list[int] | None, typer.Argument(metavar="ID...", help="Edit ids (see edits history).")
    ] = None,
    all_of: Annotated[
        str | None,
        typer.Option(
            "--all", metavar="SLUG", autocompletion=complete_package_slug,
            help="Withdraw every edit of SLUG instead.",
        ),
    ] = None,
) -> None:  # fmt: skip
    """Withdraw edits: the upstream value shows again (the history keeps them).

    Example: pkgcli edits revert 12 13
    """
    from pkgcli.editing import edit_history
    from pkgcli.errors import NotFound, UsageError

    if bool(ids) == bool(all_of):
        raise UsageError("give edit ids, or --all SLUG: pkgcli edits revert ID... | --all SLUG")
    if all_of is not None:
        _run(ctx, slug=all_of, revert_all=True)
        return
    owners = {e["id"]: e["package"] for e in edit_history(ctx.obj.store, None).entries}
    by_package: dict[str, list[int]] = {}
    for edit_id in dict.fromkeys(ids or []):
        if edit_id not in owners:
            raise NotFound(f"there is no edit {edit_id} (see: pkgcli edits history)")
        by_package.setdefault(owners[edit_id], []).append(edit_id)
    for slug, package_ids in by_package.items():
        _run(ctx, slug=slug, reverts=package_ids)


@app.command("create")
def create(ctx: typer.Context, slug: SlugArgument) -> None:
    """Add a package only this mirror knows (then fill it with `pkgcli edit SLUG --set`).

    Example: pkgcli edits create our-internal-app
    """
    _run(ctx, slug=slug, create=True)


@app.command("delete")
def delete(ctx: typer.Context, slug: SlugArgument) -> None:
    """Delete a package only this mirror knows (upstream packages cannot be deleted).

    Example: pkgcli edits delete our-internal-app
    """
    _run(ctx, slug=slug, delete=True)


@app.command("export")
def export(
    ctx: typer.Context,
    path: Annotated[str, typer.Argument(metavar="FILE", help="File to write; - for stdout.")],
) -> None:
    """Write every edit in force to FILE as JSON (to take them to another mirror).

    Example: pkgcli edits export my-edits.json
    """
    result = _run(ctx, export_path=path)
    if result.document is not None:
        from pkgcli.render import render_json

        emit(render_json(result.document) + "\n")


@app.command("import")
def import_(
    ctx: typer.Context,
    path: Annotated[str, typer.Argument(metavar="FILE", help="File to read; - for stdin.")],
) -> None:
    """Apply the edits in FILE (as `edits export` writes it); all or nothing.

    Example: pkgcli edits import my-edits.json
    """
    _run(ctx, import_path=path)  # what changed is said on stderr


@app.command("fields")
def fields_(
    ctx: typer.Context,
    fmt: FormatOption = None,
    json_output: JsonOption = False,
    no_color: NoColorOption = False,
) -> None:
    """List the fields `pkgcli edit --set` takes, with their other names and types.

    Example: pkgcli edits fields --format csv
    """
    from pkgcli.output import Output, output_options, render_listing
    from pkgcli.overlay import FIELDS, editable_field_rows

    out = output_options(fmt, json_output, None, no_color)
    listing = Output(format=out.format, fields=None, style=out.style, width=out.width)
    emit(render_listing(editable_field_rows(FIELDS), "field", listing))
