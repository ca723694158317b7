"""HttpClient: retries, back-off, Retry-After, and clear errors — on httpx.MockTransport."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import zlib
from collections.abc import Callable, Iterator

import httpx
import pytest

from pkgcli.errors import RateLimited, UpstreamError
from pkgcli.http import MAX_ATTEMPTS, USER_AGENT, HttpClient, parse_retry_after

Handler = Callable[[httpx.Request], httpx.Response]


def client_for(
    answers: list[httpx.Response | Exception],
) -> tuple[HttpClient, list[float], list[httpx.Request]]:
    sleeps: list[float] = []
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    client = HttpClient(
        name="Django Packages", transport=httpx.MockTransport(handler), sleep=sleeps.append
    )
    return client, sleeps, seen


OK = httpx.Response(200, json={"ok": True})


def test_sends_user_agent_and_accept_json() -> None:
    client, _, seen = client_for([OK])
    assert client.get_json("https://example.test/api/v4/packages/1/") == {"ok": True}
    assert seen[0].headers["user-agent"] == USER_AGENT
    assert USER_AGENT.startswith("pkgcli/")
    assert seen[0].headers["accept"] == "application/json"


def test_retries_5xx_with_exponential_backoff() -> None:
    client, sleeps, seen = client_for([httpx.Response(500), httpx.Response(502), OK])
    assert client.get_json("https://example.test/x/") == {"ok": True}
    assert len(seen) == 3
    assert sleeps == [0.5, 1.0]


def test_honours_retry_after_on_429_and_503() -> None:
    client, sleeps, _ = client_for(
        [
            httpx.Response(429, headers={"Retry-After": "7"}),
            httpx.Response(503, headers={"Retry-After": "3"}),
            OK,
        ]
    )
    assert client.get_json("https://example.test/x/") == {"ok": True}
    assert sleeps == [7.0, 3.0]


def test_a_retry_after_beyond_the_limit_fails_fast() -> None:
    client, sleeps, _ = client_for([httpx.Response(429, headers={"Retry-After": "3600"})])
    with pytest.raises(RateLimited, match="3600 s"):
        client.get_json("https://example.test/x/")
    assert sleeps == []


def test_dropped_connections_and_timeouts_are_retried() -> None:
    client, sleeps, _ = client_for(
        [httpx.RemoteProtocolError("peer closed"), httpx.ReadTimeout("slow"), OK]
    )
    assert client.get_json("https://example.test/x/") == {"ok": True}
    assert len(sleeps) == 2


def test_gives_up_with_one_clear_message() -> None:
    client, _, seen = client_for([httpx.ConnectError("refused")] * 4)
    with pytest.raises(UpstreamError) as info:
        client.get_json("https://example.test/x/")
    assert "cannot reach Django Packages" in info.value.message
    assert "after 4 attempts" in info.value.message
    assert "\n" not in info.value.message
    assert len(seen) == 4


def test_json_404_is_none_but_an_html_404_is_an_error() -> None:
    client, _, _ = client_for(
        [httpx.Response(404, json={"detail": "No Package matches the given query."})]
    )
    assert client.get_json("https://example.test/api/v4/packages/nope/") is None
    client, _, _ = client_for(
        [httpx.Response(404, text="<html>Not found</html>", headers={"content-type": "text/html"})]
    )
    with pytest.raises(UpstreamError, match="HTML"):
        client.get_json("https://example.test/wrong/base/")


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (
            httpx.Response(
                200, text="<!DOCTYPE html><html>", headers={"content-type": "text/html"}
            ),
            "HTML page",
        ),
        (
            httpx.Response(
                200, text='{"count": 3, "res', headers={"content-type": "application/json"}
            ),
            "malformed",
        ),
    ],
)
def test_html_and_malformed_json_are_retried_then_reported(
    response: httpx.Response, message: str
) -> None:
    client, sleeps, seen = client_for([response] * 4)
    with pytest.raises(UpstreamError, match=message):
        client.get_json("https://example.test/x/")
    assert len(seen) == 4
    assert len(sleeps) == 3


def test_a_bad_answer_followed_by_a_good_one_succeeds() -> None:
    client, _, _ = client_for(
        [httpx.Response(200, text="<html>", headers={"content-type": "text/html"}), OK]
    )
    assert client.get_json("https://example.test/x/") == {"ok": True}


def test_parse_retry_after_accepts_seconds_and_http_dates() -> None:
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0


def test_a_redirect_loop_is_one_clear_error() -> None:
    loop = httpx.Response(301, headers={"Location": "https://example.test/x/"})
    client, _, seen = client_for([loop] * 30)
    with pytest.raises(UpstreamError, match="redirects in a loop"):
        client.get_json("https://example.test/x/")
    assert len(seen) <= 21


def test_an_undecodable_body_is_retried_then_reported() -> None:
    client, sleeps, _ = client_for(
        [
            httpx.Response(
                200, stream=httpx.ByteStream(b"not gzip"), headers={"Content-Encoding": "gzip"}
            )
            for _ in range(4)
        ]
    )
    with pytest.raises(UpstreamError, match="cannot read"):
        client.get_json("https://example.test/x/")
    assert len(sleeps) == 3


def test_absurdly_deep_json_is_malformed_not_a_crash() -> None:
    deep = httpx.Response(200, content=b"[" * 200_000, headers={"content-type": "application/json"})
    client, _, _ = client_for([deep] * 4)
    with pytest.raises(UpstreamError, match="malformed"):
        client.get_json("https://example.test/x/")


@pytest.mark.parametrize("url", ["http://[::1/api/v4/", "ftp://example.test/api/v4/"])
def test_an_unusable_url_fails_at_once_without_retrying(url: str) -> None:
    sleeps: list[float] = []
    client = HttpClient(name="Django Packages", sleep=sleeps.append)  # the real transport
    with pytest.raises(UpstreamError, match="check its base URL"):
        client.get_json(url)
    assert sleeps == []


# -- one budget, bounded bodies, a total deadline -----------------------------------------


def test_status_retries_and_bad_bodies_share_one_budget_of_four() -> None:
    html = httpx.Response(200, content=b"<html/>", headers={"content-type": "text/html"})
    client, _, seen = client_for([httpx.Response(503), html, httpx.Response(500), html, OK])
    with pytest.raises(UpstreamError, match=r"HTML page instead of JSON.*after 4 attempts"):
        client.get_json("https://example.test/x/")
    assert len(seen) == 4 == MAX_ATTEMPTS  # not 4 x 4


def test_a_host_that_does_not_resolve_is_not_retried_and_names_its_setting() -> None:
    def unresolvable(request: httpx.Request) -> httpx.Response:
        try:
            raise socket.gaierror(-2, "Name or service not known")
        except socket.gaierror as cause:
            raise httpx.ConnectError("[Errno -2] Name or service not known") from cause

    sleeps: list[float] = []
    client = HttpClient(
        name="PyPI",
        transport=httpx.MockTransport(unresolvable),
        sleep=sleeps.append,
        setting="PKGCLI_PYPI_URL",
    )
    with pytest.raises(UpstreamError) as info:
        client.get_json("https://pypi.invalid/pypi/x/json")
    assert info.value.message == (
        "cannot reach PyPI: the host name does not resolve (pypi.invalid/pypi/x/json); "
        "check PKGCLI_PYPI_URL"
    )
    assert sleeps == [] and client.requests == 1


def stream(chunks: Iterator[bytes], **headers: str) -> httpx.Response:
    class Chunks(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            yield from chunks

    return httpx.Response(200, stream=Chunks(), headers=headers)


def test_the_timeout_is_a_total_deadline_not_a_per_read_one() -> None:
    now = [0.0]

    def trickle() -> Iterator[bytes]:
        while True:
            now[0] += 1.0  # a byte a second, each read well within any read timeout
            yield b" "

    sleeps: list[float] = []
    client = HttpClient(
        name="Django Packages",
        timeout=5.0,
        transport=httpx.MockTransport(lambda request: stream(trickle())),
        sleep=sleeps.append,
        clock=lambda: now[0],
    )
    with pytest.raises(UpstreamError, match="did not finish its answer within 5 s"):
        client.get_json("https://example.test/x/")
    assert now[0] <= 4 * 7  # each attempt cut at its deadline (+1 s of granularity)


@pytest.mark.parametrize("encoding", ["gzip", "deflate", ""])
def test_a_body_past_the_cap_fails_without_being_read_whole(encoding: str) -> None:
    expanded = 0

    def bomb() -> Iterator[bytes]:
        nonlocal expanded
        pack = zlib.compressobj(wbits=31 if encoding == "gzip" else 15)
        while True:  # endless: only the cap can end it
            expanded += 2**20
            raw = b"\0" * 2**20
            yield pack.compress(raw) + pack.flush(zlib.Z_SYNC_FLUSH) if encoding else raw

    client = HttpClient(
        name="GitHub",
        transport=httpx.MockTransport(
            lambda request: stream(bomb(), **({"content-encoding": encoding} if encoding else {}))
        ),
        max_body=4 * 2**20,
    )
    with pytest.raises(UpstreamError, match=r"larger than 4 MB .*reads no more than that"):
        client.get_json("https://example.test/x/")
    assert expanded <= 6 * 2**20 and client.requests == 1  # not retried


def test_a_redirect_is_followed_on_its_own_origin_only() -> None:
    answers = {
        "/a/": httpx.Response(301, headers={"location": "/b/"}),
        "/b/": httpx.Response(302, headers={"location": "https://example.test:4431/c/"}),
    }
    client = HttpClient(
        name="Django Packages",
        transport=httpx.MockTransport(lambda request: answers.get(request.url.path, OK)),
    )
    with pytest.raises(UpstreamError, match=r"off its origin .*example.test:4431/c/"):
        client.get_json("https://example.test/a/")
    assert client.requests == 2


def test_waits_upstream_asks_for_are_announced_with_their_end() -> None:
    notes: list[str] = []
    sleeps: list[float] = []
    answers = [httpx.Response(429, headers={"Retry-After": "30"}), OK]
    client = HttpClient(
        name="PyPI",
        transport=httpx.MockTransport(lambda request: answers.pop(0)),
        sleep=sleeps.append,
        on_wait=notes.append,
    )
    assert client.get_json("https://example.test/x/") == {"ok": True}
    assert sleeps == [30.0]
    assert len(notes) == 1 and re.fullmatch(
        r"PyPI is rate limiting us \(429\): waiting 30 s as its Retry-After asks, "
        r"until \d\d:\d\d:\d\d UTC \(attempt 2 of 4\)",
        notes[0],
    )


PEAK_RSS_SCRIPT = """
import resource, sys, zlib, httpx
from pkgcli.http import HttpClient, MAX_BODY
from pkgcli.errors import UpstreamError

