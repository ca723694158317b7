"""Package views over the store: what `show`, `list-grid` and `search` present.

A view is the upstream-shaped record (the 18 v4 keys, with upstream's names, types and
meaning) plus pkgcli's own facts about it under `pkgcli`. Nothing here prints.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from pkgcli.context import AppContext
from pkgcli.errors import NotFound, PkgcliError, UpstreamError, UsageError
from pkgcli.merge import credit_edits, merge_sources
from pkgcli.models import UPSTREAM_PACKAGE_KEYS, is_valid_slug, upstream_timestamp
from pkgcli.overlay import (
    apply_overlays,
    category_meta,
    category_url,
    grid_member_ids,
    grid_urls,
    grids_meta,
)
from pkgcli.store import Row, Store, json_list

JSON_SCHEMA_VERSION = 1


def check_slug(slug: str, kind: str = "package") -> str:
    """`slug` if it can name a package (or grid): a slug or an id; else a UsageError."""
    if not is_valid_slug(slug):
        raise UsageError(f"{slug!r} is not a {kind} slug (letters, digits, '-' and '_' only) or id")
    return slug


def upstream_record(row: Row, api_url: str) -> dict[str, Any]:
    """A `packages` row → the v4 record, key for key (timestamps in upstream's own zone).

    A ValueError naming the column if the row holds what no fetch writes (see `_record`).
    """
    values: dict[str, Any] = {
        "category": category_url(row["category_id"], api_url),
        "grids": grid_urls(_column_list(row, "grid_ids", int), api_url),
        "commits_over_52": _column_list(row, "commits_over_52", int),
        "participants": _column_list(row, "participants", str),
    }
    for key in ("last_updated", "last_fetched", "created", "modified"):
        try:
            values[key] = upstream_timestamp(row[key])
        except (TypeError, ValueError):
            raise ValueError(f"packages.{key} holds {_cut(row[key])}, not an ISO time") from None
    return {key: values[key] if key in values else row[key] for key in UPSTREAM_PACKAGE_KEYS}


def _column_list(row: Row, column: str, item: type) -> list[Any]:
    text = row[column]
    try:
        return json_list(text, item) if text else []
    except ValueError as exc:
        raise ValueError(f"packages.{column} holds {_cut(text)}, {exc}") from None


def _cut(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def _record(store: Store, row: Row, api_url: str) -> dict[str, Any]:
    """`upstream_record`, with a row no fetch could have written (a JSON column that does
    not parse, a time that is not one) reported as a corrupt database: exit 5, one line."""
    try:
        return upstream_record(row, api_url)
    except ValueError as exc:
        raise store.corrupt(f"package {row['slug']!r} (id {row['id']}): {exc}") from None


def package_views(
    store: Store, rows: Sequence[Row], api_url: str, *, edits: bool = True
) -> list[dict[str, Any]]:
    """Views of many packages at once: the record plus what pkgcli knows about it (category
    and grid names, freshness), with what GitHub, PyPI and the forges say merged in
    (`merge.merge_sources`) and the user's edits laid over it (`edits=False`: the upstream
    values alone, Django Packages' and the sources'). A few queries whatever the number of
    rows; every command that outputs packages goes through here, so a layer added here
    shows up everywhere."""
    records = [_record(store, row, api_url) for row in rows]
    grid_lists = [_column_list(row, "grid_ids", int) for row in rows]  # checked just above
    known = store.grids_by_ids(sorted({g for grids in grid_lists for g in grids}))
    categories = store.categories_by_ids(
        sorted({row["category_id"] for row in rows if row["category_id"] is not None})
    )
    views = []
    for row, grid_ids, record in zip(rows, grid_lists, records, strict=True):
        record["pkgcli"] = {
            "schema_version": JSON_SCHEMA_VERSION,
            "category": category_meta(row["category_id"], categories),
            "grids": grids_meta(grid_ids, known),
            "mirrored_at": row["fetched_at"],
            "gone_upstream_at": row["gone_at"],
        }
        views.append(record)
    layers = store.source_layers([row["id"] for row in rows])
    for row, view in zip(rows, views, strict=True):  # GitHub/PyPI/forges: newest fetch wins
        try:
            merge_sources(
                view, {"djangopackages": {"fetched_at": row["fetched_at"]}, **layers[row["id"]]}
            )
        except ValueError as exc:  # a fetch time or a commit time that is not a time
            raise store.corrupt(
                f"what the sources say about package {row['slug']!r} (id {row['id']}): {exc}"
            ) from None
    return [credit_edits(v) for v in apply_overlays(store, views, api_url)] if edits else views


def package_view(store: Store, row: Row, api_url: str, *, edits: bool = True) -> dict[str, Any]:
    """The view of one package (see `package_views`)."""
    return package_views(store, [row], api_url, edits=edits)[0]


def _closest(candidates: list[str], text: str, limit: int = 3) -> list[str]:
    """The slugs most like `text`; only those that pass the slug rule (they come from
    upstream, and a "did you mean" is something the user copies into a shell)."""
    import difflib

    candidates = [s for s in candidates if is_valid_slug(s)]
    lowered = text.lower()
    contains = [s for s in candidates if lowered in s.lower()]
    fuzzy = difflib.get_close_matches(lowered, candidates, n=limit, cutoff=0.75)
    return list(dict.fromkeys([*fuzzy, *sorted(contains, key=len)]))[:limit]


def _did_you_mean(candidates: list[str], text: str) -> str:
    """ "; did you mean: a, b?" with the closest candidates, or nothing."""
    matches = _closest(candidates, text)
    return f"; did you mean: {', '.join(matches)}?" if matches else ""


def not_found(store: Store, slug: str, where: str) -> NotFound:
    return NotFound(f"no package {slug!r} {where}{_did_you_mean(store.package_slugs(), slug)}")


def find_grid(store: Store, slug: str) -> Row:
    """The grid named by slug (or id), or NotFound with close matches."""
    check_slug(slug, "grid")
    grid = store.get_grid(slug)
    if grid is None:
        slugs = store.grid_slugs()
        hint = (
            _did_you_mean(slugs, slug)
            if slugs
            else " (the mirror has no grids yet: run `pkgcli fetch --all`)"
        )
        raise NotFound(f"no grid {slug!r} in the mirror{hint}")
    return grid


def show_package(ctx: AppContext, slug: str, *, offline: bool) -> dict[str, Any]:
    """The view of one package; fetched first (with a note) when it is not mirrored yet."""
    check_slug(slug)
    store = ctx.store
    row = store.get_package(slug)
    if row is None:
        if offline:
            raise not_found(store, slug, "in the mirror (offline: not fetched)")
        ctx.note(f"{slug} is not in the mirror yet: fetching it from Django Packages")
        from pkgcli.models import FetchReport
        from pkgcli.sync import fetch_packages

        try:
            fetch_packages(store, ctx.dp_client(), [slug], FetchReport())
        except NotFound:
            raise not_found(store, slug, "on Django Packages") from None
        row = store.get_package(slug)
        if row is None:
            raise not_found(store, slug, "on Django Packages")
    return package_view(store, row, ctx.settings.api_url)


class Shown(NamedTuple):
    """`show SLUG...`: the views found, in the order asked, and what went wrong per slug."""

    views: list[dict[str, Any]]
    problems: list[PkgcliError]


def show_packages(ctx: AppContext, slugs: Sequence[str], *, offline: bool) -> Shown:
    """Many packages at once: the mirrored ones in one batch of queries (as `show` of one
    would build them), the missing ones fetched one by one unless `offline`; a slug that is
    malformed or not found is a problem for that slug only."""
    store = ctx.store
    rows: list[Row | dict[str, Any]] = []
    problems: list[PkgcliError] = []
    exact = store.packages_by_slugs(slugs)
    for slug in slugs:
        try:
            check_slug(slug)
            row = (None if slug.isdigit() else exact.get(slug)) or store.get_package(slug)
            rows.append(row if row is not None else show_package(ctx, slug, offline=offline))
        except (UsageError, NotFound, UpstreamError) as exc:  # this slug only
            problems.append(exc)
    stored = [r for r in rows if "pkgcli" not in r]  # rows still to build; views are built
    built = iter(package_views(store, stored, ctx.settings.api_url))
    views = [r if "pkgcli" in r else next(built) for r in rows]
    return Shown(views, problems)


# -- grids and search --------------------------------------------------------------------


class GridComparison:
    """A grid and its packages' views (a plain class: service is on the `show` path)."""

    def __init__(self, grid: Row, views: list[dict[str, Any]], missing: list[int]) -> None:
        self.grid = grid
        self.views = views
        self.missing = missing  # ids on the grid's list that are not in the mirror


