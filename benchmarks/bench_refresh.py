"""Refresh benchmark (issue 8: catalogue-scale refreshes that finish).

Runs the real `pkgcli fetch --all --source github,pypi` as a child process against the fake
GitHub and PyPI (30 ms latency, a token) over a synthetic catalogue, side by side:

- baseline: GitHub's quota large enough for the whole run;
- `--wait`: the fake's quota set to QUOTA per WINDOW seconds, so the run crosses several
  windows; wall beside the lower bound that 4 in flight per host and the windows set;
- stop and resume: the same quota without `--wait`: exit 7, then `fetch --resume` after
  each reset until exit 0;
- kill -9: the run killed at random moments, each followed by `--resume`; `PRAGMA
  integrity_check` after each.

After every scenario: no package is `ok` (or not_modified / moved) without every GitHub
group fetched, and the mirror's values equal the baseline's (times and validators aside).
Figures are ratios to the baseline or to the lower bound, from the same run.

Run: python benchmarks/bench_refresh.py [--packages 1000] [--quota 600] [--window 15]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))  # tests.fake

from _common import compile_pkgcli, print_table, run_measured, venv_bin
from tests.fake.catalogue import generate_catalogue
from tests.fake.github import FakeGitHub
from tests.fake.pypi import FakePyPI
from tests.fake.server import FakeUpstream

IN_FLIGHT = 4
TOKEN = "bench-token"
VOLATILE = ("fetched_at", "checked_at", "etag_hit", "status_detail")


def mirror_values(db: str) -> dict[str, list[tuple[Any, ...]]]:
    """The source tables' values, without fetch times, validators or details."""
    with sqlite3.connect(db) as conn:
        values = {}
        for table in ("github_repos", "pypi_projects"):
            columns = [
                row[1]
                for row in conn.execute(f"PRAGMA table_info({table})")
                if not any(row[1].endswith(v) for v in VOLATILE)
            ]
            values[table] = conn.execute(
                f"SELECT {', '.join(columns)} FROM {table} ORDER BY package_id"
            ).fetchall()
    return values


def half_answered(db: str) -> int:
    """GitHub rows called answered although a group is missing (must be 0)."""
    with sqlite3.connect(db) as conn:
        return int(
            conn.execute(
                "SELECT count(*) FROM github_repos WHERE status IN ('ok', 'not_modified', "
                "'moved') AND full_name IS NOT NULL AND (repo_fetched_at IS NULL OR "
                "participation_fetched_at IS NULL OR contributors_fetched_at IS NULL)"
            ).fetchone()[0]
        )


def integrity(db: str) -> str:
    with sqlite3.connect(db) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def run(argv: list[str], env: dict[str, str]) -> tuple[float, int, int]:
    """(wall s, peak RSS bytes, exit code)."""
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    return wall, 0, proc.returncode


