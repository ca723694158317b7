"""A real HTTP server on 127.0.0.1 that fakes Django Packages API v4, for tests and benchmarks.

Owns the server core (`FakeUpstream`: threads, keep-alive, request log, latency, fault
injection, maintenance mode, a registry of handlers mounted by path prefix) and the Django
Packages handler (`DjangoPackagesAPI`, mounted at `/api/v4`), which speaks the v4 contract as
Django REST framework serves it: limit/offset envelopes ordered by `-id`, id-or-slug lookup,
404/405 bodies, 301 to the trailing slash, content negotiation with the browsable HTML page.
More fakes (GitHub, PyPI, GitLab, Codeberg) plug in with `mount(prefix, handler)`: a
handler is any callable taking a `Request` and returning a `Response` (messages.py). Faults
(faults.py) are taken before routing, so every kind applies to every mount alike.

Standard library only: it is imported by tests and benchmarks, never by pkgcli.
"""

from __future__ import annotations

import contextlib
import functools
import html
import json
import re
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from .catalogue import (
    REFERENCE_NOW,
    Catalogue,
    Record,
    clean_title,
    link_id,
    remove_search_prefix,
)
from .faults import FAULT_HELP, FAULT_KINDS, Fault, FaultPlan, Faults, apply_fault
from .lazy import sorted_keys
from .messages import (
    Handler,
    Request,
    Response,
    _json,
    _phrase,
    challenge_page,
    maintenance_page,
    not_found_page,
    server_error_page,
)

# Re-exported: these lived here before the fault layer and messages had their own modules.
__all__ = [
    "FAULT_HELP",
    "FAULT_KINDS",
    "DjangoPackagesAPI",
    "FakeUpstream",
    "Fault",
    "FaultPlan",
    "Faults",
    "Handler",
    "RecordedRequest",
    "Request",
    "RequestLog",
    "Response",
    "_json",
    "challenge_page",
    "maintenance_page",
    "not_found_page",
    "server_error_page",
]

SERVER_NAME = "pkgcli-fake"

# --------------------------------------------------------------------------- request log


@dataclass(frozen=True)
class RecordedRequest:
    """A request as the server received it: `path` includes the query string."""

    method: str
    path: str
    headers: dict[str, str]
    time: float
    body: bytes = b""


