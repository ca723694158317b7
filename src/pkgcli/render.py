"""Turning views into output. Pure functions that return strings or rich renderables.

Upstream text is untrusted: `inert()` neutralises control characters, escape sequences and
bidi overrides before anything reaches a terminal, and rich `Text` objects are used so
that square brackets are never read as markup. JSON is exact (json escapes controls).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import RenderableType

# The pure text helpers live in present/text.py; re-exported for existing importers.
from pkgcli.present.text import (
    _INVISIBLE as _INVISIBLE,
)
from pkgcli.present.text import (
    AGE_UNITS as AGE_UNITS,
)
from pkgcli.present.text import (
    SPARK_CHARS as SPARK_CHARS,
)
from pkgcli.present.text import (
    _json_safe as _json_safe,
)
from pkgcli.present.text import (
    age as age,
)
from pkgcli.present.text import (
    inert as inert,
)
from pkgcli.present.text import (
    json_line as json_line,
)
from pkgcli.present.text import (
    parse_instant as parse_instant,
)
from pkgcli.present.text import (
    plural as plural,
)
from pkgcli.present.text import (
    relative_time as relative_time,
)
from pkgcli.present.text import (
    render_json as render_json,
)
from pkgcli.present.text import (
    shorten as shorten,
)
from pkgcli.present.text import (
    sparkline as sparkline,
)
from pkgcli.present.text import (
    utc_date as utc_date,
)


def _number(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else "—"


def package_fields(view: dict[str, Any], now: datetime | None = None) -> list[tuple[str, str]]:
    """The label/value lines of `pkgcli show`, already made inert."""
    meta = view.get("pkgcli", {})
    category = meta.get("category") or {}
    commits = view.get("commits_over_52") or []
    grids = [g.get("title") or g.get("slug") or f"#{g['id']}" for g in meta.get("grids", [])]
    pypi = view.get("pypi_version") or "—"
    if view.get("pypi_url"):
        pypi = f"{pypi}  {view['pypi_url']}"
    last = view.get("last_updated")
    last_text = f"{relative_time(last, now)} ({utc_date(last)})" if last else "—"
    repo = view.get("repo_url") or "—"
    moved = view.get("repo_full_name")
    if moved and moved.lower() not in repo.lower():
        repo = f"{repo}  (now {moved})"
    lines = [
        ("Category", category.get("title") or "—"),
        ("Repository", repo),
        ("Stars", _number(view.get("repo_watchers"))),
        ("Forks", _number(view.get("repo_forks"))),
        ("PyPI", pypi),
        ("Docs", view.get("documentation_url") or "—"),
        ("Last commit", last_text),
        (
            "Commits (52w)",
            f"{sparkline(commits)}  {sum(commits)} total" if commits else "—",
        ),
        ("Participants", _number(len(view.get("participants") or []))),
        *source_fields(view, now),
        ("Grids", ", ".join(grids) or "—"),
    ]
    if meta.get("gone_upstream_at"):
        lines.append(
            ("Upstream", f"gone from Django Packages since {utc_date(meta['gone_upstream_at'])}")
        )
    lines = mark_edited(lines + overlay_lines(view), view)
    return [(label, inert(value, multiline=label == "Notes")) for label, value in lines]


# Which view keys each line of `show` presents, so edited lines can be marked.
LINE_FIELDS: dict[str, tuple[str, ...]] = {
    "Category": ("category",),
    "Repository": ("repo_url",),
    "Stars": ("repo_watchers",),
    "Forks": ("repo_forks",),
    "PyPI": ("pypi_version", "pypi_url"),
    "Docs": ("documentation_url",),
    "Last commit": ("last_updated",),
    "Commits (52w)": ("commits_over_52",),
    "Participants": ("participants",),
    "Grids": ("grids",),
}
EDITED_MARK = "(edited)"


def overlay_lines(view: dict[str, Any]) -> list[tuple[str, str]]:
    """The lines only the user's layer has: local origin, tags, notes."""
    meta = view.get("pkgcli", {})
    lines = []
    if meta.get("local"):
        lines.append(("Origin", "local package: only in this mirror, never on Django Packages"))
    if view.get("tags"):
        lines.append(("Tags", ", ".join(view["tags"])))
    if view.get("notes"):
        lines.append(("Notes", view["notes"]))
    return lines


