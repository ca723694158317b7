"""`pkgcli edit`: the user's changes to the mirror, recorded as an overlay of edit events.

Every action is validated in full first and then written in one transaction (`Store.
transaction()`), so an invalid value, an unknown field or a missing package changes
nothing. Edits are events: the newest non-reverted edit of a field is the value in force,
an unset puts the upstream value back, a revert withdraws one event (history keeps it).
Local packages (`--create`) are packages with negative ids that only this mirror knows.
Export and import carry the edits in force, by package slug, as versioned JSON.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pkgcli.context import AppContext
from pkgcli.errors import NotFound, UsageError
from pkgcli.models import command_name, utc_now
from pkgcli.overlay import (
    KEEP,
    Change,
    check_upstream,
    check_value,
    edit_value,
    encode,
    get_field,
    parse_assignment,
    upstream_value,
)
from pkgcli.render import plural
from pkgcli.service import check_slug, not_found, package_view, show_package
from pkgcli.store import Row, Store, blank_package_row

EXPORT_FORMAT = "pkgcli-edits"
EXPORT_VERSION = 1
MAX_LOCAL_SLUG = 50
_KEEP = KEEP  # Change.old: take the upstream value at the time of the edit


@dataclass
class EditRequest:
    """What `pkgcli edit` was asked to do (the command line, parsed)."""

    slug: str | None = None
    sets: list[str] = field(default_factory=list)
    unsets: list[str] = field(default_factory=list)
    reverts: list[int] = field(default_factory=list)
    revert_all: bool = False
    create: bool = False
    delete: bool = False
    history: bool = False
    editor: bool = False
    export_path: str | None = None
    import_path: str | None = None
    list_fields: bool = False


@dataclass
class EditResult:
    """What happened, for the renderer: entries are history-shaped edit events."""

    mode: str
    slug: str | None = None
    entries: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    document: dict[str, Any] | None = None  # export to stdout


def run_edit(ctx: AppContext, request: EditRequest, *, interactive: bool) -> EditResult:
    """Carry out one `pkgcli edit` command line."""
    mode = _mode(request, interactive)
    if mode == "fields":
        return EditResult("fields")
    if mode == "export":
        return export_edits(ctx, request.export_path or "-")
    if mode == "import":
        return import_edits(ctx, request.import_path or "-")
    if mode == "history":
        return edit_history(ctx.store, request.slug)
    slug = check_slug(request.slug or "")
    if mode == "delete":
        return delete_local(ctx.store, slug)
    if mode == "revert":
        return revert_edits(ctx.store, slug, request.reverts, every=request.revert_all)
    changes = changes_from_options(request.sets, request.unsets)
    if request.create:
        return create_local(ctx, slug, changes, editor=mode == "editor")
    row = _mirrored(ctx, slug)
    if mode == "editor":
        from pkgcli.editor import edit_in_editor

        changes = edit_in_editor(ctx, row)
    return record_changes(ctx, row, changes, origin="editor" if mode == "editor" else "cli")


def _mode(request: EditRequest, interactive: bool) -> str:
    """Which action the options ask for; a UsageError for combinations that make no sense."""
    changing = bool(request.sets or request.unsets)
    chosen = {
        "fields": request.list_fields,
        "export": request.export_path is not None,
        "import": request.import_path is not None,
        "history": request.history,
        "delete": request.delete,
        "revert": bool(request.reverts) or request.revert_all,
        "create": request.create,
        "editor": request.editor,
        "set": changing,
    }
    modes = [name for name, on in chosen.items() if on]
    allowed_pairs = ({"create", "set"}, {"create", "editor"})
    if len(modes) > 1 and set(modes) not in allowed_pairs:
        options = ", ".join(_OPTION_NAMES[m] for m in modes)
        raise UsageError(f"these options do not go together: {options}")
    if request.create and request.unsets:
        raise UsageError("--unset makes no sense with --create: a new package has no edits")
    if request.reverts and request.revert_all:
        raise UsageError("give --revert ID or --revert-all, not both")
    mode = "editor" if "editor" in modes else (modes[0] if modes else "")
    if mode in ("fields", "export", "import"):
        if request.slug:
            raise UsageError(f"{_OPTION_NAMES[mode]} takes no package slug")
        return mode
    if mode == "history":
        return mode
    if not request.slug:
        raise UsageError("name the package to edit: pkgcli edit SLUG --set FIELD=VALUE")
    if mode in ("create", "set"):
        return "set"
    if mode:
        return mode
    if interactive:
        return "editor"
    raise UsageError(
        "nothing to do: give --set FIELD=VALUE, --unset FIELD, --history, --revert ID or "
        "--editor (the editor opens by itself only on a terminal)"
    )


_OPTION_NAMES = {
    "fields": "--fields",
    "export": "--export",
    "import": "--import",
    "history": "--history",
    "delete": "--delete",
    "revert": "--revert/--revert-all",
    "create": "--create",
    "editor": "--editor",
    "set": "--set/--unset",
}


def changes_from_options(sets: Iterable[str], unsets: Iterable[str]) -> list[Change]:
    """`--set` and `--unset` values → checked changes (a field may appear only once)."""
    changes = [Change(f, value) for f, value in map(parse_assignment, sets)]
    changes += [Change(get_field(name, "--unset"), unset=True) for name in unsets]
    seen: set[str] = set()
    for change in changes:
        if change.field.name in seen:
            raise UsageError(f"{change.field.name} is given more than once")
        seen.add(change.field.name)
    return changes


def _mirrored(ctx: AppContext, slug: str) -> Row:
    """The package's row, fetched from Django Packages first if it is not mirrored yet."""
    row = ctx.store.get_package(slug)
    if row is None:
        try:
            show_package(ctx, slug, offline=False)
        except NotFound as exc:
            if slug.isdigit():  # an id: a new package needs a name, not a number
                raise
            raise NotFound(
                f"{exc.message} (to add a package of your own: pkgcli edit {slug} --create)"
            ) from None
        row = ctx.store.get_package(slug)
        if row is None:
            raise not_found(ctx.store, slug, "in the mirror")
    return row


