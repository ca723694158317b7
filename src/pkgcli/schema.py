"""The published JSON Schemas of pkgcli's JSON output, generated from the field registry.

`docs/schema/*.schema.json` are these documents, committed; a test keeps them equal to
what this module generates. Regenerate after adding a field:

    python -m pkgcli.schema docs/schema

Versioning: `SCHEMA_VERSION` is the number `show --json` carries as
`pkgcli.schema_version` and the last part of each schema's `$id`. Within one version,
keys are only ever added (never renamed, retyped or removed), so a consumer written for
version N keeps working; anything else bumps the version.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pkgcli.fields import GRIDS, PACKAGES, Catalogue
from pkgcli.service import JSON_SCHEMA_VERSION

SCHEMA_VERSION = JSON_SCHEMA_VERSION
DIALECT = "https://json-schema.org/draft/2020-12/schema"
_TYPES: dict[str, dict[str, Any]] = {
    "str": {"type": "string"},
    "int": {"type": "integer"},
    "bool": {"type": "boolean"},
    "datetime": {"type": "string", "format": "date-time"},
    "list[str]": {"type": "array", "items": {"type": "string"}},
    "list[int]": {"type": "array", "items": {"type": "integer"}},
}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "type": [schema["type"], "null"]}


def row_schema(catalogue: Catalogue) -> dict[str, Any]:
    """One row of a list (`--json` arrays, NDJSON lines, CSV/TSV columns)."""
    properties = {}
    for f in catalogue.fields:
        schema = _TYPES[f.type]
        also = f" (also accepted as: {', '.join(f.other_names)})" if f.other_names else ""
        properties[f.name] = {
            **(_nullable(schema) if f.nullable else schema),
            "description": f.description + also,
        }
    return {
        "$schema": DIALECT,
        "$id": f"urn:pkgcli:schema:{catalogue.kind}-row:{SCHEMA_VERSION}",
        "title": f"pkgcli {catalogue.kind} row, schema version {SCHEMA_VERSION}",
        "description": (
            f"One {catalogue.kind} as `--format json` (in an array) and `ndjson` print it. "
            "Only the fields chosen with --fields are present; slug always is."
        ),
        "type": "object",
        "properties": properties,
        "required": ["slug"],
    }


def _string(nullable: bool = False, fmt: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": ["string", "null"] if nullable else "string"}
    if fmt:
        schema["format"] = fmt
    return schema


def view_schema() -> dict[str, Any]:
    """`pkgcli show SLUG --json`: the 18 Django Packages v4 keys, the keys the sources add,
    the user's notes and tags, and `pkgcli`."""
    time = _string(nullable=True, fmt="date-time")
    upstream: dict[str, Any] = {
        "category": _string(nullable=True, fmt="uri"),
        "grids": {"type": "array", "items": _string(fmt="uri")},
        "id": {"type": "integer"},
        "title": _string(),
        "slug": _string(),
        "last_updated": time,
        "last_fetched": time,
        "repo_url": _string(),
        "pypi_version": _string(nullable=True),
        "created": time,
        "modified": time,
        "repo_forks": {"type": "integer"},
        "repo_description": _string(),
        "pypi_url": _string(),
        "documentation_url": _string(nullable=True),
        "repo_watchers": {"type": "integer"},
        "commits_over_52": {"type": "array", "items": {"type": "integer"}},
        "participants": {"type": "array", "items": {"type": "string"}},
    }
    named = {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "slug": _string(nullable=True),
            "title": _string(nullable=True),
        },
        "required": ["id", "slug", "title"],
    }
    meta: dict[str, Any] = {
        "type": "object",
        "description": "pkgcli's own facts about the record (never upstream's)",
        "properties": {
            "schema_version": {"const": SCHEMA_VERSION},
            "category": {**named, "type": ["object", "null"]},
            "grids": {"type": "array", "items": named},
            "mirrored_at": time,
            "gone_upstream_at": time,
            "local": {"type": "boolean", "description": "only in this mirror (edit --create)"},
            "edited": {"type": "array", "items": {"type": "string"}},
            "overrides": {
                "type": "object",
                "description": "per edited field: your value and upstream's",
                "additionalProperties": {
                    "type": "object",
                    "properties": {
                        "value": {},
                        "upstream": {},
                        "upstream_at_edit": {},
                        "upstream_changed": {"type": "boolean"},
                    },
                    "required": ["value", "upstream", "upstream_at_edit", "upstream_changed"],
                },
            },
        },
        "required": [
            "schema_version",
            "category",
            "grids",
            "mirrored_at",
            "gone_upstream_at",
            "local",
            "edited",
            "overrides",
        ],
    }
    meta["properties"].update(_provenance_schema(time))
    meta["properties"].update(_health_schema())
    meta["required"] += ["sources", "field_sources"]
    user = {
        "notes": {**_string(nullable=True), "description": "your notes (pkgcli edit)"},
        "tags": {"type": "array", "items": _string(), "description": "your tags (pkgcli edit)"},
    }
    properties = {**upstream, **_source_fields_schema(time), **user}
    _describe_from_registry(properties)
    return {
        "$schema": DIALECT,
        "$id": f"urn:pkgcli:schema:package-view:{SCHEMA_VERSION}",
        "title": f"pkgcli show --json, schema version {SCHEMA_VERSION}",
        "description": (
            "The Django Packages v4 package record, key for key (upstream's names, types and "
            "time zone) merged with what GitHub, PyPI and other forges say (newest fetch "
            "wins), the keys they add, the user's edits in force, the user's notes and tags, "
            "and `pkgcli`. Later sources may add keys."
        ),
        "type": "object",
        "properties": {**properties, "pkgcli": meta},
        "required": [*upstream, *_source_fields_schema(time), *user, "pkgcli"],
    }


