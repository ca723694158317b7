"""Decoding Django Packages records, and a pass over a list (pure: no network, no store)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pkgcli.errors import UpstreamError
from pkgcli.sources.djangopackages import (
    BadRecord,
    parse_category,
    parse_count,
    parse_grid,
    parse_package,
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