def _sorted(
    views: list[dict[str, Any]], kind: str, sort: str | None, reverse: bool
) -> list[dict[str, Any]]:
    from pkgcli.fields import GRIDS, PACKAGES, now_utc, sort_views

    catalogue = GRIDS if kind == "grid" else PACKAGES
    if sort is None:
        return list(reversed(views)) if reverse else views
    return sort_views(views, catalogue.field(sort, option="--sort"), now_utc(), reverse=reverse)


def _limited(items: list[dict[str, Any]], limit: int | None) -> list[dict[str, Any]]:
    return items if not limit else items[:limit]


def list_grids(
    ctx: AppContext,
    *,
    sort: str | None = None,
    reverse: bool = False,
    limit: int | None = None,
    mirrored: bool = True,
) -> list[dict[str, Any]]:
    """Every grid in the mirror with its package count (sorted by slug unless told);
    `mirrored=False` skips counting the mirrored members (costly on a big mirror)."""
    grids = ctx.store.grid_summaries(mirrored=mirrored or sort == "mirrored_count")
    if not grids:
        ctx.note("the mirror has no grids yet: run `pkgcli fetch --all`")
    return _limited(_sorted(grids, "grid", sort, reverse), limit)


def compare_grid(
    ctx: AppContext,
    slug: str,
    *,
    sort: str | None = "score",
    reverse: bool = False,
    limit: int | None = None,
) -> GridComparison:
    """A grid's packages as views, sorted (default: score); notes what is not mirrored."""
    store = ctx.store
    grid = find_grid(store, slug)
    # The grid's own list, with the user's `grids` edits (local packages included).
    ids = grid_member_ids(store, grid["id"], store.grid_package_ids(grid["id"]))
    rows = store.packages_by_ids(ids)
    mirrored = {row["id"] for row in rows}
    missing = [i for i in ids if i not in mirrored]
    if missing:
        total = len(rows) + len(missing)
        how = (
            f"pkgcli fetch {' '.join(str(i) for i in missing)}"
            if len(missing) <= 10
            else "pkgcli fetch --all"
        )
        verb = "is" if len(missing) == 1 else "are"
        ctx.note(
            f"{len(missing)} of the {total} packages in grid {grid['slug']!r} {verb} not in "
            f"the mirror; run `{how}` to add them"
        )
    views = package_views(store, rows, ctx.settings.api_url)
    views = _limited(_sorted(views, "package", sort or "score", reverse), limit)
    return GridComparison(grid=grid, views=views, missing=missing)


