"""What `pkgcli status` prints: the mirror at a glance, as lines that fit 80 columns."""

from __future__ import annotations

from typing import Any

AGES = (("day", "< 1 d"), ("week", "< 7 d"), ("older", "older"), ("never", "never"))


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def render_status(status: dict[str, Any]) -> str:
    from pkgcli.registry import label

    lines = [
        f"Mirror: {_count(status['packages'], 'package')} ({status['local']:,} local, "
        f"{status['gone']:,} gone upstream), {status['grids']:,} grids, "
        f"{status['categories']:,} categories",
        "",
        f"{'Fetched':<16}" + "".join(f"{title:>10}" for _, title in AGES),
    ]
    for name, ages in status["freshness"].items():
        lines.append(f"{label(name):<16}" + "".join(f"{ages[k]:>10,}" for k, _ in AGES))
    lines.append("")
    if status["runs"]:
        lines.append("Last runs:")
        for run in status["runs"]:
            counts = ", ".join(
                f"{n:,} {w.replace('_', ' ')}" for w, n in run["outcomes"].items() if n
            )
            lines.append(f"  run {run['id']}  {run['started_at'][:16]}  {run['status']}")
            if counts:
                lines.append(f"    {counts}")
    else:
        lines.append("No fetch has run yet: pkgcli fetch --all")
    if status["resume"]:
        lines.append(f"Run {status['unfinished_run']} is unfinished: {status['resume']}")
    token = status["github_token_from"]
    lines.append(f"GitHub token: {'from ' + token if token else 'none (60 requests an hour)'}")
    quota = status["github_quota"]
    if quota is not None:
        lines.append(f"GitHub quota: {quota['remaining']:,} of {quota['limit']:,} left")
    return "\n".join(lines) + "\n"
