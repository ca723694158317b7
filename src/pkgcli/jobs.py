"""One package's requests to one source, turned into the partial row to store.

`github_job`, `stats_job`, `pypi_job` and `forge_job` run in the upstream's worker pool:
they ask the client, count the answers (304s for `etag_hit`), and return a `Result` whose
`row` holds only what came back — field groups with their `*_fetched_at` — and whose
`outcome` is the run journal's word for the package: `ok` or `not_modified` (every answer
a 304) or `moved` only when *every* request was answered; `not_found` for a refusal (404,
410, 451, gone from PyPI); `failed` with the error; `pending` when a stop (quota, budget)
or a still-computing answer left requests unanswered. The outcome is also the source
row's `status`, so `show --sources` never calls a half-answered package ok; the values
that did not come back keep their earlier `*_fetched_at`. Nothing here touches the store.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pkgcli.errors import UpstreamError
from pkgcli.models import utc_now
from pkgcli.sources.base import Answer, CacheEntry, SourceStopped
from pkgcli.sources.forges import ForgeClient, ForgeRepo
from pkgcli.sources.github import GitHubClient, GraphRepo, Pages
from pkgcli.sources.pypi import PyPIClient


@dataclass(frozen=True)
class Target:
    """One package and the name each source should be asked for."""

    id: int
    slug: str
    github: str | None = None  # the name GitHub last answered to, else the one in repo_url
    github_requested: str | None = None
    pypi: str | None = None
    forge: ForgeRepo | None = None
    repo_url: str | None = None  # what plug-in sources pick their names from
    pypi_url: str | None = None


@dataclass
class Result:
    """One package's answers from one source: the columns to write and the validators."""

    source: str  # github | pypi | forge
    package_id: int
    row: dict[str, Any]
    entries: list[CacheEntry] = field(default_factory=list)
    requests: int = 0
    cacheable: int = 0  # answers that carried data (200 or 304)
    not_modified: int = 0
    pending: str | None = None  # a repository whose stats GitHub was still computing
    error: str | None = None  # a transient failure: nothing recorded about the package
    stopped: bool = False
    outcome: str = "pending"  # ok | not_modified | moved | not_found | failed | pending
    settled: tuple[str, str | None] | None = None  # for a revisit: the outcome once done

    def count(self, answer: Answer) -> None:
        self.requests += answer.requests
        if answer.ok:
            self.cacheable += 1
            self.not_modified += int(answer.not_modified)
        if answer.entry is not None:
            self.entries.append(answer.entry)

    def set_group(self, columns: Mapping[str, Any], stamp_column: str) -> None:
        self.row.update(columns)
        self.row[stamp_column] = utc_now()

    def settle(self, outcome: str, detail: str | None = None) -> Result:
        """The outcome, also written as the source row's status (with its detail)."""
        self.outcome = outcome
        self.row["status"] = outcome
        self.row["status_detail"] = detail
        return self

    def finish(self) -> Result:
        self.row["etag_hit"] = int(self.cacheable > 0 and self.not_modified == self.cacheable)
        return self

    def done(self, moved_to: str | None = None) -> Result:
        """Every request answered: moved, not_modified (all 304s) or ok."""
        self.finish()
        if moved_to is not None:
            return self.settle("moved", f"now {moved_to}")
        return self.settle("not_modified" if self.row["etag_hit"] else "ok")

    def stop(self, reason: str) -> Result:
        self.stopped = True
        return self.finish().settle("pending", reason)

    def fail(self, error: str) -> Result:
        self.error = error
        return self.finish().settle("failed", error)

    @property
    def has_data(self) -> bool:
        return any(k.endswith("fetched_at") for k in self.row)


REFUSALS = {
    404: ("not_found", None),
    410: ("not_found", "gone (410)"),
    451: ("not_found", "unavailable for legal reasons (451)"),
    403: ("not_found", "blocked (403)"),  # access blocked: a fact about the repository
}
ANSWERED = (200, 304)


def _refusal(result: Result, answer: Answer, label: str) -> Result:
    """Record why a source would not serve this package (or that it moved off-site)."""
    result.finish()
    if answer.status in (301, 302, 307, 308):
        return result.settle("moved", f"redirected to {_host(answer.moved_to)}; not followed")
    if answer.status in REFUSALS:
        outcome, why = REFUSALS[answer.status]
        detail = "; ".join(t for t in (why, answer.message) if t) or None
        return result.settle(outcome, detail)
    return result.fail(f"{label} answered {answer.status} for {result.row.get('requested_name')}")


