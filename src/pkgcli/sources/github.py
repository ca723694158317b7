"""GitHub: the REST/GraphQL client and the pure functions that decode its answers.

`parse_*` turn one answer into the columns of one field group (repository metadata,
weekly participation, contributors, newest commit). `GitHubClient` adds what GitHub asks of
a polite client to `SourceClient`: its media-type headers, the `x-ratelimit-*` accounting
on every answer with a floor at which all GitHub work stops (saying when it can resume),
and secondary limits that are obeyed (`retry-after`, else a minute and doubling) before the
client narrows to fewer requests in flight. The token is attached by the `HttpClient`'s
`BearerToken`, only to this API's own URLs. The `fetch_*` functions run one package's
requests and return plain values; they never touch the store.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from pkgcli.models import parse_timestamp
from pkgcli.sources.base import Answer, CacheEntry, SourceClient, SourceStopped, upstream_message

GITHUB_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
GITHUB_HOSTS = frozenset({"github.com", "www.github.com"})
GRAPHQL_BATCH = 50
CONTRIBUTOR_PAGES = 10  # 1,000 contributors: more than any Django package has
SECONDARY_RETRIES = 3
SECONDARY_DEFAULT_WAIT = 60.0  # GitHub: "wait at least one minute" without retry-after
MAX_PAUSE = 900.0  # longer than this, stop and say when to come back instead of waiting
_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_LINK_RE = re.compile(r'<([^>]*)>\s*;\s*rel="([^"]+)"')


# -- pure decoding ---------------------------------------------------------------------


def parse_repo_url(url: str | None) -> str | None:
    """`owner/name` from a GitHub repository URL in any of the forms seen in the wild."""
    if not url:
        return None
    text = url.strip()
    if text.startswith("git@github.com:"):
        text = "https://github.com/" + text[len("git@github.com:") :]
    parts = urlsplit(text if "://" in text else f"https://{text}")
    if (parts.hostname or "").lower() not in GITHUB_HOSTS:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) < 2:
        return None
    owner, name = segments[0], segments[1].removesuffix(".git")
    full_name = f"{owner}/{name}"
    if name in (".", "..") or not _NAME_RE.match(full_name):
        return None
    return full_name


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _spdx(value: Any) -> str | None:
    """GitHub's SPDX id; NOASSERTION means GitHub could not tell, which is not a licence."""
    if isinstance(value, str) and value and value != "NOASSERTION":
        return value
    return None


def parse_repo(doc: Any) -> dict[str, Any] | None:
    """`GET /repos/{o}/{r}` → the repository field group (None if it is not a repository)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("full_name"), str):
        return None
    licence = doc.get("license")
    return {
        "full_name": doc["full_name"],
        "repo_id": _int_or_none(doc.get("id")),
        "stars": _int_or_none(doc.get("stargazers_count")),
        "forks": _int_or_none(doc.get("forks_count")),
        "subscribers_count": _int_or_none(doc.get("subscribers_count")),
        "description": doc.get("description") if isinstance(doc.get("description"), str) else "",
        "archived": bool(doc.get("archived")),
        "pushed_at": parse_timestamp(doc.get("pushed_at")),
        "license": _spdx(licence.get("spdx_id")) if isinstance(licence, dict) else None,
        "default_branch": doc.get("default_branch")
        if isinstance(doc.get("default_branch"), str)
        else None,
        "homepage": doc.get("homepage") or None,
    }


def parse_participation(doc: Any) -> list[int] | None:
    """`/stats/participation` → the 52 weekly counts of `all`, oldest first; None if absent.

    GitHub answers `{}` (or 202) while it computes: that is "not yet", never 52 zeros.
    """
    weeks = doc.get("all") if isinstance(doc, dict) else None
    if not isinstance(weeks, list) or len(weeks) != 52:
        return None
    if not all(isinstance(w, int) and not isinstance(w, bool) for w in weeks):
        return None
    return list(weeks)


def parse_contributors(doc: Any) -> list[str]:
    """One `/contributors` page → logins in GitHub's order (commit count, descending)."""
    if not isinstance(doc, list):
        return []
    return [c["login"] for c in doc if isinstance(c, dict) and isinstance(c.get("login"), str)]


def parse_link_header(value: str | None) -> dict[str, str]:
    """`Link: <url>; rel="next", …` → {rel: url}."""
    return {rel: url for url, rel in _LINK_RE.findall(value or "")}


