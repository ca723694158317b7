"""endoflife.date: which Django and Python release series exist and when each ends.

One source, shaped like the others so it can become a registry entry: a `NAME`, a
`LABEL`, a `SETTING` (the environment variable holding its base URL), one fetch function
(`fetch_endoflife`), one pure parse function (`parse_cycles`) and one save function
(`save_table`). `<base>/api/django.json` and `<base>/api/python.json` are lists of
`{"cycle": "5.2", "releaseDate": "2025-04-02", "eol": "2028-04-30" | false | true, "lts":
…}`; every value is untrusted: a wrong type becomes unknown and is counted. The table is
saved next to the database (`compat.refreshed_eol_path`) and read by `compat.load_eol`;
when the source cannot be reached the previous table (or the one shipped) stays in use.
"""

from __future__ import annotations

import json
import os
import re
from datetime import date
from typing import Any, NamedTuple

NAME = "endoflife"
LABEL = "endoflife.date"
SETTING = "PKGCLI_ENDOFLIFE_URL"
DEFAULT_URL = "https://endoflife.date"
PRODUCTS = ("django", "python")
MAX_CYCLES = 200  # a product list longer than this is not endoflife.date's
_CYCLE_RE = re.compile(r"^\d{1,2}\.\d{1,3}$")


class Parsed(NamedTuple):
    cycles: list[dict[str, Any]]
    unknown: int  # values of the wrong type or shape, now unknown (or rows skipped)


def _day(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        return None


def parse_cycles(doc: Any, today: date) -> Parsed:
    """One product's list → table rows {cycle, release, eol, lts}; None where unknown.

    `eol: false` (no end announced) is None; `eol: true` (ended, no date given) is today.
    """
    if not isinstance(doc, list):
        return Parsed([], 1)
    rows, unknown = [], 0
    for item in doc[:MAX_CYCLES]:
        cycle = item.get("cycle") if isinstance(item, dict) else None
        if not isinstance(cycle, str) or not _CYCLE_RE.match(cycle):
            unknown += 1
            continue
        release = _day(item.get("releaseDate"))
        unknown += release is None
        raw_eol = item.get("eol")
        eol: str | None
        if raw_eol is False:
            eol = None
        elif raw_eol is True:
            eol = today.isoformat()
        else:
            eol = _day(raw_eol)
            unknown += eol is None
        lts = item.get("lts")
        rows.append({"cycle": cycle, "release": release, "eol": eol, "lts": lts is True})
    return Parsed(rows, unknown)


def base_url() -> str:
    return (os.environ.get(SETTING) or DEFAULT_URL).rstrip("/")


def fetch_endoflife(ctx: Any, today: date) -> tuple[dict[str, Any] | None, str]:
    """Both products from endoflife.date, parsed: (table or None, a note for the user)."""
    from pkgcli.errors import UpstreamError
    from pkgcli.http import HttpClient
    from pkgcli.sources.base import SourceClient

    # One attempt, no retries: a small optional table, kept from before when unreachable.
    http = HttpClient(
        name=LABEL,
        timeout=ctx.settings.timeout,
        transport=ctx.transport,
        sleep=ctx.sleep,
        max_attempts=1,
        setting=SETTING,  # a connection error names PKGCLI_ENDOFLIFE_URL
    )
    client = SourceClient(http, base_url(), sleep=ctx.sleep)
    client.label = LABEL
    table: dict[str, Any] = {"as_of": today.isoformat(), "source": client.base_url}
    unknown = 0
    try:
        for product in PRODUCTS:
            answer = client.get(f"{client.base_url}/api/{product}.json", None, lambda doc, _: doc)
            if answer.status != 200:
                return None, f"{LABEL}: {product} answered {answer.status}; kept the table in use"
            parsed = parse_cycles(answer.data, today)
            if not parsed.cycles:
                return None, f"{LABEL}: no usable {product} releases; kept the table in use"
            table[product], unknown = parsed.cycles, unknown + parsed.unknown
    except UpstreamError as exc:
        return None, f"{LABEL}: {exc.message}; kept the table in use"
    finally:
        http.close()
    note = f"{LABEL}: Django and Python release table refreshed"
    return table, note + (f" ({unknown} unusable values stored as unknown)" if unknown else "")


def save_table(db_path: str, table: dict[str, Any]) -> None:
    """Write the table next to the database, atomically, readable by the user only."""
    from pkgcli.compat import refreshed_eol_path

    path = refreshed_eol_path(db_path)
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(table, handle, indent=1)
    os.replace(temporary, path)


def refresh(ctx: Any) -> None:
    """`fetch --all`'s step for this source: fetch, parse, save, and say what happened."""
    from datetime import UTC, datetime

    table, note = fetch_endoflife(ctx, datetime.now(UTC).date())
    if table is not None:
        save_table(ctx.settings.db_path, table)
    ctx.note(note)
