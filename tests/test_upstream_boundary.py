"""The typed boundary of every source, as properties: any JSON value in any field of a real
record (or as the whole answer) parses without an exception other than `BadRecord`, and
every value that comes out is something SQLite stores as it is (ints 0..2**63-1, UTF-8
text, lists of those); plus the named cases of the hostile-upstream review."""

from __future__ import annotations

import copy
import json
import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pkgcli.sources.boundary import (
    GITHUB_NAME,
    PYPI_NAME,
    BadRecord,
    Fields,
    parse_count,
    storable,
    valid_name,
)
from pkgcli.sources.djangopackages import (
    check_detail,
    parse_category,
    parse_grid,
    parse_package,
)
from pkgcli.sources.forges import ForgeRepo, parse_forge_url, parse_gitea_repo, parse_gitlab_project
from pkgcli.sources.github import (
    last_page,
    parse_commits,
    parse_contributors,
    parse_graphql,
    parse_participation,
    parse_rate_limit,
    parse_repo,
    parse_repo_url,
)
from pkgcli.sources.pypi import parse_project, parse_pypi_name

from .conftest import FIXTURES

MAX = 2**63 - 1
SQLITE = sqlite3.connect(":memory:", check_same_thread=False)  # binds what SQLite can take
SURROGATES = st.sampled_from(["\ud800", "a\udfffb", "\udc80" * 3])
TEXT = st.one_of(st.text(max_size=12), SURROGATES, st.sampled_from(["false", "true", "²", "-1"]))
INTS = st.one_of(st.integers(), st.sampled_from([2**63, 2**64, -1, -(2**63) - 1, 10**30, MAX, 0]))
SCALARS = st.one_of(st.none(), st.booleans(), INTS, st.floats(), TEXT)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)),
    max_leaves=8,
)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def load(*parts: str) -> Any:
    return json.loads((FIXTURES.joinpath(*parts)).read_text())


def paths(record: Any, prefix: tuple[str, ...] = (), depth: int = 2) -> list[tuple[str, ...]]:
    """Every key path of a record down to `depth` levels (lists: their first item)."""
    found = []
    items = (
        record.items()
        if isinstance(record, dict)
        else ([("0", record[0])] if isinstance(record, list) and record else [])
    )
    for key, value in items:
        path = (*prefix, key)
        found.append(path)
        if depth > 0:
            found += paths(value, path, depth - 1)
    return found


def with_value(record: Any, path: tuple[str, ...], value: Any) -> Any:
    """A deep copy of `record` with `value` at `path`."""
    copied = copy.deepcopy(record)
    *parents, last = path
    target = copied
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return copied


