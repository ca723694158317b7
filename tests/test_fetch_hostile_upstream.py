"""`pkgcli fetch` against a Django Packages that sends bad records, lies in its list pages or
runs alongside another fetch: the review's repros, through the CLI and the fake upstream."""

from __future__ import annotations

import copy
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pkgcli.errors import EXIT_DATABASE, EXIT_UPSTREAM, EXIT_USAGE
from pkgcli.models import utc_now
from pkgcli.sources import djangopackages
from pkgcli.sources.djangopackages import parse_package
from pkgcli.store import open_store
from tests.fake.catalogue import Catalogue, generate_catalogue
from tests.fake.server import FakeUpstream, Request

from .conftest import CliHarness

DP = ("--source", "djangopackages")
PageHandler = Callable[[Request, dict[int, Any]], dict[str, Any]]


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeUpstream]:
    """The review's harness: 120 packages, 10 grids, 4 categories."""
    with FakeUpstream(generate_catalogue(120, 10, 4, 0)) as fake:
        monkeypatch.setenv("PKGCLI_API_URL", fake.api_url)
        yield fake


def clone(cat: Catalogue, key: int, **changes: Any) -> dict[str, Any]:
    """A copy of a real record under catalogue key `key`, with new id/slug and overrides."""
    record = copy.deepcopy(cat.packages[sorted(cat.packages)[5]])
    record.update(id=key, slug=f"hostile-{key}", grids=[])
    record.update(changes)
    cat.packages[key] = record
    return record


def patch_packages_pages(fake: FakeUpstream, change: PageHandler) -> None:
    """Serve package list pages through `change(request, table)`; other lists as they are."""
    real = fake.djangopackages.page

    def page(request: Request, table: dict[int, Any]) -> dict[str, Any]:
        if table is fake.catalogue.packages:
            return change(request, table)
        return real(request, table)

    fake.djangopackages.page = page  # type: ignore[method-assign]


