"""Every upstream fault class x every source, through `pkgcli fetch`: the exit code, the
`pkgcli:` line or notes, what is stored, and that the other packages proceeded.

One `httpx.MockTransport` plays all five upstreams (Django Packages, GitHub, PyPI, GitLab,
Codeberg) for four packages, one per forge plus a second GitHub one; a test breaks one
route of one source with one fault and fetches them all. Nothing leaves the process.
"""

from __future__ import annotations

import gzip
import json
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from pkgcli import http as pkgcli_http
from pkgcli.errors import EXIT_FAILED, EXIT_UPSTREAM

from .conftest import FIXTURES, CliHarness

REAL = json.loads((FIXTURES / "djangopackages" / "package-1858.json").read_text())
PACKAGES = {
    "pkg-gh": "https://github.com/good/one",
    "pkg-gh2": "https://github.com/good/two",
    "pkg-gl": "https://gitlab.com/group/sub/proj",
    "pkg-cb": "https://codeberg.org/owner/repo",
}
SLUGS = list(PACKAGES)
Fault = Callable[[httpx.Request], httpx.Response]


def dp_record(index: int, slug: str) -> dict[str, Any]:
    return {
        **REAL,
        "id": 9000 + index,
        "slug": slug,
        "title": slug,
        "repo_url": PACKAGES[slug],
        "pypi_url": f"https://pypi.org/project/{slug}/",
        "grids": [],
        "category": None,
    }


def github_repo(name: str) -> dict[str, Any]:
    return {
        "id": 1,
        "full_name": name,
        "stargazers_count": 10,
        "forks_count": 2,
        "subscribers_count": 3,
        "description": f"{name} here",
        "archived": False,
        "pushed_at": "2024-01-01T00:00:00Z",
        "license": {"spdx_id": "MIT"},
        "default_branch": "main",
        "homepage": None,
    }


def pypi_project(name: str) -> dict[str, Any]:
    return {
        "info": {
            "name": name,
            "version": "1.0",
            "classifiers": ["Framework :: Django :: 5.0"],
            "license": "MIT",
            "requires_python": ">=3.10",
            "project_urls": {},
        },
        "urls": [{"upload_time_iso_8601": "2024-01-01T00:00:00Z"}],
        "releases": {},
    }


class World:
    """The five upstreams; `faults[(source, route)]` replaces one route's answer."""

    def __init__(self) -> None:
        self.records = {slug: dp_record(i, slug) for i, slug in enumerate(SLUGS)}
        self.faults: dict[tuple[str, str], Fault] = {}
        self.seen: list[httpx.Request] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        source, route, key = self.route(request)
        fault = self.faults.get((source, route)) or self.faults.get((source, "*"))
        if fault is not None and (source != "dp" or key in ("pkg-gh", "*")):
            return fault(request)
        return self.answer(source, route, key)

    def route(self, request: httpx.Request) -> tuple[str, str, str]:
        path = unquote(request.url.path)
        if path.startswith("/api/v4/packages/"):
            return "dp", "package", path.split("/")[4]
        if path.startswith("/github/repos/"):
            parts = path.split("/")
            name = "/".join(parts[3:5])
            return "github", "/".join(parts[5:]) or "repo", name
        if path.startswith("/github/graphql"):
            return "github", "graphql", "*"
        if path.startswith("/pypi/"):
            return "pypi", "project", path.split("/")[2]
        if path.startswith("/gitlab/"):
            return "gitlab", "project", path.split("/projects/", 1)[-1]
        if path.startswith("/codeberg/"):
            return "codeberg", "project", path.split("/repos/", 1)[-1]
        return "other", "", ""

    def answer(self, source: str, route: str, key: str) -> httpx.Response:
        if source == "dp" and key in self.records:  # ASCII JSON: "\ud800" as an escape
            body = json.dumps(self.records[key]).encode()
            return httpx.Response(200, content=body, headers={"content-type": "application/json"})
        if source == "github" and route == "repo":
            return httpx.Response(200, json=github_repo(key))
        if source == "github" and route == "stats/participation":
            return httpx.Response(200, json={"all": [1] * 52, "owner": [0] * 52})
        if source == "github" and route == "contributors":
            return httpx.Response(200, json=[{"login": "alice"}, {"login": "bob"}])
        if source == "github" and route == "commits":
            commit = {"commit": {"committer": {"date": "2024-01-02T00:00:00Z"}}}
            return httpx.Response(200, json=[commit])
        if source == "pypi":
            return httpx.Response(200, json=pypi_project(key))
        if source == "gitlab":
            return httpx.Response(
                200,
                json={
                    "path_with_namespace": key,
                    "star_count": 4,
                    "forks_count": 1,
                    "description": "gl",
                    "archived": False,
                    "license": {"name": "MIT"},
                },
            )
        if source == "codeberg":
            return httpx.Response(
                200,
                json={
                    "full_name": key,
                    "stars_count": 5,
                    "forks_count": 1,
                    "description": "cb",
                    "archived": False,
                    "licenses": ["MIT"],
                },
            )
        return httpx.Response(404, json={"detail": "Not found."})


