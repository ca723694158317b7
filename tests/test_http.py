"""HttpClient: retries, back-off, Retry-After, and clear errors — on httpx.MockTransport."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from pkgcli.errors import RateLimited, UpstreamError
from pkgcli.http import USER_AGENT, HttpClient, parse_retry_after

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
