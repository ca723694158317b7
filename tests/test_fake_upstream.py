"""The fake Django Packages API v4 keeps the upstream contract (docs/upstream.md, section 1).

Driven with plain `http.client`, so nothing here depends on pkgcli's own HTTP client.
Fixtures live in this file (tests/conftest.py belongs to another module of the suite).
"""

from __future__ import annotations

import html
import http.client
import json
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from tests.fake import (
    Catalogue,
    FakeUpstream,
    Request,
    Response,
    generate_catalogue,
    link_id,
    load_fixture_catalogue,
    load_fixture_records,
    merge,
    new_package_record,
)
from tests.fake.catalogue import CATEGORY_KEYS, GRID_KEYS, PACKAGE_KEYS

FIXTURES = Path(__file__).parent / "fixtures" / "djangopackages"
JSON = "application/json"
NEW_YORK = ZoneInfo("America/New_York")
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?(-0[45]:00)$")


# --------------------------------------------------------------------------- helpers


def fetch(
    url: str,
    *,
    accept: str | None = JSON,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    timeout: float = 5,
    body: bytes | None = None,
) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)
    try:
        sent = {"Accept": accept} if accept else {}
        sent.update(headers or {})
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, target, body=body, headers=sent)
        response = conn.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        conn.close()


def get_json(url: str) -> Any:
    status, headers, body = fetch(url)
    assert status == 200, (status, body[:200])
    assert headers["content-type"] == JSON
    return json.loads(body)


def pre_json(page: bytes) -> Any:
    """The JSON a browsable-API page shows inside its <pre>."""
    match = re.search(r"<pre[^>]*>.*</span>(.*)</pre>", page.decode(), re.DOTALL)
    assert match, page[:300]
    return json.loads(html.unescape(match.group(1)))


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def big_catalogue() -> Catalogue:
    return generate_catalogue()  # the one full-size catalogue of this module: never mutate it


@pytest.fixture(scope="module")
def _big_server(big_catalogue: Catalogue) -> Iterator[FakeUpstream]:
    with FakeUpstream(big_catalogue) as fake:
        yield fake


@pytest.fixture(scope="module")
def _small_server() -> Iterator[FakeUpstream]:
    with FakeUpstream(generate_catalogue(120, 12, seed=3)) as fake:
        yield fake


@pytest.fixture(scope="module")
def _fixture_server() -> Iterator[FakeUpstream]:
    with FakeUpstream(load_fixture_catalogue(FIXTURES)) as fake:
        yield fake


def _reset(fake: FakeUpstream) -> FakeUpstream:
    fake.faults.clear()
    fake.latency = 0.0
    fake.maintenance = False
    fake.requests.clear()
    return fake


@pytest.fixture
def big(_big_server: FakeUpstream) -> Iterator[FakeUpstream]:
    yield _reset(_big_server)
    _reset(_big_server)


@pytest.fixture
def small(_small_server: FakeUpstream) -> Iterator[FakeUpstream]:
    yield _reset(_small_server)
    _reset(_small_server)


@pytest.fixture
def real(_fixture_server: FakeUpstream) -> Iterator[FakeUpstream]:
    yield _reset(_fixture_server)
    _reset(_fixture_server)


@pytest.fixture
def fresh() -> Iterator[FakeUpstream]:
    """A server over its own small catalogue, for tests that edit the catalogue."""
    with FakeUpstream(generate_catalogue(40, 5, seed=11)) as fake:
        yield fake


# --------------------------------------------------------------------------- generator


def test_generator_is_deterministic() -> None:
    one, two = generate_catalogue(150, 10, seed=7), generate_catalogue(150, 10, seed=7)
    assert json.dumps(dict(one.packages)) == json.dumps(dict(two.packages))
    assert json.dumps(one.grids) == json.dumps(two.grids)
    assert one.packages != generate_catalogue(150, 10, seed=8).packages


