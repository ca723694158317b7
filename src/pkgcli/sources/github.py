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
from functools import partial
from typing import Any
from urllib.parse import parse_qs

import httpx

from pkgcli.http import is_under
from pkgcli.sources.base import Answer, CacheEntry, SourceClient, SourceStopped, upstream_message
from pkgcli.sources.boundary import (
    GITHUB_NAME,
    BadRecord,
    Fields,
    parse_count,
    shown,
    split_url,
    storable,
    valid_name,
)

GITHUB_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
GITHUB_HOSTS = frozenset({"github.com", "www.github.com"})
GRAPHQL_BATCH = 50
CONTRIBUTOR_PAGES = 10  # 1,000 contributors: more than any Django package has
SECONDARY_DEFAULT_WAIT = 60.0  # GitHub: "wait at least one minute" without retry-after
_LINK_RE = re.compile(r'<([^>]*)>\s*;\s*rel="([^"]+)"')


# -- pure decoding ---------------------------------------------------------------------


def parse_repo_url(url: str | None) -> str | None:
    """`owner/name` from a GitHub repository URL in any of the forms seen in the wild."""
    if not url:
        return None
    text = url.strip()
    if text.startswith("git@github.com:"):
        text = "https://github.com/" + text[len("git@github.com:") :]
    parts = split_url(text)
    if parts is None:
        return None
    if (parts.hostname or "").lower() not in GITHUB_HOSTS:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) < 2:
        return None
    owner, name = segments[0], segments[1].removesuffix(".git")
    return valid_name(f"{owner}/{name}", GITHUB_NAME)


def _spdx(value: str | None) -> str | None:
    """GitHub's SPDX id; NOASSERTION means GitHub could not tell, which is not a licence."""
    return value if value and value != "NOASSERTION" else None


def repo_name(value: Any) -> str:
    """A repository name from an answer, checked like one from a URL; BadRecord if not."""
    name = valid_name(value, GITHUB_NAME)
    if name is None:
        raise BadRecord(f"GitHub answered with an unusable repository name ({shown(value)})")
    return name


def parse_repo(doc: Any, problems: list[str] | None = None) -> dict[str, Any] | None:
    """`GET /repos/{o}/{r}` → the repository field group (None if it is not a repository).

    Every value crosses the typed boundary (wrong type or out of range → unknown, noted in
    `problems`); a `full_name` that is no valid owner/name raises BadRecord: it would be
    stored and put in the next run's URLs.
    """
    if not isinstance(doc, dict) or "full_name" not in doc:
        return None
    f = Fields(doc, problems)
    return {
        "full_name": repo_name(doc["full_name"]),
        "repo_id": f.count("id"),
        "stars": f.count("stargazers_count"),
        "forks": f.count("forks_count"),
        "subscribers_count": f.count("subscribers_count"),
        "description": f.text("description"),
        "archived": f.boolean("archived"),
        "pushed_at": f.timestamp("pushed_at"),
        "license": _spdx(f.nested("license").nonempty_text("spdx_id")),
        "default_branch": f.nonempty_text("default_branch"),
        "homepage": f.nonempty_text("homepage"),
    }


def parse_participation(doc: Any, problems: list[str] | None = None) -> list[int] | None:
    """`/stats/participation` → the 52 weekly counts of `all`, oldest first; None if absent.

    GitHub answers `{}` (or 202) while it computes: that is "not yet", never 52 zeros.
    Weeks that are not counts (negative, too big, not numbers) make the whole list unknown.
    """
    if not isinstance(doc, dict) or "all" not in doc:
        return None
    weeks = Fields(doc, problems).counts("all")
    if weeks is None or len(weeks) != 52:
        return None
    return weeks


def parse_contributors(doc: Any, problems: list[str] | None = None) -> list[str]:
    """One `/contributors` page → logins in GitHub's order (commit count, descending)."""
    if not isinstance(doc, list):
        if doc is not None:
            (problems if problems is not None else []).append("contributors")
        return []
    logins = [Fields(c, problems).nonempty_text("login") for c in doc]
    return [login for login in logins if login]