def journal(db: str) -> tuple[int, bool]:
    """(runs, any unfinished) in the journal; the seeded database holds one finished run."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT status FROM fetch_runs").fetchall()
    return len(rows), any(r[0] in ("running", "stopped", "interrupted") for r in rows)


def next_command(pkgcli: str, db: str, argv: list[str]) -> list[str] | None:
    """--resume while a run is unfinished; the run itself if it never started; else None."""
    runs, unfinished = journal(db)
    if unfinished:
        return [pkgcli, "fetch", "--resume"]
    return argv if runs <= 1 else None


def resume_until_done(
    pkgcli: str, env: dict[str, str], fake: Any, argv: list[str]
) -> tuple[float, int]:
    """`fetch --resume` after each reset until exit 0: (wall s, resumes)."""
    start, resumes = time.perf_counter(), 0
    while True:
        command = next_command(pkgcli, env["PKGCLI_DB"], argv)
        if command is None:
            return time.perf_counter() - start, resumes
        proc = subprocess.run(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
        )
        code = proc.returncode
        resumes += 1
        if code == 0:
            return time.perf_counter() - start, resumes
        if code != 7 or resumes > 50:
            sys.exit(f"--resume ended with exit {code}: {proc.stderr.decode()[-400:]}")
        reset = fake.github.quota(TOKEN).reset
        time.sleep(max(0.5, reset - time.time() + 0.5))


def new_window(fake: Any) -> None:
    """End the token's current windows: the next request opens one at the new limit."""
    for resource in ("core", "graphql"):
        fake.github.quota(TOKEN, resource).reset = int(time.time())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--packages", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.03)
    parser.add_argument("--quota", type=int, default=600)
    parser.add_argument("--window", type=float, default=15.0)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    compile_pkgcli()
    pkgcli = venv_bin("pkgcli")
    catalogue = generate_catalogue(n_packages=args.packages, n_grids=40, seed=args.seed)
    rows: list[list[str]] = []
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
            "GITHUB_TOKEN": TOKEN,
        }
        seeded = str(Path(tmp) / "seeded.db")
        run_measured(
            [pkgcli, "fetch", "--all", "--source", "djangopackages"], {**base, "PKGCLI_DB": seeded}
        )
        fake.github.latency = fake.pypi.latency = args.latency
        argv = [pkgcli, "fetch", "--all", "--source", "github,pypi"]

        def fresh(name: str) -> dict[str, str]:
            db = str(Path(tmp) / f"{name}.db")
            shutil.copy(seeded, db)
            return {**base, "PKGCLI_DB": db}

        fake.github.token_limit = fake.github.graphql_limit = 10_000_000
        env = fresh("baseline")
        fake.requests.clear()
        wall0, peak0, _ = run_measured(argv, env)
        github_requests = sum(r.path.startswith("/github/") for r in fake.requests.snapshot())
        pypi_requests = sum(r.path.startswith("/pypi/") for r in fake.requests.snapshot())
        reference = mirror_values(env["PKGCLI_DB"])
        per_host = max(github_requests, pypi_requests) / IN_FLIGHT * args.latency
        rows.append(
            ["baseline (no quota)", f"{wall0:.1f}", "1.00", f"{peak0 / 2**20:.0f}", "-", "-"]
        )

        fake.github.token_limit = fake.github.graphql_limit = args.quota
        fake.github.window = args.window
        # Each window yields quota - floor requests; the last window's share still takes
        # its per-host time after the last reset.
        usable = max(1, args.quota - min(50, args.quota // 10))
        windows = -(-github_requests // usable)
        last = github_requests - (windows - 1) * usable
        bound = max(per_host, (windows - 1) * args.window + last / IN_FLIGHT * args.latency)
        new_window(fake)
        env = fresh("wait")
        wall1, peak1, err = run_measured([*argv, "--wait"], env)
        same1 = mirror_values(env["PKGCLI_DB"]) == reference
        rows.append(
            [
                f"--wait, {args.quota}/{args.window:.0f} s",
                f"{wall1:.1f}",
                f"{wall1 / bound:.2f} of bound {bound:.1f} s",
                f"{peak1 / 2**20:.0f}",
                "yes" if same1 else "NO",
                str(half_answered(env["PKGCLI_DB"])),
            ]
        )

        new_window(fake)
        env = fresh("resume")
        wall2, _, code = run(argv, env)
        wall3, resumes = resume_until_done(pkgcli, env, fake, argv)
        rows.append(
            [
                f"exit {code}, then {resumes} --resume",
                f"{wall2 + wall3:.1f}",
                f"{(wall2 + wall3) / bound:.2f} of bound",
                "-",
                "yes" if mirror_values(env["PKGCLI_DB"]) == reference else "NO",
                str(half_answered(env["PKGCLI_DB"])),
            ]
        )

        fake.github.token_limit = fake.github.graphql_limit = 10_000_000
        new_window(fake)
        env = fresh("kill")
        rng = random.Random(args.seed)
        checks = []
        for _ in range(args.kills):
            command = next_command(pkgcli, env["PKGCLI_DB"], argv)
            if command is None:
                break
            proc = subprocess.Popen(
                command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            time.sleep(rng.uniform(0.3, max(0.4, wall0 * 0.6)))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            checks.append(integrity(env["PKGCLI_DB"]))
        _, resumes = resume_until_done(pkgcli, env, fake, argv)
        ok = all(c == "ok" for c in checks)
        rows.append(
            [
                f"kill -9 x{args.kills}, then --resume",
                "-",
                f"integrity ok: {'yes' if ok else 'NO'}",
                "-",
                "yes" if mirror_values(env["PKGCLI_DB"]) == reference else "NO",
                str(half_answered(env["PKGCLI_DB"])),
            ]
        )
    print(
        f"\n{args.packages:,} packages, {args.latency * 1000:.0f} ms latency, {IN_FLIGHT} in "
        f"flight per host; GitHub {github_requests:,} and PyPI {pypi_requests:,} requests"
    )
    print_table(
        "Refresh under a quota (bound: max(per-host requests / 4 x latency, (windows - 1) x "
        "window + the last window's requests / 4 x latency))",
        ["scenario", "wall s", "ratio", "peak RSS MB", "mirror = baseline", "half-answered ok"],
        rows,
    )
    del err


if __name__ == "__main__":
    main()
