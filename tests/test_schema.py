"""The published JSON Schemas are current, and real output validates against them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.validators import validator_for

from pkgcli.schema import SCHEMA_VERSION, dump, schemas
from tests.mirror_seed import seed, standard

DOCS = Path(__file__).parent.parent / "docs" / "schema"
FORMAT_CHECKER = FormatChecker()  # the formats jsonschema can check without extras


def validate(value: Any, schema: dict[str, Any]) -> list[str]:
    """Every problem jsonschema finds in `value` (formats checked too), as `path: message`."""
    checker = Draft202012Validator(schema, format_checker=FORMAT_CHECKER)
    return [f"{e.json_path}: {e.message}" for e in checker.iter_errors(value)]


@pytest.fixture
def mirror(isolated_env: Path) -> Path:
    seed(str(isolated_env), *standard())
    return isolated_env


@pytest.mark.parametrize("name", sorted(schemas()))
def test_committed_schemas_are_current(name: str) -> None:
    committed = (DOCS / name).read_text(encoding="utf-8")
    assert committed == dump(schemas()[name]), (
        f"docs/schema/{name} is stale: run `python -m pkgcli.schema docs/schema`"
    )
    assert json.loads(committed)["$id"].endswith(f":{SCHEMA_VERSION}")


@pytest.mark.parametrize("name", sorted(schemas()))
def test_every_schema_is_valid_against_its_meta_schema(name: str) -> None:
    schema = schemas()[name]
    assert validator_for(schema) is Draft202012Validator  # the dialect it declares
    Draft202012Validator.check_schema(schema)  # raises SchemaError if not


def test_show_json_validates(cli: Any, mirror: Path) -> None:
    schema = schemas()["package-view.schema.json"]
    for slug in ("evil-pkg", "django-ninja", "django-tastypie"):
        view = json.loads(cli("show", slug, "--json", "--offline").stdout)
        assert validate(view, schema) == []


def test_package_and_grid_rows_validate(cli: Any, mirror: Path) -> None:
    package_row = schemas()["package-row.schema.json"]
    rows = json.loads(cli("list-grid", "rest-frameworks", "--json", "--fields", "all").stdout)
    assert set(rows[0]) == set(package_row["properties"])
    assert all(validate(row, package_row) == [] for row in rows)
    found = json.loads(cli("search", "django", "--json").stdout)
    assert all(validate(row, package_row) == [] for row in found)
    grid_row = schemas()["grid-row.schema.json"]
    grids = json.loads(cli("list-grid", "--json", "--fields", "all").stdout)
    assert set(grids[0]) == set(grid_row["properties"])
    assert all(validate(row, grid_row) == [] for row in grids)


def test_the_checker_catches_mistakes() -> None:
    schema = schemas()["package-row.schema.json"]
    assert validate({"stars": 3}, schema) == ["$: 'slug' is a required property"]
    assert validate({"slug": "a", "stars": "3"}, schema) == [
        "$.stars: '3' is not of type 'integer', 'null'"
    ]
    assert validate({"slug": "a", "archived": 1}, schema)
