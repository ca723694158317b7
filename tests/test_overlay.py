"""Unit tests of the overlay: validators, the TOML document, the store's edit queries,
and laying edits over views (including the bulk helpers meant for list-grid and search)."""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from pkgcli import overlay
from pkgcli.editing import EditRequest, _mode
from pkgcli.editor import Document, build_document, parse_document, toml_string, toml_value
from pkgcli.errors import UsageError
from pkgcli.migrations import MIGRATION_NAMES, MIGRATION_SET, m0001_catalogue
from pkgcli.render import history_lines, history_table
from pkgcli.service import package_view
from pkgcli.sources.djangopackages import parse_package
from pkgcli.store import Store, open_store

from .conftest import FIXTURES

API = "https://djangopackages.org/api/v4"
NOW = "2026-11-29T12:00:00+00:00"
RECORD = json.loads((FIXTURES / "djangopackages" / "package-1858.json").read_text())


@pytest.fixture
def store(tmp_path: Path) -> Store:
    opened = open_store(str(tmp_path / "m.db"))
    opened.save_packages([parse_package(RECORD, NOW)])
    return opened


def add_edit(store: Store, field: str, new: Any, *, unset: bool = False, pid: int = 1858) -> int:
    with store.transaction() as conn:
        [edit_id] = store.insert_edits(
            conn,
            [
                {
                    "package_id": pid,
                    "field": field,
                    "old_value": None,
                    "new_value": None if unset else json.dumps(new),
                    "created_at": NOW,
                    "origin": "test",
                }
            ],
        )
    return edit_id


# -- validators ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "given", "stored"),
    [
        ("title", "  Padded  ", "Padded"),
        ("repo_description", "two\r\nlines ", "two\r\nlines "),  # text is kept exactly
        ("repo_watchers", "42", 42),
        ("repo_watchers", 42, 42),
        ("repo_url", "HTTPS://Example.com/x", "HTTPS://Example.com/x"),
        ("repo_url", "", ""),
        ("pypi_url", "Django_Foo.bar", "Django_Foo.bar"),
        ("pypi_url", "https://pypi.org/project/x/", "https://pypi.org/project/x/"),
        ("last_updated", "2024-05-31", "2024-05-31T00:00:00+00:00"),
        ("last_updated", "2024-05-31T12:00:00+02:00", "2024-05-31T10:00:00+00:00"),
        ("last_updated", "2024-05-31T12:00:00Z", "2024-05-31T12:00:00+00:00"),
        ("last_updated", date(2024, 5, 31), "2024-05-31T00:00:00+00:00"),
        ("last_updated", datetime(2024, 5, 31, 1, tzinfo=UTC), "2024-05-31T01:00:00+00:00"),
        ("last_updated", "", None),
        ("commits_over_52", "[]", []),
        ("commits_over_52", ",".join(["1"] * 52), [1] * 52),
        ("participants", "a, b,,c", ["a", "b", "c"]),
        ("participants", '["a, b"]', ["a, b"]),
        ("participants", ["x"], ["x"]),
        ("grids", "7, 7, 3", [7, 3]),
        ("category", "3", 3),
        ("category", "", None),
        ("tags", "Web, web, API", ["Web", "API"]),
        ("notes", "multi\nline", "multi\nline"),
    ],
)
def test_values_are_checked_and_made_canonical(field: str, given: Any, stored: Any) -> None:
    assert overlay.check_value(overlay.FIELDS[field], given) == stored


@pytest.mark.parametrize(
    ("field", "given"),
    [
        ("title", 3),
        ("title", "a\nb"),
        ("repo_watchers", "1.5"),
        ("repo_watchers", True),
        ("repo_watchers", 2**63),
        ("repo_url", "github.com/x/y"),
        ("repo_url", "javascript:alert(1)"),
        ("repo_url", "https://exa mple.com"),
        ("pypi_url", "not a name!"),
        ("last_updated", "31/05/2024"),
        ("last_updated", "2024-13-01"),
        ("commits_over_52", [1] * 51),
        ("grids", "0"),
        ("grids", {"a": 1}),
        ("category", "0"),
        ("tags", ["x" * 51]),
        ("participants", "[1]"),
    ],
)
def test_invalid_values_name_the_field_in_one_line(field: str, given: Any) -> None:
    with pytest.raises(UsageError) as caught:
        overlay.check_value(overlay.FIELDS[field], given)
    assert f"invalid value for {field}" in caught.value.message
    assert "\n" not in caught.value.message


