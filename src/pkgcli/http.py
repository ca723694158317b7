"""The one place an HTTP client is built, and where HTTP failures become pkgcli errors.

`HttpClient` wraps an `httpx.Client` with pkgcli's User-Agent and a connection limit, and
holds the one retry policy: at most MAX_ATTEMPTS (4) requests per URL in total, whatever
went wrong (5xx, 429, a timeout, a dropped connection, a malformed or HTML body), with
exponential backoff, honouring `Retry-After` up to MAX_WAIT (60 s); a host name that does
not resolve is not retried. Each request has a total deadline (`PKGCLI_TIMEOUT`, not a
per-read timeout: a server trickling a byte a second is cut off) and a body cap
(MAX_BODY, 32 MB after decompression; gzip bombs and endless bodies end there). Every
pause is announced through `on_wait` (stderr by default). Redirects are followed only on
the requested URL's own origin. Transport, sleep and clock are injectable so tests run
against `httpx.MockTransport` without waiting. `BearerToken` is the only way a credential
is attached: to requests under one base URL, never elsewhere, never in a repr.
"""

from __future__ import annotations

import email.utils
import json
import re
import socket
import sys
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from pkgcli import __version__
from pkgcli.errors import RateLimited, UpstreamError

USER_AGENT = f"pkgcli/{__version__} (Django Packages mirror; python-httpx/{httpx.__version__})"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
SERVER_ERRORS = frozenset({500, 502, 503, 504})
REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_ATTEMPTS = 4  # requests per URL in total, for every kind of failure together
MAX_WAIT = 60.0  # the longest pause for a Retry-After or a rate limit; longer ones fail
MAX_BODY = 32 * 2**20  # bytes of one answer after decompression
MAX_REDIRECTS = 3
NOTED_PAUSE = 5.0  # pauses this long or longer are announced on stderr even unasked
ACCEPT_ENCODING = "gzip, deflate"  # the encodings pkgcli decodes itself, under the cap


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
    """Same scheme, host and port as `base`, and a path at or below its path (a URL
    httpx cannot parse is under nothing)."""
    try:
        url, base = httpx.URL(url), httpx.URL(base)
    except (httpx.InvalidURL, TypeError, ValueError):
        return False
    if (url.scheme, url.host.lower(), url.port) != (base.scheme, base.host.lower(), base.port):
        return False
    prefix = base.path.rstrip("/")
    return url.path == prefix or url.path.startswith(prefix + "/")


MAX_RETRY_AFTER = 10.0**9  # ~32 years: any longer wait is "much too long" all the same


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), at most
    MAX_RETRY_AFTER (a header of 400 nines must not become infinity); None for garbage."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # not "²", which isdigit() but float() refuses
        return float(min(int(value[:12]), int(MAX_RETRY_AFTER)))
    try:
        when = email.utils.parsedate_to_datetime(value)
        seconds = when.timestamp() - (time.time() if now is None else now)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    return min(max(0.0, seconds), MAX_RETRY_AFTER)


class _Retry(Exception):
    """One attempt failed in a way another attempt may not (carries the message)."""


