"""One rule per kind of value in every view: ids plain, unknown `—` (null in JSON, never
0), booleans yes/no, dates in UTC — through the real commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.mirror_seed import package, seed


def table(cli: Any, *args: str) -> str:
    result = cli(*args, "--format", "table")
    assert result.exit_code == 0, result.stderr
    return str(result.stdout)


def test_ids_never_get_thousands_separators(cli: Any, isolated_env: Path) -> None:
    seed(str(isolated_env), [package(1858, "django-oauth-toolkit", repo_watchers=3000)])
    text = table(cli, "search", "oauth", "--fields", "slug,id,stars")
    assert "1858" in text and "1,858" not in text
    assert "3,000" in text  # counts still read as counts
    assert "1858" in table(cli, "show", "django-oauth-toolkit", "--offline", "--fields", "id")


def test_unknown_is_a_dash_in_tables_and_null_in_json(cli: Any, isolated_env: Path) -> None:
    # (A null star count is stored as 0 by the Django Packages parser: not shown here.)
    seed(str(isolated_env), [package(1, "nothing-known", last_updated=None, commits_over_52=[])])
    text = table(cli, "search", "nothing", "--fields", "slug,last_commit,license,commits_total")
    row = text.splitlines()[-1].split()
    assert row == ["nothing-known", "—", "—", "—"]
    shown = table(cli, "show", "nothing-known", "--offline")
    record = shown.split("\nHealth:")[0]  # after it, "unknown" is a verdict, not a value
    assert "unknown" not in record and "Last commit    —" in record
    data = json.loads(cli("search", "nothing", "--json", "--fields", "license,last_commit").stdout)
    assert data == [{"slug": "nothing-known", "license": None, "last_commit": None}]


def test_booleans_read_yes_and_no(cli: Any, isolated_env: Path) -> None:
    seed(str(isolated_env), [package(1, "mine-only"), package(2, "other-one")])
    assert cli("edit", "local-one", "--create").exit_code == 0
    text = table(cli, "search", "one", "--fields", "slug,local")
    cells = {line.split()[0]: line.split()[-1] for line in text.splitlines()[1:]}
    assert (cells["other-one"], cells["local-one"]) == ("no", "yes")


def test_show_gives_the_utc_date_of_an_offset_time(cli: Any, isolated_env: Path) -> None:
    # 23:30 at UTC-05:00 is the next day in UTC, as list and search say.
    seed(str(isolated_env), [package(1, "late-night", last_updated="2024-01-01T23:30:00-05:00")])
    assert "(2024-01-02)" in table(cli, "show", "late-night", "--offline")
    row = json.loads(cli("search", "late", "--json", "--fields", "last_commit").stdout)[0]
    assert row["last_commit"] == "2024-01-02T04:30:00Z"
