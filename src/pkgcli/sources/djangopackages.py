"""Django Packages API v4: the client and the pure functions that decode its records.

`parse_*` turn a v4 JSON record into a store row (UTC timestamps, link URLs resolved to
their trailing ids, list fields as exact JSON). A record without a usable id or slug raises
`BadRecord` (the caller skips it); a value of the wrong type or out of range becomes
"unknown" (0, "", None or []) and its key is appended to `problems`, so nothing upstream
sends can crash a fetch or overwrite another record. `DjangoPackagesClient` fetches details
by slug or id, and whole lists as a `Listing`: page by page, up to four in flight, and
afterwards whether the pass saw the whole list consistently.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any, TypeVar

from pkgcli.errors import UpstreamError
from pkgcli.http import HttpClient
from pkgcli.models import is_upstream_id, is_valid_slug
from pkgcli.sources.boundary import BadRecord as BadRecord  # re-exported: it lived here
from pkgcli.sources.boundary import Fields, shown
from pkgcli.sources.boundary import parse_count as parse_count

PAGE_SIZE = 100
IN_FLIGHT = 4
SLACK_PAGES = 2  # pages past `count` worth following when the list grows during a pass
# A first pass reads at most 250,000 records (the catalogue has ~6,000); later passes at
# most 10% or 1,000 (whichever is more) more than the mirror holds: a lying `count` stops there.
MAX_PAGES = 2_500
GROWTH = 1.1
GROWTH_SLACK = 1_000
# Keys only a package record has: one of them in a grid or category list is misplaced.
_PACKAGE_ONLY = frozenset({"repo_url", "pypi_url", "participants", "commits_over_52"})
Record = dict[str, Any]
K = TypeVar("K")
R = TypeVar("R")


def in_flight(
    fn: Callable[[K], R], keys: Iterable[K], limit: int = IN_FLIGHT
) -> Iterator[tuple[K, R]]:
    """Call `fn` on each key, at most `limit` at a time; yield (key, result) as each ends.

    Keys are drawn lazily, one more each time a call ends, so `keys` may be a generator
    that decides from the answers so far whether there are more. The first exception (or
    closing the iterator) cancels the queued calls; in-flight ones end with their client.
    """
    pending_keys = iter(keys)
    pool = ThreadPoolExecutor(max_workers=limit, thread_name_prefix="pkgcli-fetch")
    pending: dict[Future[R], K] = {}

    def submit_next() -> None:
        for key in pending_keys:
            pending[pool.submit(fn, key)] = key
            return

    try:
        for _ in range(limit):
            submit_next()
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                key = pending.pop(future)
                result = future.result()
                submit_next()
                yield key, result
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


# -- decoding records ------------------------------------------------------------------

_Fields = Fields  # the shared boundary (sources/boundary.py) grew out of this module's


class Unusable:
    """A detail answer that is no record of what was asked (a `null` body, or the record
    of another package): parsing it raises BadRecord with `reason`, so the caller skips
    it with a note like any malformed record, and the others proceed."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _identity(record: Any, kind: str) -> tuple[int, str]:
    """The record's id and slug, or BadRecord saying what is wrong with them.

    The slug must match the rule the CLI applies to typed slugs (`is_valid_slug`): it is
    offered by completion, in "did you mean" and in suggested commands, so a record whose
    slug does not (say `zz;touch${IFS}pwned`) is skipped, and counted, never stored.
    """
    if isinstance(record, Unusable):
        raise BadRecord(record.reason)
    if not isinstance(record, dict):
        raise BadRecord(f"a {kind} record that is not a JSON object ({shown(record)})")
    record_id = record.get("id")
    if kind != "package" and _PACKAGE_ONLY.intersection(record):
        raise BadRecord(f"a package record (id {shown(record_id)}) where a {kind} belongs")
    if not is_upstream_id(record_id):
        raise BadRecord(
            f"a {kind} record whose id is not a number from 1 to 2**63-1 ({shown(record_id)})"
        )
    slug = record.get("slug")
    if not isinstance(slug, str) or not is_valid_slug(slug):
        raise BadRecord(f"{kind} {record_id} without a usable slug ({shown(slug)})")
    return record_id, slug


