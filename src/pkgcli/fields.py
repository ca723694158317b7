"""The flat output fields: one registry per kind of row (package, grid, paths).

A `Field` says what `--fields` accepts, what `--list-fields` prints, how to get the value
from a view (the dict `service.package_view` builds) and its type, which drives every
format (ISO times in data formats, relative times in tables, the published JSON Schema).
A new field is one line in its catalogue. Values for data formats are plain JSON values:
times are UTC ISO-8601 (`2024-05-01T12:00:00Z`), lists stay lists. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from pkgcli.errors import UsageError
from pkgcli.models import parse_timestamp
from pkgcli.scoring import supports_python3, upstream_score

View = dict[str, Any]
Getter = Callable[[View, datetime], Any]


def lookup(view: View, key: str) -> Any:
    """A value by key: the view's own keys first, then pkgcli's metadata under `pkgcli`."""
    if key in view:
        return view[key]
    meta = view.get("pkgcli")
    return meta.get(key) if isinstance(meta, dict) else None


def _utc_text(value: Any) -> str | None:
    """Any ISO-8601 text (offset or naive = UTC) → UTC ISO text (`models.parse_timestamp`,
    the one ISO → UTC conversion); None for what is not text, not a time, or a time
    outside the years 1-9999 in UTC."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_timestamp(value)
    except (TypeError, ValueError, OverflowError):
        return None


def parse_iso(value: Any) -> datetime | None:
    """Any ISO-8601 text → an aware UTC datetime; else None (see `_utc_text`)."""
    text = _utc_text(value)
    return datetime.fromisoformat(text) if text else None


def iso_utc(value: Any) -> str | None:
    """Any ISO-8601 text (offset or naive = UTC) → `YYYY-MM-DDTHH:MM:SSZ`; else None."""
    text = _utc_text(value)
    return text[:19] + "Z" if text else None  # the date and time to the second, then Z


class Field(NamedTuple):
    """One output field. A NamedTuple (immutable) rather than a dataclass: cheaper to
    create at import, which every list-grid and search start pays."""

    name: str
    type: str
    description: str
    get: Getter | None = None  # default: the view's `key` (see `lookup`)
    key: str | None = None  # default: the field's name
    label: str = ""  # table header; default: the name
    short: str = ""  # table header when the column is abbreviated
    priority: int = 50  # lower stays longer when a table must fit a narrow terminal
    nullable: bool = True
    optional: bool = False  # shown by default only when some row carries it (later sources)
    aliases: tuple[str, ...] = ()  # other names --fields, --sort and edit accept
    edit: str | None = None  # how `edit --set` checks it: a kind in `overlay.KINDS`; None = not

    def value(self, view: View, now: datetime) -> Any:
        raw = self.get(view, now) if self.get else lookup(view, self.key or self.name)
        if self.type == "datetime":
            return iso_utc(raw)
        if self.type == "bool" and raw is not None:
            return bool(raw)
        return raw

    def present(self, view: View) -> bool:
        """Whether the view carries this field at all (for optional, later-source fields)."""
        return not self.optional or lookup(view, self.key or self.name) is not None

    @property
    def header(self) -> str:
        return self.label or self.name

    @property
    def view_key(self) -> str:
        """The key in `show --json` (upstream's v4 name where there is one)."""
        return self.key or self.name

    @property
    def other_names(self) -> tuple[str, ...]:
        """Every other name the field answers to: the view key first, then the aliases."""
        view = (self.key,) if self.key and self.key != self.name else ()
        return view + self.aliases


