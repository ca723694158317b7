"""Django and Python compatibility as structured data, and the release/end-of-life table.

A package's supported versions come from its PyPI trove classifiers (`Framework :: Django ::
X.Y`, `Programming Language :: Python :: X.Y`, already parsed into the view's
`django_versions` / `python_versions`) and, for Python, `requires_python` read with
`packaging.specifiers`. Which Django and Python versions exist and when each reaches end
of life comes from a small table shipped with pkgcli (`data/eol.json`, with its as-of
date), replaced by a fresher copy that `fetch --all` saves next to the database
(`sources/endoflife.py`). Pure functions apart from `load_eol`, which reads one file.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any, Literal, NamedTuple

_VERSION_RE = re.compile(r"^\d+(\.\d+)?$")

Support = Literal["supported", "not declared", "only older"]


class Cycle(NamedTuple):
    """One release series (`5.2`) of Django or Python."""

    cycle: str
    release: date | None
    eol: date | None  # None: not announced (treated as still supported)
    lts: bool


class EolTable(NamedTuple):
    as_of: str
    django: tuple[Cycle, ...]
    python: tuple[Cycle, ...]
    origin: str  # "shipped" or the path of the refreshed copy


def version_key(version: str) -> tuple[int, ...]:
    """`"5.2"` → (5, 2) for sorting; non-numbers sort first."""
    return tuple(int(p) if p.isdigit() else -1 for p in version.split("."))


def parse_version_option(text: str, option: str) -> str:
    """A `--django 5.2` / `--python 3.12` value: X.Y digits only, else a UsageError."""
    from pkgcli.errors import UsageError

    value = text.strip()
    if not re.fullmatch(r"\d{1,2}\.\d{1,3}", value):
        raise UsageError(f"{option} takes a version like 5.2, not {text!r}")
    return value


def _date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def cycles_from(rows: Any) -> tuple[Cycle, ...]:
    """Stored table rows → cycles, newest first; rows that are not {cycle: "X.Y"} are skipped."""
    found = []
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, dict):
            continue
        name = row.get("cycle")
        if not isinstance(name, str) or not _VERSION_RE.match(name):
            continue
        found.append(
            Cycle(name, _date(row.get("release")), _date(row.get("eol")), row.get("lts") is True)
        )
    return tuple(sorted(found, key=lambda c: version_key(c.cycle), reverse=True))


def refreshed_eol_path(db_path: str) -> Path:
    """Where `fetch --all` keeps the refreshed table: next to the database."""
    return Path(db_path).with_name("endoflife.json")


def load_eol(db_path: str | None = None) -> EolTable:
    """The refreshed table next to the database when there is a readable one, else the
    table shipped with pkgcli."""
    if db_path:
        path = refreshed_eol_path(db_path)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            doc = None
        if isinstance(doc, dict) and cycles_from(doc.get("django")):
            return _table(doc, str(path))
    # Beside this module, read as a plain file: importlib.resources costs `show` ~6 ms.
    shipped = (Path(__file__).parent / "data" / "eol.json").read_text(encoding="utf-8")
    return _table(json.loads(shipped), "shipped")


def _table(doc: dict[str, Any], origin: str) -> EolTable:
    as_of = doc.get("as_of")
    return EolTable(
        as_of=as_of if isinstance(as_of, str) else "unknown",
        django=cycles_from(doc.get("django")),
        python=cycles_from(doc.get("python")),
        origin=origin,
    )


def supported_cycles(cycles: tuple[Cycle, ...], today: date) -> list[str]:
    """The series released by `today` and not yet at end of life."""
    return [
        c.cycle
        for c in cycles
        if (c.release is None or c.release <= today) and (c.eol is None or c.eol > today)
    ]


def _matches(declared: str, version: str) -> bool:
    """A declared classifier version covers `version`: equal, or a bare major (`4`) of it."""
    return declared == version or ("." not in declared and version.split(".")[0] == declared)


def _known_list(value: Any) -> list[str] | None:
    if not isinstance(value, list):
        return None
    return [v for v in value if isinstance(v, str) and _VERSION_RE.match(v)]


def django_support(view: dict[str, Any], version: str) -> Support | None:
    """Whether the package declares support for Django `version`; None when PyPI was never
    asked (unknown). "not declared" also covers a package with no Django classifiers."""
    declared = _known_list(view.get("django_versions"))
    if declared is None:
        return None
    return _support(declared, version)


def _support(declared: list[str], version: str) -> Support:
    if any(_matches(d, version) for d in declared):
        return "supported"
    wanted = version_key(version)
    if declared and all(version_key(d) < wanted for d in declared):
        return "only older"
    return "not declared"


def python_support(view: dict[str, Any], version: str) -> Support | None:
    """Python `version` by the classifiers, else by `requires_python` (a specifier set)."""
    declared = _known_list(view.get("python_versions"))
    if declared:
        return _support(declared, version)
    requires = view.get("requires_python")
    if isinstance(requires, str) and requires.strip():
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        try:
            allowed = SpecifierSet(requires)
        except InvalidSpecifier:
            return None
        return "supported" if allowed.contains(f"{version}.0", prereleases=True) else "not declared"
    return None if declared is None else "not declared"


def declares_supported_django(view: dict[str, Any], supported: list[str]) -> bool | None:
    """True when the package declares a Django series still supported upstream; None when
    it declares no Django version at all (or PyPI was never asked)."""
    declared = _known_list(view.get("django_versions"))
    if not declared:
        return None
    return any(_matches(d, v) for d in declared for v in supported)
