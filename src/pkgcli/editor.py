"""`pkgcli edit SLUG` in `$VISUAL`/`$EDITOR`: a TOML document of the editable fields.

The document is written here (TOML output is small enough not to need a library) and read
back with the standard `tomllib`. A changed value becomes an edit; deleting the line of an
edited field puts the upstream value back. An invalid document is re-opened with the
problem shown at the top, a few times at most; an empty or unchanged document, or an
editor that fails, cancels the whole edit (exit 2) and changes nothing.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import subprocess
import tempfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pkgcli.errors import UsageError
from pkgcli.overlay import FIELDS, field_list

if TYPE_CHECKING:
    from pkgcli.context import AppContext
    from pkgcli.overlay import Change
    from pkgcli.store import Row

MAX_ATTEMPTS = 5
WRAP_AT = 88
ERROR_PREFIX = "# ERROR: "
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


class DocumentError(Exception):
    """The saved document cannot be used; each line of `problems` is shown to the user."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


# -- TOML out --------------------------------------------------------------------------


def toml_string(text: str) -> str:
    """A TOML string that reads back as exactly `text`; multi-line text stays readable."""
    plain = all(c in "\n\t" or (c >= " " and c != "\x7f") for c in text)
    if "\n" in text and plain and "'''" not in text and not text.endswith("'"):
        return "'''\n" + text + "'''"
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif char < " " or char == "\x7f":
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        items = [toml_value(v) for v in value]
        one_line = "[" + ", ".join(items) + "]"
        if len(one_line) <= WRAP_AT - 20:
            return one_line
        lines, line = [], "   "
        for item in items:  # fill lines, as a person would write a long list
            if len(line) + len(item) + 2 > WRAP_AT and line.strip():
                lines.append(line)
                line = "   "
            line += f" {item},"
        return "[\n" + "\n".join([*lines, line]) + "\n]"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def _comment(text: str, limit: int = 70) -> str:
    """Text fit for a TOML comment: one line, no control characters, not too long."""
    text = _CONTROL.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass
class Document:
    """The document given to the editor, and what each line held when it was written."""

    text: str
    written: dict[str, Any] = field(default_factory=dict)  # field → the TOML value written
    current: dict[str, Any] = field(default_factory=dict)  # field → canonical value shown
    edited: set[str] = field(default_factory=set)


def build_document(slug: str, view: dict[str, Any]) -> Document:
    """The editable fields of a package view (edits applied) as a commented TOML document."""
    meta = view.get("pkgcli") or {}
    overrides = meta.get("overrides") or {}
    doc = Document(text="", edited=set(overrides))
    lines = [
        f"# pkgcli edit {slug}: your values for this package.",
        "# Change a value and save: it becomes your edit, kept through every refresh.",
        "# Delete the line of an edited field to go back to the upstream value.",
        "# A line starting with '#' is ignored: uncomment '# field = ...' to give it a value.",
        "# Save the file unchanged, or empty it, to cancel. Types: pkgcli edit --fields",
        "",
    ]
    for name, spec in FIELDS.items():
        value = spec.kind.from_view(view.get(name))
        doc.current[name] = value
        if name in overrides and spec.upstream and not meta.get("local"):
            upstream = spec.kind.from_view(overrides[name]["upstream"])
            shown = toml_value(upstream) if upstream is not None else "none"
            lines.append(_comment(f"# edited; upstream value: {shown}", WRAP_AT))
        if value is None and name in overrides:  # an edit that cleared the value
            value = ""
        if value is None:  # TOML has no null: a commented line, to fill in
            lines.append(f'# {name} = ""')
            continue
        doc.written[name] = value
        lines.append(f"{name} = {toml_value(value)}{_names_comment(name, meta)}")
    doc.text = "\n".join(lines) + "\n"
    return doc


def _names_comment(name: str, meta: dict[str, Any]) -> str:
    """For ids, what they stand for: `category = 3  # Apps`."""
    if name == "category" and meta.get("category"):
        return "  # " + _comment(meta["category"].get("title") or "?")
    if name == "grids" and meta.get("grids"):
        titles = [g.get("title") or g.get("slug") or "?" for g in meta["grids"]]
        return "  # " + _comment(", ".join(titles))
    return ""


