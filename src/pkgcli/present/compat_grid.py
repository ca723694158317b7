"""`list-grid SLUG --django X.Y` (a support column) and `--matrix django|python` (packages by
versions: supported / not declared / only older), in every output format.

The matrix table fits the terminal: the package column keeps at least `MIN_NAME` cells and
the newest versions that fit are shown, oldest dropped first.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pkgcli.compat import Support, django_support, load_eol, python_support, version_key
from pkgcli.fields import PACKAGES, Field, flatten
from pkgcli.output import Output, OutputFormat, render_data, render_table
from pkgcli.render import inert

MIN_NAME = 12
CELL = 5  # "  ✓  ": a version header like "3.13" plus a gap
MAX_VERSIONS = 10
SYMBOLS: dict[str | None, str] = {
    "supported": "✓",
    "not declared": "·",
    "only older": "<",
    None: "?",
}
LEGEND = "✓ supported  · not declared  < only older  ? unknown"


def _support(view: dict[str, Any], product: str, version: str) -> Support | None:
    return django_support(view, version) if product == "django" else python_support(view, version)


def with_django_column(views: list[dict[str, Any]], version: str, out: Output, title: str) -> str:
    """The usual grid listing plus a "Django X.Y" column saying each package's support."""
    for view in views:
        view["django_support"] = _support(view, "django", version) or "unknown"
    column = Field(
        "django_support",
        "str",
        f"Declared support for Django {version}",
        label=f"Django {version}",
        short=f"Dj{version}",
        priority=1,
    )
    fields = [*PACKAGES.select(out.fields, views), column]
    now = datetime.now(UTC)
    rows = flatten(views, fields, now)
    if out.format is OutputFormat.table:
        return render_table(fields, rows, out, title=inert(title), now=now)
    return render_data(fields, rows, out.format)


def matrix_versions(product: str, db_path: str, today: datetime) -> list[str]:
    """The released series of `product`, oldest first (at most MAX_VERSIONS, newest kept)."""
    table = load_eol(db_path)
    cycles = table.django if product == "django" else table.python
    released = [c.cycle for c in cycles if c.release is None or c.release <= today.date()]
    return sorted(released, key=version_key)[-MAX_VERSIONS:]


def render_matrix(
    views: list[dict[str, Any]], product: str, versions: list[str], out: Output, title: str
) -> str:
    if out.format is not OutputFormat.table:
        return _matrix_data(views, product, versions, out)
    fit = max((out.width - MIN_NAME) // CELL, 1)
    shown = versions[-fit:]
    name_width = max(out.width - CELL * len(shown), MIN_NAME)
    lines = [inert(title)[: out.width]]
    header = "Package".ljust(name_width) + "".join(v.center(CELL) for v in shown)
    lines.append(header.rstrip())
    for view in views:
        slug = inert(view.get("slug"))
        if len(slug) > name_width - 1:
            slug = slug[: name_width - 2] + "…"
        cells = "".join(SYMBOLS[_support(view, product, v)].center(CELL) for v in shown)
        lines.append((slug.ljust(name_width) + cells).rstrip())
    dropped = len(versions) - len(shown)
    legend = LEGEND + (f"  ({dropped} older not shown)" if dropped else "")
    lines.append(legend if len(legend) <= out.width else "✓ yes  · no  < older  ? unknown")
    return "".join(line + "\n" for line in lines)


def _matrix_data(
    views: list[dict[str, Any]], product: str, versions: list[str], out: Output
) -> str:
    fields = [PACKAGES["slug"]] + [
        Field(v, "str", f"{product} {v}: supported, not declared, only older or unknown", key=v)
        for v in versions
    ]
    rows = [
        {"slug": view.get("slug"), **{v: _support(view, product, v) or "unknown" for v in versions}}
        for view in views
    ]
    return render_data(fields, rows, out.format)


def render_compat(
    app: Any,
    views: list[dict[str, Any]],
    out: Output,
    title: str,
    *,
    django: str | None,
    matrix: str | None,
) -> str:
    """`list-grid SLUG --django X.Y` or `--matrix django|python`."""
    from pkgcli.compat import parse_version_option
    from pkgcli.errors import UsageError

    if matrix is not None:
        product = matrix.strip().lower()
        if product not in ("django", "python"):
            raise UsageError(f"--matrix takes django or python, not {matrix!r}")
        versions = matrix_versions(product, app.settings.db_path, datetime.now(UTC))
        return render_matrix(views, product, versions, out, title)
    assert django is not None
    return with_django_column(views, parse_version_option(django, "--django"), out, title)
