"""The pure decoding of GitHub, GitLab and PyPI answers, on real captured payloads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from pkgcli.http import BearerToken, is_under
from pkgcli.sources.forges import ForgeRepo, parse_forge_url, parse_gitea_repo, parse_gitlab_project
from pkgcli.sources.github import (
    classify_refusal,
    floor_for,
    graphql_query,
    last_page,
    parse_commits,
    parse_contributors,
    parse_graphql,
    parse_link_header,
    parse_participation,
    parse_rate_limit,
    parse_repo,
    parse_repo_url,
)
from pkgcli.sources.pypi import normalize_name, parse_licence, parse_project, parse_pypi_name

from .conftest import FIXTURES


def body(kind: str, name: str) -> Any:
    return json.loads((FIXTURES / kind / f"{name}.json").read_text())


def headers(kind: str, name: str) -> httpx.Headers:
    """The captured response headers (GitHub sends each once; keep the last value)."""
    meta = json.loads((FIXTURES / kind / f"{name}.meta.json").read_text())
    return httpx.Headers({key: values[-1] for key, values in meta["headers"].items()})


# -- GitHub ----------------------------------------------------------------------------


def test_a_repository_answer_gives_the_repo_field_group() -> None:
    repo = parse_repo(body("github", "repo-pydanny-dj-paginator"))
    assert repo == {
        "full_name": "pydanny/dj-paginator",
        "repo_id": 39753819,
        "stars": 36,  # stargazers_count, which upstream calls repo_watchers
        "forks": 4,
        "subscribers_count": 5,  # the real watchers
        "description": "Django + Pagination made easy.",
        "archived": True,
        "pushed_at": "2016-11-07T08:42:39+00:00",
        "license": "BSD-3-Clause",
        "default_branch": "master",
        "homepage": None,  # "" upstream: no homepage
    }


def test_a_repository_without_licence_or_homepage() -> None:
    repo = parse_repo(body("github", "repo-django-deps"))
    assert repo is not None
    assert (repo["full_name"], repo["stars"], repo["forks"]) == ("django/deps", 401, 85)
    assert repo["license"] is None and repo["homepage"] is None and repo["archived"] is False


def test_a_404_body_is_not_a_repository() -> None:
    assert parse_repo(body("github", "repo-404-djangopackages-does-not-exist")) is None


def test_contributors_keep_githubs_order() -> None:
    logins = parse_contributors(body("github", "contributors-django-deps"))
    assert logins[:2] == ["carljm", "jacobian"]
    assert len(logins) == len(body("github", "contributors-django-deps"))
    assert parse_contributors({"message": "Not Found"}) == []


def test_commits_give_the_newest_date_and_the_count_from_rel_last() -> None:
    link = headers("github", "commits-django-deps")["link"]
    parsed = parse_commits(body("github", "commits-django-deps"), link)
    assert parsed is not None
    assert parsed["last_commit_at"] == "2023-12-19T21:59:33+00:00"
    # Captured with per_page=100, so the last page is 3; with per_page=1 it is the count.
    assert parsed["commit_count"] == 3
    assert parse_commits([], None) is None


def test_link_headers_as_github_sends_them() -> None:
    links = parse_link_header(headers("github", "commits-django-deps")["link"])
    assert links == {
        "next": "https://api.github.com/repositories/18764735/commits?per_page=100&page=2",
        "last": "https://api.github.com/repositories/18764735/commits?per_page=100&page=3",
    }
    assert last_page(None) is None
    assert last_page('<https://x/commits?per_page=1&page=4711>; rel="last"') == 4711


def test_participation_is_52_weeks_or_nothing() -> None:
    weeks = list(range(52))
    assert parse_participation({"all": weeks, "owner": [0] * 52}) == weeks
    assert parse_participation({}) is None  # still computing: never 52 zeros
    assert parse_participation({"all": [1, 2]}) is None
    assert parse_participation(None) is None


def test_rate_limit_headers_as_captured() -> None:
    info = parse_rate_limit(headers("github", "repo-404-djangopackages-does-not-exist"))
    assert info is not None
    assert (info.resource, info.limit, info.remaining, info.reset) == (
        "core",
        5000,
        4993,
        1705117606,
    )
    assert info.reset_at is not None and info.reset_at.isoformat() == "2024-01-13T03:46:46+00:00"
    assert parse_rate_limit(httpx.Headers({})) is None


@pytest.mark.parametrize(
    ("status", "hdrs", "message", "kind"),
    [
        (403, {"x-ratelimit-remaining": "0"}, "API rate limit exceeded for 1.2.3.4.", "primary"),
        (429, {"x-ratelimit-remaining": "0"}, "", "primary"),
        (403, {"x-ratelimit-remaining": "4000"}, "API rate limit exceeded for user", "primary"),
        (403, {}, "You have exceeded a secondary rate limit. Please wait", "secondary"),
        (403, {"retry-after": "30"}, "", "secondary"),
        (429, {}, "", "secondary"),
        (403, {}, "You have triggered an abuse detection mechanism", "secondary"),
        (403, {}, "The history or contributor list is too large to list contributors", "too_large"),
        (403, {}, "Repository access blocked", "blocked"),
        (403, {}, "Resource not accessible by integration", "forbidden"),
    ],
)
def test_a_403_is_read_from_its_body_and_headers(
    status: int, hdrs: dict[str, str], message: str, kind: str
) -> None:
    assert classify_refusal(status, httpx.Headers(hdrs), message) == kind


def test_the_floor_leaves_quota_for_other_tools() -> None:
    assert floor_for(5000) == 50
    assert floor_for(60) == 6


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://github.com/evonove/django-oauth-toolkit", "evonove/django-oauth-toolkit"),
        ("http://github.com/Jazzband/Django-Debug-Toolbar/", "Jazzband/Django-Debug-Toolbar"),
        ("https://www.github.com/a/b.git", "a/b"),
        ("https://github.com/a/b/tree/master/docs", "a/b"),
        ("git@github.com:a/b.git", "a/b"),
        ("github.com/a/b", "a/b"),
        ("https://gitlab.com/a/b", None),
        ("https://github.com/a", None),
        ("", None),
        (None, None),
    ],
)
def test_repository_names_from_repo_url(url: str | None, name: str | None) -> None:
    assert parse_repo_url(url) == name


def test_graphql_queries_pass_names_as_variables() -> None:
    payload = graphql_query(["evonove/django-oauth-toolkit", 'a"b/c'])
    assert payload["variables"] == {
        "o0": "evonove",
        "n0": "django-oauth-toolkit",
        "o1": 'a"b',
        "n1": "c",
    }
    assert "evonove" not in payload["query"]  # never spliced into the query text
    assert "r1: repository(owner: $o1, name: $n1)" in payload["query"]


def test_graphql_answers_map_back_to_names_with_their_errors() -> None:
    doc = {
        "data": {
            "r0": {
                "nameWithOwner": "jazzband/django-oauth-toolkit",
                "databaseId": 7,
                "stargazerCount": 3400,
                "forkCount": 830,
                "description": None,
                "isArchived": False,
                "pushedAt": "2026-02-10T13:45:18Z",
                "homepageUrl": "",
                "licenseInfo": {"spdxId": "NOASSERTION"},
                "watchers": {"totalCount": 90},
                "defaultBranchRef": {
                    "name": "master",
                    "target": {
                        "history": {
                            "totalCount": 2914,
                            "nodes": [{"committedDate": "2026-02-10T13:45:18Z"}],
                        }
                    },
                },
            },
            "r1": None,
        },
        "errors": [{"type": "NOT_FOUND", "path": ["r1"], "message": "Could not resolve"}],
    }
    repos, errors = parse_graphql(doc, 2)
    assert errors == {1: "NOT_FOUND"}
    assert repos[1] is None
    first = repos[0]
    assert first is not None
    assert first.repo["full_name"] == "jazzband/django-oauth-toolkit"
    assert first.repo["license"] is None  # NOASSERTION is not a licence
    assert first.repo["description"] == "" and first.repo["subscribers_count"] == 90
    assert first.commits == {
        "last_commit_at": "2026-02-10T13:45:18+00:00",
        "commit_count": 2914,
    }


# -- the token -------------------------------------------------------------------------


def test_the_token_goes_only_under_the_api_base() -> None:
    auth = BearerToken("ghp_secret", "http://127.0.0.1:8000/github")
    assert auth.allows("http://127.0.0.1:8000/github/repos/a/b")
    assert auth.allows("http://127.0.0.1:8000/github")
    assert not auth.allows("http://127.0.0.1:8000/pypi/x/json")  # same host, other upstream
    assert not auth.allows("http://127.0.0.1:8000/githubber/x")
    assert not auth.allows("http://localhost:8000/github/repos/a/b")  # another host
    assert not auth.allows("http://127.0.0.1:8001/github/repos/a/b")  # another port
    assert not auth.allows("https://127.0.0.1:8000/github/repos/a/b")  # another scheme
    assert "ghp_secret" not in repr(auth)


def test_bearer_auth_adds_and_strips_the_header() -> None:
    auth = BearerToken("ghp_secret", "https://api.github.com")
    inside = next(auth.auth_flow(httpx.Request("GET", "https://api.github.com/repos/a/b")))
    assert inside.headers["authorization"] == "Bearer ghp_secret"
    elsewhere = httpx.Request("GET", "https://pypi.org/pypi/x/json", headers={"Authorization": "x"})
    assert "authorization" not in next(auth.auth_flow(elsewhere)).headers
    assert is_under("https://api.github.com/repositories/1", "https://api.github.com")


# -- GitLab and Codeberg ---------------------------------------------------------------


def test_a_gitlab_project_in_a_subgroup() -> None:
    project = parse_gitlab_project(
        body("gitlab", "project-lansharkconsulting-django-encrypted-model-fields")
    )
    assert project == {
        "full_name": "lansharkconsulting/django/django-encrypted-model-fields",
        "stars": 33,
        "forks": 25,
        "description": "A set of fields that wrap standard Django fields with encryption "
        "provided by the python cryptography library.",
        "archived": False,
        "last_activity_at": "2022-08-12T13:20:02.438000+00:00",
        "license": "MIT License",
    }


def test_an_archived_gitlab_project_and_a_404() -> None:
    project = parse_gitlab_project(body("gitlab", "project-jeff.triplett-django-metadata"))
    assert project is not None
    assert project["archived"] is True and project["stars"] == 0
    assert "\r\n" in project["description"]  # kept as upstream wrote it
    assert parse_gitlab_project(body("gitlab", "project-404-jeff.triplett-does-not-exist")) is None


def test_a_gitea_repository() -> None:
    doc = {"full_name": "a/b", "stars_count": 3, "forks_count": 1, "archived": False}
    assert parse_gitea_repo(doc) == {
        "full_name": "a/b",
        "stars": 3,
        "forks": 1,
        "description": "",
        "archived": False,
        "last_activity_at": None,
        "license": None,
    }


@pytest.mark.parametrize(
    ("url", "repo"),
    [
        (
            "https://gitlab.com/lansharkconsulting/django/django-encrypted-model-fields",
            ForgeRepo("gitlab", "lansharkconsulting/django/django-encrypted-model-fields"),
        ),
        ("https://gitlab.com/a/b/-/tree/main", ForgeRepo("gitlab", "a/b")),
        ("https://codeberg.org/a/b.git", ForgeRepo("codeberg", "a/b")),
        ("https://codeberg.org/a/b/src/branch/main", ForgeRepo("codeberg", "a/b")),
        ("https://bitbucket.org/a/b/", None),
        ("https://gitlab.com/a", None),
    ],
)
def test_forge_repositories_from_repo_url(url: str, repo: ForgeRepo | None) -> None:
    assert parse_forge_url(url) == repo


def test_gitlab_paths_are_url_encoded_as_one_segment() -> None:
    repo = ForgeRepo("gitlab", "jeff.triplett/django-metadata")
    assert repo.project_url("https://gitlab.com/api/v4") == (
        "https://gitlab.com/api/v4/projects/jeff.triplett%2Fdjango-metadata?license=true"
    )


# -- PyPI ------------------------------------------------------------------------------


def test_django_from_pypi() -> None:
    project = parse_project(body("pypi", "django"))
    assert project == {
        "project": "Django",
        "version": "4.0.2",
        "latest_release_at": "2022-02-01T07:56:23.036066+00:00",  # the first file uploaded
        "license": "BSD-3-Clause",
        "requires_python": ">=3.8",
        "python_versions": ["3.8", "3.9", "3.10"],
        "django_versions": [],  # Django itself has only "Framework :: Django"
        "development_status": "5 - Production/Stable",
        "documentation_url": "https://docs.djangoproject.com/",
        "advisories": [],
    }


def test_django_versions_from_the_classifiers() -> None:
    project = parse_project(body("pypi", "djangorestframework"))
    assert project is not None
    assert project["django_versions"] == ["2.2", "3.0", "3.1", "3.2", "4.0"]
    assert project["python_versions"] == ["3.6", "3.7", "3.8", "3.9", "3.10"]
    assert project["documentation_url"] is None  # no Documentation in project_urls
    assert project["license"] == "BSD"


def test_an_empty_licence_falls_back_to_the_classifier() -> None:
    project = parse_project(body("pypi", "nango"))
    assert project is not None
    assert project["license"] == "MIT License"  # license "", classifier MIT
    assert project["development_status"] is None
    assert project["django_versions"] == []


@pytest.mark.parametrize("name", ["wagtail", "django-crispy-forms", "django-minify-html"])
def test_every_captured_project_parses(name: str) -> None:
    doc = body("pypi", name)
    project = parse_project(doc)
    assert project is not None
    assert project["version"] == doc["info"]["version"]
    assert project["latest_release_at"] is not None
    assert all(v.count(".") == 1 for v in project["python_versions"])


def test_licence_precedence() -> None:
    classifiers = ["License :: OSI Approved :: MIT License"]
    assert parse_licence({"license_expression": "MIT OR Apache-2.0", "license": "x"}, []) == (
        "MIT OR Apache-2.0"
    )
    assert parse_licence({"license": "UNKNOWN"}, classifiers) == "MIT License"
    assert parse_licence({"license": "BSD\n\nCopyright (c) …"}, []) == "BSD"
    assert parse_licence({"license": None}, ["License :: OSI Approved"]) is None


def test_a_release_with_no_files_in_urls_uses_its_releases_entry() -> None:
    doc = body("pypi", "nango")
    files = doc["releases"][doc["info"]["version"]]
    doc["urls"] = []
    project = parse_project(doc)
    assert project is not None
    assert project["latest_release_at"] == min(
        f["upload_time_iso_8601"].replace("Z", "+00:00") for f in files
    )
    assert parse_project({"message": "Not Found"}) is None


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("http://pypi.python.org/pypi/django-oauth-toolkit", "django-oauth-toolkit"),
        ("http://pypi.python.org/pypi/Django/", "django"),
        ("https://pypi.org/project/feincms_gallery/", "feincms-gallery"),
        ("https://pypi.org/project/x/1.0/", "x"),
        ("django_queue_widget_simple", "django-queue-widget-simple"),
        ("", None),
        ("https://example.com/x", None),
        ("https://pypi.org/", None),
    ],
)
def test_project_names_from_pypi_url(url: str, name: str | None) -> None:
    assert parse_pypi_name(url) == name


def test_names_are_normalised_as_pep_503_says() -> None:
    assert normalize_name("Django.Simple__Perms") == "django-simple-perms"


def test_fixtures_are_the_real_ones() -> None:
    # Trimmed copies only: the bodies still carry what the parsers read, unchanged.
    for name in ("django", "djangorestframework", "wagtail"):
        doc = body("pypi", name)
        assert set(doc) == {"info", "last_serial", "releases", "urls", "vulnerabilities"}
        assert doc["info"]["version"] in doc["releases"]
    assert Path(FIXTURES / "github" / "commits-django-deps.meta.json").exists()