class Catalogue:
    """The fields one kind of row offers, in their documented order."""

    def __init__(
        self,
        kind: str,  # "package", "grid", "paths": names the JSON Schema
        fields: tuple[Field, ...],
        default: tuple[str, ...],  # what a command shows without --fields
        presets: dict[str, tuple[str, ...]] | None = None,  # other commands' defaults
    ) -> None:
        self.kind = kind
        self.fields = fields
        self.default = default
        self.presets = presets or {}
        self.by_name = {f.name: f for f in fields}
        # Every name a field answers to (its name, view key, aliases), lower case.
        self.by_any_name = {n.lower(): f for f in fields for n in (f.name, *f.other_names)}

    def __getitem__(self, name: str) -> Field:
        return self.by_name[name]

    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    def all_names(self) -> list[str]:
        """Names and other names, for completion: `stars` and `repo_watchers` both."""
        return list(self.by_any_name)

    def resolve(self, name: str) -> Field | None:
        """The field a name stands for, by any of its names (case-insensitive)."""
        return self.by_any_name.get(name.strip().lower())

    def field(self, name: str, *, option: str = "--fields") -> Field:
        found = self.resolve(name)
        if found is None:
            raise UsageError(unknown_name(name, option, suggest(name, self.fields)))
        return found

    def select(
        self, spec: str | None, views: Sequence[View], preset: str | None = None
    ) -> list[Field]:
        """The fields to output: `--fields a,b`, `all`, or the default (plus optional fields
        that some row carries). Package and grid rows always lead with `slug`."""
        if spec is not None and spec.strip().lower() == "all":
            chosen = list(self.fields)
        elif spec is not None:
            names = [n for n in (p.strip() for p in spec.split(",")) if n]
            if not names:
                raise UsageError("--fields needs at least one field name (or 'all')")
            chosen = [self.field(n) for n in names]
        else:
            default = self.presets[preset] if preset else self.default
            chosen = [self.by_name[n] for n in default]
            chosen += [
                f
                for f in self.fields
                if f.optional and f not in chosen and any(f.present(v) for v in views)
            ]
        chosen = list(dict.fromkeys(chosen))
        if "slug" in self.by_name and self.by_name["slug"] not in chosen:
            chosen.insert(0, self.by_name["slug"])
        return chosen


def suggest(name: str, candidates: Iterable[Field]) -> list[str]:
    """The field names closest to a mistyped `name` (matching any of their names)."""
    from difflib import get_close_matches

    by_name = {n.lower(): f.name for f in candidates for n in (f.name, *f.other_names)}
    close = get_close_matches(name.strip().lower(), list(by_name), n=3, cutoff=0.6)
    return list(dict.fromkeys(by_name[c] for c in close))


def unknown_name(name: str, option: str, close: Sequence[str]) -> str:
    """The one line for an unknown field name: a guess when there is one, never a wall."""
    hint = f"did you mean {' or '.join(close)}?" if close else "see --list-fields"
    return f"unknown field {name.strip()!r} for {option}; {hint}"


def flatten(views: Iterable[View], fields: Sequence[Field], now: datetime) -> list[View]:
    """Views → flat rows: {field name: JSON value}, in field order."""
    return [{f.name: f.value(view, now) for f in fields} for view in views]


def sort_key_direction(field_: Field) -> bool:
    """Numbers, times, booleans and lists sort descending by default; text ascending."""
    return field_.type != "str"


def sort_views(
    views: list[View], field_: Field, now: datetime, *, reverse: bool = False
) -> list[View]:
    """Stable sort on one field; unknown (null) values always last."""
    descending = sort_key_direction(field_) != reverse
    keyed = [(field_.value(v, now), v) for v in views]
    known = [(k, v) for k, v in keyed if k is not None]
    unknown = [v for k, v in keyed if k is None]

    def key(item: tuple[Any, View]) -> Any:
        value = item[0]
        if isinstance(value, list):
            return len(value)
        if isinstance(value, str):
            return value.casefold()
        return value

    known.sort(key=key, reverse=descending)
    return [v for _, v in known] + unknown


# -- package fields ----------------------------------------------------------------------


def _meta(view: View) -> dict[str, Any]:
    meta = view.get("pkgcli")
    return meta if isinstance(meta, dict) else {}


def _category(view: View, now: datetime) -> Any:
    category = _meta(view).get("category")
    return category.get("slug") if isinstance(category, dict) else None


def _grids(view: View, now: datetime) -> list[str]:
    return [g["slug"] for g in _meta(view).get("grids", []) if g.get("slug")]


def _commits_total(view: View, now: datetime) -> int | None:
    commits = view.get("commits_over_52") or []
    return sum(commits) if commits else None


def _participants_count(view: View, now: datetime) -> int:
    return len(view.get("participants") or [])


def _none_if_empty(key: str) -> Getter:
    return lambda view, now: view.get(key) or None


def _tags(view: View, now: datetime) -> list[str]:
    return list(view.get("tags") or [])


def _edited(view: View, now: datetime) -> list[str]:
    return list(_meta(view).get("edited") or [])


def _local(view: View, now: datetime) -> bool:
    return bool(_meta(view).get("local"))


def _score(view: View, now: datetime) -> int:
    versions = lookup(view, "python_versions")
    return upstream_score(
        view.get("repo_watchers") or 0,
        parse_iso(view.get("last_updated")),
        python3=supports_python3(versions if isinstance(versions, list) else None),
        now=now,
    )