def test_generated_shape(big_catalogue: Catalogue) -> None:
    cat = big_catalogue
    assert len(cat.packages) == 6000 and len(cat.grids) == 400
    assert max(cat.packages) <= 6000 * 1.05 + 1 and max(cat.packages) > 6000  # gaps
    assert all(tuple(p) == PACKAGE_KEYS for p in cat.packages.values())
    assert all(tuple(g) == GRID_KEYS for g in cat.grids.values())
    assert all(tuple(c) == CATEGORY_KEYS for c in cat.categories.values())
    assert [(c["title"], c["slug"]) for c in cat.categories.values()] == [
        ("App", "apps"),
        ("Framework", "frameworks"),
        ("Project", "projects"),
        ("Other", "other"),
    ]
    assert cat.unresolved_links() == []
    sizes = [len(g["packages"]) for g in cat.grids.values()]
    assert 200 <= max(sizes) <= 250 and min(sizes) == 0
    assert max(len(p["grids"]) for p in cat.packages.values()) <= 6
    members = {gid: {link_id(u) for u in g["packages"]} for gid, g in cat.grids.items()}
    listed = {pid: {link_id(u) for u in p["grids"]} for pid, p in cat.packages.items()}
    assert all(pid in members[gid or 0] for pid, gids in listed.items() for gid in gids)
    assert all(gid in listed[pid or 0] for gid, pids in members.items() for pid in pids)
    slugs = [p["slug"] for p in cat.packages.values()]
    assert len(set(slugs)) == len(slugs) and max(map(len, slugs)) == 50
    assert any("_" in s for s in slugs)
    assert len({g["slug"] for g in cat.grids.values()}) == 400


