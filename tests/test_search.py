"""`pkgcli search`: full-text search of the local mirror, through the real CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from pkgcli.service import fts_query
from tests.mirror_seed import package, seed, standard


@pytest.fixture
def mirror(isolated_env: Path) -> Path:
    seed(str(isolated_env), *standard())
    return isolated_env


def slugs(result: Any) -> list[str]:
    assert result.exit_code == 0, result.stderr
    return [row["slug"] for row in json.loads(result.stdout)]


def test_title_and_slug_matches_rank_above_description_matches(cli: Any, mirror: Path) -> None:
    found = slugs(cli("search", "rest", "framework", "--json"))
    assert found[0] == "django-rest-framework"
    # the others only say "REST framework" in their description
    assert set(found[1:]) == {"django-ninja", "djangorestframework-simplejwt", "drf-yasg"}


def test_name_matches_come_first_most_stars_first(cli: Any, mirror: Path) -> None:
    assert slugs(cli("search", "django", "--json")) == [
        "django-rest-framework",
        "django-ninja",
        "django-tastypie",  # 3900 stars each: then by slug
        "djangorestframework-simplejwt",
        "django-oauth-toolkit",
        "drf-yasg",  # "Django" only in its description
    ]


def test_a_long_participant_list_does_not_sink_a_package(cli: Any, isolated_env: Path) -> None:
    crowd = [f"contributor{i}" for i in range(300)]
    seed(
        str(isolated_env),
        [
            package(1, "oauth-lite", repo_watchers=10, participants=[]),
            package(2, "big-oauth", repo_watchers=5000, participants=crowd),
            package(3, "other", repo_description="an oauth helper", repo_watchers=9000),
        ],
    )
    assert slugs(cli("search", "oauth", "--json")) == ["big-oauth", "oauth-lite", "other"]


def test_equal_relevance_is_ordered_by_stars(cli: Any, mirror: Path) -> None:
    assert slugs(cli("search", "widget", "--json")) == ["bravo-widget", "alpha-widget"]


def test_an_exact_slug_comes_first(cli: Any, mirror: Path) -> None:
    assert slugs(cli("search", "drf-yasg", "--json"))[0] == "drf-yasg"


def test_words_match_inside_words_word_starts_first(cli: Any, mirror: Path) -> None:
    # "authentication" starts with "auth" (word index, first); "OAuth" holds it (trigram)
    assert slugs(cli("search", "auth", "--json")) == [
        "djangorestframework-simplejwt",
        "django-oauth-toolkit",
    ]
    assert slugs(cli("search", "json", "token", "--json")) == ["djangorestframework-simplejwt"]
    assert slugs(cli("search", "json", "ninja", "--json")) == []


def test_participants_are_searched(cli: Any, mirror: Path) -> None:
    assert slugs(cli("search", "tomchristie", "--json")) == ["django-rest-framework"]


def test_search_is_offline(cli: Any, mirror: Path) -> None:
    # the conftest points every upstream at a closed port: any request would fail loudly
    result = cli("search", "oauth", "--format", "tsv")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1].startswith("django-oauth-toolkit\tDjango OAuth Toolkit")


@pytest.mark.parametrize(
    "text",
    ['"', "rest*", "OR", "NEAR(rest", "title:rest", "-rest", "rest AND", "(", "^rest", "'"],
)
def test_fts_syntax_in_user_text_is_never_an_error(cli: Any, mirror: Path, text: str) -> None:
    result = cli("search", "--json", "--", text)
    if any(ch.isalnum() for ch in text):
        assert result.exit_code == 0, result.stderr
        json.loads(result.stdout)
    else:
        assert result.exit_code == 2
        assert result.stderr.startswith("pkgcli: nothing to search for")
    assert "Traceback" not in result.stderr


def test_no_words_is_a_usage_error(cli: Any, mirror: Path) -> None:
    result = cli("search")
    assert result.exit_code == 2 and "give the words to search for" in result.stderr


def test_fts_query_quotes_every_word() -> None:
    assert fts_query('rest "fram" OR x*') == '"rest"* "fram"* "OR"* "x"*'
    assert fts_query("café_au-lait") == '"café_au"* "lait"*'


def test_no_match_and_empty_mirror_say_so_on_stderr(cli: Any, mirror: Path) -> None:
    result = cli("search", "zzzz", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout) == []
    assert "no packages match 'zzzz'" in result.stderr


def test_empty_mirror(cli: Any) -> None:
    result = cli("search", "rest")
    assert result.exit_code == 0 and result.stdout == ""
    assert "the mirror has no packages yet: run `pkgcli fetch --all`" in result.stderr


def test_limit_sort_and_fields(cli: Any, mirror: Path) -> None:
    assert len(slugs(cli("search", "django", "--limit", "2", "--json"))) == 2
    by_stars = cli("search", "rest", "--sort", "stars", "--fields", "stars", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(by_stars.stdout)))
    assert [int(r["stars"]) for r in rows] == sorted((int(r["stars"]) for r in rows), reverse=True)
    assert list(rows[0]) == ["slug", "stars"]
    # --sort looks at every hit before --limit cuts
    top = slugs(cli("search", "django", "--sort", "stars", "--limit", "1", "--json"))
    assert top == ["django-rest-framework"]


def test_default_search_fields(cli: Any, mirror: Path) -> None:
    (row,) = json.loads(cli("search", "oauth", "--json").stdout)
    assert row == {
        "slug": "django-oauth-toolkit",
        "title": "Django OAuth Toolkit",
        "stars": 3000,
        "last_commit": row["last_commit"],
        "description": "OAuth2 goodies for the Djangonauts!",
    }
    assert row["last_commit"].endswith("Z")


def test_search_grids(cli: Any, mirror: Path) -> None:
    result = cli("search", "--grids", "auth", "--json")
    assert json.loads(result.stdout) == [
        {"slug": "authentication", "title": "Authentication", "package_count": 2}
    ]
    assert cli("search", "--grids", "--list-fields").stdout.startswith("slug\t\tstr\t")


def test_search_table_fits_80_columns(cli: Any, mirror: Path) -> None:
    lines = cli("search", "django", "--format", "table", "--limit", "0").stdout.splitlines()
    hits = slugs(cli("search", "django", "--json", "--limit", "0"))
    assert lines[0].split()[:3] == ["Slug", "Title", "Stars"]
    assert len(hits) == 6 and len(lines) == 1 + len(hits)  # one line each: nothing wrapped
    assert all(len(line) <= 80 for line in lines)
    assert [line.split()[0] for line in lines[1:]] == hits


def test_search_finds_your_tags_notes_and_edited_text(cli: Any, mirror: Path) -> None:
    assert slugs(cli("search", "legal", "--json")) == []
    assert cli("edit", "drf-yasg", "--set", "tags=legal,audit").exit_code == 0
    assert cli("edit", "django-ninja", "--set", "notes=Checked by the LEGAL team").exit_code == 0
    assert cli("edit", "alpha-widget", "--set", "title=Pancake maker").exit_code == 0
    assert set(slugs(cli("search", "legal", "--json"))) == {"drf-yasg", "django-ninja"}
    assert slugs(cli("search", "legal", "team", "--json")) == ["django-ninja"]
    assert slugs(cli("search", "pancake", "--json")) == ["alpha-widget"]


def test_a_mistyped_word_gets_close_slugs(cli: Any, mirror: Path) -> None:
    result = cli("search", "oauht")
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr == "no packages match 'oauht'; did you mean django-oauth-toolkit?\n"


def test_a_cut_at_limit_is_said_on_stderr(cli: Any, mirror: Path) -> None:
    result = cli("search", "django", "--limit", "2", "--json")
    assert len(json.loads(result.stdout)) == 2
    assert result.stderr == "2 of 6 shown; --limit 0 for all\n"
    result = cli("search", "django", "--limit", "0", "--json")
    assert len(json.loads(result.stdout)) == 6 and result.stderr == ""


def test_the_trigram_index_follows_refreshes(cli: Any, isolated_env: Path) -> None:
    seed(str(isolated_env), [package(1, "django-allauth", repo_description="accounts")])
    assert slugs(cli("search", "llaut", "--json")) == ["django-allauth"]
    seed(str(isolated_env), [package(1, "django-allauth", repo_description="renamed things")])
    assert slugs(cli("search", "named", "--json")) == ["django-allauth"]
    assert slugs(cli("search", "ccount", "--json")) == []