def fts_query(text: str) -> str:
    """User text → an FTS5 query that cannot be a syntax error: every word quoted, as a
    prefix, all of them required (`rest fram` → `"rest"* "fram"*`)."""
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # bytes that were not UTF-8 on the command line
            raise UsageError(f"cannot search for {text!r}: it is not valid UTF-8 text") from None
    words = re.findall(r"\w+", text)
    if not words:
        raise UsageError(f"nothing to search for in {text!r}: give at least one word")
    return " ".join(f'"{word}"*' for word in words)


_EDITED_TEXT = ("title", "repo_description", "notes", "tags")  # what search reads in edits


def _edited_text_ids(store: Store, words: list[str]) -> list[int]:
    """Packages whose edited text (your title, description, notes, tags) holds every word
    somewhere: few rows, matched here rather than indexed."""
    from pkgcli.overlay import edit_value

    found = []
    for package_id, edits in store.active_edits().items():
        texts: list[str] = []
        for edit in edits:
            if edit["field"] in _EDITED_TEXT:
                value = edit_value(store, edit, "new_value")
                texts += [str(v) for v in value] if isinstance(value, list) else [str(value)]
        haystack = " ".join([edits[0].get("slug") or "", *texts]).casefold()
        if texts and all(word.casefold() in haystack for word in words):
            found.append(package_id)
    return found


