"""Merging what each source says about a package into one view, at read time.

The `packages` row stays exactly what Django Packages served; GitHub, PyPI and the other
forges live in their own tables. `merge_sources` lays them over the view: for a field more
than one source provides, the value fetched most recently wins, comparing the time pkgcli
stored the Django Packages record (`packages.fetched_at`) with the time it got that field
group from each source (`*_fetched_at`, a 304 counting as a fetch). A source that does not
know a value (never fetched, 404, still computing) never beats one that does. The licence
is the one exception: PyPI's declared licence beats the one GitHub detects, whatever the
times, as they are two spellings of the same fact. Pure functions, no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from pkgcli.models import upstream_timestamp

Layer = Mapping[str, Any]

# GitHub's field groups and the column holding when each was last fetched.
GITHUB_GROUPS = {
    "repo": "repo_fetched_at",
    "participation": "participation_fetched_at",
    "contributors": "contributors_fetched_at",
    "commits": "commits_fetched_at",
}


def _loads(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _as_bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _same(value: Any) -> Any:
    return value


# field → candidate (source, column, github group or None, convert), in preference order.
Candidate = tuple[str, str, str | None, Callable[[Any], Any]]
FIELD_CANDIDATES: dict[str, list[Candidate]] = {
    # the upstream keys GitHub/PyPI/forges refresh
    "repo_watchers": [("github", "stars", "repo", _same), ("forge", "stars", None, _same)],
    "repo_forks": [("github", "forks", "repo", _same), ("forge", "forks", None, _same)],
    "repo_description": [
        ("github", "description", "repo", _same),
        ("forge", "description", None, _same),
    ],
    "commits_over_52": [("github", "commits_over_52", "participation", _loads)],
    "participants": [("github", "participants", "contributors", _loads)],
    "last_updated": [("github", "last_commit_at", "commits", upstream_timestamp)],
    "pypi_version": [("pypi", "version", None, _same)],
    "documentation_url": [("pypi", "documentation_url", None, _same)],
    # fields only the sources know
    "license": [
        ("pypi", "license", None, _same),
        ("github", "license", "repo", _same),
        ("forge", "license", None, _same),
    ],
    "requires_python": [("pypi", "requires_python", None, _same)],
    "python_versions": [("pypi", "python_versions", None, _loads)],
    "django_versions": [("pypi", "django_versions", None, _loads)],
    "development_status": [("pypi", "development_status", None, _same)],
    "latest_release_at": [("pypi", "latest_release_at", None, _same)],
    "advisories": [("pypi", "advisories", None, _same)],  # ids, for the latest release
    "archived": [("github", "archived", "repo", _as_bool), ("forge", "archived", None, _as_bool)],
    "subscribers_count": [("github", "subscribers_count", "repo", _same)],
    "commit_count": [("github", "commit_count", "commits", _same)],
    "repo_full_name": [("github", "full_name", "repo", _same), ("forge", "full_name", None, _same)],
}
NEW_FIELDS = (
    "license",
    "requires_python",
    "python_versions",
    "django_versions",
    "development_status",
    "latest_release_at",
    "advisories",
    "archived",
    "subscribers_count",
    "commit_count",
    "repo_full_name",
)
BY_PREFERENCE = frozenset({"license"})  # the first source that knows it wins, not the newest


def _dp_known(field: str, value: Any) -> bool:
    """Django Packages' markers for "unknown": null, "" for docs, [] for the lists."""
    if value is None:
        return False
    if field == "documentation_url" and value == "":
        return False
    return not (field in ("commits_over_52", "participants") and value == [])


def _stamp(layer: Layer, group: str | None) -> str | None:
    value = layer.get(GITHUB_GROUPS[group]) if group else layer.get("fetched_at")
    return value if isinstance(value, str) else None


_NEVER = datetime.min.replace(tzinfo=UTC)


