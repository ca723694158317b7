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
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from pkgcli.context import AppContext
from pkgcli.errors import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_STOPPED,
    NotFound,
    PkgcliError,
    UpstreamError,
    UsageError,
)
from pkgcli.models import FetchReport, utc_now
from pkgcli.refresh import refresh_sources
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
    listing = dp.iter_pages(
        "packages", on_count=partial(progress, "packages", 0), known=store.count("packages")
    )
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


@dataclass
class FetchSummary:
    """One `fetch` run as the command reports it: what each stage did and how it ended."""

    run_id: int
    status: str = "complete"  # complete | failed | stopped | interrupted
    packages: int = 0
    seconds: float = 0.0
    catalogue: FetchReport | None = None
    sources: Any = None  # refresh.SourcesReport

    def settle(self, started: float, store: Store | None = None) -> None:
        """The run's status from its outcomes: pending means stopped, failures failed.
        With the store, each source's outcomes are the journal's: the truth, whatever
        was resumed or waited for in between."""
        self.seconds = time.monotonic() - started
        if store is not None and self.sources is not None and self.status != "interrupted":
            counts = store.fetch_outcome_counts(self.run_id)
            for name, tally in self.sources.tallies.items():
                if name in counts and not tally.skipped:
                    tally.outcomes = {o: counts[name].get(o, 0) for o in tally.outcomes}
        if self.status == "interrupted" or self.sources is None:
            return
        if self.sources.count("pending"):
            self.status = "stopped"
        elif self.sources.count("failed"):
            self.status = "failed"


@dataclass
class Selection:
    """What a fetch was asked to do: named slugs, --all, or a journal query."""

    slugs: list[str] = field(default_factory=list)
    all_packages: bool = False
    resume: bool = False
    failed: bool = False
    max_requests: int | None = None
    time_budget: float | None = None  # seconds
    wait: bool = False  # sleep through quota resets instead of stopping
    grid: str | None = None
    category: str | None = None
    stale: float | None = None  # seconds: only data older than this (or never fetched)


MAX_WAIT = 2 * 3600.0  # --wait never sleeps longer than this in one go
DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str, option: str) -> float:
    """`90s`, `15m`, `2h`, `7d` (a bare number: seconds) → seconds; a usage error else."""
    value = text.strip().lower()
    unit = value[-1:] if value[-1:] in DURATION_UNITS else "s"
    number = value[:-1] if value[-1:] in DURATION_UNITS else value
    if not number.isdigit() or len(number) > 9:
        raise UsageError(f"{option} takes a duration such as 90s, 15m, 2h or 7d, not {text!r}")
    return float(int(number) * DURATION_UNITS[unit])


def budget_for(selection: Selection) -> Any:
    from pkgcli.sources.base import Budget

    if selection.max_requests is None and selection.time_budget is None:
        return None
    return Budget(selection.max_requests, selection.time_budget)


def read_slugs(text: str) -> list[str]:
    """Slugs from stdin (`fetch -`): one per line; blank lines and `#` comments ignored."""
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line]


def run_fetch(
    ctx: AppContext,
    selection: Selection,
    *,
    sources: str | None = None,
) -> tuple[FetchSummary, int]:
    """The `fetch` run: validate, journal, fetch with progress on stderr. (summary, exit)."""
    from pkgcli.registry import parse_sources

    chosen = parse_sources(sources)
    _check_selection(selection)
    if selection.resume or selection.failed:
        return _rerun(ctx, selection)
    return _run_selection(ctx, selection, chosen)


def _run_selection(
    ctx: AppContext, selection: Selection, chosen: tuple[str, ...], run_id: int | None = None
) -> tuple[FetchSummary, int]:
    """A selection of packages as a new run (or as `run_id`, resumed from the start)."""
    store = ctx.store
    slugs, all_packages, only, chosen = resolve_selection(store, selection, chosen)
    if run_id is not None:
        store.set_fetch_run(run_id, status="running")
    else:
        run_id = _start_run(store, selection, slugs, chosen)
    return _run(ctx, selection, run_id, slugs, all_packages, only, chosen)


def _start_run(
    store: Store, selection: Selection, slugs: list[str], chosen: tuple[str, ...]
) -> int:
    return store.start_fetch_run(
        {
            "slugs": slugs,
            "all": selection.all_packages,
            "grid": selection.grid,
            "category": selection.category,
            "stale_s": selection.stale,
        },
        {"sources": list(chosen)},
        [],
    )