def rows(db: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def gone(db: Path) -> int:
    return int(rows(db, "SELECT count(*) FROM packages WHERE gone_at IS NOT NULL")[0][0])


def detail_requests(fake: FakeUpstream) -> list[str]:
    return [
        p for p in fake.requests.paths() if p.split("?")[0].rstrip("/").split("/")[-1].isdigit()
    ]


def empty_page_at(
    fake: FakeUpstream, offset: int, *, wait: float = 0.0, others_wait: float = 0.0
) -> None:
    """The list page at `offset` comes back empty after `wait`, the later ones after
    `others_wait` (to choose which ends first among those in flight)."""
    real = fake.djangopackages.page

    def page(request: Request, table: dict[int, Any]) -> dict[str, Any]:
        answer = real(request, table)
        if f"offset={offset}&" in request.query + "&":
            time.sleep(wait)
            return {**answer, "results": []}
        if "offset=0&" not in request.query + "&":
            time.sleep(others_wait)
        return answer

    patch_packages_pages(fake, page)


# -- bad records (items 2, 7, 18) ----------------------------------------------------------


def test_records_with_bad_ids_or_slugs_are_skipped_and_overwrite_nothing(
    server: FakeUpstream, cli: CliHarness, isolated_env: Path
) -> None:
    assert cli("fetch", "--all", *DP).exit_code == 0
    mine = cli("edit", "mine", "--create", "--set", "title=My own")
    assert mine.exit_code == 0, mine.stderr
    assert cli("edit", "1", "--set", "title=Edited one").exit_code == 0
    before = rows(isolated_env, "SELECT * FROM packages ORDER BY id")
    cat = server.catalogue
    clone(cat, 900001, id=True)  # == 1 in Python, and in SQLite
    clone(cat, 900002, id=0)
    clone(cat, 900003, id=-1)  # the user's local package
    clone(cat, 900004, id=10**20)
    clone(cat, 900005, id="2")
    clone(cat, 900006, id=3.0)
    clone(cat, 900007, id=None)
    clone(cat, 900008, slug=None)
    clone(cat, 900009, slug="")
    clone(cat, 900010, slug="two words")
    clone(cat, 900011, slug="x" * 101)
    result = cli("fetch", "--all", *DP)
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "skipped 11 malformed records from Django Packages" in result.stderr
    assert rows(isolated_env, "SELECT * FROM packages WHERE id <= 0 OR id > 900000") == [
        r for r in before if r[0] <= 0
    ]
    after = {r[0]: r for r in rows(isolated_env, "SELECT * FROM packages ORDER BY id")}
    for row in before:  # upstream rows: only pkgcli's own fetched_at moved
        assert after[row[0]][1:18] == row[1:18]
    shown = json.loads(cli("show", "mine", "--json", "--offline").stdout)
    assert shown["title"] == "My own"
    assert json.loads(cli("show", "1", "--json", "--offline").stdout)["title"] == "Edited one"
    assert gone(isolated_env) == 0


def test_wrong_typed_and_out_of_range_values_are_stored_as_unknown(
    server: FakeUpstream, cli: CliHarness, isolated_env: Path
) -> None:
    cat = server.catalogue
    clone(
        cat,
        900001,
        created=12345,
        modified="9999-12-31T23:59:59-05:00",
        last_updated="0001-01-01T00:00:00+05:00",
        last_fetched=["2024-01-01"],
        repo_watchers=10**20,
        repo_forks=-3,
        commits_over_52=[1] * 51 + [1.5],
        participants=["ann", 7, None],
        grids=["https://djangopackages.org/api/v4/grids/99999999999999999999/"],
        category="https://djangopackages.org/api/v4/categories/0/",
        pypi_version=4,
        title=None,
    )
    clone(cat, 900002, repo_watchers="123", repo_forks=True, commits_over_52="many")
    result = cli("fetch", "--all", *DP)
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert (
        "stored 13 unusable values from Django Packages as unknown: category (1), "
        "commits_over_52 (2), created (1), grids (1), last_fetched (1), last_updated (1), "
        "modified (1), participants (1), pypi_version (1), repo_forks (2), repo_watchers (1)"
    ) in result.stderr
    first = json.loads(cli("show", "hostile-900001", "--json", "--offline").stdout)
    assert [first[k] for k in ("created", "modified", "last_updated", "last_fetched")] == [None] * 4
    assert (first["repo_watchers"], first["repo_forks"], first["commits_over_52"]) == (0, 0, [])
    assert (first["participants"], first["grids"], first["category"]) == (["ann"], [], None)
    assert (first["pypi_version"], first["title"]) == (None, "")
    second = json.loads(cli("show", "hostile-900002", "--json", "--offline").stdout)
    # A count sent as a string of digits means that number: --json gives it as the int.
    assert (second["repo_watchers"], second["repo_forks"], second["commits_over_52"]) == (
        123,
        0,
        [],
    )
    for fmt in ("table", "plain", "csv"):
        assert cli("show", "hostile-900001", "--offline", "--format", fmt).exit_code == 0


def test_fetch_of_a_malformed_package_is_an_upstream_error(
    server: FakeUpstream, cli: CliHarness
) -> None:
    clone(server.catalogue, 900001, id=True, slug="hostile-1")
    result = cli("fetch", "hostile-1", *DP)
    assert result.exit_code == EXIT_UPSTREAM
    assert result.stderr.count("\n") == 1
    assert "whose id is not a number from 1 to 2**63-1 (true): nothing stored" in result.stderr
    shown = cli("show", "hostile-1")  # show's own fetch says the same
    assert shown.exit_code == EXIT_UPSTREAM
    assert "Traceback" not in shown.stderr
    crispy = server.catalogue.packages[6]["slug"]
    both = cli("fetch", "hostile-1", crispy, *DP)
    assert both.exit_code == EXIT_UPSTREAM
    assert "not stored (malformed on Django Packages): hostile-1" in both.stderr
    assert cli("show", crispy, "--offline").exit_code == 0


@pytest.mark.parametrize(
    "when", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", "9999-12-31T20:00-04:00"]
)
def test_an_edit_to_a_date_out_of_range_is_a_usage_error(
    server: FakeUpstream, cli: CliHarness, when: str
) -> None:
    assert cli("fetch", "--all", *DP).exit_code == 0
    result = cli("edit", "1", "--set", f"last_updated={when}")
    assert result.exit_code == EXIT_USAGE
    assert "Traceback" not in result.stderr
    assert "is out of range: in UTC it must fall in the years 1 to 9999" in result.stderr


# -- duplicate and parked slugs (items 6, 14) -----------------------------------------------


def test_two_records_with_one_slug_in_one_page_are_both_kept(
    server: FakeUpstream, cli: CliHarness, isolated_env: Path
) -> None:
    cat = server.catalogue
    clone(cat, 900001, slug="dup-slug")
    clone(cat, 900002, slug="dup-slug")
    grid_slug, category_slug = cat.grids[1]["slug"], cat.categories[1]["slug"]
    cat.grids[900003] = {**copy.deepcopy(cat.grids[1]), "id": 900003, "packages": []}
    cat.categories[900004] = {**copy.deepcopy(cat.categories[1]), "id": 900004}
    for _ in range(2):  # and again, on a mirror that holds them already
        result = cli("fetch", "--all", *DP)
        assert result.exit_code == 0, result.stderr
    # Pages are newest first: the lower id comes last and keeps the slug.
    assert rows(isolated_env, "SELECT id, slug FROM packages WHERE id > 900000") == [
        (900001, "dup-slug"),
        (900002, "dup-slug-stale900002"),
    ]
    assert rows(isolated_env, "SELECT id, slug FROM grids WHERE id IN (1, 900003)") == [
        (1, grid_slug),
        (900003, f"{grid_slug}-stale900003"),
    ]
    assert rows(isolated_env, "SELECT id, slug FROM categories WHERE id IN (1, 900004)") == [
        (1, category_slug),
        (900004, f"{category_slug}-stale900004"),
    ]
    shown = cli("show", "dup-slug-stale900002", "--json", "--offline")  # item 14
    assert shown.exit_code == 0, shown.stderr
    assert json.loads(shown.stdout)["id"] == 900002
    assert cli("list-grid", f"{grid_slug}-stale900003", "--format", "plain").exit_code == 0


def test_a_slug_reassigned_upstream_parks_the_old_holder_under_a_usable_slug(
    server: FakeUpstream, cli: CliHarness
) -> None:
    assert cli("fetch", "--all", *DP).exit_code == 0
    cat = server.catalogue
    old = cat.packages[6]
    slug = old["slug"]
    old["slug"] = "renamed-upstream"
    clone(cat, 900001, slug=slug)
    assert cli("fetch", slug, *DP).exit_code == 0  # only the new holder is refreshed
    result = cli("show", f"{slug}-stale6", "--json", "--offline")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["id"] == 6
    assert json.loads(cli("show", slug, "--json", "--offline").stdout)["id"] == 900001


# -- list pages that end early or lie (items 4, 5) --------------------------------------------


def test_a_short_page_checks_the_missing_packages_one_by_one(
    server: FakeUpstream, cli: CliHarness, isolated_env: Path
) -> None:
    assert cli("fetch", "--all", *DP).exit_code == 0
    empty_page_at(server, 100)
    server.catalogue.remove_package(min(server.catalogue.packages))  # really gone
    server.requests.clear()
    result = cli("fetch", "--all", *DP)
    assert result.exit_code == 0, result.stderr
    assert "1 gone upstream" in result.stderr
    assert gone(isolated_env) == 1
    assert len(detail_requests(server)) == 20  # the 20 the short page left out


def test_the_reviews_short_page_flags_nothing_unchecked(
    server: FakeUpstream, cli: CliHarness, isolated_env: Path
) -> None:
    """offset=100 empty on a 250-package list used to give "100 gone upstream"."""
    for key in range(1000, 1130):
        clone(server.catalogue, key)
    assert cli("fetch", "--all", *DP).exit_code == 0
    empty_page_at(server, 100, wait=0.2)  # the last page is asked for before it ends
    server.requests.clear()
    result = cli("fetch", "--all", *DP)
    assert result.exit_code == 0, result.stderr
    assert gone(isolated_env) == 0
    assert len(detail_requests(server)) == 100  # each one checked, each one found


def test_no_page_is_asked_for_past_an_empty_one(
    server: FakeUpstream, cli: CliHarness, isolated_env: Path
) -> None:
    for key in range(1000, 1880):
        clone(server.catalogue, key)  # 1,000 packages: 10 pages
    assert cli("fetch", "--all", *DP).exit_code == 0
    empty_page_at(server, 100, others_wait=0.2)  # known empty before any other page ends
    server.requests.clear()
    result = cli("fetch", "--all", *DP)
    assert result.exit_code == 0, result.stderr
    asked = {p for p in server.requests.paths() if p.startswith("/api/v4/packages/?")}
    # Up to four were in flight when the empty page came back; none was asked for after it.
    offsets = {int(p.rsplit("offset=", 1)[1]) for p in asked}
    assert {0, 100} <= offsets <= {0, 100, 200, 300, 400}
    assert gone(isolated_env) == 0
    assert detail_requests(server) == []
    listed = 100 * (len(offsets) - 1)
    assert (
        f"the package list from Django Packages was incomplete (it listed {listed} of the 1,000 "
        f"records it counts), and {1000 - listed} mirrored packages were not in it: more than "
        "the 100 worth checking one by one, so none is flagged as gone; run `pkgcli fetch --all` "
        "again later"
    ) in result.stderr


def test_a_lying_count_marks_nothing_gone_without_checking(
    server: FakeUpstream, cli: CliHarness, isolated_env: Path
) -> None:
    for record in generate_catalogue(450, 1, 1, 3).packages.values():  # 570 in all
        server.catalogue.packages[record["id"] + 1000] = {
            **record,
            "id": record["id"] + 1000,
            "slug": f"more-{record['slug']}",
            "grids": [],
            "category": server.catalogue.packages[1]["category"],
        }
    assert cli("fetch", "--all", *DP).exit_code == 0
    real = server.djangopackages.page
    patch_packages_pages(server, lambda request, table: {**real(request, table), "count": 150})
    server.requests.clear()
    result = cli("fetch", "--all", *DP)
    assert result.exit_code == 0, result.stderr
    assert "gone upstream" not in result.stderr
    assert gone(isolated_env) == 0
    assert detail_requests(server) == []
    assert (
        "the package list from Django Packages was incomplete (it listed 200 of the 150 "
        "records it counts), and 370 mirrored packages were not in it: more than the 100 "
        "worth checking one by one, so none is flagged as gone"
    ) in result.stderr


def test_an_absurd_count_with_empty_pages_ends_at_once(
    server: FakeUpstream, cli: CliHarness, isolated_env: Path
) -> None:
    assert cli("fetch", "--all", *DP).exit_code == 0
    patch_packages_pages(
        server, lambda request, table: {"count": 10**30, "next": None, "results": []}
    )
    server.requests.clear()
    result = cli("fetch", "--all", *DP)
    assert result.exit_code == 0, result.stderr
    assert len([p for p in server.requests.paths() if p.startswith("/api/v4/packages/?")]) == 1
    assert "none is flagged as gone" in result.stderr
    assert gone(isolated_env) == 0


def test_endless_full_pages_stop_at_the_page_cap(
    server: FakeUpstream, cli: CliHarness, monkeypatch: pytest.MonkeyPatch, isolated_env: Path
) -> None:
    monkeypatch.setattr(djangopackages, "MAX_PAGES", 5)
    records = [server.catalogue.packages[i] for i in sorted(server.catalogue.packages)[:100]]
    patch_packages_pages(
        server,
        lambda request, table: {"count": 10**30, "next": request.url + "&x", "results": records},
    )
    result = cli("fetch", "--all", *DP)
    assert result.exit_code == EXIT_UPSTREAM, result.stderr
    assert len([p for p in server.requests.paths() if p.startswith("/api/v4/packages/?")]) == 5
    assert result.stderr.strip().splitlines()[-1] == (
        "pkgcli: Django Packages kept listing packages past what is plausible (it counts "
        f"{10**30:,}; this is a first pass): stopped after 5 pages; the packages read are "
        "kept and none is flagged gone"
    )
    assert rows(isolated_env, "SELECT count(*) FROM packages") == [(100,)]  # listed 5 times


def test_many_packages_gone_after_a_complete_pass_are_flagged_without_checks(
    server: FakeUpstream, cli: CliHarness, isolated_env: Path
) -> None:
    for record in generate_catalogue(450, 1, 1, 3).packages.values():
        key = record["id"] + 1000
        server.catalogue.packages[key] = {**record, "id": key, "slug": f"m-{key}", "grids": []}
    assert cli("fetch", "--all", *DP).exit_code == 0
    for key in sorted(server.catalogue.packages)[:150]:
        server.catalogue.remove_package(key)
    server.requests.clear()
    result = cli("fetch", "--all", *DP)
    assert result.exit_code == 0, result.stderr
    assert "150 gone upstream" in result.stderr
    assert gone(isolated_env) == 150
    assert detail_requests(server) == []


def test_a_catalogue_that_lost_most_of_its_packages_flags_nothing(
    server: FakeUpstream, cli: CliHarness, isolated_env: Path
) -> None:
    """A consistent but near-empty list (a bad deploy upstream) is not a mass deletion."""
    for record in generate_catalogue(450, 1, 1, 3).packages.values():
        key = record["id"] + 1000
        server.catalogue.packages[key] = {**record, "id": key, "slug": f"m-{key}", "grids": []}
    assert cli("fetch", "--all", *DP).exit_code == 0
    for key in sorted(server.catalogue.packages)[:-20]:
        server.catalogue.remove_package(key)
    result = cli("fetch", "--all", *DP)
    assert result.exit_code == 0, result.stderr
    assert "looks like an upstream fault" in result.stderr
    assert gone(isolated_env) == 0


def test_a_list_that_shifts_without_changing_its_count_is_checked_not_trusted(
    server: FakeUpstream, cli: CliHarness, isolated_env: Path
) -> None:
    """One package added and one removed mid-pass: counts and page sizes stay right while
    a live package slips between two pages. The check finds it."""
    assert cli("fetch", "--all", *DP).exit_code == 0
    real = server.djangopackages.page
    ids = sorted(server.catalogue.packages, reverse=True)
    request = Request("GET", "/api/v4/packages/", "limit=100&offset=100", {}, b"", "")
    old_second_page = real(request, server.catalogue.packages)  # listed before the change
    server.catalogue.remove_package(ids[110])  # on the second page, which is already read
    clone(server.catalogue, 900001)  # new: first on the first page
    slipped = ids[99]  # pushed from the first page onto the second one
    patch_packages_pages(
        server,
        lambda request, table: (
            old_second_page if "offset=100" in request.query else real(request, table)
        ),
    )
    result = cli("fetch", "--all", *DP)
    assert result.exit_code == 0, result.stderr
    assert rows(isolated_env, "SELECT gone_at FROM packages WHERE id = ?", (slipped,)) == [(None,)]
    assert f"/api/v4/packages/{slipped}/" in server.requests.paths()


# -- one fetch --all at a time; seen by time (item 1) ------------------------------------------


def test_fetch_all_while_another_holds_the_lock_fails_at_once(
    server: FakeUpstream, cli: CliHarness, isolated_env: Path
) -> None:
    import fcntl

    assert cli("fetch", "--all", *DP).exit_code == 0
    server.requests.clear()
    with open(f"{isolated_env}.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = cli("fetch", "--all", *DP)
        assert result.exit_code == EXIT_DATABASE
        assert result.stderr == (
            f"pkgcli: another `pkgcli fetch --all` is running on {isolated_env}; "
            "try again when it has finished\n"
        )
        assert server.requests.paths() == []
        slug = server.catalogue.packages[6]["slug"]
        assert cli("fetch", slug, *DP).exit_code == 0  # a plain fetch may run alongside
        assert cli("show", slug, "--offline").exit_code == 0
    assert cli("fetch", "--all", *DP).exit_code == 0  # released: runs again


def test_the_lock_is_released_when_a_run_fails(server: FakeUpstream, cli: CliHarness) -> None:
    server.faults.add("500", path="/api/v4/packages/", times=4)
    assert cli("fetch", "--all", *DP).exit_code == EXIT_UPSTREAM
    assert cli("fetch", "--all", *DP).exit_code == 0


def test_two_fetch_all_processes_one_refused_the_other_marks_nothing_gone(
    server: FakeUpstream, cli: CliHarness, isolated_env: Path
) -> None:
    assert cli("fetch", "--all", *DP).exit_code == 0
    listing, go_on = threading.Event(), threading.Event()
    real = server.djangopackages.page

    def gated(request: Request, table: dict[int, Any]) -> dict[str, Any]:
        listing.set()
        go_on.wait(timeout=30)
        return real(request, table)

    patch_packages_pages(server, gated)
    first = subprocess.Popen(
        [sys.executable, "-m", "pkgcli", "fetch", "--all", *DP],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert listing.wait(timeout=30), "the first fetch never listed packages"
        second = cli("fetch", "--all", *DP)
    finally:
        go_on.set()
        _, stderr = first.communicate(timeout=60)
    assert second.exit_code == EXIT_DATABASE
    assert "another `pkgcli fetch --all` is running" in second.stderr
    assert first.returncode == 0, stderr
    assert "gone upstream" not in stderr
    assert gone(isolated_env) == 0


def test_a_package_stored_by_another_fetch_during_the_pass_counts_as_seen(
    server: FakeUpstream, cli: CliHarness, isolated_env: Path
) -> None:
    assert cli("fetch", "--all", *DP).exit_code == 0
    hidden = sorted(server.catalogue.packages)[50]
    real = server.djangopackages.page

    def hide_but_store_meanwhile(request: Request, table: dict[int, Any]) -> dict[str, Any]:
        if "offset=0" in request.query or "offset" not in request.query:
            # Another process (a `fetch SLUG`, a `show`) stores it while the pass runs.
            store = open_store(str(isolated_env))
            store.save_packages([parse_package(table[hidden], utc_now())])
            store.close()
        shown = {k: v for k, v in table.items() if k != hidden}
        return real(request, shown)

    patch_packages_pages(server, hide_but_store_meanwhile)
    server.requests.clear()
    result = cli("fetch", "--all", *DP)
    assert result.exit_code == 0, result.stderr
    assert gone(isolated_env) == 0
    assert detail_requests(server) == []  # not even a candidate: stored after the pass began
