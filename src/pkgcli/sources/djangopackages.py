"""Django Packages API v4: the client and the pure functions that decode its records.

`parse_*` turn a v4 JSON record into a store row (UTC timestamps, link URLs resolved to
their trailing ids, list fields as exact JSON). A record without a usable id or slug raises
`BadRecord` (the caller skips it); a value of the wrong type or out of range becomes
"unknown" (0, "", None or []) and its key is appended to `problems`, so nothing upstream
sends can crash a fetch or overwrite another record. `DjangoPackagesClient` fetches details
by slug or id and whole lists page by page, several pages in flight once `count` is known.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any, TypeGuard

from pkgcli.errors import UpstreamError
from pkgcli.http import HttpClient
from pkgcli.models import MAX_ID, MAX_SLUG, is_upstream_id, link_id, parse_timestamp

PAGE_SIZE = 100
IN_FLIGHT = 4
Record = dict[str, Any]

_DIGITS = re.compile(r"[0-9]{1,19}")


class BadRecord(UpstreamError):
    """A record that cannot be stored: not an object, or no usable id or slug."""


# -- decoding records ------------------------------------------------------------------


def _shown(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _identity(record: Any, kind: str) -> tuple[int, str]:
    """The record's id and slug, or BadRecord saying what is wrong with them."""
    if not isinstance(record, dict):
        raise BadRecord(f"a {kind} record that is not a JSON object ({_shown(record)})")
    record_id = record.get("id")
    if not is_upstream_id(record_id):
        raise BadRecord(
            f"a {kind} record whose id is not a number from 1 to 2**63-1 ({_shown(record_id)})"
        )
    slug = record.get("slug")
    if not _usable_slug(slug):
        raise BadRecord(f"{kind} {record_id} without a usable slug ({_shown(slug)})")
    return record_id, slug


def _usable_slug(slug: Any) -> TypeGuard[str]:
    """Non-empty, at most 100 characters, no spaces or control characters: what the
    store's slug parking and the command line can work with. (Upstream's are SlugField
    slugs, letters, digits, "-" and "_"; anything else printable is kept as sent.)"""
    return (
        isinstance(slug, str)
        and 0 < len(slug) <= MAX_SLUG
        and slug.isprintable()
        and not any(c.isspace() for c in slug)
    )


def parse_count(value: Any) -> int | None:
    """A count (stars, forks, weekly commits): a whole number 0..2**63-1, or None.

    A string of digits counts too ("123" means 123: the v4 contract says int and the
    meaning is plain); bools, floats, negatives and numbers SQLite cannot hold do not.
    """
    if type(value) is int:
        number = value
    elif isinstance(value, str) and _DIGITS.fullmatch(value):
        number = int(value)
    else:
        return None
    return number if 0 <= number <= MAX_ID else None