def test_generated_oddities(big_catalogue: Catalogue) -> None:
    ps = list(big_catalogue.packages.values())

    def some(predicate: Any, at_least: int = 5) -> None:
        assert sum(1 for p in ps if predicate(p)) >= at_least

    assert {len(p["commits_over_52"]) for p in ps} == {0, 52}
    some(lambda p: p["commits_over_52"] == [])
    some(lambda p: p["last_updated"] is None)
    some(lambda p: p["last_fetched"] is not None and p["last_fetched"] < "2023")
    some(lambda p: p["participants"] == [])
    some(lambda p: "dependabot[bot]" in p["participants"])
    some(lambda p: p["repo_description"] == "")
    some(lambda p: p["repo_watchers"] == 0 and p["repo_forks"] == 0 and p["participants"])
    some(lambda p: p["pypi_version"] is None and p["pypi_url"] == "")
    some(lambda p: p["pypi_version"] is not None and p["pypi_url"] == "")
    for prefix in ("http://pypi.python.org/pypi/", "https://pypi.org/project/"):
        some(lambda p, prefix=prefix: p["pypi_url"].startswith(prefix))
    some(lambda p: p["pypi_url"].startswith("https://pypi.org/") and p["pypi_url"][-1] != "/")
    some(lambda p: p["pypi_url"] and "/" not in p["pypi_url"])  # a bare name
    some(lambda p: p["documentation_url"] is None)
    some(lambda p: p["documentation_url"] == "")
    some(lambda p: (p["documentation_url"] or "").startswith("http"))
    some(lambda p: p["title"] != p["slug"] and p["slug"] not in p["title"].lower())
    assert len({p["title"] for p in ps}) < len(ps)  # titles repeat
    for host in ("github.com", "gitlab.com", "bitbucket.org", "launchpad.net"):
        some(lambda p, host=host: host in p["repo_url"])
    some(lambda p: p["repo_url"] == "")
    some(lambda p: p["repo_url"].startswith("http://github.com/"))
    some(lambda p: re.match(r"https?://github\.com/[A-Z]", p["repo_url"]) is not None)
    some(lambda p: p["repo_url"].count("/") >= 5 and "gitlab.com" in p["repo_url"])  # groups
    some(lambda p: p["category"].endswith("?format=api"), at_least=len(ps) // 2)
    some(lambda p: "://www.djangopackages.org/" in p["category"])
    some(lambda p: "\r\n" in p["repo_description"])
    some(lambda p: '"' in p["repo_description"])
    some(lambda p: "  " in p["repo_description"])
    some(lambda p: p["repo_description"].endswith(" "))
    some(lambda p: any(ch in p["repo_description"] for ch in "éü中🚀"))
    some(lambda p: bool(p["last_updated"]) and p["created"][:19] > p["last_updated"][:19])


def test_generated_timestamps_use_new_york_offsets(big_catalogue: Catalogue) -> None:
    stamps = [
        p[key]
        for p in list(big_catalogue.packages.values())[:800]
        for key in ("last_updated", "last_fetched", "created", "modified")
        if p[key] is not None
    ]
    assert all(STAMP.match(s) for s in stamps)
    for stamp in stamps:
        parsed = datetime.fromisoformat(stamp)
        assert parsed.utcoffset() == parsed.astimezone(NEW_YORK).utcoffset(), stamp
    assert {s[-6:] for s in stamps} == {"-05:00", "-04:00"}
    assert any("." in s for s in stamps) and any("." not in s for s in stamps)
    assert any(
        len({p[k][-6:] for k in ("created", "modified")}) == 2
        for p in big_catalogue.packages.values()
    )


# --------------------------------------------------------------------------- pagination


def test_list_envelope_default_page(small: FakeUpstream) -> None:
    page = get_json(f"{small.api_url}/packages/")
    assert list(page) == ["count", "next", "previous", "results"]
    assert page["count"] == 120 and len(page["results"]) == 20
    assert page["next"] == f"{small.api_url}/packages/?limit=20&offset=20"
    assert page["previous"] is None
    ids = [p["id"] for p in page["results"]]
    assert ids == sorted(small.catalogue.packages, reverse=True)[:20]


@pytest.mark.parametrize(
    ("query", "previous", "next_"),
    [
        ("limit=20&offset=40", "?limit=20&offset=20", "?limit=20&offset=60"),
        ("limit=20&offset=20", "?limit=20", "?limit=20&offset=40"),
        ("offset=10", "?limit=20", "?limit=20&offset=30"),
        ("offset=100&limit=20", "?limit=20&offset=80", None),
        # other parameters are kept, and DRF re-encodes them in sorted order
        (
            "offset=5&format=json&limit=5&q=x",
            "?format=json&limit=5&q=x",
            "?format=json&limit=5&offset=10&q=x",
        ),
    ],
)
def test_list_links_follow_drf(
    small: FakeUpstream, query: str, previous: str, next_: str | None
) -> None:
    page = get_json(f"{small.api_url}/packages/?{query}")
    base = f"{small.api_url}/packages/"
    assert page["previous"] == base + previous
    assert page["next"] == (base + next_ if next_ else None)


@pytest.mark.parametrize(
    ("query", "limit", "offset"),
    [
        ("limit=abc", 20, 0),
        ("limit=0", 20, 0),
        ("limit=-3", 20, 0),
        ("offset=-1&limit=7", 7, 0),
        ("offset=x&limit=7", 7, 0),
        ("limit=5&limit=9", 9, 0),  # the last value wins, as in Django's QueryDict
        ("limit=100000", 120, 0),  # no maximum
    ],
)
def test_bad_limit_and_offset_fall_back(
    small: FakeUpstream, query: str, limit: int, offset: int
) -> None:
    page = get_json(f"{small.api_url}/packages/?{query}")
    ids = sorted(small.catalogue.packages, reverse=True)
    assert [p["id"] for p in page["results"]] == ids[offset : offset + limit]


def test_offset_past_the_end(small: FakeUpstream) -> None:
    page = get_json(f"{small.api_url}/grids/?offset=500")
    assert page["results"] == [] and page["next"] is None and page["count"] == 12
    assert page["previous"] == f"{small.api_url}/grids/?limit=20&offset=480"


def test_next_links_chain_over_every_package(big: FakeUpstream) -> None:
    url: str | None = f"{big.api_url}/packages/?limit=100"
    seen: list[int] = []
    while url:
        assert url.startswith(big.api_url)
        page = get_json(url)
        seen += [p["id"] for p in page["results"]]
        url = page["next"]
    assert seen == sorted(big.catalogue.packages, reverse=True)
    assert len(big.requests) == 60


def test_grids_and_categories_lists(small: FakeUpstream) -> None:
    grids = get_json(f"{small.api_url}/grids/?limit=100")
    assert [g["id"] for g in grids["results"]] == sorted(small.catalogue.grids, reverse=True)
    categories = get_json(f"{small.api_url}/categories/")
    assert [c["id"] for c in categories["results"]] == [4, 3, 2, 1]
    assert categories["next"] is None


def test_full_sync_with_latency_and_four_in_flight(big: FakeUpstream) -> None:
    big.latency = 0.03
    offsets = list(range(0, 6000, 100))
    ids: list[int] = []
    lock = threading.Lock()

    def worker(mine: list[int]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", big.port, timeout=5)
        try:
            for offset in mine:
                # keep-alive: one connection per worker serves all of its pages
                path = f"/api/v4/packages/?limit=100&offset={offset}"
                conn.request("GET", path, headers={"Accept": JSON})
                response = conn.getresponse()
                assert response.status == 200
                body = response.read()
                with lock:
                    ids.extend(p["id"] for p in json.loads(body)["results"])
        finally:
            conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(offsets[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    assert sorted(ids) == sorted(big.catalogue.packages)
    assert elapsed < 2.0, elapsed  # 15 rounds of 30 ms; the benchmark allows < 3 s


def test_a_page_of_100_is_served_in_a_few_ms(big: FakeUpstream) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", big.port, timeout=5)
    try:
        timings = []
        for offset in (0, 2000, 5900):
            started = time.perf_counter()
            conn.request("GET", f"/api/v4/packages/?limit=100&offset={offset}&format=json")
            assert len(json.loads(conn.getresponse().read())["results"]) == 100
            timings.append(time.perf_counter() - started)
    finally:
        conn.close()
    assert min(timings) < 0.02, timings


def test_keep_alive(small: FakeUpstream) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", small.port, timeout=5)
    try:
        conn.request("GET", "/api/v4/categories/", headers={"Accept": JSON})
        conn.getresponse().read()
        sock = conn.sock
        conn.request("GET", "/api/v4/grids/", headers={"Accept": JSON})
        response = conn.getresponse()
        assert response.status == 200 and response.getheader("Connection") is None
        response.read()
        assert conn.sock is sock and sock is not None
    finally:
        conn.close()


# --------------------------------------------------------------------------- lookups and errors


def test_lookup_by_id_or_slug(small: FakeUpstream) -> None:
    package = next(iter(small.catalogue.packages.values()))
    assert get_json(f"{small.api_url}/packages/{package['id']}/") == package
    assert get_json(f"{small.api_url}/packages/{package['slug']}/") == package
    grid = next(iter(small.catalogue.grids.values()))
    assert get_json(f"{small.api_url}/grids/{grid['slug']}/") == grid
    assert get_json(f"{small.api_url}/grids/{grid['id']}/") == grid
    assert get_json(f"{small.api_url}/categories/2/")["slug"] == "frameworks"


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        ("packages/999999/", "No Package matches the given query."),
        ("packages/no-such-slug/", "No Package matches the given query."),
        ("grids/no-such-grid/", "No Grid matches the given query."),
        ("grids/0/", "No Grid matches the given query."),
        ("categories/apps/", "No Category matches the given query."),  # ids only
        ("categories/99/", "No Category matches the given query."),
    ],
)
def test_not_found_detail(small: FakeUpstream, path: str, detail: str) -> None:
    status, headers, body = fetch(f"{small.api_url}/{path}")
    assert (status, headers["content-type"]) == (404, JSON)
    assert json.loads(body) == {"detail": detail}


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/api/v4/packages?limit=5&offset=10", "/api/v4/packages/?limit=5&offset=10"),
        ("/api/v4/packages/34", "/api/v4/packages/34/"),
        ("/api/v4/grids/some-slug", "/api/v4/grids/some-slug/"),
        ("/api/v4", "/api/v4/"),
        ("/api/v4/search?q=oauth", "/api/v4/search/?q=oauth"),
    ],
)
def test_missing_trailing_slash_redirects(small: FakeUpstream, path: str, location: str) -> None:
    status, headers, _ = fetch(small.base_url + path)
    assert status == 301 and headers["location"] == location


