"""The one place an HTTP client is built, and where HTTP failures become pkgcli errors.

`HttpClient` wraps an `httpx.Client` with pkgcli's User-Agent, timeouts, a connection
limit, and retries with exponential backoff on 5xx, 429, timeouts and dropped
connections, honouring `Retry-After`. The transport and the sleep function are injectable
so tests run against `httpx.MockTransport` without waiting. `BearerToken` is the only way a
credential is attached: to requests under one base URL, never elsewhere, never in a repr.
"""

from __future__ import annotations

import email.utils
import json
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from pkgcli import __version__
from pkgcli.errors import RateLimited, UpstreamError

USER_AGENT = f"pkgcli/{__version__} (Django Packages mirror; python-httpx/{httpx.__version__})"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
SERVER_ERRORS = frozenset({500, 502, 503, 504})


class BearerToken(httpx.Auth):
    """`Authorization: Bearer …` for requests under `base_url` only (scheme, host, port, path).

    Redirects are never followed with it: a request to any other origin or path goes out
    without the header, so a token cannot leak to PyPI, Django Packages or a redirect target.
    """

    def __init__(self, token: str, base_url: str) -> None:
        self._token = token
        self._base = httpx.URL(base_url.rstrip("/"))

    def __repr__(self) -> str:
        return "BearerToken(<hidden>)"

    def allows(self, url: httpx.URL | str) -> bool:
        """True when `url` is under the base URL this token belongs to."""
        return is_under(url, self._base)

    def auth_flow(self, request: httpx.Request) -> Any:
        if self.allows(request.url):
            request.headers["Authorization"] = f"Bearer {self._token}"
        else:
            request.headers.pop("Authorization", None)
        yield request


def is_under(url: httpx.URL | str, base: httpx.URL | str) -> bool:
    """Same scheme, host and port as `base`, and a path at or below its path."""
    url, base = httpx.URL(url), httpx.URL(base)
    if (url.scheme, url.host.lower(), url.port) != (base.scheme, base.host.lower(), base.port):
        return False
    prefix = base.path.rstrip("/")
    return url.path == prefix or url.path.startswith(prefix + "/")


