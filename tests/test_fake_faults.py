"""The fake upstream's fault layer: every kind, on every route, through raw HTTP.

Driven with plain `http.client` (the helpers of test_fake_upstream), so nothing here
depends on pkgcli's own HTTP client. Other suites use these faults to prove pkgcli's
boundary; this one proves the faults are what `python -m tests.fake --help` says.
"""

from __future__ import annotations

import gzip
import http.client
import json
import re
import signal
import socket
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from tests.fake import FakeUpstream, generate_catalogue, new_package_record
from tests.fake.faults import FAULT_KINDS, FaultPlan, parse_fault_spec
from tests.fake.forges import FakeCodeberg, FakeGitLab
from tests.fake.github import FakeGitHub
from tests.fake.pypi import FakePyPI
from tests.test_fake_upstream import fetch

TOKEN = {"Authorization": "Bearer t0ken"}
REPO = "octo/many"
GRAPHQL = {
    "query": 'query { a: repository(owner: "octo", name: "many") { id } '
    'b: repository(owner: "octo", name: "many") { id } '
    'c: repository(owner: "octo", name: "many") { id } '
    'd: repository(owner: "octo", name: "many") { id } }'
}


@pytest.fixture(scope="module")
def _server() -> Iterator[FakeUpstream]:
    catalogue = generate_catalogue(200, 10, seed=7)
    catalogue.add_package(
        new_package_record(
            990_010,
            "many",
            repo_url=f"https://github.com/{REPO}",
            pypi_url="https://pypi.org/project/many/",
            participants=[f"person{i}" for i in range(5)],
        )
    )
    catalogue.add_package(
        new_package_record(990_011, "on-gitlab", repo_url="https://gitlab.com/grp/sub/on-gitlab")
    )
    catalogue.add_package(
        new_package_record(990_012, "on-codeberg", repo_url="https://codeberg.org/o/on-codeberg")
    )
    with FakeUpstream(catalogue) as server:
        server.mount("/github", FakeGitHub.from_catalogue(catalogue))
        server.mount("/pypi", FakePyPI.from_catalogue(catalogue))
        server.mount("/gitlab/api/v4", FakeGitLab.from_catalogue(catalogue))
        server.mount("/codeberg/api/v1", FakeCodeberg.from_catalogue(catalogue))
        yield server


@pytest.fixture
def server(_server: FakeUpstream) -> Iterator[FakeUpstream]:
    _server.faults.clear()
    yield _server
    _server.faults.clear()


# One request per route, and the fault path that matches only it.
ROUTES: dict[str, str] = {
    "dp-list": "/api/v4/packages/?limit=5",
    "dp-detail": "/api/v4/packages/many/",
    "github-repo": f"/github/repos/{REPO}",
    "github-list": f"/github/repos/{REPO}/contributors?per_page=2",
    "github-graphql": "/github/graphql",
    "pypi": "/pypi/many/json",
    "gitlab": f"/gitlab/api/v4/projects/{quote('grp/sub/on-gitlab', safe='')}",
    "codeberg": "/codeberg/api/v1/repos/o/on-codeberg",
}


def call(server: FakeUpstream, route: str, timeout: float = 5) -> tuple[int, dict[str, str], bytes]:
    target = ROUTES[route]
    if route == "github-graphql":
        body = json.dumps(GRAPHQL).encode()
        return fetch(server.base_url + target, method="POST", headers=TOKEN, body=body)
    return fetch(server.base_url + target, headers=TOKEN, timeout=timeout)


def fault(server: FakeUpstream, kind: str, route: str, **opts: Any) -> None:
    server.faults.add(kind, re.compile("^" + re.escape(ROUTES[route])), 1, **opts)


def leaves(data: Any) -> Iterator[Any]:
    if isinstance(data, dict):
        for value in data.values():
            yield from leaves(value)
    elif isinstance(data, list):
        for value in data:
            yield from leaves(value)
    else:
        yield data


def test_every_route_answers_normally(server: FakeUpstream) -> None:
    for route in ROUTES:
        status, headers, body = call(server, route)
        assert status == 200 and "json" in headers["content-type"], (route, status, body[:200])


