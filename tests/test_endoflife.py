"""The Django/Python end-of-life table: shipped, refreshed by `fetch --all`, untrusted."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from .conftest import CliHarness

DP = ("--source", "djangopackages,pypi")


def _django_rule(cli: CliHarness) -> dict[str, Any]:
    shown = json.loads(cli("show", "django-oauth-toolkit", "--offline", "--json").stdout)
    return next(r for r in shown["pkgcli"]["health"]["rules"] if r["rule"] == "django_support")


def test_fetch_all_refreshes_the_table_and_health_uses_it(
    fake: Any, cli: CliHarness, isolated_env: Path
) -> None:
    # django-oauth-toolkit declares Django 3.2-4.2 only: by the shipped table, none is
    # supported now. The refreshed table (scripted) says 4.2 lives until 2099.
    fake.endoflife.products["django"][3]["eol"] = "2099-01-01"
    result = cli("fetch", "--all", *DP)
    assert result.exit_code == 0, result.stderr
    assert "endoflife.date: Django and Python release table refreshed" in result.stderr
    saved = isolated_env.with_name("endoflife.json")
    assert stat.S_IMODE(os.stat(saved).st_mode) == 0o600
    table = json.loads(saved.read_text())
    assert {"cycle": "4.2", "release": "2023-04-03", "eol": "2099-01-01", "lts": True} in table[
        "django"
    ]
    assert _django_rule(cli)["outcome"] == "pass"


def test_hostile_values_become_unknown_and_are_counted(fake: Any, cli: CliHarness) -> None:
    fake.endoflife.products["django"] = [
        {"cycle": "5.2", "releaseDate": 20250402, "eol": ["never"], "lts": "yes"},
        {"cycle": "$(rm -rf /)", "releaseDate": "2025-01-01", "eol": False},
        "not an object",
        {"cycle": "6.0", "releaseDate": "2025-12-03", "eol": False, "lts": False},
    ]
    result = cli("fetch", "--all", *DP)
    assert result.exit_code == 0
    assert "(4 unusable values stored as unknown)" in result.stderr


def test_an_unusable_answer_keeps_the_table_in_use(
    fake: Any, cli: CliHarness, isolated_env: Path
) -> None:
    fake.endoflife.products["python"] = {"not": "a list"}
    result = cli("fetch", "--all", *DP)
    assert result.exit_code == 0
    assert "endoflife.date: no usable python releases; kept the table in use" in result.stderr
    assert not isolated_env.with_name("endoflife.json").exists()
    assert _django_rule(cli)["outcome"] == "fail"  # the shipped table: 4.2 has ended


def test_unreachable_is_one_note_and_fetch_still_succeeds(
    fake: Any, cli: CliHarness, monkeypatch: Any
) -> None:
    monkeypatch.setenv("PKGCLI_ENDOFLIFE_URL", "http://127.0.0.1:9/endoflife")
    result = cli("fetch", "--all", *DP)
    assert result.exit_code == 0
    assert "endoflife.date: cannot reach endoflife.date" in result.stderr
    assert "kept the table in use" in result.stderr
    assert "check PKGCLI_ENDOFLIFE_URL" in " ".join(result.stderr.split())  # names the setting
