"""Django Packages API v4: the client and the pure functions that decode its records.

`parse_*` turn a v4 JSON record into a store row (UTC timestamps, link URLs resolved to
their trailing ids, list fields as exact JSON). `DjangoPackagesClient` fetches details by
slug or id and whole lists page by page, several pages in flight once `count` is known.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from pkgcli.errors import UpstreamError
from pkgcli.http import HttpClient
from pkgcli.models import link_id, parse_timestamp

PAGE_SIZE = 100
IN_FLIGHT = 4
Record = dict[str, Any]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _require(record: Any, kind: str) -> None:
    if not isinstance(record, dict) or not isinstance(record.get("id"), int):
        raise UpstreamError(f"Django Packages sent a {kind} record without an id")
    if not isinstance(record.get("slug"), str) or not record["slug"]:
        raise UpstreamError(f"Django Packages sent {kind} {record['id']} without a slug")


def _ids(urls: Any) -> list[int]:
    if not isinstance(urls, list):
        return []
    return [i for i in (link_id(u) for u in urls if isinstance(u, str)) if i is not None]


def parse_package(record: Any, fetched_at: str) -> Record:
    """A v4 package record → a `packages` row."""
    _require(record, "package")
    commits = record.get("commits_over_52")
    participants = record.get("participants")
    return {
        "id": record["id"],
        "slug": record["slug"],
        "title": _text(record.get("title")),
        "category_id": link_id(record.get("category")),
        "grid_ids": json.dumps(_ids(record.get("grids"))),
        "repo_url": _text(record.get("repo_url")),
        "repo_description": _text(record.get("repo_description")),
        "repo_watchers": _int(record.get("repo_watchers")),
        "repo_forks": _int(record.get("repo_forks")),
        "pypi_url": _text(record.get("pypi_url")),
        "pypi_version": record.get("pypi_version")
        if isinstance(record.get("pypi_version"), str)
        else None,
        # "" and null both mean "none"; keep which one upstream sent so --json is exact.
        "documentation_url": record.get("documentation_url")
        if isinstance(record.get("documentation_url"), str)
        else None,
        "commits_over_52": json.dumps(
            [_int(c) for c in commits] if isinstance(commits, list) else []
        ),
        "participants": json.dumps(
            [p for p in participants if isinstance(p, str)]
            if isinstance(participants, list)
            else []
        ),
        "last_updated": parse_timestamp(record.get("last_updated")),
        "last_fetched": parse_timestamp(record.get("last_fetched")),
        "created": parse_timestamp(record.get("created")),
        "modified": parse_timestamp(record.get("modified")),
        "fetched_at": fetched_at,
    }


def parse_grid(record: Any, fetched_at: str) -> Record:
    """A v4 grid record → a `grids` row (its package links as an ordered id list)."""
    _require(record, "grid")
    return {
        "id": record["id"],
        "slug": record["slug"],
        "title": _text(record.get("title")),
        "description": _text(record.get("description")),
        "is_locked": int(bool(record.get("is_locked"))),
        "header": int(bool(record.get("header"))),
        "package_ids": json.dumps(_ids(record.get("packages"))),
        "created": parse_timestamp(record.get("created")),
        "modified": parse_timestamp(record.get("modified")),
        "fetched_at": fetched_at,
    }


def parse_category(record: Any, fetched_at: str) -> Record:
    """A v4 category record → a `categories` row."""
    _require(record, "category")
    return {
        "id": record["id"],
        "slug": record["slug"],
        "title": _text(record.get("title")),
        "description": _text(record.get("description")),
        "title_plural": _text(record.get("title_plural")),
        "show_pypi": int(bool(record.get("show_pypi"))),
        "created": parse_timestamp(record.get("created")),
        "modified": parse_timestamp(record.get("modified")),
        "fetched_at": fetched_at,
    }


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
