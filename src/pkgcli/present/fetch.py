"""What `pkgcli fetch` tells the user: progress on stderr, the final summary, `--json`.

Pure text from the reports the engine returns: the Django Packages stage line, one block
per enrichment source counting every outcome (wrapped to 80 columns, proper names), the
stops and how to resume, and the whole command's duration. `--json` is the same summary
as one object (docs/schema/fetch-summary.schema.json). Progress is a live bar on a
terminal and silent when stderr is piped (the summary lines are the record).
"""

from __future__ import annotations

import sys
import textwrap
from datetime import UTC, datetime
from typing import Any

from pkgcli.present.text import plural

WIDTH = 80
OUTCOME_WORDS = {
    "ok": "ok",
    "not_modified": "not modified",
    "moved": "moved",
    "not_found": "not found",
    "failed": "failed",
    "pending": "pending",
}


def render_catalogue_line(report: Any, *, interrupted: bool = False) -> str:
    """The Django Packages stage in one line."""
    parts = [
        plural(report.packages, "package"),
        plural(report.grids, "grid"),
        plural(report.categories, "category", "categories"),
    ]
    extra = []
    if report.new:
        extra.append(f"{report.new:,} new")
    if report.gone:
        extra.append(f"{report.gone:,} gone upstream")
    head = (
        "Django Packages: interrupted after saving" if interrupted else "Django Packages: fetched"
    )
    tail = f"; {', '.join(extra)}" if extra else ""
    timing = f" ({report.requests:,} requests)" if not interrupted else ""
    return f"{head} {', '.join(parts)}{timing}{tail}"


def _wrap(text: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, subsequent_indent="  ", break_on_hyphens=False)


def render_source_lines(tally: Any) -> list[str]:
    """One source: every outcome, then requests, 304s and the quota left."""
    if tally.skipped:
        return _wrap(tally.skipped)
    head = f"{tally.label}: {plural(tally.packages, 'package')}; "
    head += f"{plural(tally.requests, 'request')}, {tally.not_modified:,} answered 304"
    if tally.quota is not None:
        head += f"; quota left {tally.quota[0]:,} of {tally.quota[1]:,}"
    if tally.secondary_limits:
        head += f"; waited out {tally.secondary_limits:,} secondary rate limit(s)"
    counts = ", ".join(f"{tally.outcomes.get(o, 0):,} {w}" for o, w in OUTCOME_WORDS.items())
    lines = _wrap(head) + _wrap("  " + counts)
    if tally.stop is not None:
        lines += _wrap(f"  {tally.label} stopped: {tally.stop.reason}")
    if tally.still_computing:
        lines += _wrap(
            f"  GitHub was still computing commit activity for {tally.still_computing:,} "
            "package(s): pending, their other values are stored"
        )
    if tally.unusable:
        keys = ", ".join(f"{key} ({n:,})" for key, n in sorted(tally.unusable.items()))
        total = plural(sum(tally.unusable.values()), "unusable value")
        lines += _wrap(f"  stored {total} from {tally.label} as unknown: {keys}")
    if tally.errors:
        more = f" (and {len(tally.errors) - 1:,} more)" if len(tally.errors) > 1 else ""
        lines += _wrap(f"  {tally.label} failed: {tally.errors[0]}{more}")
    return lines


def resume_at(summary: Any) -> datetime | None:
    """The latest time a stopped source said it can be asked again."""
    times = [
        t.stop.resume_at
        for t in (summary.sources.tallies.values() if summary.sources else [])
        if t.stop is not None and t.stop.resume_at is not None
    ]
    return max(times) if times else None


def resume_command(summary: Any) -> str | None:
    if summary.status not in ("stopped", "interrupted"):
        return None
    when = resume_at(summary)
    if when is None:
        return "pkgcli fetch --resume"
    return f"pkgcli fetch --resume after {when.astimezone(UTC).strftime('%H:%M')} UTC"