class RequestLog(list[RecordedRequest]):
    """The requests seen so far, in arrival order; appends and clears are locked."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()

    def append(self, item: RecordedRequest) -> None:
        with self._lock:
            super().append(item)

    def clear(self) -> None:
        with self._lock:
            super().clear()

    def snapshot(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self)

    def paths(self) -> list[str]:
        return [r.path for r in self.snapshot()]


# --------------------------------------------------------------------------- server core


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() must not wait for idle keep-alive connections

    def __init__(self, address: tuple[str, int], upstream: FakeUpstream) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.upstream = upstream
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Quiet: broken connections are routine here (drop/truncate faults, timeouts).
        pass


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = SERVER_NAME
    disable_nagle_algorithm = True

    def setup(self) -> None:
        super().setup()
        self.server.upstream._track(self.connection, True)

    def finish(self) -> None:
        self.server.upstream._track(self.connection, False)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True  # not worth decoding: answer, then hang up
            return b""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        upstream = self.server.upstream
        body = self._read_body()
        headers: dict[str, str] = {}
        for key, value in self.headers.items():
            key = key.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        upstream.requests.append(
            RecordedRequest(self.command, self.path, headers, time.time(), body)
        )
        fault = None if upstream.maintenance else upstream.faults.take(self.path)
        if upstream.latency > 0:
            upstream._wait(upstream.latency)
        if upstream.maintenance:
            self._send(maintenance_page())
            return
        path, _, query = self.path.partition("?")
        request = Request(self.command, path, query, headers, body, upstream.base_url)
        response = apply_fault(fault, request, upstream)
        if response is None:  # "drop"
            self.close_connection = True
            return
        self._send(response, truncate=fault is not None and fault.kind == "truncate")

    def _send(self, response: Response, *, truncate: bool = False) -> None:
        status, body = response.status, response.body
        no_body = status in (204, 304) or status < 200
        streamed = response.stream is not None and not no_body and self.command != "HEAD"
        chunked = streamed and response.length is None
        lines = [
            f"HTTP/1.1 {status} {_phrase(status)}",
            f"Server: {SERVER_NAME}",
            f"Date: {self.date_time_string()}",
        ]
        for key, value in response.headers.items():
            if key.lower() not in ("content-length", "connection", "server", "date"):
                lines.append(f"{key}: {value}")
        if chunked:
            lines.append("Transfer-Encoding: chunked")
        elif not no_body:
            length = response.length if response.stream is not None else len(body)
            lines.append(f"Content-Length: {length or 0}")
        if self.close_connection:
            lines.append("Connection: close")
        head = b"".join(_header_bytes(line) + b"\r\n" for line in lines) + b"\r\n"
        if no_body or self.command == "HEAD" or streamed:
            body = b""
        elif truncate:
            body = body[: len(body) // 2]
            self.close_connection = True
        try:
            self.wfile.write(head + body)
            if streamed and response.stream is not None:
                self._send_stream(response.stream, response.interval, chunked)
        except OSError:
            self.close_connection = True

    def _send_stream(self, stream: Iterable[bytes], interval: float, chunked: bool) -> None:
        """Write a streamed body as it comes; give up when the server stops."""
        upstream = self.server.upstream
        for chunk in stream:
            if interval > 0:
                upstream._wait(interval)
            if upstream._stopping.is_set():
                self.close_connection = True
                return
            if chunk:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")


def _header_bytes(line: str) -> bytes:
    """A header line as bytes: Latin-1 where it fits, else UTF-8 (hostile values, e.g. "٣")."""
    try:
        return line.encode("latin-1")
    except UnicodeEncodeError:
        return line.encode("utf-8")


class FakeUpstream:
    """A fake upstream server on `host:port` (port 0 = any free port), run in a thread.

    Django Packages API v4 is mounted at `/api/v4` over `catalogue`, which stays live:
    edits show up on the next request. `latency` (seconds, added to every response),
    `maintenance` (503 everywhere) and `faults` can be changed at any time; `requests`
    records every request received. Use as a context manager, or `start()`/`stop()`.
    """

    def __init__(
        self,
        catalogue: Catalogue | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
    ) -> None:
        self.host, self.port = host, port
        self.latency = latency
        self.maintenance = False
        self.faults = Faults()
        self.requests = RequestLog()
        self.errors: list[BaseException] = []
        self.djangopackages = DjangoPackagesAPI(catalogue if catalogue is not None else Catalogue())
        self._mounts: dict[str, Handler] = {}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.mount("/api/v4", self.djangopackages)

    # -- configuration

    @property
    def catalogue(self) -> Catalogue:
        return self.djangopackages.catalogue

    @catalogue.setter
    def catalogue(self, value: Catalogue) -> None:
        self.djangopackages.catalogue = value

    def mount(self, prefix: str, handler: Handler) -> None:
        """Route every path equal to `prefix` or under `prefix/` to `handler`.

        The longest matching prefix wins; "" catches everything else. Latency, faults,
        maintenance and the request log apply to every mount alike.
        """
        if prefix and not prefix.startswith("/"):
            raise ValueError("a mount prefix starts with '/'")
        with self._lock:
            self._mounts[prefix.rstrip("/")] = handler

    def unmount(self, prefix: str) -> None:
        with self._lock:
            del self._mounts[prefix.rstrip("/")]

    # -- addresses

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake upstream is not started")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def api_url(self) -> str:
        return self.base_url + "/api/v4"

    # -- lifecycle

    def start(self) -> FakeUpstream:
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server((self.host, self.port), self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fake-upstream-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()  # wakes handlers sleeping on latency or a timeout fault
        server.shutdown()
        server.server_close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeUpstream:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- used by the handler threads

    def dispatch(self, request: Request) -> Response:
        """Route a request to its mount; an unmounted path gets Django's HTML 404."""
        with self._lock:
            mounts = sorted(self._mounts.items(), key=lambda item: len(item[0]), reverse=True)
        for prefix, handler in mounts:
            if prefix == "" or request.path == prefix or request.path.startswith(prefix + "/"):
                request.prefix = prefix
                try:
                    return handler(request)
                except Exception as exc:  # a bug in a handler: answer 500, keep it for tests
                    self.errors.append(exc)
                    return server_error_page(500)
        return not_found_page()

    def _wait(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    def _track(self, conn: socket.socket, opened: bool) -> None:
        with self._lock:
            if opened:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)


