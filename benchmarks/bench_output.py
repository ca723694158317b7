"""Output benchmarks (issue: list-grid, search, one output system).

For a 6,000-package and a 100,000-package synthetic mirror (tests.fake's generator,
stored through the real parse_* / Store.save_* path), the process wall time of
`pkgcli list-grid <a 200+ package grid>` and `pkgcli search <text>` beside the cached
`pkgcli show SLUG --json --offline`, in the same alternated runs (stdout piped, so the
default plain format, as a script sees it). Targets: list-grid, search, search auth and
`list --django 5.2 --sort stars` <= 1.5x show; `show -` with 1,000 slugs <= 2x show; show
<= 1.3x `python -c "import typer"`; `fetch --all --plan` <= 1.5x show (the refresh issue).

Run: python benchmarks/bench_output.py [--runs 21] [--sizes 6000,100000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))  # tests.fake

from _common import alternate, compile_pkgcli, print_table, venv_bin
from tests.fake.catalogue import Catalogue, generate_catalogue

from pkgcli.models import utc_now
from pkgcli.sources.djangopackages import parse_category, parse_grid, parse_package
from pkgcli.store import open_store

TARGET = 1.5
SELECTIVE = "oauth"  # a word in ~1.5% of the synthetic packages' names and descriptions
COMMON = "django"  # in nearly every package: the worst case for ranking


def build_mirror(path: Path, catalogue: Catalogue) -> None:
    """Store a catalogue exactly as `pkgcli fetch --all` would, page by page."""
    now = utc_now()
    store = open_store(str(path))
    try:
        store.save_categories(parse_category(c, now) for c in catalogue.categories.values())
        store.save_grids(parse_grid(g, now) for g in catalogue.grids.values())
        packages = list(catalogue.packages.values())
        for start in range(0, len(packages), 1000):
            page = packages[start : start + 1000]
            store.save_packages(parse_package(p, now) for p in page)
    finally:
        store.close()


def grid_near_200(catalogue: Catalogue) -> tuple[str, int]:
    """The grid with the fewest packages among those with at least 200."""
    sized = [(len(g["packages"]), g["slug"]) for g in catalogue.grids.values()]
    size, slug = min((s for s in sized if s[0] >= 200), default=max(sized))
    return slug, size


def mirror_for(size: int, where: Path) -> tuple[Path, str, int, str]:
    """(database, grid slug, grid size, a package slug of that grid), built if missing."""
    db = where / f"mirror-{size}.db"
    meta = where / f"mirror-{size}.json"
    if db.exists() and meta.exists():
        info = json.loads(meta.read_text())
        return db, info["grid"], info["grid_size"], info["package"]
    started = time.perf_counter()
    catalogue = generate_catalogue(n_packages=size, n_grids=max(400, size // 15))
    grid, grid_size = grid_near_200(catalogue)
    first = catalogue.grid_by_slug(grid)
    assert first is not None
    package_id = int(first["packages"][0].split("?")[0].rstrip("/").rsplit("/", 1)[1])
    package = catalogue.packages[package_id]["slug"]
    build_mirror(db, catalogue)
    meta.write_text(json.dumps({"grid": grid, "grid_size": grid_size, "package": package}))
    print(f"built the {size:,}-package mirror in {time.perf_counter() - started:.1f} s")
    return db, grid, grid_size, package


def measure(size: int, where: Path, runs: int) -> list[list[str]]:
    db, grid, grid_size, package = mirror_for(size, where)
    pkgcli = venv_bin("pkgcli")
    closed = "http://127.0.0.1:9"  # `fetch --plan` must never leave this machine
    env = {
        **os.environ,
        "PKGCLI_DB": str(db),
        "NO_COLOR": "1",
        **{f"PKGCLI_{name}_URL": closed for name in ("API", "GITHUB_API", "PYPI")},
    }
    slugs_file = where / f"slugs-{size}.txt"
    if not slugs_file.exists():
        store = open_store(str(db))
        try:
            slugs_file.write_text("\n".join(store.package_slugs()[:1000]) + "\n")
        finally:
            store.close()
    commands = {
        "show": [pkgcli, "show", package, "--json", "--offline"],
        "import typer": [sys.executable, "-c", "import typer"],
        "list --django": [pkgcli, "list", "--django", "5.2", "--sort", "stars"],
        "search auth": [pkgcli, "search", "auth"],
        "show - (1,000)": [
            "sh",
            "-c",
            f'exec "$0" show - --json --offline < "{slugs_file}"',
            pkgcli,
        ],
        "fetch --all --plan": [pkgcli, "fetch", "--all", "--plan"],
        "list-grid": [pkgcli, "list-grid", grid],
        "search": [pkgcli, "search", SELECTIVE],
        "list-grid --json": [pkgcli, "list-grid", grid, "--json"],
        "search --json": [pkgcli, "search", SELECTIVE, "--json"],
        "search (common word)": [pkgcli, "search", COMMON],
        "list-grid (all grids)": [pkgcli, "list-grid"],
    }
    medians = alternate(commands, runs, env)
    show = medians["show"]
    labels = {
        "show": f"show {package} --json --offline",
        "list-grid": f"list-grid {grid}  ({grid_size} packages)",
        "search": f"search {SELECTIVE}",
        "list-grid --json": f"list-grid {grid} --json",
        "search --json": f"search {SELECTIVE} --json",
        "search (common word)": f"search {COMMON}  (matches almost everything)",
        "list-grid (all grids)": "list-grid  (every grid)",
        "import typer": "python -c 'import typer'  (baseline: show <= 1.3x)",
        "list --django": "list --django 5.2 --sort stars",
        "search auth": "search auth  (inside words: trigram)",
        "show - (1,000)": "show - --json --offline  (1,000 slugs on stdin)",
        "fetch --all --plan": "fetch --all --plan  (no token: nothing fetched)",
    }
    targets = {
        "list-grid": TARGET,
        "search": TARGET,
        "list --django": TARGET,
        "search auth": TARGET,
        "show - (1,000)": 2.0,
        "fetch --all --plan": TARGET,
    }
    rows = []
    for name, seconds in medians.items():
        ratio = seconds / show
        target = targets.get(name)
        if name == "import typer":  # the show target: show / import typer <= 1.3
            ratio, target = show / seconds, 1.3
            labels[name] += f"  show/this = {ratio:.2f}"
        rows.append(
            [
                f"{size:,}",
                labels[name],
                f"{seconds * 1000:.1f}",
                f"{ratio:.2f}",
                f"<= {target}" if target else "",
                ("yes" if ratio <= target else "NO") if target else "",
            ]
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=21, help="alternated runs per command")
    parser.add_argument("--sizes", default="6000,100000", help="mirror sizes, comma-separated")
    parser.add_argument("--keep", metavar="DIR", help="build (or reuse) the mirrors in DIR")
    args = parser.parse_args()
    compile_pkgcli()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(args.keep or tmp)
        where.mkdir(parents=True, exist_ok=True)
        rows = [row for size in sizes for row in measure(size, where, args.runs)]
    print_table(
        f"Process wall time, stdout piped, median of {args.runs} alternated runs; "
        "ratio to the cached show of the same mirror",
        ["mirror", "command", "median ms", "ratio", "target", "ok"],
        rows,
    )


if __name__ == "__main__":
    main()