@pytest.mark.parametrize("path", ["/", "/api/v4/nothing/", "/api/v4/search/12/", "/api/v3/x/"])
def test_unknown_path_is_an_html_404(small: FakeUpstream, path: str) -> None:
    status, headers, body = fetch(small.base_url + path)
    assert status == 404 and headers["content-type"].startswith("text/html")
    assert b"<h1>Not Found</h1>" in body


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_writes_are_not_allowed(small: FakeUpstream, method: str) -> None:
    status, headers, body = fetch(f"{small.api_url}/packages/", method=method)
    assert status == 405 and headers["allow"] == "GET, HEAD, OPTIONS"
    assert json.loads(body) == {"detail": f'Method "{method}" not allowed.'}


def test_head_has_length_and_no_body(small: FakeUpstream) -> None:
    _, get_headers, get_body = fetch(f"{small.api_url}/packages/")
    status, headers, body = fetch(f"{small.api_url}/packages/", method="HEAD")
    assert status == 200 and body == b""
    assert int(headers["content-length"]) == len(get_body) == int(get_headers["content-length"])


def test_api_root(small: FakeUpstream) -> None:
    root = get_json(f"{small.api_url}/")
    assert root == {
        k: f"{small.api_url}/{k}/" for k in ("packages", "search", "grids", "categories")
    }


