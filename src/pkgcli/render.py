"""Turning views into output. Pure functions that return strings or rich renderables.

Upstream text is untrusted: `inert()` neutralises control characters, escape sequences and
bidi overrides before anything reaches a terminal, and rich `Text` objects are used so
that square brackets are never read as markup. JSON is exact (json escapes controls).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import RenderableType

SPARK_CHARS = "▁▂▃▄▅▆▇█"


@cache
def _unsafe() -> re.Pattern[str]:
    """C0/C1 controls (ESC, CSI, BEL, \\r ...), DEL, bidi and zero-width format characters.

    Compiled on first use: `show --json` never needs it and starts faster without it.
    """
    return re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def inert(text: Any, *, multiline: bool = False) -> str:
    """Text safe to print on a terminal: no escapes, no cursor moves, no hidden bidi."""
    if text is None:
        return ""
    value = str(text).replace("\r\n", "\n")
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


def relative_time(iso: str | None, now: datetime | None = None) -> str:
    if not iso:
        return "unknown"
    then = datetime.fromisoformat(iso)
    if then.tzinfo is None:
        then = then.replace(tzinfo=UTC)
    seconds = ((now or datetime.now(UTC)) - then).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    for unit, size in (
        ("year", 365 * 86400),
        ("month", 30 * 86400),
        ("day", 86400),
        ("hour", 3600),
        ("minute", 60),
    ):
        if seconds >= size:
            n = int(seconds // size)
            text = f"{n} {unit}{'s' if n != 1 else ''}"
            return f"in {text}" if future else f"{text} ago"
    return "just now"


@cache
def _json_unsafe() -> re.Pattern[str]:
    """What json.dumps leaves raw that a terminal could still act on: C1 controls (the
    one-byte CSI), DEL, bidi overrides, zero-width and line-separator characters."""
    return re.compile(r"[\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


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


def _number(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else "—"


def package_fields(view: dict[str, Any], now: datetime | None = None) -> list[tuple[str, str]]:
    """The label/value lines of `pkgcli show`, already made inert."""
    meta = view.get("pkgcli", {})
    category = meta.get("category") or {}
    commits = view.get("commits_over_52") or []
    grids = [g.get("title") or g.get("slug") or f"#{g['id']}" for g in meta.get("grids", [])]
    pypi = view.get("pypi_version") or "—"
    if view.get("pypi_url"):
        pypi = f"{pypi}  {view['pypi_url']}"
    last = view.get("last_updated")
    last_text = f"{relative_time(last, now)} ({last[:10]})" if last else "unknown"
    lines = [
        ("Category", category.get("title") or "—"),
        ("Repository", view.get("repo_url") or "—"),
        ("Stars", _number(view.get("repo_watchers"))),
        ("Forks", _number(view.get("repo_forks"))),
        ("PyPI", pypi),
        ("Docs", view.get("documentation_url") or "—"),
        ("Last commit", last_text),
        (
            "Commits (52w)",
            f"{sparkline(commits)}  {sum(commits)} total" if commits else "unknown",
        ),
        ("Participants", _number(len(view.get("participants") or []))),
        ("Grids", ", ".join(grids) or "—"),
    ]
    if meta.get("gone_upstream_at"):
        lines.append(
            ("Upstream", f"gone from Django Packages since {meta['gone_upstream_at'][:10]}")
        )
    return [(label, inert(value)) for label, value in lines]


def render_package(view: dict[str, Any], now: datetime | None = None) -> RenderableType:
    """The human view of one package, for an 80-column terminal."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    title = Text(inert(view.get("title")) or inert(view["slug"]), style="bold")
    title.append(f"  ({inert(view['slug'])})", style="dim")
    parts: list[RenderableType] = [title]
    description = inert(view.get("repo_description"), multiline=True).strip()
    if description:
        parts.append(Text(description))
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold cyan", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in package_fields(view, now):
        grid.add_row(Text(label), Text(value))
    parts += [Text(""), grid]
    return Group(*parts)


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def fetch_summary(report: Any, *, interrupted: bool = False) -> str:
    """The one-line summary a fetch ends with (stderr)."""
    parts = [
        _count(report.packages, "package"),
        _count(report.grids, "grid"),
        _count(report.categories, "category", "categories"),
    ]
    extra = []
    if report.new:
        extra.append(f"{report.new:,} new")
    if report.gone:
        extra.append(f"{report.gone:,} gone upstream")
    head = "Interrupted after saving" if interrupted else "Fetched"
    tail = f"; {', '.join(extra)}" if extra else ""
    timing = f" in {report.seconds:.1f} s ({report.requests:,} requests)" if not interrupted else ""
    rerun = "; run the same command again to complete" if interrupted else ""
    return f"{head} {', '.join(parts)}{timing}{tail}{rerun}"


class _ProgressBar:
    """Drives a rich progress bar on stderr from sync's progress(phase, advance, total)."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import Progress

        self.progress = Progress(console=Console(stderr=True), transient=True)
        self.tasks: dict[str, Any] = {}

    def __call__(self, phase: str, advance: int, total: int | None) -> None:
        if phase not in self.tasks:
            self.tasks[phase] = self.progress.add_task(phase.capitalize(), total=total)
        task = self.tasks[phase]
        if total is not None:
            self.progress.update(task, total=total)
        if advance:
            self.progress.advance(task, advance)


class progress_reporter:
    """A progress callback: a live bar when stderr is a terminal, silence otherwise."""

    def __enter__(self) -> Any:
        import sys

        if not sys.stderr.isatty():
            return lambda phase, advance, total: None
        self.bar = _ProgressBar()
        self.bar.progress.start()
        return self.bar

    def __exit__(self, *exc: object) -> None:
        if hasattr(self, "bar"):
            self.bar.progress.stop()
