"""Where network results meet the store: fetching records and committing them as they come.

`fetch_packages` refreshes named packages with their category and grids; `fetch_all`
mirrors the whole catalogue page by page, committing each page in its own transaction so
an interrupted run keeps everything it fetched. Then the upstream packages it did not list
and nobody stored since it began are checked one by one and flagged as gone (never
deleted); see `_flag_gone`. Records Django Packages sends that cannot be stored are
skipped with a note, never fatal. `run_fetch` takes the one-`fetch --all`-at-a-time lock,
then hands the same packages to `refresh` for GitHub, PyPI and the other forges
(`--source`).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from pkgcli.context import AppContext
from pkgcli.errors import NotFound, UpstreamError
from pkgcli.models import FetchReport, utc_now
from pkgcli.sources.djangopackages import (
    BadRecord,
    DjangoPackagesClient,
    Listing,
    in_flight,
    parse_category,
    parse_grid,
    parse_package,
)
from pkgcli.store import Row, Store, json_list

# progress(phase, advance, total): total is None until known.
Progress = Callable[[str, int, int | None], None]
Parse = Callable[[Any, str, list[str]], Row]
MAX_GONE_CHECKS = 100  # detail requests one `fetch --all` may spend checking unlisted packages


def _no_progress(phase: str, advance: int, total: int | None) -> None:
    return None


def _fetch_many(fn: Callable[[Any], Any], keys: Iterable[Any]) -> list[tuple[Any, Any]]:
    """Run `fn` over keys with up to four in flight; results in key order."""
    keys = list(keys)
    answers = dict(in_flight(lambda i: fn(keys[i]), range(len(keys))))
    return [(key, answers[i]) for i, key in enumerate(keys)]


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
    grid_ids = sorted({g for r in rows for g in json_list(r["grid_ids"], int)})
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
    """Mirror every category, grid and package, then flag the packages gone upstream.

    The caller holds the `fetch --all` lock (`run_fetch` does): one pass per mirror at a
    time. Records that cannot be stored are skipped and counted, never fatal.
    """
    started = time.monotonic()
    run_id = uuid.uuid4().hex
    started_at = utc_now()
    store.record_run({"id": run_id, "kind": "all", "started_at": started_at, "complete": 0})
    for kind, parse, save in (
        ("categories", parse_category, store.save_categories),
        ("grids", parse_grid, store.save_grids),
    ):
        for page in dp.iter_pages(kind, on_count=partial(progress, kind, 0)):
            saved = save(_parse_rows(parse, page, report))
            setattr(report, kind, getattr(report, kind) + saved)
            progress(kind, saved, None)
    listing = dp.iter_pages("packages", on_count=partial(progress, "packages", 0))
    for page in listing:
        saved, new = store.save_packages(_parse_rows(parse_package, page, report))
        report.packages += saved
        report.new += new
        progress("packages", saved, None)
    report.gone = _flag_gone(store, dp, listing, started_at, report)
    report.requests = dp.http.requests
    report.seconds = time.monotonic() - started
    _data_notes(report)
    store.record_run(
        {
            "id": run_id,
            "kind": "all",
            "finished_at": utc_now(),
            "complete": int(listing.complete),  # the package list was whole and consistent
            "packages": report.packages,
            "requests": report.requests,
        }
    )
    return report


def _flag_gone(
    store: Store, dp: DjangoPackagesClient, listing: Listing, started_at: str, report: FetchReport
) -> int:
    """Flag the upstream packages this pass did not list and nobody stored since it began.

    Up to MAX_GONE_CHECKS of them are checked one by one (404: gone; a record: stored),
    even after a complete pass: one package added and one removed mid-pass keep every
    count right while shifting another across a page boundary. More than that are
    flagged at once only after a complete pass; otherwise none is, with a note.
    """
    candidates = [i for i in store.gone_candidates(started_at) if i not in listing.ids]
    if len(candidates) <= MAX_GONE_CHECKS:
        gone, found = [], []
        for package_id, record in _fetch_many(dp.fetch_package, candidates):
            if record is None:
                gone.append(package_id)
            else:
                found.append(record)
        for row in _parse_rows(parse_package, found, report):
            report.packages += store.save_packages([row])[0]
        return store.mark_gone(gone, started_at, utc_now()) if gone else 0
    if listing.complete and len(candidates) > len(listing.ids):
        # Upstream lists fewer packages than it would have lost: an emptied or broken
        # catalogue (a bad deploy, a CDN error page that parses) is likelier than a purge.
        report.notes.append(
            f"Django Packages listed {len(listing.ids):,} packages but {len(candidates):,} "
            "mirrored ones are missing from it: that looks like an upstream fault, so none "
            "is flagged as gone; run `pkgcli fetch --all` again later"
        )
        return 0
    if listing.complete:
        return store.mark_gone(candidates, started_at, utc_now())
    report.notes.append(
        f"the package list from Django Packages was incomplete ({listing.problem}), and "
        f"{len(candidates):,} mirrored packages were not in it: more than the "
        f"{MAX_GONE_CHECKS} worth checking one by one, so none is flagged as gone; "
        "run `pkgcli fetch --all` again later"
    )
    return 0


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


def run_fetch(
    ctx: AppContext, slugs: list[str], *, all_packages: bool, sources: str | None = None
) -> int:
    """The `fetch` command: validate, fetch with progress on stderr, summarise. Exit code."""
    from contextlib import nullcontext

    from pkgcli.errors import EXIT_NOT_FOUND, EXIT_UPSTREAM, UsageError
    from pkgcli.registry import parse_sources
    from pkgcli.render import fetch_summary
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
        with store.exclusive("fetch --all") if all_packages else nullcontext():
            outcome = _fetch(ctx, slugs, dp_slugs, all_packages, chosen, report)
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


def _fetch(
    ctx: AppContext,
    slugs: list[str],
    dp_slugs: list[str],
    all_packages: bool,
    chosen: tuple[str, ...],
    report: FetchReport,
) -> Any:
    """Django Packages (all, or the named packages), then the other sources."""
    from pkgcli.render import progress_reporter

    with progress_reporter() as progress:
        if all_packages and "djangopackages" in chosen:
            fetch_all(ctx.store, ctx.dp_client(), report, progress)
        elif dp_slugs:
            if "djangopackages" not in chosen:
                ctx.note(
                    f"not mirrored yet, so fetched from Django Packages first: "
                    f"{', '.join(dp_slugs)}"
                )
            fetch_packages(ctx.store, ctx.dp_client(), dp_slugs, report, progress)
        return _refresh_sources(ctx, slugs, all_packages, chosen, progress)


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
