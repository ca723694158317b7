"""One output system for every command: the formats, how one is chosen, pure renderers.

`OutputFormat` names every format; `output_options` turns `--format/--json/--fields/
--no-color` and the terminal into an `Output`; `render_listing` / `render_record` turn
views into one string for stdout. On a terminal the default is a table (colour unless
NO_COLOR or --no-color); piped, it is plain tab-separated lines with ISO times and nothing
cut (like gh). Every string from upstream is made inert (`render.inert`) in every format
but JSON, which stays exact (and escapes the few characters a terminal could act on).
Only the table path imports rich and only the CSV path imports csv: `show --json` pays
for neither.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from pkgcli.errors import UsageError
from pkgcli.present.text import (
    AGE_UNITS,
    age,
    inert,
    json_line,
    parse_instant,
    relative_time,
    render_json,
    sparkline,
)

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from pkgcli.fields import Field

View = dict[str, Any]

Style = Literal["color", "mono", "none"]


class OutputFormat(StrEnum):
    table = "table"
    plain = "plain"
    json = "json"
    ndjson = "ndjson"
    csv = "csv"
    tsv = "tsv"
    md = "md"


class Output(NamedTuple):
    """What one command invocation prints and how."""

    format: OutputFormat
    fields: str | None = None  # the --fields text; None = the command's default
    style: Style = "none"  # "color" / "mono" (NO_COLOR) on a terminal; "none" otherwise
    width: int = 80


def stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):  # replaced or closed stdout
        return False


def terminal_width() -> int:
    import shutil

    return max(shutil.get_terminal_size((80, 24)).columns, 20)


def output_options(
    fmt: OutputFormat | None,
    json_flag: bool = False,
    fields: str | None = None,
    no_color: bool = False,
    *,
    kind: str | None = None,
) -> Output:
    """Resolve the output options of one command (`--json` is `--format json`).

    With `kind`, a bad `--fields` is refused now, before any work (or network) is done.
    """
    if fields is not None and kind is not None:
        from pkgcli.fields import catalogue

        catalogue(kind).select(fields, [])
    terminal = stdout_is_terminal()
    if json_flag and fmt not in (None, OutputFormat.json):
        raise UsageError(f"--json and --format {fmt.value} disagree: give only one of them")
    if json_flag:
        fmt = OutputFormat.json
    elif fmt is None:
        fmt = OutputFormat.table if terminal else OutputFormat.plain
    style: Style = "none"
    if terminal:
        style = "mono" if no_color or os.environ.get("NO_COLOR") else "color"
    return Output(format=fmt, fields=fields, style=style, width=terminal_width())


def selected(out: Output, kind: str, preset: str | None = None) -> set[str]:
    """The names of the fields `out` will print for rows of `kind` (to skip costly ones)."""
    from pkgcli.fields import catalogue

    return {f.name for f in catalogue(kind).select(out.fields, [], preset)}


# -- data formats ------------------------------------------------------------------------


def text_cell(value: Any) -> str:
    """A value as one line of inert text (csv, tsv, plain): lists comma-joined, no nulls."""
    if isinstance(value, str):
        return inert(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        if all(type(v) is int for v in value):  # commits: 52 numbers a row
            return ",".join(map(str, value))
        return ",".join(text_cell(v) for v in value)
    return inert(value)


_MD_SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*_[]<>|"})


def md_cell(field_: Field, value: Any) -> str:
    """A value for a Markdown table cell: human form, markup and pipes escaped."""
    if value is None:
        return ""
    if field_.type == "datetime":
        return str(value)[:10]
    if field_.type == "list[int]":
        return sparkline(value)
    return text_cell(value).translate(_MD_SPECIAL)


_FORMULA_START = ("=", "+", "-", "@")


def csv_cell(value: Any) -> str:
    """A CSV cell; a cell a spreadsheet would run as a formula gets a leading `'`.

    The guard looks at the cell's text as written (a list is its items joined), so a list
    whose first item is `=HYPERLINK(...)` is caught too. Only a plain number is left as it
    is: `-3` is a number to a spreadsheet, never a formula.
    """
    text = text_cell(value)
    if text[:1] in _FORMULA_START and not (isinstance(value, int) and not isinstance(value, bool)):
        return "'" + text
    return text


def render_csv(fields: Sequence[Field], rows: Sequence[View]) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([f.name for f in fields])
    writer.writerows([csv_cell(row[f.name]) for f in fields] for row in rows)
    return buffer.getvalue()


def render_tsv(fields: Sequence[Field], rows: Sequence[View], *, header: bool = True) -> str:
    # inert() turns tabs, \r and \n into spaces, so a cell can never break the layout.
    lines = ["\t".join(f.name for f in fields)] if header else []
    lines += ["\t".join(text_cell(row[f.name]) for f in fields) for row in rows]
    return "".join(line + "\n" for line in lines)


def render_md(fields: Sequence[Field], rows: Sequence[View]) -> str:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cells) + " |\n"

    align = ["---:" if f.type == "int" else "---" for f in fields]
    out = line([f.header.translate(_MD_SPECIAL) for f in fields]) + line(align)
    return out + "".join(line([md_cell(f, row[f.name]) for f in fields]) for row in rows)


def render_data(fields: Sequence[Field], rows: list[View], fmt: OutputFormat) -> str:
    """Flat rows in a data format (everything but the table)."""
    if fmt is OutputFormat.json:
        return render_json(rows) + "\n"
    if fmt is OutputFormat.ndjson:
        return "".join(json_line(row) + "\n" for row in rows)
    if fmt is OutputFormat.csv:
        return render_csv(fields, rows)
    if fmt is OutputFormat.tsv:
        return render_tsv(fields, rows)
    if fmt is OutputFormat.md:
        return render_md(fields, rows)
    return render_tsv(fields, rows, header=False)  # plain: what gh prints when piped


# -- tables ------------------------------------------------------------------------------


def compact_number(value: int) -> str:
    size = abs(value)
    if size < 1000:
        return str(value)
    for limit, unit in ((1_000_000, "k"), (1_000_000_000, "M")):
        if size < limit:
            scaled = value / (limit // 1000)
            return f"{scaled:.1f}{unit}" if abs(scaled) < 10 else f"{int(scaled)}{unit}"
    return f"{value / 1_000_000_000:.1f}G"


_SHORT_UNITS = {unit: short for unit, short, _ in AGE_UNITS}


def short_age(iso: str, now: datetime) -> str:
    """`2024-01-01T…Z` → "5mo", "2y", "3d", "-2d" (ahead), "now" (under an hour): the age
    in its largest unit, as `relative_time` tells it at length."""
    then = parse_instant(iso)
    if then is None:
        return iso
    parts = age(then, now, smallest="hour")
    if parts is None:
        return "now"
    n, unit, future = parts
    return f"{'-' if future else ''}{n}{_SHORT_UNITS[unit]}"


def rebucket(counts: list[int], size: int) -> list[int]:
    """Weekly counts summed `size` weeks at a time (a narrower sparkline)."""
    return [sum(counts[i : i + size]) for i in range(0, len(counts), size)]


def table_variants(field_: Field, values: list[Any], now: datetime) -> list[tuple[str, list[str]]]:
    """(header, cells) for each width a column can take, widest first."""
    short = field_.short or field_.header

    def cells(fn: Callable[[Any], str]) -> list[str]:
        return ["—" if v is None else fn(v) for v in values]

    if field_.name in PLAIN_NUMBERS:  # an id is copied into commands: `show 1858`
        return [(field_.header, cells(str))]
    if field_.type == "int":
        return [(field_.header, cells(lambda v: f"{v:,}")), (short, cells(compact_number))]
    if field_.type == "datetime":
        return [
            (field_.header, cells(lambda v: relative_time(v, now))),
            (short, cells(lambda v: short_age(v, now))),
        ]
    if field_.type == "list[int]":
        return [
            (field_.header, cells(lambda v: sparkline(v) or "—")),
            (short, cells(lambda v: sparkline(rebucket(v, 2)) or "—")),
            (short, cells(lambda v: sparkline(rebucket(v, 4)) or "—")),
        ]
    if field_.type == "bool":
        return [
            (field_.header, cells(lambda v: "yes" if v else "no")),
            (short, cells(lambda v: "yes" if v else "no")),
        ]
    if field_.type == "list[str]":
        return [(field_.header, cells(lambda v: ", ".join(inert(x) for x in v)))]
    if field_.type == "json":  # any JSON value (an edit's): as JSON text, cut in the table
        import json

        return [(field_.header, cells(lambda v: inert(json.dumps(v, ensure_ascii=False))))]
    return [(field_.header, cells(inert))]


PLAIN_NUMBERS = frozenset({"id"})  # numbers that name something: never 1,858


class ColumnFit(NamedTuple):
    """One column's candidate widths (one per abbreviation level) for `fit_columns`."""

    priority: int
    widths: list[int]
    min_width: int  # how narrow truncation may make it (= widths[-1] if not truncatable)
    required: bool = False


