"""Pure helpers: link ids, timestamps, slugs."""

from __future__ import annotations

import pytest

from pkgcli.models import (
    is_upstream_id,
    is_valid_slug,
    link_id,
    parse_timestamp,
    upstream_timestamp,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://djangopackages.org/api/v4/categories/1/", 1),
        ("https://djangopackages.org/api/v4/grids/126/?format=api", 126),
        ("https://www.djangopackages.org/api/v4/packages/5810", 5810),
        ("http://127.0.0.1:8000/api/v4/grids/7/#x", 7),
        ("https://djangopackages.org/api/v4/grids/", None),
        ("", None),
        (None, None),
        # not upstream ids: 0, and numbers SQLite cannot hold
        ("https://djangopackages.org/api/v4/grids/0/", None),
        (f"https://djangopackages.org/api/v4/grids/{2**63 - 1}/", 2**63 - 1),
        (f"https://djangopackages.org/api/v4/grids/{2**63}/", None),
        (f"https://djangopackages.org/api/v4/grids/{10**400}/", None),
        (12345, None),
    ],
)
def test_link_id_takes_the_trailing_integer(url: object, expected: int | None) -> None:
    assert link_id(url) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-01-25T13:45:18-05:00", "2026-01-25T18:45:18+00:00"),
        ("2026-02-15T14:23:25.981491-05:00", "2026-02-15T19:23:25.981491+00:00"),
        ("2013-06-03T04:43:56.566417-04:00", "2013-06-03T08:43:56.566417+00:00"),
        ("2024-06-01T07:50:28", "2024-06-01T07:50:28+00:00"),  # naive: taken as UTC
        ("2024-06-01T07:50:28Z", "2024-06-01T07:50:28+00:00"),
        (None, None),
        ("", None),
        ("not a date", None),
        # never raises: wrong types and instants out of range are "unknown"
        (12345, None),
        (1.5, None),
        (True, None),
        (["2024-01-01"], None),
        ({"date": "2024-01-01"}, None),
        ("9999-12-31T23:59:59-05:00", None),  # past year 9999 in UTC
        ("0001-01-01T00:00:00+05:00", None),  # before year 1 in UTC
        ("0001-01-01", "0001-01-01T00:00:00+00:00"),  # the extremes themselves are kept
        ("9999-12-31T23:59:59.999999Z", "9999-12-31T23:59:59.999999+00:00"),
    ],
)
def test_parse_timestamp_stores_utc(value: object, expected: str | None) -> None:
    assert parse_timestamp(value) == expected


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        (1, True),
        (2**63 - 1, True),
        (0, False),
        (-1, False),  # the user's local packages
        (2**63, False),
        (True, False),
        (False, False),
        (1.0, False),
        ("1", False),
        (None, False),
    ],
)
def test_upstream_ids_are_plain_positive_64_bit_ints(value: object, valid: bool) -> None:
    assert is_upstream_id(value) is valid


@pytest.mark.parametrize(
    "original",
    ["2026-01-25T13:45:18-05:00", "2013-06-03T04:43:56.566417-04:00"],
)
def test_upstream_timestamp_reproduces_new_york_offsets(original: str) -> None:
    assert upstream_timestamp(parse_timestamp(original)) == original


@pytest.mark.parametrize(
    ("slug", "valid"),
    [
        ("django-oauth-toolkit", True),
        ("django-simple_perms", True),
        ("1858", True),
        ("Django-Debug-Toolbar", True),
        ("django oauth", False),
        ("../etc/passwd", False),
        ("", False),
        ("x" * 101, False),
        ("slug\x1b[31m", False),
    ],
)
def test_slug_validation(slug: str, valid: bool) -> None:
    assert is_valid_slug(slug) is valid


def test_new_york_offsets_agree_with_the_tz_database_around_every_transition() -> None:
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    new_york = ZoneInfo("America/New_York")
    checked = 0
    for year in range(1985, 2101):
        for month, days in (
            (3, range(7, 16)),
            (4, range(1, 9)),
            (10, range(24, 32)),
            (11, range(1, 9)),
        ):
            for day in days:
                for hour in range(0, 24):
                    for minute in (0, 59):
                        instant = datetime(year, month, day, hour, minute, tzinfo=UTC)
                        text = upstream_timestamp(instant.isoformat())
                        assert text == instant.astimezone(new_york).isoformat(), instant
                        checked += 1
    assert checked > 100_000
    # mid-season instants, with microseconds
    summer = datetime(2024, 7, 1, 12, 0, 0, 123456, tzinfo=UTC)
    assert upstream_timestamp(summer.isoformat()) == "2024-07-01T08:00:00.123456-04:00"
    winter = upstream_timestamp((summer + timedelta(days=180)).isoformat())
    assert winter is not None and winter.endswith("-05:00")
