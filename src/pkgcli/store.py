"""The only code that touches SQLite: opening, migrating, reading and writing the mirror.

Reads use the standard `sqlite3` module so `pkgcli show` starts fast; migrations go through
sqlite-utils (imported only when a migration is pending). Every write happens inside one
`BEGIN IMMEDIATE … COMMIT`, so each record in the mirror is either the old one or the
complete new one, whatever interrupts the process. Refreshes update only the columns their
source owns: other columns (later sources, the user's layer) are never wiped.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from pkgcli.errors import DatabaseError, UsageError
from pkgcli.migrations import MIGRATION_NAMES, MIGRATION_SET, MIGRATION_TABLES
from pkgcli.models import MAX_ID, MAX_SLUG, is_valid_slug, utc_now

Row = dict[str, Any]

# Columns of `packages` that a Django Packages refresh owns (and so may overwrite).
PACKAGE_COLUMNS = (
    "id",
    "slug",
    "title",
    "category_id",
    "grid_ids",
    "repo_url",
    "repo_description",
    "repo_watchers",
    "repo_forks",
    "pypi_url",
    "pypi_version",
    "documentation_url",
    "commits_over_52",
    "participants",
    "last_updated",
    "last_fetched",
    "created",
    "modified",
    "fetched_at",
)
EDIT_COLUMNS = ("package_id", "field", "old_value", "new_value", "created_at", "origin")
GRID_COLUMNS = (
    "id",
    "slug",
    "title",
    "description",
    "is_locked",
    "header",
    "package_ids",
    "created",
    "modified",
    "fetched_at",
)
CATEGORY_COLUMNS = (
    "id",
    "slug",
    "title",
    "description",
    "title_plural",
    "show_pypi",
    "created",
    "modified",
    "fetched_at",
)

# What GitHub, PyPI and the other forges say, one row per package each (migration 0002).
# A refresh writes only the columns it got; the rest keep their last good values.
SOURCE_TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "github": (
        "github_repos",
        (
            "package_id",
            "requested_name",
            "full_name",
            "repo_id",
            "stars",
            "forks",
            "subscribers_count",
            "description",
            "archived",
            "pushed_at",
            "license",
            "default_branch",
            "homepage",
            "repo_fetched_at",
            "commits_over_52",
            "participation_fetched_at",
            "participants",
            "contributors_fetched_at",
            "last_commit_at",
            "commit_count",
            "commits_fetched_at",
            "status",
            "status_detail",
            "etag_hit",
            "checked_at",
        ),
    ),
    "pypi": (
        "pypi_projects",
        (
            "package_id",
            "requested_name",
            "project",
            "version",
            "latest_release_at",
            "license",
            "requires_python",
            "python_versions",
            "django_versions",
            "development_status",
            "documentation_url",
            "advisories",  # migration 0006: JSON list of advisory ids, NULL = unknown
            "fetched_at",
            "status",
            "status_detail",
            "etag_hit",
            "checked_at",
        ),
    ),
    "forge": (
        "forge_repos",
        (
            "package_id",
            "forge",
            "requested_name",
            "full_name",
            "stars",
            "forks",
            "description",
            "archived",
            "last_activity_at",
            "license",
            "fetched_at",
            "status",
            "status_detail",
            "etag_hit",
            "checked_at",
        ),
    ),
}
CACHE_COLUMNS = ("url", "etag", "last_modified", "data", "stored_at")
# The JSON list columns of the source tables, and the type of their items: `source_layers`
# returns them decoded (checked), so a corrupt one is a DatabaseError, not a traceback.
SOURCE_JSON_LISTS: dict[str, dict[str, type]] = {
    "github_repos": {"commits_over_52": int, "participants": str},
    "pypi_projects": {"python_versions": str, "django_versions": str, "advisories": str},
}


# source → (SQL giving package_id and that source's own fetched-at)
FETCHED_AT: dict[str, str] = {
    "djangopackages": "SELECT id AS package_id, fetched_at AS t FROM packages",
    "github": "SELECT package_id, repo_fetched_at AS t FROM github_repos",
    "pypi": "SELECT package_id, fetched_at AS t FROM pypi_projects",
    "gitlab": "SELECT package_id, fetched_at AS t FROM forge_repos WHERE forge = 'gitlab'",
    "codeberg": ("SELECT package_id, fetched_at AS t FROM forge_repos WHERE forge = 'codeberg'"),
}


OUTCOME_COLUMNS = ("run_id", "package_id", "source", "outcome", "error", "at")


def _write_outcomes(conn: Any, outcomes: Iterable[Row]) -> None:
    conn.executemany(
        f"INSERT OR REPLACE INTO fetch_outcomes ({', '.join(OUTCOME_COLUMNS)}) "
        f"VALUES ({', '.join('?' for _ in OUTCOME_COLUMNS)})",
        [[row.get(c) for c in OUTCOME_COLUMNS] for row in outcomes],
    )


def source_tables() -> dict[str, tuple[str, tuple[str, ...]]]:
    """The built-in source tables, then those of sources registered as plug-ins."""
    from pkgcli.registry import plugin_tables

    return {**SOURCE_TABLES, **plugin_tables()}


def json_list(text: str, item: type) -> list[Any]:
    """A JSON list whose items are all of type `item` (an int is not a bool), from a
    column pkgcli wrote; a ValueError for anything else."""
    problem = f"not a JSON list of {_ITEMS.get(item, item.__name__)}"
    try:
        value = json.loads(text)
    except (TypeError, ValueError, RecursionError):  # not JSON, not text, absurdly deep
        raise ValueError(problem) from None
    if not isinstance(value, list) or not all(type(v) is item for v in value):
        raise ValueError(problem)
    return value


_ITEMS = {int: "integers", str: "strings"}


# Search order, best first: an exact slug or title match; then hits whose name (title or
# slug) holds every word, most popular first (bm25's length normalisation would otherwise
# sink popular packages, whose long participant lists make long documents); then the
# other hits by bm25 relevance with the column weights given, in steps of a tenth of the
# best of them, near-equal relevance going by popularity; the slug last, for a stable
# order. Two queries, so that a word in nearly every name ("django") needs no bm25 over
# the whole catalogue when the name matches alone fill the limit.
_NAMED_HITS = (
    "SELECT t.id FROM {fts} JOIN {table} t ON t.id = {fts}.rowid WHERE {fts} MATCH ?"
    " ORDER BY (lower(t.slug) = ? OR lower(t.title) = ?) DESC, {popularity} DESC, t.slug"
    " LIMIT ?"
)
_OTHER_HITS = (
    "WITH hits AS (SELECT rowid AS id, bm25({fts}, {weights}) AS score FROM {fts}"
    " WHERE {fts} MATCH ? AND rowid NOT IN (SELECT rowid FROM {fts} WHERE {fts} MATCH ?))"
    " SELECT t.id FROM hits JOIN {table} t ON t.id = hits.id"
    " ORDER BY round(hits.score * 10.0 / min(hits.score) OVER ()) DESC, {popularity} DESC,"
    " t.slug LIMIT ?"
)
_SEARCHED = {
    "packages": {
        "fts": "packages_fts",
        "table": "packages",
        "weights": "10.0, 10.0, 2.0, 1.0",  # title, slug, description, participants
        "popularity": "t.repo_watchers",
    },
    "grids": {
        "fts": "grids_fts",
        "table": "grids",
        "weights": "10.0, 10.0, 1.0",  # title, slug, description
        "popularity": "(SELECT count(*) FROM grid_packages gp WHERE gp.grid_id = t.id)",
    },
}
_GRID_SUMMARY = (
    "SELECT g.id, g.slug, g.title, g.description, g.created, g.modified, g.fetched_at,"
    " count(gp.package_id) AS package_count{mirrored}"
    " FROM grids g LEFT JOIN grid_packages gp ON gp.grid_id = g.id{join}"
    " {where} GROUP BY g.id ORDER BY g.slug"
)
# Counting the mirrored members probes `packages` once per membership (~90,000 on a
# 100,000-package mirror, most of a list-grid's time): only done when asked for.
_MIRRORED = {
    "mirrored": ", count(p.id) AS mirrored_count",
    "join": " LEFT JOIN packages p ON p.id = gp.package_id",
}
_NOT_MIRRORED = {"mirrored": "", "join": ""}
_CHUNK = 10_000  # ids per `IN (...)`: well under SQLite's limit on bound variables


def record_id(text: str) -> int | None:
    """The id a command-line argument names: ASCII digits only, within SQLite's INTEGER
    range (a bigger number, or Unicode digits, name no record: they are slugs, if anything)."""
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= MAX_ID else None


def _upsert_sql(table: str, columns: Sequence[str]) -> str:
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != "id")
    return f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT(id) DO UPDATE SET {updates}"


def _dict_factory(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> Row:
    return {col[0]: value for col, value in zip(cursor.description, row, strict=True)}


class Store:
    """An open mirror database. Use `open_store()` to get one."""

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self.conn = conn
        self.path = path

    def close(self) -> None:
        self.conn.close()

    # -- transactions -------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write: all of it is committed, or none of it."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise _database_error(self.path, exc) from exc
        try:
            yield self.conn
        except sqlite3.Error as exc:  # disk full, I/O error, constraint: nothing is kept
            self.conn.execute("ROLLBACK")
            raise _database_error(self.path, exc) from exc
        except BaseException:  # Ctrl-C, SIGTERM, a bug: nothing of this write is kept
            self.conn.execute("ROLLBACK")
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise _database_error(self.path, exc) from exc

    def corrupt(self, what: str) -> DatabaseError:
        """The error for a value in the database that cannot be what pkgcli wrote there
        (e.g. a JSON column that does not parse): exit 5, one line naming the file."""
        return DatabaseError(f"{self.path} is corrupt: {what}")

    @contextmanager
    def exclusive(self, task: str) -> Iterator[None]:
        """Run `task` as the only one of its kind on this mirror, or fail at once.

        An advisory lock (`flock`) on `<database>.lock`, held until the block ends and
        released by the OS if the process dies, so a crash never leaves it stale. The file
        itself stays (removing it would let two processes lock two different files).
        If the lock cannot be taken (the lock path is a directory, the place is read-only,
        the file system has no locks), the task refuses (exit 5) rather than run unlocked.
        Where there is no `fcntl` (Windows) there is no such lock: a note says so.
        """
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks to take
            import sys

            print(
                f"pkgcli: note: this platform cannot lock {self.path}; make sure no other "
                f"`pkgcli {task}` runs on it meanwhile",
                file=sys.stderr,
            )
            yield
            return
        lock_path = self.path + ".lock"
        fd = _open_lock_file(lock_path)
        if fd is None:
            raise DatabaseError(
                f"cannot lock {lock_path} to run `pkgcli {task}` alone; refusing to run "
                "unlocked (check that it is a file pkgcli can write)"
            )
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise DatabaseError(
                    f"another `pkgcli {task}` is running on {self.path}; "
                    "try again when it has finished"
                ) from None
            except OSError as exc:
                raise DatabaseError(
                    f"cannot lock {lock_path} to run `pkgcli {task}` alone ({exc.strerror}); "
                    "refusing to run unlocked"
                ) from None
            yield
        finally:
            os.close(fd)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        try:
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise _database_error(self.path, exc) from exc

    # -- reads --------------------------------------------------------------------------

    def get_package(self, slug_or_id: str) -> Row | None:
        return self._by_slug_or_id("packages", slug_or_id)

    def package_by_id(self, package_id: int) -> Row | None:
        rows = self.query("SELECT * FROM packages WHERE id = ?", (package_id,))
        return rows[0] if rows else None

    def package_slugs(self) -> list[str]:
        return [r["slug"] for r in self.query("SELECT slug FROM packages ORDER BY slug")]

    def grids_by_ids(self, ids: Iterable[int]) -> dict[int, Row]:
        """{id: {id, slug, title}} of the mirrored grids among `ids`."""
        return self._names_by_ids("grids", ids)

    def categories_by_ids(self, ids: Iterable[int]) -> dict[int, Row]:
        """{id: {id, slug, title}} of the mirrored categories among `ids`."""
        return self._names_by_ids("categories", ids)

    def _names_by_ids(self, table: str, ids: Iterable[int]) -> dict[int, Row]:
        rows = self._rows_for_ids(
            f"SELECT id, slug, title FROM {table} WHERE id IN ({{marks}})", list(dict.fromkeys(ids))
        )
        return {r["id"]: r for r in rows}

    def get_grid(self, slug_or_id: str) -> Row | None:
        return self._by_slug_or_id("grids", slug_or_id)

    def _by_slug_or_id(self, table: str, slug_or_id: str) -> Row | None:
        """A package or grid by slug, exactly; else by id (all ASCII digits, in SQLite's
        range); else by slug ignoring case (slugs are case-sensitive upstream, but users
        type freely). An exact slug wins over an id, so all-digit upstream slugs (`1234`,
        `00012`) stay reachable; a record whose id is shadowed so is reachable by slug."""
        rows = self.query(f"SELECT * FROM {table} WHERE slug = ?", (slug_or_id,))
        as_id = record_id(slug_or_id) if not rows else None
        if as_id is not None:
            rows = self.query(f"SELECT * FROM {table} WHERE id = ?", (as_id,))
        if not rows:
            rows = self.query(f"SELECT * FROM {table} WHERE slug = ? COLLATE NOCASE", (slug_or_id,))
        return rows[0] if rows else None

    def grid_slugs(self) -> list[str]:
        return [r["slug"] for r in self.query("SELECT slug FROM grids ORDER BY slug")]

    def grid_summaries(
        self, ids: Sequence[int] | None = None, *, mirrored: bool = True
    ) -> list[Row]:
        """Grids (all, or those `ids`) with the size of their package list and, unless
        `mirrored=False`, how much of it is mirrored (`mirrored_count`); by slug."""
        parts = _MIRRORED if mirrored else _NOT_MIRRORED
        if ids is None:
            return self.query(_GRID_SUMMARY.format(where="", **parts))
        sql = _GRID_SUMMARY.format(where="WHERE g.id IN ({marks})", **parts)
        return self._rows_for_ids(sql, ids)

    def _rows_for_ids(self, template: str, ids: Sequence[int]) -> list[Row]:
        """Rows of `template` (with `{marks}` for the ids) in the order of `ids`."""
        by_id: dict[int, Row] = {}
        for start in range(0, len(ids), _CHUNK):
            chunk = list(ids[start : start + _CHUNK])
            marks = ", ".join("?" for _ in chunk)
            by_id.update((r["id"], r) for r in self.query(template.format(marks=marks), chunk))
        return [by_id[i] for i in ids if i in by_id]

    def grid_package_ids(self, grid_id: int) -> list[int]:
        """The grid's own package list (ids, in the grid's order; mirrored or not)."""
        rows = self.query(
            "SELECT package_id FROM grid_packages WHERE grid_id = ? ORDER BY position",
            (grid_id,),
        )
        return [r["package_id"] for r in rows]

    def packages_by_ids(self, ids: Sequence[int]) -> list[Row]:
        """The mirrored packages among `ids`, in that order (absent ids are skipped)."""
        return self._rows_for_ids("SELECT * FROM packages WHERE id IN ({marks})", ids)

    def ids_declaring(self, column: str, version: str) -> set[int]:
        """Packages whose PyPI classifiers may name `version` (`django_versions` or
        `python_versions`): a superset, cheap to find, that `pkgcli list` then checks
        exactly on the view. The JSON text holds each version quoted: `"5.2"`."""
        if column not in ("django_versions", "python_versions"):
            raise ValueError(column)
        pattern = '%"' + version.replace("%", "").replace("_", "") + '"%'
        rows = self.query(f"SELECT package_id FROM pypi_projects WHERE {column} LIKE ?", (pattern,))
        return {r["package_id"] for r in rows}

    def packages_by_slugs(self, slugs: Sequence[str]) -> dict[str, Row]:
        """The packages whose slug is exactly one of `slugs` (few queries for many slugs);
        `get_package` handles the rest (ids, other case)."""
        found: dict[str, Row] = {}
        wanted = list(dict.fromkeys(slugs))
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            marks = ", ".join("?" for _ in chunk)
            for row in self.query(f"SELECT * FROM packages WHERE slug IN ({marks})", chunk):
                found[row["slug"]] = row
        return found

    def all_packages(self) -> list[Row]:
        """Every mirrored package (local ones included), by slug: `pkgcli list` filters them."""
        return self.query("SELECT * FROM packages ORDER BY slug")

    def search_packages(self, match: str, exact: str, limit: int | None) -> list[Row]:
        """Packages matching an FTS5 query, best first (see `_NAMED_HITS`)."""
        ids = self._search_ids("packages", match, exact, limit)
        return self._rows_for_ids("SELECT * FROM packages WHERE id IN ({marks})", ids)

    def search_package_ids(self, match: str, exact: str, limit: int | None = None) -> list[int]:
        """Ids of the packages matching an FTS5 word query, best first (at most `limit`)."""
        return self._search_ids("packages", match, exact, limit)

    def trigram_package_ids(self, match: str, limit: int | None = None) -> list[int]:
        """Ids of the packages whose title, slug or description hold every quoted piece of
        `match` anywhere inside a word (the trigram index), most stars first."""
        sql = (
            "SELECT t.id FROM packages_trigram JOIN packages t ON t.id = packages_trigram.rowid"
            " WHERE packages_trigram MATCH ? ORDER BY t.repo_watchers DESC, t.slug LIMIT ?"
        )
        return [r["id"] for r in self._fts(sql, (match, -1 if limit is None else limit))]

    def matching_package_ids(self, match: str, trigram: str | None) -> set[int]:
        """Every package either index matches, unranked (cheap: for counting the hits)."""
        sql = "SELECT rowid AS id FROM packages_fts WHERE packages_fts MATCH ?"
        params = [match]
        if trigram is not None:
            sql += " UNION SELECT rowid FROM packages_trigram WHERE packages_trigram MATCH ?"
            params.append(trigram)
        return {r["id"] for r in self._fts(sql, params)}

    def search_grids(self, match: str, exact: str, limit: int | None) -> list[Row]:
        """Grids matching an FTS5 query (title, slug, description), with their sizes."""
        return self.grid_summaries(self._search_ids("grids", match, exact, limit))

    def _search_ids(self, kind: str, match: str, exact: str, limit: int | None) -> list[int]:
        names = _SEARCHED[kind]
        in_name = "{title slug} : (" + match + ")"
        exact = exact.lower()
        ids = [
            r["id"]
            for r in self._fts(
                _NAMED_HITS.format(**names), (in_name, exact, exact, -1 if limit is None else limit)
            )
        ]
        if limit is not None and len(ids) >= limit:
            return ids
        rest = -1 if limit is None else limit - len(ids)
        others = self._fts(_OTHER_HITS.format(**names), (match, in_name, rest))
        return ids + [r["id"] for r in others]

    def _fts(self, sql: str, params: Sequence[Any]) -> list[Row]:
        try:
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            if "fts5" in str(exc) or "MATCH" in str(exc) or "syntax" in str(exc):
                raise UsageError(f"cannot search for that text ({exc})") from exc
            raise _database_error(self.path, exc) from exc
        except sqlite3.Error as exc:
            raise _database_error(self.path, exc) from exc

    def count(self, table: str) -> int:
        if table not in ("packages", "grids", "categories"):
            raise ValueError(table)
        return int(self.query(f"SELECT count(*) AS n FROM {table}")[0]["n"])

    def source_layers(self, package_ids: Sequence[int]) -> dict[int, dict[str, Row | None]]:
        """What each source (github, pypi, forge) last said about these packages, or None:
        one query per source whatever the number of packages."""
        wanted = list(dict.fromkeys(package_ids))
        tables = source_tables()
        layers: dict[int, dict[str, Row | None]] = {pid: dict.fromkeys(tables) for pid in wanted}
        for source, (table, _) in tables.items():
            lists = SOURCE_JSON_LISTS.get(table, {})
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ", ".join("?" for _ in chunk)
                sql = f"SELECT * FROM {table} WHERE package_id IN ({marks})"
                for row in self.query(sql, chunk):
                    for column, item in lists.items():
                        row[column] = self._json_list(table, row, column, item)
                    layers[row["package_id"]][source] = row
        return layers

    def _json_list(self, table: str, row: Row, column: str, item: type) -> list[Any] | None:
        """A JSON list column of a source row, decoded (NULL: None), or a corrupt error."""
        text = row[column]
        if text is None:
            return None
        try:
            return json_list(text, item)
        except ValueError as exc:
            shown = text if len(text) <= 40 else text[:37] + "..."
            raise self.corrupt(
                f"{table}.{column} of package id {row['package_id']} holds {shown!r}, {exc}"
            ) from None

    def source_targets(self, ids: Sequence[int] | None = None) -> list[Row]:
        """Packages to refresh from the sources (all not gone upstream, or these ids),
        with the names each source last answered to."""
        sql = (
            "SELECT p.id, p.slug, p.repo_url, p.pypi_url, "
            "g.requested_name AS github_requested, g.full_name AS github_full_name, "
            "y.requested_name AS pypi_requested, y.project AS pypi_project, "
            "g.repo_fetched_at AS github_fetched, y.fetched_at AS pypi_fetched "
            "FROM packages p LEFT JOIN github_repos g ON g.package_id = p.id "
            "LEFT JOIN pypi_projects y ON y.package_id = p.id"
        )
        # Stalest first (never fetched, then oldest): a run cut short by a quota converges.
        order = " ORDER BY coalesce(g.repo_fetched_at, ''), coalesce(y.fetched_at, ''), p.id"
        if ids is None:
            return self.query(sql + " WHERE p.gone_at IS NULL" + order)
        rows: list[Row] = []
        wanted = list(ids)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            rows += self.query(sql + f" WHERE p.id IN ({marks})", chunk)
        return sorted(rows, key=lambda r: (r["github_fetched"] or "", r["pypi_fetched"] or ""))

    def http_cache_under(self, prefixes: Iterable[str]) -> dict[str, Row]:
        """Stored validators for every URL starting with one of `prefixes` (range scans)."""
        found: dict[str, Row] = {}
        for prefix in dict.fromkeys(prefixes):
            for row in self.query(
                "SELECT * FROM http_cache WHERE url >= ? AND url < ?", (prefix, prefix + "\uffff")
            ):
                found[row["url"]] = row
        return found

    # -- writes -------------------------------------------------------------------------

    def save_categories(self, rows: Iterable[Row]) -> int:
        return self._save("categories", CATEGORY_COLUMNS, rows)

    def save_grids(self, rows: Iterable[Row]) -> int:
        """Store grids and their membership (the grid's own package list, in its order)."""
        rows = list(rows)
        with self.transaction() as conn:
            count = self._upsert_rows(conn, "grids", GRID_COLUMNS, rows)
            for row in rows:
                conn.execute("DELETE FROM grid_packages WHERE grid_id = ?", (row["id"],))
                conn.executemany(
                    "INSERT OR IGNORE INTO grid_packages (grid_id, package_id, position) "
                    "VALUES (?, ?, ?)",
                    [(row["id"], pid, i) for i, pid in enumerate(json.loads(row["package_ids"]))],
                )
        return count

    def save_packages(self, rows: Iterable[Row]) -> tuple[int, int]:
        """Upsert package records in one transaction. Returns (saved, new).

        A saved package is no longer gone upstream; its `fetched_at` (set by the caller) is
        what tells `gone_candidates` that it was seen.
        """
        rows = list(rows)
        ids = list(dict.fromkeys(r["id"] for r in rows))
        with self.transaction() as conn:
            known = {
                r["id"]
                for r in self._rows_for_ids("SELECT id FROM packages WHERE id IN ({marks})", ids)
            }
            count = self._upsert_rows(conn, "packages", PACKAGE_COLUMNS, rows)
            conn.executemany("UPDATE packages SET gone_at = NULL WHERE id = ?", [(i,) for i in ids])
        return count, len([i for i in ids if i not in known])

    # "Seen" is decided by time, not by run: a row stored since a pass began (by that pass,
    # or meanwhile by a `fetch SLUG` or `show`) was seen. The `seen_run` column of
    # migration 0001 is no longer written (migrations are append-only; it stays unused).
    def gone_candidates(self, before: str) -> list[int]:
        """Upstream packages not flagged gone whose record pkgcli last stored before `before`
        (compared as text: `utc_now`'s UTC ISO text, with or without microseconds, sorts
        in time order)."""
        rows = self.query(
            "SELECT id FROM packages WHERE gone_at IS NULL AND id > 0 "
            "AND (fetched_at IS NULL OR fetched_at < ?) ORDER BY id",
            (before,),
        )
        return [r["id"] for r in rows]

    def mark_gone(self, ids: Sequence[int], before: str, when: str) -> int:
        """Flag these upstream packages gone at `when`, unless stored since `before`."""
        flagged = 0
        with self.transaction() as conn:
            for start in range(0, len(ids), 500):
                chunk = list(ids[start : start + 500])
                marks = ", ".join("?" for _ in chunk)
                cur = conn.execute(
                    f"UPDATE packages SET gone_at = ? WHERE id IN ({marks}) AND gone_at IS NULL "
                    "AND id > 0 AND (fetched_at IS NULL OR fetched_at < ?)",
                    [when, *chunk, before],
                )
                flagged += cur.rowcount
        return flagged

    def save_source_rows(
        self,
        rows: Iterable[tuple[str, Row]],
        cache: Iterable[Row],
        outcomes: Iterable[Row] = (),
    ) -> int:
        """Upsert partial source rows (only the columns given), HTTP validators and the run
        journal's outcomes for them, atomically: a package's answers and its outcome are
        committed together or not at all."""
        rows, cache = list(rows), list(cache)
        with self.transaction() as conn:
            _write_outcomes(conn, outcomes)
            tables = source_tables()
            for source, row in rows:
                table, columns = tables[source]
                unknown = set(row) - set(columns)
                if unknown:
                    raise ValueError(f"not columns of {table}: {sorted(unknown)}")
                names = list(row)
                updates = ", ".join(f"{c} = excluded.{c}" for c in names if c != "package_id")
                conn.execute(
                    f"INSERT INTO {table} ({', '.join(names)}) "
                    f"VALUES ({', '.join('?' for _ in names)}) "
                    f"ON CONFLICT(package_id) DO "
                    + (f"UPDATE SET {updates}" if updates else "NOTHING"),
                    [row[c] for c in names],
                )
            conn.executemany(
                f"INSERT OR REPLACE INTO http_cache ({', '.join(CACHE_COLUMNS)}) "
                f"VALUES ({', '.join('?' for _ in CACHE_COLUMNS)})",
                [[entry[c] for c in CACHE_COLUMNS] for entry in cache],
            )
        return len(rows)

    # -- the fetch run journal (migration 0004) ------------------------------------------

    # -- selecting what a fetch refreshes ----------------------------------------------

    def selection_ids(self, kind: str, slug: str) -> list[int] | None:
        """The packages of a grid or category (by slug or id, any case), not gone
        upstream; None when there is no such grid or category."""
        if kind not in ("grids", "categories"):
            raise ValueError(kind)
        found = self._by_slug_or_id(kind, slug)
        if found is None:
            return None
        sql = (
            "SELECT p.id FROM grid_packages g JOIN packages p ON p.id = g.package_id "
            "WHERE g.grid_id = ? AND p.gone_at IS NULL ORDER BY g.position"
            if kind == "grids"
            else "SELECT id FROM packages WHERE category_id = ? AND gone_at IS NULL ORDER BY id"
        )
        return [r["id"] for r in self.query(sql, (found["id"],))]

    def stale_ids(self, source: str, before: str) -> set[int]:
        """Packages not gone upstream whose data from `source` was fetched before `before`
        or never (compared as UTC ISO text)."""
        sql = FETCHED_AT.get(source)
        if sql is None:
            return set(r["id"] for r in self.query("SELECT id FROM packages WHERE gone_at IS NULL"))
        rows = self.query(
            f"SELECT p.id FROM packages p LEFT JOIN ({sql}) s ON s.package_id = p.id "
            "WHERE p.gone_at IS NULL AND (s.t IS NULL OR s.t < ?)",
            (before,),
        )
        return {r["id"] for r in rows}

    def mirror_counts(self) -> dict[str, int]:
        """Packages (upstream, local, gone), grids and categories, for `pkgcli status`."""
        row = self.query(
            "SELECT count(*) AS packages, coalesce(sum(id < 0), 0) AS local, "
            "coalesce(sum(gone_at IS NOT NULL), 0) AS gone FROM packages"
        )[0]
        return {
            "packages": int(row["packages"]),
            "local": int(row["local"]),
            "gone": int(row["gone"]),
            "grids": self.count("grids"),
            "categories": self.count("categories"),
        }

    def fetched_ages(self, day: str, week: str) -> dict[str, dict[str, int]]:
        """Per source (its own fetched-at), packages fetched since `day`, since `week`, and
        before: {source: {"day", "week", "older"}}. Forges count under their own name."""
        queries = {
            "djangopackages": (
                "SELECT 'djangopackages' AS s, fetched_at AS t FROM packages WHERE id > 0"
            ),
            "github": "SELECT 'github' AS s, repo_fetched_at AS t FROM github_repos",
            "pypi": "SELECT 'pypi' AS s, fetched_at AS t FROM pypi_projects",
            "forge": "SELECT forge AS s, fetched_at AS t FROM forge_repos",
        }
        ages: dict[str, dict[str, int]] = {}
        for sql in queries.values():
            for row in self.query(
                "SELECT s, sum(t >= ?) AS day, sum(t < ? AND t >= ?) AS week, "
                f"sum(t < ?) AS older FROM ({sql}) WHERE t IS NOT NULL GROUP BY s",
                (day, day, week, week),
            ):
                ages[row["s"]] = {k: int(row[k] or 0) for k in ("day", "week", "older")}
        return ages

    def abandon_open_write(self) -> None:
        """Roll back a write a Ctrl-C cut between its BEGIN and its guard, so the journal
        can still record how the run ended."""
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def start_fetch_run(self, selection: Row, options: Row, planned: Iterable[Row]) -> int:
        """A new run, every (package, source) it will ask for recorded `pending`."""
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO fetch_runs (selection, options, started_at) VALUES (?, ?, ?)",
                (json.dumps(selection), json.dumps(options), utc_now()),
            )
            run_id = int(cur.lastrowid or 0)
            _write_outcomes(conn, ({**row, "run_id": run_id} for row in planned))
        return run_id

    def plan_fetch_outcomes(self, run_id: int, planned: Iterable[Row]) -> None:
        """Record more (package, source) pairs as `pending` for a running run."""
        with self.transaction() as conn:
            _write_outcomes(conn, ({**row, "run_id": run_id} for row in planned))

    def set_fetch_run(self, run_id: int, **values: Any) -> None:
        """Update a run's status, finished_at or summary."""
        names = [n for n in values if n in ("status", "finished_at", "summary")]
        with self.transaction() as conn:
            conn.execute(
                f"UPDATE fetch_runs SET {', '.join(f'{n} = ?' for n in names)} WHERE id = ?",
                [values[n] for n in names] + [run_id],
            )

    def fetch_runs(self, limit: int = 5) -> list[Row]:
        """The newest runs, newest first."""
        return self.query("SELECT * FROM fetch_runs ORDER BY id DESC LIMIT ?", (limit,))

    def fetch_outcome_counts(self, run_id: int) -> dict[str, dict[str, int]]:
        """{source: {outcome: packages}} for one run."""
        counts: dict[str, dict[str, int]] = {}
        for row in self.query(
            "SELECT source, outcome, count(*) AS n FROM fetch_outcomes WHERE run_id = ? "
            "GROUP BY source, outcome",
            (run_id,),
        ):
            counts.setdefault(row["source"], {})[row["outcome"]] = row["n"]
        return counts

    def fetch_outcomes(self, run_id: int, outcomes: Sequence[str]) -> list[Row]:
        """The (package_id, source, outcome, error) rows of a run with these outcomes."""
        marks = ", ".join("?" for _ in outcomes)
        return self.query(
            "SELECT package_id, source, outcome, error FROM fetch_outcomes "
            f"WHERE run_id = ? AND outcome IN ({marks}) ORDER BY package_id",
            [run_id, *outcomes],
        )

    def record_run(self, run: Row) -> None:
        with self.transaction() as conn:
            self._upsert_rows(conn, "runs", tuple(run), [run])

    # -- the user's overlay: edits and local packages -----------------------------------
    # Reads may run inside a `transaction()` (they use the same connection); the writers
    # below take that transaction's connection, so one user action is one commit.

    def active_edits(self, package_ids: Iterable[int] | None = None) -> dict[int, list[Row]]:
        """The edits in force, per package (all packages when `package_ids` is None).

        Per field, the newest edit that is not reverted wins; if that is an unset (NULL
        `new_value`) the field shows the upstream value again, so it is left out.
        """
        sql = (
            "SELECT e.*, p.slug FROM edits e JOIN packages p ON p.id = e.package_id "
            "WHERE e.id IN (SELECT MAX(id) FROM edits WHERE reverted_at IS NULL {where} "
            "GROUP BY package_id, field) AND e.new_value IS NOT NULL ORDER BY e.package_id, e.id"
        )
        if package_ids is None:
            rows = self.query(sql.format(where=""))
        else:
            rows = []
            wanted = list(dict.fromkeys(package_ids))
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ", ".join("?" for _ in chunk)
                rows += self.query(sql.format(where=f"AND package_id IN ({marks})"), chunk)
        edits: dict[int, list[Row]] = {}
        for row in rows:
            edits.setdefault(row["package_id"], []).append(row)
        return edits

    def active_field_edits(self, field: str) -> list[Row]:
        """The edits in force for one field across all packages (e.g. grid membership)."""
        return self.query(
            "SELECT e.*, p.slug FROM edits e JOIN packages p ON p.id = e.package_id "
            "WHERE e.id IN (SELECT MAX(id) FROM edits WHERE reverted_at IS NULL AND field = ? "
            "GROUP BY package_id) AND e.new_value IS NOT NULL ORDER BY e.package_id",
            (field,),
        )

    def edit_history(self, package_id: int | None = None) -> list[Row]:
        """Every edit event, oldest first (reverted ones included), with the package slug."""
        where = "WHERE e.package_id = ?" if package_id is not None else ""
        return self.query(
            "SELECT e.*, p.slug FROM edits e LEFT JOIN packages p ON p.id = e.package_id "
            f"{where} ORDER BY e.id",
            (package_id,) if package_id is not None else (),
        )

    def local_packages(self) -> list[Row]:
        """Packages that exist only in this mirror (negative ids), oldest first."""
        return self.query("SELECT * FROM packages WHERE id < 0 ORDER BY id DESC")

    def insert_edits(self, conn: sqlite3.Connection, rows: Iterable[Row]) -> list[int]:
        """Record edit events (inside `transaction()`); returns their ids, in order."""
        ids = []
        for row in rows:
            cur = conn.execute(
                "INSERT INTO edits (package_id, field, old_value, new_value, created_at, origin) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [row[c] for c in EDIT_COLUMNS],
            )
            ids.append(int(cur.lastrowid or 0))
        return ids

    def revert_edits(self, conn: sqlite3.Connection, ids: Sequence[int], when: str) -> int:
        """Mark edit events reverted (inside `transaction()`); history keeps them."""
        marks = ", ".join("?" for _ in ids)
        cur = conn.execute(
            f"UPDATE edits SET reverted_at = ? WHERE reverted_at IS NULL AND id IN ({marks})",
            [when, *ids],
        )
        return cur.rowcount

    def create_local_package(self, conn: sqlite3.Connection, slug: str, when: str) -> int:
        """Add a package that exists only here (inside `transaction()`); returns its id.

        Local ids count down from -1, so they never meet an upstream id and every refresh
        from Django Packages (which only knows positive ids) leaves them alone.
        """
        low = conn.execute("SELECT MIN(COALESCE(MIN(id), 0), 0) AS low FROM packages").fetchone()
        package_id = int(low["low"]) - 1
        row = blank_package_row(package_id, slug, when)
        names = ", ".join(PACKAGE_COLUMNS)
        marks = ", ".join("?" for _ in PACKAGE_COLUMNS)
        conn.execute(
            f"INSERT INTO packages ({names}) VALUES ({marks})", [row[c] for c in PACKAGE_COLUMNS]
        )
        return package_id

    def delete_local_package(self, conn: sqlite3.Connection, package_id: int) -> None:
        """Remove a local package and its edits (inside `transaction()`); never an upstream one."""
        if package_id >= 0:
            raise ValueError("only local packages (negative ids) can be deleted")
        conn.execute("DELETE FROM edits WHERE package_id = ?", (package_id,))
        conn.execute("DELETE FROM grid_packages WHERE package_id = ?", (package_id,))
        conn.execute("DELETE FROM packages WHERE id = ?", (package_id,))

    def _save(self, table: str, columns: Sequence[str], rows: Iterable[Row]) -> int:
        with self.transaction() as conn:
            return self._upsert_rows(conn, table, columns, list(rows))

    @staticmethod
    def _upsert_rows(
        conn: sqlite3.Connection, table: str, columns: Sequence[str], rows: list[Row]
    ) -> int:
        """Upsert row by row, each slug freed just before its row takes it: two records
        of one page with the same slug cannot then collide on the unique index."""
        sql = _upsert_sql(table, columns)
        for row in rows:
            if "slug" in columns:
                Store._free_slug(conn, table, row["slug"], row["id"])
            conn.execute(sql, [row[c] for c in columns])
        return len(rows)

    @staticmethod
    def _free_slug(conn: sqlite3.Connection, table: str, slug: str, owner_id: int) -> None:
        """A slug moved to another record upstream: park the stale holder's slug aside.

        An upstream holder is renamed `SLUG-staleID` (a valid slug, so `show` takes it);
        a local package (negative id) that upstream now names the same way is renamed to a
        slug that stays usable on the command line: `SLUG-local1` for id -1.
        """
        holders = conn.execute(
            f"SELECT id FROM {table} WHERE slug = ? AND id != ?", (slug, owner_id)
        ).fetchall()
        for holder in holders:
            holder_id = holder["id"]
            if holder_id < 0:
                conn.execute(
                    f"UPDATE {table} SET slug = slug || '-local' || -id WHERE id = ?",
                    (holder_id,),
                )
            else:
                parked = _parked_slug(conn, table, slug, holder_id)
                conn.execute(f"UPDATE {table} SET slug = ? WHERE id = ?", (parked, holder_id))


