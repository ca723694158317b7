"""The one field registry through the CLI: both names of a field work everywhere, an
unknown name gets a guess (exit 2), and --list-fields shows every name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pkgcli.errors import EXIT_USAGE
from tests.mirror_seed import seed, standard

SLUG = "django-rest-framework"


@pytest.fixture
def mirror(isolated_env: Path) -> Path:
    seed(str(isolated_env), *standard())
    return isolated_env


def rows(result: Any) -> Any:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("view_key", "short"),
    [("repo_watchers", "stars"), ("repo_forks", "forks"), ("last_updated", "last_commit"),
     ("commits_over_52", "commits"), ("repo_description", "description")],
)  # fmt: skip
def test_fields_takes_the_view_key_and_the_short_name_alike(
    cli: Any, mirror: Path, view_key: str, short: str
) -> None:
    by_key = rows(cli("search", "rest", "--json", "--fields", view_key))
    by_short = rows(cli("search", "rest", "--json", "--fields", short))
    assert by_key == by_short
    assert short in by_key[0]  # output keys are the registry's one name
    shown = rows(cli("show", SLUG, "--offline", "--json", "--fields", f"slug,{view_key}"))
    assert shown == rows(cli("show", SLUG, "--offline", "--json", "--fields", f"slug,{short}"))


def test_sort_takes_either_name(cli: Any, mirror: Path) -> None:
    by_key = rows(cli("search", "django", "--json", "--sort", "repo_watchers"))
    assert by_key == rows(cli("search", "django", "--json", "--sort", "stars"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", "rest", "--sort", "star"], "'star' for --sort; did you mean stars?"),
        (["search", "rest", "--fields", "slug,forx"], "for --fields; did you mean forks?"),
        (["search", "rest", "--fields", "repo_watcher"], "did you mean stars"),
        (["show", SLUG, "--offline", "--fields", "zzzz"], "'zzzz' for --fields; see --list-fields"),
    ],
)  # fmt: skip
def test_an_unknown_field_name_gets_a_guess_and_exit_2(
    cli: Any, mirror: Path, args: list[str], message: str
) -> None:
    result = cli(*args)
    assert result.exit_code == EXIT_USAGE
    assert result.stdout == ""
    assert result.stderr.startswith("pkgcli: ")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert len(result.stderr) < 120  # a guess, not a wall of 37 names


def test_list_fields_shows_the_other_names_and_what_edit_takes(cli: Any, mirror: Path) -> None:
    listed = {row["name"]: row for row in rows(cli("search", "--list-fields", "--json"))}
    assert listed["stars"]["aliases"] == ["repo_watchers"]
    assert listed["stars"]["editable"] is True
    assert listed["score"]["editable"] is False
    assert listed["documentation_url"]["aliases"] == ["docs"]


def test_edit_takes_either_name_and_show_has_the_view_key(cli: Any, mirror: Path) -> None:
    assert (
        cli("edit", SLUG, "--set", "stars=7", "--set", "last_commit=2024-01-02T12:00:00Z").exit_code
        == 0
    )
    shown = rows(cli("show", SLUG, "--offline", "--json"))
    assert shown["repo_watchers"] == 7
    assert shown["last_updated"].startswith("2024-01-02T")
    assert sorted(shown["pkgcli"]["edited"]) == ["last_updated", "repo_watchers"]
    assert cli("edit", SLUG, "--unset", "repo_watchers", "--unset", "last_commit").exit_code == 0
    assert rows(cli("show", SLUG, "--offline", "--json"))["pkgcli"]["edited"] == []
