"""Django Packages' score formula (docs/upstream.md) on its edge cases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pkgcli.scoring import supports_python3, upstream_score, whole_months

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def months_ago(months: int, days: int = 0) -> datetime:
    year, month = divmod(NOW.year * 12 + NOW.month - 1 - months, 12)
    return NOW.replace(year=year, month=month + 1, day=15 - days)


@pytest.mark.parametrize(
    ("then", "expected"),
    [
        (datetime(2026, 6, 15, 12, 0, tzinfo=UTC), 0),
        (datetime(2026, 5, 15, 12, 0, tzinfo=UTC), 1),  # exactly one month
        (datetime(2026, 5, 15, 12, 1, tzinfo=UTC), 0),  # a minute short of it
        (datetime(2026, 5, 16, tzinfo=UTC), 0),
        (datetime(2025, 6, 15, 12, 0, tzinfo=UTC), 12),
        (datetime(2026, 1, 31, tzinfo=UTC), 4),  # month ends: Jan 31 → Jun 15
        (datetime(2027, 1, 1, tzinfo=UTC), 0),  # in the future: clock skew is not credit
        (datetime(2026, 3, 15, 7, 0), 3),  # naive = UTC
    ],
)
def test_whole_months(then: datetime, expected: int) -> None:
    assert whole_months(then, NOW) == expected


def test_fresh_package_scores_its_stars() -> None:
    assert upstream_score(1000, months_ago(2), now=NOW) == 1000


def test_each_three_months_costs_a_tenth_of_the_stars() -> None:
    assert upstream_score(1000, months_ago(3), now=NOW) == 900
    assert upstream_score(1000, months_ago(5), now=NOW) == 900  # floor(5/3) = 1
    assert upstream_score(1000, months_ago(6), now=NOW) == 800
    assert upstream_score(1000, months_ago(24), now=NOW) == 200


def test_unknown_last_commit_costs_one_tenth() -> None:
    assert upstream_score(1000, None, now=NOW) == 900
    assert upstream_score(7, None, now=NOW) == 6  # 6.3 truncated


def test_floor_is_minus_500() -> None:
    assert upstream_score(1000, months_ago(120), now=NOW) == -500  # 1000 - 40*100
    assert upstream_score(100, months_ago(120), now=NOW) == -300  # above the floor: kept


def test_python2_only_penalty_is_capped_at_1000() -> None:
    assert upstream_score(1000, months_ago(0), python3=False, now=NOW) == 700
    assert upstream_score(10000, months_ago(0), python3=False, now=NOW) == 9000


def test_truncates_towards_zero() -> None:
    # 15 stars, 3 months: 15 - 1.5 = 13.5 → 13; 15, 33 months: 15 - 16.5 = -1.5 → -1
    assert upstream_score(15, months_ago(3), now=NOW) == 13
    assert upstream_score(15, months_ago(33), now=NOW) == -1


def test_no_stars_scores_zero() -> None:
    assert upstream_score(0, None, now=NOW) == 0
    assert upstream_score(0, months_ago(100), python3=False, now=NOW) == 0


@pytest.mark.parametrize(
    ("versions", "expected"),
    [
        (None, True),  # unknown: taken as supported
        ([], True),
        (["2.7"], False),
        (["2.7", "3.12"], True),
        (["3"], True),
    ],
)
def test_supports_python3(versions: list[str] | None, expected: bool) -> None:
    assert supports_python3(versions) is expected
