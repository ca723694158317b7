"""Domain vocabulary shared by every layer: upstream field names, timestamps, link ids.

Pure functions and constants only — no I/O. Records travel as plain dicts (they come from
JSON and go to JSON); the names below are the contract between the layers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

# The 18 keys of a Django Packages v4 package record, in upstream's order.
UPSTREAM_PACKAGE_KEYS: tuple[str, ...] = (
    "category",
    "grids",
    "id",
    "title",
    "slug",
    "last_updated",
    "last_fetched",
    "repo_url",
    "pypi_version",
    "created",
    "modified",
    "repo_forks",
    "repo_description",
    "pypi_url",
    "documentation_url",
    "repo_watchers",
    "commits_over_52",
    "participants",
)
TIMESTAMP_KEYS = ("last_updated", "last_fetched", "created", "modified")
LIST_KEYS = ("commits_over_52", "participants")

# Slugs as Django's SlugField allows them (ASCII letters, digits, "-", "_"); all digits = id.
_SLUG_RE = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
_TRAILING_ID_RE = re.compile(r"/(\d+)/?$")


def is_valid_slug(text: str) -> bool:
    return bool(_SLUG_RE.match(text))


def link_id(url: str | None) -> int | None:
    """The trailing integer of a link URL's path; query strings and hosts are ignored."""
    if not url:
        return None
    path = url.split("?", 1)[0].split("#", 1)[0]
    match = _TRAILING_ID_RE.search(path)
    return int(match.group(1)) if match else None


def parse_timestamp(value: str | None) -> str | None:
    """ISO-8601 (offset or naive) → UTC ISO-8601 text; naive values are taken as UTC."""
    if value is None or value == "":
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).isoformat()


def utc_now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class FetchReport:
    """What a fetch did, for the summary line and for tests."""

    packages: int = 0
    grids: int = 0
    categories: int = 0
    new: int = 0
    gone: int = 0
    requests: int = 0
    seconds: float = 0.0
    failed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def upstream_timestamp(utc_text: str | None) -> str | None:
    """UTC text → ISO-8601 in Django Packages' own zone (America/New_York), as v4 serves it.

    Falls back to UTC where the system has no time-zone data.
    """
    if utc_text is None:
        return None
    parsed = datetime.fromisoformat(utc_text)
    try:
        from zoneinfo import ZoneInfo

        return parsed.astimezone(ZoneInfo("America/New_York")).isoformat()
    except Exception:  # no tz database on this system: UTC is still exact
        return parsed.isoformat()