def _instant(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


def source_name(source: str, layer: Layer) -> str:
    """The public name of a source: the forge's own (gitlab, codeberg) for `forge`."""
    return str(layer.get("forge") or "forge") if source == "forge" else source


def pick(
    field: str, view: Mapping[str, Any], layers: Mapping[str, Layer | None]
) -> tuple[Any, str | None]:
    """(value, source name) for one field, by the rules in the module docstring."""
    found: list[tuple[str, Any, str | None]] = []  # (source, value, fetched_at)
    for source, column, group, convert in FIELD_CANDIDATES[field]:
        layer = layers.get(source)
        if not layer:
            continue
        stamp = _stamp(layer, group)
        value = layer.get(column)
        if stamp is not None and value is not None:
            found.append((source_name(source, layer), convert(value), stamp))
    dp = layers.get("djangopackages") or {}
    if field not in NEW_FIELDS and _dp_known(field, view.get(field)):
        found.append(("djangopackages", view.get(field), dp.get("fetched_at")))
    if not found:
        return None if field in NEW_FIELDS else view.get(field), None
    if field in BY_PREFERENCE:
        source, value, _ = found[0]
        return value, source
    newest = max(found, key=lambda c: _instant(c[2]) if c[2] else _NEVER)
    return newest[1], newest[0]


def provenance(layers: Mapping[str, Layer | None]) -> dict[str, Any]:
    """The `pkgcli.sources` block: when each source was fetched, and how it answered."""
    dp = layers.get("djangopackages") or {}
    sources: dict[str, Any] = {"djangopackages": {"fetched_at": dp.get("fetched_at")}}
    github = layers.get("github")
    if github:
        groups = {g: github.get(column) for g, column in GITHUB_GROUPS.items()}
        stamps = [s for s in groups.values() if s]
        sources["github"] = {
            "fetched_at": max(stamps, key=_instant) if stamps else None,
            "checked_at": github.get("checked_at"),
            "status": github.get("status"),
            "status_detail": github.get("status_detail"),
            "etag_hit": bool(github.get("etag_hit")),
            "full_name": github.get("full_name"),
            "groups": groups,
        }
    else:
        sources["github"] = None
    pypi = layers.get("pypi")
    sources["pypi"] = _simple_provenance(pypi, "project") if pypi else None
    forge = layers.get("forge")
    if forge:
        sources[source_name("forge", forge)] = _simple_provenance(forge, "full_name")
    for name, layer in layers.items():  # sources registered as plug-ins
        if name not in ("djangopackages", "github", "pypi", "forge"):
            sources[name] = _simple_provenance(layer, "full_name") if layer else None
    return sources


def _simple_provenance(layer: Layer, name_column: str) -> dict[str, Any]:
    return {
        "fetched_at": layer.get("fetched_at"),
        "checked_at": layer.get("checked_at"),
        "status": layer.get("status"),
        "status_detail": layer.get("status_detail"),
        "etag_hit": bool(layer.get("etag_hit")),
        name_column: layer.get(name_column),
    }


def merge_sources(view: dict[str, Any], layers: Mapping[str, Layer | None]) -> dict[str, Any]:
    """Lay the sources over a package view (in place): merged upstream keys, the new fields
    as top-level keys, and `pkgcli.sources` / `pkgcli.field_sources` saying where each
    value came from. `layers` maps "djangopackages" ({"fetched_at"}), "github", "pypi" and
    "forge" to their stored rows (or None)."""
    meta = view.pop("pkgcli", {})
    field_sources: dict[str, str | None] = {}
    for field in FIELD_CANDIDATES:
        value, source = pick(field, view, layers)
        view[field] = value
        field_sources[field] = source
    meta["sources"] = provenance(layers)
    meta["field_sources"] = field_sources
    view["pkgcli"] = meta
    return view


def credit_edits(view: dict[str, Any]) -> dict[str, Any]:
    """After the user's overlay: the fields it set come from "edit", which beats every source."""
    meta = view.get("pkgcli") or {}
    field_sources = meta.get("field_sources")
    if isinstance(field_sources, dict):
        for name in meta.get("edited") or []:
            if name in field_sources:
                field_sources[name] = "edit"
    return view


def field_fetched_at(meta: Mapping[str, Any], field: str) -> str | None:
    """When the value shown for `field` was fetched from the source it came from."""
    source = (meta.get("field_sources") or {}).get(field)
    info = (meta.get("sources") or {}).get(source) if source else None
    if not info:
        return None
    if source == "github":
        group = next((g for s, _, g, _ in FIELD_CANDIDATES[field] if s == "github"), None)
        stamp = (info.get("groups") or {}).get(group) if group else None
        return stamp if isinstance(stamp, str) else None
    stamp = info.get("fetched_at")
    return stamp if isinstance(stamp, str) else None