# --------------------------------------------------------------------------- negotiation


@pytest.mark.parametrize("accept", [None, "*/*", "text/html", "text/html,*/*;q=0.8"])
def test_browsable_html_unless_json_is_asked_for(small: FakeUpstream, accept: str | None) -> None:
    url = f"{small.api_url}/packages/?limit=3"
    status, headers, body = fetch(url, accept=accept)
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert body.startswith(b"<!DOCTYPE html>")
    assert pre_json(body) == get_json(url)


@pytest.mark.parametrize(
    ("accept", "query"),
    [
        (None, "format=json"),
        ("application/json; q=0.9, text/html; q=0.8", ""),
        ("text/html, application/json", ""),
    ],
)
def test_json_when_asked_for(small: FakeUpstream, accept: str | None, query: str) -> None:
    status, headers, body = fetch(f"{small.api_url}/categories/?{query}", accept=accept)
    assert (status, headers["content-type"]) == (200, JSON)
    assert json.loads(body)["count"] == 4


def test_format_api_forces_html(small: FakeUpstream) -> None:
    _, headers, _ = fetch(f"{small.api_url}/categories/?format=api")
    assert headers["content-type"].startswith("text/html")


def test_errors_are_negotiated_too(small: FakeUpstream) -> None:
    status, headers, body = fetch(f"{small.api_url}/packages/nope/", accept=None)
    assert status == 404 and headers["content-type"].startswith("text/html")
    assert pre_json(body) == {"detail": "No Package matches the given query."}


# --------------------------------------------------------------------------- search