def _run(
    ctx: AppContext,
    selection: Selection,
    run_id: int,
    slugs: list[str],
    all_packages: bool,
    only: dict[str, set[int]] | None,
    chosen: tuple[str, ...],
) -> tuple[FetchSummary, int]:
    store = ctx.store
    summary = FetchSummary(run_id)
    started = time.monotonic()
    budget = budget_for(selection)
    code = 0
    try:
        with store.exclusive("fetch --all") if all_packages else nullcontext():
            code = _fetch(ctx, summary, slugs, all_packages, chosen, budget, only)
            if selection.wait:
                _wait_and_resume(ctx, summary, budget)
        from pkgcli.history import after_refresh

        after_refresh(ctx, slugs, all_packages)  # health: end-of-life table, snapshots
    except KeyboardInterrupt:  # everything committed stays; the journal says what is left
        summary.status = "interrupted"
        code = EXIT_INTERRUPTED
    except PkgcliError:
        summary.status = "failed"
        raise
    finally:
        summary.settle(started, store if selection.wait else None)
        _finish_run(store, summary)
    return summary, code or exit_code(summary)


def resolve_selection(
    store: Store, selection: Selection, chosen: tuple[str, ...]
) -> tuple[list[str], bool, dict[str, set[int]] | None, tuple[str, ...]]:
    """(slugs, whole catalogue?, per-source package ids for --stale, sources) to fetch."""
    slugs = list(dict.fromkeys(selection.slugs)) or _group_slugs(store, selection)
    only = _stale_only(store, selection, slugs, chosen) if selection.stale is not None else None
    all_packages = selection.all_packages and only is None
    if only is not None:  # each source for its own stale packages; DP records by slug
        slugs = _slugs_of(store, set().union(*only.values()))
        chosen = tuple(s for s in chosen if only.get(s))
    return slugs, all_packages, only, chosen


def _group_slugs(store: Store, selection: Selection) -> list[str]:
    """The packages of `--grid` or `--category` (empty for other selections)."""
    kind, slug = (
        ("grids", selection.grid)
        if selection.grid is not None
        else ("categories", selection.category)
    )
    if slug is None:
        return []
    ids = store.selection_ids(kind, slug)
    if ids is None:
        what = "grid" if kind == "grids" else "category"
        raise NotFound(f"no {what} {slug!r} in the mirror; fetch it first (pkgcli fetch --all)")
    return _slugs_of(store, set(ids))


def _slugs_of(store: Store, ids: set[int]) -> list[str]:
    rows = [store.package_by_id(i) for i in sorted(ids)]
    return [r["slug"] for r in rows if r is not None]


def _stale_only(
    store: Store, selection: Selection, slugs: list[str], chosen: tuple[str, ...]
) -> dict[str, set[int]]:
    """`--stale AGE`: per chosen source, the selected packages whose data from that source
    is older than AGE or missing (by the source's own fetched-at)."""
    from datetime import UTC, datetime, timedelta

    assert selection.stale is not None
    cutoff = (datetime.now(UTC) - timedelta(seconds=selection.stale)).isoformat()
    base = None if not slugs else set(_known_ids(store, slugs))
    only = {}
    for name in chosen:
        stale = store.stale_ids(name, cutoff)
        only[name] = stale if base is None else stale & base
    if "djangopackages" in only:  # local packages have no Django Packages record
        only["djangopackages"] = {i for i in only["djangopackages"] if i > 0}
    return only


def check_plan(selection: Any) -> None:
    """`--plan` takes a selection of packages, not the journal's."""
    _check_selection(selection)
    if selection.resume or selection.failed:
        raise UsageError("--plan plans a selection: not with --resume or --failed")


def _check_selection(selection: Selection) -> None:
    from pkgcli.errors import UsageError
    from pkgcli.service import check_slug

    modes = [
        bool(selection.slugs),
        selection.all_packages,
        selection.resume,
        selection.failed,
        selection.grid is not None,
        selection.category is not None,
    ]
    if sum(modes) > 1:
        raise UsageError(
            "give package slugs, --all, --grid, --category, --resume or --failed: one of them"
        )
    if not any(modes) and selection.stale is None:
        raise UsageError("name at least one package slug, or use --all (or --stale AGE)")
    if selection.stale is not None and (selection.resume or selection.failed):
        raise UsageError("--stale selects packages; --resume and --failed take the journal's")
    for slug in selection.slugs:
        check_slug(slug)


