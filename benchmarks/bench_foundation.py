"""Foundation benchmarks (issue: mirror the catalogue; fetch and show).

(a) cached `pkgcli show SLUG --json --offline`: median of alternated runs beside
    `python -c "import typer"` and `pip show pip` from the same venv;
(b) `pkgcli fetch --all --source djangopackages` of the 6,000-package synthetic catalogue
    from the fake upstream at 30 ms injected latency: wall time, requests made, peak RSS
    (GitHub and PyPI are benchmarked in bench_sync.py).

Run: python benchmarks/bench_foundation.py [--runs 21] [--packages 6000] [--latency 0.03]
"""

from __future__ import annotations

import argparse
import os
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
    parser.add_argument("--latency", type=float, default=0.03)
    args = parser.parse_args()
    compile_pkgcli()
    pkgcli, pip = venv_bin("pkgcli"), venv_bin("pip")
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeUpstream(generate_catalogue(n_packages=args.packages)) as fake,
    ):
        env = {
            **os.environ,
            "PKGCLI_DB": str(Path(tmp) / "bench.db"),
            "PKGCLI_API_URL": fake.api_url,
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        }
        fake.latency = args.latency
        wall, rss, _ = run_measured([pkgcli, "fetch", "--all", "--source", "djangopackages"], env)
        requests = len(fake.requests)
        fake.latency = 0.0
        slug = next(iter(fake.catalogue.packages.values()))["slug"]
        medians = alternate(
            {
                "show": [pkgcli, "show", slug, "--json", "--offline"],
                "typer": [sys.executable, "-c", "import typer"],
                "pip": [pip, "show", "pip"],
            },
            args.runs,
            env,
        )
    show, typer, pip_show = medians["show"], medians["typer"], medians["pip"]
    print_table(
        f"(a) cached show --json --offline, median of {args.runs} alternated runs",
        ["command", "median ms", "ratio", "target", "ok"],
        [
            ["pkgcli show SLUG --json --offline", f"{show * 1000:.1f}", "1.00", "", ""],
            [
                'python -c "import typer"',
                f"{typer * 1000:.1f}",
                f"show/typer = {show / typer:.2f}",
                "<= 1.30",
                "yes" if show / typer <= 1.3 else "NO",
            ],
            [
                "pip show pip",
                f"{pip_show * 1000:.1f}",
                f"pip/show = {pip_show / show:.2f}",
                ">= 4.00",
                "yes" if pip_show / show >= 4 else "NO",
            ],
        ],
    )
    print_table(
        f"(b) fetch --all, {args.packages:,} packages, {args.latency * 1000:.0f} ms latency",
        ["metric", "value", "target", "ok"],
        [
            ["requests", str(requests), "<= 70", "yes" if requests <= 70 else "NO"],
            ["wall s", f"{wall:.2f}", "<= 3.0", "yes" if wall <= 3 else "NO"],
            ["peak RSS MB", f"{rss / 1e6:.1f}", "<= 120", "yes" if rss / 1e6 <= 120 else "NO"],
        ],
    )


if __name__ == "__main__":
    main()
