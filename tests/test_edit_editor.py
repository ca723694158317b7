"""`pkgcli edit SLUG --editor` with a scripted `$EDITOR`: a TOML document, validated on save,
re-opened with the problem shown, cancelled (exit 2, nothing changed) when saved unchanged
or empty or when the editor fails."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Any

import pytest

from pkgcli.editor import MAX_ATTEMPTS
from pkgcli.errors import EXIT_USAGE

from .conftest import CliHarness
from .test_edit import DOT, REAL_1858, history, view

EDITOR_SCRIPT = """\
import json, pathlib, sys
here = pathlib.Path(__file__).parent
plan = json.loads((here / "plan.json").read_text())
counter = here / "count"
n = int(counter.read_text()) if counter.exists() else 0
counter.write_text(str(n + 1))
path = pathlib.Path(sys.argv[-1])
text = path.read_text(encoding="utf-8")
(here / f"seen-{n}.toml").write_text(text, encoding="utf-8")
step = plan[min(n, len(plan) - 1)]
if "exit" in step:
    sys.exit(step["exit"])
for old, new in step.get("replace", []):
    if old not in text:
        sys.exit(f"scripted editor: {old!r} is not in the document")
    text = text.replace(old, new)
if "drop" in step:
    text = "".join(l + "\\n" for l in text.splitlines() if not l.startswith(step["drop"]))
if "write" in step:
    text = step["write"]