def search_package_ids(store: Store, text: str, limit: int | None) -> tuple[list[int], int]:
    """The first `limit` packages matching `text` (all with None), best first — whole
    words and word starts (the word index, ranked), then words inside other words (trigram
    index, most stars first), then your edited text; all words must match — and how many
    match in all (counted without ranking them, so a common word stays cheap)."""
    words = re.findall(r"\w+", text)
    match = fts_query(text)
    inside = None
    if all(len(word) >= 3 for word in words):  # a trigram needs three characters
        inside = " ".join('"' + word.replace('"', "") + '"' for word in words)
    ids = store.search_package_ids(match, text.strip(), limit)
    seen = set(ids)
    if inside is not None and (limit is None or len(ids) < limit):
        room = None if limit is None else limit - len(ids) + len(seen)
        more = [i for i in store.trigram_package_ids(inside, room) if i not in seen]
        ids += more
        seen.update(more)
    matched = store.matching_package_ids(match, inside)
    edited = [i for i in _edited_text_ids(store, words) if i not in matched]
    ids += [i for i in edited if i not in seen]
    return (ids if limit is None else ids[:limit]), len(matched) + len(edited)


def _close_slugs(store: Store, text: str) -> list[str]:
    """Slugs with a part close to a mistyped word (`oauht` → django-oauth-toolkit)."""
    from difflib import get_close_matches

    parts: dict[str, list[str]] = {}
    for slug in store.package_slugs():
        for part in re.split(r"[-_.]", slug.lower()):
            parts.setdefault(part, []).append(slug)
    slugs: list[str] = []
    for word in re.findall(r"\w+", text.lower()):
        for part in get_close_matches(word, list(parts), n=3, cutoff=0.75):
            slugs += parts[part]
    return list(dict.fromkeys(slugs))[:3]


class Found(NamedTuple):
    """Search results (after --limit) and how many there were before it."""

    views: list[dict[str, Any]]
    total: int


def search(
    ctx: AppContext,
    text: str,
    *,
    grids: bool = False,
    sort: str | None = None,
    reverse: bool = False,
    limit: int | None = 30,
) -> Found:
    """Full-text search of the mirror: packages (or grids) by relevance, then stars."""
    query = fts_query(text)
    store = ctx.store
    limit = limit or None  # 0: no limit
    if grids:
        found = _sorted(store.search_grids(query, text.strip(), None), "grid", sort, reverse)
        total = len(found)
    else:
        # Re-sorting needs every hit before the cut.
        wanted, total = search_package_ids(store, text, None if sort else limit)
        views = package_views(store, store.packages_by_ids(wanted), ctx.settings.api_url)
        found = _sorted(views, "package", sort, reverse)
    if not found:
        what = "grids" if grids else "packages"
        if not store.count(what):
            ctx.note(f"the mirror has no {what} yet: run `pkgcli fetch --all`")
        else:
            close = [] if grids else _close_slugs(store, text)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            ctx.note(f"no {what} match {text!r}{hint}")
    return Found(_limited(found, limit), total)


# -- `pkgcli list`: every package, filtered ----------------------------------------------


class PackageFilter(NamedTuple):
    """What `pkgcli list` keeps; every filter given must hold (they compose with AND).
    Filters look at the view — upstream merged with the sources and the user's edits — so
    an edited category or tag counts, as `show` would print it."""

    category: str | None = None
    grid: str | None = None
    tags: tuple[str, ...] = ()
    license: str | None = None
    django: str | None = None
    python: str | None = None
    archived: bool | None = None  # True: only archived; False: all but the archived
    local: bool = False
    edited: bool = False
    stale: str | None = None  # an AGE: last commit longer ago than this


_AGE = re.compile(r"^\s*(\d{1,6})\s*(y|mo|w|d|h)\s*$")
_AGE_SECONDS = {"y": 365 * 86400, "mo": 30 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600}


def parse_age(text: str) -> int:
    """`2y`, `6mo`, `3w`, `30d`, `12h` → seconds; a UsageError for anything else."""
    found = _AGE.match(text.lower())
    if found is None:
        raise UsageError(f"--stale takes an age such as 2y, 6mo, 3w, 30d or 12h, not {text!r}")
    return int(found[1]) * _AGE_SECONDS[found[2]]