class _Fields:
    """Reads one record's values, turning unusable ones into "unknown" and noting them."""

    def __init__(self, record: Record, problems: list[str] | None) -> None:
        self.record = record
        self.problems = problems if problems is not None else []

    def _bad(self, key: str) -> None:
        self.problems.append(key)

    def text(self, key: str) -> str:
        value = self.record.get(key)
        if isinstance(value, str):
            return value
        if value is not None:
            self._bad(key)
        return ""

    def optional_text(self, key: str) -> str | None:
        """A string or null, kept as sent ("" and null both mean "none" upstream)."""
        value = self.record.get(key)
        if value is None or isinstance(value, str):
            return value
        self._bad(key)
        return None

    def count(self, key: str) -> int:
        """A count, 0 when missing or unusable (unknown)."""
        value = self.record.get(key)
        number = parse_count(value)
        if number is None and value is not None:
            self._bad(key)
        return number or 0

    def flag(self, key: str) -> int:
        value = self.record.get(key)
        if isinstance(value, bool) or value in (0, 1):
            return int(value)
        if value is not None:
            self._bad(key)
        return 0

    def timestamp(self, key: str) -> str | None:
        value = self.record.get(key)
        parsed = parse_timestamp(value)
        if parsed is None and value not in (None, ""):
            self._bad(key)
        return parsed

    def link(self, key: str) -> int | None:
        value = self.record.get(key)
        found = link_id(value)
        if found is None and value not in (None, ""):
            self._bad(key)
        return found

    def links(self, key: str) -> str:
        """A list of link URLs → their ids as a JSON list (unusable links left out)."""
        value = self.record.get(key)
        if not isinstance(value, list):
            if value is not None:
                self._bad(key)
            return "[]"
        ids = [link_id(url) for url in value]
        if None in ids:
            self._bad(key)
        return json.dumps([i for i in ids if i is not None])

    def counts(self, key: str) -> str:
        """A list of counts as JSON; [] (unknown) if any of them is unusable."""
        value = self.record.get(key)
        numbers = [parse_count(n) for n in value] if isinstance(value, list) else [None]
        if None in numbers:
            if value is not None:
                self._bad(key)
            return "[]"
        return json.dumps(numbers)

    def strings(self, key: str) -> str:
        value = self.record.get(key)
        items = value if isinstance(value, list) else []
        kept = [item for item in items if isinstance(item, str)]
        if len(kept) != len(items) or (value is not None and not isinstance(value, list)):
            self._bad(key)
        return json.dumps(kept)


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
        "repo_watchers": f.count("repo_watchers"),
        "repo_forks": f.count("repo_forks"),
        "pypi_url": f.text("pypi_url"),
        "pypi_version": f.optional_text("pypi_version"),
        # "" and null both mean "none"; keep which one upstream sent so --json is exact.
        "documentation_url": f.optional_text("documentation_url"),
        "commits_over_52": f.counts("commits_over_52"),
        "participants": f.strings("participants"),
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


def parse_page(document: Any) -> tuple[int, list[Any]]:
    """A list envelope → (count, results); anything else is an upstream error."""
    if (
        not isinstance(document, dict)
        or not isinstance(document.get("results"), list)
        or not isinstance(document.get("count"), int)
    ):
        raise UpstreamError("Django Packages sent a list page without count/results")
    return document["count"], document["results"]


class DjangoPackagesClient:
    """Reads the v4 API. Detail lookups return None when upstream says 404."""

    def __init__(self, http: HttpClient, api_url: str) -> None:
        self.http = http
        self.api_url = api_url.rstrip("/")

    def fetch_package(self, slug_or_id: str | int) -> Any:
        return self.http.get_json(f"{self.api_url}/packages/{slug_or_id}/")

    def fetch_grid(self, slug_or_id: str | int) -> Any:
        return self.http.get_json(f"{self.api_url}/grids/{slug_or_id}/")

    def fetch_category(self, category_id: int) -> Any:
        return self.http.get_json(f"{self.api_url}/categories/{category_id}/")

    def fetch_page(self, kind: str, offset: int, limit: int = PAGE_SIZE) -> tuple[int, list[Any]]:
        document = self.http.get_json(
            f"{self.api_url}/{kind}/", params={"limit": limit, "offset": offset}
        )
        if document is None:
            raise UpstreamError(f"Django Packages has no /{kind}/ list (404)")
        return parse_page(document)

    def iter_pages(
        self, kind: str, on_count: Callable[[int], None] | None = None
    ) -> Iterator[list[Any]]:
        """Yield every page of a list: the first alone, then up to 4 in flight.

        Pages are yielded as they arrive (not in order) so the caller can commit each one
        at once; an exception in any page stops the iteration after cancelling the rest.
        """
        count, first = self.fetch_page(kind, 0)
        if on_count:
            on_count(count)
        yield first
        offsets = iter(range(PAGE_SIZE, count, PAGE_SIZE))
        pool = ThreadPoolExecutor(max_workers=IN_FLIGHT, thread_name_prefix="pkgcli-page")
        pending: set[Future[tuple[int, list[Any]]]] = set()

        def submit_next() -> None:
            offset = next(offsets, None)
            if offset is not None:
                pending.add(pool.submit(self.fetch_page, kind, offset))

        try:
            for _ in range(IN_FLIGHT):
                submit_next()
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    pending.discard(future)
                    _, results = future.result()
                    submit_next()
                    yield results
        finally:
            # On Ctrl-C or an error, drop queued pages; in-flight ones end with the client.
            pool.shutdown(wait=False, cancel_futures=True)