# fmt: off
PACKAGES = Catalogue(
    kind="package",
    fields=(
        Field("slug", "str", "Package slug: its unique id on Django Packages", priority=0,
              label="Slug", nullable=False),
        Field("id", "int", "Django Packages id", label="Id",
              nullable=False, priority=90),
        Field("title", "str", "Package title (not unique)", label="Title", priority=6,
              nullable=False, edit="line"),
        Field("description", "str", "Repository description", key="repo_description",
              label="Description", priority=6, edit="text"),
        Field("category", "str", "Category slug", get=_category, label="Category", priority=60,
              edit="category"),
        Field("grids", "list[str]", "Slugs of the grids the package is in", get=_grids,
              label="Grids", priority=70, nullable=False, edit="grids"),
        Field("repo_url", "str", "Repository URL", get=_none_if_empty("repo_url"),
              label="Repository", priority=40, edit="url"),
        Field("stars", "int", "GitHub stars (upstream repo_watchers)", key="repo_watchers",
              label="Stars", priority=2, edit="count"),
        Field("forks", "int", "Repository forks", key="repo_forks", label="Forks", priority=9,
              edit="count"),
        Field("pypi_url", "str", "PyPI URL as upstream gives it", get=_none_if_empty("pypi_url"),
              label="PyPI URL", priority=45, edit="pypi_url"),
        Field("pypi_version", "str", "Latest version on PyPI", label="PyPI", priority=5,
              aliases=("version",), edit="line"),
        Field("documentation_url", "str", "Documentation URL",
              get=_none_if_empty("documentation_url"), label="Docs", priority=45, aliases=("docs",),
              edit="url"),
        Field("last_commit", "datetime", "Newest commit on the default branch",
              key="last_updated", label="Last commit", short="Last", priority=3, edit="timestamp"),
        Field("commits", "list[int]", "Weekly commit counts, 52 weeks, oldest first ([] unknown)",
              key="commits_over_52", label="Commits (52w)", short="52w", priority=7,
              nullable=False, edit="weekly_counts"),
        Field("commits_total", "int", "Commits in the last 52 weeks", get=_commits_total,
              label="Commits", priority=30),
        Field("participants", "list[str]", "Contributor logins, in GitHub's order",
              label="Participants", priority=80, nullable=False,
              edit="str_list"),
        Field("participants_count", "int", "Number of contributors", get=_participants_count,
              label="Participants", short="Ppl", priority=8, nullable=False),
        Field("score", "int", "Django Packages' score (stars, staleness, Python 3)",
              get=_score, label="Score", priority=1, nullable=False),
        Field("last_fetched", "datetime", "When Django Packages last refreshed the record",
              label="Refreshed upstream", priority=85),
        Field("created", "datetime", "When the package was added to Django Packages",
              label="Created", priority=85),
        Field("modified", "datetime", "When the record was last edited upstream",
              label="Modified", priority=85),
        Field("mirrored_at", "datetime", "When pkgcli last stored it", label="Mirrored",
              priority=85),
        Field("gone_upstream_at", "datetime", "When it disappeared from Django Packages",
              label="Gone", priority=85),
        # The user's layer (pkgcli edit): edited values are already in the fields above.
        Field("notes", "str", "Your notes (pkgcli edit)", label="Notes", priority=70, edit="text"),
        Field("tags", "list[str]", "Your tags (pkgcli edit)", get=_tags, label="Tags",
              priority=65, nullable=False, edit="tags"),
        Field("edited", "list[str]", "The fields you edited: their values are yours",
              get=_edited, label="Edited", priority=75, nullable=False),
        Field("local", "bool", "Only in this mirror (pkgcli edit --create)", get=_local,
              label="Local", priority=75, nullable=False),
        # Filled by the GitHub/PyPI sources when they have run (absent until then).
        Field("archived", "bool", "The repository is archived", label="Archived",
              short="Arch", priority=4, optional=True),
        Field("license", "str", "Licence (SPDX id when known)", label="Licence",
              short="Lic", priority=10, optional=True),
        Field("python_versions", "list[str]", "Python versions from the PyPI classifiers",
              label="Python", short="Py", priority=11, optional=True),
        Field("django_versions", "list[str]", "Django versions from the PyPI classifiers",
              label="Django", short="Dj", priority=12, optional=True),
        Field("development_status", "str", "PyPI development status", label="Status",
              priority=60, optional=True),
        Field("latest_release_at", "datetime", "Date of the latest PyPI release",
              label="Released", priority=60, optional=True),
        Field("requires_python", "str", "Python versions it installs on (PyPI requires_python)",
              label="Requires Python", short="Req", priority=61, optional=True),
        Field("subscribers_count", "int", "Repository watchers (subscribers, not stars)",
              label="Watchers", priority=62, optional=True),
        Field("commit_count", "int", "Commits on the default branch", label="Commit count",
              short="Cmts", priority=63, optional=True),
        Field("repo_full_name", "str", "The repository's name now (after renames)",
              label="Repository now", short="Repo", priority=64, optional=True),
    ),
    default=("slug", "title", "stars", "forks", "last_commit", "pypi_version", "commits",
             "participants_count", "score"),
)
# fmt: on
PACKAGES.presets["search"] = ("slug", "title", "stars", "last_commit", "description")
PACKAGES.presets["show"] = tuple(f.name for f in PACKAGES.fields if not f.optional)

