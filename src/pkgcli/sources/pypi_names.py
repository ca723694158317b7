"""PyPI project names: PEP 503 normalisation, and the name in a Django Packages `pypi_url`.

Pure functions with no network imports, so `pkgcli check` can map names without loading
the HTTP stack; `sources.pypi` re-exports them.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

PYPI_HOSTS = frozenset({"pypi.org", "www.pypi.org", "pypi.python.org", "test.pypi.org"})
_NAME_RE = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)


def normalize_name(name: str) -> str:
    """PEP 503: lowercase, runs of `-`, `_`, `.` become one `-`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_pypi_name(pypi_url: str | None) -> str | None:
    """The PyPI project name in a `pypi_url`: a PyPI project URL (any era) or a bare name."""
    text = (pypi_url or "").strip()
    if not text:
        return None
    if "/" not in text and ":" not in text:
        return normalize_name(text) if _NAME_RE.match(text) else None
    parts = urlsplit(text if "://" in text else f"https://{text}")
    if (parts.hostname or "").lower() not in PYPI_HOSTS:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) >= 2 and segments[0] in ("project", "pypi", "simple"):
        name = segments[1]
        return normalize_name(name) if _NAME_RE.match(name) else None
    return None