def parse_link_header(value: str | None) -> dict[str, str]:
    """`Link: <url>; rel="next", …` → {rel: url}."""
    return {rel: url for url, rel in _LINK_RE.findall(value or "")}


def last_page(link: str | None) -> int | None:
    """The page number of rel="last" in a Link header (None unless 1..2**63-1)."""
    url = parse_link_header(link).get("last")
    if not url:
        return None
    parts = split_url(url)
    pages = parse_qs(parts.query).get("page") if parts else None
    number = parse_count(pages[0]) if pages else None
    return number or None


def parse_commits(
    doc: Any, link: str | None, problems: list[str] | None = None
) -> dict[str, Any] | None:
    """`/commits?per_page=1` → newest commit date and, from rel="last", the commit count."""
    if not isinstance(doc, list) or not doc or not isinstance(doc[0], dict):
        return None
    f = Fields(doc[0], problems)
    dates = [f.timestamp(f"commit.{who}.date") for who in ("committer", "author")]
    count = last_page(link)
    return {
        "last_commit_at": next((d for d in dates if d), None),
        "commit_count": count if count is not None else len(doc),
    }


MAX_EPOCH = 253402300799  # 9999-12-31T23:59:59Z: the last instant `datetime` can hold


@dataclass(frozen=True)
class RateInfo:
    resource: str
    limit: int
    remaining: int
    reset: int | None  # epoch seconds, at most MAX_EPOCH

    @property
    def reset_at(self) -> datetime | None:
        if self.reset is None:
            return None
        return datetime.fromtimestamp(min(self.reset, MAX_EPOCH), UTC)