MAX_RETRY_AFTER = 10.0**9  # ~32 years: any longer wait is "much too long" all the same


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), at most
    MAX_RETRY_AFTER (a header of 400 nines must not become infinity)."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # not "²", which isdigit() but float() refuses
        return float(min(int(value), int(MAX_RETRY_AFTER)))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class HttpClient:
    """A polite client for one upstream: retries, backoff, request counting."""

    def __init__(
        self,
        *,
        name: str,
        timeout: float = 20.0,
        headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = 4,
        backoff: float = 0.5,
        max_retry_wait: float = 60.0,
        max_connections: int = 4,
        auth: httpx.Auth | None = None,
    ) -> None:
        self.name = name
        self.sleep = sleep
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_retry_wait = max_retry_wait
        self.requests = 0
        self.statuses: dict[int, int] = {}  # answers by status code, for reports and benchmarks
        self._lock = threading.Lock()
        self.client = httpx.Client(
            headers={"User-Agent": USER_AGENT, **(headers or {})},
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            transport=transport,
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            follow_redirects=False,
            auth=auth,
        )

    def __repr__(self) -> str:
        return f"HttpClient({self.name!r})"

    def close(self) -> None:
        self.client.close()

    def _count(self) -> None:
        with self._lock:
            self.requests += 1

    def _count_status(self, status: int) -> None:
        with self._lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        retry_statuses: frozenset[int] = RETRY_STATUSES,
        follow_redirects: bool = False,
    ) -> httpx.Response:
        """GET with retries; returns the final response (any status) or raises UpstreamError."""
        return self.send(
            "GET",
            url,
            params=params,
            headers=headers,
            retry_statuses=retry_statuses,
            follow_redirects=follow_redirects,
        )

    def send(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
        retry_statuses: frozenset[int] = RETRY_STATUSES,
        follow_redirects: bool = False,
    ) -> httpx.Response:
        """One request with retries; the final response (any status), or UpstreamError."""
        last_problem = ""
        for attempt in range(1, self.max_attempts + 1):
            wait = self.backoff * 2 ** (attempt - 1)
            try:
                self._count()
                response = self.client.request(
                    method,
                    url,
                    params=params,
                    headers=headers,
                    json=json_body,
                    follow_redirects=follow_redirects,
                )
                self._count_status(response.status_code)
            except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:  # retrying won't help
                raise UpstreamError(
                    f"cannot use the {self.name} URL {url!r} ({exc}); check its base URL setting"
                ) from exc
            except httpx.TooManyRedirects as exc:
                raise UpstreamError(f"{self.name} redirects in a loop ({_short(url)})") from exc
            except httpx.TimeoutException:
                last_problem = f"{self.name} did not answer in time ({_short(url)})"
            except httpx.TransportError as exc:  # refused, reset, dropped, truncated
                last_problem = f"cannot reach {self.name}: {_reason(exc)} ({_short(url)})"
            except httpx.HTTPError as exc:  # e.g. a body that does not decode (bad gzip)
                last_problem = (
                    f"{self.name} sent an answer httpx cannot read: {exc} ({_short(url)})"
                )
            else:
                if response.status_code not in retry_statuses:
                    return response
                retry_after = parse_retry_after(response.headers.get("retry-after"))
                last_problem = _status_problem(self.name, response)
                if retry_after is not None:
                    if retry_after > self.max_retry_wait:
                        raise RateLimited(
                            f"{last_problem}; it asks to retry after {int(retry_after)} s"
                        )
                    wait = max(wait, retry_after)
                if attempt == self.max_attempts:
                    break
            if attempt < self.max_attempts:
                self.sleep(wait)
        raise UpstreamError(f"{last_problem}, after {self.max_attempts} attempts")

    def get_json(self, url: str, *, params: Mapping[str, Any] | None = None) -> Any:
        """GET a JSON document; None for 404. Malformed or HTML answers are retried, then fail."""
        problem = ""
        for attempt in range(1, self.max_attempts + 1):
            response = self.get(
                url, params=params, headers={"Accept": "application/json"}, follow_redirects=True
            )
            if response.status_code == 404 and "html" not in response.headers.get(
                "content-type", ""
            ):
                return None
            if response.status_code == 404:
                raise UpstreamError(
                    f"{self.name} has no such endpoint (an HTML 404 page at "
                    f"{_short(str(response.url))}); check the API base URL"
                )
            if response.status_code >= 400:
                raise UpstreamError(_status_problem(self.name, response))
            try:
                return decode_json(self.name, response)
            except UpstreamError as exc:
                problem = exc.message
            if attempt < self.max_attempts:
                self.sleep(self.backoff * 2 ** (attempt - 1))
        raise UpstreamError(f"{problem}, after {self.max_attempts} attempts")


def decode_json(name: str, response: httpx.Response) -> Any:
    """The JSON body, or an UpstreamError that says what came instead."""
    content_type = response.headers.get("content-type", "")
    where = _short(str(response.request.url)) if response.request else name
    if "html" in content_type or response.content.lstrip()[:1] == b"<":
        raise UpstreamError(f"{name} answered with an HTML page instead of JSON ({where})")
    try:
        return json.loads(response.content)
    except (ValueError, RecursionError) as exc:  # RecursionError: absurdly deep nesting
        raise UpstreamError(f"{name} sent malformed or truncated JSON ({where})") from exc


def _status_problem(name: str, response: httpx.Response) -> str:
    status = response.status_code
    if status == 503:
        return f"{name} is unavailable (503, maintenance or overload)"
    if status == 429:
        return f"{name} is rate limiting us (429)"
    return f"{name} answered {status} {response.reason_phrase} ({_short(str(response.url))})"


def _short(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.netloc.rpartition('@')[2]}{parts.path}"  # never the user:password@


def _reason(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "connection refused or host unknown"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "connection dropped mid-answer"
    return type(exc).__name__
