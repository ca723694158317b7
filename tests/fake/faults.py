"""The fake upstream's one fault layer: planned faults, applied alike on every route.

`FakeUpstream` takes the first planned fault matching a request's path+query before it
routes the request, whatever is mounted there (Django Packages, GitHub REST and GraphQL,
PyPI, GitLab, Codeberg), and `apply_fault` turns the route's normal answer into the faulty
one. Each kind is named in `FAULT_KINDS` and described in `FAULT_HELP` (what
`python -m tests.fake --help` prints) and in `FaultPlan`'s docstring.

Standard library only: imported by tests and benchmarks, never by pkgcli.
"""

from __future__ import annotations

import functools
import json
import re
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from .messages import Request, Response, _phrase, challenge_page, server_error_page

if TYPE_CHECKING:
    from .server import FakeUpstream

MB = 1 << 20
TRAVERSAL = "../../../etc/passwd"
SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try "
    "again. If you reach out to GitHub Support for help, please include the request ID."
)

# kind → what it does, and its options (what --help and the docs print).
FAULT_HELP: dict[str, str] = {
    "500": "HTML 500 page (any 4xx/5xx status code works as a kind: '404', '502', ...)",
    "503": "HTML 503 page with Retry-After: retry_after (default 1)",
    "429": "DRF-style 429 JSON with Retry-After: retry_after (default 1)",
    "timeout": "wait `seconds` (default 5), then answer normally",
    "drop": "close the connection without answering",
    "truncate": "declare the full Content-Length, send half the body, close",
    "html": "200 text/html (a CDN interstitial) where JSON was expected",
    "malformed": "200 application/json that is not JSON (half the real body)",
    "trickle": "the normal answer, one byte every `interval` seconds (default 1)",
    "gzip-bomb": "200, Content-Encoding: gzip, ~1/1000 of the size, expanding to `mb` MB "
    "(default 128) of valid JSON",
    "endless": "200 application/json, chunked, a body that never ends",
    "huge": "200 application/json of `mb` MB (default 64), valid JSON, with Content-Length",
    "null": "200 application/json whose body is `null`",
    "wrong-types": 'the normal JSON with numbers as strings, booleans as "false", nested '
    "objects as lists",
    "surrogate": 'the normal JSON with a lone "\\ud800" (as a JSON escape) in every string',
    "overflow": "the normal JSON with 2**64 for every number",
    "negative": "the normal JSON with -1 for every number that is not an id",
    "lying-count": "list pages claim `count` (default 10**9) items and always link a next "
    "page (DRF envelope and GitHub Link header)",
    "next-loop": "list pages' next link (envelope or Link header) is the page itself",
    "off-origin-next": "next links point at another port on the same host whose URL starts "
    "with this server's (port P -> P*10+1 when valid, else `port`), or at `url`",
    "redirect-off-origin": "301 to the same path on another origin (`location`, default "
    "http://localhost:<port>: the same fake, so tests can see what was sent there)",
    "retry-after": "429 with Retry-After: `value` (default 120; garbage, huge and non-ASCII "
    "values welcome)",
    "ratelimit-reset": "GitHub's 403 quota answer with x-ratelimit-remaining 0 and "
    "x-ratelimit-reset: `value` (default far in the future; try '²'); `status` 200 sends "
    "the normal answer with those headers",
    "secondary": "GitHub's secondary rate limit: 403 with retry-after: `retry_after` (default 60)",
    "graphql-malformed": "the GraphQL answer with `variant` (default 'all'): 'errors' "
    "(\"errors\": 5), 'target-list', 'target-string', 'nodes-int', 'nodes-object'",
    "path-traversal": "every full_name, nameWithOwner, path_with_namespace, slug and PyPI "
    f"info.name becomes `name` (default {TRAVERSAL!r})",
    "other-package": "a detail answer for a different package (grid, repository, project) "
    "than the one asked for",
    "mixed-records": "list pages with records of another kind mixed in (packages in grid "
    "and category lists, grids in package lists)",
}
FAULT_KINDS: tuple[str, ...] = tuple(FAULT_HELP)
_TRANSFORMS = frozenset(
    {
        "null",
        "wrong-types",
        "surrogate",
        "overflow",
        "negative",
        "lying-count",
        "next-loop",
        "off-origin-next",
        "graphql-malformed",
        "path-traversal",
        "other-package",
        "mixed-records",
    }
)


