"""The rows `pkgcli check` and `pkgcli changes` print: their fields, in every output format.

Each is a `fields.Catalogue` of its own, rendered by the shared output system
(`output.render_table` / `output.render_data`), so the formats behave as everywhere else.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pkgcli.fields import Catalogue, Field, flatten
from pkgcli.output import Output, OutputFormat, render_data, render_table

# fmt: off
CHECK = Catalogue(
    kind="check",
    fields=(
        Field("requirement", "str", "The requirement as the project writes it",
              label="Requirement", priority=8, nullable=False),
        Field("name", "str", "Its PEP 503 normalised name", label="Name", priority=80,
              nullable=False),
        Field("pinned", "str", "The pinned version, if one is pinned", label="Pinned",
              priority=60),
        Field("slug", "str", "The Django Packages package (null: not on Django Packages)",
              label="Package", priority=0),
        Field("verdict", "str", "Health verdict: healthy, watch, risk, unknown",
              label="Health", priority=0),
        Field("reasons", "list[str]", "Why (the rules that failed, or what is unknown)",
              label="Reasons", priority=3, nullable=False),
        Field("django_supported", "bool", "Declares the project's Django version",
              label="Django ok", short="Dj", priority=1),
        Field("advisories", "list[str]", "Advisory ids for the pinned (else latest) version",
              label="Advisories", short="Adv", priority=2),
        Field("alternatives", "list[str]", "Better packages from its grids (up to 3)",
              label="Alternatives", short="Alt", priority=4, nullable=False),
        Field("django", "str", "The project's Django version (X.Y)", label="Django",
              priority=90),
        Field("archived", "bool", "Its repository is archived", label="Archived", priority=70),
        Field("origin", "str", "Where the requirement is (file:line)", label="Where",
              priority=85, nullable=False),
    ),
    default=("slug", "requirement", "verdict", "django_supported", "advisories", "reasons",
             "alternatives"),
)

CHANGES = Catalogue(
    kind="change",
    fields=(
        Field("kind", "str", "release, archived, gone, verdict, grid_added, grid_removed, stars",
              label="Change", priority=0, nullable=False),
        Field("slug", "str", "Package slug", label="Package", priority=1, nullable=False),
        Field("before", "str", "The value before", label="Before", priority=3),
        Field("after", "str", "The value now", label="After", priority=2),
        Field("delta", "int", "Star difference (stars rows)", label="Delta", priority=4),
        Field("when", "datetime", "When the change was recorded", label="When", priority=5,
              nullable=False),
    ),
    default=("kind", "slug", "before", "after", "delta", "when"),
)
# fmt: on


def render_rows(
    rows: list[dict[str, Any]], catalogue: Catalogue, out: Output, title: str | None = None
) -> str:
    """Rows in the chosen format (JSON: an array of objects with every selected field)."""
    now = datetime.now(UTC)
    fields = catalogue.select(out.fields, rows)
    if out.fields is None and out.format in (OutputFormat.json, OutputFormat.ndjson):
        fields = list(catalogue.fields)  # machine output: every field
    flat = flatten(rows, fields, now)
    if out.format is OutputFormat.table:
        return render_table(fields, flat, out, title=title, now=now)
    return render_data(fields, flat, out.format)