def _version_key(text: str) -> str:
    """`5.2`, ` 5.2 `, `5.2.0`? → `5.2`: classifiers name feature versions only."""
    parts = text.strip().split(".")
    if len(parts) < 2 or not all(p.isdigit() for p in parts[:2]):
        raise UsageError(f"give a version as X.Y (e.g. 5.2), not {text!r}")
    return ".".join(parts[:2])


def _folded(value: Any) -> set[str]:
    items = value if isinstance(value, list) else [] if value is None else [value]
    return {str(item).casefold() for item in items}


def _keeps(wanted: PackageFilter, now: datetime) -> Callable[[dict[str, Any]], bool]:
    """The test a view must pass, built once: each filter reads its field from the registry."""
    from pkgcli.fields import PACKAGES

    def value(name: str, view: dict[str, Any]) -> Any:
        return PACKAGES[name].value(view, now)

    checks: list[Callable[[dict[str, Any]], bool]] = []
    if wanted.category is not None:
        category = wanted.category.casefold()
        checks.append(lambda v: category in _folded(value("category", v)))
    if wanted.grid is not None:
        grid = wanted.grid.casefold()
        checks.append(lambda v: grid in _folded(value("grids", v)))
    for tag in (t.casefold() for t in wanted.tags):
        checks.append(lambda v, tag=tag: tag in _folded(value("tags", v)))  # type: ignore[misc]
    if wanted.license is not None:
        licence = wanted.license.casefold()
        checks.append(lambda v: licence in _folded(value("license", v)))
    if wanted.django is not None:
        django = _version_key(wanted.django)
        checks.append(lambda v: django in _folded(value("django_versions", v)))
    if wanted.python is not None:
        python = _version_key(wanted.python)
        checks.append(lambda v: python in _folded(value("python_versions", v)))
    if wanted.archived is not None:
        archived = wanted.archived
        checks.append(lambda v: (value("archived", v) is True) == archived)
    if wanted.local:
        checks.append(lambda v: value("local", v) is True)
    if wanted.edited:
        checks.append(lambda v: bool(value("edited", v)))
    if wanted.stale is not None:
        cutoff = now.timestamp() - parse_age(wanted.stale)
        from pkgcli.fields import parse_iso

        def stale(v: dict[str, Any]) -> bool:
            last = parse_iso(value("last_commit", v))
            return last is not None and last.timestamp() < cutoff

        checks.append(stale)
    return lambda view: all(check(view) for check in checks)


def _candidates(store: Store, wanted: PackageFilter) -> list[Row]:
    """The rows that may pass `wanted`, by slug: every package, or — for the filters only
    PyPI decides (`--django`, `--python`) — a superset found with one cheap query, so a
    100,000-package mirror does not build 100,000 views to keep a few."""
    ids: set[int] | None = None
    for column, version in (("django_versions", wanted.django), ("python_versions", wanted.python)):
        if version is not None:
            found = store.ids_declaring(column, _version_key(version))
            ids = found if ids is None else ids & found
    if ids is None:
        return store.all_packages()
    return sorted(store.packages_by_ids(sorted(ids)), key=lambda row: row["slug"])


class Listing(NamedTuple):
    """Some views of a longer list: `total` is how many matched before `--limit`."""

    views: list[dict[str, Any]]
    total: int


def list_packages(
    ctx: AppContext,
    wanted: PackageFilter,
    *,
    sort: str | None = None,
    reverse: bool = False,
    limit: int | None = None,
) -> Listing:
    """Every package in the mirror that passes `wanted`, sorted (default: by slug)."""
    from pkgcli.fields import PACKAGES, now_utc

    now = now_utc()
    keeps = _keeps(wanted, now)  # bad --stale / --django before any work
    sort_field = PACKAGES.field(sort, option="--sort") if sort else None
    store = ctx.store
    rows = _candidates(store, wanted)
    views = [v for v in package_views(store, rows, ctx.settings.api_url) if keeps(v)]
    if not views and not store.count("packages"):
        ctx.note("the mirror has no packages yet: run `pkgcli fetch --all`")
    found = _sorted(views, "package", sort_field.name if sort_field else None, reverse)
    return Listing(_limited(found, limit), len(found))