def last_page(link: str | None) -> int | None:
    """The page number of rel="last" in a Link header."""
    url = parse_link_header(link).get("last")
    if not url:
        return None
    pages = parse_qs(urlsplit(url).query).get("page")
    return int(pages[0]) if pages and pages[0].isdigit() else None


def parse_commits(doc: Any, link: str | None) -> dict[str, Any] | None:
    """`/commits?per_page=1` → newest commit date and, from rel="last", the commit count."""
    if not isinstance(doc, list) or not doc or not isinstance(doc[0], dict):
        return None
    commit = doc[0].get("commit")
    commit = commit if isinstance(commit, dict) else {}
    people = [commit.get(who) for who in ("committer", "author")]
    dates = [p.get("date") for p in people if isinstance(p, dict)]
    newest = next((parse_timestamp(d) for d in dates if isinstance(d, str)), None)
    count = last_page(link)
    return {"last_commit_at": newest, "commit_count": count if count is not None else len(doc)}


@dataclass(frozen=True)
class RateInfo:
    resource: str
    limit: int
    remaining: int
    reset: int | None  # epoch seconds

    @property
    def reset_at(self) -> datetime | None:
        return datetime.fromtimestamp(self.reset, UTC) if self.reset is not None else None


def parse_rate_limit(headers: Mapping[str, str]) -> RateInfo | None:
    """The `x-ratelimit-*` headers of any answer (None when absent)."""
    try:
        limit = int(headers["x-ratelimit-limit"])
        remaining = int(headers["x-ratelimit-remaining"])
    except (KeyError, ValueError):
        return None
    reset_text = headers.get("x-ratelimit-reset") or ""
    return RateInfo(
        resource=headers.get("x-ratelimit-resource") or "core",
        limit=limit,
        remaining=remaining,
        reset=int(reset_text) if reset_text.isdigit() else None,
    )


def classify_refusal(status: int, headers: Mapping[str, str], message: str) -> str:
    """What a 403/429 means: primary | secondary | blocked | too_large | forbidden."""
    text = message.lower()
    if headers.get("x-ratelimit-remaining") == "0":
        return "primary"
    if "secondary rate limit" in text or "abuse" in text or headers.get("retry-after"):
        return "secondary"
    if "api rate limit exceeded" in text:
        return "primary"
    if status == 429 or "rate limit" in text:
        return "secondary"
    if "too large" in text:
        return "too_large"  # "history or contributor list is too large": unknown, not a limit
    if "blocked" in text:
        return "blocked"
    return "forbidden"


