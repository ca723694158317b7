"""Change over time: one snapshot per package each time a refresh changes what it tracks.

After a refresh (`after_refresh`, called once by `fetch`), every touched package's stars,
forks, latest version and its date, last commit, archived flag, contributor count, health
verdict, grids and gone flag are compared with its newest snapshot; a new snapshot is
stored only when one of them changed, so history grows with churn, not with the number of
refreshes. `changes` compares, per package, the newest snapshot taken at or before a
moment with the newest one now; `star_trend` feeds `show`'s sparkline.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pkgcli.context import AppContext
    from pkgcli.store import Row, Store

TRACKED = (
    "stars",
    "forks",
    "version",
    "released_at",
    "last_commit",
    "archived",
    "participants",
    "verdict",
    "gone",
    "grids",
)
STAR_MOVERS = 10  # how many of the biggest star movers `changes` lists


def snapshot_of(view: dict[str, Any], verdict: str) -> dict[str, Any]:
    """The tracked values of one package view, in their compact stored form (times to the
    second in UTC, grids as ids): history stays small."""
    from pkgcli.fields import iso_utc

    meta = view.get("pkgcli") or {}
    archived = view.get("archived")
    grids = sorted(g["id"] for g in meta.get("grids") or [] if isinstance(g.get("id"), int))
    return {
        "package_id": view["id"],
        "stars": view.get("repo_watchers"),
        "forks": view.get("repo_forks"),
        "version": view.get("pypi_version") or None,
        "released_at": iso_utc(view.get("latest_release_at")),
        "last_commit": iso_utc(view.get("last_updated")),
        "archived": None if archived is None else int(bool(archived)),
        "participants": len(view.get("participants") or []) or None,
        "verdict": verdict,
        "gone": int(bool(meta.get("gone_upstream_at"))),
        "grids": json.dumps(grids, separators=(",", ":")),
    }


def stamp(iso: str) -> int:
    """Any ISO time → the stored `taken_at`: microseconds since the epoch (small, sorts)."""
    from pkgcli.fields import parse_iso

    when = parse_iso(iso)
    if when is None:
        raise ValueError(f"not a time: {iso!r}")
    return int(when.timestamp()) * 1_000_000 + when.microsecond


def iso_of(micros: int) -> str:
    """A stored `taken_at` → UTC ISO text."""
    from datetime import UTC, datetime

    return datetime.fromtimestamp(micros / 1_000_000, UTC).isoformat()


def latest_snapshots(store: Store, before: int | None = None) -> dict[int, Row]:
    """The newest snapshot of each package (taken at or before `before` when given)."""
    where = "WHERE taken_at <= ?" if before is not None else ""
    params = (before,) if before is not None else ()
    return _snapshots(store, "MAX", where, params)


def _compared(store: Store, moment: int) -> tuple[dict[int, Row], dict[int, Row]]:
    """(baseline, newest) snapshots of the packages whose newest snapshot is after `moment`
    and differs from the baseline: the newest at or before `moment`, else the first one.
    One query; snapshots are stored only on change, so different times mean a change."""
    rows = store.query(
        "WITH ends AS (SELECT package_id, MAX(taken_at) AS last, "
        "COALESCE(MAX(CASE WHEN taken_at <= ? THEN taken_at END), MIN(taken_at)) AS base "
        "FROM snapshots GROUP BY package_id HAVING last > ? AND last != base) "
        "SELECT s.*, e.last = s.taken_at AS is_last FROM ends e JOIN snapshots s "
        "ON s.package_id = e.package_id AND s.taken_at IN (e.last, e.base)",
        (moment, moment),  # plain `?` twice: Python 3.12 deprecates `?1` with a sequence
    )
    then = {r["package_id"]: r for r in rows if not r["is_last"]}
    now = {r["package_id"]: r for r in rows if r["is_last"]}
    return then, now


def _snapshots(store: Store, pick: str, where: str, params: tuple[int, ...]) -> dict[int, Row]:
    rows = store.query(
        f"SELECT s.* FROM snapshots s JOIN (SELECT package_id, {pick}(taken_at) AS t "
        f"FROM snapshots {where} GROUP BY package_id) m "
        "ON s.package_id = m.package_id AND s.taken_at = m.t",
        params,
    )
    return {row["package_id"]: row for row in rows}


def record_snapshots(
    store: Store, db_path: str, api_url: str, ids: Sequence[int] | None, when: str
) -> int:
    """Snapshot these packages (None: all) where something tracked changed. Returns how many."""
    from pkgcli.health import context, evaluate
    from pkgcli.service import package_views

    if ids is None:
        rows = store.query("SELECT * FROM packages WHERE id > 0 ORDER BY id")
    else:
        rows = [r for r in store.packages_by_ids(list(ids)) if r["id"] > 0]
    ctx = context(db_path)
    taken = stamp(when)
    previous = latest_snapshots(store)
    new = []
    for start in range(0, len(rows), 500):
        for view in package_views(store, rows[start : start + 500], api_url, edits=False):
            snap = snapshot_of(view, evaluate(view, ctx)["verdict"])
            old = previous.get(snap["package_id"])
            if old is None or any(old[k] != snap[k] for k in TRACKED):
                new.append({**snap, "taken_at": taken})
    if new:
        columns = ("package_id", "taken_at", *TRACKED)
        with store.transaction() as conn:
            conn.executemany(
                f"INSERT OR REPLACE INTO snapshots ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' for _ in columns)})",
                [[row[c] for c in columns] for row in new],
            )
    return len(new)


def after_refresh(
    ctx: AppContext, slugs: list[str], all_packages: bool, ids: list[int] | None = None
) -> None:
    """The one hook `fetch` calls when a refresh is done: with `--all`, refresh the Django /
    Python end-of-life table (endoflife.date) first; then snapshot what it touched (the
    packages named by `slugs`, or by `ids` for a resumed run)."""
    from pkgcli.models import utc_now

    if all_packages:
        from pkgcli.sources import endoflife

        endoflife.refresh(ctx)
    store = ctx.store
    if not all_packages:
        ids = (ids or []) + [r["id"] for r in map(store.get_package, slugs) if r]
    else:
        ids = None
    record_snapshots(store, ctx.settings.db_path, ctx.settings.api_url, ids, utc_now())


def star_trend(store: Store, package_id: Any) -> list[int]:
    """Stars at each snapshot of a package, oldest first (unknown values left out)."""
    if not isinstance(package_id, int):
        return []
    rows = store.query(
        "SELECT stars FROM snapshots WHERE package_id = ? AND stars IS NOT NULL ORDER BY taken_at",
        (package_id,),
    )
    return [int(r["stars"]) for r in rows]


def _grids(row: Row | None) -> set[int]:
    try:
        value = json.loads(row["grids"]) if row and row["grids"] else []
    except ValueError:
        return set()
    return {g for g in value if isinstance(g, int)} if isinstance(value, list) else set()


def _change(
    kind: str, slug: str, before: Any, after: Any, when: str, delta: Any = None
) -> dict[str, Any]:
    return {
        "kind": kind,
        "slug": slug,
        "before": before,
        "after": after,
        "delta": delta,
        "when": when,
    }


def changes(
    store: Store,
    since: str,
    api_url: str,
    *,
    grid: str | None = None,
    tag: str | None = None,
) -> list[dict[str, Any]]:
    """What changed since `since` (UTC ISO): one row per change, in a stable order."""
    moment = stamp(since)
    then, now = _compared(store, moment)
    slugs = {
        r["id"]: r["slug"]
        for r in store._rows_for_ids(
            "SELECT id, slug FROM packages WHERE id IN ({marks})", sorted(now)
        )
    }
    grid_slugs = {r["id"]: r["slug"] for r in store.query("SELECT id, slug FROM grids")}
    wanted_grid = None
    if grid is not None:
        found = store.get_grid(grid)
        if found is None:
            return []
        wanted_grid = found["id"]
    tagged = _tagged(store, api_url, tag) if tag else None
    rows: list[dict[str, Any]] = []
    movers: list[dict[str, Any]] = []
    for pid, cur in sorted(now.items()):
        old = then.get(pid)
        if (
            old is None
            or cur["taken_at"] <= moment
            or old["taken_at"] == cur["taken_at"]
            or pid not in slugs
        ):
            continue
        if wanted_grid is not None and wanted_grid not in (_grids(cur) | _grids(old)):
            continue
        if tagged is not None and pid not in tagged:
            continue
        slug, when = slugs[pid], iso_of(cur["taken_at"])
        if cur["version"] and cur["version"] != old["version"]:
            rows.append(_change("release", slug, old["version"], cur["version"], when))
        if cur["archived"] == 1 and old["archived"] != 1:
            rows.append(_change("archived", slug, False, True, when))
        if cur["gone"] == 1 and old["gone"] != 1:
            rows.append(_change("gone", slug, False, True, when))
        if cur["verdict"] != old["verdict"]:
            rows.append(_change("verdict", slug, old["verdict"], cur["verdict"], when))
        for added in sorted(_grids(cur) - _grids(old)):
            name = grid_slugs.get(added, str(added))
            rows.append(_change("grid_added", slug, None, name, when))
        for removed in sorted(_grids(old) - _grids(cur)):
            name = grid_slugs.get(removed, str(removed))
            rows.append(_change("grid_removed", slug, name, None, when))
        if isinstance(cur["stars"], int) and isinstance(old["stars"], int):
            delta = cur["stars"] - old["stars"]
            if delta:
                movers.append(_change("stars", slug, old["stars"], cur["stars"], when, delta))
    movers.sort(key=lambda r: (-abs(r["delta"]), r["slug"]))
    return rows + movers[:STAR_MOVERS]


def _tagged(store: Store, api_url: str, tag: str) -> set[int]:
    """Packages the user tagged `tag` (pkgcli edit), compared case-insensitively."""
    from pkgcli.service import package_views

    rows = store.packages_by_ids(sorted(store.active_edits()))
    wanted = tag.casefold()
    return {
        v["id"]
        for v in package_views(store, rows, api_url)
        if any(str(t).casefold() == wanted for t in v.get("tags") or [])
    }
