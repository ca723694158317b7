"""One package's requests to one source, turned into the partial row to store.

`github_job`, `stats_job`, `pypi_job` and `forge_job` run in the upstream's worker pool:
they ask the client, count the answers (304s for `etag_hit`), and return a `Result` whose
`row` holds only what came back — field groups with their `*_fetched_at`, and a `status`
for a refusal (404, 451, blocked, moved off-site, gone from PyPI). A stop or a transient
error ends the job with whatever it has; nothing here touches the store.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
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

    def finish(self) -> Result:
        self.row["etag_hit"] = int(self.cacheable > 0 and self.not_modified == self.cacheable)
        return self

    @property
    def has_data(self) -> bool:
        return any(k.endswith("fetched_at") for k in self.row)


REFUSALS = {404: "not_found", 410: "not_found", 451: "unavailable_451", 403: "blocked"}


def _refusal(result: Result, answer: Answer, label: str) -> Result:
    """Record why a source would not serve this package (or that it moved off-site)."""
    if answer.status in (301, 302, 307, 308):
        result.row["status"] = "moved"
        where = _host(answer.moved_to)
        result.row["status_detail"] = f"redirected to {where}; not followed"
    elif answer.status in REFUSALS:
        result.row["status"] = REFUSALS[answer.status]
        result.row["status_detail"] = answer.message or None
    else:
        result.error = f"{label} answered {answer.status} for {result.row.get('requested_name')}"
    return result


def _host(url: str | None) -> str:
    from urllib.parse import urlsplit

    return (urlsplit(url).netloc if url else "") or "an unknown place"


def _github_repo_columns(data: Mapping[str, Any]) -> dict[str, Any]:
    return {**data, "archived": _flag(data["archived"])}


def _flag(value: bool | None) -> int | None:
    """A boolean for SQLite; None stays unknown (upstream sent no real boolean)."""
    return None if value is None else int(value)


def github_job(
    client: GitHubClient, target: Target, cache: Mapping[str, CacheEntry], graph: GraphRepo | None
) -> Result:
    """All of one package's GitHub requests (after its GraphQL batch, if any)."""
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
                return _refusal(result, answer, "GitHub").finish()
            result.set_group(_github_repo_columns(answer.data), "repo_fetched_at")
        name = result.row["full_name"]
        _github_details(client, result, name, cache, with_commits=graph is None)
    except SourceStopped as stop:
        result.stopped = True
        if "repo_fetched_at" not in result.row:
            result.row["status"] = "rate_limited"
            result.row["status_detail"] = stop.reason
    except UpstreamError as exc:
        result.error = exc.message
    if "repo_fetched_at" in result.row:
        moved = name.lower() != (target.github_requested or "").lower()
        result.row["status"] = "moved" if moved else "ok"
        result.row["status_detail"] = f"now {name}" if moved else None
    return result.finish()


def _github_details(
    client: GitHubClient,
    result: Result,
    name: str,
    cache: Mapping[str, CacheEntry],
    *,
    with_commits: bool,
) -> None:
    stats = client.fetch_participation(name, cache)
    result.count(stats)
    if stats.ok:
        result.set_group({"commits_over_52": json.dumps(stats.data)}, "participation_fetched_at")
    elif stats.status == 202:
        result.pending = name  # computing: revisit later; 204 (empty) and others: no data
    pages: Pages = client.fetch_contributors(name, cache)
    for answer in pages.answers:
        result.count(answer)
    if pages.logins is not None:
        result.set_group({"participants": json.dumps(pages.logins)}, "contributors_fetched_at")
    if with_commits:
        commits = client.fetch_commits(name, cache)
        result.count(commits)
        if commits.ok and commits.data is not None:
            result.set_group(commits.data, "commits_fetched_at")


def stats_job(client: GitHubClient, package_id: int, name: str, cache: Mapping[str, Any]) -> Result:
    """A second look at weekly participation GitHub was still computing."""
    result = Result("github", package_id, {"package_id": package_id})
    try:
        stats = client.fetch_participation(name, cache)
        result.count(stats)
        if stats.ok:
            result.set_group(
                {"commits_over_52": json.dumps(stats.data)}, "participation_fetched_at"
            )
        elif stats.status == 202:
            result.pending = name
    except SourceStopped:
        result.stopped = True
    except UpstreamError as exc:
        result.error = exc.message
    return result


def pypi_job(client: PyPIClient, target: Target, cache: Mapping[str, CacheEntry]) -> Result:
    assert target.pypi is not None
    row = {"package_id": target.id, "requested_name": target.pypi, "checked_at": utc_now()}
    result = Result("pypi", target.id, row)
    try:
        answer = client.fetch_project(target.pypi, cache)
        result.count(answer)
        if answer.status in (404, 410):
            row.update(status="gone_from_pypi", status_detail=answer.message or None)
        elif not answer.ok:
            return _refusal(result, answer, "PyPI").finish()
        else:
            data = dict(answer.data)
            for key in ("python_versions", "django_versions"):
                data[key] = json.dumps(data[key])
            advisories = data.get("advisories")  # None: PyPI did not say (unknown)
            data["advisories"] = None if advisories is None else json.dumps(advisories)
            result.set_group(data, "fetched_at")
            row.update(status="ok", status_detail=None)
    except SourceStopped:
        result.stopped = True
    except UpstreamError as exc:
        result.error = exc.message
    return result.finish()


def forge_job(client: ForgeClient, target: Target, cache: Mapping[str, CacheEntry]) -> Result:
    assert target.forge is not None
    row = {
        "package_id": target.id,
        "forge": target.forge.kind,
        "requested_name": target.forge.path,
        "checked_at": utc_now(),
    }
    result = Result("forge", target.id, row)
    try:
        answer = client.fetch_repo(target.forge, cache)
        result.count(answer)
        if not answer.ok:
            return _refusal(result, answer, client.label).finish()
        data = {**answer.data, "archived": _flag(answer.data["archived"])}
        result.set_group(data, "fetched_at")
        moved = data["full_name"].lower() != target.forge.path.lower()
        row.update(status="moved" if moved else "ok", status_detail=None)
    except SourceStopped:
        result.stopped = True
    except UpstreamError as exc:
        result.error = exc.message
    return result.finish()