def floor_for(limit: int) -> int:
    """Requests left untouched for the user's other tools: 50, or a tenth of a small quota."""
    return min(50, limit // 10)


_GRAPHQL_FRAGMENT = (
    "fragment repo on Repository { nameWithOwner databaseId stargazerCount forkCount "
    "description isArchived pushedAt homepageUrl licenseInfo { spdxId } "
    "watchers { totalCount } defaultBranchRef { name target { ... on Commit { "
    "history(first: 1) { totalCount nodes { committedDate } } } } } }"
)


def graphql_query(names: Sequence[str]) -> dict[str, Any]:
    """One query for many repositories: aliased `repository` blocks, names as variables."""
    declarations, blocks, variables = [], [], {}
    for i, full_name in enumerate(names):
        owner, name = full_name.split("/", 1)
        declarations += [f"$o{i}: String!", f"$n{i}: String!"]
        blocks.append(f"r{i}: repository(owner: $o{i}, name: $n{i}) {{ ...repo }}")
        variables[f"o{i}"], variables[f"n{i}"] = owner, name
    query = (
        f"query({', '.join(declarations)}) {{ {' '.join(blocks)} "
        "rateLimit { cost remaining resetAt } } " + _GRAPHQL_FRAGMENT
    )
    return {"query": query, "variables": variables}


@dataclass
class GraphRepo:
    """One repository from a GraphQL batch: its repo group and newest-commit group."""

    repo: dict[str, Any]
    commits: dict[str, Any] | None


def parse_graphql_repo(node: Any) -> GraphRepo | None:
    if not isinstance(node, dict) or not isinstance(node.get("nameWithOwner"), str):
        return None
    licence = node.get("licenseInfo")
    watchers = node.get("watchers")
    repo = {
        "full_name": node["nameWithOwner"],
        "repo_id": _int_or_none(node.get("databaseId")),
        "stars": _int_or_none(node.get("stargazerCount")),
        "forks": _int_or_none(node.get("forkCount")),
        "subscribers_count": _int_or_none(watchers.get("totalCount"))
        if isinstance(watchers, dict)
        else None,
        "description": node.get("description") if isinstance(node.get("description"), str) else "",
        "archived": bool(node.get("isArchived")),
        "pushed_at": parse_timestamp(node.get("pushedAt")),
        "license": _spdx(licence.get("spdxId")) if isinstance(licence, dict) else None,
        "default_branch": None,
        "homepage": node.get("homepageUrl") or None,
    }
    commits = None
    branch = node.get("defaultBranchRef")
    if isinstance(branch, dict):
        repo["default_branch"] = branch.get("name") if isinstance(branch.get("name"), str) else None
        history = (branch.get("target") or {}).get("history")
        if isinstance(history, dict):
            nodes = history.get("nodes") or []
            newest = nodes[0].get("committedDate") if nodes and isinstance(nodes[0], dict) else None
            commits = {
                "last_commit_at": parse_timestamp(newest) if isinstance(newest, str) else None,
                "commit_count": _int_or_none(history.get("totalCount")),
            }
    return GraphRepo(repo=repo, commits=commits)


def parse_graphql(doc: Any, count: int) -> tuple[list[GraphRepo | None], dict[int, str]]:
    """A batch answer → one entry per requested name (None if missing) and error types."""
    data = doc.get("data") if isinstance(doc, dict) else None
    data = data if isinstance(data, dict) else {}
    repos = [parse_graphql_repo(data.get(f"r{i}")) for i in range(count)]
    errors: dict[int, str] = {}
    for error in (doc.get("errors") if isinstance(doc, dict) else None) or []:
        path = error.get("path") if isinstance(error, dict) else None
        if isinstance(path, list) and path and str(path[0]).startswith("r"):
            index = str(path[0])[1:]
            if index.isdigit():
                errors[int(index)] = str(error.get("type") or "ERROR")
    return repos, errors


# -- the client ------------------------------------------------------------------------


class GitHubClient(SourceClient):
    """GitHub's REST and GraphQL APIs, minding both kinds of rate limit."""

    label = "GitHub"

    def __init__(self, *args: Any, authenticated: bool, floor: int | None = None, **kw: Any):
        super().__init__(*args, headers=dict(GITHUB_HEADERS), **kw)
        self.authenticated = authenticated
        self.floor = floor
        self.rate: dict[str, RateInfo] = {}
        self.secondary_hits = 0
        self._rate_lock = threading.Lock()

    def send(
        self, method: str, url: str, headers: dict[str, str], json_body: Any = None
    ) -> httpx.Response:
        for attempt in range(SECONDARY_RETRIES + 1):
            response = super().send(method, url, headers, json_body)
            self._note_rate(response.headers)
            if response.status_code == 401:
                raise self.stop("GitHub rejected the token (401 Bad credentials)")
            if response.status_code not in (403, 429):
                return response
            kind = classify_refusal(
                response.status_code, response.headers, upstream_message(response)
            )
            if kind == "primary":
                raise self._stop_for_quota(response.headers)
            if kind != "secondary":
                return response  # blocked, too large, forbidden: the caller records it
            wait = self._secondary_wait(response.headers, attempt)
            if attempt == SECONDARY_RETRIES or wait > MAX_PAUSE:
                raise self.stop(
                    "GitHub's secondary rate limit persists",
                    datetime.now(UTC) + timedelta(seconds=max(wait, SECONDARY_DEFAULT_WAIT)),
                )
            with self._rate_lock:
                self.secondary_hits += 1
            self.throttle.back_off(wait, self.sleep)
        raise AssertionError("unreachable")  # pragma: no cover

    def _secondary_wait(self, headers: Mapping[str, str], attempt: int) -> float:
        from pkgcli.http import parse_retry_after

        retry_after = parse_retry_after(headers.get("retry-after"))
        if retry_after is not None:
            return retry_after
        return float(SECONDARY_DEFAULT_WAIT * 2**attempt)

    def _note_rate(self, headers: Mapping[str, str]) -> None:
        info = parse_rate_limit(headers)
        if info is None:
            return
        with self._rate_lock:
            self.rate[info.resource] = info
        floor = self.floor if self.floor is not None else floor_for(info.limit)
        if info.remaining <= floor:
            self._stop_for_quota(headers, floor=floor)

    def _stop_for_quota(self, headers: Mapping[str, str], floor: int = 0) -> SourceStopped:
        info = parse_rate_limit(headers)
        left = f"{info.remaining:,} of {info.limit:,} requests left" if info else "no quota left"
        what = f"GitHub rate limit: {left}" + (f" (pkgcli stops at {floor:,})" if floor else "")
        return self.stop(what, info.reset_at if info else None)

    # -- URLs ----------------------------------------------------------------------------

    def repo_url(self, full_name: str) -> str:
        return f"{self.base_url}/repos/{full_name}"

    def participation_url(self, full_name: str) -> str:
        return f"{self.base_url}/repos/{full_name}/stats/participation"

    def contributors_url(self, full_name: str) -> str:
        return f"{self.base_url}/repos/{full_name}/contributors?per_page=100"

    def commits_url(self, full_name: str) -> str:
        return f"{self.base_url}/repos/{full_name}/commits?per_page=1"

    # -- one request each ----------------------------------------------------------------

    def fetch_repo(self, full_name: str, cache: Mapping[str, CacheEntry]) -> Answer:
        url = self.repo_url(full_name)
        answer = self.get(url, cache.get(url), lambda doc, _: parse_repo(doc))
        if answer.status == 200 and answer.data is None:
            answer.status, answer.message = 502, "not a repository record"
        if answer.ok and answer.moved_to and answer.entry is not None:
            # Key the validators by the name GitHub answers to now: the next run asks for it.
            canonical = self.repo_url(answer.data["full_name"])
            entry = answer.entry
            answer.entry = CacheEntry(canonical, entry.etag, entry.last_modified, entry.data)
        return answer

    def fetch_participation(self, full_name: str, cache: Mapping[str, CacheEntry]) -> Answer:
        url = self.participation_url(full_name)
        answer = self.get(url, cache.get(url), lambda doc, _: parse_participation(doc))
        if answer.status == 200 and answer.data is None:  # `{}`: still computing
            answer.status, answer.entry = 202, None
        return answer

    def fetch_commits(self, full_name: str, cache: Mapping[str, CacheEntry]) -> Answer:
        url = self.commits_url(full_name)
        return self.get(
            url, cache.get(url), lambda doc, r: parse_commits(doc, r.headers.get("link"))
        )

    def fetch_contributors(self, full_name: str, cache: Mapping[str, CacheEntry]) -> Pages:
        """Every page of contributors, each page conditional on its own validators."""
        pages = Pages()
        url: str | None = self.contributors_url(full_name)
        for _ in range(CONTRIBUTOR_PAGES):
            if url is None:
                break
            answer = self.get(url, cache.get(url), _contributors_page)
            pages.add(answer)
            if not answer.ok:
                pages.logins = None
                return pages
            url = answer.data["next"]
            if url is not None and not url.startswith(self.base_url):
                url = None  # never follow a page link away from this API with the token
        return pages

    def fetch_graphql(self, names: Sequence[str]) -> tuple[list[GraphRepo | None], dict[int, str]]:
        """Repository metadata for up to GRAPHQL_BATCH names in one POST (token required)."""
        from pkgcli.errors import UpstreamError
        from pkgcli.http import decode_json

        response = self.send("POST", f"{self.base_url}/graphql", {}, graphql_query(names))
        if response.status_code != 200:
            raise UpstreamError(f"GitHub GraphQL answered {response.status_code}")
        doc = decode_json(self.label, response)
        repos, errors = parse_graphql(doc, len(names))
        if "RATE_LIMITED" in errors.values() or _graphql_rate_limited(doc):
            raise self.stop("GitHub GraphQL rate limit reached", self._graphql_reset())
        return repos, errors

    def _graphql_reset(self) -> datetime | None:
        info = self.rate.get("graphql")
        return info.reset_at if info else None


def _graphql_rate_limited(doc: Any) -> bool:
    errors = doc.get("errors") if isinstance(doc, dict) else None
    return any(isinstance(e, dict) and e.get("type") == "RATE_LIMITED" for e in errors or [])


def _contributors_page(doc: Any, response: httpx.Response) -> dict[str, Any]:
    return {
        "logins": parse_contributors(doc),
        "next": parse_link_header(response.headers.get("link")).get("next"),
    }


@dataclass
class Pages:
    """The contributor pages of one repository: logins (None if unknown) and their answers."""

    logins: list[str] | None = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)

    def add(self, answer: Answer) -> None:
        self.answers.append(answer)
        if answer.ok and self.logins is not None:
            self.logins += answer.data["logins"]