class _BodyTooBig(Exception):
    pass


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _is_dns_failure(exc: BaseException) -> bool:
    """A host name that does not resolve: retrying within seconds will not change that."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, socket.gaierror):
            return True
        text = str(seen).lower()
        if "name or service not known" in text or "nodename nor servname" in text:
            return True
        if "name resolution" in text or "getaddrinfo failed" in text:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _stderr_note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class HttpClient:
    """A polite client for one upstream: one retry budget, bounded bodies, counted requests.

    `setting` names the environment variable holding this upstream's URL, so a
    connection error can say what to check (PKGCLI_API_URL, PKGCLI_GITHUB_API_URL, …).
    """

    def __init__(
        self,
        *,
        name: str,
        timeout: float = 20.0,
        headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = MAX_ATTEMPTS,
        backoff: float = 0.5,
        max_retry_wait: float = MAX_WAIT,
        max_connections: int = 4,
        auth: httpx.Auth | None = None,
        setting: str | None = None,
        max_body: int | None = None,  # MAX_BODY
        clock: Callable[[], float] | None = None,  # time.monotonic
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        self.name = name
        self.sleep = sleep
        self.max_attempts = max(1, max_attempts)
        self.backoff = backoff
        self.max_retry_wait = max_retry_wait
        self.timeout = timeout
        self.setting = setting
        self.max_body = MAX_BODY if max_body is None else max_body
        self.clock = clock or time.monotonic
        self.on_wait = on_wait or _stderr_note
        self.requests = 0
        self.statuses: dict[int, int] = {}  # answers by status code, for reports and benchmarks
        self._lock = threading.Lock()
        self.client = httpx.Client(
            headers={
                "User-Agent": USER_AGENT,
                "Accept-Encoding": ACCEPT_ENCODING,
                **(headers or {}),
            },
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
        validate: Callable[[httpx.Response], None] | None = None,
        wait_for: Callable[[httpx.Response], float | None] | None = None,
    ) -> httpx.Response:
        """One logical request: at most `max_attempts` requests in all, the final response
        (any status) or UpstreamError. `validate` may raise UpstreamError for a body that
        is unusable (malformed JSON, HTML): that is an attempt of the same budget.
        `wait_for` lets a source say that an answer is "slow down, then retry" (GitHub's
        secondary limit) and for how long: a retry of the same budget, its pause capped
        and announced like a Retry-After, so no caller needs a retry loop of its own."""
        problem = ""
        for attempt in range(1, self.max_attempts + 1):
            wait = self.backoff * 2 ** (attempt - 1)
            asked = False  # did upstream ask for this pause (Retry-After)?
            try:
                response = self._attempt(method, url, params, headers, json_body, follow_redirects)
                if response.status_code in retry_statuses:
                    problem = _status_problem(self.name, response)
                    wait, asked = self._retry_wait(response, problem, wait)
                    raise _Retry(problem)
                asked_wait = wait_for(response) if wait_for is not None else None
                if asked_wait is not None:
                    problem = _status_problem(self.name, response)
                    wait, asked = self._capped(asked_wait, problem), True
                    raise _Retry(problem)
                if validate is not None and 200 <= response.status_code < 300:
                    try:
                        validate(response)
                    except UpstreamError as exc:
                        raise _Retry(exc.message) from exc
                return response
            except _Retry as exc:
                problem = str(exc)
            if attempt < self.max_attempts:
                self._pause(wait, problem, asked, f"attempt {attempt + 1} of {self.max_attempts}")
        raise UpstreamError(f"{problem}, after {self.max_attempts} attempts")

    def _retry_wait(
        self, response: httpx.Response, problem: str, wait: float
    ) -> tuple[float, bool]:
        """The pause before the next attempt: Retry-After (at most max_retry_wait; a longer
        one fails at once) or the backoff. Garbage in Retry-After is ignored."""
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        if retry_after is None:
            return wait, False
        return max(wait, self._capped(retry_after, problem)), True

    def _capped(self, seconds: float, problem: str) -> float:
        """`seconds`, or RateLimited when that is more than pkgcli waits."""
        if seconds > self.max_retry_wait:
            raise RateLimited(
                f"{problem}; it asks to retry after {int(seconds)} s, "
                f"more than pkgcli waits ({int(self.max_retry_wait)} s)"
            )
        return seconds

    def _pause(self, seconds: float, problem: str, asked: bool, attempt: str) -> None:
        """Sleep before the next attempt. A pause upstream asked for, or one of
        NOTED_PAUSE seconds or more, is announced (what for, until when); the short
        backoff after a 5xx or a dropped connection is not (the error says it all)."""
        if asked or seconds >= NOTED_PAUSE:
            until = datetime.now(UTC).timestamp() + seconds
            clock = datetime.fromtimestamp(until, UTC).strftime("%H:%M:%S")
            reason = "as its Retry-After asks" if asked else "before retrying"
            self.on_wait(
                f"{problem}: waiting {seconds:g} s {reason}, until {clock} UTC ({attempt})"
            )
        self.sleep(seconds)

    def _attempt(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
        json_body: Any,
        follow_redirects: bool,
    ) -> httpx.Response:
        """One request and the same-origin redirects it leads to, each body read whole
        under the deadline and the cap. Raises _Retry for what another attempt may fix."""
        started = self.clock()
        for _ in range(MAX_REDIRECTS + 1):
            response = self._request(method, url, params, headers, json_body, started)
            location = response.headers.get("location")
            if not follow_redirects or response.status_code not in REDIRECTS or not location:
                return response
            target = _join(response, location)
            if target is None or not is_under(target, _origin(url)):
                return response  # never off the origin asked: the caller says where it went
            url, params = target, None
            if response.status_code == 303:
                method, json_body = "GET", None
        raise UpstreamError(f"{self.name} redirects in a loop ({_short(url)})")

    def _request(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
        json_body: Any,
        started: float,
    ) -> httpx.Response:
        self._count()
        try:
            request = self.client.build_request(
                method, url, params=params, headers=headers, json=json_body
            )
        except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError) as exc:
            raise UpstreamError(  # retrying won't help
                f"cannot use the {self.name} URL {_short(url)!r} ({exc}); {self._check()}"
            ) from exc
        try:
            response = self.client.send(request, stream=True)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:  # a redirect, say
            raise UpstreamError(
                f"cannot use the {self.name} URL {_short(url)!r} ({exc}); {self._check()}"
            ) from exc
        except httpx.TimeoutException as exc:
            raise _Retry(f"{self.name} did not answer in time ({_short(url)})") from exc
        except httpx.TransportError as exc:  # refused, reset, dropped, unresolvable
            message = f"cannot reach {self.name}: {_reason(exc)} ({_short(url)}); {self._check()}"
            if _is_dns_failure(exc):
                raise UpstreamError(message) from exc
            raise _Retry(message) from exc
        except (ValueError, UnicodeError) as exc:  # headers httpx cannot take, say
            raise UpstreamError(
                f"{self.name} sent an answer pkgcli cannot read ({_short(url)}): {exc}"
            ) from exc
        try:
            self._read(response, url, started)
        finally:
            response.close()
        self._count_status(response.status_code)
        return response

    def _read(self, response: httpx.Response, url: str, started: float) -> None:
        """The body, decoded, into `response` (so .content/.json() work as usual)."""
        deadline = started + self.timeout
        try:
            # A bytearray, not a bytes copy: a body at the cap must not be held twice.
            body = read_capped(response, self.max_body, deadline, self.clock)
            response._content = body  # type: ignore[assignment]
        except _BodyTooBig as exc:
            raise UpstreamError(
                f"{self.name} sent an answer larger than {_size(self.max_body)} "
                f"({_short(url)}); pkgcli reads no more than that"
            ) from exc
        except TimeoutError as exc:
            raise _Retry(
                f"{self.name} did not finish its answer within {self.timeout:g} s "
                f"({_short(url)}; PKGCLI_TIMEOUT is a total deadline per request)"
            ) from exc
        except httpx.TimeoutException as exc:
            raise _Retry(f"{self.name} did not answer in time ({_short(url)})") from exc
        except (httpx.TransportError, zlib.error) as exc:
            raise _Retry(
                f"{self.name} sent an answer pkgcli cannot read ({_short(url)}): {_reason(exc)}"
            ) from exc

    def _check(self) -> str:
        if self.setting:
            return f"check {self.setting}"
        return "check its base URL setting"

    def get_json(
        self, url: str, *, params: Mapping[str, Any] | None = None, not_found: Any = None
    ) -> Any:
        """GET a JSON document; `not_found` (None) for 404. A malformed or HTML answer is
        an attempt of the same retry budget; after the last one it fails."""
        decoded: list[Any] = []

        def validate(response: httpx.Response) -> None:
            decoded[:] = [decode_json(self.name, response)]

        response = self.send(
            "GET",
            url,
            params=params,
            headers={"Accept": "application/json"},
            follow_redirects=True,
            validate=validate,
        )
        status = response.status_code
        if status == 404 and "html" not in response.headers.get("content-type", ""):
            return not_found
        if status == 404:
            raise UpstreamError(
                f"{self.name} has no such endpoint (an HTML 404 page at "
                f"{_short(str(response.url))}); check the API base URL"
            )
        if status in REDIRECTS:
            target = response.headers.get("location", "")
            raise UpstreamError(
                f"{self.name} redirected {_short(str(response.url))} off its origin "
                f"(to {_short(target)!r}); not followed"
            )
        if status >= 300 or not decoded:
            raise UpstreamError(_status_problem(self.name, response))
        return decoded[0]


def read_capped(
    response: httpx.Response, limit: int, deadline: float, clock: Callable[[], float]
) -> bytearray:
    """A streamed body, decompressed here (gzip/deflate) so no single chunk can expand past
    `limit`; _BodyTooBig beyond it, TimeoutError once `clock()` passes `deadline`."""
    if hasattr(response, "_content"):  # already read (a test's MockTransport answer)
        if len(response.content) > limit:
            raise _BodyTooBig
        return bytearray(response.content)
    encoding = response.headers.get("content-encoding", "").strip().lower()
    decoder = zlib.decompressobj(zlib.MAX_WBITS | 32) if encoding in ("gzip", "deflate") else None
    if encoding not in ("", "identity", "gzip", "deflate"):
        chunks = response.iter_bytes()  # asked only for gzip/deflate: let httpx decode it
    else:
        chunks = response.iter_raw()
    body = bytearray()
    for chunk in chunks:
        if clock() > deadline:
            raise TimeoutError
        data = chunk
        while data:
            out = decoder.decompress(data, limit + 1 - len(body)) if decoder else data
            body += out
            if len(body) > limit:
                raise _BodyTooBig
            data = decoder.unconsumed_tail if decoder else b""
    if decoder is not None:
        body += decoder.flush(limit + 1 - len(body) or 1)
        if len(body) > limit:
            raise _BodyTooBig
    return body


def _join(response: httpx.Response, location: str) -> str | None:
    try:
        return str(response.url.join(location))
    except (httpx.InvalidURL, ValueError):
        return None


_LOOKS_LIKE_HTML = re.compile(rb"\s*<")


def decode_json(name: str, response: httpx.Response) -> Any:
    """The JSON body, or an UpstreamError that says what came instead."""
    content_type = response.headers.get("content-type", "")
    where = _short(str(response.request.url)) if response.request else name
    if "html" in content_type or _LOOKS_LIKE_HTML.match(response.content):
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


def _size(n: int) -> str:
    return f"{n / 2**20:g} MB" if n >= 2**20 else f"{n / 2**10:g} KB"


def _short(url: str) -> str:
    """Host and path of a URL for a message (no credentials, no query)."""
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[::1/": say what it is without parsing it
        return url.split("?", 1)[0][-80:]
    host = parts.netloc.rsplit("@", 1)[-1]
    return f"{host}{parts.path}"


def _reason(exc: Exception) -> str:
    if _is_dns_failure(exc):
        return "the host name does not resolve"
    if isinstance(exc, httpx.ConnectError):
        return "connection refused"
    if isinstance(exc, zlib.error):
        return "its compressed body does not decompress"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "connection dropped mid-answer"
    return type(exc).__name__