# -- TOML in ---------------------------------------------------------------------------


def parse_document(text: str, doc: Document) -> list[Change]:
    """The saved text → the changes it asks for, or a DocumentError listing every problem."""
    import tomllib

    from pkgcli.overlay import Change, check_value

    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DocumentError([f"not valid TOML: {exc}"]) from None
    except RecursionError:  # arrays nested thousands deep
        raise DocumentError(["not valid TOML: nested too deeply"]) from None
    problems = [
        f"unknown field {name!r}; editable fields: {field_list()}"
        for name in values
        if name not in FIELDS
    ]
    changes = []
    for name, raw in values.items():
        spec = FIELDS.get(name)
        if spec is None or (name in doc.written and raw == doc.written[name]):
            continue
        try:
            value = check_value(spec, raw)
        except UsageError as exc:
            problems.append(exc.message.split("; editable fields")[0])
            continue
        if value != doc.current.get(name):
            changes.append(Change(spec, value))
    for name in doc.edited:
        if name not in values and name in doc.written:
            changes.append(Change(FIELDS[name], unset=True))
    if problems:
        raise DocumentError(problems)
    return changes


def with_problems(text: str, problems: list[str]) -> str:
    """The user's text again, with the problems on top (old ones replaced)."""
    kept = [line for line in text.splitlines() if not line.startswith(ERROR_PREFIX)]
    head = [ERROR_PREFIX + _comment(p, 300) for p in problems]
    head.append(ERROR_PREFIX + "fix the lines above and save again, or empty the file to cancel")
    return "\n".join(head + kept) + "\n"


# -- the editor loop -------------------------------------------------------------------


def editor_command() -> list[str]:
    command = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    try:
        parts = shlex.split(command)
    except ValueError:
        parts = []
    if not parts:
        raise UsageError(f"cannot read the editor command {command!r}: check $VISUAL / $EDITOR")
    return parts


def run_editor(command: list[str], path: str) -> None:
    try:
        completed = subprocess.run([*command, path], check=False)
    except OSError as exc:
        raise UsageError(
            f"cannot start the editor {command[0]!r} ({exc.strerror or exc}); "
            "set $VISUAL or $EDITOR; nothing changed"
        ) from None
    if completed.returncode != 0:
        raise UsageError(f"the editor exited with status {completed.returncode}; nothing changed")


def edit_text(command: list[str], text: str, slug: str) -> str:
    """Open `text` in the editor and return what was saved."""
    fd, path = tempfile.mkstemp(prefix=f"pkgcli-{slug}-", suffix=".toml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        run_editor(command, path)
        try:
            with open(path, encoding="utf-8") as handle:
                return handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read back the edited file ({exc}); nothing changed") from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)


def edit_in_editor(ctx: AppContext, row: Row) -> list[Change]:
    """Open the package's editable fields in the editor until they validate; the changes."""
    from pkgcli.service import package_view

    view = package_view(ctx.store, row, ctx.settings.api_url)
    doc = build_document(row["slug"], view)
    command = editor_command()
    text = doc.text
    problems: list[str] = []
    for _ in range(MAX_ATTEMPTS):
        saved = edit_text(command, text, row["slug"])
        if not _content(saved):
            raise UsageError("the document was saved empty: edit cancelled, nothing changed")
        if saved == text:
            raise UsageError("the document was saved unchanged: nothing changed")
        try:
            changes = parse_document(saved, doc)
        except DocumentError as exc:
            problems = exc.problems
            text = with_problems(saved, problems)
            continue
        if not changes:
            raise UsageError("no value was changed: nothing changed")
        return changes
    raise UsageError(
        f"still invalid after {MAX_ATTEMPTS} attempts ({'; '.join(problems)}); nothing changed"
    )


def _content(text: str) -> bool:
    return any(line.strip() and not line.lstrip().startswith("#") for line in text.splitlines())
