"""Where network results meet the store: fetching records and committing them as they come.

`fetch_packages` refreshes named packages with their category and grids; `fetch_all`
mirrors the whole catalogue page by page, committing each page in its own transaction so
an interrupted run keeps everything it fetched. Packages missing from a *complete* pass are
then checked one by one and flagged as gone — never deleted.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from pkgcli.context import AppContext
from pkgcli.errors import NotFound
from pkgcli.models import FetchReport, utc_now
from pkgcli.sources.djangopackages import (
    IN_FLIGHT,
    DjangoPackagesClient,
    parse_category,
    parse_grid,
    parse_package,
)
from pkgcli.store import Store

# progress(phase, advance, total): total is None until known.
Progress = Callable[[str, int, int | None], None]
MAX_GONE_CHECKS = 50


def _no_progress(phase: str, advance: int, total: int | None) -> None:
    return None


def _fetch_many(fn: Callable[[Any], Any], keys: Iterable[Any]) -> list[tuple[Any, Any]]:
    """Run `fn` over keys with up to IN_FLIGHT in flight; results in key order."""
    keys = list(keys)
    if len(keys) <= 1:
        return [(k, fn(k)) for k in keys]
    with ThreadPoolExecutor(max_workers=IN_FLIGHT, thread_name_prefix="pkgcli-fetch") as pool:
        return list(zip(keys, pool.map(fn, keys), strict=True))


def fetch_packages(
    store: Store,
    dp: DjangoPackagesClient,
    slugs: list[str],
    report: FetchReport,
    progress: Progress = _no_progress,
) -> FetchReport:
    """Fetch the named packages (slug or id) plus their category and grids, and store them.

    Local packages (made with `pkgcli edit --create`) are skipped with a note: Django
    Packages does not know them, and asking would only earn a 404 per package.
    """
    started = time.monotonic()
    slugs = _skip_local(store, slugs, report)
    progress("packages", 0, len(slugs))
    records = []
    for slug, record in _fetch_many(dp.fetch_package, slugs):
        progress("packages", 1, len(slugs))
        if record is None:
            report.failed.append(slug)
        else:
            records.append(parse_package(record, utc_now()))
    category_ids = sorted({r["category_id"] for r in records if r["category_id"] is not None})
    grid_ids = sorted({g for r in records for g in _json_ids(r["grid_ids"])})
    categories = [c for _, c in _fetch_many(dp.fetch_category, category_ids) if c is not None]
    grids = [g for _, g in _fetch_many(dp.fetch_grid, grid_ids) if g is not None]
    report.categories += store.save_categories(parse_category(c, utc_now()) for c in categories)
    report.grids += store.save_grids(parse_grid(g, utc_now()) for g in grids)
    for row in records:  # one transaction per package: each is whole or absent
        saved, new = store.save_packages([row])
        report.packages += saved
        report.new += new
    report.requests = dp.http.requests
    report.seconds = time.monotonic() - started
    if report.failed and not records:
        names = ", ".join(report.failed)
        raise NotFound(f"not on Django Packages: {names}")
    return report


def fetch_all(
    store: Store,
    dp: DjangoPackagesClient,
    report: FetchReport,
    progress: Progress = _no_progress,
) -> FetchReport:
    """Mirror every category, grid and package; flag packages gone after a complete pass."""
    started = time.monotonic()
    run_id = uuid.uuid4().hex
    store.record_run({"id": run_id, "kind": "all", "started_at": utc_now(), "complete": 0})
    for kind, parse, save in (
        ("categories", parse_category, store.save_categories),
        ("grids", parse_grid, store.save_grids),
    ):
        for page in dp.iter_pages(kind, on_count=partial(progress, kind, 0)):
            saved = save(parse(r, utc_now()) for r in page)
            setattr(report, kind, getattr(report, kind) + saved)
            progress(kind, saved, None)
    for page in dp.iter_pages("packages", on_count=partial(progress, "packages", 0)):
        saved, new = store.save_packages((parse_package(r, utc_now()) for r in page), run_id)
        report.packages += saved
        report.new += new
        progress("packages", saved, None)
    report.gone = _flag_gone(store, dp, run_id, report)
    report.requests = dp.http.requests
    report.seconds = time.monotonic() - started
    store.record_run(
        {
            "id": run_id,
            "kind": "all",
            "finished_at": utc_now(),
            "complete": 1,
            "packages": report.packages,
            "requests": report.requests,
        }
    )
    return report


def _flag_gone(store: Store, dp: DjangoPackagesClient, run_id: str, report: FetchReport) -> int:
    """Packages the pass did not list: check each (a list can shift under offset paging)."""
    candidates = store.gone_candidates(run_id)
    if len(candidates) <= MAX_GONE_CHECKS:  # more than that is a real purge, not a shift
        for _, record in _fetch_many(dp.fetch_package, candidates):
            if record is not None:  # still upstream: store it, which marks it seen
                saved, _ = store.save_packages([parse_package(record, utc_now())], run_id)
                report.packages += saved
    return store.mark_gone(run_id, utc_now())


def _skip_local(store: Store, slugs: list[str], report: FetchReport) -> list[str]:
    local = [s for s in slugs if (row := store.get_package(s)) is not None and row["id"] < 0]
    if local:
        report.notes.append(
            f"not looked up on Django Packages (local packages, only in this mirror): "
            f"{', '.join(local)}"
        )
    return [s for s in slugs if s not in local]


def _json_ids(text: str) -> list[int]:
    import json

    value = json.loads(text)
    return [i for i in value if isinstance(i, int)] if isinstance(value, list) else []


def run_fetch(ctx: AppContext, slugs: list[str], *, all_packages: bool) -> int:
    """The `fetch` command: validate, fetch with progress on stderr, summarise. Exit code."""
    from pkgcli.errors import EXIT_NOT_FOUND, UsageError
    from pkgcli.render import fetch_summary, progress_reporter
    from pkgcli.service import check_slug

    if all_packages and slugs:
        raise UsageError("give package slugs or --all, not both")
    if not all_packages and not slugs:
        raise UsageError("name at least one package slug, or use --all")
    for slug in slugs:
        check_slug(slug)
    report = FetchReport()
    store, dp = ctx.store, ctx.dp_client()
    try:
        with progress_reporter() as progress:
            if all_packages:
                fetch_all(store, dp, report, progress)
            else:
                fetch_packages(store, dp, list(dict.fromkeys(slugs)), report, progress)
    except KeyboardInterrupt:
        ctx.note(fetch_summary(report, interrupted=True))
        raise
    for note in report.notes:
        ctx.note(note)
    ctx.note(fetch_summary(report))
    if report.failed:
        ctx.note(f"not on Django Packages: {', '.join(report.failed)}")
        return EXIT_NOT_FOUND
    return 0