# --------------------------------------------------------------------------- Django Packages v4

_ALLOW = "GET, HEAD, OPTIONS"
_MODEL = {"packages": "Package", "grids": "Grid", "categories": "Category", "search": "Search V2"}
_ROUTE = re.compile(r"/(packages|grids|categories|search)/(?:([^/.]+)/)?")
DEFAULT_LIMIT = 20
SEARCH_LIMIT = 20


class DjangoPackagesAPI:
    """The Django Packages API v4 (read-only DRF router) over a live `Catalogue`."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue

    def __call__(self, request: Request) -> Response:
        route = _resolve(request.subpath)
        if route is None:
            if not request.subpath.endswith("/") and _resolve(request.subpath + "/"):
                # Django's APPEND_SLASH: a relative Location, query string kept.
                location = request.path + "/" + (f"?{request.query}" if request.query else "")
                return Response(
                    301, {"Content-Type": "text/html; charset=utf-8", "Location": location}
                )
            return not_found_page()
        view, lookup = route
        title = (
            "Api Root" if view == "root" else f"{_MODEL[view]} {'Instance' if lookup else 'List'}"
        )
        as_json = _wants_json(request)
        if as_json is None:
            return Response.json({"detail": "Not found."}, 404, {"Vary": "Accept"})
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            detail = {"detail": f'Method "{request.method}" not allowed.'}
            return _render(as_json, 405, detail, title)
        if request.method == "OPTIONS":
            return _render(as_json, 200, _options_metadata(title), title)
        status, data = self._view(request, view, lookup)
        return _render(as_json, status, data, title)

    def _view(self, request: Request, view: str, lookup: str | None) -> tuple[int, Any]:
        if view == "root":
            base = request.base_url + request.prefix
            return 200, {
                name: f"{base}/{name}/" for name in ("packages", "search", "grids", "categories")
            }
        if view == "search":
            return 200, self.search(request.param("q", "") or "")
        table: dict[int, Record] = getattr(self.catalogue, view)
        if lookup is None:
            return 200, self.page(request, table)
        record: Record | None = None
        if lookup.isdigit():
            record = table.get(int(lookup))
        elif view == "packages":
            record = self.catalogue.package_by_slug(lookup)
        elif view == "grids":
            record = self.catalogue.grid_by_slug(lookup)
        if record is None:
            return 404, {"detail": f"No {_MODEL[view]} matches the given query."}
        return 200, record

    def page(self, request: Request, table: dict[int, Record]) -> dict[str, Any]:
        """DRF's LimitOffsetPagination over the table ordered by -id."""
        limit = _positive_int(request.param("limit"), strict=True) or DEFAULT_LIMIT
        offset = _positive_int(request.param("offset")) or 0
        # Sorting ~6,000 int keys costs ~50 µs: cheaper than any cache that must notice
        # tests editing the live dicts. A generated (lazy) table caches its sorted keys
        # until a key is added or removed: 100,000 would cost ~10 ms a page.
        ids = sorted_keys(table, reverse=True)
        count = len(ids)
        results = [table[i] for i in ids[offset : offset + limit] if i in table]
        url = request.url
        next_url = None
        if offset + limit < count:
            next_url = _replace_param(_replace_param(url, "limit", limit), "offset", offset + limit)
        previous_url = None
        if offset > 0:
            previous_url = _replace_param(url, "limit", limit)
            if offset - limit <= 0:
                previous_url = _remove_param(previous_url, "offset")
            else:
                previous_url = _replace_param(previous_url, "offset", offset - limit)
        return {"count": count, "next": next_url, "previous": previous_url, "results": results}

    def search(self, q: str) -> list[dict[str, Any]]:
        """At most 20 search hits (packages and grids), heaviest first."""
        if not q:
            return []
        needle, prefix = q.lower(), clean_title(remove_search_prefix(q))
        hits: list[dict[str, Any]] = []
        categories = {cid: c.get("title", "") for cid, c in list(self.catalogue.categories.items())}
        for package in list(self.catalogue.packages.values()):
            if _search_match(package, "repo_description", needle, prefix):
                hits.append(_package_hit(package, categories))
        for grid in list(self.catalogue.grids.values()):
            if _search_match(grid, "description", needle, prefix):
                hits.append(_grid_hit(grid))
        hits.sort(key=lambda h: (-h["weight"], h["item_type"], h["slug"]))
        return hits[:SEARCH_LIMIT]


