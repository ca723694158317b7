"""merge_sources: which source each field of a view comes from (pure, no I/O)."""

from __future__ import annotations

import json
from typing import Any

from pkgcli.merge import NEW_FIELDS, field_fetched_at, merge_sources

DP_AT = "2026-02-01T00:00:00+00:00"
BEFORE = "2026-01-01T00:00:00+00:00"
AFTER = "2026-03-01T00:00:00+00:00"


def view(**changes: Any) -> dict[str, Any]:
    record = {
        "repo_watchers": 3305,
        "repo_forks": 829,
        "repo_description": "OAuth2 goodies",
        "commits_over_52": [1] * 52,
        "participants": ["synasius", "masci"],
        "last_updated": "2026-01-25T13:45:18-05:00",
        "pypi_version": "3.2.0",
        "documentation_url": "https://readthedocs.org/projects/django-oauth-toolkit/",
        "pkgcli": {"schema_version": 1},
    }
    return record | changes


def github(at: str, **changes: Any) -> dict[str, Any]:
    row = {
        "full_name": "jazzband/django-oauth-toolkit",
        "stars": 3400,
        "forks": 830,
        "subscribers_count": 90,
        "description": "OAuth2 goodies for the Djangonauts!",
        "archived": 0,
        "license": "BSD-2-Clause",
        "repo_fetched_at": at,
        "commits_over_52": json.dumps([2] * 52),
        "participation_fetched_at": at,
        "participants": json.dumps(["synasius", "masci", "n2ygk"]),
        "contributors_fetched_at": at,
        "last_commit_at": "2026-02-10T13:45:18+00:00",
        "commit_count": 2914,
        "commits_fetched_at": at,
        "status": "moved",
        "status_detail": "now jazzband/django-oauth-toolkit",
        "etag_hit": 1,
        "checked_at": at,
    }
    return row | changes


def pypi(at: str, **changes: Any) -> dict[str, Any]:
    row = {
        "project": "django-oauth-toolkit",
        "version": "3.2.1",
        "latest_release_at": "2026-02-02T10:00:00+00:00",
        "license": "BSD",
        "requires_python": ">=3.9",
        "python_versions": json.dumps(["3.9", "3.10"]),
        "django_versions": json.dumps(["4.2", "5.0"]),
        "development_status": "5 - Production/Stable",
        "documentation_url": None,
        "fetched_at": at,
        "status": "ok",
        "etag_hit": 0,
        "checked_at": at,
    }
    return row | changes


def layers(**sources: Any) -> dict[str, Any]:
    return {"djangopackages": {"fetched_at": DP_AT}, "github": None, "pypi": None} | sources


def test_without_sources_the_record_is_untouched_and_new_fields_are_null() -> None:
    merged = merge_sources(view(), layers())
    assert {k: merged[k] for k in view() if k != "pkgcli"} == {
        k: v for k, v in view().items() if k != "pkgcli"
    }
    assert all(merged[key] is None for key in NEW_FIELDS)
    assert merged["pkgcli"]["sources"] == {
        "djangopackages": {"fetched_at": DP_AT},
        "github": None,
        "pypi": None,
    }
    assert merged["pkgcli"]["field_sources"]["repo_watchers"] == "djangopackages"
    assert merged["pkgcli"]["field_sources"]["license"] is None
    assert list(merged)[-1] == "pkgcli"  # new fields come before pkgcli's own block


