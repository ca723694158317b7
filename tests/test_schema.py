"""The published JSON Schemas are current, and real output validates against them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pkgcli.schema import SCHEMA_VERSION, dump, schemas
from tests.mirror_seed import seed, standard

DOCS = Path(__file__).parent.parent / "docs" / "schema"
JSON_TYPES = {
    "string": str,
    "integer": int,
    "boolean": bool,
    "array": list,
    "object": dict,
    "null": type(None),
}


def validate(value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """A small JSON Schema checker: type, const, properties, required, items."""
    problems = []
    if "const" in schema and value != schema["const"]:
        problems.append(f"{path}: {value!r} is not {schema['const']!r}")
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        ok = any(
            isinstance(value, JSON_TYPES[t]) and not (t == "integer" and isinstance(value, bool))
            for t in types
        )
        if not ok:
            return [*problems, f"{path}: {value!r} is not {types}"]
    if isinstance(value, dict):
        problems += [f"{path}: missing {k}" for k in schema.get("required", []) if k not in value]
        properties = schema.get("properties", {})
        for key, item in value.items():
            if key in properties:
                problems += validate(item, properties[key], f"{path}.{key}")
            elif schema.get("additionalProperties") is False:
                problems.append(f"{path}: unexpected {key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            problems += validate(item, schema["items"], f"{path}[{i}]")
    return problems


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
    assert validate({"stars": 3}, schema) == ["$: missing slug"]
    assert validate({"slug": "a", "stars": "3"}, schema) == [
        "$.stars: '3' is not ['integer', 'null']"
    ]
    assert validate({"slug": "a", "archived": 1}, schema)
