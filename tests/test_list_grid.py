"""`pkgcli list-grid`: every grid, or one grid's packages compared, through the real CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.mirror_seed import grid, package, seed, standard


@pytest.fixture
def mirror(isolated_env: Path) -> Path:
    seed(str(isolated_env), *standard())
    return isolated_env


def tsv(text: str) -> list[dict[str, str]]:
    lines = text.splitlines()
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]


def test_every_grid_with_its_package_count(cli: Any, mirror: Path) -> None:
    result = cli("list-grid", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == [
        {"slug": "authentication", "title": "Authentication", "package_count": 2},
        {"slug": "empty-grid", "title": "Nothing yet", "package_count": 0},
        {"slug": "rest-frameworks", "title": "REST frameworks", "package_count": 6},
    ]


def test_every_grid_piped_is_plain_tab_separated(cli: Any, mirror: Path) -> None:
    result = cli("list-grid")
    assert result.stdout.splitlines() == [
        "authentication\tAuthentication\t2",
        "empty-grid\tNothing yet\t0",
        "rest-frameworks\tREST frameworks\t6",
    ]


def test_grids_sorted_and_limited(cli: Any, mirror: Path) -> None:
    result = cli("list-grid", "--sort", "package_count", "--limit", "2", "--format", "tsv")
    assert [r["slug"] for r in tsv(result.stdout)] == ["rest-frameworks", "authentication"]
    assert tsv(result.stdout)[0]["package_count"] == "6"
    by_mirrored = cli("list-grid", "--sort", "mirrored_count", "--json").stdout
    assert [r["slug"] for r in json.loads(by_mirrored)] == [
        "rest-frameworks",  # 5 of its 6 are mirrored
        "authentication",
        "empty-grid",
    ]
    result = cli("list-grid", "--fields", "title,mirrored_count", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows[2] == {"slug": "rest-frameworks", "title": "REST frameworks", "mirrored_count": "5"}


def test_a_grid_compared_by_score(cli: Any, mirror: Path) -> None:
    result = cli("list-grid", "rest-frameworks", "--json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert [r["slug"] for r in rows] == [
        "django-rest-framework",
        "django-ninja",
        "django-tastypie",
        "evil-pkg",
        "drf-yasg",  # 3 years without a commit: 3300 - 12 * 330 → floored at -500
    ]
    assert rows[-1]["score"] == -500
    drf = rows[0]
    assert set(drf) == {
        "slug", "title", "stars", "forks", "last_commit", "pypi_version", "commits",
        "participants_count", "score",
    }  # fmt: skip
    assert drf["stars"] == 28000 and drf["forks"] == 6000 and drf["pypi_version"] == "3.15.2"
    assert drf["participants_count"] == 3 and len(drf["commits"]) == 52
    assert drf["last_commit"].endswith("Z")
    ninja = rows[1]
    assert ninja["last_commit"] is None and ninja["commits"] == []
    assert ninja["score"] == 7000 - 700  # unknown last commit: minus a tenth of the stars
    assert rows[2]["score"] == 3900 - 8 * 390  # 800 days ≈ 26 months → 8 quarters


def test_missing_members_are_reported_on_stderr(cli: Any, mirror: Path) -> None:
    result = cli("list-grid", "rest-frameworks", "--format", "tsv")
    assert result.exit_code == 0
    assert len(tsv(result.stdout)) == 5
    assert "1 of the 6 packages in grid 'rest-frameworks' is not in the mirror" in result.stderr
    assert "pkgcli fetch 99" in result.stderr
    assert "pkgcli fetch" not in result.stdout


def test_sort_limit_and_columns(cli: Any, mirror: Path) -> None:
    result = cli(
        "list-grid", "rest-frameworks", "--sort", "slug", "--limit", "3",
        "--columns", "title,stars", "--format", "csv",
    )  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["title"] for r in rows] == ["Django Ninja", "Django REST framework", "Tastypie"]
    assert list(rows[0]) == ["slug", "title", "stars"]
    result = cli("list-grid", "rest-frameworks", "--sort", "stars", "--reverse", "--json")
    assert [r["stars"] for r in json.loads(result.stdout)][:2] == [5, 3300]


def test_unknown_sort_field_or_column_is_a_usage_error(cli: Any, mirror: Path) -> None:
    result = cli("list-grid", "rest-frameworks", "--sort", "popularity")
    assert result.exit_code == 2
    assert "unknown field 'popularity' for --sort" in result.stderr
    result = cli("list-grid", "rest-frameworks", "--columns", "stars,nope")
    assert result.exit_code == 2 and "did you mean notes?" in result.stderr


def test_unknown_grid_suggests_close_matches(cli: Any, mirror: Path) -> None:
    result = cli("list-grid", "rest-framework")
    assert result.exit_code == 3
    assert "no grid 'rest-framework' in the mirror; did you mean: rest-frameworks?" in (
        result.stderr
    )
    assert result.stdout == ""
    assert cli("list-grid", "not a slug!").exit_code == 2


def test_grid_lookup_by_id_and_any_case(cli: Any, mirror: Path) -> None:
    by_id = cli("list-grid", "11", "--format", "tsv")
    by_case = cli("list-grid", "AUTHENTICATION", "--format", "tsv")
    assert by_id.stdout == by_case.stdout
    assert {r["slug"] for r in tsv(by_id.stdout)} == {
        "djangorestframework-simplejwt",
        "django-oauth-toolkit",
    }


def test_empty_mirror_says_so(cli: Any) -> None:
    result = cli("list-grid")
    assert result.exit_code == 0 and result.stdout == ""
    assert "no grids yet" in result.stderr
    result = cli("list-grid", "anything")
    assert result.exit_code == 3 and "pkgcli fetch --all" in result.stderr


def test_an_empty_grid_prints_an_empty_list(cli: Any, mirror: Path) -> None:
    assert json.loads(cli("list-grid", "empty-grid", "--json").stdout) == []
    assert cli("list-grid", "empty-grid", "--format", "csv").stdout == (
        "slug,title,stars,forks,last_commit,pypi_version,commits,participants_count,score\n"
    )


def test_grid_table_fits_80_columns(cli: Any, mirror: Path) -> None:
    result = cli("list-grid", "rest-frameworks", "--format", "table")
    lines = result.stdout.splitlines()
    assert lines[0] == "REST frameworks (rest-frameworks)"
    assert len(lines) == 2 + 5  # title, header, one line per package: nothing wrapped
    assert all(len(line) <= 80 for line in lines)
    header = lines[1].split()
    assert header[:3] == ["Slug", "Title", "Stars"] and header[-1] == "Score"
    assert lines[2].startswith("django-rest-framework  Django REST")
    assert "\x1b" not in result.stdout  # not a terminal: no colour


def test_grid_table_abbreviates_and_drops_by_priority(
    cli: Any, mirror: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wide = cli("list-grid", "rest-frameworks", "--format", "table")
    monkeypatch.setenv("COLUMNS", "200")
    wider = cli("list-grid", "rest-frameworks", "--format", "table")
    assert "Forks" not in wide.stdout.splitlines()[1]  # dropped first at 80 columns
    assert "Forks" in wider.stdout and "Participants" in wider.stdout
    assert "28,000" in wider.stdout and "Last commit" in wider.stdout
    monkeypatch.setenv("COLUMNS", "40")
    narrow = cli("list-grid", "rest-frameworks", "--format", "table").stdout.splitlines()
    assert all(len(line) <= 40 for line in narrow) and len(narrow) == 7
    assert narrow[2].startswith("django-rest-framework")  # the slug is never dropped


def test_a_big_grid_is_not_capped(cli: Any, isolated_env: Path) -> None:
    ids = list(range(1, 251))
    seed(
        str(isolated_env),
        [package(i, f"pkg-{i:03d}", repo_watchers=i) for i in ids],
        [grid(1, "big", ids)],
    )
    result = cli("list-grid", "big", "--format", "ndjson")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 250 and rows[0]["slug"] == "pkg-250"
    table = cli("list-grid", "big", "--format", "table").stdout.splitlines()
    assert len(table) == 252 and all(len(line) <= 80 for line in table)


def test_github_and_pypi_columns_show_when_views_carry_them(
    cli: Any, mirror: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pkgcli import service

    real = service.package_views

    def with_sources(*args: Any) -> list[dict[str, Any]]:  # what the sources branch adds
        views = real(*args)
        for v in views:
            v.update(license="MIT", archived=v["slug"] == "drf-yasg", python_versions=["3.12"])
        return views

    monkeypatch.setattr(service, "package_views", with_sources)
    rows = json.loads(cli("list-grid", "rest-frameworks", "--json").stdout)
    assert rows[0]["license"] == "MIT" and rows[0]["python_versions"] == ["3.12"]
    assert [r["slug"] for r in rows if r["archived"]] == ["drf-yasg"]
    monkeypatch.setenv("COLUMNS", "160")
    table = cli("list-grid", "rest-frameworks", "--format", "table").stdout.splitlines()
    assert "Arch" in table[1] and "Lic" in table[1]
    yasg = next(line for line in table if line.startswith("drf-yasg"))
    assert "yes" in yasg and "MIT" in yasg


def test_list_fields(cli: Any) -> None:
    package_fields = json.loads(cli("list-grid", "x", "--list-fields", "--json").stdout)
    assert {"name": "score", "type": "int"}.items() <= package_fields[-13].items() or any(
        f["name"] == "score" and f["type"] == "int" for f in package_fields
    )
    grid_fields = cli("list-grid", "--list-fields").stdout.splitlines()
    assert grid_fields[0].split("\t")[:3] == ["slug", "", "str"]  # name, aliases, type
    assert any(line.startswith("package_count\t\tint\t") for line in grid_fields)


def test_the_users_edits_show_in_the_comparison(cli: Any, mirror: Path) -> None:
    """Edited values, grids edits and local packages (pkgcli edit) reach list-grid."""
    assert (
        cli("edit", "django-ninja", "--set", "repo_watchers=50000", "--set", "tags=fast").exit_code
        == 0
    )
    assert cli("edit", "drf-yasg", "--set", "grids=11").exit_code == 0  # out of the grid
    created = cli("edit", "my-app", "--create", "--set", "title=My App", "--set", "grids=10")
    assert created.exit_code == 0, created.stderr
    rows = json.loads(
        cli("list-grid", "rest-frameworks", "--json", "--fields", "stars,tags,edited,local").stdout
    )
    by_slug = {r["slug"]: r for r in rows}
    assert rows[0]["slug"] == "django-ninja"  # 50,000 stars now: the best score
    assert by_slug["django-ninja"]["tags"] == ["fast"]
    assert by_slug["django-ninja"]["edited"] == ["repo_watchers", "tags"]
    assert "drf-yasg" not in by_slug
    assert by_slug["my-app"]["local"] is True
    assert by_slug["django-rest-framework"] == {
        "slug": "django-rest-framework", "stars": 28000, "tags": [], "edited": [], "local": False,
    }  # fmt: skip
    found = json.loads(cli("search", "ninja", "--json", "--fields", "stars").stdout)
    assert found == [{"slug": "django-ninja", "stars": 50000}]