def _known(store: Store, slug: str) -> Row:
    row = store.get_package(slug)
    if row is None:
        raise not_found(store, slug, "in the mirror")
    return row


# -- writing edits ---------------------------------------------------------------------


def record_changes(ctx: AppContext, row: Row, changes: list[Change], origin: str) -> EditResult:
    """Record the changes to one package in one transaction; no-ops are noted, not kept."""
    store = ctx.store
    with store.transaction() as conn:
        fresh = store.package_by_id(row["id"])  # as it is now, not as before the editor
        if fresh is None:
            raise NotFound(f"{row['slug']} left the mirror while you were editing it")
        edits, notes = _edit_rows(store, fresh, changes, ctx.settings.api_url, origin, utc_now())
        ids = store.insert_edits(conn, edits)
    recorded = [e for e in _entries(store, store.edit_history(fresh["id"])) if e["id"] in ids]
    return EditResult("set", slug=fresh["slug"], entries=recorded, notes=notes)


def _edit_rows(
    store: Store, row: Row, changes: list[Change], api_url: str, origin: str, when: str
) -> tuple[list[Row], list[str]]:
    upstream = package_view(store, row, api_url, edits=False)
    active = {e["field"]: e for e in store.active_edits([row["id"]]).get(row["id"], [])}
    edits: list[Row] = []
    notes: list[str] = []
    for change in changes:
        name = change.field.name
        current = active.get(name)
        if not change.field.upstream and change.value in ("", []):
            change = Change(change.field, unset=True)  # empty notes or tags: drop them
        if change.unset and current is None:
            notes.append(f"{row['slug']}: {name} is not edited; nothing to unset")
            continue
        in_force = None if current is None else edit_value(store, current, "new_value")
        if not change.unset and current is not None and in_force == change.value:
            notes.append(f"{row['slug']}: {name} already has that value; nothing to change")
            continue
        old = upstream_value(change.field, upstream) if change.old is _KEEP else change.old
        edits.append(
            {
                "package_id": row["id"],
                "field": name,
                "old_value": None if old is None else encode(old),
                "new_value": None if change.unset else encode(change.value),
                "created_at": when,
                "origin": origin,
            }
        )
    return edits, notes