def parse_package(record: Any, fetched_at: str, problems: list[str] | None = None) -> Record:
    """A v4 package record → a `packages` row (BadRecord without a usable id or slug)."""
    record_id, slug = _identity(record, "package")
    f = _Fields(record, problems)
    return {
        "id": record_id,
        "slug": slug,
        "title": f.text("title"),
        "category_id": f.link("category"),
        "grid_ids": f.links("grids"),
        "repo_url": f.text("repo_url"),
        "repo_description": f.text("repo_description"),
        "repo_watchers": f.count("repo_watchers") or 0,
        "repo_forks": f.count("repo_forks") or 0,
        "pypi_url": f.text("pypi_url"),
        "pypi_version": f.optional_text("pypi_version"),
        # "" and null both mean "none"; keep which one upstream sent so --json is exact.
        "documentation_url": f.optional_text("documentation_url"),
        "commits_over_52": json.dumps(f.counts("commits_over_52") or []),
        "participants": json.dumps(f.strings("participants")),
        "last_updated": f.timestamp("last_updated"),
        "last_fetched": f.timestamp("last_fetched"),
        "created": f.timestamp("created"),
        "modified": f.timestamp("modified"),
        "fetched_at": fetched_at,
    }


def parse_grid(record: Any, fetched_at: str, problems: list[str] | None = None) -> Record:
    """A v4 grid record → a `grids` row (its package links as an ordered id list)."""
    record_id, slug = _identity(record, "grid")
    f = _Fields(record, problems)
    return {
        "id": record_id,
        "slug": slug,
        "title": f.text("title"),
        "description": f.text("description"),
        "is_locked": f.flag("is_locked"),
        "header": f.flag("header"),
        "package_ids": f.links("packages"),
        "created": f.timestamp("created"),
        "modified": f.timestamp("modified"),
        "fetched_at": fetched_at,
    }


def parse_category(record: Any, fetched_at: str, problems: list[str] | None = None) -> Record:
    """A v4 category record → a `categories` row."""
    record_id, slug = _identity(record, "category")
    f = _Fields(record, problems)
    return {
        "id": record_id,
        "slug": slug,
        "title": f.text("title"),
        "description": f.text("description"),
        "title_plural": f.text("title_plural"),
        "show_pypi": f.flag("show_pypi"),
        "created": f.timestamp("created"),
        "modified": f.timestamp("modified"),
        "fetched_at": fetched_at,
    }


# -- list pages --------------------------------------------------------------------------


class Page:
    """One list page: the `count` it claims, its records, and whether it links a `next`."""

    def __init__(self, count: int, results: list[Any], has_next: bool) -> None:
        self.count = count
        self.results = results
        self.has_next = has_next


def parse_page(document: Any) -> Page:
    """A list envelope → a Page; anything else is an upstream error."""
    count = document.get("count") if isinstance(document, dict) else None
    if (
        not isinstance(document, dict)
        or not isinstance(document.get("results"), list)
        or type(count) is not int
        or count < 0
    ):
        raise UpstreamError("Django Packages sent a list page without count/results")
    # A count beyond 2**63 is only compared and bounded (`Listing.plausible`), never stored.
    following = document.get("next")
    return Page(count, document["results"], isinstance(following, str) and following != "")


