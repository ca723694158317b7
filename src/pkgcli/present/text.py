"""Small pure text helpers at the bottom of presentation: nothing here knows a command,
a view or a format, and nothing imports pkgcli.

Upstream text is untrusted: `inert()` neutralises control characters, escape sequences and
bidi overrides before anything reaches a terminal. `render_json`/`json_line` keep JSON
exact while escaping what a terminal could act on. Dates: `parse_instant` is the one
ISO → aware-datetime reading, `utc_date` the one date every view shows (UTC). `shorten`
is the one way to cut a value for a message.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from functools import cache
from typing import Any

SPARK_CHARS = "▁▂▃▄▅▆▇█"


# Invisible format characters a terminal or a reader could be fooled by: the Arabic letter
# mark, the Mongolian vowel separator, zero-width spaces and joiners, bidi embeddings,
# overrides and isolates, word joiner and invisible operators, the deprecated format
# controls, the byte order mark (zero-width no-break space), interlinear annotations.
_INVISIBLE = r"\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb"
# Line breaks other than \n that str.splitlines() (and some terminals) honour: NEL, LS, PS.
_LINE_BREAKS = str.maketrans({"\x85": "\n", "\u2028": "\n", "\u2029": "\n"})


@cache
def _unsafe() -> re.Pattern[str]:
    """C0/C1 controls (ESC, CSI, BEL, \\r ...), DEL and the invisible format characters.

    Compiled on first use: `show --json` never needs it and starts faster without it.
    """
    return re.compile(rf"[\x00-\x08\x0b-\x1f\x7f-\x9f{_INVISIBLE}]")


def inert(text: Any, *, multiline: bool = False) -> str:
    """Text safe to print on a terminal: no escapes, no cursor moves, no hidden bidi, and
    one line unless `multiline` (NEL, U+2028 and U+2029 count as line breaks)."""
    if text is None:
        return ""
    value = str(text).replace("\r\n", "\n")
    if not value.isascii():
        value = value.translate(_LINE_BREAKS)
    unsafe = _unsafe()
    if multiline:
        return "\n".join(
            unsafe.sub("\ufffd", line.replace("\t", " ")) for line in value.split("\n")
        )
    return unsafe.sub("\ufffd", value.replace("\n", " ").replace("\t", " "))


def sparkline(counts: list[int]) -> str:
    """52 weekly counts → a bar per week, scaled to the busiest week."""
    if not counts:
        return ""
    top = max(counts)
    if top <= 0:
        return SPARK_CHARS[0] * len(counts)
    last = len(SPARK_CHARS) - 1
    return "".join(
        SPARK_CHARS[0] if c <= 0 else SPARK_CHARS[max(1, round(c / top * last))] for c in counts
    )


# The units an age is told in, largest first: (name, short name, seconds).
AGE_UNITS = (
    ("year", "y", 365 * 86400),
    ("month", "mo", 30 * 86400),
    ("day", "d", 86400),
    ("hour", "h", 3600),
    ("minute", "min", 60),
)


def age(then: datetime, now: datetime, smallest: str = "minute") -> tuple[int, str, bool] | None:
    """(count, unit, in the future) of the time between `then` and `now` in its largest
    unit (a year is 365 days, a month 30), or None when it is less than one `smallest`."""
    seconds = (now - then).total_seconds()
    for unit, _, size in AGE_UNITS:
        if abs(seconds) >= size:
            return int(abs(seconds) // size), unit, seconds < 0
        if unit == smallest:
            break
    return None


def parse_instant(iso: str) -> datetime | None:
    """ISO-8601 text (`Z` or an offset; naive = UTC) → an aware datetime, or None."""
    try:
        then = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return None
    return then if then.tzinfo is not None else then.replace(tzinfo=UTC)


def relative_time(iso: str | None, now: datetime | None = None) -> str:
    """ "3 days ago", "in 2 hours", "just now"; "unknown" for no time, and the text itself
    for text that is not a time."""
    if not iso:
        return "unknown"
    then = parse_instant(iso)
    if then is None:
        return iso
    parts = age(then, now or datetime.now(UTC))
    if parts is None:
        return "just now"
    n, unit, future = parts
    text = plural(n, unit)
    return f"in {text}" if future else f"{text} ago"


def utc_date(iso: str) -> str:
    """The UTC date of an ISO time (`2024-01-01T23:30:00-05:00` → `2024-01-02`): every view
    shows dates in UTC, whatever zone upstream wrote them in; the text itself if not a time."""
    then = parse_instant(iso)
    return then.astimezone(UTC).date().isoformat() if then else iso


def plural(n: int, one: str, many: str | None = None) -> str:
    """ "1 package", "2,345 packages", "3 categories" (with `many`)."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


@cache
def _json_unsafe() -> re.Pattern[str]:
    """What json.dumps leaves raw that a terminal could still act on: C1 controls (the
    one-byte CSI), DEL, line and paragraph separators, the invisible format characters."""
    return re.compile(rf"[\x7f-\x9f\u2028\u2029{_INVISIBLE}]")


def _json_safe(text: str) -> str:
    """Escape those as \\uXXXX: the JSON value is unchanged, the terminal safe."""
    if text.isascii() and "\x7f" not in text:  # the usual case: nothing to look for
        return text
    return _json_unsafe().sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def render_json(value: Any) -> str:
    """Indented JSON: exact values, nothing a terminal would interpret."""
    return _json_safe(json.dumps(value, ensure_ascii=False, indent=2))


def json_line(value: Any) -> str:
    """Compact one-line JSON (NDJSON), as safe as `render_json`."""
    return _json_safe(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def shorten(text: str, limit: int = 60) -> str:
    """`text` cut to at most `limit` characters, ending in "..." when cut (for messages)."""
    return text if len(text) <= limit else text[: max(limit - 3, 0)] + "..."
