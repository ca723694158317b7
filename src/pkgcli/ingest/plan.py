"""`fetch --plan`: what a fetch would do, computed from the mirror without fetching.

The only requests are GitHub's free `GET /rate_limit` (when GitHub is chosen). Per source:
packages, requests expected (and how many are conditional, i.e. likely 304s), GitHub's
quota needed against what is left, and the time the politeness limits make it take —
4 requests in flight per host at an assumed ~0.25 s each, plus a wait for the quota reset
when the quota will not cover the run.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from pkgcli.context import AppContext

IN_FLIGHT = 4
SECONDS_PER_REQUEST = 0.25  # a typical round trip to these APIs: an estimate, said so
PAGE = 100  # Django Packages records per page
GRAPHQL_BATCH = 50


def plan_fetch(ctx: AppContext, selection: Any, chosen: tuple[str, ...]) -> dict[str, Any]:
    from pkgcli.config import github_token
    from pkgcli.ingest.status import fetch_github_quota
    from pkgcli.refresh import plan_target
    from pkgcli.registry import label
    from pkgcli.sync import _known_ids, resolve_selection

    store = ctx.store
    slugs, all_packages, only, chosen = resolve_selection(store, selection, chosen)
    ids = None if all_packages else _known_ids(store, slugs)
    rows = store.source_targets(ids)
    targets = [plan_target(r) for r in rows]
    token = bool(github_token())
    sources: dict[str, Any] = {}
    if "djangopackages" in chosen:
        n = store.count("packages") if all_packages else len(slugs)
        requests = math.ceil(n / PAGE) + 2 if all_packages else n
        sources["djangopackages"] = _entry(label("djangopackages"), n, requests, 0)
    for name in chosen:
        allowed = None if only is None else only.get(name, set())
        wanted = [t for t in targets if allowed is None or t.id in allowed]
        entry = _source_plan(name, label(name), wanted, rows, token, all_packages)
        if entry is not None:
            sources[name] = entry
    asks_github = "github" in sources and not sources["github"].get("skipped")
    quota = fetch_github_quota(ctx) if asks_github else None  # none needed when skipped
    if quota is not None and "github" in sources:
        _fit_quota(sources["github"], quota)
    seconds = max((s["seconds"] for s in sources.values()), default=0.0)
    return {"sources": sources, "github_quota": quota, "seconds": round(seconds, 1)}


def _entry(label: str, packages: int, requests: int, conditional: int) -> dict[str, Any]:
    seconds = math.ceil(requests / IN_FLIGHT) * SECONDS_PER_REQUEST
    return {
        "label": label,
        "packages": packages,
        "requests": requests,
        "conditional": conditional,
        "seconds": round(seconds, 1),
    }


def _source_plan(
    name: str, label: str, wanted: list[Any], rows: list[Any], token: bool, whole: bool
) -> dict[str, Any] | None:
    fetched = {r["id"] for r in rows if r.get("github_fetched")}
    if name == "github":
        mine = [t for t in wanted if t.github]
        if whole and not token:
            entry = _entry(label, len(mine), 0, 0)
            entry["skipped"] = "no token: --all leaves GitHub out"
            return entry
        per = 2 if token else 4  # REST: participation + contributors (+ repo + commits)
        requests = per * len(mine) + (math.ceil(len(mine) / GRAPHQL_BATCH) if token else 0)
        conditional = per * len([t for t in mine if t.id in fetched])
        return _entry(label, len(mine), requests, conditional)
    pypi_fetched = {r["id"] for r in rows if r.get("pypi_fetched")}
    if name == "pypi":
        mine = [t for t in wanted if t.pypi]
        return _entry(label, len(mine), len(mine), len([t for t in mine if t.id in pypi_fetched]))
    if name in ("gitlab", "codeberg"):
        mine = [t for t in wanted if t.forge and t.forge.kind == name]
        return _entry(label, len(mine), len(mine), 0)
    return None


def _fit_quota(entry: dict[str, Any], quota: dict[str, Any]) -> None:
    """GitHub: the quota the plan needs (304s cost none) against what is left; the wait
    for a reset when it does not fit."""
    needed = entry["requests"] - entry["conditional"]
    entry["quota_needed"] = needed
    entry["quota_left"] = quota["remaining"]
    if needed > quota["remaining"] and quota.get("resets_at"):
        reset = datetime.fromisoformat(quota["resets_at"])
        wait = max(0.0, (reset - datetime.now(UTC)).total_seconds())
        windows = math.ceil((needed - quota["remaining"]) / max(1, quota["limit"]))
        entry["seconds"] = round(entry["seconds"] + wait + (windows - 1) * 3600, 1)
        entry["quota_short"] = True