@pytest.mark.parametrize(
    ("given", "value"),
    [
        *[("yes", True), (" True ", True), ("on", True), (1, True), (True, True)],
        *[("no", False), ("FALSE", False), ("off", False), ("0", False), (False, False)],
    ],
)
def test_the_bool_kind_is_ready_for_fields_to_come(given: Any, value: bool) -> None:
    assert overlay.BOOL.coerce(given) is value


@pytest.mark.parametrize("given", ["maybe", 2, None, ""])
def test_the_bool_kind_refuses_anything_else(given: Any) -> None:
    with pytest.raises(overlay.Invalid):
        overlay.BOOL.coerce(given)


def test_the_registry_is_one_line_per_field_with_a_kind_and_help() -> None:
    for name, field in overlay.FIELDS.items():
        assert field.name == name
        assert field.help
        assert isinstance(field.kind, overlay.Kind)
    upstream_only = {f.name for f in overlay.FIELDS.values() if not f.upstream}
    assert upstream_only == {"notes", "tags"}


# -- the TOML document -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "plain",
        'quote " and backslash \\',
        "multi\nline with ''' inside",
        "ends with a quote'",
        "\nstarts with a newline",
        "crlf\r\nline",
        "controls \x00 \x1b[31m \x7f \t tab",
        "unicode é ü 漢字 \u202e",
        "two\nlines",
    ],
)
def test_toml_strings_read_back_exactly(text: str) -> None:
    assert tomllib.loads(f"v = {toml_string(text)}")["v"] == text


def test_long_lists_are_wrapped_and_read_back() -> None:
    value = [f"login-{n}" for n in range(100)]
    rendered = toml_value(value)
    assert max(len(line) for line in rendered.splitlines()) <= 90
    assert tomllib.loads(f"v = {rendered}")["v"] == value


def test_the_document_of_a_real_record_reads_back_as_no_change(store: Store) -> None:
    row = store.get_package("django-oauth-toolkit")
    assert row is not None
    view = package_view(store, row, API)
    doc = build_document("django-oauth-toolkit", view)
    assert parse_document(doc.text, doc) == []
    assert "# documentation_url" not in doc.text  # it has a value: a real line
    assert set(tomllib.loads(doc.text)) == set(overlay.FIELDS) - {"notes"}


def test_hostile_upstream_text_cannot_break_the_document(store: Store) -> None:
    hostile = dict(RECORD, repo_description="'''\n[table]\nx = 1\n\x1b[2J", title='"]\n\r')
    store.save_packages([parse_package(hostile, NOW)])
    row = store.get_package("django-oauth-toolkit")
    assert row is not None
    doc = build_document("django-oauth-toolkit", package_view(store, row, API))
    assert "\x1b" not in doc.text
    assert parse_document(doc.text, doc) == []


def test_a_changed_document_gives_sets_and_unsets() -> None:
    doc = Document(
        text="",
        written={"title": "Mine", "repo_forks": 3},
        current={"title": "Mine", "repo_forks": 3, "notes": None},
        edited={"title"},
    )
    changes = parse_document("repo_forks = 4\nnotes = 'n'\n", doc)
    assert [(c.field.name, c.value, c.unset) for c in changes] == [
        ("repo_forks", 4, False),
        ("notes", "n", False),
        ("title", None, True),
    ]


# -- the store's view of edits ---------------------------------------------------------


def test_the_newest_unreverted_edit_is_in_force_and_an_unset_hides_the_field(
    store: Store,
) -> None:
    first = add_edit(store, "title", "A")
    second = add_edit(store, "title", "B")
    assert [e["id"] for e in store.active_edits()[1858]] == [second]
    unset = add_edit(store, "title", None, unset=True)
    assert store.active_edits() == {}
    with store.transaction() as conn:
        assert store.revert_edits(conn, [unset, second], NOW) == 2
    assert [e["id"] for e in store.active_edits([1858])[1858]] == [first]
    assert [e["id"] for e in store.edit_history(1858)] == [first, second, unset]


def test_local_ids_count_down_and_fetches_never_flag_them(store: Store) -> None:
    with store.transaction() as conn:
        ids = [store.create_local_package(conn, f"local-{n}", NOW) for n in range(3)]
    assert ids == [-1, -2, -3]
    assert [r["slug"] for r in store.local_packages()] == ["local-0", "local-1", "local-2"]
    later = "2999-01-01T00:00:00+00:00"  # a fetch --all that began after every record
    assert store.gone_candidates(later) == [1858]  # only the upstream package
    assert store.mark_gone([*ids, 1858], later, NOW) == 1
    assert all(r["gone_at"] is None for r in store.local_packages())