def test_every_kind_is_listed_in_the_docstring_and_the_help() -> None:
    help_text = subprocess.run(
        [sys.executable, "-m", "tests.fake", "--help"],
        cwd=Path(__file__).parent.parent,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for kind in FAULT_KINDS:
        assert f'"{kind}"' in (FaultPlan.__doc__ or ""), kind
        assert re.search(rf"^  {re.escape(kind)} ", help_text, re.MULTILINE), kind


# -- transport and status, on every route


@pytest.mark.parametrize("route", ROUTES)
def test_status_drop_truncate_html_malformed_on_every_route(
    server: FakeUpstream, route: str
) -> None:
    fault(server, "502", route)
    assert call(server, route)[0] == 502
    fault(server, "429", route, retry_after=7)
    status, headers, _ = call(server, route)
    assert status == 429 and headers["retry-after"] == "7"
    fault(server, "drop", route)
    with pytest.raises((http.client.HTTPException, OSError)):
        call(server, route)
    fault(server, "truncate", route)
    with pytest.raises(http.client.IncompleteRead):
        call(server, route)
    fault(server, "html", route)
    status, headers, _ = call(server, route)
    assert status == 200 and headers["content-type"].startswith("text/html")
    fault(server, "malformed", route)
    status, headers, body = call(server, route)
    assert status == 200 and headers["content-type"] == "application/json"
    with pytest.raises(ValueError):
        json.loads(body)


@pytest.mark.parametrize("route", ROUTES)
def test_gzip_bomb_on_every_route(server: FakeUpstream, route: str) -> None:
    fault(server, "gzip-bomb", route, mb=2)
    status, headers, body = call(server, route)
    assert status == 200 and headers["content-encoding"] == "gzip" and len(body) < 10_000
    assert json.loads(gzip.decompress(body)) == []


def test_the_default_gzip_bomb_expands_past_100_mb(server: FakeUpstream) -> None:
    fault(server, "gzip-bomb", "pypi")
    status, _, body = call(server, "pypi")
    assert status == 200 and len(body) < 200_000
    inflate, expanded, rest = zlib.decompressobj(31), 0, body
    while rest:  # a megabyte at a time: never the whole body in memory
        expanded += len(inflate.decompress(rest, 1 << 20))
        rest = inflate.unconsumed_tail
    assert expanded > 100 * (1 << 20)


def test_huge_declares_and_sends_n_megabytes(server: FakeUpstream) -> None:
    fault(server, "huge", "codeberg", mb=3)
    status, headers, body = call(server, "codeberg")
    assert status == 200 and int(headers["content-length"]) == len(body) == 3 << 20
    assert json.loads(body) == []


def test_endless_never_ends(server: FakeUpstream) -> None:
    fault(server, "endless", "gitlab")
    parts = urlsplit(server.base_url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    try:
        conn.request("GET", ROUTES["gitlab"])
        response = conn.getresponse()
        assert response.status == 200 and response.getheader("transfer-encoding") == "chunked"
        for _ in range(8):  # 8 MB and still going
            assert len(response.read(1 << 20)) == 1 << 20
    finally:
        conn.close()


def test_trickle_sends_one_byte_per_interval(server: FakeUpstream) -> None:
    server.faults.add("trickle", "/pypi/no-such-project/", interval=0.02)
    started = time.perf_counter()
    status, _, body = fetch(f"{server.base_url}/pypi/no-such-project/json")
    assert status == 404 and json.loads(body) == {"message": "Not Found"}
    assert time.perf_counter() - started >= 0.02 * (len(body) - 1)


def test_timeout_waits_then_answers(server: FakeUpstream) -> None:
    fault(server, "timeout", "dp-detail", seconds=0.3)
    started = time.perf_counter()
    assert call(server, "dp-detail")[0] == 200
    assert time.perf_counter() - started >= 0.3


# -- hostile values, on every route


@pytest.mark.parametrize("route", ROUTES)
def test_hostile_values_on_every_route(server: FakeUpstream, route: str) -> None:
    fault(server, "null", route)
    assert call(server, route)[2] == b"null"

    fault(server, "wrong-types", route)
    data = json.loads(call(server, route)[2])
    assert isinstance(data, (dict, list)) and data
    assert not any(isinstance(v, (bool, int, float)) for v in leaves(data))
    assert (
        "false" in leaves(data)
        or '"0"' in json.dumps(data)
        or any(isinstance(v, str) and v.isdigit() for v in leaves(data))
    )

    fault(server, "surrogate", route)
    body = call(server, route)[2]
    assert b"\\ud800" in body
    assert all(v.endswith("\ud800") for v in leaves(json.loads(body)) if isinstance(v, str))

    fault(server, "overflow", route)
    numbers = [v for v in leaves(json.loads(call(server, route)[2])) if type(v) is int]
    assert numbers and set(numbers) == {2**64}

    fault(server, "negative", route)
    assert -1 in leaves(json.loads(call(server, route)[2]))


@pytest.mark.parametrize("route", [r for r in ROUTES if r != "github-list"])
def test_path_traversal_names(server: FakeUpstream, route: str) -> None:
    fault(server, "path-traversal", route)
    assert "../../../etc/passwd" in leaves(json.loads(call(server, route)[2]))


@pytest.mark.parametrize(
    ("route", "key"),
    [
        ("dp-detail", "slug"),
        ("github-repo", "full_name"),
        ("pypi", "info"),
        ("gitlab", "path_with_namespace"),
        ("codeberg", "full_name"),
        ("github-graphql", "data"),
    ],
)
def test_other_package(server: FakeUpstream, route: str, key: str) -> None:
    normal = json.loads(call(server, route)[2])
    fault(server, "other-package", route)
    other = json.loads(call(server, route)[2])
    assert other[key] != normal[key]


def test_other_package_is_a_real_record_on_django_packages(server: FakeUpstream) -> None:
    fault(server, "other-package", "dp-detail")
    other = json.loads(call(server, "dp-detail")[2])
    assert other["slug"] != "many" and server.catalogue.packages[other["id"]] == other


def test_graphql_malformed(server: FakeUpstream) -> None:
    fault(server, "graphql-malformed", "github-graphql")
    body = json.loads(call(server, "github-graphql")[2])
    assert body["errors"] == 5
    targets = [body["data"][a]["defaultBranchRef"]["target"] for a in "abcd"]
    assert isinstance(targets[0], list) and isinstance(targets[1], str)
    assert targets[2]["history"]["nodes"] == 7 and isinstance(targets[3]["history"]["nodes"], dict)
    fault(server, "graphql-malformed", "github-graphql", variant="errors")
    body = json.loads(call(server, "github-graphql")[2])
    assert body["errors"] == 5 and body["data"]["a"]["nameWithOwner"] == REPO


def test_mixed_records(server: FakeUpstream) -> None:
    for kind in ("grids", "categories"):
        server.faults.add("mixed-records", f"/api/v4/{kind}/")
        results = json.loads(fetch(f"{server.base_url}/api/v4/{kind}/")[2])["results"]
        assert any("repo_url" in r for r in results), kind
    fault(server, "mixed-records", "dp-list")
    results = json.loads(call(server, "dp-list")[2])["results"]
    assert any("is_locked" in r for r in results) and any("repo_url" in r for r in results)


# -- pagination and redirects


def test_lying_count(server: FakeUpstream) -> None:
    server.faults.add("lying-count", "/api/v4/categories/")
    page = json.loads(fetch(f"{server.base_url}/api/v4/categories/")[2])
    assert page["count"] == 10**9 and "offset=20" in page["next"]  # 4 categories, still a next
    fault(server, "lying-count", "github-list")
    link = call(server, "github-list")[1]["link"]
    assert re.fullmatch(
        rf'<[^>]*\bpage=2&[^>]*>; rel="next", <[^>]*\bpage={10**9}&[^>]*>; rel="last"', link
    )


def test_next_loop(server: FakeUpstream) -> None:
    fault(server, "next-loop", "dp-list")
    assert json.loads(call(server, "dp-list")[2])["next"] == server.base_url + ROUTES["dp-list"]
    fault(server, "next-loop", "github-list")
    link = call(server, "github-list")[1]["link"]
    assert link == f'<{server.base_url}{ROUTES["github-list"]}>; rel="next"'


def _low_free_port() -> int:
    """A free port P with P*10+1 a valid port too (4502 → 45021)."""
    for port in range(4502, 6553):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.skip("no free port below 6553")


def test_off_origin_next_is_a_lookalike_port() -> None:
    port = _low_free_port()
    with FakeUpstream(generate_catalogue(30, 2, seed=1), port=port) as server:
        server.faults.add("off-origin-next", "/api/v4/packages/")
        next_url = json.loads(fetch(f"{server.api_url}/packages/")[2])["next"]
        assert next_url.startswith(server.base_url)  # a text prefix check would pass it
        assert urlsplit(next_url).port == port * 10 + 1
        assert urlsplit(next_url).path == "/api/v4/packages/"


def test_off_origin_next_on_github_links(server: FakeUpstream) -> None:
    fault(server, "off-origin-next", "github-list", url="http://127.0.0.1:9/next")
    assert call(server, "github-list")[1]["link"] == '<http://127.0.0.1:9/next>; rel="next"'


def test_redirect_off_origin(server: FakeUpstream) -> None:
    fault(server, "redirect-off-origin", "github-repo")
    status, headers, _ = call(server, "github-repo")
    assert status == 301
    assert headers["location"] == f"http://localhost:{server.port}{ROUTES['github-repo']}"


# -- rate limits


@pytest.mark.parametrize("value", ["120", "soon", "99999999999999999999", "²"])
def test_retry_after_values(server: FakeUpstream, value: str) -> None:
    fault(server, "retry-after", "pypi", value=value)
    status, headers, _ = call(server, "pypi")
    assert status == 429 and headers["retry-after"] == value


def test_ratelimit_reset(server: FakeUpstream) -> None:
    fault(server, "ratelimit-reset", "github-repo", value="²")
    status, headers, body = call(server, "github-repo")
    assert status == 403 and headers["x-ratelimit-reset"] == "²"
    assert headers["x-ratelimit-remaining"] == "0" and "rate limit" in json.loads(body)["message"]
    fault(server, "ratelimit-reset", "github-repo", status=200)
    status, headers, body = call(server, "github-repo")
    assert status == 200 and headers["x-ratelimit-reset"] == "99999999999"
    assert json.loads(body)["full_name"] == REPO


def test_secondary(server: FakeUpstream) -> None:
    fault(server, "secondary", "github-graphql", retry_after=100)
    status, headers, body = call(server, "github-graphql")
    assert status == 403 and headers["retry-after"] == "100"
    assert "secondary rate limit" in json.loads(body)["message"]


# -- the command line


@pytest.mark.parametrize(
    ("spec", "parsed"),
    [
        ("503:/api/v4/packages/", ("503", "/api/v4/packages/", 1, {})),
        ("503:*:*", ("503", None, None, {})),
        ("retry-after,value=²:/github/:3", ("retry-after", "/github/", 3, {"value": "²"})),
        ("gzip-bomb,mb=300:", ("gzip-bomb", None, 1, {"mb": 300})),
        ("timeout,seconds=0.5:(?:x):2", ("timeout", "(?:x)", 2, {"seconds": 0.5})),
    ],
)
def test_fault_specs(spec: str, parsed: tuple[Any, ...]) -> None:
    assert parse_fault_spec(spec) == parsed


@pytest.mark.parametrize("spec", ["nope:/", "503:/:0", "retry-after,value:/"])
def test_bad_fault_specs(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_fault_spec(spec)


def test_entry_point_injects_faults() -> None:
    process = subprocess.Popen(
        [
            sys.executable, "-m", "tests.fake", "--packages", "30", "--grids", "3",
            "--fault", "503:/api/v4/packages/:2", "--fault", "retry-after,value=²:/github/",
        ],
        cwd=Path(__file__).parent.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        base = process.stdout.readline().split()[1]
        statuses = [fetch(f"{base}/api/v4/packages/")[0] for _ in range(3)]
        assert statuses == [503, 503, 200]
        status, headers, _ = fetch(f"{base}/github/rate_limit")
        assert status == 429 and headers["retry-after"] == "²"
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=5)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0
