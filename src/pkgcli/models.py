"""Domain vocabulary shared by every layer: upstream field names, timestamps, link ids.

Pure functions and constants only — no I/O. Records travel as plain dicts (they come from
JSON and go to JSON); the names below are the contract between the layers.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import TypeGuard

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

# The ids SQLite can store (a signed 64-bit INTEGER); upstream ids are positive.
MAX_ID = 2**63 - 1
# Slugs as Django's SlugField allows them (ASCII letters, digits, "-", "_"); all digits = id.
MAX_SLUG = 100
_SLUG_RE = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
_TRAILING_ID_RE = re.compile(r"/(\d+)/?$")


def is_valid_slug(text: str) -> bool:
    return bool(_SLUG_RE.match(text))


def command_name(slug: object, record_id: int) -> str:
    """How a suggested command (`pkgcli edit NAME ...`) names a record: its slug if that
    passes the slug rule, else its id. Slugs come from upstream: one that breaks the rule
    (`x;rm -rf ~`) must never be printed as something to paste into a shell."""
    return slug if isinstance(slug, str) and is_valid_slug(slug) else str(record_id)


_HOST_LABEL_RE = re.compile(r"^[A-Za-z0-9_-]{1,63}$")


def url_problem(text: str) -> str | None:
    """Why `text` is not an http(s) URL an HTTP client can use, or None if it is one.

    Checked without importing httpx (settings are read on every start-up): the scheme, a
    host (a DNS name, IPv4, or a bracketed IPv6 address), a port in range, no whitespace.
    """
    from urllib.parse import urlsplit

    if any(c.isspace() or ord(c) < 32 for c in text):
        return "it holds whitespace or control characters"
    try:
        parts = urlsplit(text)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError as exc:
        return str(exc)
    if parts.scheme.lower() not in ("http", "https"):
        return "the scheme must be http or https"
    if not host:
        return "it has no host"
    return _host_problem(host, bracketed=parts.netloc.rpartition("@")[2].startswith("["))


def _host_problem(host: str, *, bracketed: bool) -> str | None:
    if bracketed:
        import ipaddress

        try:
            ipaddress.IPv6Address(host.split("%")[0])
        except ValueError:
            return f"{host!r} is not an IPv6 address"
        return None
    ascii_host = host
    if not host.isascii():  # only then: the idna codec costs `show` 1.5 ms to import
        try:
            ascii_host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return f"{host!r} is not a valid host name"
    if not all(_HOST_LABEL_RE.match(label) for label in ascii_host.rstrip(".").split(".")):
        return f"{host!r} is not a valid host name"
    return None


_CREDENTIALS_RE = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/?#\s]*@")


def redact_urls(text: str) -> str:
    """`text` with the credentials of every URL in it (`user:password@`) replaced by
    `***@`: a configured URL may carry them, and no message, note or output shows them."""
    return _CREDENTIALS_RE.sub(r"\1***@", text) if "@" in text else text


def is_upstream_id(value: object) -> TypeGuard[int]:
    """A plain int in 1..2**63-1: what an upstream id can be (bools, 0, negatives and
    numbers SQLite cannot store are not ids; negative ids are the user's local packages)."""
    return type(value) is int and 0 < value <= MAX_ID


def link_id(url: object) -> int | None:
    """The trailing integer of a link URL's path; query strings and hosts are ignored.

    None when there is none, or when it is no upstream id (0, or too big for SQLite).
    """
    if not isinstance(url, str) or not url:
        return None
    path = url.split("?", 1)[0].split("#", 1)[0]
    match = _TRAILING_ID_RE.search(path)
    if match is None or len(match.group(1)) > 19:  # 20 digits can never fit 64 bits
        return None
    number = int(match.group(1))
    return number if is_upstream_id(number) else None


def parse_timestamp(value: object) -> str | None:
    """ISO-8601 (offset or naive) → UTC ISO-8601 text; naive values are taken as UTC.

    Never raises: anything that is not such a string (a number, a list, "garbage"), or an
    instant outside the years 1 to 9999 in UTC (9999-12-31T23:59:59-05:00), is None.
    """
    if not isinstance(value, str) or value == "":
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        utc = parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return utc.isoformat()


def utc_now() -> str:
    return datetime.now(UTC).isoformat()


class FetchReport:
    """What a fetch did, for the summary line and for tests (a plain class: models is on
    the `show` path, and a dataclass costs every start-up)."""

    def __init__(self) -> None:
        self.packages = 0
        self.grids = 0
        self.categories = 0
        self.new = 0
        self.gone = 0
        self.requests = 0
        self.seconds = 0.0
        self.failed: list[str] = []  # named packages Django Packages does not know (404)
        self.unstorable: list[str] = []  # named packages whose record was malformed
        self.skipped = 0  # malformed records left out (no usable id or slug)
        self.skipped_example: str | None = None  # what was wrong with the first of them
        self.unusable: dict[str, int] = {}  # key → values stored as unknown
        self.notes: list[str] = []


_EST = timezone(timedelta(hours=-5))
_EDT = timezone(timedelta(hours=-4))


def _sunday(year: int, month: int, nth: int) -> int:
    """Day of the month of the nth Sunday (nth=-1: the last one, for 31-day months)."""
    if nth < 0:
        last = date(year, month, 31)
        return 31 - (last.weekday() + 1) % 7
    first = date(year, month, 1)
    return 1 + (6 - first.weekday()) % 7 + 7 * (nth - 1)


def _new_york(utc: datetime) -> timezone | None:
    """New York's offset at a UTC instant by the US rules of 1987-2006 and 2007 on.

    Computed, not looked up: `zoneinfo` costs every `show --json` ~2 ms at start-up. A
    test checks it against the tz database hour by hour around every transition; outside
    1987-2099 it answers None and the tz database is asked.
    """
    year = utc.year
    if 2007 <= year <= 2099:  # 2nd Sunday of March 2:00 EST to 1st Sunday of November 2:00 EDT
        start = datetime(year, 3, _sunday(year, 3, 2), 7, tzinfo=UTC)
        end = datetime(year, 11, _sunday(year, 11, 1), 6, tzinfo=UTC)
    elif 1987 <= year < 2007:  # 1st Sunday of April to last Sunday of October
        start = datetime(year, 4, _sunday(year, 4, 1), 7, tzinfo=UTC)
        end = datetime(year, 10, _sunday(year, 10, -1), 6, tzinfo=UTC)
    else:
        return None
    return _EDT if start <= utc < end else _EST


def upstream_timestamp(utc_text: str | None) -> str | None:
    """UTC text → ISO-8601 in Django Packages' own zone (America/New_York), as v4 serves it.

    Falls back to UTC where the system has no time-zone data.
    """
    if utc_text is None:
        return None
    parsed = datetime.fromisoformat(utc_text)
    zone = _new_york(parsed.astimezone(UTC))
    if zone is not None:
        return parsed.astimezone(zone).isoformat()
    try:
        from zoneinfo import ZoneInfo

        return parsed.astimezone(ZoneInfo("America/New_York")).isoformat()
    except Exception:  # no tz database on this system: UTC is still exact
        return parsed.isoformat()
