"""The fake GitHub's rate limits: a configurable quota per window on an injectable clock.

Driven with plain `http.client` (the helpers of test_fake_upstream), so nothing here
depends on pkgcli's own HTTP client.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fake import FakeUpstream, generate_catalogue
from tests.fake.github import FakeGitHub, FakeRepo
from tests.test_fake_upstream import fetch

TOKEN = {"Authorization": "Bearer t0ken"}


class Clock:
    """A clock a test moves by hand."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def github(clock: Clock) -> Iterator[tuple[FakeUpstream, FakeGitHub]]:
    fake_github = FakeGitHub(
        [FakeRepo(1, "octo/one", commit_count=3), FakeRepo(2, "octo/two", commit_count=3)],
        quota=3,
        window=10.0,
        clock=clock,
    )
    with FakeUpstream() as server:
        server.mount("/github", fake_github)
        yield server, fake_github


def limits(headers: dict[str, str]) -> tuple[str, ...]:
    names = ("limit", "remaining", "reset", "used", "resource")
    return tuple(headers[f"x-ratelimit-{name}"] for name in names)


def get(server: FakeUpstream, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    return fetch(f"{server.base_url}/github{path}", headers={**TOKEN, **headers})


def graphql(server: FakeUpstream) -> tuple[int, dict[str, str], Any]:
    query = {"query": 'query { r: repository(owner: "octo", name: "one") { id } }'}
    status, headers, body = fetch(
        f"{server.base_url}/github/graphql",
        method="POST",
        headers={**TOKEN, "Content-Type": "application/json"},
        body=json.dumps(query).encode(),
    )
    return status, headers, json.loads(body)


def test_the_quota_counts_down_then_403_until_the_window_resets(
    github: tuple[FakeUpstream, FakeGitHub], clock: Clock
) -> None:
    server, _ = github
    reset = str(int(clock.now) + 10)
    seen = [limits(get(server, "/repos/octo/one")[1]) for _ in range(3)]
    assert seen == [
        ("3", "2", reset, "1", "core"),
        ("3", "1", reset, "2", "core"),
        ("3", "0", reset, "3", "core"),
    ]
    status, headers, body = get(server, "/repos/octo/two")
    assert status == 403 and limits(headers) == ("3", "0", reset, "3", "core")
    assert json.loads(body)["message"].startswith("API rate limit exceeded")
    clock.now += 9.5
    assert get(server, "/repos/octo/two")[0] == 403  # the window has not ended yet
    clock.now += 0.5
    status, headers, _ = get(server, "/repos/octo/two")
    assert status == 200
    assert limits(headers) == ("3", "2", str(int(clock.now) + 10), "1", "core")


def test_304s_are_free(github: tuple[FakeUpstream, FakeGitHub]) -> None:
    server, _ = github
    _, headers, _ = get(server, "/repos/octo/one")
    status, again, _ = get(server, "/repos/octo/one", **{"If-None-Match": headers["etag"]})
    assert status == 304 and again["x-ratelimit-remaining"] == "2"


def test_rate_limit_is_free_and_truthful(
    github: tuple[FakeUpstream, FakeGitHub], clock: Clock
) -> None:
    server, _ = github
    for _ in range(4):  # the last one is refused: the quota is spent
        get(server, "/repos/octo/one")
    graphql(server)
    for _ in range(3):
        status, headers, body = get(server, "/rate_limit")
        assert status == 200
        assert limits(headers) == ("3", "0", str(int(clock.now) + 10), "3", "core")
    resources = json.loads(body)["resources"]
    reset = int(clock.now) + 10
    assert resources["core"] == {"limit": 3, "used": 3, "remaining": 0, "reset": reset}
    assert resources["graphql"] == {"limit": 3, "used": 1, "remaining": 2, "reset": reset}
    assert json.loads(body)["rate"] == resources["core"]
    clock.now += 10
    resources = json.loads(get(server, "/rate_limit")[2])["resources"]
    assert resources["core"]["remaining"] == 3 and resources["graphql"]["remaining"] == 3


def test_graphql_is_its_own_resource(github: tuple[FakeUpstream, FakeGitHub]) -> None:
    server, fake_github = github
    fake_github.graphql_limit = 5
    fake_github.quotas.clear()
    for _ in range(3):
        get(server, "/repos/octo/one")
    status, headers, body = graphql(server)
    assert status == 200 and body["data"]["r"]["databaseId"] == 1
    assert limits(headers)[:2] == ("5", "4") and headers["x-ratelimit-resource"] == "graphql"
    assert get(server, "/repos/octo/one")[0] == 403  # core is spent, GraphQL is not


def test_anonymous_callers_have_their_own_smaller_quota(clock: Clock) -> None:
    fake_github = FakeGitHub([FakeRepo(1, "octo/one")], anonymous_quota=1, clock=clock)
    with FakeUpstream() as server:
        server.mount("/github", fake_github)
        url = f"{server.base_url}/github/repos/octo/one"
        assert fetch(url)[0] == 200 and fetch(url)[0] == 403
        assert fetch(url, headers=TOKEN)[1]["x-ratelimit-limit"] == "5000"


def test_a_window_must_be_positive() -> None:
    with pytest.raises(ValueError):
        FakeGitHub(window=0)


def test_entry_point_sets_the_github_quota_and_window() -> None:
    process = subprocess.Popen(
        [
            sys.executable, "-m", "tests.fake", "--packages", "30", "--grids", "3",
            "--github-quota", "7", "--github-window", "2.5",
        ],
        cwd=Path(__file__).parent.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert re.fullmatch(r"READY http://127\.0\.0\.1:\d+\n", line), line
        base = line.split()[1]
        status, headers, body = fetch(f"{base}/github/rate_limit", headers=TOKEN)
        core = json.loads(body)["resources"]["core"]
        assert status == 200 and core["limit"] == 7 and core["remaining"] == 7
        assert headers["x-ratelimit-limit"] == "7"
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=5)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0


def test_from_catalogue_takes_the_quota_and_window(clock: Clock) -> None:
    catalogue = generate_catalogue(30, 3, seed=1)
    fake_github = FakeGitHub.from_catalogue(catalogue, quota=9, window=60, clock=clock)
    assert fake_github.quota("t").limit == 9
    assert fake_github.quota("t").reset == int(clock.now) + 60
