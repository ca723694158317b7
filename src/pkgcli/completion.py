"""Shell-completion callbacks: package and grid slugs from the mirror, field names.

They run inside the user's shell on every Tab, so they must be quick and silent: the
database is opened read-only (never created or migrated), and any failure at all — no
database yet, a locked or corrupt file, a bad `--db` — simply completes nothing. Typer
wires commands, options and `--format` values itself.
"""

from typing import Any


def _db_path(ctx: Any) -> str:
    """The database the command would use: `--db` if typed already, else the settings."""
    from pkgcli.config import load_settings

    root = ctx.find_root() if ctx is not None else None
    typed = root.params.get("db") if root is not None else None
    return load_settings(typed if isinstance(typed, str) else None).db_path


def _slugs(ctx: Any, table: str, incomplete: str) -> list[str]:
    try:
        from pkgcli.store import complete_slugs

        return complete_slugs(_db_path(ctx), table, incomplete or "")
    except Exception:  # completion must never print a traceback into the user's shell
        return []


def complete_package_slug(ctx: Any, incomplete: str) -> list[str]:
    return _slugs(ctx, "packages", incomplete)


def complete_grid_slug(ctx: Any, incomplete: str) -> list[str]:
    return _slugs(ctx, "grids", incomplete)


def _catalogue_names(ctx: Any) -> list[str]:
    from pkgcli import fields

    command = getattr(getattr(ctx, "command", None), "name", "")
    params = getattr(ctx, "params", {}) or {}
    # While an option waits for its value, click leaves the words it had not parsed in
    # ctx.args: `list-grid SLUG --sort <Tab>` has no params["slug"] yet.
    leftover = [a for a in getattr(ctx, "args", []) if not a.startswith("-")]
    if command == "paths":
        return fields.PATHS.all_names()
    if command == "list-grid" and not (params.get("slug") or leftover):
        return fields.GRIDS.all_names()
    if params.get("grids") or "--grids" in getattr(ctx, "args", []):
        return fields.GRIDS.all_names()
    return fields.PACKAGES.all_names()


def complete_fields(ctx: Any, incomplete: str) -> list[str]:
    """`--fields a,b,c`: completes the last name of the comma-separated list (or `all`)."""
    try:
        done, _, last = (incomplete or "").rpartition(",")
        head = f"{done}," if done else ""
        taken = set(done.split(",")) if done else set()
        names = [n for n in _catalogue_names(ctx) if n not in taken]
        if not done:
            names.append("all")
        return [head + n for n in names if n.startswith(last)]
    except Exception:
        return []


def complete_sort(ctx: Any, incomplete: str) -> list[str]:
    try:
        return [n for n in _catalogue_names(ctx) if n.startswith(incomplete or "")]
    except Exception:
        return []


def _editable_names() -> list[str]:
    from pkgcli.fields import PACKAGES

    return [n for f in PACKAGES.fields if f.edit for n in (f.name, *f.other_names)]


def complete_set(ctx: Any, incomplete: str) -> list[str]:
    """`edit --set <Tab>`: editable field names, each followed by `=`."""
    try:
        return [f"{n}=" for n in _editable_names() if n.startswith(incomplete or "")]
    except Exception:
        return []


def complete_unset(ctx: Any, incomplete: str) -> list[str]:
    try:
        return [n for n in _editable_names() if n.startswith(incomplete or "")]
    except Exception:
        return []
