"""The user's layer over the mirror: which fields can be edited, how values are checked,
and how the edits in force are laid over a package view.

`FIELDS` are the editable fields, derived from the one field registry (`fields.PACKAGES`,
whose `edit` facet names a kind here): a name (the key in `show --json`), a kind (the
type, its validator and its conversions) and a line of help. Values are stored in a
*canonical* form (UTC timestamps, category and grid ids, plain lists) and shown in the
*view* form of `show --json` (upstream's zone, link URLs).
This module is on the `show` path: it imports nothing heavy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from pkgcli.errors import UsageError
from pkgcli.models import (
    command_name,
    link_id,
    parse_timestamp,
    upstream_timestamp,
    url_problem,
)

if TYPE_CHECKING:
    from pkgcli.store import Row, Store

MAX_COUNT = 2**63 - 1
MAX_TAG_LENGTH = 50


class Invalid(ValueError):
    """A value a field does not accept; the message says why (without the field name)."""


def _identity(value: Any, api_url: str = "") -> Any:
    return value


class Kind:
    """A field type: `coerce` checks a value (CLI text or a JSON/TOML value) and returns
    it in canonical form; `to_view` / `from_view` convert between canonical and view form.

    `upstream` checks an *upstream* value of the field in canonical form (an import's
    `upstream_at_edit`, a stored edit's `old_value`): the same type, but as upstream has
    it, which `coerce` would not always take — Django Packages serves commit lists that are
    not 52 long, documentation URLs without a scheme, titles with trailing spaces — and
    null, for a value upstream did not know. It never alters the value: `show` compares it
    with the upstream value now to tell whether upstream has changed since the edit.

    (Plain classes, not dataclasses: this module is imported by every `show`.)
    """

    __slots__ = ("coerce", "from_view", "label", "to_view", "upstream")

    def __init__(
        self,
        label: str,
        coerce: Callable[[Any], Any],
        to_view: Callable[[Any, str], Any] = _identity,
        from_view: Callable[[Any], Any] = _identity,
        *,
        upstream: Callable[[Any], Any],
    ) -> None:
        self.label = label
        self.coerce = coerce
        self.to_view = to_view
        self.from_view = from_view
        self.upstream = upstream


class Field:
    """An editable field: its name (the key in `show --json`), kind and a line of help;
    `upstream=False` for fields that exist only in the overlay (notes, tags)."""

    __slots__ = ("help", "kind", "name", "upstream")

    def __init__(self, name: str, kind: Kind, help: str, upstream: bool = True) -> None:
        self.name = name
        self.kind = kind
        self.help = help
        self.upstream = upstream


KEEP = object()  # Change.old: take the upstream value at the time of the edit


class Change:
    """One change to record: a field's new value, or an unset (back to upstream). Here,
    not in `editing`, so `editor` (which parses a document into changes) and `editing`
    (which records them) do not import each other."""

    __slots__ = ("field", "old", "unset", "value")

    def __init__(self, field: Field, value: Any = None, unset: bool = False, old: Any = KEEP):
        self.field = field
        self.value = value
        self.unset = unset
        self.old = old

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Change):
            return NotImplemented
        mine = (self.field, self.value, self.unset, self.old)
        return mine == (other.field, other.value, other.unset, other.old)

    __hash__ = None  # type: ignore[assignment]


# -- validators: value (text from the command line, or a typed JSON/TOML value) → canonical


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid("must be text")
    if not value.isascii() and not _is_unicode(value):
        raise Invalid("is not valid UTF-8 text")
    return value


def _is_unicode(text: str) -> bool:
    """False for text holding lone surrogates: bytes that were not UTF-8 on the command
    line (Python's surrogateescape), or "\\udcff" in a JSON file. SQLite cannot store them."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _one_line(value: Any) -> str:
    text = _text(value)
    if "\n" in text or "\r" in text:
        raise Invalid("must be a single line")
    return text.strip()


def _count(value: Any) -> int:
    if isinstance(value, str) and re.fullmatch(r"\s*\d+\s*", value):
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_COUNT:
        raise Invalid("must be a whole number ≥ 0")
    return value


def _positive_id(value: Any) -> int | None:
    if value == "" or value is None:
        return None
    number = _count(value)
    if number == 0:
        raise Invalid("must be an id (a whole number > 0), or empty to clear it")
    return number


def _url(value: Any) -> str:
    text = _one_line(value)
    if text == "":
        return ""
    if url_problem(text):  # the one URL rule settings follow too (e.g. `http://[::1`)
        raise Invalid("must be an http:// or https:// URL, or empty to clear it")
    return text


_PYPI_NAME = r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$"  # PEP 508 project names


def _pypi_url(value: Any) -> str:
    text = _one_line(value)
    if re.match(_PYPI_NAME, text, re.IGNORECASE):
        return text
    try:
        return _url(text)
    except Invalid:
        raise Invalid("must be a PyPI URL, a PyPI project name, or empty") from None


def _timestamp(value: Any) -> str | None:
    if isinstance(value, datetime | date):  # native TOML dates and datetimes
        if not isinstance(value, datetime):
            value = datetime(value.year, value.month, value.day, tzinfo=UTC)
        value = value.isoformat()
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    text = _one_line(value)
    parsed = None
    if re.match(r"^\d{4}-\d{2}-\d{2}", text):
        try:
            parsed = parse_timestamp(text)
        except (OverflowError, ValueError):
            parsed = None
        if parsed is None and _is_iso_time(text):  # valid, but UTC cannot hold it: e.g.
            # 9999-12-31T23:59:59-05:00 is in the year 10000 in UTC, 0001-01-01T00:00+05:00 in 0
            raise Invalid("is out of range: in UTC it must fall in the years 1 to 9999")
    if parsed is None:
        raise Invalid("must be an ISO date or date-time (2024-05-31, 2024-05-31T12:00:00+02:00)")
    return parsed


def _is_iso_time(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _items(value: Any) -> list[Any]:
    """A list from a JSON/TOML list, JSON text ("[...]") or comma-separated text."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                raise Invalid("is not a valid JSON list") from None
        else:
            return [item.strip() for item in text.split(",") if item.strip()]
    if not isinstance(value, list):
        raise Invalid("must be a list (JSON, or comma-separated)")
    return value


def _str_list(value: Any) -> list[str]:
    items = _items(value)
    if not all(isinstance(item, str) for item in items):
        raise Invalid("must be a list of text items")
    return [_text(item).strip() for item in items if item.strip()]


def _count_list(value: Any) -> list[int]:
    return [_count(item) for item in _items(value)]


def _weekly_counts(value: Any) -> list[int]:
    counts = _count_list(value)
    if len(counts) not in (0, 52):
        raise Invalid(f"must hold 52 weekly counts, oldest first (or none), not {len(counts)}")
    return counts


def _id_list(value: Any) -> list[int]:
    ids = _count_list(value)
    if 0 in ids:
        raise Invalid("must be a list of ids (whole numbers > 0)")
    return list(dict.fromkeys(ids))


def _tags(value: Any) -> list[str]:
    tags: dict[str, str] = {}
    for tag in _str_list(value):
        if "," in tag or "\n" in tag or len(tag) > MAX_TAG_LENGTH:
            raise Invalid(f"must be tags of at most {MAX_TAG_LENGTH} characters, without commas")
        tags.setdefault(tag.lower(), tag)
    return list(tags.values())


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("true", "yes", "on", "1"):
            return True
        if word in ("false", "no", "off", "0"):
            return False
    raise Invalid("must be true or false")


# -- upstream values (canonical form, as upstream has them): the type, checked, unchanged

MIN_INTEGER = -(2**63)  # SQLite's INTEGER range


def _or_null(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def upstream(value: Any) -> Any:
        return None if value is None else check(value)

    return upstream


def _integer(value: Any) -> int:
    if type(value) is not int or not MIN_INTEGER <= value <= MAX_COUNT:
        raise Invalid("must be a whole number (or null)")
    return value


def _text_items(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise Invalid("must be a list of text items (or null)")
    return [_text(item) for item in value]


def _integer_items(value: Any) -> list[int]:
    if not isinstance(value, list):
        raise Invalid("must be a list of whole numbers (or null)")
    return [_integer(item) for item in value]


def _id_items(value: Any) -> list[int]:
    ids = _integer_items(value)
    if any(i <= 0 for i in ids):
        raise Invalid("must be a list of ids (whole numbers > 0), or null")
    return ids


def _upstream_id(value: Any) -> int | None:
    if value is not None and (type(value) is not int or not 0 < value <= MAX_COUNT):
        raise Invalid("must be an id (a whole number > 0), or null")
    return value


# -- view conversions: canonical ↔ the form `show --json` uses


def category_url(category_id: Any, api_url: str) -> str | None:
    """A category id → its v4 link, as upstream serves it in a package record."""
    return f"{api_url}/categories/{category_id}/" if category_id is not None else None


def grid_urls(grid_ids: Any, api_url: str) -> list[str]:
    """Grid ids → their v4 links, in order, as upstream serves them in a package record."""
    return [f"{api_url}/grids/{g}/" for g in grid_ids or []]


def _ids_from_urls(value: Any) -> list[int]:
    ids = (link_id(u) for u in value or [] if isinstance(u, str))
    return [i for i in ids if i is not None]


def _timestamp_view(value: Any, api_url: str) -> str | None:
    return upstream_timestamp(value)


_ANY_TEXT = _or_null(_text)
TEXT = Kind("text", _text, upstream=_ANY_TEXT)
LINE = Kind("single line", _one_line, upstream=_ANY_TEXT)
COUNT = Kind("integer ≥ 0", _count, upstream=_or_null(_integer))
URL = Kind("URL", _url, upstream=_ANY_TEXT)
PYPI_URL = Kind("URL or PyPI name", _pypi_url, upstream=_ANY_TEXT)
# Canonical timestamps are UTC text, which the validator gives back unchanged.
TIMESTAMP = Kind(
    "date/date-time", _timestamp, _timestamp_view, parse_timestamp, upstream=_or_null(_timestamp)
)
STR_LIST = Kind("list of text", _str_list, upstream=_or_null(_text_items))
INT_LIST = Kind("list of integers", _count_list, upstream=_or_null(_integer_items))
WEEKLY_COUNTS = Kind("52 integers", _weekly_counts, upstream=_or_null(_integer_items))
BOOL = Kind("true/false", _boolean, upstream=_or_null(_boolean))
CATEGORY = Kind("category id", _positive_id, category_url, link_id, upstream=_upstream_id)
GRIDS = Kind("list of grid ids", _id_list, grid_urls, _ids_from_urls, upstream=_or_null(_id_items))
TAGS = Kind("list of tags", _tags, upstream=_or_null(_tags))  # never upstream: see Field

# The field types `edit` knows, by the name a registry field gives in its `edit` facet.
KINDS: dict[str, Kind] = {
    "text": TEXT,
    "line": LINE,
    "count": COUNT,
    "url": URL,
    "pypi_url": PYPI_URL,
    "timestamp": TIMESTAMP,
    "str_list": STR_LIST,
    "int_list": INT_LIST,
    "weekly_counts": WEEKLY_COUNTS,
    "bool": BOOL,
    "category": CATEGORY,
    "grids": GRIDS,
    "tags": TAGS,
}
OVERLAY_ONLY_DEFAULTS: dict[str, Any] = {"notes": None, "tags": []}


# The editable fields, by view key, in registry order: derived from `fields.PACKAGES`
# (the one field registry), never declared here. Built on first use (`overlay.FIELDS` or
# `editable_fields()`): `show` of a package without edits never needs the registry.
@cache
def editable_fields() -> dict[str, Field]:
    from pkgcli.fields import PACKAGES

    return {
        f.view_key: Field(
            f.view_key, KINDS[f.edit], f.description, f.view_key not in OVERLAY_ONLY_DEFAULTS
        )
        for f in PACKAGES.fields
        if f.edit is not None
    }


def __getattr__(name: str) -> Any:
    """`from pkgcli.overlay import FIELDS` builds the editable fields on first use."""
    if name == "FIELDS":
        return editable_fields()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def editable_field_rows(fields: Mapping[str, Field]) -> list[dict[str, Any]]:
    """`pkgcli edits fields`: the editable fields as `--list-fields` rows (name, other
    names, the type `--set` takes, description)."""
    from pkgcli.fields import PACKAGES

    rows = []
    for f in PACKAGES.fields:
        if f.edit is not None and f.view_key in fields:
            kind = fields[f.view_key].kind.label
            row = {"name": f.name, "aliases": list(f.other_names), "type": kind}
            rows.append({**row, "editable": True, "description": f.description})
    return rows


def field_list() -> str:
    """The editable fields by their short names (their view keys work too)."""
    from pkgcli.fields import PACKAGES

    return ", ".join(f.name for f in PACKAGES.fields if f.edit is not None)


def get_field(name: str, option: str = "--set") -> Field:
    """The editable field `name` stands for, by any of its names: `stars` or `repo_watchers`."""
    from pkgcli.fields import PACKAGES, suggest, unknown_name

    found = PACKAGES.resolve(name)
    if found is None:
        editable = (f for f in PACKAGES.fields if f.edit is not None)
        raise UsageError(unknown_name(name, option, suggest(name, editable)))
    field = editable_fields().get(found.view_key)
    if field is None:
        raise UsageError(f"{found.name} is not editable; editable fields: {field_list()}")
    return field


def check_value(field: Field, value: Any) -> Any:
    """The canonical value, or a UsageError that names the field and lists the others."""
    try:
        return field.kind.coerce(value)
    except RecursionError:  # JSON nested thousands deep: no value of any field is
        raise UsageError(f"invalid value for {field.name}: nested too deeply") from None
    except Invalid as exc:
        raise UsageError(f"invalid value for {field.name}: {_shown(value)} {exc}") from None


def check_upstream(field: Field, value: Any) -> Any:
    """An upstream value of the field (canonical form, null allowed; null only, for the
    fields that exist only in pkgcli), unchanged — or a UsageError saying why not."""
    try:
        if not field.upstream and value is not None:
            raise Invalid(f"must be null: {field.name} exists only in pkgcli")
        return field.kind.upstream(value)
    except Invalid as exc:
        shown = _shown(value)
        raise UsageError(f"invalid upstream_at_edit for {field.name}: {shown} {exc}") from None


def _shown(value: Any) -> str:
    """A value as the user wrote it, quoted and cut short, for an error message."""
    from pkgcli.present.text import shorten

    return repr(shorten(value if isinstance(value, str) else json.dumps(value, default=str)))


def parse_assignment(text: str) -> tuple[Field, Any]:
    """`FIELD=VALUE` from `--set` → (field, canonical value)."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise UsageError(f"--set takes FIELD=VALUE, not {text!r}; editable fields: {field_list()}")
    field = get_field(name)
    return field, check_value(field, value)


def encode(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


_COLUMN_NAMES = {"new_value": "value", "old_value": "upstream_at_edit"}


def edit_value(store: Store, edit: Row, column: str, *, typed: bool = True) -> Any:
    """An edit's `new_value` or `old_value`, decoded and (`typed`) checked against its
    field's type — what pkgcli itself wrote. Anything else (JSON that does not parse, a
    value of the wrong type, as an import before this check could leave) is a corrupt
    database: exit 5, one line naming the edit and how to withdraw it."""
    text = edit[column]
    if text is None:
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise _corrupt_edit(store, edit, column, repr(text[:40]), "is not JSON") from None
    field = editable_fields().get(edit["field"])
    if typed and field is not None:
        try:
            value = field.kind.upstream(value)
        except Invalid as exc:
            raise _corrupt_edit(store, edit, column, _shown(value), str(exc)) from None
    return value


def _corrupt_edit(store: Store, edit: Row, column: str, shown: str, problem: str) -> Exception:
    slug = command_name(edit.get("slug"), edit["package_id"])
    return store.corrupt(
        f"edit {edit['id']} ({slug} {edit['field']}) holds the {_COLUMN_NAMES[column]} "
        f"{shown}, which {problem}; withdraw it with: pkgcli edit {slug} --revert {edit['id']}"
    )


def upstream_value(field: Field, view: dict[str, Any]) -> Any:
    """The canonical upstream value of a field in a view built without the overlay."""
    return field.kind.from_view(view.get(field.name)) if field.upstream else None


# -- laying the edits over a view


def apply_overlays(
    store: Store, views: Iterable[dict[str, Any]], api_url: str
) -> list[dict[str, Any]]:
    """The views with each package's edits in force applied, with one query."""
    views = list(views)
    edits = store.active_edits(v["id"] for v in views)
    return [apply_edits(store, v, edits.get(v["id"], []), api_url) for v in views]


def apply_edits(
    store: Store, view: dict[str, Any], edits: list[Row], api_url: str
) -> dict[str, Any]:
    """Put edited values in the view's own keys; list them, with the upstream values, in
    `pkgcli.edited` and `pkgcli.overrides`; add the overlay-only keys (notes, tags)."""
    result = {k: v for k, v in view.items() if k != "pkgcli"}
    meta = dict(view.get("pkgcli") or {})
    overrides: dict[str, Any] = {}
    fields = editable_fields() if edits else {}
    order = {name: n for n, name in enumerate(fields)}
    for edit in sorted(edits, key=lambda e: order.get(e["field"], len(order))):
        field = fields.get(edit["field"])
        if field is None:  # a field this version does not know: kept, not applied
            continue
        old = edit_value(store, edit, "old_value")
        shown = field.kind.to_view(edit_value(store, edit, "new_value"), api_url)
        upstream = result.get(field.name) if field.upstream else None
        overrides[field.name] = {
            "value": shown,
            "upstream": upstream,
            "upstream_at_edit": field.kind.to_view(old, api_url) if field.upstream else None,
            "upstream_changed": field.upstream and field.kind.from_view(upstream) != old,
        }
        result[field.name] = shown
    for name, default in OVERLAY_ONLY_DEFAULTS.items():  # always there, in this order
        result[name] = result.pop(name, default)
    if "category" in overrides:
        category_id = link_id(result["category"])
        known = store.categories_by_ids([] if category_id is None else [category_id])
        meta["category"] = category_meta(category_id, known)
    if "grids" in overrides:
        grid_ids = _ids_from_urls(result["grids"])
        meta["grids"] = grids_meta(grid_ids, store.grids_by_ids(grid_ids))
    meta["local"] = isinstance(view.get("id"), int) and view["id"] < 0
    meta["edited"] = list(overrides)
    meta["overrides"] = overrides
    result["pkgcli"] = meta
    return result


# -- `pkgcli.category` and `pkgcli.grids` of a view: what the ids stand for ------------


def category_meta(category_id: int | None, known: Mapping[int, Row]) -> dict[str, Any] | None:
    """{id, slug, title} of a package's category (slug and title null if it is not
    mirrored); None when the package has no category. `known`: categories by id."""
    if category_id is None:
        return None
    return _named(category_id, known)


def grids_meta(grid_ids: Iterable[int], known: Mapping[int, Row]) -> list[dict[str, Any]]:
    """{id, slug, title} of each of a package's grids, in order (slug and title null for
    a grid that is not mirrored). `known`: grids by id."""
    return [_named(g, known) for g in grid_ids]


def _named(record_id: int, known: Mapping[int, Row]) -> dict[str, Any]:
    row = known.get(record_id)
    return {
        "id": record_id,
        "slug": row["slug"] if row else None,
        "title": row["title"] if row else None,
    }


def edited_values(store: Store, name: str) -> dict[int, Any]:
    """The edited value of one field for every package that has one (canonical form).

    For refreshes that follow a field, e.g. GitHub and PyPI read `repo_url` / `pypi_url`
    as the user fixed them: `edited_values(store, "repo_url").get(pid, row["repo_url"])`.
    """
    field = get_field(name)
    return {
        e["package_id"]: edit_value(store, e, "new_value")
        for e in store.active_field_edits(field.name)
    }


def grid_member_ids(store: Store, grid_id: int, upstream_ids: Iterable[int]) -> list[int]:
    """A grid's package ids with the users' `grids` edits applied: packages edited into
    the grid are added (local packages included), packages edited out of it are removed."""
    members = list(upstream_ids)
    for edit in store.active_field_edits("grids"):
        grids = edit_value(store, edit, "new_value") or []
        pid = edit["package_id"]
        if grid_id in grids and pid not in members:
            members.append(pid)
        elif grid_id not in grids and pid in members:
            members.remove(pid)
    return members
