"""Sync benchmark (issue 3: refresh straight from GitHub and PyPI).

Refreshes 1,000 synthetic packages from the fake GitHub and PyPI at 30 ms latency (waited
inside the fake handlers, so the fake's in-flight count sees it) by running the real
`pkgcli fetch … --source github,pypi` as a child process, and prints:

- requests per package, cold, with a token (GraphQL batches + REST) and without one
  (REST only; the fake's anonymous quota is raised for this measurement, and the packages
  are named on the command line because `fetch --all` skips GitHub without a token);
- wall time beside the lower bound: requests to the busiest host ÷ 4 allowed in flight x
  latency (GitHub and PyPI are two hosts, each allowed 4 in flight, worked at once);
- a warm re-run with nothing changed: the share of GitHub and PyPI requests answered 304.

Run: python benchmarks/bench_sync.py [--packages 1000] [--latency 0.03] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))  # tests.fake

from _common import compile_pkgcli, print_table, run_measured, venv_bin
from tests.fake.catalogue import generate_catalogue
from tests.fake.github import FakeGitHub
from tests.fake.pypi import FakePyPI
from tests.fake.server import FakeUpstream

from pkgcli.refresh import STATS_WAIT
from pkgcli.sources.github import parse_repo_url
from pkgcli.sources.pypi import parse_pypi_name

IN_FLIGHT = 4
TOKEN = "bench-token"


@dataclass
class Run:
    name: str
    wall: float
    github: int
    graphql: int
    pypi: int
    not_modified: int
    secondary: int
    peak: int

    def lower_bound(self, latency: float, *, pause: bool = False) -> float:
        bound = max(self.github, self.pypi) / IN_FLIGHT * latency
        return bound + (STATS_WAIT if pause else 0.0)


def measure(name: str, fake: Any, argv: list[str], env: dict[str, str]) -> Run:
    fake.requests.clear()
    for upstream in (fake.github, fake.pypi):
        upstream.statuses.clear()
        upstream.peak_in_flight = 0
    secondary = fake.github.secondary_answers
    wall, _, err = run_measured(argv, env)
    print(f"[{name}] " + err.strip().replace("\n", f"\n[{name}] "), file=sys.stderr)
    log = fake.requests.snapshot()
    github = [r for r in log if r.path.startswith("/github/")]
    return Run(
        name=name,
        wall=wall,
        github=len(github),
        graphql=sum(r.method == "POST" for r in github),
        pypi=sum(r.path.startswith("/pypi/") for r in log),
        not_modified=fake.github.statuses.get(304, 0) + fake.pypi.statuses.get(304, 0),
        secondary=fake.github.secondary_answers - secondary,
        peak=max(fake.github.peak_in_flight, fake.pypi.peak_in_flight),
    )


def yes(ok: bool) -> str:
    return "yes" if ok else "NO"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--packages", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.03)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--computing", type=float, default=0.05, help="share of stats answering 202 first"
    )
    args = parser.parse_args()
    compile_pkgcli()
    pkgcli = venv_bin("pkgcli")
    catalogue = generate_catalogue(n_packages=args.packages, n_grids=40, seed=args.seed)
    records = list(catalogue.packages.values())
    on_github = sum(parse_repo_url(p["repo_url"]) is not None for p in records)
    on_pypi = sum(parse_pypi_name(p["pypi_url"]) is not None for p in records)
    slugs = [p["slug"] for p in records]
    with tempfile.TemporaryDirectory() as tmp, FakeUpstream(catalogue) as fake:
        fake.github = FakeGitHub.from_catalogue(catalogue, seed=args.seed)
        fake.pypi = FakePyPI.from_catalogue(catalogue, seed=args.seed)
        fake.mount("/github", fake.github)
        fake.mount("/pypi", fake.pypi)
        base = {
            **{k: v for k, v in os.environ.items() if k not in ("GITHUB_TOKEN", "GH_TOKEN")},
            "PKGCLI_API_URL": fake.api_url,
            "PKGCLI_GITHUB_API_URL": f"{fake.base_url}/github",
            "PKGCLI_PYPI_URL": fake.base_url,
            "PKGCLI_GITLAB_API_URL": "http://127.0.0.1:9/gitlab",
            "PKGCLI_CODEBERG_API_URL": "http://127.0.0.1:9/codeberg",
        }
        seeded = str(Path(tmp) / "seeded.db")
        run_measured(
            [pkgcli, "fetch", "--all", "--source", "djangopackages"], {**base, "PKGCLI_DB": seeded}
        )
        fake.github.latency = fake.pypi.latency = args.latency
        sources = ["--source", "github,pypi"]

        with_token = {**base, "PKGCLI_DB": str(Path(tmp) / "token.db"), "GITHUB_TOKEN": TOKEN}
        shutil.copy(seeded, with_token["PKGCLI_DB"])
        cold = measure("cold, token", fake, [pkgcli, "fetch", "--all", *sources], with_token)
        warm = measure("warm, token", fake, [pkgcli, "fetch", "--all", *sources], with_token)

        fake.github.anonymous_limit = 1_000_000  # only to count requests: 60/h in reality
        anonymous = {**base, "PKGCLI_DB": str(Path(tmp) / "anon.db")}
        shutil.copy(seeded, anonymous["PKGCLI_DB"])
        argv = [pkgcli, "fetch", *slugs, *sources]
        cold_anon = measure("cold, no token", fake, argv, anonymous)
        warm_anon = measure("warm, no token", fake, argv, anonymous)

        # Real GitHub often answers 202 for cold stats: 5% computing, revisited after a pause.
        computing = {**with_token, "PKGCLI_DB": str(Path(tmp) / "computing.db")}
        shutil.copy(seeded, computing["PKGCLI_DB"])
        repos = sorted(fake.github.repos.values(), key=lambda r: r.id)
        for repo in repos[:: max(1, round(1 / args.computing))] if args.computing else []:
            repo.stats_pending = 1
        stats = measure("cold, token, 202s", fake, [pkgcli, "fetch", "--all", *sources], computing)

    runs = [cold, warm, cold_anon, warm_anon, stats]
    print(
        f"\n{args.packages:,} packages: {on_github:,} with a GitHub repository, "
        f"{on_pypi:,} with a PyPI name; {args.latency * 1000:.0f} ms latency, "
        f"{IN_FLIGHT} in flight per host"
    )
    print_table(
        "Requests",
        [
            "run",
            "GitHub",
            "of which GraphQL",
            "PyPI",
            "GitHub/repo",
            "PyPI/project",
            "per package",
            "304 share",
        ],
        [
            [
                r.name,
                f"{r.github:,}",
                f"{r.graphql:,}",
                f"{r.pypi:,}",
                f"{r.github / on_github:.2f}",
                f"{r.pypi / on_pypi:.2f}",
                f"{r.github / on_github + r.pypi / on_pypi:.2f}",
                f"{r.not_modified / max(1, r.github + r.pypi):.1%}",
            ]
            for r in runs
        ],
    )
    print_table(
        "Wall time (the 202 run also waits the one bounded pause before its second pass)",
        ["run", "wall s", "lower bound s", "ratio", "peak in flight", "secondary limits"],
        [
            [
                r.name,
                f"{r.wall:.2f}",
                f"{r.lower_bound(args.latency, pause=r is stats):.2f}",
                f"{r.wall / r.lower_bound(args.latency, pause=r is stats):.2f}",
                str(r.peak),
                str(r.secondary),
            ]
            for r in runs
        ],
    )
    per_token = cold.github / on_github + cold.pypi / on_pypi
    per_anon = cold_anon.github / on_github + cold_anon.pypi / on_pypi
    all_token = (cold.github + cold.pypi) / args.packages
    all_anon = (cold_anon.github + cold_anon.pypi) / args.packages
    share = warm.not_modified / (warm.github + warm.pypi)
    share_anon = warm_anon.not_modified / (warm_anon.github + warm_anon.pypi)
    ratio = cold.wall / cold.lower_bound(args.latency)
    print_table(
        "Targets (per package: GitHub requests per repository + PyPI requests per project,"
        " i.e. a package on both; all: every request / every package in the run)",
        ["target", "value", "limit", "ok"],
        [
            [
                "cold requests per package, token",
                f"{per_token:.3f}",
                "<= 3.1",
                yes(per_token <= 3.1),
            ],
            ["cold requests per package, no token", f"{per_anon:.3f}", "<= 5", yes(per_anon <= 5)],
            [
                "cold requests / all packages, token",
                f"{all_token:.3f}",
                "<= 3.1",
                yes(all_token <= 3.1),
            ],
            [
                "cold requests / all packages, no token",
                f"{all_anon:.3f}",
                "<= 5",
                yes(all_anon <= 5),
            ],
            ["warm 304 share, token", f"{share:.1%}", ">= 95%", yes(share >= 0.95)],
            ["warm 304 share, no token", f"{share_anon:.1%}", ">= 95%", yes(share_anon >= 0.95)],
            ["cold wall / lower bound, token", f"{ratio:.2f}", "<= 1.3", yes(ratio <= 1.3)],
        ],
    )
    paged = cold_anon.github - 4 * on_github
    print(
        f"\nWithout a token each repository takes exactly 4 REST requests (repository, "
        f"participation, contributors, newest commit); {paged} more were second pages of "
        f"contributors (repositories with over 100)."
    )


if __name__ == "__main__":
    main()
