"""`pkgcli show SLUG...` and `show -`: one record per package in every format; a missing
slug is one stderr line and exit 3 at the end, the rest still printed."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from pkgcli.errors import EXIT_NOT_FOUND, EXIT_USAGE
from tests.mirror_seed import seed, standard

from .conftest import CliHarness


@pytest.fixture
def mirror(isolated_env: Path) -> Path:
    seed(str(isolated_env), *standard())
    return isolated_env


def test_many_slugs_are_a_json_array_of_full_views(cli: CliHarness, mirror: Path) -> None:
    result = cli("show", "drf-yasg", "django-ninja", "--json", "--offline")
    assert result.exit_code == 0, result.stderr
    views = json.loads(result.stdout)
    assert [v["slug"] for v in views] == ["drf-yasg", "django-ninja"]
    one = json.loads(cli("show", "drf-yasg", "--json", "--offline").stdout)
    assert views[0] == one  # the same record `show` of one prints


def test_ndjson_csv_and_table(cli: CliHarness, mirror: Path) -> None:
    lines = cli("show", "drf-yasg", "django-ninja", "--format", "ndjson", "--offline").stdout
    assert [json.loads(line)["slug"] for line in lines.splitlines()] == ["drf-yasg", "django-ninja"]
    text = cli("show", "drf-yasg", "1", "--format", "csv", "--fields", "slug,stars").stdout
    assert list(csv.reader(io.StringIO(text))) == [
        ["slug", "stars"], ["drf-yasg", "3300"], ["django-rest-framework", "28000"]]  # fmt: skip
    table = cli("show", "drf-yasg", "django-ninja", "--format", "table", "--offline").stdout
    assert "drf-yasg" in table and "Django Ninja" in table


def test_slugs_from_stdin(cli: CliHarness, mirror: Path) -> None:
    given = "drf-yasg\n\n# a comment\n  django-ninja  \n"
    result = cli("show", "-", "--offline", "--format", "tsv", "--fields", "slug", input=given)
    assert result.stdout == "slug\ndrf-yasg\ndjango-ninja\n"


def test_missing_ones_are_one_line_each_and_exit_3_at_the_end(
    cli: CliHarness, mirror: Path
) -> None:
    result = cli("show", "nope", "drf-yasg", "nada", "--offline", "--json", "--fields", "slug")
    assert result.exit_code == EXIT_NOT_FOUND
    assert json.loads(result.stdout) == [{"slug": "drf-yasg"}]
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("pkgcli: no package 'nope' in the mirror")
    assert lines[1].startswith("pkgcli: no package 'nada' in the mirror")


def test_a_malformed_slug_among_many_is_a_usage_error(cli: CliHarness, mirror: Path) -> None:
    result = cli(
        "show", "drf-yasg", "bad slug!", "--offline", "--format", "tsv", "--fields", "slug"
    )
    assert result.exit_code == EXIT_USAGE
    assert result.stdout == "slug\ndrf-yasg\n"
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("pkgcli: ")