def _resolve(subpath: str) -> tuple[str, str | None] | None:
    if subpath == "/":
        return "root", None
    match = _ROUTE.fullmatch(subpath)
    if match is None or (match.group(1) == "search" and match.group(2)):
        return None
    return match.group(1), match.group(2)


def _wants_json(request: Request) -> bool | None:
    """True for JSON, False for the browsable HTML page, None for an unknown ?format=."""
    fmt = request.param("format")
    if fmt:
        return {"json": True, "api": False}.get(fmt)
    for part in request.headers.get("accept", "").split(","):
        media, _, params = part.partition(";")
        wanted = media.strip().lower() in ("application/json", "application/*")
        if wanted and _quality(params) > 0:
            return True
    return False


def _quality(params: str) -> float:
    """The `q=` weight of one Accept media range (1 when absent or unreadable)."""
    match = re.search(r"\bq\s*=\s*([^;\s]*)", params)
    try:
        return float(match.group(1)) if match else 1.0
    except ValueError:
        return 1.0


def _render(as_json: bool, status: int, data: Any, title: str) -> Response:
    headers = {"Allow": _ALLOW, "Vary": "Accept"}
    if as_json:
        return Response.json(data, status, headers)
    return Response.html(_browsable_page(title, status, data), status, headers)


def _browsable_page(title: str, status: int, data: Any) -> str:
    """A cut-down DRF browsable API page: the JSON, indented, inside <pre>."""
    meta = "".join(
        f'<b>{key}:</b> <span class="lit">{value}</span>\n'
        for key, value in (
            ("Allow", _ALLOW),
            ("Content-Type", "application/json"),
            ("Vary", "Accept"),
        )
    )
    content = html.escape(json.dumps(data, ensure_ascii=False, indent=4))
    return (
        '<!DOCTYPE html>\n<html>\n  <head>\n    <meta charset="utf-8">\n'
        f"    <title>{title} \u2013 Django REST framework</title>\n  </head>\n  <body>\n"
        f'    <div class="content-main" role="main">\n      <h1>{title}</h1>\n'
        '      <div class="response-info">\n'
        '<pre class="prettyprint"><span class="meta nocode">'
        f"<b>HTTP {status} {_phrase(status)}</b>\n"
        f"{meta}\n</span>{content}</pre>\n      </div>\n    </div>\n  </body>\n</html>\n"
    )


def _options_metadata(title: str) -> dict[str, Any]:
    return {
        "name": title,
        "description": "",
        "renders": ["application/json", "text/html"],
        "parses": ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"],
    }


def _positive_int(value: str | None, strict: bool = False) -> int | None:
    """DRF's `_positive_int`: None where DRF falls back to its default."""
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        return None
    if number < 0 or (number == 0 and strict):
        return None
    return number


def _replace_param(url: str, key: str, value: object) -> str:
    """DRF's `replace_query_param`: params re-encoded in sorted order."""
    scheme, netloc, path, query, fragment = urlsplit(url)
    params = parse_qs(query, keep_blank_values=True)
    params[key] = [str(value)]
    return urlunsplit(
        (scheme, netloc, path, urlencode(sorted(params.items()), doseq=True), fragment)
    )