def mark_edited(lines: list[tuple[str, str]], view: dict[str, Any]) -> list[tuple[str, str]]:
    """Mark lines that show edited values; where upstream has changed a value since it was
    edited, add a line with the upstream value (the edited one stays in force)."""
    meta = view.get("pkgcli", {})
    overrides = meta.get("overrides") or {}
    if not overrides:
        return lines
    local = bool(meta.get("local"))  # every value of a local package is the user's: no marks
    marked: list[tuple[str, str]] = []
    for label, value in lines:
        fields = [f for f in LINE_FIELDS.get(label, ()) if f in overrides]
        marked.append((label, f"{value}  {EDITED_MARK}" if fields and not local else value))
        marked += [_upstream_line("", f, overrides[f]) for f in fields if _changed(overrides[f])]
    for field, label in (("title", "Title"), ("repo_description", "Description")):
        if field in overrides and _changed(overrides[field]):
            marked.append(_upstream_line(f"{label} upstream", field, overrides[field]))
    edited = ", ".join(f for f in overrides if f not in ("notes", "tags"))
    if edited and not local:
        marked.append(("Your edits", edited))
    return marked


def _changed(override: dict[str, Any]) -> bool:
    return bool(override.get("upstream_changed"))


def _upstream_line(label: str, field: str, override: dict[str, Any]) -> tuple[str, str]:
    value = upstream_text(field, override.get("upstream"))
    return (label, f"upstream now: {value} (changed since your edit)")


def upstream_text(field: str, value: Any) -> str:
    """A short human form of a raw view value (for the upstream side of an override)."""
    from pkgcli.models import link_id

    if value is None or value == "" or value == []:
        return "—"
    if field == "commits_over_52" and isinstance(value, list):
        return f"{sparkline(value)}  {sum(value)} total"
    if field == "participants" and isinstance(value, list):
        return f"{len(value):,} participants"
    if field in ("category", "grids"):
        urls = value if isinstance(value, list) else [value]
        return ", ".join(f"#{link_id(u)}" for u in urls)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, int) and not isinstance(value, bool):
        return _number(value)
    text = str(value)
    return text if len(text) <= 200 else text[:197] + "..."


def source_fields(view: dict[str, Any], now: datetime | None = None) -> list[tuple[str, str]]:
    """The lines GitHub, PyPI and the forges add to `pkgcli show`: only what is known."""
    lines = []
    if view.get("license"):
        lines.append(("Licence", view["license"]))
    requires, pythons = view.get("requires_python"), ", ".join(view.get("python_versions") or [])
    if requires or pythons:
        both = f"{requires}  ({pythons})" if requires and pythons else requires or pythons
        lines.append(("Python", both))
    if view.get("django_versions"):
        lines.append(("Django", ", ".join(view["django_versions"])))
    if view.get("development_status"):
        lines.append(("Status", view["development_status"]))
    released = view.get("latest_release_at")
    if released:
        lines.append(("Released", f"{relative_time(released, now)} ({released[:10]})"))
    if view.get("commit_count") is not None:
        lines.append(("Commits", f"{view['commit_count']:,} on the default branch"))
    if view.get("subscribers_count") is not None:
        lines.append(("Watchers", _number(view["subscribers_count"])))
    if view.get("archived"):
        lines.append(("Archived", "yes: the repository is read-only"))
    return lines


# `show --sources`: which source each group of fields came from, and how old it is.
SOURCE_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Stars, forks, description", ("repo_watchers", "repo_forks", "repo_description")),
    ("Licence, archived, watchers", ("license", "archived", "subscribers_count")),
    ("Commits over 52 weeks", ("commits_over_52",)),
    ("Participants", ("participants",)),
    ("Last commit, commit count", ("last_updated", "commit_count")),
    ("Version, documentation", ("pypi_version", "documentation_url")),
    (
        "Python, Django, status, release",
        (
            "requires_python",
            "python_versions",
            "django_versions",
            "development_status",
            "latest_release_at",
        ),
    ),
)