class Listing:
    """One pass over a list (`packages`, `grids`, `categories`): iterate it for the pages.

    The first page comes alone (it says how many records there are), then up to four are
    in flight; pages are yielded as they arrive, so the caller can commit each at once.
    No offset is asked for past a page that came back empty or without a `next` link, nor
    more than `count`/100 + 2 pages (and never more than MAX_PAGES): a short or lying list
    ends the pass. Once iterated to the end, `complete` says whether the pass saw the
    whole list consistently — every page full but the last, the last without `next`, the
    same `count` on every page, as many records as `count` and none twice — and `problem`
    says what was wrong if not. `ids` holds every valid id listed; a record listed again
    on a later page is yielded once (so it is neither stored nor counted twice).

    A pass reads no more than is plausible: `count`, but at most 10% or 1,000 more
    records than `known` (what the mirror holds) and at most MAX_PAGES on a first pass.
    A list that still goes on there raises UpstreamError once its pages are yielded: the
    records read are kept, nothing is flagged gone, and the run exits non-zero.
    """

    def __init__(
        self,
        client: DjangoPackagesClient,
        kind: str,
        on_count: Callable[[int], None] | None,
        known: int | None = None,
    ) -> None:
        self.client = client
        self.kind = kind
        self.on_count = on_count
        self.known = known
        self.ids: set[int] = set()
        self.complete = False
        self.problem: str | None = "the pass did not finish"
        self._pages: dict[int, tuple[int, int, bool]] = {}  # offset → (count, size, has_next)
        self._listed_twice = 0
        self._stop_at: int | None = None  # no offsets past this one
        self._lock = threading.Lock()

    def __iter__(self) -> Iterator[list[Any]]:
        first = self._fetch(0)
        plausible = self.plausible(first.count)
        most = plausible // PAGE_SIZE + 1 + SLACK_PAGES
        if self.on_count:
            self.on_count(min(first.count, most * PAGE_SIZE))
        yield first.results
        for _, page in in_flight(self._fetch, self._offsets(most)):
            yield page.results
        self.problem = self._problem()
        self.complete = self.problem is None
        if self._stop_at is None and len(self._pages) >= most:
            self.problem = self._cut_short(first.count, most)
            raise UpstreamError(self.problem)

    def plausible(self, count: int) -> int:
        """How many records this pass may read: `count`, bounded by the mirror's size."""
        if self.known:
            bound = max(int(self.known * GROWTH), self.known + GROWTH_SLACK)
        else:
            bound = (MAX_PAGES - 1 - SLACK_PAGES) * PAGE_SIZE
        return max(0, min(count, bound))

    def _cut_short(self, count: int, most: int) -> str:
        held = f"the mirror holds {self.known:,}" if self.known else "this is a first pass"
        return (
            f"Django Packages kept listing {self.kind} past what is plausible (it counts "
            f"{count:,}; {held}): stopped after {most:,} pages; the {self.kind} read are "
            "kept and none is flagged gone"
        )

    def _fetch(self, offset: int) -> Page:
        """One page, noted (in the worker thread, so the next offset drawn knows of it);
        records this pass already saw are left out of what it yields."""
        page = self.client.fetch_page(self.kind, offset)
        with self._lock:
            self._pages[offset] = (page.count, len(page.results), page.has_next)
            if not page.results or not page.has_next:
                self._stop_at = offset if self._stop_at is None else min(self._stop_at, offset)
            kept = []
            for record in page.results:
                record_id = record.get("id") if isinstance(record, dict) else None
                if is_upstream_id(record_id) and record_id in self.ids:
                    self._listed_twice += 1
                    continue
                if is_upstream_id(record_id):
                    self.ids.add(record_id)
                kept.append(record)
        return Page(page.count, kept, page.has_next)

    def _offsets(self, most: int) -> Iterator[int]:
        for number in range(1, most):
            offset = number * PAGE_SIZE
            with self._lock:
                count = max(c for c, _, _ in self._pages.values())
                if offset >= count or (self._stop_at is not None and offset > self._stop_at):
                    return
            yield offset

    def _problem(self) -> str | None:
        """Why this pass cannot vouch for the whole list, or None if it can."""
        pages = sorted(self._pages.items())
        count = pages[0][1][0]
        other = next((c for _, (c, _, _) in pages if c != count), None)
        if other is not None:
            return f"its count changed during the pass (first {count:,}, then {other:,})"
        received = sum(size for _, (_, size, _) in pages)
        if received != count:
            return f"it listed {received:,} of the {count:,} records it counts"
        if self._listed_twice:
            twice = self._listed_twice
            return f"it listed {twice:,} record{'s' if twice != 1 else ''} twice (the list shifted)"
        last = pages[-1][0]
        for offset, (_, size, has_next) in pages:
            if offset != last and (size != PAGE_SIZE or not has_next):
                return f"the page at offset {offset:,} was short"
            if offset == last and has_next:
                return "its last page linked a next one"
        return None