def test_search(real: FakeUpstream) -> None:
    hits = get_json(f"{real.api_url}/search/?q=oauth")
    documented = json.loads((FIXTURES / "v4-docs-search-REST.json").read_text())[0]
    assert hits and all(set(h) == set(documented) | {"score"} for h in hits)
    top = hits[0]
    assert top["slug"] == "django-oauth-toolkit" and top["category"] == "App"
    assert top["participants"].startswith("synasius,masci,")
    assert {h["item_type"] for h in hits} == {"package", "grid"}  # grids 125/126 are OAuth
    weights = [h["weight"] for h in hits]
    assert weights == sorted(weights, reverse=True)


def test_search_is_capped_at_20_and_empty_without_q(big: FakeUpstream) -> None:
    assert len(get_json(f"{big.api_url}/search/?q=django")) == 20
    assert get_json(f"{big.api_url}/search/") == []
    assert get_json(f"{big.api_url}/search/?q=zzzzqqqq") == []


# --------------------------------------------------------------------------- faults


@pytest.mark.parametrize(
    ("kind", "opts", "retry_after"),
    [
        ("500", {}, None),
        ("503", {}, "1"),
        ("503", {"retry_after": 30}, "30"),
        ("429", {"retry_after": 7}, "7"),
    ],
)
def test_status_faults(
    small: FakeUpstream, kind: str, opts: dict[str, Any], retry_after: str | None
) -> None:
    small.faults.add(kind, **opts)
    status, headers, _ = fetch(f"{small.api_url}/packages/")
    assert status == int(kind) and headers.get("retry-after") == retry_after
    assert fetch(f"{small.api_url}/packages/")[0] == 200  # used up
    assert len(small.faults) == 0


def test_fault_path_times_and_order(small: FakeUpstream) -> None:
    grids_fault = small.faults.add("500", path=r"/grids/\d+/", times=2)
    small.faults.add("503", path="/api/v4/categories/")
    small.faults.add("429", path="/api/v4/categories/")
    assert fetch(f"{small.api_url}/packages/")[0] == 200
    assert fetch(f"{small.api_url}/categories/")[0] == 503
    assert fetch(f"{small.api_url}/categories/")[0] == 429
    assert fetch(f"{small.api_url}/categories/")[0] == 200
    grid_id = next(iter(small.catalogue.grids))
    assert [fetch(f"{small.api_url}/grids/{grid_id}/")[0] for _ in range(3)] == [500, 500, 200]
    assert grids_fault.hits == 2 and grids_fault.remaining == 0


def test_unlimited_fault_until_cleared(small: FakeUpstream) -> None:
    small.faults.add("503", times=None)
    assert [fetch(f"{small.api_url}/grids/")[0] for _ in range(3)] == [503] * 3
    small.faults.clear()
    assert fetch(f"{small.api_url}/grids/")[0] == 200


def test_timeout_fault_does_not_block_others(small: FakeUpstream) -> None:
    small.faults.add("timeout", path="/api/v4/packages/", seconds=0.6)
    errors: list[BaseException] = []

    def slow() -> None:
        try:
            fetch(f"{small.api_url}/packages/", timeout=0.25)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.05)
    started = time.perf_counter()
    assert fetch(f"{small.api_url}/grids/")[0] == 200
    assert time.perf_counter() - started < 0.2
    thread.join()
    assert len(errors) == 1 and isinstance(errors[0], TimeoutError)


def test_drop_fault(small: FakeUpstream) -> None:
    small.faults.add("drop")
    with pytest.raises(http.client.RemoteDisconnected):
        fetch(f"{small.api_url}/packages/")
    assert fetch(f"{small.api_url}/packages/")[0] == 200


def test_truncate_fault(small: FakeUpstream) -> None:
    small.faults.add("truncate")
    with pytest.raises(http.client.IncompleteRead) as info:
        fetch(f"{small.api_url}/packages/")
    partial, missing = len(info.value.partial), info.value.expected
    assert partial > 0 and isinstance(missing, int) and partial <= missing <= partial + 1