def _remove_param(url: str, key: str) -> str:
    scheme, netloc, path, query, fragment = urlsplit(url)
    params = parse_qs(query, keep_blank_values=True)
    params.pop(key, None)
    return urlunsplit(
        (scheme, netloc, path, urlencode(sorted(params.items()), doseq=True), fragment)
    )


# -- search hits


def _search_match(record: Record, description_key: str, needle: str, prefix: str) -> bool:
    title, slug = str(record.get("title") or ""), str(record.get("slug") or "")
    description = str(record.get(description_key) or "")
    if needle in title.lower() or needle in slug.lower() or needle in description.lower():
        return True
    return bool(prefix) and _clean_slug(slug).startswith(prefix)


@functools.lru_cache(maxsize=65536)
def _clean_slug(slug: str) -> str:
    """Upstream's `clean_title` column for a slug (memoised: search scans every record)."""
    return clean_title(remove_search_prefix(slug))


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=REFERENCE_NOW.tzinfo)


def _package_hit(package: Record, categories: dict[int, str]) -> dict[str, Any]:
    """A search hit as upstream's searchv2 builder derives it from a package."""
    title, slug = str(package.get("title") or ""), str(package.get("slug") or "")
    watchers, forks = int(package.get("repo_watchers") or 0), int(package.get("repo_forks") or 0)
    description = str(package.get("repo_description") or "")
    last_commit = _parse_time(package.get("last_updated"))
    usage = (int(package.get("id") or 0) * 7919) % 37
    weight = (20 if description.strip() else 0) + min(watchers, 20) + min(forks, 20)
    weight += min(usage, 20)
    months = None
    if last_commit is not None:
        age = (REFERENCE_NOW - last_commit).days
        weight += 20 if age < 90 else 10 if age < 182 else 5 if age < 365 else 0
        months = max(0, age) // 30
    released = package.get("modified") if package.get("pypi_version") else None
    released_at = _parse_time(released)
    if released_at is not None and (REFERENCE_NOW - released_at).days < 365:
        weight += 20
    # Upstream's score, taking every package as Python 3 ready (no penalty for that).
    penalty = (months // 3) * watchers / 10 if months is not None else watchers / 10
    score = watchers - penalty
    stamp = package.get("last_fetched") or package.get("modified")
    return {
        "description": description,
        "title": title,
        "created": stamp,
        "modified": stamp,
        "weight": weight,
        "item_type": "package",
        "title_no_prefix": remove_search_prefix(title),
        "slug": slug,
        "slug_no_prefix": remove_search_prefix(slug),
        "clean_title": _clean_slug(slug),
        "category": categories.get(link_id(str(package.get("category") or "")) or -1, ""),
        "absolute_url": f"/packages/p/{slug}/",
        "repo_watchers": watchers,
        "repo_forks": forks,
        "pypi_downloads": 0,
        "score": int(max(-500, score)),
        "usage": usage,
        "participants": ",".join(package.get("participants") or []),
        "last_committed": package.get("last_updated"),
        "last_released": released,
    }


def _grid_hit(grid: Record) -> dict[str, Any]:
    """A grid hit: upstream weighs grids below the top package weight, by lock/header/size."""
    top, step = 140, 140 / 6
    weight = top - step
    weight -= step * (not grid.get("is_locked")) + step * (not grid.get("header"))
    weight -= step * (not grid.get("packages"))
    title, slug = str(grid.get("title") or ""), str(grid.get("slug") or "")
    return {
        "description": str(grid.get("description") or ""),
        "title": title,
        "created": grid.get("created"),
        "modified": grid.get("modified"),
        "weight": int(weight),
        "item_type": "grid",
        "title_no_prefix": remove_search_prefix(title),
        "slug": slug,
        "slug_no_prefix": remove_search_prefix(slug),
        "clean_title": _clean_slug(slug),
        "category": "",
        "absolute_url": f"/grids/g/{slug}/",
        "repo_watchers": 0,
        "repo_forks": 0,
        "pypi_downloads": 0,
        "score": 0,
        "usage": 0,
        "participants": "",
        "last_committed": None,
        "last_released": None,
    }
