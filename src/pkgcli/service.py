"""Package views over the store: what `show` (and later list-grid/search) present.

A view is the upstream-shaped record (the 18 v4 keys, with upstream's names, types and
meaning) plus pkgcli's own facts about it under `pkgcli`. Nothing here prints.
"""

from __future__ import annotations

import json
from typing import Any

from pkgcli.context import AppContext
from pkgcli.errors import NotFound, UsageError
from pkgcli.merge import credit_edits, merge_sources
from pkgcli.models import UPSTREAM_PACKAGE_KEYS, is_valid_slug, upstream_timestamp
from pkgcli.overlay import apply_overlay
from pkgcli.store import Row, Store

JSON_SCHEMA_VERSION = 1


def check_slug(slug: str) -> str:
    if not is_valid_slug(slug):
        raise UsageError(
            f"{slug!r} is not a package slug (letters, digits, '-' and '_' only) or id"
        )
    return slug


def upstream_record(row: Row, api_url: str) -> dict[str, Any]:
    """A `packages` row → the v4 record, key for key (timestamps in upstream's own zone)."""
    values: dict[str, Any] = {
        "category": f"{api_url}/categories/{row['category_id']}/"
        if row["category_id"] is not None
        else None,
        "grids": [f"{api_url}/grids/{g}/" for g in json.loads(row["grid_ids"] or "[]")],
        "commits_over_52": json.loads(row["commits_over_52"] or "[]"),
        "participants": json.loads(row["participants"] or "[]"),
    }
    for key in ("last_updated", "last_fetched", "created", "modified"):
        values[key] = upstream_timestamp(row[key])
    return {key: values[key] if key in values else row[key] for key in UPSTREAM_PACKAGE_KEYS}


def package_view(store: Store, row: Row, api_url: str, *, edits: bool = True) -> dict[str, Any]:
    """The record plus what pkgcli knows about it (category and grid names, freshness),
    with what GitHub, PyPI and the forges say merged in, and the user's edits laid over
    it (`edits=False`: the upstream values alone, Django Packages' and the sources')."""
    record = upstream_record(row, api_url)
    grid_ids = json.loads(row["grid_ids"] or "[]")
    known = store.grids_by_ids(grid_ids)
    category = store.get_category(row["category_id"]) if row["category_id"] is not None else None
    record["pkgcli"] = {
        "schema_version": JSON_SCHEMA_VERSION,
        "category": {"id": category["id"], "slug": category["slug"], "title": category["title"]}
        if category
        else None,
        "grids": [
            {"id": g, "slug": known[g]["slug"], "title": known[g]["title"]}
            if g in known
            else {"id": g, "slug": None, "title": None}
            for g in grid_ids
        ],
        "mirrored_at": row["fetched_at"],
        "gone_upstream_at": row["gone_at"],
    }
    layers = {"djangopackages": {"fetched_at": row["fetched_at"]}, **store.source_layers(row["id"])}
    merge_sources(record, layers)  # GitHub/PyPI/forges over the record: newest fetch wins
    return credit_edits(apply_overlay(store, record, api_url)) if edits else record


def close_matches(store: Store, slug: str, limit: int = 3) -> list[str]:
    import difflib

    slugs = store.package_slugs()
    lowered = slug.lower()
    contains = [s for s in slugs if lowered in s.lower()]
    fuzzy = difflib.get_close_matches(lowered, slugs, n=limit, cutoff=0.75)
    return list(dict.fromkeys([*fuzzy, *sorted(contains, key=len)]))[:limit]


def not_found(store: Store, slug: str, where: str) -> NotFound:
    matches = close_matches(store, slug)
    hint = f"; did you mean: {', '.join(matches)}?" if matches else ""
    return NotFound(f"no package {slug!r} {where}{hint}")


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