def test_html_fault(small: FakeUpstream) -> None:
    small.faults.add("html")
    status, headers, body = fetch(f"{small.api_url}/packages/")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert body.lstrip().lower().startswith(b"<!doctype html>")


def test_malformed_fault(small: FakeUpstream) -> None:
    small.faults.add("malformed")
    status, headers, body = fetch(f"{small.api_url}/packages/")
    assert (status, headers["content-type"]) == (200, JSON) and body
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)


def test_unknown_fault_kind_is_refused(small: FakeUpstream) -> None:
    with pytest.raises(ValueError):
        small.faults.add("explode")


def test_latency(small: FakeUpstream) -> None:
    small.latency = 0.15
    started = time.perf_counter()
    assert fetch(f"{small.api_url}/categories/")[0] == 200
    assert time.perf_counter() - started >= 0.15


def test_maintenance_mode(small: FakeUpstream) -> None:
    small.maintenance = True
    for path in ("/api/v4/packages/", "/api/v4/categories/1/", "/elsewhere"):
        status, headers, _ = fetch(small.base_url + path)
        assert status == 503 and headers["content-type"].startswith("text/html")
    small.maintenance = False
    assert fetch(f"{small.api_url}/packages/")[0] == 200


# --------------------------------------------------------------------------- server plumbing


def test_requests_are_recorded(small: FakeUpstream) -> None:
    fetch(f"{small.api_url}/packages/?limit=1", headers={"User-Agent": "pkgcli/0.1.0"})
    (recorded,) = small.requests
    assert recorded.method == "GET" and recorded.path == "/api/v4/packages/?limit=1"
    assert recorded.headers["user-agent"] == "pkgcli/0.1.0"
    assert recorded.headers["accept"] == JSON
    assert abs(recorded.time - time.time()) < 5


def test_catalogue_is_live(fresh: FakeUpstream) -> None:
    cat = fresh.catalogue
    grid_id = next(iter(cat.grids))
    record = new_package_record(9000, "django-brand-new", grids=[grid_id])
    cat.add_package(record)
    page = get_json(f"{fresh.api_url}/packages/?limit=1")
    assert page["count"] == 41 and page["results"] == [record]
    grid = get_json(f"{fresh.api_url}/grids/{grid_id}/")
    assert 9000 in {link_id(u) for u in grid["packages"]}
    record["slug"] = "django-renamed"
    assert get_json(f"{fresh.api_url}/packages/django-renamed/")["id"] == 9000
    assert fetch(f"{fresh.api_url}/packages/django-brand-new/")[0] == 404
    cat.remove_package(9000)
    assert fetch(f"{fresh.api_url}/packages/9000/")[0] == 404
    assert 9000 not in {link_id(u) for u in cat.grids[grid_id]["packages"]}


def test_mount_another_upstream(fresh: FakeUpstream) -> None:
    seen: list[Request] = []

    def github(request: Request) -> Response:
        seen.append(request)
        return Response.json({"full_name": request.subpath.removeprefix("/repos/")}, 200)

    fresh.mount("/github", github)
    fresh.faults.add("503", path="/github/")
    assert fetch(f"{fresh.base_url}/github/repos/a/b")[0] == 503
    status, _, body = fetch(f"{fresh.base_url}/github/repos/a/b?x=1")
    assert status == 200 and json.loads(body) == {"full_name": "a/b"}
    assert seen[-1].prefix == "/github" and seen[-1].param("x") == "1"
    assert fetch(f"{fresh.base_url}/githubx/")[0] == 404  # prefixes match whole segments
    fresh.unmount("/github")
    assert fetch(f"{fresh.base_url}/github/repos/a/b")[0] == 404


