"""The store: migrations, whole-record writes, column ownership, hostile database files."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from pkgcli.errors import DatabaseError
from pkgcli.migrations import MIGRATION_NAMES
from pkgcli.sources.djangopackages import parse_grid, parse_package
from pkgcli.store import open_store

from .conftest import FIXTURES

NOW = "2026-11-29T12:00:00+00:00"


def fixture_package() -> dict[str, object]:
    record: dict[str, object] = json.loads(
        (FIXTURES / "djangopackages" / "package-1858.json").read_text()
    )
    return record


def test_a_new_database_is_migrated_and_in_wal_mode(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "sub" / "dir" / "m.db"))
    applied = [r["name"] for r in store.query("SELECT name FROM _sqlite_migrations")]
    assert applied == list(MIGRATION_NAMES)
    assert store.query("PRAGMA journal_mode")[0]["journal_mode"] == "wal"
    tables = {r["name"] for r in store.query("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"packages", "grids", "categories", "grid_packages", "packages_fts"} <= tables
    fks = store.query("PRAGMA foreign_key_list(packages)")
    assert [(fk["table"], fk["from"]) for fk in fks] == [("categories", "category_id")]


def test_reopening_applies_nothing_twice(tmp_path: Path) -> None:
    path = str(tmp_path / "m.db")
    open_store(path).close()
    store = open_store(path)
    assert len(store.query("SELECT * FROM _sqlite_migrations")) == len(MIGRATION_NAMES)


def test_a_database_from_a_newer_pkgcli_is_refused(tmp_path: Path) -> None:
    path = str(tmp_path / "m.db")
    open_store(path).conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('pkgcli', '9999_future', 'x')"
    )
    with pytest.raises(DatabaseError, match="newer pkgcli"):
        open_store(path)


def test_a_corrupt_file_is_a_clear_database_error(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(DatabaseError, match="corrupt or not a pkgcli database"):
        open_store(str(path))


@pytest.mark.filterwarnings("error:unclosed database:ResourceWarning")
def test_a_refused_database_leaves_no_connection_open(tmp_path: Path) -> None:
    """Python 3.13+ warns when a connection is only closed by the GC: refusing a corrupt
    or too-new file must close the handle it opened (earlier Pythons stay silent)."""
    import gc
    import warnings

    with warnings.catch_warnings():  # what earlier tests in this worker left for the GC
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
    path = tmp_path / "m.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(DatabaseError):
        open_store(str(path))
    gc.collect()


def test_a_directory_is_not_a_database(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="is a directory"):
        open_store(str(tmp_path))


def test_save_round_trips_lists_exactly_and_counts_new(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "m.db"))
    record = fixture_package()
    assert store.save_packages([parse_package(record, NOW)]) == (1, 1)
    assert store.save_packages([parse_package(record, NOW)]) == (1, 0)
    row = store.get_package("django-oauth-toolkit")
    assert row is not None
    assert json.loads(row["commits_over_52"]) == record["commits_over_52"]
    assert json.loads(row["participants"]) == record["participants"]
    assert row["last_updated"] == "2026-01-25T18:45:18+00:00"
    assert store.get_package("1858") == row
    assert store.get_package("Django-OAuth-Toolkit") == row


def test_a_refresh_never_wipes_columns_it_does_not_own(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "m.db"))
    store.save_packages([parse_package(fixture_package(), NOW)])
    # A column some later layer owns (as later migrations add them) keeps its value.
    store.conn.execute("ALTER TABLE packages ADD COLUMN someone_elses TEXT")
    store.conn.execute("UPDATE packages SET someone_elses = 'keep me', gone_at = 'x'")
    store.save_packages([parse_package(fixture_package(), NOW)])
    row = store.get_package("django-oauth-toolkit")
    assert row is not None
    assert row["someone_elses"] == "keep me"
    assert row["gone_at"] is None  # seen again: no longer gone


def test_a_failed_page_write_leaves_no_partial_records(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "m.db"))
    good = parse_package(fixture_package(), NOW)
    bad = {**good, "id": 2, "slug": "other"}
    del bad["title"]  # a malformed row in the middle of the page
    with pytest.raises(KeyError):
        store.save_packages([{**good, "id": 3, "slug": "third"}, bad])
    assert store.query("SELECT count(*) AS n FROM packages")[0]["n"] == 0


def test_a_slug_taken_over_upstream_parks_the_stale_holder(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "m.db"))
    first = parse_package(fixture_package(), NOW)
    store.save_packages([first])
    store.save_packages([{**first, "id": 99}])
    assert store.get_package("django-oauth-toolkit")["id"] == 99  # type: ignore[index]
    assert store.get_package("django-oauth-toolkit-stale1858") is not None


def test_grid_membership_follows_the_grids_own_list(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "m.db"))
    grid = json.loads((FIXTURES / "djangopackages" / "v4-docs-grid-438.json").read_text())
    store.save_grids([parse_grid(grid, NOW)])
    rows = store.query("SELECT package_id FROM grid_packages WHERE grid_id = 438 ORDER BY position")
    assert [r["package_id"] for r in rows] == [5810, 976, 3142, 5811, 5754, 2225]
    grid["packages"] = grid["packages"][:2]
    store.save_grids([parse_grid(grid, NOW)])
    assert len(store.query("SELECT * FROM grid_packages")) == 2


def test_readers_are_not_blocked_by_a_writer(tmp_path: Path) -> None:
    path = str(tmp_path / "m.db")
    store = open_store(path)
    store.save_packages([parse_package(fixture_package(), NOW)])
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE packages SET title = 'half-written'")
    reader = open_store(path)
    row = reader.get_package("django-oauth-toolkit")
    assert row is not None and row["title"] == "Django OAuth Toolkit"
    writer.execute("ROLLBACK")


def test_a_stored_record_maps_back_to_the_exact_v4_record(tmp_path: Path) -> None:
    from pkgcli.config import DEFAULT_API_URL
    from pkgcli.service import upstream_record

    store = open_store(str(tmp_path / "m.db"))
    record = fixture_package()
    store.save_packages([parse_package(record, NOW)])
    row = store.get_package("django-oauth-toolkit")
    assert row is not None
    assert json.dumps(upstream_record(row, DEFAULT_API_URL)) == json.dumps(record)


def test_a_read_only_database_is_a_clear_error_on_write(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "m.db"))
    store.conn.execute("PRAGMA query_only = ON")  # as a read-only file would behave
    with pytest.raises(DatabaseError, match="read-only"):
        store.save_packages([parse_package(fixture_package(), NOW)])


def test_one_call_with_two_records_sharing_a_slug_keeps_both(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "m.db"))
    first = parse_package(fixture_package(), NOW)
    assert store.save_packages([first, {**first, "id": 99}, {**first, "id": 99}]) == (3, 2)
    assert [(r["id"], r["slug"]) for r in store.query("SELECT id, slug FROM packages")] == [
        (99, "django-oauth-toolkit"),
        (1858, "django-oauth-toolkit-stale1858"),
    ]


def test_a_parked_slug_stays_a_valid_slug_and_unique(tmp_path: Path) -> None:
    from pkgcli.models import is_valid_slug

    store = open_store(str(tmp_path / "m.db"))
    row = parse_package(fixture_package(), NOW)
    long = "x" * 100
    store.save_packages([{**row, "id": 2**63 - 1, "slug": long}])
    store.save_packages([{**row, "id": 7, "slug": f"{long[:75]}-stale{2**63 - 1}"}])  # taken
    store.save_packages([{**row, "id": 8, "slug": long}])
    slugs = [r["slug"] for r in store.query("SELECT slug FROM packages ORDER BY id")]
    assert slugs[1] == long
    parked = slugs[2]
    assert parked == f"{long[:73]}-stale{2**63 - 1}-2"
    assert len(parked) == 100 and is_valid_slug(parked)


def test_a_local_package_is_still_parked_as_slug_local_n(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "m.db"))
    with store.transaction() as conn:
        store.create_local_package(conn, "django-oauth-toolkit", NOW)
    store.save_packages([parse_package(fixture_package(), NOW)])
    assert store.get_package("django-oauth-toolkit-local1")["id"] == -1  # type: ignore[index]


def test_gone_candidates_are_those_stored_before_the_pass_began(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "m.db"))
    row = parse_package(fixture_package(), NOW)
    store.save_packages([{**row, "id": 1, "slug": "a", "fetched_at": "2026-11-29T11:59:59+00:00"}])
    store.save_packages(
        [{**row, "id": 2, "slug": "b", "fetched_at": "2026-11-29T12:00:00.5+00:00"}]
    )
    with store.transaction() as conn:
        store.create_local_package(conn, "mine", NOW)
    assert store.gone_candidates(NOW) == [1]
    assert store.mark_gone([1, 2, -1], NOW, "2026-11-29T13:00:00+00:00") == 1
    assert store.gone_candidates(NOW) == []  # flagged already
    store.save_packages([{**row, "id": 1, "slug": "a"}])  # seen again: not gone any more
    assert store.get_package("a")["gone_at"] is None  # type: ignore[index]


def test_only_one_exclusive_task_at_a_time(tmp_path: Path) -> None:
    path = str(tmp_path / "m.db")
    store, other = open_store(path), open_store(path)
    busy = pytest.raises(DatabaseError, match=r"another `pkgcli fetch --all` is running on")
    with store.exclusive("fetch --all"), busy, other.exclusive("fetch --all"):
        pass
    with other.exclusive("fetch --all"):  # released at the end of the block
        pass
    with pytest.raises(RuntimeError), store.exclusive("fetch --all"):
        raise RuntimeError  # released on an error too
    with other.exclusive("fetch --all"):
        pass
    assert (tmp_path / "m.db.lock").exists()
