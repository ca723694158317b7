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


MIGRATIONS: list[tuple[str, Callable[[Any], None]]] = [
    ("0001_catalogue", m0001_catalogue),
    ("0003_edits", m0003_edits),
]
MIGRATION_NAMES: tuple[str, ...] = tuple(name for name, _ in MIGRATIONS)


def apply(db: Any) -> None:
    """Apply every pending migration, each in its own transaction."""
    from sqlite_utils.migrations import Migrations

    migrations = Migrations(MIGRATION_SET)
    for name, fn in MIGRATIONS:
        migrations(name=name)(fn)
    migrations.apply(db)