def exit_code(summary: FetchSummary) -> int:
    """4 an upstream unreachable (or refusing) for the whole run, 7 stopped early
    (resumable), 6 some packages failed, 0 everything done. Stopped beats failed:
    resuming retries the failures too."""
    from pkgcli.errors import EXIT_UPSTREAM

    report = summary.sources
    if report is not None and any(
        t.stop is not None and t.stop.resume_at is None and not t.stop.budget and not _answered(t)
        for t in report.tallies.values()
    ):
        return EXIT_UPSTREAM  # unreachable or refusing us (a rejected token) all run long
    if summary.status == "stopped":
        return EXIT_STOPPED
    return EXIT_FAILED if summary.status == "failed" else 0


def _answered(tally: Any) -> int:
    return sum(tally.outcomes.get(o, 0) for o in ("ok", "not_modified", "moved", "not_found"))


def _finish_run(store: Store, summary: FetchSummary) -> None:
    import json

    from pkgcli.present.fetch import summary_json

    store.abandon_open_write()
    store.set_fetch_run(
        summary.run_id,
        status=summary.status,
        finished_at=utc_now(),
        summary=json.dumps(summary_json(summary)),
    )


def _fetch(
    ctx: AppContext,
    summary: FetchSummary,
    slugs: list[str],
    all_packages: bool,
    chosen: tuple[str, ...],
    budget: Any = None,
    only: dict[str, set[int]] | None = None,
) -> int:
    """Django Packages (all, or the named packages), then the other sources."""
    from pkgcli.errors import EXIT_NOT_FOUND, EXIT_UPSTREAM
    from pkgcli.present.fetch import progress_display

    store = ctx.store
    from_dp = "djangopackages" in chosen
    dp_slugs = slugs if from_dp else [s for s in slugs if store.get_package(s) is None]
    if only is not None:
        dp_slugs = _slugs_of(store, only.get("djangopackages", set()))
    report = FetchReport()
    if from_dp or dp_slugs:
        summary.catalogue = report
    with progress_display() as progress:
        if all_packages and from_dp:
            fetch_all(store, ctx.dp_client(), report, progress)
        elif dp_slugs:
            if not from_dp:
                ctx.note(
                    f"not mirrored yet, so fetched from Django Packages first: "
                    f"{', '.join(dp_slugs)}"
                )
            fetch_packages(store, ctx.dp_client(), dp_slugs, report, progress)
        for note in report.notes:
            ctx.note(note)
        ids = None if all_packages else _known_ids(store, slugs)
        summary.packages = report.packages if all_packages else len(ids or [])
        wanted = [s for s in chosen if s != "djangopackages"]
        if wanted:
            summary.sources = refresh_sources(
                ctx,
                ids,
                wanted,
                progress=progress,
                run_id=summary.run_id,
                budget=budget,
                only=only,
                catalogue=all_packages,
            )
    if report.failed:
        ctx.note(f"not on Django Packages: {', '.join(report.failed)}")
        return EXIT_NOT_FOUND
    if report.unstorable:
        ctx.note(f"not stored (malformed on Django Packages): {', '.join(report.unstorable)}")
        return EXIT_UPSTREAM
    return 0


def _known_ids(store: Store, slugs: list[str]) -> list[int]:
    rows = [store.get_package(slug) for slug in slugs]
    return [row["id"] for row in rows if row is not None]


OUTCOMES = ("ok", "not_modified", "moved", "not_found", "failed", "pending")


def _stored_selection(run: Row, given: Selection) -> Selection:
    """The selection a journaled run was started with (the budgets are today's)."""
    import json

    saved = json.loads(run["selection"] or "{}")
    return Selection(
        slugs=list(saved.get("slugs") or []),
        all_packages=bool(saved.get("all")) and not saved.get("slugs"),
        max_requests=given.max_requests,
        time_budget=given.time_budget,
        wait=given.wait,
    )


def _stored_sources(run: Row) -> tuple[str, ...]:
    import json

    from pkgcli.registry import names

    saved = json.loads(run["options"] or "{}").get("sources") or []
    return tuple(n for n in names() if n in saved)