def create_local(
    ctx: AppContext, slug: str, changes: list[Change], *, editor: bool = False
) -> EditResult:
    """Add a package only this mirror knows, with its first values, in one transaction
    (with `editor`, the values come from the editor first: a cancel creates nothing)."""
    check_local_slug(slug)
    store = ctx.store
    if store.get_package(slug) is not None:
        raise UsageError(f"{slug!r} is already in the mirror: edit it without --create")
    if editor:
        from pkgcli.editor import edit_in_editor

        changes = edit_in_editor(ctx, blank_package_row(0, slug, utc_now()))
    when = utc_now()
    with store.transaction() as conn:
        if store.get_package(slug) is not None:
            raise UsageError(f"{slug!r} is already in the mirror: edit it without --create")
        row = store.package_by_id(store.create_local_package(conn, slug, when))
        assert row is not None
        origin = "editor" if editor else "create"
        edits, _ = _edit_rows(store, row, changes, ctx.settings.api_url, origin, when)
        store.insert_edits(conn, edits)
    entries = _entries(store, store.edit_history(row["id"]))
    return EditResult("create", slug=slug, entries=entries)


def check_local_slug(slug: str) -> str:
    check_slug(slug)
    if slug.isdigit() or len(slug) > MAX_LOCAL_SLUG:
        raise UsageError(
            f"{slug!r} cannot name a new package: use up to {MAX_LOCAL_SLUG} letters, digits, "
            "'-' and '_', not only digits"
        )
    return slug


def delete_local(store: Store, slug: str) -> EditResult:
    with store.transaction() as conn:
        row = _known(store, slug)
        if row["id"] > 0:
            raise UsageError(
                f"{row['slug']} comes from Django Packages and cannot be deleted; "
                f"drop your edits with: pkgcli edit {command_name(row['slug'], row['id'])} "
                "--revert-all"
            )
        store.delete_local_package(conn, row["id"])
    return EditResult("delete", slug=row["slug"], notes=[f"deleted local package {row['slug']}"])


def revert_edits(store: Store, slug: str, ids: list[int], *, every: bool) -> EditResult:
    """Withdraw the given edit events (or all in force) of one package."""
    with store.transaction() as conn:
        row = _known(store, slug)
        history = {e["id"]: e for e in store.edit_history(row["id"])}
        if every:
            ids = [i for i, e in history.items() if e["reverted_at"] is None]
        for edit_id in ids:
            if edit_id not in history:
                raise NotFound(f"{row['slug']} has no edit {edit_id} (see: --history)")
            if history[edit_id]["reverted_at"] is not None:
                raise UsageError(f"edit {edit_id} of {row['slug']} is already reverted")
        if ids:
            store.revert_edits(conn, ids, utc_now())
    entries = [e for e in _entries(store, store.edit_history(row["id"])) if e["id"] in ids]
    notes = [] if ids else [f"{row['slug']} has no edits to revert"]
    return EditResult("revert", slug=row["slug"], entries=entries, notes=notes)


# -- history ---------------------------------------------------------------------------


def edit_history(store: Store, slug: str | None) -> EditResult:
    package_id = _known(store, check_slug(slug))["id"] if slug else None
    entries = _entries(store, store.edit_history(package_id))
    notes = [] if entries else [f"no edits{f' of {slug}' if slug else ''} yet"]
    return EditResult("history", slug=slug, entries=entries, notes=notes)


def _entries(store: Store, rows: list[Row]) -> list[dict[str, Any]]:
    """History rows → entries; `state` says whether each is in force, superseded or reverted.

    Values are shown as stored, whatever their type (so a bad one can be seen and
    reverted); only JSON that does not parse is a corrupt database."""
    newest: dict[tuple[int, str], int] = {}
    for row in rows:
        if row["reverted_at"] is None:
            newest[(row["package_id"], row["field"])] = row["id"]
    entries = []
    for row in rows:
        if row["reverted_at"] is not None:
            state = "reverted"
        elif newest.get((row["package_id"], row["field"])) == row["id"]:
            state = "in force"
        else:
            state = "superseded"
        entries.append(
            {
                "id": row["id"],
                "package": row["slug"],
                "package_id": row["package_id"],
                "field": row["field"],
                "action": "unset" if row["new_value"] is None else "set",
                "value": edit_value(store, row, "new_value", typed=False),
                "upstream_at_edit": edit_value(store, row, "old_value", typed=False),
                "created_at": row["created_at"],
                "reverted_at": row["reverted_at"],
                "origin": row["origin"],
                "state": state,
            }
        )
    return entries


