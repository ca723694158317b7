"""`list-grid SLUG --django X.Y` and `--matrix django|python`, through the CLI."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from .conftest import CliHarness

GRID = "healt-checkers"  # six packages in the fixture catalogue


@pytest.fixture
def mirrored(fake: Any, cli: CliHarness, isolated_env: Path) -> Path:
    fake.endoflife.products["django"] = [
        {"cycle": c, "releaseDate": f"20{10 + i}-04-01", "eol": False}
        for i, c in enumerate(["2.0", "2.1", "2.2", "3.0", "3.1", "3.2", "4.0", "4.1", "4.2"])
    ] + [{"cycle": c, "releaseDate": "2025-04-02", "eol": False} for c in ("5.0", "5.1", "5.2")]
    fake.endoflife.products["django"].append({"cycle": "6.0", "releaseDate": "2025-12-03"})
    assert cli("fetch", "--all", "--source", "djangopackages,pypi").exit_code == 0
    conn = sqlite3.connect(isolated_env)
    with conn:  # scripted declarations: one per kind of cell
        for pid, versions in ((2225, '["5.2", "6.0"]'), (5811, '["4.2"]'), (5754, "[]")):
            conn.execute(
                "UPDATE pypi_projects SET django_versions = ?, python_versions = '[\"3.12\"]' "
                "WHERE package_id = ?",
                (versions, pid),
            )
    conn.close()
    return isolated_env


@pytest.mark.parametrize("width", [40, 80])
def test_matrix_fits_the_terminal(
    mirrored: Path, cli: CliHarness, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    result = cli("list-grid", GRID, "--matrix", "django", "--format", "table")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= width
    header = lines[1].split()
    assert header[0] == "Package" and header[-1] == "6.0"  # the newest series always shown
    # the ten newest series at 80 columns; at 40, the oldest are dropped (and said so)
    assert len(header) - 1 == (10 if width == 80 else 5)
    cells = {line.split()[0]: line.split()[1:] for line in lines[2:-1]}
    rows = {
        slug: next(v for k, v in cells.items() if slug.startswith(k.rstrip("…")))
        for slug in (
            "django-haystack",
            "django-notifications",
            "django-tenants-mail",
            "dj_teams_gdpr",
        )
    }
    assert rows["django-haystack"][-2:] == ["✓", "✓"]  # 5.2 and 6.0
    assert rows["django-notifications"][-1] == "<"  # 4.2 only: only older
    assert rows["django-tenants-mail"][-1] == "·"  # no Django classifiers
    assert set(rows["dj_teams_gdpr"]) == {"?"}  # no pypi_url, never on PyPI: unknown


def test_matrix_python_and_data_formats(mirrored: Path, cli: CliHarness) -> None:
    rows = json.loads(cli("list-grid", GRID, "--matrix", "python", "--json").stdout)
    survey = next(r for r in rows if r["slug"] == "django-haystack")
    assert survey["3.12"] == "supported" and survey["3.13"] == "only older"
    csv = cli("list-grid", GRID, "--matrix", "django", "--format", "csv").stdout
    assert csv.splitlines()[0].startswith("slug,")
    assert cli("list-grid", GRID, "--matrix", "ruby").exit_code == 2


def test_django_column_marks_support(mirrored: Path, cli: CliHarness) -> None:
    rows = json.loads(cli("list-grid", GRID, "--django", "5.2", "--json").stdout)
    marks = {r["slug"]: r["django_support"] for r in rows}
    assert marks["django-haystack"] == "supported"
    assert marks["django-notifications"] == "only older"
    assert marks["dj_teams_gdpr"] == "unknown"
    table = cli("list-grid", GRID, "--django", "5.2", "--format", "table").stdout
    assert "Django 5.2" in table or "Dj5.2" in table
    assert cli("list-grid", GRID, "--django", "latest").exit_code == 2
