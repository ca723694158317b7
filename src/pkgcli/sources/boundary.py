"""The typed boundary every upstream value crosses before it is stored or put in a URL.

One rule for every source: a value becomes its typed value or "unknown", never an
exception and never something the store or a URL cannot take. `Fields` reads one record
(a JSON object from Django Packages, GitHub REST or GraphQL, PyPI, GitLab or Codeberg);
each reader names its key once and appends the key to `problems` when upstream sent a
value of the wrong type or out of range, so the caller can count and report it. Strings
are made storable (lone surrogates replaced), counts are whole numbers 0..2**63-1 (what
SQLite holds), booleans are real JSON booleans (`"false"` is unknown, not true), and
names that end up in URL paths must match their source's pattern. `BadRecord` is the one
exception: a record without a usable identity (id, slug, repository name), which the
caller turns into a failure for that one package.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import SplitResult, urlsplit

from pkgcli.errors import UpstreamError
from pkgcli.models import MAX_ID, link_id, parse_timestamp

MAX_COUNT = MAX_ID  # counts are stored in SQLite INTEGER columns: 0..2**63-1
_DIGITS = re.compile(r"[0-9]{1,19}")
_SURROGATE = re.compile("[\ud800-\udfff]")

# Path segments from upstream, by source: checked before stored or put in a URL.
GITHUB_NAME = re.compile(r"^[A-Za-z0-9-]{1,39}/[A-Za-z0-9._-]{1,100}$")
# PEP 508 project names (case-insensitive): letters/digits, inner ".", "_", "-".
PYPI_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]{0,198}[A-Z0-9])$", re.IGNORECASE)
# GitLab: group/subgroup/…/project, each segment letters, digits, ".", "_", "-", "+".
GITLAB_PATH = re.compile(r"^[A-Za-z0-9_.+-]{1,255}(/[A-Za-z0-9_.+-]{1,255}){1,20}$")
# Gitea/Forgejo (Codeberg): owner/repo.
GITEA_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,40}/[A-Za-z0-9_.-]{1,100}$")


class BadRecord(UpstreamError):
    """A record that cannot be stored: not an object, or no usable id, slug or name."""


def storable(text: str) -> str:
    """`text` as UTF-8 can hold it: lone surrogates ("\\ud800") become U+FFFD."""
    if text.isascii():
        return text
    return _SURROGATE.sub("\ufffd", text)


def split_url(text: str) -> SplitResult | None:
    """`urlsplit` of an upstream URL ("https://" assumed), None where it raises ("http://[")
    or the port is no port."""
    try:
        parts = urlsplit(text if "://" in text else f"https://{text}")
        parts.port  # noqa: B018 (raises ValueError for "host:99999" or "host:x")
    except ValueError:
        return None
    return parts


def shown(value: Any, limit: int = 40) -> str:
    """A short, safe rendering of an upstream value for a message."""
    try:
        text = repr(storable(value)) if isinstance(value, str) else json.dumps(value)
    except (TypeError, ValueError, RecursionError):
        text = type(value).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def parse_count(value: Any) -> int | None:
    """A count (stars, forks, weekly commits): a whole number 0..2**63-1, or None.

    A string of ASCII digits counts too ("123" means 123: the v4 contract says int and the
    meaning is plain); bools, floats, negatives and numbers SQLite cannot hold do not.
    """
    if type(value) is int:
        number = value
    elif isinstance(value, str) and _DIGITS.fullmatch(value):
        number = int(value)
    else:
        return None
    return number if 0 <= number <= MAX_COUNT else None


def valid_name(value: Any, pattern: re.Pattern[str]) -> str | None:
    """`value` if it is a string matching `pattern` and no segment is "." or "..", else None."""
    if not isinstance(value, str) or not pattern.fullmatch(value):
        return None
    if any(segment in (".", "..") for segment in value.split("/")):
        return None
    return value


class Fields:
    """Reads one record's values, turning unusable ones into "unknown" and noting them.

    A record that is not a JSON object reads as empty (every key unknown). Keys may be
    dotted paths into nested objects ("license.spdx_id"); a nested value of the wrong
    shape is unknown, and noted under the full path.
    """

    def __init__(self, record: Any, problems: list[str] | None = None) -> None:
        self.record = record if isinstance(record, dict) else {}
        self.problems = problems if problems is not None else []

    def bad(self, key: str) -> None:
        self.problems.append(key)

    def get(self, key: str) -> Any:
        value: Any = self.record
        for part in key.split("."):
            if value is None:
                return None
            if not isinstance(value, dict):
                self.bad(key)
                return None
            value = value.get(part)
        return value

    def nested(self, key: str) -> Fields:
        """The object at `key` (empty when missing; noted when it is not an object)."""
        value = self.get(key)
        if value is not None and not isinstance(value, dict):
            self.bad(key)
        return Fields(value, self.problems)

    def text(self, key: str) -> str:
        """A string ("" when missing or unusable)."""
        return self.optional_text(key) or ""

    def optional_text(self, key: str) -> str | None:
        """A string or null, kept as sent ("" and null both mean "none" upstream)."""
        value = self.get(key)
        if value is None:
            return None
        if isinstance(value, str):
            return storable(value)
        self.bad(key)
        return None

    def nonempty_text(self, key: str) -> str | None:
        """A string, None when missing, empty or unusable."""
        return self.optional_text(key) or None

    def count(self, key: str) -> int | None:
        """A count 0..2**63-1, None (unknown) when missing or unusable."""
        value = self.get(key)
        number = parse_count(value)
        if number is None and value is not None:
            self.bad(key)
        return number

    def boolean(self, key: str) -> bool | None:
        """A real JSON boolean; anything else ("false", 0, "yes") is unknown."""
        value = self.get(key)
        if isinstance(value, bool):
            return value
        if value is not None:
            self.bad(key)
        return None

    def flag(self, key: str) -> int:
        """Django Packages' flags: a boolean, or 0/1 as some of its records send; else 0."""
        value = self.get(key)
        if isinstance(value, bool) or (type(value) is int and value in (0, 1)):
            return int(value)
        if value is not None:
            self.bad(key)
        return 0

    def timestamp(self, key: str) -> str | None:
        value = self.get(key)
        parsed = parse_timestamp(value)
        if parsed is None and value not in (None, ""):
            self.bad(key)
        return parsed

    def link(self, key: str) -> int | None:
        value = self.get(key)
        found = link_id(value)
        if found is None and value not in (None, ""):
            self.bad(key)
        return found

    def links(self, key: str) -> str:
        """A list of link URLs → their ids as a JSON list (unusable links left out)."""
        value = self.get(key)
        if not isinstance(value, list):
            if value is not None:
                self.bad(key)
            return "[]"
        ids = [link_id(url) for url in value]
        if None in ids:
            self.bad(key)
        return json.dumps([i for i in ids if i is not None])

    def counts(self, key: str) -> list[int] | None:
        """A list of counts; None (unknown) if it is not a list or any count is unusable."""
        value = self.get(key)
        numbers = [parse_count(n) for n in value] if isinstance(value, list) else [None]
        if None in numbers:
            if value is not None:
                self.bad(key)
            return None
        return [n for n in numbers if n is not None]

    def strings(self, key: str) -> list[str]:
        """A list of strings (storable); other items are left out and noted."""
        value = self.get(key)
        items = value if isinstance(value, list) else []
        kept = [storable(item) for item in items if isinstance(item, str)]
        if len(kept) != len(items) or (value is not None and not isinstance(value, list)):
            self.bad(key)
        return kept

    def items(self, key: str) -> list[Any]:
        """A list as sent (its items still to be read), [] when missing or not a list."""
        value = self.get(key)
        if isinstance(value, list):
            return value
        if value is not None:
            self.bad(key)
        return []

    def name(self, key: str, pattern: re.Pattern[str]) -> str | None:
        """A path segment (a repository or project name) matching its source's pattern."""
        value = self.get(key)
        name = valid_name(value, pattern)
        if name is None and value is not None:
            self.bad(key)
        return name