# -- export and import -----------------------------------------------------------------


def export_document(store: Store) -> dict[str, Any]:
    """The edits in force and the local packages, by slug, as a versioned document."""
    edits = [
        {
            "package": e["slug"],
            "field": e["field"],
            "value": edit_value(store, e, "new_value"),
            "upstream_at_edit": edit_value(store, e, "old_value"),
            "edited_at": e["created_at"],
        }
        for package_edits in store.active_edits().values()
        for e in package_edits
    ]
    local = [{"slug": r["slug"], "created": r["created"]} for r in store.local_packages()]
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": utc_now(),
        "local_packages": local,
        "edits": edits,
    }


def export_edits(ctx: AppContext, path: str) -> EditResult:
    document = export_document(ctx.store)
    summary = (
        f"exported {plural(len(document['edits']), 'edit')} and "
        f"{plural(len(document['local_packages']), 'local package')}"
    )
    if path == "-":
        return EditResult("export", document=document, notes=[summary])
    _write_atomically(path, json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    return EditResult("export", notes=[f"{summary} to {path}"])


def _write_atomically(path: str, text: str) -> None:
    """Write `text` to `path` whole or not at all: a temporary file beside it, renamed over
    it. Only a regular file (or a new path) is replaced so: anything else the path names —
    a FIFO, a character device, a symlink to one — is written through, as `> PATH` does
    (renaming over `/dev/full` would replace the device). A replaced file keeps its mode;
    a new one is 0600 whatever the umask (it holds the user's data). A symlink is written
    through. On any failure the temporary file is removed and the target is untouched."""
    import tempfile

    target = os.path.realpath(os.path.expanduser(path))
    tmp = None
    try:
        if os.path.isdir(target):
            raise IsADirectoryError(21, "Is a directory")
        if _is_special(target):
            _write_through(target, text)
            return
        mode = _mode_for(target)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".pkgcli-export-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _is_special(target: str) -> bool:
    """Whether `target` exists and is not a regular file (a device, FIFO or socket)."""
    import stat

    try:
        return not stat.S_ISREG(os.stat(target).st_mode)
    except FileNotFoundError:
        return False


def _write_through(target: str, text: str) -> None:
    """Write into an existing non-regular file as `>` does (never creating one)."""
    fd = os.open(target, os.O_WRONLY | os.O_TRUNC | getattr(os, "O_NOCTTY", 0))
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def _mode_for(target: str) -> int:
    """The permission bits for a file written at `target`: those of the regular file
    already there, else 0600 (an export holds the user's edits: private by default)."""
    import stat

    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        return 0o600


# The largest file `edit --import` reads (an export of 10,000 edits is ~3 MB).
MAX_IMPORT_BYTES = 16 * 2**20


def read_document(path: str) -> dict[str, Any]:
    import sys

    try:
        if path == "-":
            data = sys.stdin.buffer.read(MAX_IMPORT_BYTES + 1)
        else:
            with open(os.path.expanduser(path), "rb") as handle:
                data = handle.read(MAX_IMPORT_BYTES + 1)
        if len(data) > MAX_IMPORT_BYTES:  # /dev/zero, a wrong file: never read it all
            raise UsageError(
                f"{path} is larger than {MAX_IMPORT_BYTES // 2**20} MB, "
                "the most an edits export may be"
            )
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise UsageError(f"cannot read {path}: {reason or exc}") from exc
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{path} is not JSON ({exc})") from None
    except RecursionError:
        raise UsageError(f"{path} is not a pkgcli edits export (nested too deeply)") from None
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise UsageError(f'{path} is not a pkgcli edits export (no "format": "{EXPORT_FORMAT}")')
    version = document.get("version")
    if type(version) is not int or not 1 <= version <= EXPORT_VERSION:  # not bool: true != 1
        raise UsageError(
            f"{path} has export version {version!r}; this pkgcli reads version {EXPORT_VERSION}"
        )
    return document


def parse_import(
    document: dict[str, Any], path: str = "the export"
) -> tuple[list[str], dict[str, list[Change]]]:
    """Check every entry of an export → (local slugs, changes per package slug).

    Each value goes through its field's own validation, as `--set` would, and so does
    `upstream_at_edit` (as an upstream value: the field's type, or null); the first bad
    entry is a UsageError that names it, and nothing is imported.
    """
    local_entries = document.get("local_packages", [])
    edit_entries = document.get("edits", [])
    if not isinstance(local_entries, list) or not isinstance(edit_entries, list):
        raise UsageError(f"{path}: local_packages and edits must be lists; nothing imported")
    local = []
    for n, entry in enumerate(local_entries, 1):
        slug = entry.get("slug") if isinstance(entry, dict) else None
        with _naming(f"local package #{n} in {path}"):
            if not isinstance(slug, str):
                raise UsageError(f'needs a "slug", not {entry!r}')
            local.append(check_local_slug(slug))
    changes: dict[str, list[Change]] = {}
    seen: set[tuple[str, str]] = set()
    for n, entry in enumerate(edit_entries, 1):
        where = f"edit #{n} in {path}"
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(k), str) for k in ("package", "field")
        ):
            raise UsageError(f'{where} needs "package" and "field"; nothing imported')
        where = f"edit #{n} ({entry['package']} {entry['field']}) in {path}"
        with _naming(where):
            slug, target = check_slug(entry["package"]), get_field(entry["field"])
            if (slug, target.name) in seen:
                raise UsageError(f"the file edits {slug} {target.name} twice")
            seen.add((slug, target.name))
            if "value" not in entry:
                raise UsageError('needs a "value" (null where the field takes one)')
            value = check_value(target, entry["value"])
            # The exporter's upstream value is kept as it was (it is a fact, not an edit),
            # so `show` here also tells when upstream has changed since the edit was made.
            old = entry.get("upstream_at_edit", _KEEP)
            if old is not _KEEP:
                old = check_upstream(target, old)
        changes.setdefault(slug, []).append(Change(target, value, old=old))
    return local, changes