@pytest.fixture
def world(cli: CliHarness) -> World:
    world = World()
    cli.transport = httpx.MockTransport(world.handle)
    return world


def view(cli: CliHarness, slug: str) -> dict[str, Any]:
    result = cli("show", slug, "--json", "--offline")
    assert result.exit_code == 0, result.stderr
    shown: dict[str, Any] = json.loads(result.stdout)
    return shown


def requests_to(world: World, needle: str) -> list[str]:
    return [str(r.url) for r in world.seen if needle in r.url.path]


# -- the baseline -------------------------------------------------------------------------


def test_the_world_refreshes_every_source_cleanly(world: World, cli: CliHarness) -> None:
    result = cli("fetch", *SLUGS)
    assert result.exit_code == 0, result.stderr
    assert view(cli, "pkg-gh")["repo_watchers"] == 10
    assert view(cli, "pkg-gl")["repo_watchers"] == 4
    assert view(cli, "pkg-cb")["repo_watchers"] == 5
    assert view(cli, "pkg-gh")["pypi_version"] == "1.0"


# -- the faults ---------------------------------------------------------------------------

CAP = 64 * 1024  # the body cap while these tests run (the real one is 32 MB)
TIMEOUT = 0.1  # PKGCLI_TIMEOUT while these tests run: a total deadline per request


def body_of(world: World, source: str, route: str, key: str) -> dict[str, Any] | list[Any]:
    decoded: Any = world.answer(source, route, key).json()
    return decoded  # type: ignore[no-any-return]


def changed(**changes: Any) -> Callable[[World, str, str], Fault]:
    """A fault that answers the real record with `changes` applied (dotted keys nest)."""

    def make(world: World, source: str, route: str) -> Fault:
        def fault(request: httpx.Request) -> httpx.Response:
            _, _, key = world.route(request)
            record = json.loads(json.dumps(body_of(world, source, route, key)))
            for dotted, value in changes.items():
                target = record
                *parents, last = dotted.split(".")
                for part in parents:
                    target = target[part]
                target[last] = value
            text = json.dumps(record, ensure_ascii=True)  # "\ud800" travels as an escape
            return httpx.Response(200, content=text.encode(), headers=JSON_TYPE)

        return fault

    return make


JSON_TYPE = {"content-type": "application/json"}


def fixed(response: Callable[[], httpx.Response]) -> Callable[[World, str, str], Fault]:
    return lambda world, source, route: lambda request: response()