def _parked_slug(conn: sqlite3.Connection, table: str, slug: str, holder_id: int) -> str:
    """`SLUG-staleID`, cut to fit 100 characters, with `-2`, `-3`… if that is taken too."""
    for n in range(1, 1000):
        suffix = f"-stale{holder_id}" + (f"-{n}" if n > 1 else "")
        parked = slug[: MAX_SLUG - len(suffix)] + suffix
        if not conn.execute(f"SELECT 1 FROM {table} WHERE slug = ?", (parked,)).fetchone():
            return parked
    raise DatabaseError(f"cannot find a free slug to park {slug!r} (id {holder_id}) under")


def blank_package_row(package_id: int, slug: str, when: str) -> Row:
    """A `packages` row with no upstream facts: what a new local package starts from."""
    row: Row = {c: None for c in PACKAGE_COLUMNS}
    row.update(
        id=package_id,
        slug=slug,
        title="",
        grid_ids="[]",
        repo_url="",
        repo_description="",
        repo_watchers=0,
        repo_forks=0,
        pypi_url="",
        commits_over_52="[]",
        participants="[]",
        created=when,
        modified=when,
        gone_at=None,
    )
    return row


def _database_error(path: str, exc: sqlite3.Error) -> DatabaseError:
    text = str(exc)
    if "not a database" in text or "malformed" in text:
        return DatabaseError(f"{path} is corrupt or not a pkgcli database ({text})")
    if text.startswith(("no such table", "no such column")):  # schema ≠ its migrations
        return DatabaseError(f"{path} is corrupt: its schema lacks what pkgcli needs ({text})")
    if "readonly" in text or "read-only" in text:
        return DatabaseError(f"{path} is read-only: pkgcli cannot write to it ({text})")
    if "locked" in text or "busy" in text:
        return DatabaseError(f"{path} is locked by another process; try again ({text})")
    if "unable to open" in text:
        return DatabaseError(f"cannot open the database {path} ({text})")
    return DatabaseError(f"database error in {path}: {text}")