def fit_columns(columns: Sequence[ColumnFit], width: int, gap: int = 2) -> list[tuple[int, int]]:
    """Choose (level, width) per column so the row fits `width`; (-1, 0) = column dropped.

    In order, until the row fits: abbreviate (least important column first), truncate text
    columns to their minimum, drop columns (least important first, never a required one).
    Then give any room left back, most important column first: abbreviations are undone
    before truncated text is widened again.
    """
    n = len(columns)
    level = [0] * n
    size = [c.widths[0] for c in columns]
    active = [True] * n
    order = sorted(range(n), key=lambda i: columns[i].priority, reverse=True)

    def total() -> int:
        kept = [size[i] for i in range(n) if active[i]]
        return sum(kept) + gap * max(len(kept) - 1, 0)

    for i in order:
        while total() > width and level[i] < len(columns[i].widths) - 1:
            level[i] += 1
            size[i] = columns[i].widths[level[i]]
    for i in order:  # to the minimum: what is not needed comes back below
        if total() > width and not columns[i].required:
            size[i] = min(columns[i].min_width, size[i])
    for i in order:
        if total() > width and not columns[i].required:
            active[i] = False
    for i in order:  # only required columns are left and it still does not fit
        if total() > width:
            size[i] = max(min(columns[i].min_width, size[i]), size[i] - (total() - width))
    kept = [i for i in sorted(range(n), key=lambda i: columns[i].priority) if active[i]]
    for i in kept:  # first undo abbreviations (a full number beats more of a long title)…
        while level[i] > 0 and total() - size[i] + columns[i].widths[level[i] - 1] <= width:
            level[i] -= 1
            size[i] = columns[i].widths[level[i]]
    for i in kept:  # …then widen truncated text back towards its natural width
        natural = columns[i].widths[level[i]]
        size[i] = min(natural, size[i] + max(width - total(), 0))
    return [(level[i], size[i]) if active[i] else (-1, 0) for i in range(n)]


