"""PyPI's JSON API: the client and the pure functions that decode a project document.

`parse_project` turns `/pypi/<name>/json` into the release field group: version, when the
latest release was uploaded, licence (license_expression, else license, else the licence
classifier), requires_python, the Python and Django versions and the development status
from the classifiers, and the documentation URL from `project_urls`. `parse_pypi_name`
reads a project name out of the free-form `pypi_url` Django Packages keeps.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pkgcli.sources.base import Answer, CacheEntry, SourceClient
from pkgcli.sources.boundary import (
    PYPI_NAME,
    BadRecord,
    Fields,
    shown,
    storable,
    valid_name,
)

# The name functions live in pypi_names (no HTTP imports, for `pkgcli check`); re-exported.
from pkgcli.sources.pypi_names import PYPI_HOSTS as PYPI_HOSTS
from pkgcli.sources.pypi_names import normalize_name as normalize_name
from pkgcli.sources.pypi_names import parse_pypi_name as parse_pypi_name

_PYTHON_RE = re.compile(r"^[0-9]{1,9}\.[0-9]{1,9}$")  # "3.12"; not "3" or "3 :: Only"
_DJANGO_RE = re.compile(r"^[0-9]{1,9}(\.[0-9]{1,9})?$")  # "4.2", and bare majors ("5")
_UNKNOWN_LICENCES = frozenset({"", "unknown", "none", "n/a", "other", "other/proprietary license"})
_DOC_LABELS = frozenset({"documentation", "docs", "documentationurl", "readthedocs"})


def _classifier_values(classifiers: list[str], prefix: str) -> list[str]:
    return [c[len(prefix) :].strip() for c in classifiers if c.startswith(prefix)]


def _versions(values: list[str], pattern: re.Pattern[str]) -> list[str]:
    found = {v for v in values if pattern.match(v)}
    return sorted(found, key=lambda v: tuple(int(p) for p in v.split(".")))


def parse_licence(info: Mapping[str, Any], classifiers: list[str]) -> str | None:
    """license_expression, else a short `license`, else the licence classifier."""
    found = _licence(info, classifiers)
    return storable(found) if found is not None else None


def _licence(info: Mapping[str, Any], classifiers: list[str]) -> str | None:
    expression = info.get("license_expression")
    if isinstance(expression, str) and expression.strip():
        return expression.strip()
    raw = info.get("license")
    text = raw.strip() if isinstance(raw, str) else ""
    if text.lower() not in _UNKNOWN_LICENCES and "\n" not in text and len(text) <= 100:
        return text
    for value in _classifier_values(classifiers, "License :: "):
        name = value.split(" :: ")[-1].strip()
        if name and name != "OSI Approved" and name.lower() not in _UNKNOWN_LICENCES:
            return name
    first_line = text.splitlines()[0].strip() if text else ""  # a whole licence text pasted in
    if first_line and len(first_line) <= 100 and first_line.lower() not in _UNKNOWN_LICENCES:
        return first_line
    return None


def _documentation_url(info: Fields) -> str | None:
    urls = info.get("project_urls")
    if isinstance(urls, dict):
        for label, url in urls.items():
            key = re.sub(r"[^a-z]", "", str(label).lower())
            if key in _DOC_LABELS and isinstance(url, str) and url.strip():
                return storable(url.strip())
    docs = info.nonempty_text("docs_url")
    return docs.strip() or None if docs else None


def _release_time(doc: Fields, version: str | None) -> str | None:
    """The first upload of the latest version's files (`urls`, else its `releases` entry)."""
    files = doc.items("urls")
    releases = doc.get("releases")
    if not files and version and isinstance(releases, dict):
        found = releases.get(version)
        files = found if isinstance(found, list) else []
    times = [
        Fields(f, doc.problems).timestamp("upload_time_iso_8601")
        or Fields(f, doc.problems).timestamp("upload_time")
        for f in files
    ]
    known = [t for t in times if t]
    return min(known) if known else None


def project_name(value: Any) -> str:
    """A PyPI project name (PEP 508) from an answer or a row; BadRecord if not one."""
    name = valid_name(value, PYPI_NAME)
    if name is None:
        raise BadRecord(f"PyPI answered with an unusable project name ({shown(value)})")
    return name


def parse_project(
    doc: Any, problems: list[str] | None = None, expected: str | None = None
) -> dict[str, Any] | None:
    """`/pypi/<name>/json` → the release field group (None if it is not a project document).

    Values cross the typed boundary (wrong type → unknown, noted in `problems`); a project
    `name` that is no PEP 508 name, or another project than `expected` (PEP 503 names
    compared), raises BadRecord.
    """
    info = doc.get("info") if isinstance(doc, dict) else None
    if not isinstance(info, dict) or "name" not in info:
        return None
    top, f = Fields(doc, problems), Fields(info, problems)
    name = project_name(info["name"])
    if expected is not None and normalize_name(name) != normalize_name(expected):
        raise BadRecord(
            f"PyPI answered with the project {shown(name)} when asked for {shown(expected)}"
        )
    classifiers = f.strings("classifiers")
    version = f.optional_text("version")
    status = _classifier_values(classifiers, "Development Status :: ")
    requires = f.text("requires_python").strip()
    return {
        "project": name,
        "version": version,
        "latest_release_at": _release_time(top, version),
        "license": parse_licence(info, classifiers),
        "requires_python": requires or None,
        "python_versions": _versions(
            _classifier_values(classifiers, "Programming Language :: Python :: "), _PYTHON_RE
        ),
        "django_versions": _versions(
            _classifier_values(classifiers, "Framework :: Django :: "), _DJANGO_RE
        ),
        "development_status": status[0] if status else None,
        "documentation_url": _documentation_url(f),
        "advisories": parse_advisories(doc.get("vulnerabilities")),
    }


_ADVISORY_ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9._:-]{0,63}$")


def parse_advisories(raw: Any) -> list[str] | None:
    """PyPI's `vulnerabilities` (from OSV) → sorted advisory ids; None when it is not a list
    (unknown, never "none"). Withdrawn entries and ids that are not plain ids are dropped."""
    if not isinstance(raw, list):
        return None
    ids = set()
    for entry in raw:
        if not isinstance(entry, dict) or entry.get("withdrawn"):
            continue
        value = entry.get("id")
        if isinstance(value, str) and _ADVISORY_ID_RE.match(value):
            ids.add(value)
    return sorted(ids)


class PyPIClient(SourceClient):
    """`/pypi/<name>/json`, conditional on the ETag PyPI sends."""

    label = "PyPI"

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, headers={"Accept": "application/json"}, **kw)

    def project_url(self, name: str) -> str:
        """The project's JSON URL; BadRecord for a name that is no PEP 508 name."""
        return f"{self.base_url}/pypi/{project_name(name)}/json"

    def fetch_project(self, name: str, cache: Mapping[str, CacheEntry]) -> Answer:
        url = self.project_url(name)
        problems: list[str] = []
        answer = self.get(
            url, cache.get(url), lambda doc, _: parse_project(doc, problems, expected=name)
        )
        self.note_unusable(problems)
        if answer.status == 200 and answer.data is None:
            answer.status, answer.message = 502, "not a project document"
        return answer