path.write_text(text, encoding="utf-8")
"""


class ScriptedEditor:
    """An $EDITOR that plays a plan: one step per time it is opened (the last one repeats)."""

    def __init__(self, directory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        directory.mkdir()
        self.dir = directory
        (directory / "editor.py").write_text(EDITOR_SCRIPT)
        self.command = f"{shlex.quote(sys.executable)} {shlex.quote(str(directory / 'editor.py'))}"
        monkeypatch.setenv("EDITOR", self.command)

    def plan(self, *steps: dict[str, Any]) -> None:
        (self.dir / "plan.json").write_text(json.dumps(list(steps)))

    @property
    def opened(self) -> int:
        counter = self.dir / "count"
        return int(counter.read_text()) if counter.exists() else 0

    def seen(self, n: int) -> str:
        return (self.dir / f"seen-{n}.toml").read_text(encoding="utf-8")


def fetched_forks(cli: CliHarness, step: dict[str, Any]) -> dict[str, Any]:
    """`step` with the fork count a fetch stored (the fake GitHub's, not the 829 Django
    Packages sends) wherever it says 829."""
    forks = str(view(cli)["repo_forks"])
    changed: dict[str, Any] = json.loads(json.dumps(step).replace("829", forks))
    return changed


@pytest.fixture
def editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ScriptedEditor:
    return ScriptedEditor(tmp_path / "editor", monkeypatch)


def test_saved_changes_become_edits_and_a_deleted_line_unsets(
    fake: Any, cli: CliHarness, editor: ScriptedEditor
) -> None:
    assert cli("edit", DOT, "--set", "title=Mine").exit_code == 0
    editor.plan(
        {
            "replace": [
                ["repo_forks = 829", "repo_forks = 900"],
                ['# notes = ""', "notes = '''\nFirst line\nSecond \"line\"'''"],
                ["tags = []", 'tags = ["auth", "oauth"]'],
            ],
            "drop": "title =",
        }
    )
    result = cli("edit", DOT, "--editor")
    assert result.exit_code == 0, result.stderr
    assert "repo_forks = 900" in result.stderr
    assert "title back to the upstream value" in result.stderr
    shown = view(cli)
    assert shown["repo_forks"] == 900
    assert shown["notes"] == 'First line\nSecond "line"'
    assert shown["tags"] == ["auth", "oauth"]
    assert shown["title"] == REAL_1858["title"]
    document = editor.seen(0)
    assert f'# edited; upstream value: "{REAL_1858["title"]}"\ntitle = "Mine"\n' in document
    assert "category = 1  # App\n" in document
    assert {e["origin"] for e in history(cli, DOT)} == {"cli", "editor"}


@pytest.mark.parametrize(
    ("first", "problem"),
    [
        ({"replace": [["repo_forks = 829", "repo_forks = -1"]]}, "invalid value for repo_forks"),
        ({"replace": [["repo_forks = 829", "repo_forks = 829 829"]]}, "not valid TOML"),
        ({"replace": [["repo_forks = 829", "colour = 'red'"]]}, "unknown field 'colour'"),
    ],
)
def test_an_invalid_save_reopens_with_the_problem_on_top(
    fake: Any, cli: CliHarness, editor: ScriptedEditor, first: dict[str, Any], problem: str
) -> None:
    assert cli("fetch", DOT, "--source", "djangopackages").exit_code == 0
    first = fetched_forks(cli, first)
    editor.plan(first, {"write": 'repo_forks = 5\ntitle = "Fixed"\n'})
    result = cli("edit", DOT, "--editor")
    assert result.exit_code == 0, result.stderr
    assert editor.opened == 2
    reopened = editor.seen(1)
    assert reopened.startswith("# ERROR: ")
    assert problem in reopened.splitlines()[0]
    saved = editor.seen(0)
    for old, new in first["replace"]:
        saved = saved.replace(old, new)
    assert reopened.endswith(saved)  # the user's text is kept, below the problem
    shown = view(cli)
    assert (shown["repo_forks"], shown["title"]) == (5, "Fixed")


@pytest.mark.parametrize(
    ("step", "problem"),
    [
        ({}, "saved unchanged: nothing changed"),
        ({"write": ""}, "saved empty"),
        ({"write": "# only a comment\n\n"}, "saved empty"),
        ({"exit": 1}, "the editor exited with status 1; nothing changed"),
        ({"replace": [["repo_forks = 829", 'repo_forks = "829"']]}, "no value was changed"),
        ({"write": "repo_forks = -1\n"}, "still invalid after"),
    ],
)
def test_a_cancelled_or_failed_edit_changes_nothing(
    fake: Any, cli: CliHarness, editor: ScriptedEditor, step: dict[str, Any], problem: str
) -> None:
    assert cli("fetch", DOT, "--source", "djangopackages").exit_code == 0
    before = view(cli)
    editor.plan(fetched_forks(cli, step))
    result = cli("edit", DOT, "--editor")
    assert result.exit_code == EXIT_USAGE
    assert problem in result.stderr
    assert result.stderr.count("\n") == 1
    assert view(cli) == before
    assert history(cli, DOT) == []
    if problem == "still invalid after":
        assert editor.opened == MAX_ATTEMPTS


def test_an_editor_that_cannot_start_is_a_usage_error(
    fake: Any, cli: CliHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDITOR", "/no/such/editor --wait")
    result = cli("edit", DOT, "--editor")
    assert result.exit_code == EXIT_USAGE
    assert "cannot start the editor '/no/such/editor'" in result.stderr
    assert history(cli, DOT) == []


def test_visual_wins_over_editor(
    fake: Any, cli: CliHarness, editor: ScriptedEditor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VISUAL", editor.command)
    monkeypatch.setenv("EDITOR", "/no/such/editor")
    editor.plan({"replace": [["repo_forks = 829", "repo_forks = 1"]]})
    assert cli("edit", DOT, "--editor").exit_code == 0
    assert view(cli)["repo_forks"] == 1


def test_a_new_local_package_can_be_filled_in_the_editor(
    cli: CliHarness, editor: ScriptedEditor
) -> None:
    editor.plan(
        {
            "replace": [
                ['title = ""', 'title = "From the editor"'],
                ['repo_url = ""', 'repo_url = "https://example.com/r"'],
            ]
        }
    )
    result = cli("edit", "my-app", "--create", "--editor")
    assert result.exit_code == 0, result.stderr
    shown = view(cli, "my-app")
    assert (shown["title"], shown["repo_url"]) == ("From the editor", "https://example.com/r")
    assert shown["pkgcli"]["local"] is True