TRUNCATE_TO = {"str": 14, "list[str]": 10, "json": 10}
_COLOURS = {"slug": "cyan", "score": "bold", "archived": "red"}


def _console(width: int, style: Style) -> Console:
    import io

    from rich.console import Console

    return Console(
        file=io.StringIO(),
        width=width,
        force_terminal=style != "none",
        color_system=None if style == "none" else "standard" if style == "mono" else "auto",
        no_color=style == "mono",
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=False,
        legacy_windows=False,
    )


def _printed(console: Console, style: Style) -> str:
    text: str = console.file.getvalue()  # type: ignore[attr-defined]
    if style == "none":  # rich pads every cell; padding at the end of a line is noise
        text = "".join(line.rstrip() + "\n" for line in text.splitlines())
    return text


def to_text(renderable: RenderableType, out: Output) -> str:
    """A rich renderable as the text (and, on a terminal, escape codes) it prints."""
    console = _console(out.width, out.style)
    console.print(renderable)
    return _printed(console, out.style)


def render_table(
    fields: Sequence[Field],
    rows: Sequence[View],
    out: Output,
    *,
    title: str | None = None,
    now: datetime | None = None,
) -> str:
    """Rows as a table that fits `out.width`: columns abbreviate, truncate or drop; no wraps."""
    from rich.cells import cell_len
    from rich.table import Table
    from rich.text import Text

    from pkgcli.fields import now_utc

    now = now or now_utc()
    variants = [table_variants(f, [row[f.name] for row in rows], now) for f in fields]
    fits = []
    for f, options in zip(fields, variants, strict=True):
        widths = [max([cell_len(h), *(cell_len(c) for c in cells)]) for h, cells in options]
        floor = min(TRUNCATE_TO.get(f.type, widths[-1]), widths[-1])
        fits.append(ColumnFit(f.priority, widths, floor, required=f.priority == 0))
    layout = fit_columns(fits, out.width)
    table = Table(
        box=None,
        padding=(0, 1),
        pad_edge=False,
        show_edge=False,
        header_style="bold" if out.style != "none" else "",
        expand=False,
    )
    chosen = [
        (f, options[lvl], w)
        for f, options, (lvl, w) in zip(fields, variants, layout, strict=True)
        if lvl >= 0
    ]
    for f, (header, _), w in chosen:
        justify: Any = "right" if f.type == "int" else "left"
        colour = _COLOURS.get(f.name, "") if out.style == "color" else ""
        table.add_column(
            header, width=w, no_wrap=True, overflow="ellipsis", justify=justify, style=colour
        )
    for r in range(len(rows)):
        table.add_row(*(Text(cells[r]) for _, (_, cells), _ in chosen))
    console = _console(out.width, out.style)
    if title:
        console.print(Text(title, style="bold"), no_wrap=True, overflow="ellipsis", crop=True)
    if rows:
        console.print(table)
    return _printed(console, out.style)