def is_status_kind(kind: str) -> bool:
    """A 3-digit 4xx/5xx status code used as a fault kind."""
    return kind.isascii() and kind.isdigit() and len(kind) == 3 and 400 <= int(kind) <= 599


@dataclass
class Fault:
    """One planned fault. `remaining` is None for "until cleared"; `hits` counts uses."""

    kind: str
    path: str | re.Pattern[str] | None
    remaining: int | None
    opts: dict[str, Any]
    hits: int = 0

    def matches(self, target: str) -> bool:
        if self.path is None:
            return True
        if isinstance(self.path, re.Pattern):
            return self.path.search(target) is not None
        if target.startswith(self.path):
            return True
        try:
            return re.search(self.path, target) is not None
        except re.error:
            return False


class FaultPlan:
    """Planned faults, consumed in the order added by the requests they match.

    `add(kind, path=None, times=1, **opts)`; `path` is None (any request), a compiled
    regex searched in path+query, or a string that matches when path+query starts with it
    or, as a regex, is found in it; `times` None means until `clear()`. Every kind applies
    on every route (Django Packages list and detail, GitHub REST and GraphQL, PyPI, GitLab,
    Codeberg); kinds that rewrite "the normal JSON" leave non-JSON answers as they are.

    Transport and status:
      "500", "503", "429" (and any 4xx/5xx code): an error answer; 503 and 429 carry
        `Retry-After: retry_after` (default 1).
      "timeout": wait `seconds` (default 5), then answer normally.
      "drop": close without a response.  "truncate": full Content-Length, half the body.
      "html": 200 text/html.  "malformed": 200 application/json, not JSON.
      "trickle": the normal answer one byte every `interval` seconds (default 1).
      "gzip-bomb": a small gzip body expanding to `mb` MB (default 128) of valid JSON,
        generated and compressed once per size, never held expanded.
      "endless": a chunked body that never ends.  "huge": `mb` MB (default 64) of JSON.
    Hostile values (the route's normal JSON, rewritten):
      "null": the body `null`.
      "wrong-types": numbers → strings, booleans → "false", nested objects → lists.
      "surrogate": a lone "\\ud800" appended to every string (sent as a JSON escape).
      "overflow": 2**64 for every number.  "negative": -1 for every number but ids.
      "graphql-malformed": `variant` "errors" ("errors": 5), "target-list",
        "target-string", "nodes-int", "nodes-object", or "all" (default).
      "path-traversal": full_name/nameWithOwner/path_with_namespace/slug/PyPI info.name
        become `name` (default "../../../etc/passwd").
      "other-package": a detail answer for another package, grid, repository or project.
      "mixed-records": package records in grid/category lists (grids in package lists).
    Pagination and redirects:
      "lying-count": list pages claim `count` (default 10**9) and always link a next page.
      "next-loop": the next link is the page itself.
      "off-origin-next": next links to a lookalike origin: port P → P*10+1 when that is a
        valid port (4502 → 45021, so the URL starts with this server's), else `port`;
        or exactly `url`.
      "redirect-off-origin": 301 to the same path on `location` (default
        http://localhost:<port>, the same fake under another origin).
    Rate limits:
      "retry-after": 429 with `Retry-After: value` (default "120"; any text).
      "ratelimit-reset": GitHub's 403 with x-ratelimit-remaining 0 and x-ratelimit-reset
        `value` (default "99999999999"); `status=200` keeps the normal answer.
      "secondary": GitHub's secondary-limit 403 with retry-after `retry_after` (60).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._planned: list[Fault] = []

    def add(
        self,
        kind: str,
        path: str | re.Pattern[str] | None = None,
        times: int | None = 1,
        **opts: Any,
    ) -> Fault:
        if kind not in FAULT_KINDS and not is_status_kind(kind):
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        if times is not None and times < 1:
            raise ValueError("times must be >= 1, or None for unlimited")
        fault = Fault(kind, path, times, dict(opts))
        with self._lock:
            self._planned.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._planned.clear()

    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._planned)

    def __len__(self) -> int:
        with self._lock:
            return len(self._planned)

    def take(self, target: str) -> Fault | None:
        """The first planned fault matching `target`, used up once (None if none)."""
        with self._lock:
            for fault in self._planned:
                if fault.matches(target):
                    fault.hits += 1
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            self._planned.remove(fault)
                    return fault
        return None


Faults = FaultPlan  # the name tests and benchmarks have used since the start


def parse_fault_spec(spec: str) -> tuple[str, str | None, int | None, dict[str, Any]]:
    """`KIND[,KEY=VALUE...]:PATH[:TIMES]` → (kind, path, times, opts).

    PATH "" or "*" means any request; TIMES is a count, or "*" for until the process ends
    (default 1). Option values that read as numbers become numbers.
    """
    head, sep, rest = spec.partition(":")
    kind, *options = head.split(",")
    path: str | None = rest
    times: int | None = 1
    if sep and ":" in rest:
        candidate, _, last = rest.rpartition(":")
        if last == "*" or (last.isascii() and last.isdigit()):
            path, times = candidate, None if last == "*" else int(last)
    if path in ("", "*"):
        path = None
    opts: dict[str, Any] = {}
    for option in options:
        key, eq, value = option.partition("=")
        if not eq or not key:
            raise ValueError(f"fault option {option!r} is not KEY=VALUE")
        opts[key.replace("-", "_")] = _number_or_text(value)
    if kind not in FAULT_KINDS and not is_status_kind(kind):
        raise ValueError(f"unknown fault kind {kind!r}")
    if times is not None and times < 1:
        raise ValueError("TIMES must be at least 1, or *")
    return kind, path, times, opts


def _number_or_text(value: str) -> Any:
    for convert in (int, float):
        try:
            return convert(value)
        except ValueError:
            pass
    return value


# --------------------------------------------------------------------------- applying


def apply_fault(fault: Fault | None, request: Request, upstream: FakeUpstream) -> Response | None:
    """The answer to `request` under `fault`: None means hang up without answering.

    Waits (latency was waited before) happen here too, on the server's stop event.
    """
    kind = fault.kind if fault is not None else ""
    opts = fault.opts if fault is not None else {}
    if kind == "drop":
        return None
    if kind == "timeout":
        upstream._wait(float(opts.get("seconds", 5)))
    early = _answer_without_route(kind, opts, request, upstream)
    if early is not None:
        return early
    response = upstream.dispatch(request)
    if kind == "malformed":
        return _malformed(response)
    if kind == "trickle":
        return _trickled(response, float(opts.get("interval", 1.0)))
    if kind == "ratelimit-reset":
        return _ratelimit_reset(response, opts)
    if kind in _TRANSFORMS:
        return _rewritten(kind, opts, request, response, upstream)
    return response


def _answer_without_route(
    kind: str, opts: dict[str, Any], request: Request, upstream: FakeUpstream
) -> Response | None:
    """The faults whose answer does not depend on the route's own."""
    if kind == "html":
        return challenge_page()
    if is_status_kind(kind):
        return _status_response(int(kind), opts)
    if kind == "retry-after":
        return _throttled(str(opts.get("value", "120")))
    if kind == "secondary":
        body = {"message": SECONDARY_MESSAGE, "documentation_url": _GITHUB_DOCS}
        headers = {"retry-after": str(opts.get("retry_after", 60)), **_github_quota(4999)}
        return Response.json(body, 403, headers)
    if kind == "redirect-off-origin":
        location = str(opts.get("location", f"http://localhost:{upstream.port}"))
        return Response(301, {"Location": location.rstrip("/") + request.target}, b"")
    if kind == "gzip-bomb":
        bomb = _gzip_bomb(int(float(opts.get("mb", 128)) * MB))
        return Response(200, {"Content-Type": "application/json", "Content-Encoding": "gzip"}, bomb)
    if kind == "endless":
        return Response(200, {"Content-Type": "application/json"}, stream=_endless())
    if kind == "huge":
        size = int(float(opts.get("mb", 64)) * MB)
        stream = _json_of_size(size)
        return Response(200, {"Content-Type": "application/json"}, stream=stream, length=size)
    return None