class Bomb(httpx.SyncByteStream):
    def __iter__(self):
        pack = zlib.compressobj(1, wbits=31)
        for _ in range(160):  # 160 MB of zeros in ~160 KB of gzip
            yield pack.compress(b"\\0" * 2**20) + pack.flush(zlib.Z_SYNC_FLUSH)

def answer(request):
    return httpx.Response(200, stream=Bomb(), headers={"content-encoding": "gzip"})

client = HttpClient(name="x", transport=httpx.MockTransport(answer))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    client.get_json("https://example.test/x/")
except UpstreamError as exc:
    print(exc.message, file=sys.stderr)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print((after - before) * 1024, MAX_BODY)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in KB on Linux")
def test_peak_memory_reading_a_gzip_bomb_stays_under_the_cap_plus_50_mb() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PEAK_RSS_SCRIPT], capture_output=True, text=True, check=True
    )
    grown, cap = map(int, done.stdout.split())
    assert "larger than 32 MB" in done.stderr
    assert grown <= cap + 50 * 2**20, f"peak RSS grew {grown / 2**20:.0f} MB"


def test_a_source_defined_slow_down_is_a_retry_of_the_same_budget() -> None:
    secondary = httpx.Response(403, json={"message": "You have exceeded a secondary rate limit"})
    answers = [secondary, secondary, OK]
    notes: list[str] = []
    sleeps: list[float] = []
    client = HttpClient(
        name="GitHub",
        transport=httpx.MockTransport(lambda request: answers.pop(0) if answers else OK),
        sleep=sleeps.append,
        on_wait=notes.append,
    )

    def wait_for(response: httpx.Response) -> float | None:
        return 30.0 if response.status_code == 403 else None

    response = client.send("GET", "https://example.test/repos/a/b", wait_for=wait_for)
    assert response.status_code == 200 and client.requests == 3
    assert sleeps == [30.0, 30.0] and len(notes) == 2
    assert notes[0].startswith("GitHub answered 403 Forbidden (example.test/repos/a/b): waiting")
    with pytest.raises(RateLimited, match=r"retry after 600 s, more than pkgcli waits \(60 s\)"):
        client.send("GET", "https://example.test/x", wait_for=lambda response: 600.0)