def test_a_mirror_from_before_edit_gains_the_edits_table(tmp_path: Path) -> None:
    import sqlite_utils
    from sqlite_utils.migrations import Migrations

    path = tmp_path / "old.db"
    first = Migrations(MIGRATION_SET)
    first(name=MIGRATION_NAMES[0])(m0001_catalogue)
    first.apply(sqlite_utils.Database(str(path)))
    store = open_store(str(path))
    names = [r["name"] for r in store.query("SELECT name FROM _sqlite_migrations")]
    assert names == list(MIGRATION_NAMES)
    assert store.active_edits() == {}


# -- laying edits over views -----------------------------------------------------------


def test_apply_overlays_edits_many_views_and_resolves_edited_grids(store: Store) -> None:
    store.save_grids(
        [{"id": 7, "slug": "auth", "title": "Authentication", "package_ids": "[]"} | _grid()]
    )
    add_edit(store, "grids", [7, 999])
    row = store.get_package("1858")
    assert row is not None
    [view] = overlay.apply_overlays(store, [package_view(store, row, API, edits=False)], API)
    assert view["grids"] == [f"{API}/grids/7/", f"{API}/grids/999/"]
    assert view["pkgcli"]["grids"] == [
        {"id": 7, "slug": "auth", "title": "Authentication"},
        {"id": 999, "slug": None, "title": None},
    ]
    assert view["pkgcli"]["overrides"]["grids"]["upstream_changed"] is True  # old was None


def test_grid_membership_follows_the_grids_edits(store: Store) -> None:
    with store.transaction() as conn:
        local = store.create_local_package(conn, "mine", NOW)
    add_edit(store, "grids", [7], pid=local)
    add_edit(store, "grids", [126])  # 1858 leaves grid 7, joins 126
    assert overlay.grid_member_ids(store, 7, [1858, 34]) == [34, local]
    assert overlay.grid_member_ids(store, 126, [34]) == [34, 1858]


def test_an_edit_of_a_field_this_version_does_not_know_is_kept_but_not_applied(
    store: Store,
) -> None:
    add_edit(store, "maintainers", ["me"])  # e.g. written by a newer pkgcli
    row = store.get_package("1858")
    assert row is not None
    view = package_view(store, row, API)
    assert "maintainers" not in view
    assert view["pkgcli"]["edited"] == []
    assert store.active_edits()[1858][0]["field"] == "maintainers"


@pytest.mark.parametrize(
    ("request_", "interactive", "mode"),
    [
        (EditRequest(slug="x"), True, "editor"),
        (EditRequest(slug="x", sets=["title=y"]), True, "set"),
        (EditRequest(slug="x", create=True), False, "set"),
        (EditRequest(slug="x", create=True, editor=True), False, "editor"),
        (EditRequest(history=True), False, "history"),
        (EditRequest(export_path="-"), True, "export"),
    ],
)
def test_the_editor_opens_by_itself_only_on_a_terminal(
    request_: EditRequest, interactive: bool, mode: str
) -> None:
    assert _mode(request_, interactive) == mode


def _grid() -> dict[str, Any]:
    return {
        "description": "",
        "is_locked": 0,
        "header": 0,
        "created": NOW,
        "modified": NOW,
        "fetched_at": NOW,
    }


def test_edited_values_give_refreshes_the_users_repo_url(store: Store) -> None:
    add_edit(store, "repo_url", "https://github.com/jazzband/django-oauth-toolkit")
    assert overlay.edited_values(store, "repo_url") == {
        1858: "https://github.com/jazzband/django-oauth-toolkit"
    }
    assert overlay.edited_values(store, "pypi_url") == {}
    with pytest.raises(UsageError):
        overlay.edited_values(store, "no_such_field")


HOSTILE_ENTRY = {
    "id": 1,
    "package": "x\x1b[31mred",
    "package_id": 1,
    "field": "notes",
    "action": "set",
    "value": "[bold]not markup[/bold] \x1b]8;;http://evil\x07link\r\nline",
    "upstream_at_edit": None,
    "created_at": NOW,
    "reverted_at": None,
    "origin": "cli",
    "state": "in force",
}


def test_history_renders_inert_in_a_table_and_as_lines() -> None:
    from rich.console import Console

    console = Console(width=80, record=True, force_terminal=True, color_system=None)
    console.print(history_table([HOSTILE_ENTRY], now=datetime(2026, 11, 30, tzinfo=UTC)))
    text = console.export_text()
    assert "\x1b" not in text and "\x07" not in text
    assert "[bold]not markup[/bold]" in text
    assert "12 hours ago" in text
    assert max(len(line) for line in text.splitlines()) <= 80
    [line] = history_lines([HOSTILE_ENTRY]).splitlines()
    cells = line.split("\t")
    assert len(cells) == 7
    assert "\x1b" not in line and "\r" not in line