def _health_schema() -> dict[str, Any]:
    """`pkgcli.health` and `pkgcli.star_trend` (docs/health.md): the verdict, its reasons and
    every rule with its input; present in `show --json`."""
    rule = {
        "type": "object",
        "properties": {
            "rule": _string(),
            "severity": {"enum": ["risk", "watch"]},
            "input": _string(),
            "threshold": {},
            "value": {"description": "the rule's input as read, null when unknown"},
            "outcome": {"enum": ["pass", "fail", "unknown"]},
            "reason": _string(),
        },
        "required": ["rule", "severity", "input", "threshold", "value", "outcome", "reason"],
    }
    return {
        "health": {
            "type": "object",
            "description": "the health verdict: unknown inputs make a rule unknown, never a pass",
            "properties": {
                "verdict": {"enum": ["healthy", "watch", "risk", "unknown"]},
                "reasons": {"type": "array", "items": _string()},
                "rules": {"type": "array", "items": rule},
            },
            "required": ["verdict", "reasons", "rules"],
        },
        "star_trend": {
            "type": "array",
            "items": {"type": "integer"},
            "description": "stars at each snapshot, oldest first (pkgcli changes)",
        },
    }


def _describe_from_registry(properties: dict[str, Any]) -> None:
    """Each view key's description from the field registry, with the names `--fields`,
    `--sort` and `edit` accept for it, so the view and row schemas never disagree."""
    for f in PACKAGES.fields:
        key = f.view_key
        schema = properties.get(key, {})
        linked = "uri" in (schema.get("format"), schema.get("items", {}).get("format"))
        if key in properties and not linked:  # links (category, grids) are not the row's slugs
            names = ", ".join(dict.fromkeys([f.name, *f.other_names]))
            editable = "; editable" if f.edit else ""
            properties[key] = {
                **properties[key],
                "description": f"{f.description} (field names: {names}{editable})",
            }


def _source_fields_schema(time: dict[str, Any]) -> dict[str, Any]:
    """The keys GitHub, PyPI and the forges add (null until one of them has answered)."""
    versions = {"type": ["array", "null"], "items": {"type": "string"}}
    return {
        "license": {**_string(nullable=True), "description": "licence (PyPI's, else detected)"},
        "requires_python": _string(nullable=True),
        "python_versions": {**versions, "description": "from the PyPI classifiers"},
        "django_versions": {**versions, "description": "from the PyPI classifiers"},
        "development_status": _string(nullable=True),
        "latest_release_at": {**time, "description": "UTC"},
        "archived": {"type": ["boolean", "null"]},
        "subscribers_count": {"type": ["integer", "null"], "description": "real watchers"},
        "commit_count": {"type": ["integer", "null"], "description": "on the default branch"},
        "repo_full_name": {**_string(nullable=True), "description": "after renames"},
    }


def _provenance_schema(time: dict[str, Any]) -> dict[str, Any]:
    """`pkgcli.sources` and `pkgcli.field_sources` (docs/sources.md)."""
    answered: dict[str, Any] = {
        "type": ["object", "null"],
        "properties": {
            "fetched_at": time,
            "checked_at": time,
            "status": _string(nullable=True),
            "status_detail": _string(nullable=True),
            "etag_hit": {"type": "boolean"},
        },
    }
    github = {**answered, "properties": {**answered["properties"], "groups": {"type": "object"}}}
    return {
        "sources": {
            "type": "object",
            "description": "when each source was fetched and how it answered (null: never)",
            "properties": {
                "djangopackages": {"type": "object", "properties": {"fetched_at": time}},
                "github": github,
                "pypi": answered,
            },
            "additionalProperties": answered,
            "required": ["djangopackages", "github", "pypi"],
        },
        "field_sources": {
            "type": "object",
            "description": "the source of each merged field (edit: your own value)",
            "additionalProperties": {"type": ["string", "null"]},
        },
    }


def schemas() -> dict[str, dict[str, Any]]:
    """File name → schema document, for everything pkgcli publishes."""
    return {
        "package-view.schema.json": view_schema(),
        "package-row.schema.json": row_schema(PACKAGES),
        "grid-row.schema.json": row_schema(GRIDS),
    }


def dump(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    target = Path(argv[0] if argv else "docs/schema")
    target.mkdir(parents=True, exist_ok=True)
    for name, schema in schemas().items():
        (target / name).write_text(dump(schema), encoding="utf-8")
        print(target / name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