def parse_rate_limit(headers: Mapping[str, str]) -> RateInfo | None:
    """The `x-ratelimit-*` headers of any answer (None when absent or not ASCII numbers).

    Only ASCII digits count ("²" is a digit to `str.isdigit()` and not to `int()`), and a
    reset beyond the year 9999 is clamped, so no header can raise.
    """
    limit = parse_count(headers.get("x-ratelimit-limit", "").strip())
    remaining = parse_count(headers.get("x-ratelimit-remaining", "").strip())
    if limit is None or remaining is None:
        return None
    reset = parse_count((headers.get("x-ratelimit-reset") or "").strip())
    resource = headers.get("x-ratelimit-resource") or "core"
    return RateInfo(
        resource=resource if resource.isascii() and resource.isprintable() else "core",
        limit=limit,
        remaining=remaining,
        reset=min(reset, MAX_EPOCH) if reset is not None else None,
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


def parse_graphql_repo(node: Any, problems: list[str] | None = None) -> GraphRepo | None:
    """One aliased `repository` block → its groups; None if missing or its name is unusable
    (the caller then asks REST for that one repository)."""
    if not isinstance(node, dict) or node.get("nameWithOwner") is None:
        return None
    f = Fields(node, problems)
    name = f.name("nameWithOwner", GITHUB_NAME)
    if name is None:
        return None
    branch = f.nested("defaultBranchRef")
    repo = {
        "full_name": name,
        "repo_id": f.count("databaseId"),
        "stars": f.count("stargazerCount"),
        "forks": f.count("forkCount"),
        "subscribers_count": f.count("watchers.totalCount"),
        "description": f.text("description"),
        "archived": f.boolean("isArchived"),
        "pushed_at": f.timestamp("pushedAt"),
        "license": _spdx(f.nested("licenseInfo").nonempty_text("spdxId")),
        "default_branch": branch.nonempty_text("name"),
        "homepage": f.nonempty_text("homepageUrl"),
    }
    history = branch.nested("target").nested("history")
    if not history.record:
        return GraphRepo(repo=repo, commits=None)
    nodes = history.items("nodes")
    newest = Fields(nodes[0], problems).timestamp("committedDate") if nodes else None
    commits = {"last_commit_at": newest, "commit_count": history.count("totalCount")}
    return GraphRepo(repo=repo, commits=commits)


def graphql_errors(doc: Any) -> list[dict[str, Any]]:
    """The `errors` of a GraphQL answer that are objects ([] for any other shape)."""
    errors = doc.get("errors") if isinstance(doc, dict) else None
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def parse_graphql(
    doc: Any, count: int, problems: list[str] | None = None
) -> tuple[list[GraphRepo | None], dict[int, str]]:
    """A batch answer → one entry per requested name (None if missing) and error types."""
    data = Fields(doc, problems).nested("data")
    repos = [parse_graphql_repo(data.record.get(f"r{i}"), problems) for i in range(count)]
    errors: dict[int, str] = {}
    for error in graphql_errors(doc):
        path = error.get("path")
        alias = path[0] if isinstance(path, list) and path else None
        index = parse_count(alias[1:]) if isinstance(alias, str) and alias[:1] == "r" else None
        if index is not None and index < count:
            kind = error.get("type")
            errors[index] = storable(kind) if isinstance(kind, str) and kind else "ERROR"
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
        self._secondary = threading.local()  # .last: this thread's last answer said slow down

    def send(
        self, method: str, url: str, headers: dict[str, str], json_body: Any = None
    ) -> httpx.Response:
        """One request under the one HTTP retry policy: a secondary rate limit is a pause
        and a retry of the same (at most 4-request) budget, through `slow_down`; one that
        persists, or asks for more than pkgcli waits, stops GitHub for this run."""
        from pkgcli.errors import RateLimited, UpstreamError

        self._secondary.last = False
        try:
            response = super().send(method, url, headers, json_body)
        except RateLimited as exc:
            if self._secondary.last:  # a secondary limit asking for more than the wait cap
                raise self._stop_secondary(exc.message) from exc
            raise  # another answer's Retry-After: that package fails, as for any source
        except UpstreamError as exc:
            if self._secondary.last:  # every attempt of the budget was told to slow down
                raise self._stop_secondary("GitHub's secondary rate limit persists") from exc
            raise
        self._note_rate(response.headers)
        if response.status_code == 401:
            raise self.stop("GitHub rejected the token (401 Bad credentials)")
        if response.status_code in (403, 429):
            kind = classify_refusal(
                response.status_code, response.headers, upstream_message(response)
            )
            if kind == "primary":
                raise self._stop_for_quota(response.headers)
        return response  # blocked, too large, forbidden: the caller records it

    def slow_down(self, response: httpx.Response) -> float | None:
        """GitHub's secondary rate limit: the wait it asks for (Retry-After, else a minute)."""
        self._secondary.last = False
        if response.status_code not in (403, 429):
            return None
        self._note_rate(response.headers)
        kind = classify_refusal(response.status_code, response.headers, upstream_message(response))
        if kind != "secondary":
            return None
        from pkgcli.http import parse_retry_after

        self._secondary.last = True
        with self._rate_lock:
            self.secondary_hits += 1
        self.throttle.narrow()  # fewer in flight from now on, as GitHub asks
        wait = parse_retry_after(response.headers.get("retry-after"))
        self._secondary.wait = wait if wait is not None else SECONDARY_DEFAULT_WAIT
        return float(self._secondary.wait)

    def _stop_secondary(self, reason: str) -> SourceStopped:
        with self._rate_lock:
            self.secondary_hits = max(0, self.secondary_hits - 1)  # the last one was not waited
        wait = max(getattr(self._secondary, "wait", 0.0), SECONDARY_DEFAULT_WAIT)
        return self.stop(reason, datetime.now(UTC) + timedelta(seconds=wait))

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
        """The repository's URL; BadRecord for a name that is no GitHub owner/name (one
        stored by an older pkgcli, say), so no other path on the API host is ever asked."""
        return f"{self.base_url}/repos/{repo_name(full_name)}"

    def participation_url(self, full_name: str) -> str:
        return f"{self.repo_url(full_name)}/stats/participation"

    def contributors_url(self, full_name: str) -> str:
        return f"{self.repo_url(full_name)}/contributors?per_page=100"

    def commits_url(self, full_name: str) -> str:
        return f"{self.repo_url(full_name)}/commits?per_page=1"

    # -- one request each ----------------------------------------------------------------

    def fetch_repo(self, full_name: str, cache: Mapping[str, CacheEntry]) -> Answer:
        url = self.repo_url(full_name)
        problems: list[str] = []
        answer = self.get(url, cache.get(url), lambda doc, _: parse_repo(doc, problems))
        self.note_unusable(problems)
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
        problems: list[str] = []
        computing: list[bool] = []

        def parse(doc: Any, _: httpx.Response) -> list[int] | None:
            computing.append(doc == {})  # GitHub's `{}` while it computes, not a bad answer
            return parse_participation(doc, problems)

        answer = self.get(url, cache.get(url), parse)
        self.note_unusable(problems)
        if answer.status == 200 and answer.data is None:
            answer.entry = None
            if computing and computing[-1]:
                answer.status = 202
            else:  # wrong types or not 52 weeks: unknown, and said so, never "computing"
                answer.status, answer.message = 502, "weekly participation that is not 52 counts"
        return answer

    def fetch_commits(self, full_name: str, cache: Mapping[str, CacheEntry]) -> Answer:
        url = self.commits_url(full_name)
        problems: list[str] = []
        answer = self.get(
            url, cache.get(url), lambda doc, r: parse_commits(doc, r.headers.get("link"), problems)
        )
        self.note_unusable(problems)
        return answer

    def fetch_contributors(self, full_name: str, cache: Mapping[str, CacheEntry]) -> Pages:
        """Every page of contributors, each page conditional on its own validators."""
        pages = Pages()
        url: str | None = self.contributors_url(full_name)
        for _ in range(CONTRIBUTOR_PAGES):
            if url is None:
                break
            problems: list[str] = []
            answer = self.get(url, cache.get(url), partial(_contributors_page, problems=problems))
            self.note_unusable(problems)
            pages.add(answer)
            if not answer.ok:
                pages.logins = None
                return pages
            url = answer.data["next"]
            if url is not None and not is_under(url, self.base_url):
                # Never follow a page link away from this API (by origin and path, not by
                # text: a base of 127.0.0.1:4502 is no prefix of 127.0.0.1:45021's links).
                url = None
        return pages

    def fetch_graphql(self, names: Sequence[str]) -> tuple[list[GraphRepo | None], dict[int, str]]:
        """Repository metadata for up to GRAPHQL_BATCH names in one POST (token required)."""
        from pkgcli.errors import UpstreamError
        from pkgcli.http import decode_json

        response = self.send("POST", f"{self.base_url}/graphql", {}, graphql_query(names))
        if response.status_code != 200:
            raise UpstreamError(f"GitHub GraphQL answered {response.status_code}")
        doc = decode_json(self.label, response)
        problems: list[str] = []
        repos, errors = parse_graphql(doc, len(names), problems)
        self.note_unusable(problems)
        if "RATE_LIMITED" in errors.values() or _graphql_rate_limited(doc):
            raise self.stop("GitHub GraphQL rate limit reached", self._graphql_reset())
        return repos, errors

    def _graphql_reset(self) -> datetime | None:
        info = self.rate.get("graphql")
        return info.reset_at if info else None


def _graphql_rate_limited(doc: Any) -> bool:
    return any(e.get("type") == "RATE_LIMITED" for e in graphql_errors(doc))


def _contributors_page(
    doc: Any, response: httpx.Response, problems: list[str] | None = None
) -> dict[str, Any]:
    return {
        "logins": parse_contributors(doc, problems),
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
