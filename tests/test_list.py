"""`pkgcli list`: every package, narrowed by filters that compose, through the real CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from pkgcli.errors import EXIT_USAGE
from tests.mirror_seed import seed, standard

from .conftest import CliHarness

ALL = [
    "alpha-widget", "bravo-widget", "django-ninja", "django-oauth-toolkit",
    "django-rest-framework", "django-tastypie", "djangorestframework-simplejwt", "drf-yasg",
    "evil-pkg",
]  # fmt: skip


@pytest.fixture
def mirror(isolated_env: Path) -> Path:
    seed(str(isolated_env), *standard())
    return isolated_env


def slugs(cli: CliHarness, *args: str) -> list[str]:
    result = cli("list", *args, "--json")
    assert result.exit_code == 0, result.stderr
    return [row["slug"] for row in json.loads(result.stdout)]


def test_without_filters_every_package_by_slug(cli: CliHarness, mirror: Path) -> None:
    assert slugs(cli) == ALL


def test_grid_category_and_stale_filters(cli: CliHarness, mirror: Path) -> None:
    rest = ["django-ninja", "django-rest-framework", "django-tastypie", "drf-yasg", "evil-pkg"]
    assert slugs(cli, "--grid", "rest-frameworks") == rest
    assert slugs(cli, "--grid", "REST-frameworks") == rest  # slugs in any case
    assert slugs(cli, "--category", "apps") == ALL
    assert slugs(cli, "--category", "other") == []
    assert slugs(cli, "--stale", "1y") == ["django-tastypie", "drf-yasg"]
    assert slugs(cli, "--stale", "30mo") == ["drf-yasg"]


def test_filters_compose_with_sort_reverse_and_limit(cli: CliHarness, mirror: Path) -> None:
    found = slugs(cli, "--grid", "rest-frameworks", "--stale", "1y", "--sort", "stars")
    assert found == ["django-tastypie", "drf-yasg"]
    found = slugs(cli, "--grid", "rest-frameworks", "--sort", "repo_watchers", "--reverse")
    assert found == ["evil-pkg", "drf-yasg", "django-tastypie", "django-ninja",
                     "django-rest-framework"]  # fmt: skip


def test_a_cut_at_limit_is_said_on_stderr(cli: CliHarness, mirror: Path) -> None:
    result = cli("list", "--sort", "stars", "--limit", "2", "--json")
    assert [r["slug"] for r in json.loads(result.stdout)] == [
        "django-rest-framework", "django-ninja"]  # fmt: skip
    assert result.stderr == "2 of 9 shown; --limit 0 for all\n"
    result = cli("list", "--limit", "0", "--json")
    assert len(json.loads(result.stdout)) == 9 and result.stderr == ""


def test_tags_local_and_edited_come_from_the_users_edits(cli: CliHarness, mirror: Path) -> None:
    assert cli("edit", "drf-yasg", "--set", "tags=legal,Review").exit_code == 0
    assert cli("edit", "django-ninja", "--set", "tags=review").exit_code == 0
    assert cli("edit", "my-own", "--create").exit_code == 0
    assert slugs(cli, "--tag", "legal") == ["drf-yasg"]
    assert slugs(cli, "--tag", "review") == ["django-ninja", "drf-yasg"]  # any case
    assert slugs(cli, "--tag", "review", "--tag", "legal") == ["drf-yasg"]  # all of them
    assert slugs(cli, "--local") == ["my-own"]
    assert slugs(cli, "--edited") == ["django-ninja", "drf-yasg"]
    assert cli("edit", "drf-yasg", "--set", "grids=11").exit_code == 0  # out of REST, into auth
    assert "drf-yasg" not in slugs(cli, "--grid", "rest-frameworks")
    assert "drf-yasg" in slugs(cli, "--grid", "authentication")


@pytest.mark.parametrize("fmt", ["json", "ndjson", "csv", "tsv", "md", "plain", "table"])
def test_every_format(cli: CliHarness, mirror: Path, fmt: str) -> None:
    result = cli("list", "--grid", "authentication", "--fields", "slug,stars", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    if fmt == "json":
        assert json.loads(text) == [
            {"slug": "django-oauth-toolkit", "stars": 3000},
            {"slug": "djangorestframework-simplejwt", "stars": 3900},
        ]
    elif fmt == "ndjson":
        assert [json.loads(line)["slug"] for line in text.splitlines()] == [
            "django-oauth-toolkit", "djangorestframework-simplejwt"]  # fmt: skip
    elif fmt == "csv":
        assert list(csv.reader(io.StringIO(text)))[1] == ["django-oauth-toolkit", "3000"]
    elif fmt == "table":
        assert "Slug" in text and "3,000" in text
    else:
        assert "django-oauth-toolkit" in text and "3000" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--stale", "soon"], "--stale takes an age such as 2y"),
        (["--django", "5"], "give a version as X.Y"),
        (["--sort", "star"], "did you mean stars?"),
    ],
)
def test_bad_filters_are_usage_errors(
    cli: CliHarness, mirror: Path, args: list[str], message: str
) -> None:
    result = cli("list", *args)
    assert result.exit_code == EXIT_USAGE
    assert message in result.stderr and result.stdout == ""


def test_support_licence_and_archived_filters_use_the_sources(fake: Any, cli: CliHarness) -> None:
    dot = "django-oauth-toolkit"
    assert cli("fetch", dot).exit_code == 0
    view = json.loads(cli("show", dot, "--json", "--offline").stdout)
    django, python = view["django_versions"][-1], view["python_versions"][-1]
    assert slugs(cli, "--django", django) == [dot]
    assert slugs(cli, "--django", "1.0") == []
    assert slugs(cli, "--python", python, "--django", django) == [dot]
    assert slugs(cli, "--license", view["license"].upper()) == [dot]
    assert slugs(cli, "--no-archived") == [dot]
    assert slugs(cli, "--archived") == []


def test_db_is_accepted_after_the_command_too(
    cli: CliHarness, mirror: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PKGCLI_DB", str(tmp_path / "elsewhere.db"))
    for args in (["--db", str(mirror)], [f"--db={mirror}"]):
        result = cli("list", "--limit", "1", "--json", *args)
        assert result.exit_code == 0, result.stderr
        assert [r["slug"] for r in json.loads(result.stdout)] == ["alpha-widget"]
    shown = cli("show", "drf-yasg", "--offline", "--db", str(mirror), "--fields", "slug")
    assert shown.exit_code == 0 and "drf-yasg" in shown.stdout
