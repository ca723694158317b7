"""Where network results meet the store: fetching records and committing them as they come.

`fetch_packages` refreshes named packages with their category and grids; `fetch_all`
mirrors the whole catalogue page by page, committing each page in its own transaction so
an interrupted run keeps everything it fetched. Packages missing from a *complete* pass are
then checked one by one and flagged as gone — never deleted. Records Django Packages
sends that cannot be stored are skipped with a note, never fatal. `run_fetch` then hands the
same packages to `refresh` for GitHub, PyPI and the other forges (`--source`).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from pkgcli.context import AppContext
from pkgcli.errors import NotFound, UpstreamError
from pkgcli.models import FetchReport, utc_now
from pkgcli.sources.djangopackages import (
    IN_FLIGHT,
    BadRecord,
    DjangoPackagesClient,
    parse_category,
    parse_grid,
    parse_package,
)
from pkgcli.store import Row, Store

# progress(phase, advance, total): total is None until known.
Progress = Callable[[str, int, int | None], None]
Parse = Callable[[Any, str, list[str]], Row]
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


def _parse_rows(parse: Parse, records: Iterable[Any], report: FetchReport) -> list[Row]:
    """Rows for the records that can be stored; the others are counted in the report."""
    rows = []
    for record in records:
        problems: list[str] = []
        try:
            rows.append(parse(record, utc_now(), problems))
        except BadRecord as exc:
            report.skipped += 1
            report.skipped_example = report.skipped_example or exc.message
        for key in problems:
            report.unusable[key] = report.unusable.get(key, 0) + 1
    return rows


def fetch_packages(
    store: Store,
    dp: DjangoPackagesClient,
    slugs: list[str],
    report: FetchReport,
    progress: Progress = _no_progress,
) -> FetchReport:
    """Fetch the named packages (slug or id) plus their category and grids, and store them.

    Local packages (made with `pkgcli edit --create`) are skipped with a note: Django
    Packages does not know them, and asking would only earn a 404 per package. A named
    package whose record cannot be stored is an UpstreamError when nothing else was.
    """
    started = time.monotonic()
    slugs = _skip_local(store, slugs, report)
    progress("packages", 0, len(slugs))
    rows = []
    for slug, record in _fetch_many(dp.fetch_package, slugs):
        progress("packages", 1, len(slugs))
        if record is None:
            report.failed.append(slug)
            continue
        parsed = _parse_rows(parse_package, [record], report)
        if parsed:
            rows += parsed
        else:
            report.unstorable.append(slug)
    category_ids = sorted({r["category_id"] for r in rows if r["category_id"] is not None})
    grid_ids = sorted({g for r in rows for g in _json_ids(r["grid_ids"])})
    categories = [c for _, c in _fetch_many(dp.fetch_category, category_ids) if c is not None]
    grids = [g for _, g in _fetch_many(dp.fetch_grid, grid_ids) if g is not None]
    report.categories += store.save_categories(_parse_rows(parse_category, categories, report))
    report.grids += store.save_grids(_parse_rows(parse_grid, grids, report))
    for row in rows:  # one transaction per package: each is whole or absent
        saved, new = store.save_packages([row])
        report.packages += saved
        report.new += new
    report.requests = dp.http.requests
    report.seconds = time.monotonic() - started
    _data_notes(report)
    if report.unstorable and not rows:
        raise UpstreamError(
            f"Django Packages sent {report.skipped_example}: nothing stored for "
            f"{', '.join(report.unstorable)}"
        )
    if report.failed and not rows:
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
            saved = save(_parse_rows(parse, page, report))
            setattr(report, kind, getattr(report, kind) + saved)
            progress(kind, saved, None)
    for page in dp.iter_pages("packages", on_count=partial(progress, "packages", 0)):
        saved, new = store.save_packages(_parse_rows(parse_package, page, report), run_id)
        report.packages += saved
        report.new += new
        progress("packages", saved, None)
    report.gone = _flag_gone(store, dp, run_id, report)
    report.requests = dp.http.requests
    report.seconds = time.monotonic() - started
    _data_notes(report)
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
        found = [r for _, r in _fetch_many(dp.fetch_package, candidates) if r is not None]
        for row in _parse_rows(parse_package, found, report):  # still upstream: seen
            report.packages += store.save_packages([row], run_id)[0]
    return store.mark_gone(run_id, utc_now())


def _data_notes(report: FetchReport) -> None:
    """Notes on what Django Packages sent that could not be stored as it was."""
    if report.skipped:
        plural = "s" if report.skipped != 1 else ""
        report.notes.append(
            f"skipped {report.skipped:,} malformed record{plural} from Django Packages "
            f"(e.g. {report.skipped_example})"
        )
    if report.unusable:
        total = sum(report.unusable.values())
        keys = ", ".join(f"{key} ({n:,})" for key, n in sorted(report.unusable.items()))
        plural = "s" if total != 1 else ""
        report.notes.append(
            f"stored {total:,} unusable value{plural} from Django Packages as unknown: {keys}"
        )


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


def run_fetch(
    ctx: AppContext, slugs: list[str], *, all_packages: bool, sources: str | None = None
) -> int:
    """The `fetch` command: validate, fetch with progress on stderr, summarise. Exit code."""
    from pkgcli.errors import EXIT_NOT_FOUND, EXIT_UPSTREAM, UsageError
    from pkgcli.refresh import parse_sources
    from pkgcli.render import fetch_summary, progress_reporter
    from pkgcli.service import check_slug

    if all_packages and slugs:
        raise UsageError("give package slugs or --all, not both")
    if not all_packages and not slugs:
        raise UsageError("name at least one package slug, or use --all")
    for slug in slugs:
        check_slug(slug)
    chosen = parse_sources(sources)
    slugs = list(dict.fromkeys(slugs))
    report = FetchReport()
    store = ctx.store
    from_dp = "djangopackages" in chosen
    dp_slugs = slugs if from_dp else [s for s in slugs if store.get_package(s) is None]
    outcome = None
    try:
        with progress_reporter() as progress:
            if all_packages and from_dp:
                fetch_all(store, ctx.dp_client(), report, progress)
            elif dp_slugs:
                if not from_dp:
                    ctx.note(
                        f"not mirrored yet, so fetched from Django Packages first: "
                        f"{', '.join(dp_slugs)}"
                    )
                fetch_packages(store, ctx.dp_client(), dp_slugs, report, progress)
            outcome = _refresh_sources(ctx, slugs, all_packages, chosen, progress)
    except KeyboardInterrupt:
        if from_dp or dp_slugs:
            ctx.note(fetch_summary(report, interrupted=True))
        if outcome is None and len(chosen) > int(from_dp):
            ctx.note("Interrupted: the answers received so far are saved; run it again to complete")
        raise
    for note in report.notes:
        ctx.note(note)
    if from_dp or dp_slugs:
        ctx.note(fetch_summary(report))
    if outcome is not None:
        from pkgcli.refresh import summary_lines

        for line in summary_lines(outcome):
            ctx.note(line)
    if report.failed:
        ctx.note(f"not on Django Packages: {', '.join(report.failed)}")
        return EXIT_NOT_FOUND
    if report.unstorable:
        ctx.note(f"not stored (malformed on Django Packages): {', '.join(report.unstorable)}")
        return EXIT_UPSTREAM
    return outcome.exit_code if outcome is not None else 0


def _refresh_sources(
    ctx: AppContext,
    slugs: list[str],
    all_packages: bool,
    sources: tuple[str, ...],
    progress: Progress,
) -> Any:
    """GitHub, PyPI and forges for the named packages (or all): a SourcesReport or None."""
    from pkgcli.refresh import refresh_sources

    wanted = [s for s in sources if s != "djangopackages"]
    if not wanted:
        return None
    ids = None
    if not all_packages:
        rows = [ctx.store.get_package(slug) for slug in slugs]
        ids = [row["id"] for row in rows if row is not None]
    return refresh_sources(ctx, ids, wanted, progress=progress)