@contextlib.contextmanager
def _naming(where: str) -> Iterator[None]:
    """A UsageError raised inside names the import entry it is about."""
    try:
        yield
    except UsageError as exc:
        raise UsageError(f"{where}: {exc.message}; nothing imported") from None


def import_edits(ctx: AppContext, path: str) -> EditResult:
    """Apply an export: all of it in one transaction, or nothing (and say why)."""
    local, changes = parse_import(read_document(path), path)
    store, when = ctx.store, utc_now()
    recorded: list[int] = []
    notes: list[str] = []
    created = 0
    with store.transaction() as conn:
        for slug in local:
            row = store.get_package(slug)
            if row is not None and row["id"] > 0:
                raise UsageError(
                    f"{slug} is a local package in {path} but comes from Django Packages here; "
                    "nothing imported"
                )
            if row is None:
                store.create_local_package(conn, slug, when)
                created += 1
        rows = {slug: store.get_package(slug) for slug in changes}
        missing = [slug for slug, row in rows.items() if row is None]
        if missing:
            raise NotFound(
                f"not in this mirror: {', '.join(missing)} (fetch them first: "
                f"pkgcli fetch {' '.join(missing)}); nothing imported"
            )
        for slug, package_changes in changes.items():
            row = rows[slug]
            assert row is not None
            edits, skipped = _edit_rows(
                store, row, package_changes, ctx.settings.api_url, "import", when
            )
            recorded += store.insert_edits(conn, edits)
            notes += skipped
    summary = (
        f"imported {plural(len(recorded), 'edit')} and "
        f"{plural(created, 'new local package')} from {path}"
    )
    unchanged = len(notes)
    if unchanged:
        summary += f" ({unchanged} already in force)"
    entries = [e for e in _entries(store, store.edit_history()) if e["id"] in set(recorded)]
    return EditResult("import", entries=entries, notes=[summary])