class DjangoPackagesClient:
    """Reads the v4 API. Detail lookups return None when upstream says 404."""

    def __init__(self, http: HttpClient, api_url: str) -> None:
        self.http = http
        self.api_url = api_url.rstrip("/")

    def fetch_package(self, slug_or_id: str | int) -> Any:
        """The record (None for 404), or `Unusable` when the answer is not that package."""
        return self._fetch_detail("packages", "package", slug_or_id)

    def fetch_grid(self, slug_or_id: str | int) -> Any:
        return self._fetch_detail("grids", "grid", slug_or_id)

    def fetch_category(self, category_id: int) -> Any:
        return self._fetch_detail("categories", "category", category_id)

    def _fetch_detail(self, kind: str, noun: str, slug_or_id: str | int) -> Any:
        key = detail_key(slug_or_id)
        document = self.http.get_json(f"{self.api_url}/{kind}/{key}/", not_found=_NOT_FOUND)
        if document is _NOT_FOUND:
            return None
        return check_detail(document, noun, slug_or_id)

    def fetch_page(self, kind: str, offset: int, limit: int = PAGE_SIZE) -> Page:
        document = self.http.get_json(
            f"{self.api_url}/{kind}/", params={"limit": int(limit), "offset": int(offset)}
        )
        if document is None:
            raise UpstreamError(f"Django Packages has no /{kind}/ list (404)")
        return parse_page(document)

    def iter_pages(
        self, kind: str, on_count: Callable[[int], None] | None = None, known: int | None = None
    ) -> Listing:
        """A pass over every page of a list (see `Listing`); `known`: records mirrored."""
        return Listing(self, kind, on_count, known)


_NOT_FOUND = object()  # what `get_json` answers for a 404 here (None is a `null` body)


def detail_key(slug_or_id: str | int) -> str:
    """The path segment of a detail URL: an id, or a slug matching the slug rule."""
    if is_upstream_id(slug_or_id):
        return str(slug_or_id)
    if isinstance(slug_or_id, str) and is_valid_slug(slug_or_id):
        return slug_or_id
    raise UpstreamError(f"not a slug or id pkgcli asks Django Packages for ({shown(slug_or_id)})")


def check_detail(document: Any, noun: str, asked: str | int) -> Any:
    """The record if it is the one asked for, else `Unusable` saying what came instead.

    Asked by id, the id must match; asked by slug, the slug (in any case) or, for an
    all-digit key, the id. A `null` body is not a 404: it is an answer that says nothing.
    """
    if document is None:
        return Unusable(f"a null answer for {noun} {shown(asked)} (no record)")
    if not isinstance(document, dict):
        return document  # parse says what it is (not a JSON object)
    record_id, slug = document.get("id"), document.get("slug")
    if isinstance(asked, int):
        matches = record_id == asked
    else:
        by_slug = isinstance(slug, str) and slug.lower() == asked.lower()
        digits = asked.isascii() and asked.isdigit() and len(asked) <= 19
        matches = by_slug or (digits and record_id == int(asked))
    if matches:
        return document
    return Unusable(
        f"the {noun} record {shown(slug)} (id {shown(record_id)}) when asked for {shown(asked)}"
    )
