"""How `show` presents the health verdict: the verdict and its reasons, `--explain` (every
rule with its input, and the score formula with its inputs), and the star trend drawn
from the snapshots. Plain text lines, made inert: they follow the package record."""

from __future__ import annotations

from typing import Any

from pkgcli.render import inert, sparkline


def _value(value: Any) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    return str(value)


def health_lines(view: dict[str, Any], *, explain: bool, width: int) -> str:
    """`Health: watch — reason; reason`, then with `explain` one line per rule and the score.
    Long lines wrap to the terminal's `width`, continued with an indent."""
    meta = view.get("pkgcli") or {}
    health = meta.get("health") or {}
    verdict = health.get("verdict", "unknown")
    reasons = "; ".join(health.get("reasons") or []) or "every rule passed"
    lines = [f"Health: {verdict} — {reasons}"]
    trend = meta.get("star_trend") or []
    if len(trend) >= 2:
        lines.append(f"Stars:  {sparkline(trend)} {trend[0]} → {trend[-1]}")
    if explain:
        lines.append("Rules (severity, input = value → outcome):")
        for rule in health.get("rules") or []:
            lines.append(
                f"  {rule['rule']:<18} {rule['severity']:<5} {rule['input']} = "
                f"{_value(rule['value'])} → {rule['outcome']} (fails when {rule['threshold']})"
            )
        score = meta.get("score_explained") or {}
        if score:
            lines.append(f"Score: {score['formula']}")
            lines.append(
                f"  W (stars) = {score['stars_W']}, M (months since last commit) = "
                f"{_value(score['months_since_last_commit_M'])}, Python 3 = "
                f"{'yes' if score['python3'] else 'no'} → score {score['score']}"
            )
    import textwrap

    wrapped = [
        part
        for line in lines
        for part in textwrap.wrap(
            inert(line), width, subsequent_indent="      ", break_on_hyphens=False
        )
    ]
    return "".join(part + "\n" for part in wrapped)


def health_pairs(view: dict[str, Any], *, explain: bool) -> str:
    """The same for piped output: `field<TAB>value` lines, like the record above them."""
    meta = view.get("pkgcli") or {}
    health = meta.get("health") or {}
    pairs = [
        ("health", health.get("verdict", "unknown")),
        ("health_reasons", "; ".join(health.get("reasons") or [])),
        ("star_trend", ",".join(str(n) for n in meta.get("star_trend") or [])),
    ]
    if explain:
        for rule in health.get("rules") or []:
            pairs.append(
                (
                    f"rule_{rule['rule']}",
                    f"{rule['outcome']}: {rule['input']} = {_value(rule['value'])} "
                    f"({rule['severity']} when {rule['threshold']})",
                )
            )
        score = meta.get("score_explained") or {}
        if score:
            pairs.append(("score_formula", score["formula"]))
            pairs.append(
                (
                    "score_inputs",
                    f"W={score['stars_W']} M={_value(score['months_since_last_commit_M'])} "
                    f"python3={'yes' if score['python3'] else 'no'} score={score['score']}",
                )
            )
    return "".join(f"{name}\t{inert(value)}\n" for name, value in pairs)


def attach_health(view: dict[str, Any], app: Any, *, explain: bool) -> dict[str, Any]:
    """Add `pkgcli.health` (and with `explain`, `pkgcli.score_explained`) to a view."""
    attach_health_many([view], app, explain=explain)
    return view


def attach_health_many(views: list[dict[str, Any]], app: Any, *, explain: bool) -> None:
    """`attach_health` for many views (`show A B …`), reading the end-of-life table once:
    each record of `show A B --json` is the record `show A --json` prints."""
    from pkgcli.health import context, evaluate, score_explanation
    from pkgcli.history import star_trend

    ctx = context(app.settings.db_path)
    for view in views:
        meta = view.setdefault("pkgcli", {})
        meta["health"] = evaluate(view, ctx)
        meta["star_trend"] = star_trend(app.store, view.get("id"))
        if explain:
            meta["score_explained"] = score_explanation(view, ctx.now)
