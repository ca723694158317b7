"""The one implementation of each small thing the commands share: ages, plurals, ISO times,
link URLs, the category/grid names of a view, the GitHub token lookup."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pkgcli.config import github_token, github_token_source
from pkgcli.fields import iso_utc, parse_iso
from pkgcli.output import short_age
from pkgcli.overlay import category_meta, category_url, grid_urls, grids_meta
from pkgcli.render import age, plural, relative_time
from tests.mirror_seed import package, seed, standard

from .conftest import CliHarness

NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("delta", "long", "short"),
    [
        (timedelta(seconds=30), "just now", "now"),
        (timedelta(minutes=1), "1 minute ago", "now"),
        (timedelta(minutes=59), "59 minutes ago", "now"),
        (timedelta(hours=1), "1 hour ago", "1h"),
        (timedelta(days=2), "2 days ago", "2d"),
        (timedelta(days=45), "1 month ago", "1mo"),
        (timedelta(days=800), "2 years ago", "2y"),
        (timedelta(days=365 * 2000), "2,000 years ago", "2000y"),
        (-timedelta(days=3), "in 3 days", "-3d"),
        (-timedelta(minutes=5), "in 5 minutes", "now"),
    ],
)
def test_long_and_short_ages_are_one_measure(delta: timedelta, long: str, short: str) -> None:
    then = (NOW - delta).isoformat()
    assert relative_time(then, NOW) == long
    assert short_age(then.replace("+00:00", "Z"), NOW) == short


def test_age_parts() -> None:
    assert age(NOW - timedelta(days=3), NOW) == (3, "day", False)
    assert age(NOW + timedelta(hours=5), NOW) == (5, "hour", True)
    assert age(NOW - timedelta(minutes=5), NOW, smallest="hour") is None


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (None, "unknown"),
        ("", "unknown"),
        ("yesterday", "yesterday"),
        ("2026-06-15", "12 hours ago"),
    ],
)
def test_relative_time_of_what_is_not_a_time(text: str | None, shown: str) -> None:
    assert relative_time(text, NOW) == shown  # the text itself, not a ValueError


@pytest.mark.parametrize(
    ("n", "args", "text"),
    [
        (0, ("edit",), "0 edits"),
        (1, ("edit",), "1 edit"),
        (1234, ("package",), "1,234 packages"),
        (1, ("category", "categories"), "1 category"),
        (2, ("category", "categories"), "2 categories"),
    ],
)
def test_plural(n: int, args: tuple[str, ...], text: str) -> None:
    assert plural(n, *args) == text


@pytest.mark.parametrize(
    ("value", "iso", "instant"),
    [
        (
            "2024-01-01T00:00:00.5-05:00",
            "2024-01-01T05:00:00Z",
            datetime(2024, 1, 1, 5, 0, 0, 500000, UTC),
        ),
        ("2024-01-01", "2024-01-01T00:00:00Z", datetime(2024, 1, 1, tzinfo=UTC)),
        ("2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", datetime(2024, 1, 1, tzinfo=UTC)),
        ("0001-01-01T00:00:00+00:00", "0001-01-01T00:00:00Z", datetime(1, 1, 1, tzinfo=UTC)),
        ("9999-12-31T23:59:59-05:00", None, None),  # the year 10000 in UTC
        ("0001-01-01T00:00:00+05:00", None, None),  # the year 0 in UTC
        ("garbage", None, None),
        ("", None, None),
        (12345, None, None),
        (None, None, None),
    ],
)
def test_iso_times(value: Any, iso: str | None, instant: datetime | None) -> None:
    assert iso_utc(value) == iso
    assert parse_iso(value) == instant


def test_link_urls() -> None:
    api = "https://example.org/api/v4"
    assert category_url(3, api) == f"{api}/categories/3/"
    assert category_url(None, api) is None
    assert grid_urls([7, 126], api) == [f"{api}/grids/7/", f"{api}/grids/126/"]
    assert grid_urls(None, api) == []


def test_names_of_categories_and_grids() -> None:
    known = {1: {"id": 1, "slug": "apps", "title": "App"}}
    assert category_meta(1, known) == {"id": 1, "slug": "apps", "title": "App"}
    assert category_meta(9, known) == {"id": 9, "slug": None, "title": None}
    assert category_meta(None, known) is None
    assert grids_meta([9, 1], known) == [
        {"id": 9, "slug": None, "title": None},
        {"id": 1, "slug": "apps", "title": "App"},
    ]


def test_a_category_that_is_not_mirrored_reads_the_same_edited_or_not(
    cli: CliHarness, isolated_env: Path
) -> None:
    """One builder for pkgcli.category: the id, with null names when it is not mirrored."""
    packages, grids = standard()
    packages.append(
        package(60, "orphan", category="https://djangopackages.org/api/v4/categories/77/")
    )
    seed(str(isolated_env), packages, grids)

    def category(slug: str) -> Any:
        shown = cli("show", slug, "--offline", "--json")
        assert shown.exit_code == 0, shown.stderr
        return json.loads(shown.stdout)["pkgcli"]["category"]

    assert category("orphan") == {"id": 77, "slug": None, "title": None}
    assert cli("edit", "django-ninja", "--set", "category=77").exit_code == 0
    assert category("django-ninja") == category("orphan")
    assert cli("edit", "orphan", "--set", "category=1").exit_code == 0
    assert category("orphan") == {"id": 1, "slug": "apps", "title": "App"}
    assert category("drf-yasg") == category("orphan")


@pytest.mark.parametrize(
    ("env", "token", "source"),
    [
        ({"GITHUB_TOKEN": "a", "GH_TOKEN": "b"}, "a", "GITHUB_TOKEN"),
        ({"GITHUB_TOKEN": "  ", "GH_TOKEN": " b "}, "b", "GH_TOKEN"),
        ({}, None, None),
    ],
)
def test_the_github_token_and_where_it_comes_from_agree(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], token: str | None, source: str | None
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert (github_token(), github_token_source()) == (token, source)


@pytest.mark.parametrize(
    ("text", "item", "value"),
    [
        ("[1, 2]", int, [1, 2]),
        ("[]", str, []),
        ('["a"]', str, ["a"]),
        ("[true]", int, None),  # a bool is not an int here
        ("[1.0]", int, None),
        ('"abc"', str, None),
        ("{}", int, None),
        ("not json", int, None),
        ("[" * 100_000, int, None),
        (5, int, None),  # not text at all
    ],
)
def test_json_list(text: Any, item: type, value: list[Any] | None) -> None:
    from pkgcli.store import json_list

    if value is None:
        with pytest.raises(ValueError, match="not a JSON list of"):
            json_list(text, item)
    else:
        assert json_list(text, item) == value
