"""Django Packages' own package score, as a pure function (see docs/upstream.md, "Score").

With W = stars and M = whole months since the last commit:
W - floor(M/3)·W/10 (W/10 when the last commit is unknown) - (0 if the package supports
Python 3, else min(0.3·W, 1000)), floored at -500 and truncated to an int. Upstream computes
M with dateutil's relativedelta (calendar months); `whole_months` reproduces that.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

SCORE_FLOOR = -500
PYTHON2_PENALTY_CAP = 1000


def whole_months(then: datetime, now: datetime) -> int:
    """Complete calendar months from `then` to `now` (0 when `then` is in the future)."""
    if then.tzinfo is None:
        then = then.replace(tzinfo=UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    then, now = then.astimezone(UTC), now.astimezone(UTC)
    if then >= now:
        return 0
    months = (now.year - then.year) * 12 + (now.month - then.month)
    # The last month is not complete until the day and time of month are reached again.
    if (now.day, now.time()) < (then.day, then.time()):
        months -= 1
    return max(months, 0)


def supports_python3(python_versions: list[str] | None) -> bool:
    """True unless a known list of Python versions names no Python 3 (unknown counts as yes)."""
    if not python_versions:
        return True
    return any(str(v).strip().startswith("3") for v in python_versions)


def upstream_score(
    stars: int,
    last_commit: datetime | None,
    *,
    python3: bool = True,
    now: datetime | None = None,
) -> int:
    """The score Django Packages shows for a package."""
    stars = max(int(stars or 0), 0)
    if last_commit is None:
        staleness_penalty = stars / 10
    else:
        months = whole_months(last_commit, now or datetime.now(UTC))
        staleness_penalty = math.floor(months / 3) * stars / 10
    python_penalty = 0.0 if python3 else min(0.3 * stars, PYTHON2_PENALTY_CAP)
    return int(max(stars - staleness_penalty - python_penalty, SCORE_FLOOR))
