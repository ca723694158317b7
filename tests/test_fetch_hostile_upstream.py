"""`pkgcli fetch` against a Django Packages that sends bad records, lies in its list pages or
runs alongside another fetch: the review's repros, through the CLI and the fake upstream."""

from __future__ import annotations

import copy
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pkgcli.errors import EXIT_UPSTREAM, EXIT_USAGE
from pkgcli.fake.catalogue import Catalogue, generate_catalogue
from pkgcli.fake.server import FakeUpstream

from .conftest import CliHarness

DP = ("--source", "djangopackages")


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


def rows(db: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def gone(db: Path) -> int:
    return int(rows(db, "SELECT count(*) FROM packages WHERE gone_at IS NOT NULL")[0][0])


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
    "when", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", "0001-01-01"]
)
def test_an_edit_to_a_date_out_of_range_is_a_usage_error(
    server: FakeUpstream, cli: CliHarness, when: str
) -> None:
    assert cli("fetch", "--all", *DP).exit_code == 0
    result = cli("edit", "1", "--set", f"last_updated={when}")
    assert result.exit_code == EXIT_USAGE
    assert "Traceback" not in result.stderr
    assert "must be an ISO date" in result.stderr


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
