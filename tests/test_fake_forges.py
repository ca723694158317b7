"""The fake GitLab and Codeberg keep those forges' contracts (docs/upstream.md, section 2).

Driven with plain `http.client` (the helpers of test_fake_upstream), so nothing here
depends on pkgcli's own HTTP client.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fake import FakeUpstream, generate_catalogue
from tests.fake.catalogue import new_package_record
from tests.fake.forges import FakeCodeberg, FakeGitLab, forge_path
from tests.test_fake_upstream import fetch

from .conftest import CliHarness

GITLAB_FIXTURES = Path(__file__).parent / "fixtures" / "gitlab"
REAL = "jeff.triplett/django-metadata"


@pytest.fixture(scope="module")
def forges() -> Iterator[FakeUpstream]:
    catalogue = generate_catalogue(600, 20, seed=5)
    catalogue.add_package(
        new_package_record(
            990_001,
            "django-on-codeberg",
            repo_url="https://codeberg.org/Someone/django-on-codeberg.git",
        )
    )
    with FakeUpstream(catalogue) as server:
        server.gitlab = FakeGitLab.from_catalogue(catalogue, fixtures=GITLAB_FIXTURES)  # type: ignore[attr-defined]
        server.codeberg = FakeCodeberg.from_catalogue(catalogue)  # type: ignore[attr-defined]
        server.mount("/gitlab/api/v4", server.gitlab)  # type: ignore[attr-defined]
        server.mount("/codeberg/api/v1", server.codeberg)  # type: ignore[attr-defined]
        yield server


def gitlab(server: FakeUpstream, target: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    return fetch(f"{server.base_url}/gitlab/api/v4{target}", headers=headers)


def codeberg(
    server: FakeUpstream, target: str, **headers: str
) -> tuple[int, dict[str, str], bytes]:
    return fetch(f"{server.base_url}/codeberg/api/v1{target}", headers=headers)


def test_forge_path_reads_gitlab_groups_and_gitea_owner_name() -> None:
    assert forge_path("https://gitlab.com/a/b/c/d.git", "gitlab.com") == "a/b/c/d"
    assert forge_path("https://gitlab.com/a/b/-/tree/main", "gitlab.com") == "a/b"
    assert forge_path("https://codeberg.org/a/b/src/branch/main", "codeberg.org") == "a/b"
    assert forge_path("https://github.com/a/b", "gitlab.com") is None
    assert forge_path("https://gitlab.com/a", "gitlab.com") is None


def test_the_catalogue_has_projects_on_both_forges(forges: FakeUpstream) -> None:
    urls = [str(p.get("repo_url") or "") for p in forges.catalogue.packages.values()]
    on_gitlab = {forge_path(u, "gitlab.com") for u in urls} - {None}
    assert len(on_gitlab) >= 10 and all(forges.gitlab.find(p) for p in on_gitlab)  # type: ignore[attr-defined]
    assert forges.codeberg.find("someone/django-on-codeberg") is not None  # type: ignore[attr-defined]


def test_gitlab_serves_the_real_project_by_encoded_path_or_id(forges: FakeUpstream) -> None:
    real = json.loads((GITLAB_FIXTURES / "project-jeff.triplett-django-metadata.json").read_text())
    status, headers, body = gitlab(forges, "/projects/jeff.triplett%2Fdjango-metadata?license=true")
    assert status == 200 and json.loads(body) == real
    assert headers["content-type"] == "application/json" and headers["etag"].startswith('W/"')
    status, _, body = gitlab(forges, "/projects/46520?license=true")
    assert status == 200 and json.loads(body)["path_with_namespace"] == REAL
    status, _, body = gitlab(forges, "/projects/Jeff.Triplett%2FDjango-Metadata")
    assert status == 200 and "license" not in json.loads(body)  # only with ?license=true


def test_gitlab_304_404_and_unencoded_paths(forges: FakeUpstream) -> None:
    target = "/projects/jeff.triplett%2Fdjango-metadata?license=true"
    etag = gitlab(forges, target)[1]["etag"]
    status, _, body = gitlab(forges, target, **{"If-None-Match": etag})
    assert status == 304 and body == b""
    status, _, body = gitlab(forges, "/projects/jeff.triplett%2Fdoes-not-exist?license=true")
    assert status == 404 and json.loads(body) == {"message": "404 Project Not Found"}
    status, _, body = gitlab(forges, f"/projects/{REAL}")
    assert status == 404 and json.loads(body) == {"error": "404 Not Found"}


def test_gitlab_follows_a_renamed_project(forges: FakeUpstream) -> None:
    fake: FakeGitLab = forges.gitlab  # type: ignore[attr-defined]
    doc = fake.add({"id": 7, "path_with_namespace": "old/group/name", "star_count": 3})
    fake.rename("old/group/name", "new-owner/name")
    status, _, body = gitlab(forges, "/projects/old%2Fgroup%2Fname?license=true")
    assert status == 200 and json.loads(body)["path_with_namespace"] == "new-owner/name"
    assert doc["path"] == "name"
    fake.remove("new-owner/name")


def test_codeberg_serves_a_repo_case_insensitively_with_etag(forges: FakeUpstream) -> None:
    status, headers, body = codeberg(forges, "/repos/SOMEONE/django-on-codeberg")
    repo = json.loads(body)
    assert status == 200 and repo["full_name"] == "Someone/django-on-codeberg"
    assert isinstance(repo["stars_count"], int) and isinstance(repo["licenses"], list)
    again = codeberg(
        forges, "/repos/someone/django-on-codeberg", **{"If-None-Match": headers["etag"]}
    )
    assert again[0] == 304


def test_codeberg_404_and_rename_redirect(forges: FakeUpstream) -> None:
    fake: FakeCodeberg = forges.codeberg  # type: ignore[attr-defined]
    status, _, body = codeberg(forges, "/repos/nobody/nothing")
    assert status == 404 and json.loads(body)["message"] == "The target couldn't be found."
    fake.add({"id": 9, "full_name": "old/thing", "name": "thing", "stars_count": 1})
    fake.rename("old/thing", "new/thing")
    status, headers, _ = codeberg(forges, "/repos/Old/Thing?x=1")
    assert status == 307 and headers["location"] == "/codeberg/api/v1/repos/new/thing?x=1"
    assert json.loads(codeberg(forges, "/repos/new/thing")[2])["name"] == "thing"
    fake.remove("new/thing")


def test_forges_refuse_writes(forges: FakeUpstream) -> None:
    url = f"{forges.base_url}/gitlab/api/v4/projects/46520"
    assert fetch(url, method="DELETE")[0] == 405
    url = f"{forges.base_url}/codeberg/api/v1/repos/someone/django-on-codeberg"
    assert fetch(url, method="POST")[0] == 405


def test_pkgcli_fetches_gitlab_and_codeberg_from_the_fake_fixture(
    fake: FakeUpstream, cli: CliHarness
) -> None:
    fake.catalogue.add_package(
        new_package_record(990_002, "on-gitlab", repo_url=f"https://gitlab.com/{REAL}", pypi_url="")
    )
    fake.catalogue.add_package(
        new_package_record(
            990_003, "on-codeberg", repo_url="https://codeberg.org/o/on-codeberg", pypi_url=""
        )
    )
    fake.codeberg.add(  # type: ignore[attr-defined]
        {"id": 5, "full_name": "o/on-codeberg", "stars_count": 12, "forks_count": 2}
    )
    result = cli("fetch", "on-gitlab", "on-codeberg")
    assert result.exit_code == 0, result.stderr
    assert "GitLab: 1 package; 1 request" in result.stderr
    assert "Codeberg: 1 package; 1 request" in result.stderr
    paths = [r.path for r in fake.requests.snapshot()]
    assert "/gitlab/api/v4/projects/jeff.triplett%2Fdjango-metadata?license=true" in paths
    assert "/codeberg/api/v1/repos/o/on-codeberg" in paths
    shown = json.loads(cli("show", "on-codeberg", "--json", "--offline").stdout)
    assert shown["repo_watchers"] == 12
