"""A fake PyPI JSON API to mount on `FakeUpstream` at `/pypi`.

Serves `GET /pypi/<name>/json` as pypi.org does (docs/upstream.md, section 3): a
non-normalised name answers 301 to the normalised one (PEP 503), an unknown project 404
`{"message": "Not Found"}`, and every document carries an ETag and `X-PyPI-Last-Serial`,
with 304 for a matching `If-None-Match`. Projects come from real captured documents or are
made up, consistently, from a Django Packages record (`from_catalogue`). `latency` is
waited inside the handler, like the fake GitHub's.

Standard library only: imported by tests and benchmarks, never by pkgcli.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import threading
import time
from collections.abc import Iterable, Mapping, MutableMapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from .catalogue import REFERENCE_NOW, Catalogue
from .lazy import LazyMap, peek, sorted_keys
from .server import Request, Response

_PYPI_HOSTS = ("pypi.org", "www.pypi.org", "pypi.python.org")
_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")
_PYTHONS = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13")
_DJANGOS = ("3.2", "4.0", "4.1", "4.2", "5.0", "5.1", "5.2")
_STATUSES = (
    "3 - Alpha",
    "4 - Beta",
    "5 - Production/Stable",
    "5 - Production/Stable",
    "7 - Inactive",
)
_LICENCES = (
    ("MIT", None, "License :: OSI Approved :: MIT License"),
    (None, "BSD-3-Clause", "License :: OSI Approved :: BSD License"),
    ("BSD", None, "License :: OSI Approved :: BSD License"),
    ("UNKNOWN", None, "License :: OSI Approved :: Apache Software License"),
    ("", None, None),
)


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def project_name(pypi_url: str) -> str | None:
    """The project a Django Packages `pypi_url` names (its own, independent reading)."""
    text = pypi_url.strip()
    if not text:
        return None
    if "/" not in text:
        return text if _NAME.match(text) else None
    parts = urlsplit(text if "://" in text else f"https://{text}")
    segments = [s for s in parts.path.split("/") if s]
    if (parts.hostname or "") in _PYPI_HOSTS and len(segments) >= 2:
        return segments[1] if _NAME.match(segments[1]) else None
    return None


class FakePyPI:
    """The PyPI JSON API over a dict of project documents keyed by normalised name."""

    def __init__(self, documents: Iterable[Mapping[str, Any]] = ()) -> None:
        self.projects: MutableMapping[str, dict[str, Any]] = {}
        self.latency = 0.0
        self.in_flight = 0
        self.peak_in_flight = 0
        self.statuses: dict[int, int] = {}  # answers by status code (304s included)
        self._lock = threading.Lock()
        for document in documents:
            self.add(document)

    def add(self, document: Mapping[str, Any]) -> dict[str, Any]:
        doc = dict(document)
        self.projects[normalize(doc["info"]["name"])] = doc
        return doc

    def remove(self, name: str) -> None:
        self.projects.pop(normalize(name), None)

    def __call__(self, request: Request) -> Response:
        with self._lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            if self.latency > 0:
                time.sleep(self.latency)
            response = self._serve(request)
            with self._lock:
                self.statuses[response.status] = self.statuses.get(response.status, 0) + 1
            return response
        finally:
            with self._lock:
                self.in_flight -= 1

    def _serve(self, request: Request) -> Response:
        parts = [unquote(p) for p in request.subpath.split("/") if p]
        if len(parts) not in (1, 2) or (len(parts) == 2 and parts[1] != "json"):
            return _not_found()
        name = parts[0]
        canonical = normalize(name)
        if canonical not in self.projects:
            return _not_found()
        if name != canonical:
            location = f"{request.prefix}/{canonical}/json"
            return Response(301, {"Location": location, "Content-Type": "text/html"}, b"")
        document = self.projects[canonical]
        body = json.dumps(document, separators=(",", ":")).encode()
        etag = f'"{hashlib.md5(body).hexdigest()}"'
        headers = {
            "Content-Type": "application/json",
            "ETag": etag,
            "X-PyPI-Last-Serial": str(document.get("last_serial", 0)),
            "Cache-Control": "max-age=900, public",
            "Access-Control-Allow-Origin": "*",
            "Vary": "Accept-Encoding",
        }
        if etag in {e.strip() for e in request.headers.get("if-none-match", "").split(",")}:
            return Response(304, headers, b"")
        return Response(200, headers, body)

    @classmethod
    def from_catalogue(
        cls, catalogue: Catalogue, *, seed: int = 0, fixtures: str | Path | None = None
    ) -> FakePyPI:
        """A project for every package whose `pypi_url` names one (real documents from
        `fixtures`, a directory of `/pypi/<name>/json` bodies, win over made-up ones)."""
        fake = cls()
        # Names are indexed now; each document is made when first asked for, from its
        # package record and its own seeded Random (a 100,000-package fake starts at once).
        heads: dict[str, tuple[int, str]] = {}  # normalised name → (package id, name)
        for package_id in sorted_keys(catalogue.packages):
            name = project_name(str(peek(catalogue.packages, package_id, "pypi_url") or ""))
            if name and normalize(name) not in heads:
                heads[normalize(name)] = (package_id, name)

        def make(key: str, head: tuple[int, str]) -> dict[str, Any]:
            rng = random.Random(seed * 100_000_007 + head[0])
            record = catalogue.packages.get(head[0]) or {}
            return project_document(record, head[1], rng)

        fake.projects = LazyMap(heads, make)
        if fixtures is not None:
            for path in sorted(Path(fixtures).glob("*.json")):
                fake.add(json.loads(path.read_text(encoding="utf-8")))
        return fake


def _not_found() -> Response:
    return Response.json({"message": "Not Found"}, 404)


def project_document(record: Mapping[str, Any], name: str, rng: Any) -> dict[str, Any]:
    """A `/pypi/<name>/json` document consistent with a Django Packages record."""
    version = str(record.get("pypi_version") or f"{rng.randint(0, 4)}.{rng.randint(0, 20)}.0")
    released = REFERENCE_NOW - timedelta(days=rng.randint(3, 900), seconds=rng.randint(0, 86399))
    licence, expression, licence_classifier = rng.choice(_LICENCES)
    pythons = list(_PYTHONS[rng.randint(0, 3) : rng.randint(4, len(_PYTHONS))])
    djangos = list(_DJANGOS[rng.randint(0, 3) : rng.randint(4, len(_DJANGOS))])
    classifiers = [f"Development Status :: {rng.choice(_STATUSES)}", "Framework :: Django"]
    classifiers += [f"Framework :: Django :: {v}" for v in djangos]
    classifiers += [licence_classifier] if licence_classifier else []
    classifiers += ["Programming Language :: Python :: 3"]
    classifiers += [f"Programming Language :: Python :: {v}" for v in pythons]
    project_urls = {"Homepage": str(record.get("repo_url") or "") or None}
    docs = record.get("documentation_url")
    if docs:
        project_urls["Documentation"] = docs
    files = [_file(name, version, released, kind) for kind in ("sdist", "bdist_wheel")]
    info = {
        "name": name,
        "version": version,
        "summary": str(record.get("repo_description") or "")[:200],
        "license": licence,
        "requires_python": f">={pythons[0]}",
        "classifiers": sorted(classifiers),
        "project_urls": {k: v for k, v in project_urls.items() if v},
        "docs_url": None,
        "home_page": str(record.get("repo_url") or ""),
        "author": "",
        "yanked": False,
    }
    if expression:
        info["license_expression"] = expression
    return {
        "info": info,
        "last_serial": 10_000_000 + int(record.get("id") or 0),
        "releases": {version: files},
        "urls": files,
        "vulnerabilities": [],
    }


def _file(name: str, version: str, released: datetime, kind: str) -> dict[str, Any]:
    stem = f"{normalize(name).replace('-', '_')}-{version}"
    filename = f"{stem}.tar.gz" if kind == "sdist" else f"{stem}-py3-none-any.whl"
    when = released + timedelta(seconds=1 if kind == "sdist" else 2)
    digest = hashlib.sha256(filename.encode()).hexdigest()
    return {
        "filename": filename,
        "packagetype": kind,
        "python_version": "source" if kind == "sdist" else "py3",
        "size": 10_000,
        "upload_time": when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        "upload_time_iso_8601": when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "url": f"https://files.pythonhosted.org/packages/{digest[:2]}/{filename}",
        "digests": {"sha256": digest},
        "yanked": False,
    }