def source_label(name: str) -> str:
    """A source's proper name, from the registry."""
    from pkgcli.registry import label

    return label(name)


def source_groups(view: dict[str, Any]) -> list[tuple[str, dict[str, str | None]]]:
    """(field group, {source: when that source's values were fetched}) per SOURCE_GROUPS;
    the source "edit" (the user's own values) has no fetch time."""
    from pkgcli.merge import field_fetched_at

    meta = view.get("pkgcli", {})
    field_sources = meta.get("field_sources") or {}
    groups = []
    for label, fields in SOURCE_GROUPS:
        seen: dict[str, str | None] = {}
        for name in fields:
            source = field_sources.get(name)
            if source and source not in seen:
                seen[source] = None if source == "edit" else field_fetched_at(meta, name)
        groups.append((label, seen))
    return groups


def source_rows(view: dict[str, Any], now: datetime | None = None) -> list[tuple[str, str]]:
    """(field group, "source, age; …") for every group of `SOURCE_GROUPS`, then what each
    source last said, for `show --sources` on a terminal."""
    rows = []
    for label, seen in source_groups(view):
        text = "; ".join(
            "your edit"
            if src == "edit"
            else f"{source_label(src)}, fetched {relative_time(stamp, now)}"
            for src, stamp in seen.items()
        )
        rows.append((label, text or "unknown"))
    for source, info in (view.get("pkgcli", {}).get("sources") or {}).items():
        if not info:
            continue
        if source == "djangopackages":
            stored = relative_time(info["fetched_at"], now)
            rows.append(("Django Packages", f"record stored {stored}"))
            continue
        detail = f" ({info['status_detail']})" if info.get("status_detail") else ""
        hit = ", unchanged (304)" if info.get("etag_hit") else ""
        checked = relative_time(info.get("checked_at"), now)
        said = f"{info.get('status') or 'unknown'}{detail}{hit}; checked {checked}"
        rows.append((f"{source_label(source)} said", said))
    return [(label, inert(text)) for label, text in rows]


def source_lines(view: dict[str, Any], out: Any) -> str:
    """`show --sources` for the text formats other than the table, as tab-separated lines
    (`group`, field group, source, fetched_at / `source`, name, status, checked_at); empty
    where the output already carries provenance (the table; JSON under pkgcli.sources)."""
    fmt = getattr(out.format, "value", str(out.format))
    if fmt in ("json", "ndjson") or (fmt == "table" and out.fields is None):
        return ""
    lines = [
        ("group", label, source, stamp or "")
        for label, seen in source_groups(view)
        for source, stamp in (seen.items() or [("unknown", None)])
    ]
    for source, info in (view.get("pkgcli", {}).get("sources") or {}).items():
        if info:
            status = info.get("status") or ("ok" if source == "djangopackages" else "unknown")
            lines.append(("source", source, status, info.get("checked_at") or info["fetched_at"]))
    return "".join("\t".join(inert(cell) for cell in line) + "\n" for line in lines)


def render_sources(view: dict[str, Any], head: Any = None, now: datetime | None = None) -> Any:
    """`show --sources` on a terminal: provenance and age per field group (after `head`)."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold cyan", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in source_rows(view, now):
        grid.add_row(Text(label), Text(value))
    parts = [head] if head is not None else []
    return Group(*parts, Text(""), Text("Sources", style="bold"), grid)


def render_package(view: dict[str, Any], now: datetime | None = None) -> RenderableType:
    """The human view of one package, for an 80-column terminal."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    meta = view.get("pkgcli", {})
    edited = {} if meta.get("local") else meta.get("overrides") or {}
    title = Text(inert(view.get("title")) or inert(view["slug"]), style="bold")
    title.append(f"  ({inert(view['slug'])})", style="dim")
    if "title" in edited:
        title.append(f"  {EDITED_MARK}", style="dim")
    parts: list[RenderableType] = [title]
    description = inert(view.get("repo_description"), multiline=True).strip()
    if description:
        text = Text(description)
        if "repo_description" in edited:
            text.append(f"  {EDITED_MARK}", style="dim")
        parts.append(text)
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold cyan", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in package_fields(view, now):
        grid.add_row(Text(label), Text(value))
    parts += [Text(""), grid]
    return Group(*parts)


