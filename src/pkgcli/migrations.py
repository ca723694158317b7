"""The database schema, as numbered, append-only migrations (sqlite-utils `Migrations`).

Never edit or reorder a migration that has shipped: add a new one at the end of
`MIGRATIONS`. The names are also what `store` compares against to detect a database
written by a newer pkgcli — cheaply, without importing sqlite-utils on the `show` path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

MIGRATION_SET = "pkgcli"


def m0001_catalogue(db: Any) -> None:
    """Categories, grids, packages and the grid↔package relation, keyed on upstream ids."""
    db["categories"].create(
        {
            "id": int,
            "slug": str,
            "title": str,
            "description": str,
            "title_plural": str,
            "show_pypi": int,
            "created": str,
            "modified": str,
            "fetched_at": str,
        },
        pk="id",
        not_null={"slug"},
    )
    db["categories"].create_index(["slug"], unique=True)
    db["grids"].create(
        {
            "id": int,
            "slug": str,
            "title": str,
            "description": str,
            "is_locked": int,
            "header": int,
            "package_ids": str,  # JSON list, upstream order
            "created": str,
            "modified": str,
            "fetched_at": str,
        },
        pk="id",
        not_null={"slug"},
    )
    db["grids"].create_index(["slug"], unique=True)
    db["packages"].create(
        {
            "id": int,
            "slug": str,
            "title": str,
            "category_id": int,
            "grid_ids": str,  # JSON list, upstream order (arbitrary but reproduced exactly)
            "repo_url": str,
            "repo_description": str,
            "repo_watchers": int,
            "repo_forks": int,
            "pypi_url": str,
            "pypi_version": str,
            "documentation_url": str,
            "commits_over_52": str,  # JSON list of 52 ints, oldest first; [] = unknown
            "participants": str,  # JSON list of logins
            "last_updated": str,  # UTC ISO-8601
            "last_fetched": str,
            "created": str,
            "modified": str,
            "fetched_at": str,  # when pkgcli last stored this record from Django Packages
            "seen_run": str,  # the `fetch --all` pass that last saw it
            "gone_at": str,  # set when a complete pass no longer lists it
        },
        pk="id",
        not_null={"slug"},
        foreign_keys=[("category_id", "categories", "id")],
    )
    db["packages"].create_index(["slug"], unique=True)
    db["grid_packages"].create(
        {"grid_id": int, "package_id": int, "position": int},
        pk=("grid_id", "package_id"),
        foreign_keys=[("grid_id", "grids", "id"), ("package_id", "packages", "id")],
    )
    db["grid_packages"].create_index(["package_id"])
    db["packages"].enable_fts(
        ["title", "slug", "repo_description", "participants"],
        create_triggers=True,
        tokenize="porter",
    )
    db["grids"].enable_fts(["title", "slug", "description"], create_triggers=True)
    db["runs"].create(
        {
            "id": str,
            "kind": str,
            "started_at": str,
            "finished_at": str,
            "complete": int,
            "packages": int,
            "requests": int,
        },
        pk="id",
    )


def m0002_sources(db: Any) -> None:
    """What GitHub, PyPI and other forges say about each package, and HTTP validators.

    One row per package and source, keyed on the package id. Each field group carries its
    own `*_fetched_at` (when pkgcli last got that group from the source, a 304 included);
    `status` and `checked_at` describe the last attempt. A failed attempt never clears a
    value: the columns keep the last good answer. Nothing here touches `packages`, which
    stays exactly what Django Packages serves; the views merge them at read time.
    """
    db["github_repos"].create(
        {
            "package_id": int,
            "requested_name": str,  # owner/name from the Django Packages repo_url
            "full_name": str,  # the name GitHub answers to now (after renames)
            "repo_id": int,
            "stars": int,
            "forks": int,
            "subscribers_count": int,
            "description": str,
            "archived": int,
            "pushed_at": str,
            "license": str,  # SPDX id
            "default_branch": str,
            "homepage": str,
            "repo_fetched_at": str,
            "commits_over_52": str,  # JSON list of 52 ints, oldest first
            "participation_fetched_at": str,
            "participants": str,  # JSON list of logins, GitHub's order
            "contributors_fetched_at": str,
            "last_commit_at": str,
            "commit_count": int,
            "commits_fetched_at": str,
            "status": str,  # ok | moved | not_found | unavailable_451 | blocked | rate_limited
            "status_detail": str,
            "etag_hit": int,  # 1: the last refresh was answered entirely by 304s
            "checked_at": str,
        },
        pk="package_id",
        foreign_keys=[("package_id", "packages", "id")],
    )
    db["pypi_projects"].create(
        {
            "package_id": int,
            "requested_name": str,  # normalised name from the Django Packages pypi_url
            "project": str,  # PyPI's own spelling of the name (info.name)
            "version": str,
            "latest_release_at": str,
            "license": str,
            "requires_python": str,
            "python_versions": str,  # JSON list, ascending
            "django_versions": str,  # JSON list, ascending
            "development_status": str,
            "documentation_url": str,
            "fetched_at": str,
            "status": str,  # ok | gone_from_pypi
            "status_detail": str,
            "etag_hit": int,
            "checked_at": str,
        },
        pk="package_id",
        foreign_keys=[("package_id", "packages", "id")],
    )
    db["forge_repos"].create(
        {
            "package_id": int,
            "forge": str,  # gitlab | codeberg | gitea
            "requested_name": str,
            "full_name": str,
            "stars": int,
            "forks": int,
            "description": str,
            "archived": int,
            "last_activity_at": str,
            "license": str,
            "fetched_at": str,
            "status": str,
            "status_detail": str,
            "etag_hit": int,
            "checked_at": str,
        },
        pk="package_id",
        foreign_keys=[("package_id", "packages", "id")],
    )
    db["http_cache"].create(
        {
            "url": str,
            "etag": str,
            "last_modified": str,
            "data": str,  # JSON: the parsed answer a 304 stands for (never a raw body)
            "stored_at": str,
        },
        pk="url",
    )


def m0003_edits(db: Any) -> None:
    """The user's overlay: one row per edit event, never touching the upstream rows.

    The value of a field is the newest non-reverted edit for it; an edit whose `new_value`
    is NULL is an "unset" (back to the upstream value). `old_value` is the upstream value
    when the edit was made, so `show` can tell when upstream has changed it since. Edits
    are keyed on the package id (slugs can change upstream). Packages that exist only in
    this mirror ("local" packages) live in `packages` with negative ids: upstream ids are
    positive, so no refresh from Django Packages ever touches or flags them.
    """
    db.execute(
        """
        CREATE TABLE edits (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            package_id INTEGER NOT NULL REFERENCES packages(id),
            field TEXT NOT NULL,
            old_value TEXT,
            new_value TEXT,
            created_at TEXT NOT NULL,
            reverted_at TEXT,
            origin TEXT NOT NULL DEFAULT 'cli'
        )
        """
    )
    db.execute("CREATE INDEX edits_package_field ON edits (package_id, field, reverted_at)")
    db.execute("CREATE INDEX edits_field ON edits (field, reverted_at)")


def m0004_fetch_journal(db: Any) -> None:
    """The run journal: every `fetch` is a run, and each package and source it chose has an
    outcome (ok | not_modified | moved | not_found | failed | pending).

    Outcomes are written `pending` when the run starts and replaced in the same
    transaction that stores each package's answers, so a run killed at any moment says
    exactly what is left: `fetch --resume` reads it.
    """
    db.execute(
        """
        CREATE TABLE fetch_runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            selection TEXT NOT NULL,
            options TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL DEFAULT 'running',
            summary TEXT
        )
        """
    )
    db.execute(
        """
        CREATE TABLE fetch_outcomes (
            run_id INTEGER NOT NULL REFERENCES fetch_runs(id),
            package_id INTEGER NOT NULL,
            source TEXT NOT NULL,
            outcome TEXT NOT NULL,
            error TEXT,
            at TEXT,
            PRIMARY KEY (run_id, package_id, source)
        )
        """
    )
    db.execute("CREATE INDEX fetch_outcomes_outcome ON fetch_outcomes (run_id, outcome)")


_TRIGRAM_COLUMNS = "title, slug, repo_description"


def m0005_trigram(db: Any) -> None:
    """A trigram index beside the word index, so `search auth` finds `django-allauth` and
    `django-oauth-toolkit`: the word index (porter, prefixes) only matches word starts.

    External content (the `packages` rows themselves), kept current by triggers like the
    ones sqlite-utils writes for the word index; the user's edited text is matched by
    `service.search` from the edits table (a few rows), not indexed here.
    """
    cols = _TRIGRAM_COLUMNS
    new = ", ".join(f"new.{c.strip()}" for c in cols.split(","))
    old = ", ".join(f"old.{c.strip()}" for c in cols.split(","))
    db.execute(
        f"CREATE VIRTUAL TABLE packages_trigram USING fts5({cols}, content='packages', "
        "content_rowid='id', tokenize='trigram')"
    )
    db.execute("INSERT INTO packages_trigram(packages_trigram) VALUES ('rebuild')")
    insert = f"INSERT INTO packages_trigram(rowid, {cols}) VALUES (new.id, {new});"
    delete = (
        f"INSERT INTO packages_trigram(packages_trigram, rowid, {cols}) "
        f"VALUES ('delete', old.id, {old});"
    )
    db.execute(f"CREATE TRIGGER packages_trigram_ai AFTER INSERT ON packages BEGIN {insert} END")
    db.execute(f"CREATE TRIGGER packages_trigram_ad AFTER DELETE ON packages BEGIN {delete} END")
    db.execute(
        f"CREATE TRIGGER packages_trigram_au AFTER UPDATE ON packages BEGIN {delete} {insert} END"
    )


def m0006_health(db: Any) -> None:
    """Health and history: the advisories PyPI lists for a project's latest release, and one
    snapshot per package each time a refresh changes what `pkgcli changes` reports on.

    Snapshots are written only on change (see `history.py`), so the table grows with
    churn, not with the number of refreshes.
    """
    db.execute("ALTER TABLE pypi_projects ADD COLUMN advisories TEXT")
    # WITHOUT ROWID: the (package_id, taken_at) key is the table, with no second index.
    db.execute(
        """
        CREATE TABLE snapshots (
            package_id INTEGER NOT NULL,
            taken_at INTEGER NOT NULL,  -- microseconds since 1970-01-01 UTC (compact)
            stars INTEGER,
            forks INTEGER,
            version TEXT,
            released_at TEXT,  -- UTC, YYYY-MM-DDTHH:MM:SSZ
            last_commit TEXT,  -- UTC, YYYY-MM-DDTHH:MM:SSZ
            archived INTEGER,
            participants INTEGER,
            verdict TEXT,
            gone INTEGER,
            grids TEXT,  -- JSON list of grid ids, ascending
            PRIMARY KEY (package_id, taken_at)
        ) WITHOUT ROWID
        """
    )


MIGRATIONS: list[tuple[str, Callable[[Any], None]]] = [
    ("0001_catalogue", m0001_catalogue),
    ("0002_sources", m0002_sources),
    ("0003_edits", m0003_edits),
    ("0004_fetch_journal", m0004_fetch_journal),
    ("0005_trigram", m0005_trigram),
    ("0006_health", m0006_health),
]
MIGRATION_NAMES: tuple[str, ...] = tuple(name for name, _ in MIGRATIONS)
# The tables (and their columns) each migration creates: a database whose
# `_sqlite_migrations` claims a migration without them is corrupt (exit 5). `store` checks
# it on every open against the `CREATE` text it reads from `sqlite_master` anyway (one
# query, no PRAGMA per table). Append an entry with each new migration (a test compares
# this with what the migrations really create); a migration missing here is not checked.
MIGRATION_TABLES: dict[str, dict[str, str]] = {
    "0001_catalogue": {
        "categories": "id slug title description title_plural show_pypi created modified"
        " fetched_at",
        "grids": "id slug title description is_locked header package_ids created modified"
        " fetched_at",
        "packages": "id slug title category_id grid_ids repo_url repo_description"
        " repo_watchers repo_forks pypi_url pypi_version documentation_url commits_over_52"
        " participants last_updated last_fetched created modified fetched_at seen_run gone_at",
        "grid_packages": "grid_id package_id position",
        "packages_fts": "title slug repo_description participants",
        "grids_fts": "title slug description",
        "runs": "id kind started_at finished_at complete packages requests",
    },
    "0002_sources": {
        "github_repos": "package_id requested_name full_name repo_id stars forks"
        " subscribers_count description archived pushed_at license default_branch homepage"
        " repo_fetched_at commits_over_52 participation_fetched_at participants"
        " contributors_fetched_at last_commit_at commit_count commits_fetched_at status"
        " status_detail etag_hit checked_at",
        "pypi_projects": "package_id requested_name project version latest_release_at"
        " license requires_python python_versions django_versions development_status"
        " documentation_url fetched_at status status_detail etag_hit checked_at",
        "forge_repos": "package_id forge requested_name full_name stars forks description"
        " archived last_activity_at license fetched_at status status_detail etag_hit"
        " checked_at",
        "http_cache": "url etag last_modified data stored_at",
    },
    "0003_edits": {
        "edits": "id package_id field old_value new_value created_at reverted_at origin",
    },
}


def apply(db: Any) -> None:
    """Apply every pending migration, each in its own transaction."""
    from sqlite_utils.migrations import Migrations

    migrations = Migrations(MIGRATION_SET)
    for name, fn in MIGRATIONS:
        migrations(name=name)(fn)
    migrations.apply(db)