def render_pairs(pairs: Sequence[tuple[str, str]], out: Output) -> str:
    """Label/value lines (one record on a terminal), labels aligned."""
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold cyan" if out.style == "color" else "", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in pairs:
        grid.add_row(Text(label), Text(value))
    return to_text(grid, out)


def _human_value(field_: Field, value: Any, now: datetime, missing: str) -> str:
    if value is None:
        return missing
    return table_variants(field_, [value], now)[0][1][0]


# -- entry points for commands -----------------------------------------------------------


def render_listing(
    views: Sequence[View],
    kind: str,
    out: Output,
    *,
    preset: str | None = None,
    title: str | None = None,
    now: datetime | None = None,
) -> str:
    """A list of rows (grids, packages, fields) in the chosen format."""
    from pkgcli.fields import catalogue, flatten, now_utc

    now = now or now_utc()
    fields = catalogue(kind).select(out.fields, views, preset)
    rows = flatten(views, fields, now)
    if out.format is OutputFormat.table:
        return render_table(fields, rows, out, title=inert(title) if title else None, now=now)
    return render_data(fields, rows, out.format)


def render_record(
    view: View,
    kind: str,
    out: Output,
    *,
    preset: str | None = None,
    human: Callable[[], RenderableType] | None = None,
    missing: str = "—",
    now: datetime | None = None,
) -> str:
    """One record: JSON without --fields is the view itself (exact); otherwise flat fields.

    `human` is the command's own rich rendering, used for the table without --fields.
    """
    if out.fields is None and out.format is OutputFormat.json:
        return render_json(view) + "\n"
    if out.fields is None and out.format is OutputFormat.ndjson:
        return json_line(view) + "\n"
    if out.fields is None and out.format is OutputFormat.table and human is not None:
        return to_text(human(), out)
    from pkgcli.fields import catalogue, flatten, now_utc

    now = now or now_utc()
    fields = catalogue(kind).select(out.fields, [view], preset)
    row = flatten([view], fields, now)[0]
    if out.format is OutputFormat.plain:
        return "".join(f"{f.name}\t{text_cell(row[f.name])}\n" for f in fields)
    if out.format is OutputFormat.md:
        cells = [(f.header.translate(_MD_SPECIAL), md_cell(f, row[f.name])) for f in fields]
        return "| Field | Value |\n| --- | --- |\n" + "".join(
            f"| {label} | {value} |\n" for label, value in cells
        )
    if out.format is OutputFormat.table:
        pairs = [(f.header, _human_value(f, row[f.name], now, missing)) for f in fields]
        return render_pairs(pairs, out)
    if out.format is OutputFormat.json:  # one record: an object, not a list of one
        return render_json(row) + "\n"
    if out.format is OutputFormat.ndjson:
        return json_line(row) + "\n"
    return render_data(fields, [row], out.format)


def render_field_list(kind: str, out: Output) -> str:
    """`--list-fields`: the catalogue itself, in the chosen format."""
    from pkgcli.fields import catalogue

    views = [
        {
            "name": f.name,
            "aliases": list(f.other_names),
            "type": f.type,
            "editable": f.edit is not None,
            "description": f.description,
        }
        for f in catalogue(kind).fields
    ]
    listing = Output(format=out.format, fields=None, style=out.style, width=out.width)
    return render_listing(views, "field", listing, now=datetime.now(UTC))