def _rerun(ctx: AppContext, selection: Selection) -> tuple[FetchSummary, int]:
    """`--resume` (the last unfinished run's pending and failed packages, same run) or
    `--failed` (the last run's failures, as a new run)."""
    from pkgcli.present.fetch import progress_display

    store = ctx.store
    runs = store.fetch_runs(limit=100)
    if not runs:
        raise UsageError("no fetch has run yet: nothing to resume or retry")
    last = runs[0]
    if selection.resume:  # the newest run that did not finish, even behind finished ones
        unfinished = [r for r in runs if r["status"] in ("running", "stopped", "interrupted")]
        if not unfinished:
            raise UsageError(f"the last fetch (run {last['id']}) finished: nothing to resume")
        last = unfinished[0]
    if selection.resume and not store.fetch_outcomes(last["id"], OUTCOMES):
        # Killed before its sources were journaled (e.g. in the catalogue pass): the
        # whole selection again, under the same run.
        return _run_selection(
            ctx, _stored_selection(last, selection), _stored_sources(last), last["id"]
        )
    wanted = ("pending", "failed") if selection.resume else ("failed",)
    rows = store.fetch_outcomes(last["id"], wanted)
    if selection.resume:
        run_id = last["id"]
        store.set_fetch_run(run_id, status="running")
    else:
        if not rows:
            raise UsageError(f"the last fetch (run {last['id']}) had no failures to retry")
        run_id = store.start_fetch_run(
            {"failed_of_run": last["id"]}, {"sources": sorted({r["source"] for r in rows})}, []
        )
    summary = FetchSummary(run_id)
    started = time.monotonic()
    by_source: dict[str, list[int]] = {}
    for row in rows:
        by_source.setdefault(row["source"], []).append(row["package_id"])
    summary.packages = len({r["package_id"] for r in rows})
    budget = budget_for(selection)
    try:
        with progress_display() as progress:
            summary.sources = _refresh_each(ctx, by_source, progress, run_id, budget)
        if selection.wait:
            _wait_and_resume(ctx, summary, budget)
        from pkgcli.history import after_refresh

        after_refresh(ctx, [], False, ids=sorted({r["package_id"] for r in rows}))
    except KeyboardInterrupt:
        summary.status = "interrupted"
    finally:
        summary.settle(started)
        _finish_run(store, summary)
    return summary, EXIT_INTERRUPTED if summary.status == "interrupted" else exit_code(summary)


def _refresh_each(
    ctx: AppContext,
    by_source: dict[str, list[int]],
    progress: Progress,
    run_id: int,
    budget: Any = None,
) -> Any:
    """Each source for its own packages; one report."""
    from pkgcli.refresh import SourcesReport

    report = SourcesReport()
    for source, ids in by_source.items():
        part = refresh_sources(
            ctx, ids, [source], progress=progress, run_id=run_id, catalogue=False, budget=budget
        )
        report.tallies.update(part.tallies)
    return report


def _wait_and_resume(ctx: AppContext, summary: FetchSummary, budget: Any) -> None:
    """`--wait`: while a source stopped at a quota that resets, sleep until the reset
    (a countdown line on stderr) and carry on with the run's pending packages. A budget
    stop, or a stop with no reset time, ends the waiting."""
    from datetime import UTC, datetime

    from pkgcli.present.fetch import progress_display

    while summary.sources is not None:
        stops = [t.stop for t in summary.sources.tallies.values() if t.stop is not None]
        if not stops or any(s.budget or s.resume_at is None for s in stops):
            return
        rows = ctx.store.fetch_outcomes(summary.run_id, ("pending",))
        if not rows:
            return
        until = max(s.resume_at for s in stops if s.resume_at is not None)
        seconds = min(MAX_WAIT, max(1.0, (until - datetime.now(UTC)).total_seconds() + 1))
        ctx.note(
            f"waiting {seconds:,.0f} s for the quota to reset at "
            f"{until.strftime('%H:%M:%S')} UTC ({len(rows):,} package(s) pending)"
        )
        ctx.sleep(seconds)
        for client in ctx.clients().values():  # a new window: the stops are over
            if getattr(client, "stopped", None) is not None:
                client.stopped = None
        by_source: dict[str, list[int]] = {}
        for row in rows:
            by_source.setdefault(row["source"], []).append(row["package_id"])
        with progress_display() as progress:
            part = _refresh_each(ctx, by_source, progress, summary.run_id, budget)
        _merge_reports(summary.sources, part)


def _merge_reports(report: Any, part: Any) -> None:
    """A resumed part into the run's report: its stops and traffic replace the old ones;
    outcomes are re-read from the journal when the run settles."""
    for name, tally in part.tallies.items():
        mine = report.tallies.setdefault(name, tally)
        if mine is not tally:
            mine.stop, mine.quota = tally.stop, tally.quota
            mine.requests, mine.not_modified = tally.requests, tally.not_modified
            mine.errors += tally.errors
            mine.still_computing = tally.still_computing
