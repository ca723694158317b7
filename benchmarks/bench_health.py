"""Health benchmarks (issue 10: check, snapshots, changes).

On a 6,000-package synthetic mirror (tests.fake's generator, stored through the real
parse_* / Store.save_* path, with a PyPI row per package):

1. `pkgcli check requirements.txt --offline` on a 300-line requirements file (pins, ranges,
   extras, markers, names in every normalisation, ~1/3 not on Django Packages) beside the
   cached `pkgcli show SLUG --json --offline`, alternated. Target: <= 2x show.
2. 30 simulated daily refreshes with ~2 % of the packages changing each day (stars, and
   some releases), each followed by the real snapshot step (`history.record_snapshots`).
   Target: the snapshots <= 10 % of the database size (measured as the bytes a VACUUMed
   copy loses when the table is dropped).
3. `pkgcli changes --since 30d` beside the same show. Target: <= 2x show.

Run: python benchmarks/bench_health.py [--runs 11] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))  # tests.fake

from _common import alternate, compile_pkgcli, print_table, venv_bin
from bench_output import build_mirror
from tests.fake.catalogue import generate_catalogue

from pkgcli.history import record_snapshots
from pkgcli.sources.pypi import parse_pypi_name
from pkgcli.store import open_store

SIZE = 6000
DAYS = 30
CHURN = 0.02
API = "https://djangopackages.org/api/v4"
DJANGOS = ["3.2", "4.0", "4.1", "4.2", "5.0", "5.1", "5.2", "6.0"]


def add_pypi_rows(db: Path, rng: random.Random) -> list[str]:
    """A PyPI row per package with a PyPI name; returns those names."""
    conn = sqlite3.connect(db)
    names = []
    now = datetime.now(UTC)
    with conn:
        for pid, url, version in conn.execute("SELECT id, pypi_url, pypi_version FROM packages"):
            name = parse_pypi_name(url)
            if not name:
                continue
            names.append(name)
            low = rng.randint(0, 5)
            conn.execute(
                "INSERT INTO pypi_projects (package_id, requested_name, project, version, "
                "latest_release_at, django_versions, python_versions, development_status, "
                "advisories, fetched_at, status) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    pid,
                    name,
                    name,
                    version or "1.0",
                    (now - timedelta(days=rng.randint(1, 1500))).isoformat(),
                    json.dumps(DJANGOS[low : low + rng.randint(1, 4)]),
                    json.dumps(["3.11", "3.12"]),
                    "5 - Production/Stable",
                    "[]",
                    now.isoformat(),
                    "ok",
                ),
            )
    conn.close()
    return names


def add_github_rows(db: Path, rng: random.Random) -> None:
    """A GitHub row per package, as a refresh with a token stores it (lists included)."""
    conn = sqlite3.connect(db)
    now = datetime.now(UTC).isoformat()
    with conn:
        for pid, stars in list(conn.execute("SELECT id, repo_watchers FROM packages")):
            people = [f"user{rng.randint(1, 50_000)}" for _ in range(rng.randint(1, 30))]
            conn.execute(
                "INSERT INTO github_repos (package_id, requested_name, full_name, repo_id, "
                "stars, forks, archived, pushed_at, commits_over_52, participants, "
                "last_commit_at, repo_fetched_at, participation_fetched_at, "
                "contributors_fetched_at, commits_fetched_at, status, checked_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    pid,
                    f"owner{pid}/repo{pid}",
                    f"owner{pid}/repo{pid}",
                    pid,
                    stars,
                    rng.randint(0, 300),
                    0,
                    now,
                    json.dumps([rng.randint(0, 9) for _ in range(52)]),
                    json.dumps(people),
                    now,
                    now,
                    now,
                    now,
                    now,
                    "ok",
                    now,
                ),
            )
    conn.close()


def requirements(names: list[str], rng: random.Random) -> str:
    """300 lines: ~200 mapped names in every normalisation, ~100 that are not."""
    lines = ["# generated", "Django>=5.2,<6.0", "--index-url https://pypi.org/simple"]
    for i, name in enumerate(rng.sample(names, 200)):
        spelled = [name, name.upper(), name.replace("-", "_"), name.replace("-", ".")][i % 4]
        extra = ["", "==1.0", ">=1,<3", "[extra]~=2.0", ' ; python_version >= "3.10"'][i % 5]
        lines.append(f"{spelled}{extra}")
    lines += [f"not-on-dp-{i}=={i}.0  # a comment" for i in range(297 - len(lines) + 3)]
    return "\n".join(lines[:300]) + "\n"


def churn(db: Path, day: int, rng: random.Random, ids: list[int]) -> None:
    conn = sqlite3.connect(db)
    with conn:
        for pid in rng.sample(ids, int(len(ids) * CHURN)):
            conn.execute(
                "UPDATE github_repos SET stars = stars + ? WHERE package_id = ?",
                (rng.randint(1, 50), pid),
            )
            if rng.random() < 0.2:
                conn.execute(
                    "UPDATE pypi_projects SET version = ? WHERE package_id = ?",
                    (f"{day}.0.0", pid),
                )
    conn.close()


def history_share(db: Path, where: Path) -> tuple[int, int]:
    """(bytes of the VACUUMed database, bytes the snapshots take in it)."""
    whole = where / "whole.db"
    without = where / "without.db"
    for target in (whole, without):
        target.unlink(missing_ok=True)
    conn = sqlite3.connect(db)
    conn.execute(f"VACUUM INTO '{whole}'")
    conn.close()
    conn = sqlite3.connect(whole)
    conn.execute(f"VACUUM INTO '{without}'")
    conn.close()
    conn = sqlite3.connect(without)
    conn.execute("DROP TABLE snapshots")
    conn.commit()
    conn.execute("VACUUM")
    conn.close()
    return whole.stat().st_size, whole.stat().st_size - without.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()
    compile_pkgcli()
    where = args.keep or Path(tempfile.mkdtemp(prefix="pkgcli-bench-health-"))
    where.mkdir(parents=True, exist_ok=True)
    db = where / "health.db"
    for stale in where.glob("health.db*"):
        stale.unlink()
    rng = random.Random(10)
    catalogue = generate_catalogue(n_packages=SIZE, n_grids=400)
    build_mirror(db, catalogue)
    names = add_pypi_rows(db, rng)
    add_github_rows(db, rng)
    req = where / "requirements.txt"
    req.write_text(requirements(names, rng))
    slug = next(iter(catalogue.packages.values()))["slug"]

    store = open_store(str(db))
    ids = [r["id"] for r in store.query("SELECT id FROM packages")]
    start = datetime.now(UTC) - timedelta(days=DAYS)
    record_snapshots(store, str(db), API, None, start.isoformat())
    store.close()
    for day in range(1, DAYS + 1):
        churn(db, day, rng, ids)
        store = open_store(str(db))
        record_snapshots(store, str(db), API, None, (start + timedelta(days=day)).isoformat())
        store.close()
    size, history = history_share(db, where)

    pkgcli = venv_bin("pkgcli")
    env = {**os.environ, "PKGCLI_DB": str(db), "COLUMNS": "120"}
    times = alternate(
        {
            "show": [pkgcli, "show", slug, "--json", "--offline"],
            "check": [pkgcli, "check", str(req), "--offline"],
            "changes": [pkgcli, "changes", "--since", "31d"],
        },
        args.runs,
        env,
    )
    base = times["show"]
    rows = [
        ["show SLUG --json --offline", f"{base * 1000:.0f} ms", "1.00", "baseline"],
        [
            "check (300 lines) --offline",
            f"{times['check'] * 1000:.0f} ms",
            f"{times['check'] / base:.2f}",
            "<= 2.00",
        ],
        [
            "changes --since 30d",
            f"{times['changes'] * 1000:.0f} ms",
            f"{times['changes'] / base:.2f}",
            "<= 2.00",
        ],
        [
            "snapshots / database",
            f"{history / 1024:.0f} of {size / 1024:.0f} KiB",
            f"{history / size:.3f}",
            "<= 0.100",
        ],
    ]
    print_table(
        f"{SIZE:,} packages, {DAYS} days at {CHURN:.0%} churn",
        ["what", "time/size", "ratio", "target"],
        rows,
    )


if __name__ == "__main__":
    main()
