"""`pkgcli edit` benchmarks: what the overlay costs the commands that read it.

(a) cached `pkgcli show SLUG --json --offline` of an unedited package, of a package with
    six edits, and of a local package, beside `python -c "import typer"` (medians of
    alternated runs);
(b) `pkgcli edit SLUG --set ...`: open, validate, one transaction (after the first run the
    value is already set, so that transaction records nothing);
(c) `edit --import` of 1,000 edits over 1,000 packages (one transaction) and the
    `edit --export` of them.

Run: python benchmarks/bench_edit.py [--runs 21] [--packages 6000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))  # tests.fake

from _common import alternate, compile_pkgcli, print_table, run_measured, venv_bin
from tests.fake.catalogue import generate_catalogue
from tests.fake.server import FakeUpstream


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--packages", type=int, default=6000)
    args = parser.parse_args()
    compile_pkgcli()
    pkgcli = venv_bin("pkgcli")
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeUpstream(generate_catalogue(n_packages=args.packages)) as fake,
    ):
        env = {
            **os.environ,
            "PKGCLI_DB": str(Path(tmp) / "bench.db"),
            "PKGCLI_API_URL": fake.api_url,
        }
        run_measured([pkgcli, "fetch", "--all", "--source", "djangopackages"], env)
        slugs = [p["slug"] for p in fake.catalogue.packages.values()]
        plain, edited = slugs[0], slugs[1]
        sets = ["title=Mine", "repo_forks=1", "documentation_url=https://example.com/docs"]
        sets += ["tags=a,b", "notes=n", "grids=1,2"]
        edit_args = [a for s in sets for a in ("--set", s)]
        subprocess.run(
            [pkgcli, "edit", edited, *edit_args], env=env, check=True, capture_output=True
        )
        subprocess.run(
            [pkgcli, "edit", "bench-local", "--create", "--set", "title=Local"],
            env=env,
            check=True,
            capture_output=True,
        )
        medians = alternate(
            {
                "plain": [pkgcli, "show", plain, "--json", "--offline"],
                "edited": [pkgcli, "show", edited, "--json", "--offline"],
                "local": [pkgcli, "show", "bench-local", "--json", "--offline"],
                "typer": [sys.executable, "-c", "import typer"],
                "edit": [pkgcli, "edit", plain, "--set", "repo_watchers=5"],
            },
            args.runs,
            env,
        )
        document = {
            "format": "pkgcli-edits",
            "version": 1,
            "local_packages": [],
            "edits": [
                {"package": slug, "field": "notes", "value": f"note {n}"}
                for n, slug in enumerate(slugs[2:1002])
            ],
        }
        path = Path(tmp) / "import.json"
        path.write_text(json.dumps(document))
        import_wall, _, _ = run_measured([pkgcli, "edit", "--import", str(path)], env)
        export_wall, _, _ = run_measured(
            [pkgcli, "edit", "--export", str(Path(tmp) / "x.json")], env
        )

    plain_ms, typer_ms = medians["plain"] * 1000, medians["typer"] * 1000
    rows = [
        ["show, unedited", f"{plain_ms:.1f}", "1.00", f"{plain_ms / typer_ms:.2f}"],
        *[
            [
                label,
                f"{medians[key] * 1000:.1f}",
                f"{medians[key] / medians['plain']:.2f}",
                f"{medians[key] / medians['typer']:.2f}",
            ]
            for key, label in (("edited", "show, 6 edits"), ("local", "show, local package"))
        ],
        ['python -c "import typer"', f"{typer_ms:.1f}", "", "1.00"],
        ["edit SLUG --set (validate + txn)", f"{medians['edit'] * 1000:.1f}", "", ""],
    ]
    print_table(
        f"(a, b) median of {args.runs} alternated runs, {args.packages:,}-package mirror",
        ["command", "median ms", "/ unedited", "/ typer"],
        rows,
    )
    print_table(
        "(c) bulk, one process each",
        ["command", "wall ms"],
        [
            ["edit --import (1,000 edits)", f"{import_wall * 1000:.0f}"],
            ["edit --export (1,000 edits)", f"{export_wall * 1000:.0f}"],
        ],
    )


if __name__ == "__main__":
    main()