def complete_slugs(path: str, table: str, prefix: str, limit: int = 1000) -> list[str]:
    """Slugs starting with `prefix`, for shell completion: read-only, never raises.

    Opens the file read-only (no creation, no migration, no lock wait to speak of), so
    completing before the first fetch, or while a fetch runs, simply offers nothing more.
    Only slugs that pass the CLI's slug rule (`is_valid_slug`) are offered: a completion
    is pasted into the user's shell, and upstream text such as `x;touch${IFS}pwned` must
    never get there. The rule allows no character any shell treats specially.
    """
    if table not in ("packages", "grids") or not os.path.isfile(path):
        return []
    from pathlib import Path

    pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    try:
        conn = sqlite3.connect(f"{Path(path).absolute().as_uri()}?mode=ro", uri=True, timeout=0.5)
        try:
            rows = conn.execute(
                f"SELECT slug FROM {table} WHERE slug LIKE ? ESCAPE '\\' "
                f"AND slug NOT GLOB '*[^A-Za-z0-9_-]*' ORDER BY slug LIMIT ?",
                (pattern, limit),
            ).fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return []
    return [r[0] for r in rows if isinstance(r[0], str) and is_valid_slug(r[0])]


BUSY_TIMEOUT = 10.0  # seconds a process waits for another's write (or migration)


