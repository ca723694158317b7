"""Decoding Django Packages records, and a pass over a list (pure: no network, no store)."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest

from pkgcli.errors import UpstreamError
from pkgcli.sources import djangopackages
from pkgcli.sources.djangopackages import (
    BadRecord,
    Listing,
    Page,
    in_flight,
    parse_category,
    parse_count,
    parse_grid,
    parse_package,
    parse_page,
)

from .conftest import FIXTURES

NOW = "2026-11-29T12:00:00+00:00"
REAL = json.loads((FIXTURES / "djangopackages" / "package-1858.json").read_text())


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, 0),
        (3305, 3305),
        (2**63 - 1, 2**63 - 1),
        ("123", 123),  # digits in a string: the number they spell
        ("0123", 123),
        (2**63, None),
        (10**20, None),
        ("99999999999999999999", None),
        (-3, None),
        ("-3", None),
        (1.5, None),
        (2.0, None),
        (True, None),
        (None, None),
        ("12 ", None),
        ("١٢", None),  # non-ASCII digits
        ([], None),
    ],
)
def test_counts_are_whole_numbers_sqlite_can_hold(value: object, expected: int | None) -> None:
    assert parse_count(value) == expected


def test_the_real_record_parses_without_problems() -> None:
    problems: list[str] = []
    row = parse_package(REAL, NOW, problems)
    assert problems == []
    assert (row["id"], row["slug"], row["repo_watchers"]) == (1858, "django-oauth-toolkit", 3305)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"id": True}, "whose id is not a number from 1 to 2**63-1 (true)"),
        ({"id": 0}, "(0)"),
        ({"id": -1}, "(-1)"),
        ({"id": 2**63}, "(9223372036854775808)"),
        ({"id": "1858"}, "('1858')"),
        ({"id": None}, "(null)"),
        ({"slug": None}, "package 1858 without a usable slug (null)"),
        ({"slug": ""}, "without a usable slug ('')"),
        ({"slug": "a b"}, "without a usable slug ('a b')"),
        ({"slug": "x\x1b[2J"}, "without a usable slug"),
        ({"slug": "x" * 101}, "without a usable slug ('xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx..."),
    ],
)
def test_records_without_a_usable_id_or_slug_are_bad(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(BadRecord, match=r"^a package record|^package") as caught:
        parse_package({**REAL, **changes}, NOW)
    assert message in caught.value.message
    assert isinstance(caught.value, UpstreamError)


@pytest.mark.parametrize("record", [None, [], "x", 5])
def test_a_record_that_is_not_an_object_is_bad(record: object) -> None:
    for parse in (parse_package, parse_grid, parse_category):
        with pytest.raises(BadRecord, match="not a JSON object"):
            parse(record, NOW)


def test_unusable_values_become_unknown_and_are_named() -> None:
    problems: list[str] = []
    row = parse_package(
        {
            **REAL,
            "repo_watchers": "3305",
            "repo_forks": 10**20,
            "commits_over_52": [*REAL["commits_over_52"][:-1], -1],
            "participants": ["a", 1],
            "created": 12345,
            "last_updated": "",
            "documentation_url": 5,
            "grids": [*REAL["grids"], "https://djangopackages.org/api/v4/grids/0/"],
        },
        NOW,
        problems,
    )
    assert row["repo_watchers"] == 3305
    assert (row["repo_forks"], row["commits_over_52"], row["participants"]) == (0, "[]", '["a"]')
    assert (row["created"], row["last_updated"], row["documentation_url"]) == (None, None, None)
    assert json.loads(row["grid_ids"]) == [126, 125, 245, 306, 7]
    assert problems == [
        "grids",
        "repo_forks",
        "documentation_url",
        "commits_over_52",
        "participants",
        "created",
    ]


def test_grid_and_category_flags_take_bools_only() -> None:
    grid = json.loads((FIXTURES / "djangopackages" / "v4-docs-grid-438.json").read_text())
    problems: list[str] = []
    row = parse_grid({**grid, "is_locked": "false", "header": True, "packages": "x"}, NOW, problems)
    assert (row["is_locked"], row["header"], row["package_ids"]) == (0, 1, "[]")
    assert problems == ["is_locked", "packages"]


@pytest.mark.parametrize(
    "document",
    [
        None,
        [],
        {"count": 1},
        {"results": []},
        {"count": "1", "results": []},
        {"count": True, "results": []},
        {"count": -1, "results": []},
        {"count": 1, "results": {}},
    ],
)
def test_a_list_page_needs_a_count_and_results(document: object) -> None:
    with pytest.raises(UpstreamError, match="without count/results"):
        parse_page(document)


def test_a_list_page_says_whether_a_next_one_is_linked() -> None:
    assert parse_page({"count": 1, "results": [], "next": "http://x/?offset=100"}).has_next
    assert not parse_page({"count": 1, "results": [], "next": None}).has_next
    assert not parse_page({"count": 1, "results": []}).has_next
    assert not parse_page({"count": 1, "results": [], "next": ""}).has_next


# -- a pass over a list -------------------------------------------------------------------


class StubClient:
    """Serves list pages from `pages` (offset → Page); records the offsets asked for."""

    def __init__(self, pages: dict[int, Page], slow_after: int | None = None) -> None:
        self.pages = pages
        self.slow_after = slow_after  # pages past this offset take 50 ms
        self.asked: list[int] = []
        self._lock = threading.Lock()

    def fetch_page(self, kind: str, offset: int) -> Page:
        with self._lock:
            self.asked.append(offset)
        if self.slow_after is not None and offset > self.slow_after:
            time.sleep(0.05)
        return self.pages.get(offset, Page(0, [], False))


def records(first: int, n: int) -> list[dict[str, int]]:
    return [{"id": i} for i in range(first, first - n, -1)]


def whole_list(total: int, count: int | None = None) -> dict[int, Page]:
    """The pages of a list of `total` records (ids total..1) claiming `count`."""
    pages = {}
    for offset in range(0, max(total, 1), 100):
        size = min(100, total - offset)
        pages[offset] = Page(
            total if count is None else count,
            records(total - offset, size),
            offset + 100 < total,
        )
    return pages


def run(
    pages: dict[int, Page], slow_after: int | None = None
) -> tuple[Listing, StubClient, list[Any]]:
    client = StubClient(pages, slow_after)
    listing = Listing(client, "packages", None)  # type: ignore[arg-type]
    got = [r for page in listing for r in page]
    return listing, client, got


@pytest.mark.parametrize("total", [0, 1, 100, 101, 450])
def test_a_whole_consistent_list_is_complete(total: int) -> None:
    listing, client, got = run(whole_list(total))
    assert listing.complete, listing.problem
    assert len(got) == total
    assert listing.ids == set(range(1, total + 1))
    assert sorted(client.asked) == list(range(0, max(total, 1), 100))


def test_counted_records_missing_make_it_incomplete() -> None:
    pages = whole_list(450)
    pages[400] = Page(450, records(50, 49), False)
    listing, _, _ = run(pages)
    assert not listing.complete
    assert listing.problem == "it listed 449 of the 450 records it counts"


def test_a_changed_count_makes_it_incomplete() -> None:
    pages = whole_list(450)
    pages[200] = Page(451, pages[200].results, True)
    listing, _, _ = run(pages)
    assert listing.problem == "its count changed during the pass (first 450, then 451)"


def test_a_short_page_in_the_middle_makes_it_incomplete() -> None:
    pages = whole_list(450)
    pages[100] = Page(450, records(350, 99), True)
    pages[400] = Page(450, [{"id": 251}, *records(50, 50)], False)  # 251 moved on
    listing, _, _ = run(pages)
    assert listing.problem == "the page at offset 100 was short"


def test_a_record_listed_twice_makes_it_incomplete() -> None:
    pages = whole_list(200)
    pages[100] = Page(200, [{"id": 101}, *records(100, 99)], False)
    listing, _, _ = run(pages)
    assert listing.problem == "it listed 1 record twice (the list shifted)"


def test_a_last_page_that_links_a_next_one_makes_it_incomplete() -> None:
    pages = whole_list(150)
    pages[100] = Page(150, pages[100].results, True)
    listing, _, _ = run(pages)
    assert listing.problem == "its last page linked a next one"


def test_no_offset_past_an_empty_page_or_one_without_next() -> None:
    for first in (Page(10_000, records(10_000, 100), False), Page(10_000, [], True)):
        pages = whole_list(10_000)
        pages[0] = first
        listing, client, _ = run(pages)
        assert client.asked == [0]  # the first page comes alone, so nothing else was asked
        assert not listing.complete
    pages = whole_list(10_000)
    pages[500] = Page(10_000, [], True)
    listing, client, _ = run(pages, slow_after=500)  # it ends before any page after it
    assert max(client.asked) <= 800  # only what was in flight when it came back
    assert not listing.complete


def test_an_absurd_count_asks_for_a_bounded_number_of_pages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(djangopackages, "MAX_PAGES", 7)
    full = Page(10**30, records(100, 100), True)
    client = StubClient(dict.fromkeys(range(0, 10_000, 100), full))
    listing = Listing(client, "packages", None)  # type: ignore[arg-type]
    with pytest.raises(UpstreamError, match=r"past what is plausible .* stopped after 7 pages"):
        list(listing)
    assert len(client.asked) == 7
    assert not listing.complete
    assert not listing.complete
    pages = whole_list(300, count=150)  # a count too small: at most count/100 + 2 pages
    listing, client, _ = run(pages)
    assert sorted(client.asked) == [0, 100]
    assert listing.problem == "it listed 200 of the 150 records it counts"


def test_a_listing_not_iterated_to_the_end_is_not_complete() -> None:
    listing = Listing(StubClient(whole_list(450)), "packages", None)  # type: ignore[arg-type]
    for _ in listing:
        break
    assert not listing.complete
    assert listing.problem == "the pass did not finish"


def test_in_flight_keeps_at_most_four_running_and_draws_keys_lazily() -> None:
    running, most, drawn = [0], [0], []
    lock = threading.Lock()
    barrier = threading.Barrier(4)

    def work(key: int) -> int:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        if key < 4:
            barrier.wait(timeout=5)  # the first four are in flight together
        with lock:
            running[0] -= 1
        return key * 2

    def keys() -> Any:
        for key in range(10):
            drawn.append(key)
            yield key

    results = dict(in_flight(work, keys()))
    assert results == {k: k * 2 for k in range(10)}
    assert most[0] == 4
    assert drawn == list(range(10))


def test_in_flight_stops_at_the_first_error() -> None:
    def work(key: int) -> int:
        if key == 2:
            raise UpstreamError("boom")
        return key

    with pytest.raises(UpstreamError, match="boom"):
        list(in_flight(work, range(100), limit=1))
