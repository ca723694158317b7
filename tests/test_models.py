"""Pure helpers: link ids, timestamps, slugs."""

from __future__ import annotations

import pytest

from pkgcli.models import is_valid_slug, link_id, parse_timestamp, upstream_timestamp


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
    ],
)
def test_link_id_takes_the_trailing_integer(url: str | None, expected: int | None) -> None:
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
    ],
)
def test_parse_timestamp_stores_utc(value: str | None, expected: str | None) -> None:
    assert parse_timestamp(value) == expected


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