def test_a_newer_fetch_wins_field_by_field() -> None:
    merged = merge_sources(view(), layers(github=github(AFTER), pypi=pypi(AFTER)))
    assert merged["repo_watchers"] == 3400
    assert merged["commits_over_52"] == [2] * 52
    assert merged["participants"] == ["synasius", "masci", "n2ygk"]
    assert merged["last_updated"].startswith("2026-02-10T08:45:18")  # upstream's own zone
    assert merged["pypi_version"] == "3.2.1"
    assert merged["repo_full_name"] == "jazzband/django-oauth-toolkit"
    assert merged["archived"] is False and merged["commit_count"] == 2914
    assert merged["python_versions"] == ["3.9", "3.10"]
    sources = merged["pkgcli"]["field_sources"]
    assert sources["repo_watchers"] == "github" and sources["pypi_version"] == "pypi"
    # PyPI knows no documentation URL: unknown never beats Django Packages' known one.
    assert merged["documentation_url"] == view()["documentation_url"]
    assert sources["documentation_url"] == "djangopackages"


def test_an_older_fetch_loses_to_a_newer_django_packages_record() -> None:
    merged = merge_sources(view(), layers(github=github(BEFORE)))
    assert merged["repo_watchers"] == 3305
    assert merged["pkgcli"]["field_sources"]["repo_watchers"] == "djangopackages"
    # Fields only GitHub knows still come from it, however old.
    assert merged["subscribers_count"] == 90


def test_each_field_group_carries_its_own_age() -> None:
    # Stats were still computing at the last refresh: participation is from before.
    row = github(AFTER, participation_fetched_at=BEFORE)
    merged = merge_sources(view(), layers(github=row))
    assert merged["repo_watchers"] == 3400
    assert merged["commits_over_52"] == [1] * 52  # Django Packages' is newer than GitHub's
    meta = merged["pkgcli"]
    assert field_fetched_at(meta, "repo_watchers") == AFTER
    assert field_fetched_at(meta, "commits_over_52") == DP_AT
    assert meta["sources"]["github"]["groups"]["participation"] == BEFORE


def test_a_group_never_fetched_is_unknown_not_empty() -> None:
    row = github(AFTER, contributors_fetched_at=None, participants=None)
    merged = merge_sources(view(), layers(github=row))
    assert merged["participants"] == ["synasius", "masci"]


def test_django_packages_unknown_markers_do_not_win() -> None:
    record = view(commits_over_52=[], documentation_url="")
    merged = merge_sources(record, layers(github=github(BEFORE), pypi=pypi(BEFORE)))
    assert merged["commits_over_52"] == [2] * 52  # [] means unknown upstream
    assert merged["pkgcli"]["field_sources"]["commits_over_52"] == "github"


def test_pypi_declared_licence_beats_the_detected_one_whatever_the_times() -> None:
    merged = merge_sources(view(), layers(github=github(AFTER), pypi=pypi(BEFORE)))
    assert merged["license"] == "BSD"
    assert merged["pkgcli"]["field_sources"]["license"] == "pypi"
    merged = merge_sources(view(), layers(github=github(AFTER), pypi=pypi(AFTER, license=None)))
    assert merged["license"] == "BSD-2-Clause"


def test_provenance_says_how_each_source_answered() -> None:
    merged = merge_sources(view(), layers(github=github(AFTER), pypi=pypi(BEFORE)))
    github_info = merged["pkgcli"]["sources"]["github"]
    assert github_info["status"] == "moved" and github_info["etag_hit"] is True
    assert github_info["fetched_at"] == AFTER
    assert merged["pkgcli"]["sources"]["pypi"]["fetched_at"] == BEFORE


def test_a_forge_stands_in_for_github() -> None:
    forge = {
        "forge": "gitlab",
        "full_name": "group/sub/project",
        "stars": 33,
        "forks": 25,
        "description": "from GitLab",
        "archived": 1,
        "license": "MIT License",
        "fetched_at": AFTER,
        "status": "ok",
        "checked_at": AFTER,
    }
    merged = merge_sources(view(), layers(forge=forge))
    assert (merged["repo_watchers"], merged["archived"]) == (33, True)
    assert merged["repo_full_name"] == "group/sub/project"
    assert merged["pkgcli"]["field_sources"]["repo_watchers"] == "gitlab"
    assert merged["pkgcli"]["sources"]["gitlab"]["full_name"] == "group/sub/project"
