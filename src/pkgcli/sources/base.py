"""What the GitHub, PyPI and forge clients share: conditional GETs, pacing, stopping.

`SourceClient.get` sends `If-None-Match` / `If-Modified-Since` from a cached entry, turns a
304 into the cached parsed data (no body, no quota), follows 301s only while they stay under
the client's own base URL (so a token can never follow a redirect elsewhere), and hands
every other status back to the caller to decide. A `Throttle` keeps at most N requests in
flight and can be told to pause and narrow after a "slow down" answer; a `SourceStopped`
ends the work for one upstream while the caller keeps everything already fetched.
Nothing here touches the store: cache entries come in and go out as plain values.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from pkgcli.errors import UpstreamError
from pkgcli.http import HttpClient, decode_json, is_under

MAX_REDIRECTS = 3
MAX_CONSECUTIVE_FAILURES = 5  # then the upstream counts as unreachable for this run
Parse = Callable[[Any, httpx.Response], Any]


@dataclass(frozen=True)
class CacheEntry:
    """An answer's validators and the parsed data a 304 will stand for."""

    url: str
    etag: str | None
    last_modified: str | None
    data: Any


@dataclass
class Answer:
    """The outcome of one logical GET (after following same-origin redirects)."""

    status: int
    url: str
    data: Any = None
    not_modified: bool = False
    entry: CacheEntry | None = None  # to store: a fresh 200 with validators
    moved_to: str | None = None  # the first redirect target, when one was followed or refused
    message: str = ""  # upstream's own words for a refusal (already shortened)
    requests: int = 0

    @property
    def ok(self) -> bool:
        return self.status in (200, 304)