class Chunks(httpx.SyncByteStream):
    """A streamed body from a generator (endless or slow, as the test needs)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks


def endless() -> Iterator[bytes]:
    yield b'{"x": "'
    while True:
        yield b"a" * 8192


def trickle() -> Iterator[bytes]:
    yield b'{"x": '
    while True:
        time.sleep(0.02)
        yield b" "


def dns_failure() -> httpx.Response:
    import socket

    try:
        raise socket.gaierror(-2, "Name or service not known")
    except socket.gaierror as cause:
        raise httpx.ConnectError("[Errno -2] Name or service not known") from cause


def refused() -> httpx.Response:
    raise httpx.ConnectError("[Errno 111] Connection refused")


BOMB = gzip.compress(b"[" + b" " * (CAP * 40) + b"]")  # ~2.6 MB of spaces in a few KB

BODY_FAULTS: dict[str, tuple[Callable[[World, str, str], Fault], str]] = {
    "huge body": (
        fixed(
            lambda: httpx.Response(200, content=b'["' + b"a" * CAP * 2 + b'"]', headers=JSON_TYPE)
        ),
        "sent an answer larger than 64 KB",
    ),
    "gzip bomb": (
        fixed(
            lambda: httpx.Response(
                200,
                stream=httpx.ByteStream(BOMB),
                headers={**JSON_TYPE, "content-encoding": "gzip"},
            )
        ),
        "sent an answer larger than 64 KB",
    ),
    "endless body": (
        fixed(lambda: httpx.Response(200, stream=Chunks(endless()), headers=JSON_TYPE)),
        "sent an answer larger than 64 KB",
    ),
    "trickled body": (
        fixed(lambda: httpx.Response(200, stream=Chunks(trickle()), headers=JSON_TYPE)),
        f"did not finish its answer within {TIMEOUT:g} s",
    ),
    "malformed json": (
        fixed(lambda: httpx.Response(200, content=b'{"full_name": ', headers=JSON_TYPE)),
        "malformed or truncated JSON",
    ),
    "html page": (
        fixed(
            lambda: httpx.Response(
                200, content=b"<html>hi</html>", headers={"content-type": "text/html"}
            )
        ),
        "HTML page instead of JSON",
    ),
    "dns failure": (fixed(dns_failure), "the host name does not resolve"),
    "refused": (fixed(refused), "connection refused"),
}

SETTINGS = {
    "dp": "PKGCLI_API_URL",
    "github": "PKGCLI_GITHUB_API_URL",
    "pypi": "PKGCLI_PYPI_URL",
    "gitlab": "PKGCLI_GITLAB_API_URL",
    "codeberg": "PKGCLI_CODEBERG_API_URL",
}
# The route broken for each source, the package it breaks and one that must proceed.
VICTIMS = {
    "dp": ("package", "pkg-gh", None),
    "github": ("repo", "pkg-gh", "pkg-gh2"),
    "pypi": ("project", "pkg-gh", "pkg-gh2"),
    "gitlab": ("project", "pkg-gl", "pkg-gh"),
    "codeberg": ("project", "pkg-cb", "pkg-gh"),
}


@pytest.fixture
def bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pkgcli_http, "MAX_BODY", CAP)
    monkeypatch.setenv("PKGCLI_TIMEOUT", str(TIMEOUT))


def one_package_failed(source: str) -> int:
    """The exit code when one package fails at one source and the rest are stored: 6 for
    the enrichment sources (the run journal's "finished, some packages failed"); a named
    package Django Packages cannot serve is still an upstream error (4)."""
    return EXIT_UPSTREAM if source == "dp" else EXIT_FAILED


def break_route(world: World, source: str, make: Callable[[World, str, str], Fault]) -> None:
    route, victim, _ = VICTIMS[source]
    real = make(world, source, route)
    victim_key = {"github": "good/one", "pypi": victim}.get(source)

    def only_the_victim(request: httpx.Request) -> httpx.Response:
        _, _, key = world.route(request)
        if victim_key is not None and key != victim_key:
            return world.answer(source, route, key)
        return real(request)

    world.faults[(source, route)] = only_the_victim


@pytest.mark.usefixtures("bounded")
@pytest.mark.parametrize("source", sorted(VICTIMS))
@pytest.mark.parametrize("fault", sorted(BODY_FAULTS))
def test_a_body_or_connection_fault_fails_one_package_of_one_source(
    world: World, cli: CliHarness, source: str, fault: str
) -> None:
    make, message = BODY_FAULTS[fault]
    break_route(world, source, make)
    result = cli("fetch", *SLUGS)
    assert result.exit_code == one_package_failed(source), result.stderr
    said = " ".join(result.stderr.split())  # the summary wraps at 80 columns
    assert message in said and "Traceback" not in said
    if fault in ("dns failure", "refused"):
        assert f"check {SETTINGS[source]}" in said
    route, victim, other = VICTIMS[source]
    asked = [str(r.url) for r in world.seen if world.route(r)[:2] == (source, route)]
    victim_urls = [u for u in asked if asked.count(u) > 1]
    assert all(asked.count(u) <= pkgcli_http.MAX_ATTEMPTS for u in asked)  # one budget
    if fault in ("dns failure", "huge body", "gzip bomb", "endless body"):
        assert victim_urls == []  # not retried: another attempt would not help
    assert_isolated(cli, result.stderr, source, victim, other, message)


def assert_isolated(
    cli: CliHarness, stderr: str, source: str, victim: str, other: str | None, message: str
) -> None:
    """Django Packages: one `pkgcli:` line, nothing stored. Other sources: the victim has
    no fresh data from that source, and the other package was refreshed by it."""
    if source == "dp":
        last = stderr.strip().splitlines()[-1]
        assert last.startswith("pkgcli: ") and message in last
        assert cli("show", victim, "--json", "--offline").exit_code != 0
        return
    assert other is not None
    hit = view(cli, victim)["pkgcli"]["sources"].get(source) or {}
    assert hit.get("status") != "ok" and not hit.get("fetched_at")
    proceeded = view(cli, other)["pkgcli"]["sources"]
    assert proceeded["github" if source in ("gitlab", "codeberg") else source]["status"] == "ok"


# -- wrong values: typed or unknown, never a crash or a poisoned batch ---------------------


def db_row(isolated_env: Path, table: str, package_slug: str) -> dict[str, Any]:
    with sqlite3.connect(isolated_env) as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute(
            f"SELECT t.* FROM {table} t JOIN packages p ON p.id = t.package_id WHERE p.slug = ?",
            (package_slug,),
        ).fetchone()
    assert row is not None, (table, package_slug)
    return dict(row)


HUGE, SURROGATE = 2**64, "bad \ud800 text"
# source → (the changes, the table, the stored columns expected)
VALUE_FAULTS: dict[str, tuple[dict[str, Any], str, dict[str, Any]]] = {
    "github": (
        {
            "description": SURROGATE,
            "stargazers_count": HUGE,
            "forks_count": -1,
            "archived": "false",
            "homepage": ["x"],
            "license": "MIT",
        },
        "github_repos",
        {
            "description": "bad \ufffd text",
            "stars": None,
            "forks": None,
            "archived": None,
            "homepage": None,
            "license": None,
        },
    ),
    "pypi": (
        {
            "info.version": 5,
            "info.requires_python": SURROGATE,
            "info.classifiers": "x",
            "urls": {"a": 1},
        },
        "pypi_projects",
        {
            "version": None,
            "requires_python": "bad \ufffd text",
            "python_versions": "[]",
            "latest_release_at": None,
        },
    ),
    "gitlab": (
        {
            "description": SURROGATE,
            "star_count": HUGE,
            "forks_count": -5,
            "archived": "false",
            "license": [1],
        },
        "forge_repos",
        {
            "description": "bad \ufffd text",
            "stars": None,
            "forks": None,
            "archived": None,
            "license": None,
        },
    ),
    "codeberg": (
        {
            "description": SURROGATE,
            "stars_count": -1,
            "forks_count": HUGE,
            "archived": 1,
            "licenses": "MIT",
        },
        "forge_repos",
        {
            "description": "bad \ufffd text",
            "stars": None,
            "forks": None,
            "archived": None,
            "license": None,
        },
    ),
}


@pytest.mark.parametrize("source", sorted(VALUE_FAULTS))
def test_wrong_values_are_stored_as_unknown_and_the_rest_as_sent(
    world: World, cli: CliHarness, isolated_env: Path, source: str
) -> None:
    changes, table, expected = VALUE_FAULTS[source]
    break_route(world, source, changed(**changes))
    result = cli("fetch", *SLUGS)
    assert result.exit_code == 0, result.stderr
    _, victim, other = VICTIMS[source]
    row = db_row(isolated_env, table, victim)
    assert {key: row[key] for key in expected} == expected
    assert row["status"] == "ok"  # the answer came: unknown values are not a failure
    other_table = "github_repos" if table == "forge_repos" else table
    assert db_row(isolated_env, other_table, other or victim)["status"] == "ok"


def test_wrong_values_from_django_packages_are_unknown_and_counted(
    world: World, cli: CliHarness, isolated_env: Path
) -> None:
    world.records["pkg-gh"].update(
        title=SURROGATE,
        repo_watchers=HUGE,
        repo_forks=-1,
        participants=["a", "\udfff", 3],
        commits_over_52=[1, -1],
        last_updated="²",
    )
    result = cli("fetch", *SLUGS, "--source", "djangopackages")
    assert result.exit_code == 0, result.stderr
    assert (
        "stored 5 unusable values from Django Packages as unknown: commits_over_52 (1), "
        "last_updated (1), participants (1), repo_forks (1), repo_watchers (1)"
    ) in result.stderr
    shown = view(cli, "pkg-gh")
    assert shown["title"] == "bad \ufffd text"
    assert (shown["repo_watchers"], shown["repo_forks"], shown["commits_over_52"]) == (0, 0, [])
    assert shown["participants"] == ["a", "\ufffd"]
    assert view(cli, "pkg-gh2")["title"] == "pkg-gh2"


# -- names from upstream: checked before stored or put in a URL ----------------------------

NAME_FAULTS: dict[str, tuple[dict[str, Any], str]] = {
    "github": ({"full_name": "../../../etc/passwd"}, "unusable repository name"),
    "pypi": ({"info.name": "../../x"}, "unusable project name"),
    "pypi-other": ({"info.name": "pkg-gh2"}, "the project 'pkg-gh2' when asked for 'pkg-gh'"),
    "gitlab": ({"path_with_namespace": "group/../../admin"}, "unusable project path"),
    "codeberg": ({"full_name": "../../admin"}, "unusable project path"),
}


@pytest.mark.parametrize("source", sorted(NAME_FAULTS))
def test_a_hostile_name_in_an_answer_is_neither_requested_nor_stored(
    world: World, cli: CliHarness, source: str
) -> None:
    changes, message = NAME_FAULTS[source]
    source = source.removesuffix("-other")
    break_route(world, source, changed(**changes))
    result = cli("fetch", *SLUGS)
    assert result.exit_code == one_package_failed(source), result.stderr
    said = " ".join(result.stderr.split())  # the summary wraps at 80 columns
    assert message in said and "Traceback" not in said
    assert not [r for r in world.seen if ".." in r.url.path or "/etc/" in r.url.path]
    _, victim, other = VICTIMS[source]
    assert_isolated(cli, result.stderr, source, victim, other, message)
    again = cli("fetch", *SLUGS)  # nothing poisoned the next run either
    assert not [r for r in world.seen if ".." in r.url.path or "/etc/" in r.url.path]
    assert again.exit_code == one_package_failed(source)


def test_a_hostile_slug_from_django_packages_is_skipped_with_a_note(
    world: World, cli: CliHarness
) -> None:
    world.records["pkg-gh"]["slug"] = "zz;touch${IFS}pwned"
    result = cli("fetch", *SLUGS, "--source", "djangopackages")
    assert result.exit_code == EXIT_UPSTREAM, result.stderr
    assert (
        "skipped 1 malformed record from Django Packages (e.g. the package record "
        "'zz;touch${IFS}pwned' (id 9000) when asked for 'pkg-gh')"
    ) in result.stderr
    assert "not stored (malformed on Django Packages): pkg-gh" in result.stderr
    assert [s for s in SLUGS if cli("show", s, "--offline").exit_code == 0] == SLUGS[1:]


# -- waits: one cap, announced, garbage ignored ---------------------------------------------


def status(code: int, **headers: str) -> Callable[[World, str, str], Fault]:
    """An answer with these headers, sent as UTF-8 bytes ("²" arrives as it would)."""
    raw = [(k.encode(), v.encode()) for k, v in headers.items()]
    return fixed(lambda: httpx.Response(code, json={"message": "slow down"}, headers=raw))


def once_then_real(world: World, source: str, make: Callable[[World, str, str], Fault]) -> None:
    """Break the victim route for its first request only."""
    route, _, _ = VICTIMS[source]
    fault, used = make(world, source, route), list[Any]()

    def first_only(request: httpx.Request) -> httpx.Response:
        if not used:
            used.append(request)
            return fault(request)
        return world.answer(source, route, world.route(request)[2])

    world.faults[(source, route)] = first_only


@pytest.mark.parametrize("source", ["dp", "pypi", "gitlab", "codeberg", "github"])
def test_a_retry_after_within_the_cap_is_waited_out_and_announced(
    world: World, cli: CliHarness, source: str
) -> None:
    once_then_real(world, source, status(503, **{"Retry-After": "7"}))
    result = cli("fetch", *SLUGS)
    assert result.exit_code == 0, result.stderr
    assert cli.sleeps == [7.0]
    assert re.search(
        r"unavailable \(503, maintenance or overload\): waiting 7 s as its Retry-After asks, "
        r"until \d\d:\d\d:\d\d UTC \(attempt 2 of 4\)",
        result.stderr,
    ), result.stderr


@pytest.mark.parametrize("source", ["dp", "pypi", "gitlab", "codeberg", "github"])
def test_a_retry_after_beyond_the_cap_fails_at_once(
    world: World, cli: CliHarness, source: str
) -> None:
    break_route(world, source, status(503, **{"Retry-After": "3600"}))
    result = cli("fetch", *SLUGS)
    assert result.exit_code == one_package_failed(source), result.stderr
    said = " ".join(result.stderr.split())  # the summary wraps at 80 columns
    assert "it asks to retry after 3600 s, more than pkgcli waits (60 s)" in said
    assert cli.sleeps == []


@pytest.mark.parametrize("value", ["soon", "²", "9" * 400, "Wed, 99 Foo 2015 07:28:00 GMT", "-5"])
def test_a_garbage_retry_after_is_ignored_for_the_backoff(
    world: World, cli: CliHarness, value: str
) -> None:
    break_route(world, "dp", status(503, **{"Retry-After": value}))
    result = cli("fetch", *SLUGS)
    assert result.exit_code == EXIT_UPSTREAM, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    if value == "9" * 400:  # a real, huge wait: refused at once, not waited
        assert "more than pkgcli waits (60 s)" in last and cli.sleeps == []
    else:  # garbage: ignored, the backoff used
        assert last.endswith("unavailable (503, maintenance or overload), after 4 attempts")
        assert cli.sleeps == [0.5, 1.0, 2.0]


@pytest.mark.parametrize("reset", ["9" * 30, "²", "-1", "1e9"])
def test_github_rate_limit_headers_never_crash(world: World, cli: CliHarness, reset: str) -> None:
    headers = {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": reset,
    }
    break_route(world, "github", status(403, **headers))
    result = cli("fetch", *SLUGS)
    assert result.exit_code == EXIT_UPSTREAM, result.stderr
    assert "GitHub rate limit" in result.stderr and "Traceback" not in result.stderr
    assert view(cli, "pkg-gh")["pkgcli"]["sources"]["pypi"]["status"] == "ok"


# -- pagination and redirects: by origin, never by text prefix ------------------------------


def test_a_contributors_link_to_a_lookalike_port_is_not_followed(
    world: World, cli: CliHarness
) -> None:
    base = "http://127.0.0.1:9/github"  # conftest's; 127.0.0.1:99 starts with the same text
    lookalike = "http://127.0.0.1:99/github/repos/good/one/contributors?page=2"

    def first_page(request: httpx.Request) -> httpx.Response:
        assert str(request.url).startswith(base)
        return httpx.Response(
            200, json=[{"login": "alice"}], headers={"link": f'<{lookalike}>; rel="next"'}
        )

    world.faults[("github", "contributors")] = first_page
    result = cli("fetch", *SLUGS)
    assert result.exit_code == 0, result.stderr
    assert not [r for r in world.seen if r.url.port == 99]
    assert view(cli, "pkg-gh")["participants"] == ["alice"]


def test_a_django_packages_redirect_off_its_origin_is_not_followed(
    world: World, cli: CliHarness
) -> None:
    elsewhere = "http://127.0.0.1:99/api/v4/packages/pkg-gh/"
    break_route(world, "dp", fixed(lambda: httpx.Response(301, headers={"location": elsewhere})))
    result = cli("fetch", *SLUGS)
    assert result.exit_code == EXIT_UPSTREAM, result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "pkgcli: Django Packages redirected 127.0.0.1:9/api/v4/packages/pkg-gh/ off its "
        "origin (to '127.0.0.1:99/api/v4/packages/pkg-gh/'); not followed"
    )
    assert not [r for r in world.seen if r.url.port == 99]


# -- Django Packages answers that are not what was asked ------------------------------------


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (None, "a null answer for package 'pkg-gh' (no record)"),
        ("other", "the package record 'pkg-gh2' (id 9001) when asked for 'pkg-gh'"),
    ],
)
def test_a_detail_answer_that_is_not_the_package_asked_stores_nothing_wrong(
    world: World, cli: CliHarness, answer: Any, message: str
) -> None:
    body = json.dumps(world.records["pkg-gh2"] if answer == "other" else None).encode()
    break_route(world, "dp", fixed(lambda: httpx.Response(200, content=body, headers=JSON_TYPE)))
    result = cli("fetch", *SLUGS, "--source", "djangopackages")
    assert result.exit_code == EXIT_UPSTREAM, result.stderr
    assert f"skipped 1 malformed record from Django Packages (e.g. {message})" in result.stderr
    assert cli("show", "pkg-gh", "--offline").exit_code != 0  # not stored under any name
    assert view(cli, "pkg-gh2")["id"] == 9001 and view(cli, "pkg-gl")["title"] == "pkg-gl"


# -- GitHub GraphQL of the wrong shape ------------------------------------------------------

GOOD_NODE = {"nameWithOwner": "good/one", "stargazerCount": 7, "isArchived": False}


@pytest.mark.parametrize(
    "answer",
    [
        {"errors": 5},
        {"data": {"r0": {**GOOD_NODE, "defaultBranchRef": {"target": []}}}},
        {"data": {"r0": {**GOOD_NODE, "defaultBranchRef": {"target": "main"}}}},
        {"data": {"r0": {**GOOD_NODE, "defaultBranchRef": {"target": {"history": {"nodes": 5}}}}}},
        {"data": {"r0": {**GOOD_NODE, "defaultBranchRef": {"target": {"history": {"nodes": {}}}}}}},
        {"data": {"r0": {**GOOD_NODE, "nameWithOwner": "../../etc/passwd"}}},
        {"data": [], "errors": [{"path": "r0", "type": ["x"]}, 7]},
    ],
)
def test_malformed_graphql_is_unknown_and_the_run_goes_on(
    world: World, cli: CliHarness, monkeypatch: pytest.MonkeyPatch, answer: Any
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_pkgcliTestToken0123456789abcdef")
    world.faults[("github", "graphql")] = lambda request: httpx.Response(200, json=answer)
    result = cli("fetch", *SLUGS)
    assert "Traceback" not in result.stderr and result.exit_code == 0, result.stderr
    assert requests_to(world, "/graphql")
    assert not [r for r in world.seen if "/etc/" in r.url.path]
    for slug in ("pkg-gh", "pkg-gh2"):  # what GraphQL could not say, REST or GraphQL did
        assert view(cli, slug)["pkgcli"]["sources"]["github"]["status"] == "ok"


# -- Django Packages lists: bounded passes, no double counts, no misplaced records ----------


@pytest.fixture
def catalogue_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from tests.fake.catalogue import generate_catalogue
    from tests.fake.server import FakeUpstream

    with FakeUpstream(generate_catalogue(120, 10, 4, 0)) as fake:
        monkeypatch.setenv("PKGCLI_API_URL", fake.api_url)
        yield fake


def serve_pages(fake: Any, table_name: str, change: Callable[[Any, dict[str, Any]], Any]) -> None:
    """Serve one list's pages through `change(request, real_page)`."""
    real = fake.djangopackages.page

    def page(request: Any, table: dict[int, Any]) -> dict[str, Any]:
        answer = real(request, table)
        if table is getattr(fake.catalogue, table_name):
            answer = change(request, answer)
        return answer  # type: ignore[no-any-return]

    fake.djangopackages.page = page


def packages_in_db(isolated_env: Path) -> int:
    with sqlite3.connect(isolated_env) as conn:
        return int(conn.execute("SELECT count(*) FROM packages").fetchone()[0])


def test_a_lying_count_with_endless_pages_stops_at_what_the_mirror_makes_plausible(
    catalogue_server: Any, cli: CliHarness, isolated_env: Path
) -> None:
    assert cli("fetch", "--all", "--source", "djangopackages").exit_code == 0
    mirrored = packages_in_db(isolated_env)
    template = next(iter(catalogue_server.catalogue.packages.values()))

    def invented(request: Any, page: dict[str, Any]) -> dict[str, Any]:
        offset = int(request.param("offset") or 0)
        fresh = [
            {**template, "id": 10**6 + offset + i, "slug": f"invented-{offset + i}", "grids": []}
            for i in range(100)
        ]
        return {"count": 10**9, "next": request.url + "&more", "results": fresh}

    serve_pages(catalogue_server, "packages", invented)
    result = cli("fetch", "--all", "--source", "djangopackages")
    assert result.exit_code == EXIT_UPSTREAM, result.stderr
    plausible = mirrored + 1_000  # more than 10% of 120: the slack decides
    pages = plausible // 100 + 3
    assert result.stderr.strip().splitlines()[-1] == (
        f"pkgcli: Django Packages kept listing packages past what is plausible (it counts "
        f"1,000,000,000; the mirror holds {mirrored:,}): stopped after {pages:,} pages; the "
        "packages read are kept and none is flagged gone"
    )
    assert packages_in_db(isolated_env) == mirrored + pages * 100  # not ~1M invented ones
    with sqlite3.connect(isolated_env) as conn:
        assert conn.execute(
            "SELECT count(*) FROM packages WHERE gone_at IS NOT NULL"
        ).fetchone() == (0,)


def test_a_record_listed_on_two_pages_is_stored_and_counted_once(
    catalogue_server: Any, cli: CliHarness, isolated_env: Path
) -> None:
    first: list[Any] = []

    def repeat_first(request: Any, page: dict[str, Any]) -> dict[str, Any]:
        if not first:
            first.append(page["results"][0])
        elif int(request.param("offset") or 0) == 100:
            page["results"][-1] = first[0]  # the list shifted: one record shows twice
        return page

    serve_pages(catalogue_server, "packages", repeat_first)
    result = cli("fetch", "--all", "--source", "djangopackages")
    assert result.exit_code == 0, result.stderr
    assert packages_in_db(isolated_env) == 119  # one of the 120 was pushed out by the repeat
    assert "fetched 119 packages" in result.stderr  # the repeat is counted once, as stored


def test_package_records_in_the_grid_list_are_skipped_with_a_note(
    catalogue_server: Any, cli: CliHarness, isolated_env: Path
) -> None:
    package = next(iter(catalogue_server.catalogue.packages.values()))

    def misplaced(request: Any, page: dict[str, Any]) -> dict[str, Any]:
        return {**page, "results": [*page["results"][:-1], package]}

    serve_pages(catalogue_server, "grids", misplaced)
    result = cli("fetch", "--all", "--source", "djangopackages")
    assert f"a package record (id {package['id']}) where a grid belongs" in result.stderr
    with sqlite3.connect(isolated_env) as conn:
        slugs = {s for (s,) in conn.execute("SELECT slug FROM grids")}
    assert package["slug"] not in slugs and len(slugs) == 9
    assert packages_in_db(isolated_env) == 120  # the packages went on