# -- grid fields -------------------------------------------------------------------------

# fmt: off
GRIDS = Catalogue(
    kind="grid",
    fields=(
        Field("slug", "str", "Grid slug", priority=0, label="Slug", nullable=False),
        Field("id", "int", "Django Packages id", label="Id", priority=90, nullable=False),
        Field("title", "str", "Grid title", label="Title", priority=2, nullable=False),
        Field("description", "str", "Grid description", label="Description", priority=20),
        Field("package_count", "int", "Packages in the grid (upstream's list)",
              label="Packages", short="Pkgs", priority=1, nullable=False),
        Field("mirrored_count", "int", "Of those, how many are in the local mirror",
              label="Mirrored", priority=30, nullable=False),
        Field("created", "datetime", "When the grid was created upstream", label="Created",
              priority=85),
        Field("modified", "datetime", "When the grid was last edited upstream",
              label="Modified", priority=85),
        Field("mirrored_at", "datetime", "When pkgcli last stored it", key="fetched_at",
              label="Mirrored at", priority=85),
    ),
    default=("slug", "title", "package_count"),
)
# fmt: on

# -- `pkgcli paths` ----------------------------------------------------------------------

# fmt: off
PATHS = Catalogue(
    kind="paths",
    fields=(
        Field("database", "str", "The mirror database file", label="database"),
        Field("database_from", "str", "Where that path came from (--db, PKGCLI_DB, default)",
              label="database_from"),
        Field("django_packages_api", "str", "Django Packages API base URL",
              label="django_packages_api"),
        Field("github_api", "str", "GitHub API base URL", label="github_api"),
        Field("pypi", "str", "PyPI base URL", label="pypi"),
        Field("gitlab_api", "str", "GitLab API base URL", label="gitlab_api"),
        Field("codeberg_api", "str", "Codeberg API base URL", label="codeberg_api"),
        Field("github_token_from", "str", "Variable the GitHub token comes from (name only)",
              label="github_token_from"),
    ),
    default=(
        "database", "database_from", "django_packages_api", "github_api", "pypi",
        "gitlab_api", "codeberg_api", "github_token_from",
    ),
)
# fmt: on


# fmt: off
FIELD_INFO = Catalogue(
    kind="field",
    fields=(
        Field("name", "str", "Field name, as --fields and --sort take it", label="Field",
              priority=1, nullable=False),
        Field("type", "str", "str, int, bool, datetime, list[str] or list[int]", label="Type",
              priority=2, nullable=False),
        Field("aliases", "list[str]", "Its other names (upstream's v4 key first): all work",
              label="Also", priority=4, nullable=False),
        Field("editable", "bool", "Whether `pkgcli edit --set` takes it", label="Edit",
              priority=5, nullable=False),
        Field("description", "str", "What the field holds", label="Description", priority=3,
              nullable=False),
    ),
    default=("name", "aliases", "type", "editable", "description"),
)
# fmt: on


# `pkgcli edits history`: one edit event a row.
# fmt: off
EDITS = Catalogue(
    kind="edit",
    fields=(
        Field("id", "int", "Edit id (for `pkgcli edits revert ID`)", label="Id", priority=0,
              nullable=False),
        Field("created_at", "datetime", "When the edit was made", label="When", priority=3,
              aliases=("when",), nullable=False),
        Field("package", "str", "Package slug", label="Package", priority=1, nullable=False),
        Field("field", "str", "The field edited (its key in show --json)", label="Field",
              priority=2, nullable=False),
        Field("action", "str", "set or unset", label="Change", priority=5, nullable=False),
        Field("value", "json", "The value set (null for an unset)", label="Value", priority=6),
        Field("state", "str", "in force, superseded, reverted…", label="State", priority=4,
              nullable=False),
    ),
    default=("id", "created_at", "package", "field", "action", "value", "state"),
)
# fmt: on


def catalogue(kind: str) -> Catalogue:
    """The catalogue for a kind of row: "package", "grid", "paths", "field" or "edit"."""
    kinds = {"package": PACKAGES, "grid": GRIDS, "paths": PATHS, "field": FIELD_INFO}
    return EDITS if kind == "edit" else kinds[kind]


def now_utc() -> datetime:
    return datetime.now(UTC)