def open_store(path: str) -> Store:
    """Open (creating and migrating if needed) the mirror at `path`.

    A new database file is created 0600 and new directories 0700, whatever the umask
    (SQLite gives its WAL and SHM files the database's mode). Creating and migrating are
    serialised between processes (see `_migration_lock`), so many processes opening a
    new database at once all wait for the first instead of failing "database is locked".
    """
    _make_private_dirs(path)
    if os.path.isdir(path):
        raise DatabaseError(f"{path} is a directory, not a database file")
    _create_private_file(path)
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None)
    except sqlite3.Error as exc:
        raise _database_error(path, exc) from exc
    try:
        conn.row_factory = _dict_factory
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
        applied = _applied_migrations(conn, path)
        _check_known(path, applied)
        if len(applied) < len(MIGRATION_NAMES):
            with _migration_lock(path):
                if len(_applied_migrations(conn, path)) < len(MIGRATION_NAMES):
                    _migrate(conn, path)  # unless another process did it meanwhile
    except sqlite3.Error as exc:
        conn.close()
        raise _database_error(path, exc) from exc
    except BaseException:
        conn.close()
        raise
    return Store(conn, path)


def _check_known(path: str, applied: list[str]) -> None:
    unknown = [name for name in applied if name not in MIGRATION_NAMES]
    if unknown:
        raise DatabaseError(
            f"{path} was written by a newer pkgcli (schema {unknown[-1]}); upgrade pkgcli"
        )