def edit_value_text(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def edit_messages(result: Any) -> list[str]:
    """What an edit did, one line per change, for stderr."""
    from pkgcli.overlay import FIELDS

    messages = []
    if result.mode == "create":
        messages.append(f"created local package {result.slug} (only in this mirror)")
    for entry in result.entries if result.mode != "history" else []:
        where = f"{entry['package']}: {entry['field']}"
        if result.mode == "revert":
            messages.append(f"{where}: reverted edit {entry['id']}")
        elif entry["action"] == "unset":
            field = FIELDS.get(entry["field"])
            what = "back to the upstream value" if field is None or field.upstream else "removed"
            messages.append(f"{where} {what} (edit {entry['id']})")
        else:
            messages.append(f"{where} = {edit_value_text(entry['value'])} (edit {entry['id']})")
    messages += result.notes
    if result.mode == "set" and not result.entries:
        messages.append("nothing changed")
    return [inert(m) for m in messages]


def history_lines(entries: list[dict[str, Any]]) -> str:
    """Edit history as tab-separated lines (for pipes): id, when, package, field, action,
    value (JSON), state."""
    lines = []
    for e in entries:
        value = "" if e["action"] == "unset" else json.dumps(e["value"], ensure_ascii=False)
        cells = [e["id"], e["created_at"], e["package"], e["field"], e["action"], value]
        lines.append("\t".join(inert(c) for c in [*cells, e["state"]]))
    return "".join(line + "\n" for line in lines)


def history_table(entries: list[dict[str, Any]], now: datetime | None = None) -> RenderableType:
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style="bold", pad_edge=False)
    for name in ("ID", "When", "Package", "Field", "Change", "State"):
        table.add_column(name, overflow="fold", no_wrap=name in ("ID", "When"))
    for e in entries:
        change = "unset" if e["action"] == "unset" else f"= {edit_value_text(e['value'], 40)}"
        style = "dim" if e["state"] != "in force" else ""
        cells = [e["id"], relative_time(e["created_at"], now), e["package"], e["field"], change]
        table.add_row(*(Text(inert(c)) for c in [*cells, e["state"]]), style=style)
    return table


def fields_listing(fields: Any, *, tty: bool) -> str:
    """The editable fields: name, type, what it is (aligned on a terminal, TSV when piped)."""
    rows = [(f.name, f.kind.label, f.help) for f in fields.values()]
    if not tty:
        return "".join("\t".join(row) + "\n" for row in rows)
    width = max(len(r[0]) for r in rows) + 2
    kind_width = max(len(r[1]) for r in rows) + 2
    return "".join(f"{n:<{width}}{k:<{kind_width}}{h}\n" for n, k, h in rows)


def edit_output(result: Any, *, json_output: bool, tty: bool) -> RenderableType | str | None:
    """What `pkgcli edit` prints on stdout: the data, never the messages."""
    if result.mode == "export" and result.document is not None:
        return render_json(result.document) + "\n"
    if result.mode == "fields":
        from pkgcli.overlay import FIELDS

        if json_output:
            rows = [
                {"name": f.name, "type": f.kind.label, "help": f.help, "upstream": f.upstream}
                for f in FIELDS.values()
            ]
            return render_json(rows) + "\n"
        return fields_listing(FIELDS, tty=tty)
    if json_output:
        return render_json(result.entries) + "\n"
    if result.mode != "history":
        return None
    if not result.entries:
        return None
    return history_table(result.entries) if tty else history_lines(result.entries)
