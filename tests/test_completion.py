"""Shell completion: slugs from the mirror, field names; silent when anything is wrong."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from pkgcli.completion import (
    complete_fields,
    complete_grid_slug,
    complete_package_slug,
    complete_set,
    complete_sort,
    complete_unset,
)
from tests.mirror_seed import package, seed, standard


def context(command: str = "show", db: str | None = None, **params: Any) -> Any:
    root = SimpleNamespace(params={"db": db})
    return SimpleNamespace(
        command=SimpleNamespace(name=command), params=params, args=[], find_root=lambda: root
    )


@pytest.fixture
def mirror(isolated_env: Path) -> Path:
    seed(str(isolated_env), *standard())
    return isolated_env


def test_package_and_grid_slugs_by_prefix(mirror: Path) -> None:
    assert complete_package_slug(context(), "django-r") == ["django-rest-framework"]
    assert complete_package_slug(context(), "DJANGO-N") == ["django-ninja"]  # any case
    assert len(complete_package_slug(context(), "")) == 9
    assert complete_grid_slug(context("list-grid"), "a") == ["authentication"]


def test_like_wildcards_in_what_was_typed_are_literal(isolated_env: Path) -> None:
    seed(str(isolated_env), [package(1, "django-x"), package(2, "django_y")])
    assert complete_package_slug(context(), "django_") == ["django_y"]
    assert complete_package_slug(context(), "%") == []
    assert complete_package_slug(context(), "django%") == []  # "%" is no slug character


def test_no_database_completes_nothing_and_creates_nothing(isolated_env: Path) -> None:
    assert complete_package_slug(context(), "dj") == []
    assert complete_grid_slug(context(), "") == []
    assert not isolated_env.exists()


def test_a_broken_database_completes_nothing(isolated_env: Path) -> None:
    isolated_env.write_bytes(b"this is not sqlite" * 100)
    assert complete_package_slug(context(), "dj") == []
    isolated_env.unlink()
    isolated_env.mkdir()  # a directory where the file should be
    assert complete_package_slug(context(), "dj") == []


def test_db_option_typed_before_the_command_is_honoured(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    seed(str(other), [package(1, "only-here")])
    assert complete_package_slug(context(db=str(other)), "on") == ["only-here"]
    assert complete_package_slug(context(), "on") == []


def test_field_names_complete_the_last_of_a_list() -> None:
    assert complete_fields(context(), "slug,st") == ["slug,stars"]
    assert "all" in complete_fields(context(), "")
    assert "slug,slug" not in complete_fields(context(), "slug,")  # no repeats
    assert complete_fields(context("list-grid"), "pack") == ["package_count"]
    assert complete_fields(context("list-grid", slug="x"), "pack") == []
    assert complete_fields(context("paths"), "data") == ["database", "database_from"]
    assert complete_sort(context("search"), "sc") == ["score"]
    assert complete_sort(context("search", grids=True), "p") == ["package_count"]


def test_both_names_of_a_field_complete() -> None:
    assert complete_sort(context("search"), "repo_w") == ["repo_watchers"]
    found = complete_fields(context(), "slug,last")
    assert sorted(found) == ["slug,last_commit", "slug,last_fetched", "slug,last_updated"]


def test_edit_set_completes_editable_names_with_an_equals_sign() -> None:
    assert complete_set(context("edit"), "sta") == ["stars="]
    assert complete_set(context("edit"), "repo_w") == ["repo_watchers="]
    assert complete_set(context("edit"), "sco") == []  # score is not editable
    assert complete_unset(context("edit"), "no") == ["notes"]


def _complete(words: str, db: Path, **env: str) -> subprocess.CompletedProcess[str]:
    cword = len(words.split()) - (0 if words.endswith(" ") else 1)
    environment = {
        **os.environ,
        "PKGCLI_DB": str(db),
        "_PKGCLI_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(cword),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "pkgcli"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_end_to_end_through_the_shell_protocol(mirror: Path) -> None:
    """What bash runs on Tab: the real program, the completion variables, stdout."""
    done = _complete("pkgcli list-grid r", mirror)
    assert (done.returncode, done.stdout.split(), done.stderr) == (0, ["rest-frameworks"], "")
    assert _complete("pkgcli show drf", mirror).stdout.split() == ["drf-yasg"]
    assert _complete("pkgcli li", mirror).stdout.split() == ["list", "list-grid"]
    assert "--fields" in _complete("pkgcli search --fi", mirror).stdout.split()
    assert _complete("pkgcli list-grid rest-frameworks --sort st", mirror).stdout.split() == [
        "stars"
    ]
    assert "ndjson" in _complete("pkgcli show --format ", mirror).stdout.split()
    assert _complete("pkgcli edit drf", mirror).stdout.split() == ["drf-yasg"]
    assert _complete("pkgcli edit drf-yasg --set for", mirror).stdout.split() == ["forks="]


def test_end_to_end_without_a_database_is_silent(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "pkgcli.db"
    done = _complete("pkgcli show dj", missing)
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "", "")
    assert not missing.parent.exists()


@pytest.mark.parametrize(
    ("shell", "marker"),
    [("bash", "COMPREPLY"), ("zsh", "#compdef pkgcli"), ("fish", "complete --command pkgcli")],
)
def test_show_completion_honours_the_shell_named(shell: str, marker: str) -> None:
    for args in (["--show-completion", shell], [f"--show-completion={shell}"]):
        done = subprocess.run(
            [sys.executable, "-m", "pkgcli", *args],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert marker in done.stdout
        others = {"bash": "COMPREPLY", "zsh": "#compdef", "fish": "complete --command"}
        assert not any(m in done.stdout for s, m in others.items() if s != shell)


def test_show_completion_refuses_an_unknown_shell() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pkgcli", "--show-completion", "tcsh"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("pkgcli: --show-completion takes one of bash, zsh, fish")
