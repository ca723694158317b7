"""Pure parts of the output system: field selection and sorting, cells, column fitting."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest

from pkgcli.errors import UsageError
from pkgcli.fields import GRIDS, PACKAGES, flatten, iso_utc, sort_views
from pkgcli.output import (
    ColumnFit,
    Output,
    OutputFormat,
    compact_number,
    fit_columns,
    md_cell,
    render_csv,
    render_table,
    short_age,
    text_cell,
)

NOW = datetime(2026, 6, 15, tzinfo=UTC)


def view(slug: str, **values: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "slug": slug,
        "title": slug.title(),
        "repo_watchers": 10,
        "repo_forks": 1,
        "last_updated": "2026-06-01T08:00:00-04:00",
        "commits_over_52": [1] * 52,
        "participants": ["a"],
        "pypi_version": "1.0",
        "pkgcli": {"schema_version": 1, "category": None, "grids": []},
    }
    return base | values


def test_default_selection_and_slug_always_first() -> None:
    names = [f.name for f in PACKAGES.select(None, [view("a")])]
    assert names == list(PACKAGES.default)
    assert [f.name for f in PACKAGES.select("stars,title", [view("a")])] == [
        "slug",
        "stars",
        "title",
    ]
    assert [f.name for f in GRIDS.select("title", [])] == ["slug", "title"]


def test_all_is_every_field() -> None:
    assert [f.name for f in PACKAGES.select("all", [])] == PACKAGES.names()


def test_unknown_field_gets_a_guess() -> None:
    with pytest.raises(UsageError, match=r"unknown field 'stras' for --fields; did you mean stars"):
        PACKAGES.select("slug,stras", [])
    with pytest.raises(UsageError):
        PACKAGES.select(" , ", [])


def test_optional_fields_appear_only_when_a_view_carries_them() -> None:
    plain = [f.name for f in PACKAGES.select(None, [view("a")])]
    assert "license" not in plain and "archived" not in plain
    richer = [view("a"), view("b", license="MIT", archived=True)]
    names = [f.name for f in PACKAGES.select(None, richer)]
    assert names[-2:] == ["archived", "license"]
    # …wherever the later source puts them: top level or under "pkgcli"
    nested = view("c", pkgcli={"python_versions": ["3.12"]})
    assert "python_versions" in [f.name for f in PACKAGES.select(None, [nested])]


def test_python_versions_feed_the_score() -> None:
    (py3,) = flatten([view("a", python_versions=["3.12"])], [PACKAGES["score"]], NOW)
    (py2,) = flatten([view("a", python_versions=["2.7"])], [PACKAGES["score"]], NOW)
    assert py3["score"] == 10 and py2["score"] == 7


def test_flat_values_are_json_values_with_utc_times() -> None:
    (row,) = flatten([view("a")], PACKAGES.select("all", []), NOW)
    assert row["last_commit"] == "2026-06-01T12:00:00Z"
    assert row["stars"] == 10 and row["commits_total"] == 52 and row["participants_count"] == 1
    assert row["license"] is None and row["grids"] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-01T00:00:00-05:00", "2024-01-01T05:00:00Z"),
        ("2024-01-01T00:00:00.123456+00:00", "2024-01-01T00:00:00Z"),
        ("2024-01-01T00:00:00", "2024-01-01T00:00:00Z"),
        ("2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z"),
        ("", None),
        ("yesterday", None),
        (None, None),
    ],
)
def test_iso_utc(text: str | None, expected: str | None) -> None:
    assert iso_utc(text) == expected


def test_sort_numbers_descending_text_ascending_unknown_last() -> None:
    views = [
        view("b", repo_watchers=5),
        view("a", repo_watchers=50),
        view("c", last_updated=None),
    ]
    by_stars = sort_views(views, PACKAGES["stars"], NOW)
    assert [v["slug"] for v in by_stars] == ["a", "c", "b"]
    by_commit = sort_views(views, PACKAGES["last_commit"], NOW, reverse=True)
    assert [v["slug"] for v in by_commit][-1] == "c"  # unknown stays last, reversed or not
    assert [v["slug"] for v in sort_views(views, PACKAGES["slug"], NOW)] == ["a", "b", "c"]


def test_text_cells_are_inert_single_lines() -> None:
    assert text_cell("a\tb\r\nc\x1b[2J") == "a b c\ufffd[2J"
    assert text_cell(["x", "y"]) == "x,y"
    assert text_cell(None) == "" and text_cell(True) == "true" and text_cell(3) == "3"


def test_markdown_cells_escape_markup_and_pipes() -> None:
    assert md_cell(PACKAGES["title"], "a|b *c* [d](e) <img>") == (
        "a\\|b \\*c\\* \\[d\\](e) \\<img\\>"
    )
    assert md_cell(PACKAGES["last_commit"], "2026-06-01T12:00:00Z") == "2026-06-01"


def test_csv_quotes_what_needs_quoting_and_parses_back() -> None:
    fields = PACKAGES.select("title,participants", [])
    rows = [{"slug": "a", "title": 'Say "hi", all', "participants": ["x", "y"]}]
    parsed = list(csv.DictReader(io.StringIO(render_csv(fields, rows))))
    assert parsed == [{"slug": "a", "title": 'Say "hi", all', "participants": "x,y"}]


def test_csv_defuses_spreadsheet_formulas_in_text_only() -> None:
    fields = PACKAGES.select("description,score", [])
    rows = [{"slug": "a", "description": '=HYPERLINK("http://evil")', "score": -500}]
    (parsed,) = csv.DictReader(io.StringIO(render_csv(fields, rows)))
    assert parsed == {"slug": "a", "description": '\'=HYPERLINK("http://evil")', "score": "-500"}


@pytest.mark.parametrize(
    ("value", "text"),
    [(999, "999"), (1000, "1.0k"), (12345, "12k"), (999_999, "999k"), (2_500_000, "2.5M")],
)
def test_compact_number(value: int, text: str) -> None:
    assert compact_number(value) == text


def test_short_age() -> None:
    assert short_age("2026-06-14T00:00:00Z", NOW) == "1d"
    assert short_age("2024-06-01T00:00:00Z", NOW) == "2y"
    assert short_age("2026-03-01T00:00:00Z", NOW) == "3mo"


def test_fit_columns_keeps_everything_when_it_fits() -> None:
    cols = [ColumnFit(0, [10], 10, True), ColumnFit(1, [5, 3], 3)]
    assert fit_columns(cols, 80) == [(0, 10), (0, 5)]


def test_fit_columns_abbreviates_before_dropping() -> None:
    cols = [ColumnFit(0, [10], 10, True), ColumnFit(1, [10, 4], 4), ColumnFit(2, [10, 4], 4)]
    assert fit_columns(cols, 28) == [(0, 10), (0, 10), (1, 4)]  # least important first
    assert fit_columns(cols, 22) == [(0, 10), (1, 4), (1, 4)]


def test_fit_columns_truncates_then_drops_least_important() -> None:
    cols = [
        ColumnFit(0, [20], 20, True),
        ColumnFit(1, [30], 10),  # a text column that may shrink to 10
        ColumnFit(9, [8], 8),
    ]
    assert fit_columns(cols, 42) == [(0, 20), (0, 10), (0, 8)]
    assert fit_columns(cols, 32) == [(0, 20), (0, 10), (-1, 0)]
    assert fit_columns(cols, 40) == [(0, 20), (0, 18), (-1, 0)]  # the drop frees room


def test_fit_columns_gives_room_back_after_a_drop() -> None:
    cols = [ColumnFit(0, [20], 20, True), ColumnFit(5, [40], 10), ColumnFit(9, [30], 30)]
    assert fit_columns(cols, 60) == [(0, 20), (0, 38), (-1, 0)]


def test_fit_columns_squeezes_required_columns_last() -> None:
    assert fit_columns([ColumnFit(0, [50], 14, True)], 30) == [(0, 30)]


@pytest.mark.parametrize("width", [40, 60, 80, 100, 200])
def test_a_table_never_exceeds_its_width(width: int) -> None:
    views = [
        view("a-rather-long-package-slug-for-testing", title="T" * 60, repo_watchers=123456),
        view("b", license="Apache-2.0", archived=True, python_versions=["3.11", "3.12"]),
    ]
    fields = PACKAGES.select(None, views)
    rows = flatten(views, fields, NOW)
    text = render_table(fields, rows, Output(OutputFormat.table, width=width), now=NOW)
    lines = text.splitlines()
    assert len(lines) == 3  # header + two rows: nothing wrapped
    assert all(len(line) <= width for line in lines)
    assert [line.split()[0][:2] for line in lines] == ["Sl", "a-", "b"]  # slug never dropped
