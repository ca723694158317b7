"""Values of the wrong type from GitHub, PyPI and the forges are stored as unknown and
counted in the fetch summary, source by source, as Django Packages' have always been
(the counter lives in `SourceClient`, shared by every enrichment source)."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

from .conftest import CliHarness

DOT = "django-oauth-toolkit"


def test_wrong_types_from_github_are_unknown_and_counted(
    fake: Any, cli: CliHarness, isolated_env: Path
) -> None:
    assert cli("fetch", DOT, "--source", "djangopackages").exit_code == 0
    # the repository record, under its old name or (after GitHub's 301) its id
    repo = re.compile(r"^/github/(repos/[^/]+/[^/]+|repositories/[0-9]+)$")
    fake.faults.add("wrong-types", repo, None)
    result = cli("fetch", DOT, "--source", "github")
    assert "Traceback" not in result.stderr
    line = next(x for x in result.stderr.splitlines() if "unusable value" in x)
    assert "from GitHub as unknown" in line and "archived (1)" in line
    with sqlite3.connect(isolated_env) as conn:
        stars, archived = conn.execute("SELECT stars, archived FROM github_repos").fetchone()
    assert isinstance(stars, int)  # a count sent as digits is still that count
    assert archived is None  # "false" is not a JSON boolean: unknown, never archived
    shown = json.loads(cli("show", DOT, "--offline", "--json").stdout)
    assert shown["archived"] is None


def test_wrong_typed_stats_are_a_failure_not_still_computing(
    fake: Any, cli: CliHarness, isolated_env: Path
) -> None:
    assert cli("fetch", DOT, "--source", "djangopackages").exit_code == 0
    repo = fake.github.find("jazzband/django-oauth-toolkit")
    repo.participation = [-1] * 52  # not counts: the boundary makes the list unknown
    result = cli("fetch", DOT, "--source", "github")
    assert result.exit_code == 6, result.stderr  # finished; this package's stats failed
    assert "weekly participation that is not 52 counts" in result.stderr
    assert "still computing" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]  # ends like every failure: one pkgcli: line
    assert last == (
        "pkgcli: 1 package failed (the rest are stored); retry with: pkgcli fetch --failed"
    )
    with sqlite3.connect(isolated_env) as conn:
        outcome = conn.execute(
            "SELECT outcome FROM fetch_outcomes WHERE source = 'github' ORDER BY run_id DESC"
        ).fetchone()[0]
    assert outcome == "failed"
