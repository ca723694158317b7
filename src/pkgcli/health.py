"""The health verdict: documented rules, each with its input and threshold, in one table.

Every rule reads one input from a package view and answers `pass`, `fail` or `unknown`
(the input is not known: never counted as a pass). The verdict is

- `risk` when a rule of severity risk fails,
- else `watch` when a rule of severity watch fails,
- else `healthy` when every rule passed,
- else `unknown` (nothing failed, but some input is not known).

`RULES` is the only place the thresholds live; docs/health.md explains each. The Django
Packages score is explained too (`score_explanation`): the same formula as `scoring.py`,
with its inputs. Pure functions: `now` and the end-of-life table are passed in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal, NamedTuple

from pkgcli.compat import EolTable, declares_supported_django, supported_cycles
from pkgcli.fields import lookup, parse_iso
from pkgcli.scoring import supports_python3, upstream_score, whole_months

Outcome = Literal["pass", "fail", "unknown"]
Verdict = Literal["healthy", "watch", "risk", "unknown"]
View = dict[str, Any]

RELEASE_WATCH_DAYS = 730  # no release for two years
COMMIT_WATCH_DAYS = 365  # no commit for a year
INACTIVE_STATUS = "7 - Inactive"


class Context(NamedTuple):
    now: datetime
    eol: EolTable


class Check(NamedTuple):
    outcome: Outcome
    value: Any  # the input as read (JSON-able), None when unknown
    reason: str  # one line saying why, for `show` and `check`


class Rule(NamedTuple):
    name: str
    severity: Literal["risk", "watch"]
    input: str  # the field it reads
    threshold: str  # what fails, in words
    evaluate: Callable[[View, Context], Check]


def _days_since(value: Any, now: datetime) -> int | None:
    when = parse_iso(value)
    return None if when is None else max((now - when).days, 0)


def _archived(view: View, ctx: Context) -> Check:
    value = view.get("archived")
    if value is None:
        return Check("unknown", None, "not known whether the repository is archived")
    if value:
        return Check("fail", True, "the repository is archived")
    return Check("pass", False, "the repository is not archived")


def _inactive(view: View, ctx: Context) -> Check:
    status = view.get("development_status")
    if not isinstance(status, str):
        return Check("unknown", None, "no PyPI development status")
    if status == INACTIVE_STATUS:
        return Check("fail", status, "PyPI says its development status is Inactive")
    return Check("pass", status, f"PyPI development status: {status}")


def _age_rule(field: str, what: str, limit: int) -> Callable[[View, Context], Check]:
    def evaluate(view: View, ctx: Context) -> Check:
        days = _days_since(view.get(field), ctx.now)
        if days is None:
            return Check("unknown", None, f"{what} date not known")
        if days > limit:
            return Check("fail", days, f"{what} {days} days ago (more than {limit})")
        return Check("pass", days, f"{what} {days} days ago")

    return evaluate


def _django(view: View, ctx: Context) -> Check:
    supported = supported_cycles(ctx.eol.django, ctx.now.date())
    declared = declares_supported_django(view, supported)
    if declared is None:
        return Check("unknown", None, "declares no Django version (PyPI classifiers)")
    versions = ", ".join(view.get("django_versions") or [])
    if declared:
        return Check("pass", versions, f"declares Django {versions}")
    return Check(
        "fail",
        versions,
        f"declares only Django {versions}, none supported upstream now "
        f"(supported: {', '.join(supported) or 'none'})",
    )


def _advisories(view: View, ctx: Context) -> Check:
    ids = view.get("advisories")
    if not isinstance(ids, list):
        return Check("unknown", None, "advisories for the latest release not known")
    if ids:
        return Check("fail", ids, f"known advisories for the latest release: {', '.join(ids)}")
    return Check("pass", [], "no known advisories for the latest release")


def _single_maintainer(view: View, ctx: Context) -> Check:
    # pkgcli mirrors contributor logins, not their commit counts: one contributor means the
    # top contributor's share is 100%; two or more means it is below 100%.
    people = view.get("participants")
    if not isinstance(people, list) or not people:
        return Check("unknown", None, "contributors not known")
    if len(people) == 1:
        return Check("fail", 1, "a single contributor (100% of commits)")
    return Check("pass", len(people), f"{len(people)} contributors")


# fmt: off
RULES: tuple[Rule, ...] = (
    Rule("archived", "risk", "archived (GitHub, GitLab, Codeberg)", "archived", _archived),
    Rule("inactive", "risk", "development_status (PyPI classifier)",
         f"status is {INACTIVE_STATUS!r}", _inactive),
    Rule("advisories", "risk", "advisories (PyPI `vulnerabilities`, latest release)",
         "one or more advisories", _advisories),
    Rule("django_support", "risk", "django_versions (PyPI classifiers) + Django end-of-life table",
         "declares Django versions, none still supported upstream", _django),
    Rule("last_release", "watch", "latest_release_at (PyPI)",
         f"more than {RELEASE_WATCH_DAYS} days ago",
         _age_rule("latest_release_at", "last release", RELEASE_WATCH_DAYS)),
    Rule("last_commit", "watch", "last_commit (GitHub, else Django Packages)",
         f"more than {COMMIT_WATCH_DAYS} days ago",
         _age_rule("last_updated", "last commit", COMMIT_WATCH_DAYS)),
    Rule("single_maintainer", "watch", "participants (GitHub contributors)",
         "exactly one contributor", _single_maintainer),
)
# fmt: on


def evaluate(view: View, ctx: Context) -> dict[str, Any]:
    """The `pkgcli.health` block: verdict, the reasons for it, and every rule's result."""
    results = []
    for rule in RULES:
        check = rule.evaluate(view, ctx)
        results.append(
            {
                "rule": rule.name,
                "severity": rule.severity,
                "input": rule.input,
                "threshold": rule.threshold,
                "value": check.value,
                "outcome": check.outcome,
                "reason": check.reason,
            }
        )
    failed = [r for r in results if r["outcome"] == "fail"]
    unknown = [r for r in results if r["outcome"] == "unknown"]
    verdict: Verdict
    if any(r["severity"] == "risk" for r in failed):
        verdict = "risk"
    elif failed:
        verdict = "watch"
    elif unknown:
        verdict = "unknown"
    else:
        verdict = "healthy"
    reasons = [r["reason"] for r in failed] or (
        [f"not known: {', '.join(r['rule'] for r in unknown)}"] if unknown else []
    )
    return {"verdict": verdict, "reasons": reasons, "rules": results}


def score_explanation(view: View, now: datetime) -> dict[str, Any]:
    """Django Packages' score with its inputs (the formula of `scoring.upstream_score`)."""
    stars = view.get("repo_watchers") or 0
    last_commit = parse_iso(view.get("last_updated"))
    versions = lookup(view, "python_versions")
    python3 = supports_python3(versions if isinstance(versions, list) else None)
    months = whole_months(last_commit, now) if last_commit else None
    return {
        "formula": "W - floor(M/3)*W/10 (W/10 if M unknown) - (0 if Python 3 else "
        "min(0.3*W, 1000)), floored at -500",
        "stars_W": stars,
        "months_since_last_commit_M": months,
        "python3": python3,
        "score": upstream_score(stars, last_commit, python3=python3, now=now),
    }


def context(db_path: str | None, now: datetime | None = None) -> Context:
    from datetime import UTC

    from pkgcli.compat import load_eol

    return Context(now=now or datetime.now(UTC), eol=load_eol(db_path))