class SourceStopped(Exception):
    """An upstream told us to stop (rate limit, unreachable), or the run's budget is spent;
    work done so far stays."""

    def __init__(
        self, reason: str, resume_at: datetime | None = None, *, budget: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.resume_at = resume_at
        self.budget = budget  # the user's --max-requests / --time-budget, not the upstream


class Budget:
    """The run's limits, shared by every source: requests in total and a deadline."""

    def __init__(
        self,
        max_requests: int | None = None,
        seconds: float | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        import time

        self.clock = clock or time.monotonic
        self.max_requests = max_requests
        self.deadline = None if seconds is None else self.clock() + seconds
        self.spent = 0
        self._lock = threading.Lock()

    def take(self) -> str | None:
        """Spend one request; the reason to stop instead, when the budget is used up."""
        with self._lock:
            if self.max_requests is not None and self.spent >= self.max_requests:
                return f"the request budget is spent (--max-requests {self.max_requests:,})"
            if self.deadline is not None and self.clock() >= self.deadline:
                return "the time budget is spent (--time-budget)"
            self.spent += 1
            return None


class Throttle:
    """At most `limit` requests in flight; `narrow` halves the limit after a "slow down"."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self._in_flight = 0
        self._cond = threading.Condition()

    def __enter__(self) -> None:
        with self._cond:
            while self._in_flight >= self.limit:
                self._cond.wait()
            self._in_flight += 1

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._in_flight -= 1
            self._cond.notify_all()

    def narrow(self) -> None:
        """Halve how many requests may be in flight (a "slow down" answer)."""
        with self._cond:
            self.limit = max(1, self.limit // 2)


def conditional_headers(entry: CacheEntry | None) -> dict[str, str]:
    """Validators for a re-request; none unless there is parsed data a 304 could stand for."""
    if entry is None or entry.data is None:
        return {}
    headers = {}
    if entry.etag:
        headers["If-None-Match"] = entry.etag
    if entry.last_modified:
        headers["If-Modified-Since"] = entry.last_modified
    return headers


def new_entry(url: str, response: httpx.Response, data: Any) -> CacheEntry | None:
    etag = response.headers.get("etag")
    last_modified = response.headers.get("last-modified")
    if not etag and not last_modified:
        return None
    return CacheEntry(url=url, etag=etag, last_modified=last_modified, data=data)


def upstream_message(response: httpx.Response, limit: int = 200) -> str:
    """Upstream's `message` (JSON) or the start of its text, on one line."""
    try:
        body = response.json()
    except (ValueError, RecursionError):
        body = None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        text = body["message"]
    else:
        text = (
            response.text[:limit] if "html" not in response.headers.get("content-type", "") else ""
        )
    return " ".join(text.split())[:limit]


def now_utc() -> datetime:
    return datetime.now(UTC)


class SourceClient:
    """Conditional, paced, stoppable GETs against one upstream base URL."""

    label = "upstream"

    def __init__(
        self,
        http: HttpClient,
        base_url: str,
        *,
        sleep: Callable[[float], None],
        max_in_flight: int = 4,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.sleep = sleep
        self.headers = headers or {}
        self.throttle = Throttle(max_in_flight)
        self.stopped: SourceStopped | None = None
        self.budget: Budget | None = None  # the run's, set by the engine
        self._lock = threading.Lock()
        self._failures = 0
        self.unusable: dict[str, int] = {}  # upstream keys stored as unknown, and how often

    def note_unusable(self, problems: list[str]) -> None:
        """Count the keys a `parse_*` stored as unknown (wrong type or out of range)."""
        with self._lock:
            for key in problems:
                self.unusable[key] = self.unusable.get(key, 0) + 1

    # -- stopping ------------------------------------------------------------------------

    def stop(
        self, reason: str, resume_at: datetime | None = None, *, budget: bool = False
    ) -> SourceStopped:
        """Stop this upstream for the rest of the run (the first reason wins)."""
        with self._lock:
            if self.stopped is None:
                self.stopped = SourceStopped(reason, resume_at, budget=budget)
            return self.stopped

    def check_stopped(self) -> None:
        if self.stopped is not None:
            raise self.stopped

    # -- sending -------------------------------------------------------------------------

    def send(
        self, method: str, url: str, headers: dict[str, str], json_body: Any = None
    ) -> httpx.Response:
        """One request, paced; transport failures count towards "unreachable"."""
        self.check_stopped()
        spent = self.budget.take() if self.budget is not None else None
        if spent is not None:
            raise self.stop(spent, budget=True)
        from pkgcli.http import SERVER_ERRORS

        try:
            with self.throttle:
                response = self.http.send(
                    method,
                    url,
                    headers={**self.headers, **headers},
                    json_body=json_body,
                    retry_statuses=SERVER_ERRORS,
                    wait_for=self.slow_down,
                )
        except UpstreamError as exc:
            with self._lock:
                self._failures += 1
                failures = self._failures
            if failures >= MAX_CONSECUTIVE_FAILURES:
                raise self.stop(f"{self.label} looks unreachable ({exc.message})") from exc
            raise
        with self._lock:
            self._failures = 0
        return response

    def slow_down(self, response: httpx.Response) -> float | None:
        """Seconds to wait before asking again when `response` says "slow down" (a retry
        of the one HTTP retry budget, never a loop of the source's own); None otherwise."""
        return None

    def get(self, url: str, cached: CacheEntry | None, parse: Parse) -> Answer:
        """A conditional GET: 200 parsed, 304 from the cache, anything else for the caller."""
        headers = conditional_headers(cached)
        moved_to: str | None = None
        requests = 0
        for _ in range(MAX_REDIRECTS + 1):
            response = self.send("GET", url, headers)
            requests += 1
            status = response.status_code
            if status in (301, 302, 307, 308):
                location = response.headers.get("location")
                target = str(response.url.join(location)) if location else None
                moved_to = moved_to or target
                if target is None or not is_under(target, self.base_url):
                    return Answer(status, url, moved_to=target, requests=requests)
                url, headers = target, {}  # validators belong to the old URL
                continue
            if status == 304 and cached is not None and cached.data is not None:
                return Answer(
                    304,
                    url,
                    cached.data,
                    not_modified=True,
                    moved_to=moved_to,
                    requests=requests,
                )
            if status == 200:
                data = parse(decode_json(self.label, response), response)
                return Answer(
                    200,
                    url,
                    data,
                    entry=new_entry(url, response, data),
                    moved_to=moved_to,
                    requests=requests,
                )
            return Answer(
                status,
                url,
                moved_to=moved_to,
                message=upstream_message(response),
                requests=requests,
            )
        raise UpstreamError(f"{self.label} redirected more than {MAX_REDIRECTS} times ({url})")