def test_stop_does_not_wait_for_idle_keep_alive_connections() -> None:
    fake = FakeUpstream(Catalogue()).start()
    conn = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=5)
    try:
        conn.request("GET", "/api/v4/packages/", headers={"Accept": JSON})
        assert conn.getresponse().read()
        started = time.perf_counter()
        fake.stop()
        assert time.perf_counter() - started < 1
    finally:
        conn.close()


def test_module_entry_point() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fake", "--packages", "30", "--grids", "3", "--seed", "1"],
        cwd=Path(__file__).parent.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert re.fullmatch(r"READY http://127\.0\.0\.1:\d+\n", line), line
        base = line.split()[1]
        assert get_json(f"{base}/api/v4/packages/?limit=50")["count"] == 30
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=5)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0 and out == ""
    exports = dict(line.removeprefix("export ").split("=", 1) for line in err.splitlines())
    assert exports == {
        "PKGCLI_API_URL": f"{base}/api/v4",
        "PKGCLI_GITHUB_API_URL": f"{base}/github",
        "PKGCLI_PYPI_URL": base,
        "PKGCLI_GITLAB_API_URL": f"{base}/gitlab/api/v4",
        "PKGCLI_CODEBERG_API_URL": f"{base}/codeberg/api/v1",
    }


# --------------------------------------------------------------------------- real records


def test_fixture_catalogue_serves_the_real_records(real: FakeUpstream) -> None:
    for name, path in [
        ("package-1858.json", "packages/1858/"),
        ("package-1858.json", "packages/django-oauth-toolkit/"),
        ("v4-docs-package-34.json", "packages/34/"),
        ("v4-docs-grid-438.json", "grids/healt-checkers/"),
        ("v4-docs-category-1.json", "categories/1/"),
    ]:
        expected = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
        assert get_json(f"{real.api_url}/{path}") == expected


def test_fixture_catalogue_links_all_resolve(real: FakeUpstream) -> None:
    cat = real.catalogue
    assert cat.unresolved_links() == []
    assert {7, 11, 21, 113, 125, 126, 245, 306, 438} <= set(cat.grids)
    assert {5810, 976, 3142, 5811, 5754, 2225} <= set(cat.packages)
    assert 1858 in {link_id(u) for u in cat.grids[126]["packages"]}
    assert cat.grids[245]["slug"] == "api-authentication"


def test_generate_with_fixtures_keeps_real_records() -> None:
    cat = generate_catalogue(300, 20, seed=2, fixtures=FIXTURES)
    real = json.loads((FIXTURES / "package-1858.json").read_text(encoding="utf-8"))
    assert cat.packages[1858] == real and cat.grids[438]["slug"] == "healt-checkers"
    assert cat.unresolved_links() == []
    slugs = Counter(p["slug"] for p in cat.packages.values())
    assert slugs.most_common(1)[0][1] == 1


def test_merge_real_ids_and_slugs_win() -> None:
    synthetic = Catalogue()
    synthetic.categories[1] = load_fixture_records(FIXTURES).categories[1]
    synthetic.add_grid({**load_fixture_records(FIXTURES).grids[438], "id": 7, "slug": "x"})
    synthetic.add_package(new_package_record(1858, "synthetic-1858", grids=[7]))
    synthetic.add_package(new_package_record(99, "django-debug-toolbar", grids=[7]))
    merged = merge(synthetic, load_fixture_records(FIXTURES))
    real = json.loads((FIXTURES / "package-1858.json").read_text(encoding="utf-8"))
    assert merged.packages[1858] == real
    assert merged.packages[34]["slug"] == "django-debug-toolbar"
    assert merged.packages[99]["slug"] == "django-debug-toolbar-99"
    assert merged.package_by_slug("django-debug-toolbar") == merged.packages[34]
    assert {link_id(u) for u in merged.grids[7]["packages"]} >= {99, 1858}
    assert synthetic.packages[99]["slug"] == "django-debug-toolbar"  # inputs untouched