def _host(url: str | None) -> str:
    from urllib.parse import urlsplit

    return (urlsplit(url).netloc if url else "") or "an unknown place"


def _github_repo_columns(data: Mapping[str, Any]) -> dict[str, Any]:
    return {**data, "archived": _flag(data["archived"])}


def _flag(value: bool | None) -> int | None:
    """A boolean for SQLite; None stays unknown (upstream sent no real boolean)."""
    return None if value is None else int(value)


WEEK = 7 * 86400.0


def unchanged_since(graph: GraphRepo | None, stored: Mapping[str, Any] | None) -> bool:
    """GraphQL says the repository was not pushed since its last complete fetch: its
    contributors cannot have changed, and its participation is the stored one, shifted."""
    if graph is None or not stored or stored.get("status") not in ANSWERED_OUTCOMES:
        return False
    weeks, logins = stored.get("commits_over_52"), stored.get("participants")
    return (
        graph.repo.get("pushed_at") is not None
        and stored.get("pushed_at") == graph.repo["pushed_at"]
        and stored.get("full_name") == graph.repo.get("full_name")
        and isinstance(weeks, list)
        and len(weeks) == 52
        and isinstance(logins, list)
        and bool(stored.get("participation_fetched_at"))
        and bool(stored.get("contributors_fetched_at"))
    )