_GITHUB_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"


def _github_quota(remaining: int, reset: str = "1767225600") -> dict[str, str]:
    return {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": str(remaining),
        "x-ratelimit-reset": reset,
        "x-ratelimit-used": str(5000 - remaining),
        "x-ratelimit-resource": "core",
    }


def _status_response(status: int, opts: dict[str, Any]) -> Response:
    retry_after = opts.get("retry_after", 1 if status in (429, 503) else None)
    if status == 429:
        return _throttled(str(retry_after))
    response = (
        server_error_page(status)
        if status >= 500
        else Response.json({"detail": _phrase(status)}, status)
    )
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _throttled(retry_after: str) -> Response:
    wait = f"{retry_after} second{'s' if retry_after != '1' else ''}"
    detail = f"Request was throttled. Expected available in {wait}."
    return Response.json({"detail": detail}, 429, {"Retry-After": retry_after})


def _malformed(response: Response) -> Response:
    """200 application/json whose body is the first half of the real one: not JSON."""
    body = response.body[: len(response.body) // 2] or b'{"detail":'
    try:
        json.loads(body)
        body += b',"'  # the cut happened to parse: break it for sure
    except ValueError:
        pass
    return Response(200, {"Content-Type": "application/json", "Vary": "Accept"}, body)


def _trickled(response: Response, interval: float) -> Response:
    body = response.body
    stream = (body[i : i + 1] for i in range(len(body)))
    return Response(
        response.status, response.headers, stream=stream, length=len(body), interval=interval
    )


def _ratelimit_reset(response: Response, opts: dict[str, Any]) -> Response:
    reset = str(opts.get("value", "99999999999"))
    headers = _github_quota(0, reset)
    if int(opts.get("status", 403)) == 200:
        response.headers = {
            k: v for k, v in response.headers.items() if "ratelimit" not in k.lower()
        }
        response.headers.update(headers)
        return response
    body = {"message": "API rate limit exceeded for this token.", "documentation_url": _GITHUB_DOCS}
    return Response.json(body, 403, headers)


# -- streamed bodies


@functools.lru_cache(maxsize=4)
def _gzip_bomb(size: int) -> bytes:
    """`[`, `size` spaces, `]` gzipped, compressed a megabyte at a time (~1/1000 the size)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b" " * MB
    parts = [compressor.compress(b"[")]
    left = size
    while left > 0:
        parts.append(compressor.compress(block[: min(MB, left)]))
        left -= MB
    parts.append(compressor.compress(b"]") + compressor.flush())
    return b"".join(parts)


def _endless() -> Iterator[bytes]:
    yield b"["
    chunk = b"0," * 32768
    while True:
        yield chunk


def _json_of_size(size: int) -> Iterator[bytes]:
    """Exactly `size` bytes (at least 2) of valid JSON: `[`, spaces, `]`."""
    yield b"["
    left = max(0, size - 2)
    block = b" " * MB
    while left > 0:
        yield block[: min(MB, left)]
        left -= MB
    yield b"]"


# -- rewritten JSON


def _rewritten(
    kind: str, opts: dict[str, Any], request: Request, response: Response, upstream: FakeUpstream
) -> Response:
    if kind == "null":
        return Response(
            response.status, {**response.headers, "Content-Type": "application/json"}, b"null"
        )
    data = _json_body(response)
    if kind in ("lying-count", "next-loop", "off-origin-next"):
        _relink(kind, opts, request, response, upstream, data)
    if data is _NOT_JSON:
        return response
    ensure_ascii = False
    if kind == "wrong-types":
        data = _wrong_types(data, record=True)
    elif kind == "surrogate":
        data, ensure_ascii = _map_values(data, str_=lambda s: s + "\ud800"), True
    elif kind == "overflow":
        data = _map_values(data, int_=lambda key, n: 2**64)
    elif kind == "negative":
        data = _map_values(data, int_=lambda key, n: n if _is_id(key) else -1)
    elif kind == "graphql-malformed":
        data = _graphql_malformed(data, str(opts.get("variant", "all")))
    elif kind == "path-traversal":
        data = _traversal(data, str(opts.get("name", TRAVERSAL)))
    elif kind == "other-package":
        data = _other_record(data, request, upstream)
    elif kind == "mixed-records":
        data = _mixed(data, request, upstream)
    body = json.dumps(data, ensure_ascii=ensure_ascii, separators=(",", ":")).encode(
        "utf-8", "surrogatepass"
    )
    return Response(response.status, response.headers, body)


_NOT_JSON: Any = object()


def _json_body(response: Response) -> Any:
    if "json" not in response.headers.get("Content-Type", "").lower() or not response.body:
        return _NOT_JSON
    try:
        return json.loads(response.body)
    except ValueError:
        return _NOT_JSON


def _is_id(key: str | None) -> bool:
    return key is not None and (key in ("id", "databaseId", "last_serial") or key.endswith("_id"))


def _map_values(
    data: Any,
    *,
    str_: Callable[[str], Any] | None = None,
    int_: Callable[[str | None, int], Any] | None = None,
    key: str | None = None,
) -> Any:
    """`data` with every string value (not keys) and every number (not booleans) mapped."""
    if isinstance(data, dict):
        return {k: _map_values(v, str_=str_, int_=int_, key=k) for k, v in data.items()}
    if isinstance(data, list):
        return [_map_values(v, str_=str_, int_=int_, key=key) for v in data]
    if isinstance(data, str) and str_ is not None:
        return str_(data)
    if isinstance(data, (int, float)) and not isinstance(data, bool) and int_ is not None:
        return int_(key, int(data))
    return data


def _wrong_types(data: Any, *, record: bool) -> Any:
    """Numbers → strings, booleans → "false", objects below record level → lists.

    Records stay objects so that a client sees the fields it knows with the wrong types:
    the top level, items of a top-level list, `results` items, GraphQL `data` and its
    aliases.
    """
    if isinstance(data, bool):
        return "false"
    if isinstance(data, (int, float)):
        return str(data)
    if isinstance(data, list):
        return [_wrong_types(v, record=record) for v in data]
    if isinstance(data, dict):
        if not record:
            return [_wrong_types(v, record=False) for v in data.values()]
        return {
            k: _wrong_types(
                v, record=k in ("results", "data") or (k != "errors" and _is_alias_map(data))
            )
            for k, v in data.items()
        }
    return data


def _is_alias_map(data: dict[str, Any]) -> bool:
    """GraphQL's `data`: every value a repository object or null."""
    return bool(data) and all(
        (isinstance(v, dict) and "nameWithOwner" in v) or v is None for v in data.values()
    )


_GRAPHQL_VARIANTS = ("target-list", "target-string", "nodes-int", "nodes-object")


def _graphql_malformed(data: Any, variant: str) -> Any:
    """GraphQL with `errors` not a list, and repositories whose shapes are wrong.

    "all" sets `"errors": 5` and gives each repository alias the next of the other variants.
    """
    if not isinstance(data, dict):
        return data
    if variant in ("all", "errors"):
        data["errors"] = 5
    repos = data.get("data")
    if not isinstance(repos, dict):
        return data
    live = [repo for repo in repos.values() if isinstance(repo, dict)]
    for n, repo in enumerate(live):
        which = _GRAPHQL_VARIANTS[n % len(_GRAPHQL_VARIANTS)] if variant == "all" else variant
        if which == "target-list":
            repo["defaultBranchRef"] = {"name": "main", "target": [{"history": None}]}
        elif which == "target-string":
            repo["defaultBranchRef"] = {"name": "main", "target": "HEAD"}
        elif which in ("nodes-int", "nodes-object"):
            nodes: Any = 7 if which == "nodes-int" else {"committedDate": "2026-01-01T00:00:00Z"}
            history = {"totalCount": 1, "nodes": nodes}
            repo["defaultBranchRef"] = {"name": "main", "target": {"history": history}}
    return data


_IDENTITY_KEYS = ("full_name", "nameWithOwner", "path_with_namespace", "slug")


def _traversal(data: Any, name: str) -> Any:
    if isinstance(data, list):
        return [_traversal(v, name) for v in data]
    if not isinstance(data, dict):
        return data
    out = {
        k: name if k in _IDENTITY_KEYS and isinstance(v, str) else _traversal(v, name)
        for k, v in data.items()
    }
    info = out.get("info")
    if isinstance(info, dict) and "name" in info:  # PyPI
        info["name"] = name
    return out


def _catalogue_table(request: Request, upstream: FakeUpstream) -> tuple[str, dict[int, Any]] | None:
    """The Django Packages table a request under /api/v4 reads, by its first segment."""
    if request.prefix != "/api/v4":
        return None
    kind = request.subpath.strip("/").split("/")[0]
    if kind not in ("packages", "grids", "categories"):
        return None
    return kind, getattr(upstream.catalogue, kind)


def _other_record(data: Any, request: Request, upstream: FakeUpstream) -> Any:
    """Another record of the same kind: from the catalogue, or with another identity."""
    table = _catalogue_table(request, upstream)
    if table is not None and isinstance(data, dict) and "id" in data:
        others = sorted(i for i in table[1] if i != data["id"])
        return dict(table[1][others[0]]) if others else data
    if isinstance(data, dict):
        data = dict(data)
        for key in ("full_name", "nameWithOwner", "path_with_namespace"):
            if isinstance(data.get(key), str):
                data[key] = "someone-else/another-project"
        if isinstance(data.get("id"), int):
            data["id"] += 1
        if isinstance(data.get("databaseId"), int):
            data["databaseId"] += 1
        info = data.get("info")
        if isinstance(info, dict) and "name" in info:
            data["info"] = {**info, "name": "another-project"}
        if isinstance(data.get("data"), dict):  # GraphQL: every alias answers another repo
            data["data"] = {
                alias: _other_record(repo, request, upstream)
                for alias, repo in data["data"].items()
            }
    return data


def _mixed(data: Any, request: Request, upstream: FakeUpstream) -> Any:
    """Every other result replaced by a record of another kind (packages ↔ grids)."""
    table = _catalogue_table(request, upstream)
    if table is None or not isinstance(data, dict) or not isinstance(data.get("results"), list):
        return data
    catalogue = upstream.catalogue
    foreign = catalogue.grids if table[0] == "packages" else catalogue.packages
    strangers = [foreign[i] for i in sorted(foreign)[:50]]
    if not strangers:
        return data
    results = list(data["results"]) or [strangers[0]]
    for n, i in enumerate(range(0, len(results), 2)):
        results[i] = strangers[n % len(strangers)]
    return {**data, "results": results}


# -- pagination


def _relink(
    kind: str,
    opts: dict[str, Any],
    request: Request,
    response: Response,
    upstream: FakeUpstream,
    data: Any,
) -> None:
    """Rewrite the page's next link, in the DRF envelope and/or the Link header."""
    here = request.url
    if kind == "next-loop":
        target = here
    elif kind == "lying-count":
        target = _next_page(here)
    else:
        target = _lookalike(here, opts, upstream)
    if isinstance(data, dict) and "results" in data and "next" in data:
        data["next"] = target
        if kind == "lying-count":
            data["count"] = int(opts.get("count", 10**9))
    if data is _NOT_JSON or isinstance(data, list) or "Link" in response.headers:
        links = [f'<{target}>; rel="next"']
        if kind == "lying-count":
            links.append(
                f'<{_replace_param(here, "page", int(opts.get("count", 10**9)))}>; rel="last"'
            )
        response.headers["Link"] = ", ".join(links)


def _next_page(url: str) -> str:
    params = parse_qs(urlsplit(url).query)
    if "offset" in params or "limit" in params or "/api/v4/" in url:
        limit = int(_first(params, "limit", "20"))
        return _replace_param(url, "offset", int(_first(params, "offset", "0")) + limit)
    return _replace_param(url, "page", int(_first(params, "page", "1")) + 1)


def _first(params: dict[str, list[str]], key: str, default: str) -> str:
    value = params.get(key, [default])[0]
    return value if value.isascii() and value.isdigit() else default


def _lookalike(url: str, opts: dict[str, Any], upstream: FakeUpstream) -> str:
    if "url" in opts:
        return str(opts["url"])
    port = upstream.port * 10 + 1
    if port > 65535:
        port = int(opts.get("port", upstream.port + 1))
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, f"{parts.hostname}:{port}", parts.path, parts.query, ""))


def _replace_param(url: str, key: str, value: object) -> str:
    scheme, netloc, path, query, fragment = urlsplit(url)
    params = parse_qs(query, keep_blank_values=True)
    params[key] = [str(value)]
    return urlunsplit(
        (scheme, netloc, path, urlencode(sorted(params.items()), doseq=True), fragment)
    )