def _make_private_dirs(path: str) -> None:
    """Create the missing directories above `path`, each 0700 whatever the umask."""
    parent = os.path.dirname(os.path.abspath(path))
    missing = []
    while parent and not os.path.isdir(parent):
        missing.append(parent)
        up = os.path.dirname(parent)
        if up == parent:
            break
        parent = up
    try:
        for directory in reversed(missing):
            with contextlib.suppress(FileExistsError):  # another process made it meanwhile
                os.mkdir(directory, 0o700)
                os.chmod(directory, 0o700)  # the umask may have taken bits from 0o700
    except OSError as exc:
        raise DatabaseError(f"cannot create the directory for {path}: {exc.strerror}") from exc


def _create_private_file(path: str) -> None:
    """Create `path` empty and 0600 if it does not exist: SQLite takes an empty file as a
    new database, and would otherwise create it with the umask's mode. Errors are left
    to `sqlite3.connect`, which names them."""
    if path == ":memory:":  # SQLite's name for a database in memory, not a file
        return
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:
        return
    try:
        os.fchmod(fd, 0o600)  # whatever the umask took from it
    finally:
        os.close(fd)


@contextmanager
def _migration_lock(path: str) -> Iterator[None]:
    """Hold an exclusive `flock` on `<database>.migrate.lock` while creating/migrating,
    waiting up to the busy timeout for another process that is doing it. Where there is
    no `fcntl`, SQLite's own busy timeout is all there is."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    if path == ":memory:":  # no other process can see it
        yield
        return
    fd = _open_lock_file(path + ".migrate.lock")
    if fd is None:  # cannot make it (read-only place): the migration will say why
        yield
        return
    try:
        _wait_for_flock(fcntl, fd, path)
        yield
    finally:
        os.close(fd)


def _wait_for_flock(fcntl: Any, fd: int, path: str) -> None:
    import time

    deadline = time.monotonic() + BUSY_TIMEOUT
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise DatabaseError(
                    f"{path} is being created or upgraded by another process; try again"
                ) from None
            time.sleep(0.02)
        except OSError:  # no locking on this file system: SQLite's busy timeout remains
            return


def _open_lock_file(lock_path: str) -> int | None:
    """A descriptor on the lock file, created 0600 if new; None if it cannot be made."""
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return None
    return fd


def _applied_migrations(conn: sqlite3.Connection, path: str = "") -> list[str]:
    """The migrations the database says it has; a DatabaseError (corrupt) if it lacks a
    table or column one of them creates (see `migrations.MIGRATION_TABLES`)."""
    schema = {
        r["name"]: r["sql"] or ""
        for r in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
    }
    if "_sqlite_migrations" not in schema:
        return []
    rows = conn.execute(
        "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid",
        (MIGRATION_SET,),
    ).fetchall()
    applied = [r["name"] for r in rows]
    for name in applied:
        lacking = _lacking(schema, MIGRATION_TABLES.get(name, {}))
        if lacking:
            raise DatabaseError(
                f"{path} is corrupt: schema {name} is recorded as applied but {lacking}"
            )
    return applied


def _lacking(schema: dict[str, str], promised: dict[str, str]) -> str | None:
    """What of `promised` ({table: "col col …"}) the `CREATE` texts in `schema` lack.
    Cheap (`show` runs it on every start): substring tests, never a PRAGMA per table."""
    for table, columns in promised.items():
        sql = schema.get(table)
        if sql is None:
            return f"table {table} is missing"
        for column in columns.split():
            if not _declares(sql, column):
                return f"{table}.{column} is missing"
    return None


def _declares(sql: str, column: str) -> bool:
    """Whether a `CREATE TABLE` text declares `column`: quoted as sqlite-utils and ALTER
    TABLE write it, or bare as a hand-written migration does (a whole word, so a dropped
    `status` is not found in `status_detail`)."""
    if f"[{column}]" in sql or f'"{column}"' in sql:
        return True
    return any(f"{before}{column} " in sql for before in (" ", "\n", "(", ","))


def _migrate(conn: sqlite3.Connection, path: str) -> None:
    import sqlite_utils

    from pkgcli import migrations

    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.row_factory = None
        migrations.apply(sqlite_utils.Database(conn))
    except sqlite3.OperationalError as exc:
        # Another process may have migrated at the same moment: fine if nothing is pending.
        conn.row_factory = _dict_factory
        if len(_applied_migrations(conn, path)) < len(MIGRATION_NAMES):
            raise _database_error(path, exc) from exc
    except sqlite3.Error as exc:
        raise _database_error(path, exc) from exc
    finally:
        conn.row_factory = _dict_factory
