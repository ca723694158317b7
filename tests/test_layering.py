"""The dependency direction holds: cli → service/sync/render → store/sources/http → models.

Read with `ast`, so nobody has to remember the rule.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).parent.parent / "src" / "pkgcli"

# module → pkgcli modules it must never import (at any depth inside the module).
FORBIDDEN = {
    "models": {"store", "http", "sources", "sync", "service", "render", "cli", "context"},
    "errors": {"store", "http", "sources", "sync", "service", "render", "cli", "context"},
    "store": {"http", "sources", "sync", "service", "render", "cli"},
    "migrations": {"store", "http", "sources", "sync", "service", "render", "cli"},
    "http": {"store", "sources", "sync", "service", "render", "cli"},
    "sources": {"store", "sync", "service", "render", "cli"},
    "render": {"store", "http", "sources", "sync", "cli"},
    "service": {"cli"},
    "sync": {"cli"},
    "fake": {"cli", "store", "service", "sync", "render", "http", "sources", "context"},
    "merge": {"store", "http", "sources", "sync", "service", "render", "cli", "context"},
    "registry": {"store", "http", "sources", "sync", "service", "render", "cli", "context"},
    "refresh": {"cli", "service", "sync"},
    "jobs": {"cli", "service", "sync", "store", "render", "refresh", "context"},
    # the output system: pure field registry and score; renderers never reach the data
    "scoring": {"store", "http", "sources", "sync", "service", "render", "cli", "context"},
    "fields": {"store", "http", "sources", "sync", "service", "render", "cli", "context"},
    "output": {"store", "http", "sources", "sync", "service", "cli", "context"},
    "completion": {"http", "sources", "sync", "service", "render", "output", "cli"},
}


def imported_pkgcli_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pkgcli"):
            names.add(node.module.split(".")[1] if "." in node.module else "")
            if node.module == "pkgcli":
                names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("pkgcli."):
                    names.add(alias.name.split(".")[1])
    return names


def owner(path: Path) -> str:
    parts = path.relative_to(SRC).parts
    return parts[0] if len(parts) > 1 else path.stem


def test_nothing_imports_against_the_dependency_direction() -> None:
    problems = []
    for path in sorted(SRC.rglob("*.py")):
        banned = FORBIDDEN.get(owner(path), set())
        for name in sorted(imported_pkgcli_modules(path) & banned):
            problems.append(f"{path.relative_to(SRC)} imports pkgcli.{name}")
    assert problems == []


def test_nothing_imports_the_cli() -> None:
    offenders = [
        str(p.relative_to(SRC))
        for p in SRC.rglob("*.py")
        if p.name not in ("cli.py", "__main__.py") and "cli" in imported_pkgcli_modules(p)
    ]
    assert offenders == []


def test_only_store_and_migrations_run_sql() -> None:
    offenders = []
    for path in SRC.rglob("*.py"):
        if owner(path) in ("store", "migrations", "fake"):
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import) and any(a.name == "sqlite3" for a in node.names):
                offenders.append(str(path.relative_to(SRC)))
    assert offenders == []


# Known cycle, one strongly connected group of modules: `service.show_package` fetches a
# package not mirrored yet through `sync`, whose runs end in `history`'s snapshot hook,
# which reads views through `service`. It goes when the catalogue pass moves out of
# `sync`; any other cycle fails.
KNOWN_CYCLES: list[set[str]] = [{"history", "service", "sync"}]


def module_name(path: Path) -> str:
    """`present/text.py` → `present.text`; a package's `__init__.py` → the package."""
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, known: set[str]) -> set[str]:
    """The pkgcli modules one file imports (lazily or not), as dotted names under pkgcli."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pkgcli"):
            base = node.module.removeprefix("pkgcli").removeprefix(".")
            for alias in node.names:
                full = f"{base}.{alias.name}" if base else alias.name
                found.add(full if full in known else base)
        elif isinstance(node, ast.Import):
            found.update(a.name[7:] for a in node.names if a.name.startswith("pkgcli."))
    return found - {""}


def import_graph() -> dict[str, set[str]]:
    """Module → the pkgcli modules it imports. Modules, not packages, are the nodes: the
    text helpers at the bottom of `present/` and its presenters on top are different
    layers of one package."""
    paths = list(SRC.rglob("*.py"))
    known = {module_name(p) for p in paths}
    return {module_name(p): imported_modules(p, known) - {module_name(p)} for p in paths}


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The groups of modules that import each other, directly or round a loop (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles_between_modules() -> None:
    unexpected = [c for c in cycles(import_graph()) if c not in KNOWN_CYCLES]
    assert unexpected == []


def test_the_cycle_finder_finds_cycles() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_text_helpers_at_the_bottom_import_no_pkgcli_module() -> None:
    assert imported_pkgcli_modules(SRC / "present" / "text.py") == set()