def shift_weeks(weeks: list[int], since: str, now: datetime) -> list[int]:
    """52 weekly counts moved on by the whole weeks elapsed since `since`, zeros after:
    nothing was pushed meanwhile, so nothing was committed."""
    elapsed = int(max(0.0, (now - datetime.fromisoformat(since)).total_seconds()) // WEEK)
    return (list(weeks[elapsed:]) + [0] * min(elapsed, 52))[-52:]


ANSWERED_OUTCOMES = ("ok", "not_modified", "moved")


def _answered(label: str, answer: Answer, what: str) -> str:
    """Why one request failed: upstream's (or the boundary's) words, else its status."""
    if answer.message:
        return f"{label} sent {answer.message} for {what}"
    return f"{label} answered {answer.status} for {what}"


def github_job(
    client: GitHubClient,
    target: Target,
    cache: Mapping[str, CacheEntry],
    graph: GraphRepo | None,
    stored: Mapping[str, Any] | None = None,
) -> Result:
    """All of one package's GitHub requests (after its GraphQL batch, if any); none at all
    after GraphQL when the repository was not pushed since its last complete fetch."""
    assert target.github is not None
    result = Result(
        "github",
        target.id,
        {
            "package_id": target.id,
            "requested_name": target.github_requested,
            "checked_at": utc_now(),
        },
    )
    name = target.github
    try:
        if graph is not None:
            result.set_group(_github_repo_columns(graph.repo), "repo_fetched_at")
            if graph.commits is not None:
                result.set_group(graph.commits, "commits_fetched_at")
        else:
            answer = client.fetch_repo(name, cache)
            result.count(answer)
            if not answer.ok:
                return _refusal(result, answer, "GitHub")
            result.set_group(_github_repo_columns(answer.data), "repo_fetched_at")
        name = result.row["full_name"]
        if unchanged_since(graph, stored):
            assert stored is not None
            return _carried_over(result, stored, name, target)
        failure = _github_details(client, result, name, cache, with_commits=graph is None)
    except SourceStopped as stop:
        return result.stop(stop.reason)
    except UpstreamError as exc:
        return result.fail(exc.message)
    if failure:
        return result.fail(failure)
    moved = name.lower() != (target.github_requested or "").lower()
    if result.pending:  # answered except the stats GitHub is still computing
        result.finish()
        done = result.done(name if moved else None)
        result.settled = (done.outcome, done.row["status_detail"])
        return result.settle("pending", "GitHub was still computing commit activity")
    return result.done(name if moved else None)


def _carried_over(result: Result, stored: Mapping[str, Any], name: str, target: Target) -> Result:
    """Participation and contributors from the stored row (nothing pushed since)."""
    weeks = shift_weeks(stored["commits_over_52"], stored["participation_fetched_at"], _now())
    result.set_group({"commits_over_52": json.dumps(weeks)}, "participation_fetched_at")
    result.set_group(
        {"participants": json.dumps(stored["participants"])}, "contributors_fetched_at"
    )
    result.finish()
    result.row["etag_hit"] = 1
    if name.lower() != (target.github_requested or "").lower():
        return result.settle("moved", f"now {name}")
    return result.settle("not_modified")


def _now() -> datetime:
    return datetime.now(UTC)


# Answers that settle a detail group without data: 204 (no activity yet), 409 (empty repo).
EMPTY_ANSWERS = (204, 409)


def _github_details(
    client: GitHubClient,
    result: Result,
    name: str,
    cache: Mapping[str, CacheEntry],
    *,
    with_commits: bool,
) -> str | None:
    """Participation, contributors (and the newest commit): the first failure, or None."""
    stats = client.fetch_participation(name, cache)
    result.count(stats)
    if stats.ok:
        result.set_group({"commits_over_52": json.dumps(stats.data)}, "participation_fetched_at")
    elif stats.status == 202:
        result.pending = name  # computing: revisit later
    elif stats.status not in EMPTY_ANSWERS:
        return _answered("GitHub", stats, f"the participation of {name}")
    pages: Pages = client.fetch_contributors(name, cache)
    for answer in pages.answers:
        result.count(answer)
    if pages.logins is not None:
        result.set_group({"participants": json.dumps(pages.logins)}, "contributors_fetched_at")
    elif pages.answers and pages.answers[-1].status not in EMPTY_ANSWERS:
        return f"GitHub answered {pages.answers[-1].status} for the contributors of {name}"
    if with_commits:
        commits = client.fetch_commits(name, cache)
        result.count(commits)
        if commits.ok and commits.data is not None:
            result.set_group(commits.data, "commits_fetched_at")
        elif commits.status not in (*ANSWERED, *EMPTY_ANSWERS):
            return f"GitHub answered {commits.status} for the commits of {name}"
    return None


def stats_job(
    client: GitHubClient, package_id: int, name: str, settled: tuple[str, str | None]
) -> Result:
    """A second look at weekly participation GitHub was still computing; once it answers,
    the package gets the outcome its other requests had earned (`settled`)."""
    result = Result("github", package_id, {"package_id": package_id})
    try:
        stats = client.fetch_participation(name, {})
        result.count(stats)
        if stats.ok:
            result.set_group(
                {"commits_over_52": json.dumps(stats.data)}, "participation_fetched_at"
            )
            return result.settle(*settled)
        if stats.status == 202:
            result.pending = name
            result.settled = settled
            return result.settle("pending", "GitHub was still computing commit activity")
        if stats.status in EMPTY_ANSWERS:
            return result.settle(*settled)
        return result.fail(_answered("GitHub", stats, f"the participation of {name}"))
    except SourceStopped as stop:
        return result.stop(stop.reason)
    except UpstreamError as exc:
        return result.fail(exc.message)


def pypi_job(client: PyPIClient, target: Target, cache: Mapping[str, CacheEntry]) -> Result:
    assert target.pypi is not None
    row = {"package_id": target.id, "requested_name": target.pypi, "checked_at": utc_now()}
    result = Result("pypi", target.id, row)
    try:
        answer = client.fetch_project(target.pypi, cache)
        result.count(answer)
        if answer.status in (404, 410):
            detail = "; ".join(t for t in ("gone from PyPI", answer.message) if t)
            return result.finish().settle("not_found", detail)
        if not answer.ok:
            return _refusal(result, answer, "PyPI")
        data = dict(answer.data)
        for key in ("python_versions", "django_versions"):
            data[key] = json.dumps(data[key])
        advisories = data.get("advisories")  # None: PyPI did not say (unknown)
        data["advisories"] = None if advisories is None else json.dumps(advisories)
        result.set_group(data, "fetched_at")
        return result.done()
    except SourceStopped as stop:
        return result.stop(stop.reason)
    except UpstreamError as exc:
        return result.fail(exc.message)


def forge_job(client: ForgeClient, target: Target, cache: Mapping[str, CacheEntry]) -> Result:
    assert target.forge is not None
    row = {
        "package_id": target.id,
        "forge": target.forge.kind,
        "requested_name": target.forge.path,
        "checked_at": utc_now(),
    }
    result = Result(target.forge.kind, target.id, row)
    try:
        answer = client.fetch_repo(target.forge, cache)
        result.count(answer)
        if not answer.ok:
            return _refusal(result, answer, client.label)
        data = {**answer.data, "archived": _flag(answer.data["archived"])}
        result.set_group(data, "fetched_at")
        moved = data["full_name"].lower() != target.forge.path.lower()
        return result.done(data["full_name"] if moved else None)
    except SourceStopped as stop:
        return result.stop(stop.reason)
    except UpstreamError as exc:
        return result.fail(exc.message)
