"""PyPI project names: PEP 503 normalisation, and the name in a Django Packages `pypi_url`.

Pure functions with no network imports, so `pkgcli check` can map names without loading
the HTTP stack; `sources.pypi` re-exports them. A name is used only when it is a PEP 508
project name (the boundary's `PYPI_NAME`): it may end up in a PyPI URL.
"""

from __future__ import annotations

import re

from pkgcli.sources.boundary import PYPI_NAME, split_url, valid_name

PYPI_HOSTS = frozenset({"pypi.org", "www.pypi.org", "pypi.python.org", "test.pypi.org"})


def normalize_name(name: str) -> str:
    """PEP 503: lowercase, runs of `-`, `_`, `.` become one `-`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_pypi_name(pypi_url: str | None) -> str | None:
    """The PyPI project name in a `pypi_url`: a PyPI project URL (any era) or a bare name."""
    text = (pypi_url or "").strip()
    if not text:
        return None
    if "/" not in text and ":" not in text:
        return normalize_name(text) if valid_name(text, PYPI_NAME) else None
    parts = split_url(text)
    if parts is None:
        return None
    if (parts.hostname or "").lower() not in PYPI_HOSTS:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) >= 2 and segments[0] in ("project", "pypi", "simple"):
        name = segments[1]
        return normalize_name(name) if valid_name(name, PYPI_NAME) else None
    return None
