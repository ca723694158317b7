"""The one list of upstream sources: each declared once, everything else reads it.

A `Source` says what pkgcli needs to know about an upstream before talking to it: its name
(the `--source` word and the key under `pkgcli.sources` in `show --json`), its proper name
for people, the base URL setting (default and the environment variable that overrides it,
shown by `pkgcli paths`) and the store table its answers go to. Settings, `paths`, the
`--source` choices and help, the engine's client for each source and the provenance labels
are all derived from `SOURCES`; adding a source is one declaration here (or `register` from
a test) plus its module and migration. This module imports nothing heavy: `show` reads it.
"""

from __future__ import annotations

from dataclasses import dataclass

from pkgcli.errors import UsageError


@dataclass(frozen=True)
class Source:
    """One upstream pkgcli reads from."""

    name: str  # `--source` word, key in `show --json` provenance
    label: str  # proper name in messages and summaries
    env_var: str  # overrides the base URL
    default_url: str
    paths_key: str  # the row `pkgcli paths` shows the base URL under
    table: str | None = None  # store.SOURCE_TABLES key its answers go to (None: packages)
    alias: str | None = None  # a `--source` word that covers several sources (forges)
    # A source added without touching the engine: the module that picks its target, makes
    # its client and fetches one package (see `pkgcli.refresh._start_plugins`), and the
    # columns of its table (created by its migration) under the SQL table `table`.
    plugin: str | None = None
    columns: tuple[str, ...] = ()


SOURCES: list[Source] = [
    Source(
        "djangopackages",
        "Django Packages",
        "PKGCLI_API_URL",
        "https://djangopackages.org/api/v4",
        "django_packages_api",
    ),
    Source(
        "github",
        "GitHub",
        "PKGCLI_GITHUB_API_URL",
        "https://api.github.com",
        "github_api",
        "github",
    ),
    Source("pypi", "PyPI", "PKGCLI_PYPI_URL", "https://pypi.org", "pypi", "pypi"),
    Source(
        "gitlab",
        "GitLab",
        "PKGCLI_GITLAB_API_URL",
        "https://gitlab.com/api/v4",
        "gitlab_api",
        "forge",
        "forges",
    ),
    Source(
        "codeberg",
        "Codeberg",
        "PKGCLI_CODEBERG_API_URL",
        "https://codeberg.org/api/v1",
        "codeberg_api",
        "forge",
        "forges",
    ),
]


def register(source: Source) -> None:
    """Add a source (tests and plug-ins); its name must be new."""
    if any(s.name == source.name for s in SOURCES):
        raise ValueError(f"source {source.name!r} is already registered")
    SOURCES.append(source)


def plugin_tables() -> dict[str, tuple[str, tuple[str, ...]]]:
    """{source name: (SQL table, columns)} for the sources added as plug-ins."""
    return {s.name: (s.table, s.columns) for s in SOURCES if s.plugin and s.table}


def store_key(name: str) -> str | None:
    """Where a source's rows live in the store: its table key (a plug-in: its name)."""
    found = source(name)
    return found.name if found.plugin else found.table


def unregister(name: str) -> None:
    SOURCES[:] = [s for s in SOURCES if s.name != name]


def source(name: str) -> Source:
    """The source called `name` (KeyError if none is)."""
    for candidate in SOURCES:
        if candidate.name == name:
            return candidate
    raise KeyError(name)


def names() -> tuple[str, ...]:
    return tuple(s.name for s in SOURCES)


def label(name: str) -> str:
    """A source's proper name; the name itself for one no longer registered."""
    try:
        return source(name).label
    except KeyError:
        return name


def choices() -> tuple[str, ...]:
    """Every word `--source` accepts: the names, then the aliases."""
    aliases = [s.alias for s in SOURCES if s.alias]
    return (*names(), *dict.fromkeys(a for a in aliases if a not in names()))


def source_help() -> str:
    """The `--source` help text, from the registry."""
    groups = {s.alias: [t.name for t in SOURCES if t.alias == s.alias] for s in SOURCES if s.alias}
    extra = "; ".join(f"{alias} = {'+'.join(members)}" for alias, members in groups.items())
    return (
        f"Comma-separated: {','.join(names())}"
        + (f" ({extra})" if extra else "")
        + (" (default: all).")
    )


def parse_sources(text: str | None) -> tuple[str, ...]:
    """`--source a,b` → the chosen source names in registry order (default: all of them)."""
    if text is None or not text.strip():
        return names()
    words = [n.strip().lower() for n in text.split(",") if n.strip()]
    unknown = [w for w in words if w not in choices()]
    if unknown or not words:
        raise UsageError(
            f"unknown source {', '.join(map(repr, unknown)) or repr(text)}; "
            f"choose from {', '.join(choices())} (comma-separated)"
        )
    return tuple(s.name for s in SOURCES if s.name in words or (s.alias and s.alias in words))