def render_summary(summary: Any) -> list[str]:
    """The lines a fetch ends with (stderr)."""
    lines = []
    if summary.catalogue is not None:
        lines.append(render_catalogue_line(summary.catalogue))
    if summary.sources is not None:
        for tally in summary.sources.tallies.values():
            lines += render_source_lines(tally)
    head = {
        "complete": "Done",
        "failed": "Done, with failures",
        "stopped": "Stopped early",
        "interrupted": "Interrupted",
    }[summary.status]
    lines.append(f"{head} in {summary.seconds:.1f} s (run {summary.run_id}).")
    # A run that did not do everything ends like every other failure: one `pkgcli:` line,
    # unwrapped, saying what is left and the command that finishes it.
    command = resume_command(summary)
    if command:
        lines.append(
            f"pkgcli: stopped early; everything answered is stored; to finish, run: {command}"
        )
    elif summary.status == "failed":
        failed = sum(t.outcomes.get("failed", 0) for t in _tallies(summary))
        what = plural(failed, "package") + " failed" if failed else "some requests failed"
        lines.append(f"pkgcli: {what} (the rest are stored); retry with: pkgcli fetch --failed")
    return lines


def _tallies(summary: Any) -> list[Any]:
    return list(summary.sources.tallies.values()) if summary.sources is not None else []


def summary_json(summary: Any) -> dict[str, Any]:
    """`fetch --json`: the summary as one object (docs/schema/fetch-summary.schema.json)."""
    sources: dict[str, Any] = {}
    if summary.sources is not None:
        for name, tally in summary.sources.tallies.items():
            sources[name] = {
                **{o: tally.outcomes.get(o, 0) for o in OUTCOME_WORDS},
                "requests": tally.requests,
                "not_modified_answers": tally.not_modified,
                "skipped": tally.skipped is not None,
                "quota_left": tally.quota[0] if tally.quota else None,
            }
    catalogue = summary.catalogue
    return {
        "run_id": summary.run_id,
        "status": "stopped" if summary.status == "interrupted" else summary.status,
        "packages": summary.packages,
        "duration_s": round(summary.seconds, 3),
        "catalogue": None
        if catalogue is None
        else {
            "packages": catalogue.packages,
            "grids": catalogue.grids,
            "categories": catalogue.categories,
            "new": catalogue.new,
            "gone": catalogue.gone,
            "requests": catalogue.requests,
        },
        "sources": sources,
        "resume": resume_command(summary),
    }


class _ProgressBar:
    """A live rich bar per phase on stderr (a terminal)."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import Progress

        self.progress = Progress(console=Console(stderr=True), transient=True)
        self.tasks: dict[str, Any] = {}

    def __call__(self, phase: str, advance: int, total: int | None) -> None:
        if phase not in self.tasks:
            self.tasks[phase] = self.progress.add_task(_phase_label(phase), total=total)
        task = self.tasks[phase]
        if total is not None:
            self.progress.update(task, total=total)
        if advance:
            self.progress.advance(task, advance)


def _phase_label(phase: str) -> str:
    from pkgcli.registry import label

    return label(phase) if phase not in ("packages", "grids", "categories") else phase.title()


def _quiet(phase: str, advance: int, total: int | None) -> None:
    """Piped stderr: no per-package noise; the summary says what happened."""
    return None


class progress_display:
    """The progress callback: a live bar on a terminal, plain event lines when piped."""

    def __enter__(self) -> Any:
        if not sys.stderr.isatty():
            return _quiet
        self.bar = _ProgressBar()
        self.bar.progress.start()
        return self.bar

    def __exit__(self, *exc: object) -> None:
        if hasattr(self, "bar"):
            self.bar.progress.stop()


def render_plan(plan: dict[str, Any]) -> str:
    """`fetch --plan` as a table on stdout: what would be asked of each source."""
    lines = [f"{'source':<16}{'packages':>10}{'requests':>10}{'likely 304':>12}{'time':>10}"]
    for entry in plan["sources"].values():
        lines.append(
            f"{entry['label']:<16}{entry['packages']:>10,}{entry['requests']:>10,}"
            f"{entry['conditional']:>12,}{_duration(entry['seconds']):>10}"
        )
        if entry.get("skipped"):
            lines.append(f"  {entry['skipped']}")
    github = plan["sources"].get("github")
    if github and "quota_needed" in github:
        verdict = "does not fit: --wait or --resume" if github.get("quota_short") else "fits"
        lines.append(
            f"GitHub quota: needs {github['quota_needed']:,}, "
            f"{github['quota_left']:,} left ({verdict})"
        )
    lines.append(f"About {_duration(plan['seconds'])} at 4 requests in flight per host.")
    return "\n".join(lines) + "\n"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