def assert_storable(value: Any, where: str = "") -> None:
    """What SQLite takes as it is: no surrogates, no int beyond 64 bits, no negatives."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert_storable(item, f"{where}.{key}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            assert_storable(item, f"{where}[{i}]")
    elif isinstance(value, bool) or value is None:
        pass
    elif hasattr(value, "__dataclass_fields__"):  # GraphRepo: its groups
        assert_storable(vars(value), where)
        return
    elif isinstance(value, int):
        assert 0 <= value <= MAX, where
    elif isinstance(value, str):
        value.encode("utf-8")  # raises on a lone surrogate
        if value[:1] in "[{":
            try:
                decoded = json.loads(value)
            except ValueError:
                decoded = None
            assert_storable(decoded, where)
    else:
        pytest.fail(f"{where}: {type(value).__name__} is not a storable value")
    if not isinstance(value, dict | list | tuple):
        SQLITE.execute("SELECT ?", (value,)).fetchone()


def parses_or_refuses(parse: Callable[[Any], Any], record: Any) -> None:
    try:
        out = parse(record)
    except BadRecord as exc:
        exc.message.encode("utf-8")  # its message is printable too
        return
    assert_storable(out)


DP_PACKAGE = load("djangopackages", "package-1858.json")
DP_GRID = load("djangopackages", "v4-docs-grid-438.json")
DP_CATEGORY = load("djangopackages", "v4-docs-category-1.json")
GH_REPO = load("github", "repo-django-deps.json")
GH_COMMITS = load("github", "commits-django-deps.json")[:1]
GH_CONTRIBUTORS = load("github", "contributors-django-deps.json")[:2]
GH_GRAPHQL: dict[str, Any] = {
    "data": {
        "r0": {
            "nameWithOwner": "django/deps",
            "databaseId": 1,
            "stargazerCount": 5,
            "forkCount": 2,
            "description": "DEPs",
            "isArchived": False,
            "pushedAt": "2023-12-19T21:59:33Z",
            "homepageUrl": None,
            "licenseInfo": {"spdxId": "BSD-3-Clause"},
            "watchers": {"totalCount": 3},
            "defaultBranchRef": {
                "name": "main",
                "target": {
                    "history": {"totalCount": 99, "nodes": [{"committedDate": "2023-12-19"}]}
                },
            },
        },
        "rateLimit": {"cost": 1, "remaining": 4999, "resetAt": "2024-01-01T00:00:00Z"},
    },
    "errors": [{"type": "NOT_FOUND", "path": ["r1"]}],
}
PYPI_PROJECT = load("pypi", "django-crispy-forms.json")
GITLAB_PROJECT = load("gitlab", "project-jeff.triplett-django-metadata.json")
GITEA_REPO = {
    "full_name": "owner/repo",
    "stars_count": 3,
    "forks_count": 1,
    "description": "a repo",
    "archived": False,
    "updated_at": "2024-01-01T00:00:00Z",
    "licenses": ["MIT"],
}

PARSERS: dict[str, tuple[Callable[[Any], Any], Any]] = {
    "dp package": (lambda r: parse_package(r, "2024-01-01T00:00:00+00:00"), DP_PACKAGE),
    "dp grid": (lambda r: parse_grid(r, "2024-01-01T00:00:00+00:00"), DP_GRID),
    "dp category": (lambda r: parse_category(r, "2024-01-01T00:00:00+00:00"), DP_CATEGORY),
    "github repo": (parse_repo, GH_REPO),
    "github commits": (lambda r: parse_commits(r, None), GH_COMMITS),
    "github contributors": (parse_contributors, GH_CONTRIBUTORS),
    "github participation": (parse_participation, {"all": list(range(52)), "owner": []}),
    "github graphql": (lambda r: parse_graphql(r, 2), GH_GRAPHQL),
    "pypi project": (parse_project, PYPI_PROJECT),
    "gitlab project": (parse_gitlab_project, GITLAB_PROJECT),
    "codeberg repo": (parse_gitea_repo, GITEA_REPO),
}


@pytest.mark.parametrize("source", sorted(PARSERS))
def test_the_real_record_parses_cleanly(source: str) -> None:
    parse, record = PARSERS[source]
    assert_storable(parse(record))


@pytest.mark.parametrize("source", sorted(PARSERS))
@FUZZ
@given(data=st.data(), value=JSON)
def test_any_json_value_in_any_field_is_typed_or_unknown(
    source: str, data: st.DataObject, value: Any
) -> None:
    parse, record = PARSERS[source]
    path = data.draw(st.sampled_from(paths(record)), label="path")
    parses_or_refuses(parse, with_value(record, path, value))


@pytest.mark.parametrize("source", sorted(PARSERS))
@FUZZ
@given(document=JSON)
def test_any_json_document_is_typed_or_unknown(source: str, document: Any) -> None:
    parses_or_refuses(PARSERS[source][0], document)


@FUZZ
@given(
    headers=st.dictionaries(
        st.sampled_from(
            [
                "x-ratelimit-limit",
                "x-ratelimit-remaining",
                "x-ratelimit-reset",
                "x-ratelimit-resource",
            ]
        ),
        st.one_of(TEXT, INTS.map(str)),
    )
)
def test_any_rate_limit_headers_parse_or_are_absent(headers: dict[str, str]) -> None:
    info = parse_rate_limit(headers)
    if info is not None:
        assert 0 <= info.limit <= MAX and 0 <= info.remaining <= MAX
        assert info.reset_at is None or info.reset_at.year <= 9999


@FUZZ
@given(page=st.one_of(TEXT, INTS.map(str)))
def test_any_link_page_number_is_a_count_or_unknown(page: str) -> None:
    found = last_page(f'<https://api.github.com/x?page={page}>; rel="last"')
    assert found is None or 1 <= found <= MAX


@FUZZ
@given(url=st.one_of(TEXT, st.builds(lambda a, b: f"https://github.com/{a}/{b}", TEXT, TEXT)))
def test_names_read_from_urls_always_match_their_pattern(url: str) -> None:
    name = parse_repo_url(url)
    assert name is None or valid_name(name, GITHUB_NAME) == name
    project = parse_pypi_name(url)
    assert project is None or valid_name(project, PYPI_NAME) == project
    forge = parse_forge_url(url.replace("github.com", "codeberg.org"))
    assert forge is None or forge.project_url("https://api.test").startswith("https://api.test/")


# -- the named cases ---------------------------------------------------------------------


def test_a_lone_surrogate_becomes_the_replacement_character() -> None:
    assert storable("a\ud800b") == "a\ufffdb"
    repo = parse_repo({**GH_REPO, "description": "bad \udfff here"})
    assert repo is not None and repo["description"] == "bad \ufffd here"


@pytest.mark.parametrize("value", ["false", "true", 0, 1, "yes", [], {}])
def test_archived_must_be_a_real_boolean(value: Any) -> None:
    problems: list[str] = []
    repo = parse_repo({**GH_REPO, "archived": value}, problems)
    assert repo is not None and repo["archived"] is None and problems == ["archived"]
    gitlab = parse_gitlab_project({**GITLAB_PROJECT, "archived": value})
    assert gitlab is not None and gitlab["archived"] is None


@pytest.mark.parametrize("value", [2**63, 2**64, -1, -5, 1.5, "12x", True])
def test_counts_outside_sqlite_or_negative_are_unknown(value: Any) -> None:
    problems: list[str] = []
    repo = parse_repo({**GH_REPO, "stargazers_count": value, "forks_count": value}, problems)
    assert repo is not None and repo["stars"] is None and repo["forks"] is None
    assert problems == ["stargazers_count", "forks_count"]
    assert parse_count(value) is None
    assert parse_participation({"all": [value] + [0] * 51}) is None


@pytest.mark.parametrize(
    "doc",
    [
        {"errors": 5},
        {"errors": "boom", "data": []},
        {"data": {"r0": {**GH_GRAPHQL["data"]["r0"], "defaultBranchRef": {"target": []}}}},
        {"data": {"r0": {**GH_GRAPHQL["data"]["r0"], "defaultBranchRef": {"target": "x"}}}},
        {
            "data": {
                "r0": {
                    **GH_GRAPHQL["data"]["r0"],
                    "defaultBranchRef": {"target": {"history": {"nodes": 7, "totalCount": 2**64}}},
                }
            }
        },
        {
            "data": {
                "r0": {
                    **GH_GRAPHQL["data"]["r0"],
                    "defaultBranchRef": {"target": {"history": {"nodes": {"committedDate": 1}}}},
                }
            }
        },
        {"errors": [{"path": ["r99999999999999999999999"], "type": 5}, {"path": "r0"}]},
    ],
)
def test_malformed_graphql_is_unknown_never_an_exception(doc: Any) -> None:
    repos, errors = parse_graphql(doc, 1)
    assert len(repos) == 1 and all(isinstance(k, int) and k < 1 for k in errors)
    if repos[0] is not None and repos[0].commits is not None:
        assert_storable(repos[0].commits)


@pytest.mark.parametrize(
    "name", ["../../../etc/passwd", "a/b/c", "owner/..", "owner/.", "own er/x", "x" * 40 + "/y"]
)
def test_an_unusable_github_name_in_an_answer_is_refused(name: str) -> None:
    with pytest.raises(BadRecord, match="unusable repository name"):
        parse_repo({**GH_REPO, "full_name": name})
    node = {**GH_GRAPHQL["data"]["r0"], "nameWithOwner": name}
    assert parse_graphql({"data": {"r0": node}}, 1)[0] == [None]  # REST asks for it instead


def test_unusable_project_names_and_paths_are_refused() -> None:
    with pytest.raises(BadRecord, match="unusable project name"):
        parse_project({**PYPI_PROJECT, "info": {**PYPI_PROJECT["info"], "name": "../x"}})
    with pytest.raises(BadRecord, match="unusable project path"):
        parse_gitlab_project({**GITLAB_PROJECT, "path_with_namespace": "a/../../b"})
    with pytest.raises(BadRecord, match="unusable project path"):
        parse_gitea_repo({**GITEA_REPO, "full_name": "../../admin"})
    with pytest.raises(BadRecord):
        ForgeRepo("codeberg", "a/../b").project_url("https://codeberg.test/api/v1")


@pytest.mark.parametrize(
    "header",
    [
        {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "1", "x-ratelimit-reset": "9" * 30},
        {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "1", "x-ratelimit-reset": "²"},
        {"x-ratelimit-limit": "²", "x-ratelimit-remaining": "1"},
        {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "-1"},
    ],
)
def test_rate_limit_headers_never_raise(header: dict[str, str]) -> None:
    info = parse_rate_limit(header)
    assert info is None or info.reset_at is None or info.reset_at.year == 9999


def test_a_link_page_beyond_64_bits_is_unknown() -> None:
    assert last_page(f'<https://x.test/r?page={2**64}>; rel="last"') is None
    assert last_page('<https://x.test/r?page=²>; rel="last"') is None
    assert last_page('<https://x.test/r?page=42>; rel="last"') == 42


@pytest.mark.parametrize("slug", ["zz;touch${IFS}pwned", "a b", "a%b", "x" * 101, "ünï", ""])
def test_a_django_packages_slug_outside_the_slug_rule_is_refused(slug: str) -> None:
    with pytest.raises(BadRecord, match="without a usable slug"):
        parse_package({**DP_PACKAGE, "slug": slug}, "2024-01-01T00:00:00+00:00")


@pytest.mark.parametrize("slug", ["1234", "00012"])
def test_all_digit_slugs_stay_valid(slug: str) -> None:
    row = parse_package({**DP_PACKAGE, "slug": slug}, "2024-01-01T00:00:00+00:00")
    assert row["slug"] == slug
    assert check_detail({**DP_PACKAGE, "slug": slug}, "package", slug)["slug"] == slug


def test_a_package_record_in_a_grid_list_is_refused() -> None:
    with pytest.raises(BadRecord, match=r"a package record .* where a grid belongs"):
        parse_grid(DP_PACKAGE, "2024-01-01T00:00:00+00:00")
    with pytest.raises(BadRecord, match="where a category belongs"):
        parse_category(DP_PACKAGE, "2024-01-01T00:00:00+00:00")


def test_a_detail_answer_for_another_package_or_null_is_unusable() -> None:
    other = check_detail(DP_PACKAGE, "package", "django-something-else")
    with pytest.raises(BadRecord, match="when asked for 'django-something-else'"):
        parse_package(other, "2024-01-01T00:00:00+00:00")
    with pytest.raises(BadRecord, match="a null answer for package 'x'"):
        parse_package(check_detail(None, "package", "x"), "2024-01-01T00:00:00+00:00")
    assert check_detail(DP_PACKAGE, "package", DP_PACKAGE["id"]) is DP_PACKAGE
    assert check_detail(DP_PACKAGE, "package", DP_PACKAGE["slug"].upper()) is DP_PACKAGE


def test_fields_note_each_unusable_value_once() -> None:
    problems: list[str] = []
    f = Fields({"a": "x", "b": {"c": 2**70}, "d": [1, "2", -3]}, problems)
    assert f.count("a") is None and f.count("b.c") is None and f.counts("d") is None
    assert f.count("missing") is None and f.nested("a").record == {}
    assert problems == ["a", "b.c", "d", "a"]
