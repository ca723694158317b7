"""A fake GitHub API (REST and GraphQL) to mount on `FakeUpstream` at `/github`.

Faithful to the parts pkgcli uses (see docs/upstream.md, section 2): `GET /repos/{o}/{r}`
with case-insensitive names and 301 to `/repositories/{id}` for renamed repositories,
`/stats/participation` answering 202 (`{}`) while "computing" and 204 for empty
repositories, `/contributors` and `/commits` paginated by `Link` (rel="last" on
`/commits?per_page=1` is the commit count), weak ETags that depend on `Accept` and on the
token with 304 answers that cost no quota, `x-ratelimit-*` headers counting down per token and
resource (`quota`, default 5,000, per `window`, default an hour; 60 without a token; GraphQL
its own resource) with 403 at zero, windows that reset on an injectable `clock`, a free and
truthful `GET /rate_limit`, a secondary limit (403 +
`retry-after`) when more than `max_in_flight` requests are in flight at once, 404 for
missing repositories, 451 for DMCA takedowns, 403 "Repository access blocked", and
`POST /graphql` resolving aliased `repository(owner:, name:)` blocks (renames followed).
`latency` is waited inside the handler so concurrent requests count as in flight.

Standard library only: imported by tests and benchmarks, never by pkgcli.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

from .catalogue import REFERENCE_NOW, Catalogue
from .lazy import LazyMap, peek, sorted_keys
from .server import Request, Response

TOKEN_LIMIT = 5000
ANONYMOUS_LIMIT = 60
GRAPHQL_LIMIT = 5000
DOCS = "https://docs.github.com/rest"
# Real moves the fixture records predate (see tests/fixtures/README): old name → new name.
REAL_RENAMES = {"evonove/django-oauth-toolkit": "jazzband/django-oauth-toolkit"}
_GITHUB_URL = re.compile(r"github\.com[/:]([^/\s]+)/([^/\s#?]+)", re.IGNORECASE)
_ALIAS = re.compile(
    r"(\w+)\s*:\s*repository\(\s*owner:\s*(\$\w+|\"[^\"]*\")\s*,\s*name:\s*(\$\w+|\"[^\"]*\")\s*\)"
)


@dataclass
class FakeRepo:
    """One repository as the fake serves it."""

    id: int
    full_name: str
    stars: int = 0
    forks: int = 0
    subscribers: int = 0
    description: str | None = None
    archived: bool = False
    license: str | None = None  # SPDX id
    homepage: str | None = None
    default_branch: str = "main"
    created_at: str = "2013-06-03T08:43:56Z"
    participation: list[int] = field(default_factory=lambda: [0] * 52)
    contributors: list[str] = field(default_factory=list)
    commit_count: int = 0  # 0: an empty repository
    newest_commit_at: str | None = None
    stats_pending: int = 0  # answer 202 this many times before the stats are "computed"
    refusal: int | None = None  # 451, or 403 for "Repository access blocked"

    @property
    def empty(self) -> bool:
        return self.commit_count == 0


@dataclass
class Quota:
    """One token's allowance for one resource ("core" or "graphql") in the current window.

    `reset` is the epoch second the window ends (GitHub's `x-ratelimit-reset`); the first
    request at or after it starts a new window with the whole `limit` again.
    """

    limit: int
    remaining: int
    reset: int
    resource: str = "core"

    @property
    def used(self) -> int:
        return self.limit - self.remaining

    def as_json(self) -> dict[str, int]:
        """The quota as `GET /rate_limit` lists it."""
        return {
            "limit": self.limit,
            "used": self.used,
            "remaining": self.remaining,
            "reset": self.reset,
        }


class FakeGitHub:
    """GitHub's REST and GraphQL APIs over a set of `FakeRepo`s; a `FakeUpstream` handler.

    `quota` is what a token may spend per `window` seconds on REST ("core"),
    `graphql_quota` the same for GraphQL (None: as much as `quota`), `anonymous_quota` what a
    caller without a token may spend on REST. Windows run on `clock` (epoch seconds), so a
    test can move time instead of waiting. All of these are attributes that can be changed
    at any time (`token_limit`, `graphql_limit`, `anonymous_limit`, `window`, `clock`); a
    change applies from the next window.
    """

    def __init__(
        self,
        repos: Iterable[FakeRepo] = (),
        *,
        clock: Callable[[], float] = time.time,
        quota: int = TOKEN_LIMIT,
        window: float = 3600.0,
        anonymous_quota: int = ANONYMOUS_LIMIT,
        graphql_quota: int | None = None,
    ) -> None:
        if window <= 0:
            raise ValueError("window must be > 0 seconds")
        self.repos: MutableMapping[int, FakeRepo] = {}
        self.old_names: dict[str, int] = {}  # lowercased former name → id
        self._names: dict[str, int] = {}  # lowercased current name → id
        self.offsite: dict[str, str] = {}  # lowercased name → another base URL to 301 to
        self.latency = 0.0
        self.max_in_flight = 4
        self.in_flight = 0
        self.peak_in_flight = 0
        self.statuses: dict[int, int] = {}  # answers by status code (304s included)
        self.token_limit = quota
        self.anonymous_limit = anonymous_quota
        self.graphql_limit = quota if graphql_quota is None else graphql_quota
        self.window = window
        self.valid_tokens: set[str] | None = None  # None: any token is accepted
        self.quotas: dict[tuple[str, str], Quota] = {}
        self.secondary_planned: list[float] = []  # retry-after of the next forced 403s
        self.secondary_answers = 0
        self.clock = clock
        self._lock = threading.Lock()
        for repo in repos:
            self.add(repo)

    # -- the catalogue of repositories

    def add(self, repo: FakeRepo) -> FakeRepo:
        self.repos[repo.id] = repo
        self._names[repo.full_name.lower()] = repo.id
        return repo

    def find(self, full_name: str) -> FakeRepo | None:
        """The repository answering to this name now (case-insensitive), no renames."""
        wanted = full_name.lower()
        repo_id = self._names.get(wanted)
        repo = self.repos.get(repo_id) if repo_id is not None else None
        return repo if repo is not None and repo.full_name.lower() == wanted else None

    def rename(self, old: str, new: str) -> FakeRepo:
        repo = self.find(old)
        if repo is None:
            raise KeyError(old)
        self.old_names[old.lower()] = repo.id
        self._names.pop(old.lower(), None)
        repo.full_name = new
        self._names[new.lower()] = repo.id
        return repo

    def remove(self, full_name: str) -> None:
        repo = self.find(full_name)
        if repo is not None:
            del self.repos[repo.id]
            self._names.pop(full_name.lower(), None)

    def quota(self, token: str | None = None, resource: str = "core") -> Quota:
        """The quota of one token (None: anonymous callers) for one resource, now.

        A window that has ended is replaced by a fresh one (the whole limit again, ending
        `window` seconds from now, in whole seconds), as GitHub starts a window at the first
        request after a reset.
        """
        key = (token or "", resource)
        now = self.clock()
        with self._lock:
            quota = self.quotas.get(key)
            if quota is None or now >= quota.reset:
                limit = self._limit(token, resource)
                # Whole seconds, as GitHub sends them; never the current second, or a
                # window shorter than a second would never run out.
                reset = max(int(now + self.window), int(now) + 1)
                quota = Quota(limit, limit, reset, resource)
                self.quotas[key] = quota
            return quota

    def _limit(self, token: str | None, resource: str) -> int:
        if resource == "graphql":
            return self.graphql_limit
        return self.token_limit if token else self.anonymous_limit

    def rate_limit_json(self, token: str | None = None) -> dict[str, Any]:
        """`GET /rate_limit`'s body for this caller: its core and GraphQL windows."""
        core = self.quota(token, "core").as_json()
        graphql = self.quota(token, "graphql").as_json()
        if not token:
            graphql = {"limit": 0, "used": 0, "remaining": 0, "reset": graphql["reset"]}
        search_limit = 30 if token else 10
        search = {"limit": search_limit, "used": 0, "remaining": search_limit}
        search["reset"] = int(self.clock()) + 60
        return {"resources": {"core": core, "search": search, "graphql": graphql}, "rate": core}

    def secondary_limit(self, times: int = 1, retry_after: float = 60) -> None:
        """Answer the next `times` requests with a secondary rate limit (403 + retry-after)."""
        self.secondary_planned += [retry_after] * times

    # -- serving

    def __call__(self, request: Request) -> Response:
        with self._lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            crowded = self.in_flight > self.max_in_flight
        try:
            if self.latency > 0:
                time.sleep(self.latency)
            response = self._serve(request, crowded)
            with self._lock:
                self.statuses[response.status] = self.statuses.get(response.status, 0) + 1
            return response
        finally:
            with self._lock:
                self.in_flight -= 1

    def _serve(self, request: Request, crowded: bool) -> Response:
        token = _token(request.headers.get("authorization", ""))
        if token is not None and self.valid_tokens is not None and token not in self.valid_tokens:
            return Response.json({"message": "Bad credentials", "documentation_url": DOCS}, 401)
        if request.subpath.rstrip("/") == "/rate_limit":
            # Free: GitHub does not count it against any quota, even at zero.
            body = self.rate_limit_json(token)
            quota = self.quota(token, "core")
            return self._answer(quota, 200, body, {"Cache-Control": "no-cache"}, charge=False)
        graphql = request.subpath == "/graphql"
        quota = self.quota(token, "graphql" if graphql else "core")
        with self._lock:
            planned = self.secondary_planned.pop(0) if self.secondary_planned else None
        if crowded or planned is not None:
            self.secondary_answers += 1
            message = (
                "You have exceeded a secondary rate limit. Please wait a few minutes before "
                "you try again. If you reach out to GitHub Support for help, please include "
                "the request ID."
            )
            headers = {"retry-after": _number(planned if planned is not None else 60)}
            return self._answer(
                quota, 403, {"message": message, "documentation_url": DOCS}, headers
            )
        if quota.remaining <= 0:
            who = "this token" if token else "127.0.0.1"
            message = f"API rate limit exceeded for {who}."
            if not token:
                message += (
                    " (But here's the good news: Authenticated requests get a higher rate "
                    "limit. Check out the documentation for more details.)"
                )
            return self._answer(quota, 403, {"message": message, "documentation_url": DOCS})
        if graphql:
            if token is None:
                body = {"message": "This endpoint requires you to be authenticated."}
                return self._answer(quota, 401, {**body, "documentation_url": DOCS})
            return self._graphql(request, quota)
        return self._rest(request, quota, token)

    def _answer(
        self,
        quota: Quota,
        status: int,
        body: Any,
        headers: Mapping[str, str] | None = None,
        *,
        request: Request | None = None,
        token: str | None = None,
        charge: bool = True,
    ) -> Response:
        """A JSON answer with GitHub's headers; 200s get an ETag and may become 304s."""
        payload = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        etag = None
        if status == 200 and request is not None:
            accept = request.headers.get("accept", "")
            digest = hashlib.sha256(payload + accept.encode() + (token or "").encode())
            etag = f'W/"{digest.hexdigest()}"'
            if etag in _etags(request.headers.get("if-none-match", "")):
                status, payload, charge = 304, b"", False
        if charge and quota.remaining > 0:
            with self._lock:
                quota.remaining -= 1
        out = {
            "Content-Type": "application/json; charset=utf-8",
            "Cache-Control": "private, max-age=60, s-maxage=60",
            "Vary": "Accept, Authorization, Cookie, X-GitHub-OTP",
            "X-GitHub-Media-Type": "github.v3; format=json",
            "x-github-api-version-selected": "2022-11-28",
            "X-RateLimit-Limit": str(quota.limit),
            "X-RateLimit-Remaining": str(quota.remaining),
            "X-RateLimit-Reset": str(quota.reset),
            "X-RateLimit-Used": str(quota.used),
            "X-RateLimit-Resource": quota.resource,
            **(headers or {}),
        }
        if etag:
            out["ETag"] = etag
        return Response(status, out, payload if status not in (204, 304) else b"")

    # -- REST

    def _rest(self, request: Request, quota: Quota, token: str | None) -> Response:
        parts = [unquote(p) for p in request.subpath.split("/") if p]
        repo: FakeRepo | None = None
        if len(parts) >= 3 and parts[0] == "repos":
            name = f"{parts[1]}/{parts[2]}"
            rest = parts[3:]
            if name.lower() in self.offsite:
                location = f"{self.offsite[name.lower()]}/repos/{name}"
                return self._moved(quota, location)
            repo = self.find(name)
            if repo is None and name.lower() in self.old_names:
                repo_id = self.old_names[name.lower()]
                tail = "/".join(["", *rest]) if rest else ""
                query = f"?{request.query}" if request.query else ""
                location = f"{request.base_url}{request.prefix}/repositories/{repo_id}{tail}"
                return self._moved(quota, location + query)
        elif len(parts) >= 2 and parts[0] == "repositories" and parts[1].isdigit():
            repo = self.repos.get(int(parts[1]))
            rest = parts[2:]
        else:
            return self._answer(quota, 404, {"message": "Not Found", "documentation_url": DOCS})
        if repo is None:
            missing = {"message": "Not Found", "documentation_url": f"{DOCS}/repos/repos#get"}
            return self._answer(quota, 404, missing)
        body: dict[str, Any]
        if repo.refusal == 451:
            body = {
                "message": "Repository access blocked",
                "block": {"reason": "dmca", "created_at": "2021-01-01T00:00:00Z"},
            }
            return self._answer(quota, 451, body)
        if repo.refusal == 403:
            body = {"message": "Repository access blocked", "block": {"reason": "tos"}}
            return self._answer(quota, 403, body)
        route = "/".join(rest)
        if route == "":
            return self._ok(request, quota, token, repo_json(repo, _api(request)))
        if route == "stats/participation":
            return self._participation(request, quota, token, repo)
        if route == "contributors":
            return self._contributors(request, quota, token, repo)
        if route == "commits":
            return self._commits(request, quota, token, repo)
        return self._answer(quota, 404, {"message": "Not Found", "documentation_url": DOCS})

    def _ok(
        self,
        request: Request,
        quota: Quota,
        token: str | None,
        body: Any,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        return self._answer(quota, 200, body, headers, request=request, token=token)

    def _moved(self, quota: Quota, location: str) -> Response:
        body = {"message": "Moved Permanently", "url": location, "documentation_url": DOCS}
        return self._answer(quota, 301, body, {"Location": location})

    def _participation(
        self, request: Request, quota: Quota, token: str | None, repo: FakeRepo
    ) -> Response:
        if repo.empty:
            return self._answer(quota, 204, None)
        with self._lock:
            computing = repo.stats_pending > 0
            if computing:
                repo.stats_pending -= 1
        if computing:
            return self._answer(quota, 202, {})
        owner = [min(c, c // 3 + (c > 0)) for c in repo.participation]
        return self._ok(request, quota, token, {"all": repo.participation, "owner": owner})

    def _contributors(
        self, request: Request, quota: Quota, token: str | None, repo: FakeRepo
    ) -> Response:
        if repo.empty:
            return self._answer(quota, 204, None)
        page, per_page = _paging(request, default=30)
        logins = repo.contributors
        chunk = logins[(page - 1) * per_page : page * per_page]
        body = [
            contributor_json(login, _api(request), len(logins) - i + (page - 1) * per_page)
            for i, login in enumerate(chunk)
        ]
        link = _link(request, repo, "contributors", page, per_page, len(logins))
        return self._ok(request, quota, token, body, {"Link": link} if link else None)

    def _commits(
        self, request: Request, quota: Quota, token: str | None, repo: FakeRepo
    ) -> Response:
        if repo.empty:
            return self._answer(quota, 409, {"message": "Git Repository is empty."})
        page, per_page = _paging(request, default=30)
        first = (page - 1) * per_page
        indexes = range(first, min(first + per_page, repo.commit_count))
        body = [commit_json(repo, i, _api(request)) for i in indexes]
        link = _link(request, repo, "commits", page, per_page, repo.commit_count)
        return self._ok(request, quota, token, body, {"Link": link} if link else None)

    # -- GraphQL

    def _graphql(self, request: Request, quota: Quota) -> Response:
        try:
            document = json.loads(request.body or b"{}")
        except ValueError:
            return self._answer(quota, 400, {"message": "Problems parsing JSON"})
        query = str(document.get("query") or "")
        variables = document.get("variables") or {}
        data: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        for alias, owner_ref, name_ref in _ALIAS.findall(query):
            owner, name = _value(owner_ref, variables), _value(name_ref, variables)
            full_name = f"{owner}/{name}"
            repo = self.find(full_name)
            if repo is None and full_name.lower() in self.old_names:
                repo = self.repos.get(self.old_names[full_name.lower()])
            if repo is None or repo.refusal:
                data[alias] = None
                kind = "FORBIDDEN" if repo is not None else "NOT_FOUND"
                message = f"Could not resolve to a Repository with the name '{full_name}'."
                errors.append({"type": kind, "path": [alias], "message": message})
            else:
                data[alias] = graphql_repo(repo)
        if "rateLimit" in query:
            reset = datetime.fromtimestamp(quota.reset, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            data["rateLimit"] = {"cost": 1, "remaining": quota.remaining - 1, "resetAt": reset}
        body: dict[str, Any] = {"data": data}
        if errors:
            body["errors"] = errors
        return self._answer(quota, 200, body)

    # -- seeding

    @classmethod
    def from_catalogue(
        cls,
        catalogue: Catalogue,
        *,
        seed: int = 0,
        renames: Mapping[str, str] = REAL_RENAMES,
        stats_computing: float = 0.0,
        quota: int = TOKEN_LIMIT,
        window: float = 3600.0,
        clock: Callable[[], float] = time.time,
    ) -> FakeGitHub:
        """A repository for every package whose `repo_url` is on GitHub, a little fresher
        than the Django Packages record (more stars, newer commits); `renames` moved since.
        A share `stats_computing` of them answer 202 once before their stats are ready.
        `quota`, `window` and `clock` are as for the constructor."""
        fake = cls(quota=quota, window=window, clock=clock)
        # Names are indexed now; each repository is made when first asked for, from its
        # package record and its own seeded Random (a 100,000-package fake starts at once).
        heads: dict[int, tuple[int, str]] = {}  # repository id → (package id, name)
        for package_id in sorted_keys(catalogue.packages):
            match = _GITHUB_URL.search(str(peek(catalogue.packages, package_id, "repo_url") or ""))
            if not match:
                continue
            full_name = f"{match.group(1)}/{match.group(2).removesuffix('.git')}"
            if full_name.lower() not in fake._names:
                repo_id = 10_000_000 + package_id
                heads[repo_id] = (package_id, full_name)
                fake._names[full_name.lower()] = repo_id

        def make(repo_id: int, head: tuple[int, str]) -> FakeRepo:
            rng = random.Random(seed * 100_000_007 + repo_id)
            record = catalogue.packages.get(head[0]) or {}
            repo = repo_from_record(record, head[1], repo_id, rng)
            repo.stats_pending = int(rng.random() < stats_computing)
            return repo

        fake.repos = LazyMap(heads, make)
        for old, new in renames.items():
            if fake.find(old) is not None:
                fake.rename(old, new)
        return fake


# -- payloads --------------------------------------------------------------------------


def repo_from_record(record: Mapping[str, Any], full_name: str, repo_id: int, rng: Any) -> FakeRepo:
    """A repository consistent with a Django Packages record, as if looked at today."""
    stars = int(record.get("repo_watchers") or 0)
    weeks = list(record.get("commits_over_52") or [])
    if len(weeks) != 52:
        weeks = [rng.choice((0, 0, 0, 1, 2)) for _ in range(52)]
    weeks = [*weeks[1:], rng.choice((0, 1, 2))]  # a week later
    newest = _parse(record.get("last_updated")) or REFERENCE_NOW - timedelta(days=400)
    newest = min(REFERENCE_NOW, newest + timedelta(days=rng.randint(0, 20)))
    contributors = list(record.get("participants") or []) or [full_name.split("/")[0]]
    return FakeRepo(
        id=repo_id,
        full_name=full_name,
        stars=stars + rng.randint(1, 40),
        forks=int(record.get("repo_forks") or 0) + rng.randint(0, 5),
        subscribers=max(1, stars // 20),
        description=str(record.get("repo_description") or "") or None,
        archived=rng.random() < 0.03,
        license=rng.choice(("MIT", "BSD-3-Clause", "BSD-2-Clause", "Apache-2.0", None)),
        participation=weeks,
        contributors=contributors,
        commit_count=rng.randint(20, 3000),
        newest_commit_at=newest.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def repo_json(repo: FakeRepo, api: str) -> dict[str, Any]:
    """`GET /repos/{o}/{r}` in GitHub's shape (the fields clients read, and their neighbours)."""
    owner, name = repo.full_name.split("/", 1)
    licence = None
    if repo.license:
        key = repo.license.lower()
        licence = {
            "key": key,
            "name": repo.license,
            "spdx_id": repo.license,
            "url": f"{api}/licenses/{key}",
            "node_id": "MDc6TGljZW5zZTE=",
        }
    return {
        "id": repo.id,
        "node_id": f"R_{repo.id}",
        "name": name,
        "full_name": repo.full_name,
        "private": False,
        "owner": {"login": owner, "id": _stable_id(owner), "type": "User"},
        "html_url": f"https://github.com/{repo.full_name}",
        "description": repo.description,
        "fork": False,
        "url": f"{api}/repos/{repo.full_name}",
        "contributors_url": f"{api}/repos/{repo.full_name}/contributors",
        "created_at": repo.created_at,
        "updated_at": repo.newest_commit_at or repo.created_at,
        "pushed_at": repo.newest_commit_at or repo.created_at,
        "homepage": repo.homepage,
        "size": 100 + repo.commit_count,
        "stargazers_count": repo.stars,
        "watchers_count": repo.stars,
        "language": "Python",
        "forks_count": repo.forks,
        "archived": repo.archived,
        "disabled": False,
        "open_issues_count": 0,
        "license": licence,
        "topics": ["django"],
        "visibility": "public",
        "forks": repo.forks,
        "open_issues": 0,
        "watchers": repo.stars,
        "default_branch": repo.default_branch,
        "network_count": repo.forks,
        "subscribers_count": repo.subscribers,
    }


def contributor_json(login: str, api: str, contributions: int) -> dict[str, Any]:
    return {
        "login": login,
        "id": _stable_id(login),
        "url": f"{api}/users/{login}",
        "html_url": f"https://github.com/{login}",
        "type": "Bot" if login.endswith("[bot]") else "User",
        "site_admin": False,
        "contributions": max(1, contributions),
    }


def commit_json(repo: FakeRepo, index: int, api: str) -> dict[str, Any]:
    """Commit `index` (0 = newest) on the default branch, a day apart going back."""
    newest = _parse(repo.newest_commit_at) or REFERENCE_NOW
    when = (newest - timedelta(days=index)).strftime("%Y-%m-%dT%H:%M:%SZ")
    sha = hashlib.sha1(f"{repo.id}:{index}".encode()).hexdigest()
    person = {"name": "A Developer", "email": "dev@example.org", "date": when}
    return {
        "sha": sha,
        "commit": {"author": person, "committer": person, "message": f"Commit {index}"},
        "url": f"{api}/repos/{repo.full_name}/commits/{sha}",
    }


def graphql_repo(repo: FakeRepo) -> dict[str, Any]:
    history = {
        "totalCount": repo.commit_count,
        "nodes": [{"committedDate": repo.newest_commit_at}] if repo.newest_commit_at else [],
    }
    return {
        "nameWithOwner": repo.full_name,
        "databaseId": repo.id,
        "stargazerCount": repo.stars,
        "forkCount": repo.forks,
        "description": repo.description,
        "isArchived": repo.archived,
        "pushedAt": repo.newest_commit_at or repo.created_at,
        "homepageUrl": repo.homepage,
        "licenseInfo": {"spdxId": repo.license} if repo.license else None,
        "watchers": {"totalCount": repo.subscribers},
        "defaultBranchRef": None
        if repo.empty
        else {"name": repo.default_branch, "target": {"history": history}},
    }


# -- helpers ---------------------------------------------------------------------------


def _stable_id(text: str) -> int:
    return int(hashlib.sha1(text.encode()).hexdigest()[:7], 16)


def _token(authorization: str) -> str | None:
    scheme, _, value = authorization.partition(" ")
    return value.strip() or None if scheme.lower() in ("bearer", "token") else None


def _etags(header: str) -> set[str]:
    return {part.strip() for part in header.split(",") if part.strip()}


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _api(request: Request) -> str:
    return request.base_url + request.prefix


def _paging(request: Request, default: int) -> tuple[int, int]:
    def number(name: str, fallback: int) -> int:
        text = request.param(name) or ""
        return int(text) if text.isdigit() and int(text) > 0 else fallback

    return number("page", 1), min(100, number("per_page", default))


def _link(
    request: Request, repo: FakeRepo, route: str, page: int, per_page: int, total: int
) -> str | None:
    """GitHub's Link header; like GitHub, it pages through /repositories/{id}/…"""
    last = max(1, -(-total // per_page))
    if last == 1:
        return None
    base = f"{_api(request)}/repositories/{repo.id}/{route}?per_page={per_page}&page="
    rels = []
    if page > 1:
        rels += [f'<{base}{page - 1}>; rel="prev"', f'<{base}1>; rel="first"']
    if page < last:
        rels += [f'<{base}{page + 1}>; rel="next"', f'<{base}{last}>; rel="last"']
    return ", ".join(rels) or None


def _value(ref: str, variables: Mapping[str, Any]) -> str:
    if ref.startswith("$"):
        return str(variables.get(ref[1:], ""))
    return ref.strip('"')


def _parse(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
