"""The mirror at a glance, for `pkgcli status`: counts, freshness, runs, the token, quota.

`mirror_status` reads the store (and, unless offline, makes GitHub's one free request,
`GET /rate_limit`, which costs no quota). It returns a plain dict: the presenter renders
it and `--json` prints it as is.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from pkgcli.context import AppContext

UNFINISHED = ("running", "stopped", "interrupted")


def mirror_status(ctx: AppContext, *, offline: bool, now: datetime | None = None) -> dict[str, Any]:
    from pkgcli.config import github_token_source

    store = ctx.store
    now = now or datetime.now(UTC)
    day = (now - timedelta(days=1)).isoformat()
    week = (now - timedelta(days=7)).isoformat()
    counts = store.mirror_counts()
    runs = [_run_view(r) for r in store.fetch_runs(limit=5)]
    unfinished = next((r for r in runs[:1] if r["status"] in UNFINISHED), None)
    return {
        **counts,
        "freshness": _freshness(store.fetched_ages(day, week), counts),
        "runs": runs,
        "unfinished_run": unfinished["id"] if unfinished else None,
        "resume": "pkgcli fetch --resume" if unfinished else None,
        "github_token_from": github_token_source(),
        "github_quota": None if offline else fetch_github_quota(ctx),
    }


def _freshness(ages: dict[str, dict[str, int]], counts: dict[str, int]) -> dict[str, Any]:
    """Per registered source: fetched < 1 d, < 7 d, older, never (of the mirror's
    upstream packages still listed)."""
    from pkgcli.registry import SOURCES

    listed = counts["packages"] - counts["local"] - counts["gone"]
    fresh: dict[str, Any] = {}
    for source in SOURCES:
        age = ages.get(source.name, {"day": 0, "week": 0, "older": 0})
        seen = sum(age.values())
        fresh[source.name] = {**age, "never": max(0, listed - seen)}
    return fresh


def _run_view(row: dict[str, Any]) -> dict[str, Any]:
    try:
        summary = json.loads(row["summary"] or "null")
    except ValueError:
        summary = None
    sources = summary.get("sources", {}) if isinstance(summary, dict) else {}
    outcomes: dict[str, int] = {}
    for counts in sources.values() if isinstance(sources, dict) else []:
        for word in ("ok", "not_modified", "moved", "not_found", "failed", "pending"):
            outcomes[word] = outcomes.get(word, 0) + int(counts.get(word, 0) or 0)
    return {
        "id": row["id"],
        "started_at": row["started_at"],
        "finished_at": row["finished_at"],
        "status": row["status"],
        "outcomes": outcomes,
    }


def fetch_github_quota(ctx: AppContext) -> dict[str, Any] | None:
    """GitHub's core quota from `GET /rate_limit` (free); None when it cannot be had."""
    from pkgcli.config import github_token
    from pkgcli.errors import UpstreamError
    from pkgcli.http import BearerToken, HttpClient

    base = ctx.settings.url("github")
    token = github_token()
    http = HttpClient(
        name="GitHub",
        timeout=ctx.settings.timeout,
        transport=ctx.transport,
        sleep=ctx.sleep,
        max_attempts=1,  # status must stay quick: no answer, no quota shown
        auth=BearerToken(token, base) if token else None,
    )
    try:
        response = http.send("GET", f"{base}/rate_limit", headers={})
        core = response.json().get("resources", {}).get("core", {})
        remaining, limit, reset = core.get("remaining"), core.get("limit"), core.get("reset")
    except (UpstreamError, ValueError, AttributeError):
        return None
    finally:
        http.close()
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (remaining, limit)):
        return None
    resets = datetime.fromtimestamp(reset, UTC).isoformat() if isinstance(reset, int) else None
    return {"remaining": remaining, "limit": limit, "resets_at": resets}
