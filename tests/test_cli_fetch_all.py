"""`pkgcli fetch --all`: a whole synthetic catalogue, interruptions, gone packages."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pkgcli.errors import EXIT_INTERRUPTED, EXIT_UPSTREAM
from pkgcli.merge import NEW_FIELDS
from tests.fake.catalogue import generate_catalogue
from tests.fake.server import FakeUpstream

from .conftest import CliHarness


@pytest.fixture
def synthetic(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with FakeUpstream(generate_catalogue(n_packages=450, n_grids=30, seed=7)) as server:
        monkeypatch.setenv("PKGCLI_API_URL", server.api_url)
        yield server


def count(db: Path, table: str, where: str = "1") -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0])


def test_fetch_all_mirrors_everything_in_few_requests(
    synthetic: Any, cli: CliHarness, isolated_env: Path
) -> None:
    result = cli("fetch", "--all", "--source", "djangopackages")
    assert result.exit_code == 0, result.stderr
    catalogue = synthetic.catalogue
    assert count(isolated_env, "packages") == len(catalogue.packages)
    assert count(isolated_env, "grids") == len(catalogue.grids)
    assert count(isolated_env, "categories") == len(catalogue.categories)
    assert result.stdout == ""  # the summary is a note, on stderr
    assert f"Django Packages: fetched {len(catalogue.packages)} packages" in result.stderr
    pages = -(-len(catalogue.packages) // 100) + -(-len(catalogue.grids) // 100) + 1
    assert len(synthetic.requests) == pages
    assert all("limit=100" in r.path for r in synthetic.requests)


def test_every_synthetic_record_round_trips_through_show_json(
    synthetic: Any, cli: CliHarness
) -> None:
    assert cli("fetch", "--all", "--source", "djangopackages").exit_code == 0
    for record in list(synthetic.catalogue.packages.values())[:60]:
        shown = json.loads(cli("show", record["slug"], "--json", "--offline").stdout)
        shown.pop("pkgcli")
        assert {key: shown.pop(key) for key in NEW_FIELDS} == dict.fromkeys(NEW_FIELDS)
        assert (shown.pop("notes"), shown.pop("tags")) == (None, [])  # the user's layer, unedited
        expected = dict(record)
        # Links come back on the configured API base, by the same trailing ids.
        assert [g.rsplit("/grids/", 1)[1] for g in shown.pop("grids")] == [
            g.split("?")[0].rsplit("/grids/", 1)[1] for g in expected.pop("grids")
        ]
        assert (
            shown.pop("category").rsplit("/", 2)[1]
            == expected.pop("category").split("?")[0].rstrip("/").rsplit("/", 1)[1]
        )
        for key in ("last_updated", "last_fetched", "created", "modified"):
            assert _instant(shown.pop(key)) == _instant(expected.pop(key)), key
        assert shown == expected


def _instant(value: str | None) -> Any:
    from datetime import UTC, datetime

    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def test_packages_gone_upstream_are_flagged_after_a_complete_pass(
    synthetic: Any, cli: CliHarness, isolated_env: Path
) -> None:
    assert cli("fetch", "--all", "--source", "djangopackages").exit_code == 0
    victim = max(synthetic.catalogue.packages)
    slug = synthetic.catalogue.packages[victim]["slug"]
    synthetic.catalogue.remove_package(victim)
    result = cli("fetch", "--all", "--source", "djangopackages")
    assert result.exit_code == 0
    assert "1 gone upstream" in result.stderr
    assert count(isolated_env, "packages", "gone_at IS NOT NULL") == 1
    shown = cli("show", slug, "--json", "--offline")
    assert shown.exit_code == 0  # still viewable: gone is a flag, never a deletion
    assert json.loads(shown.stdout)["pkgcli"]["gone_upstream_at"]
    human = cli("show", slug, "--offline", "--format", "table").stdout
    assert "gone from Django Packages" in human


def test_a_failed_pass_keeps_its_pages_and_marks_nothing_gone(
    synthetic: Any, cli: CliHarness, isolated_env: Path
) -> None:
    assert cli("fetch", "--all", "--source", "djangopackages").exit_code == 0
    synthetic.catalogue.remove_package(max(synthetic.catalogue.packages))
    synthetic.faults.add("500", path="offset=300", times=10)
    result = cli("fetch", "--all", "--source", "djangopackages")
    assert result.exit_code == EXIT_UPSTREAM
    assert result.stderr.count("\n") == 1
    assert count(isolated_env, "packages", "gone_at IS NOT NULL") == 0


def test_an_interrupted_first_run_keeps_its_pages_and_the_next_completes(
    synthetic: Any, cli: CliHarness, isolated_env: Path
) -> None:
    synthetic.faults.add("drop", path="offset=400", times=4)  # every attempt
    assert cli("fetch", "--all", "--source", "djangopackages").exit_code == EXIT_UPSTREAM
    saved = count(isolated_env, "packages")
    assert 0 < saved < len(synthetic.catalogue.packages)
    assert cli("fetch", "--all", "--source", "djangopackages").exit_code == 0
    assert count(isolated_env, "packages") == len(synthetic.catalogue.packages)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_kill_mid_run_exits_130_and_leaves_only_whole_records(
    tmp_path: Path, signum: int
) -> None:
    db = tmp_path / "mirror.db"
    with FakeUpstream(generate_catalogue(n_packages=3000, n_grids=10, seed=3)) as server:
        server.latency = 0.15
        env = {**os.environ, "PKGCLI_DB": str(db), "PKGCLI_API_URL": server.api_url}
        proc = subprocess.Popen(
            [sys.executable, "-m", "pkgcli", "fetch", "--all", "--source", "djangopackages"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # wait until some package pages are committed
            if db.exists() and _packages_or_zero(db) >= 200:
                break
            time.sleep(0.05)
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=20)
    assert proc.returncode == EXIT_INTERRUPTED, stderr
    assert "Interrupted in" in stderr and "pkgcli fetch --resume" in stderr
    assert "Traceback" not in stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = conn.execute("SELECT slug, title, commits_over_52, fetched_at FROM packages")
        saved = rows.fetchall()
    assert len(saved) % 100 == 0 and len(saved) >= 200  # whole pages, nothing half-written
    assert all(
        slug and fetched_at and commits is not None for slug, _, commits, fetched_at in saved
    )


def test_ctrl_c_does_not_wait_for_requests_still_in_flight(tmp_path: Path) -> None:
    db = tmp_path / "mirror.db"
    with FakeUpstream(generate_catalogue(n_packages=1000, n_grids=5, seed=3)) as server:
        server.faults.add(
            "timeout", path=r"packages/\?limit=100&offset=[1-9]", times=None, seconds=60
        )
        env = {
            **os.environ,
            "PKGCLI_DB": str(db),
            "PKGCLI_API_URL": server.api_url,
            "PKGCLI_TIMEOUT": "60",
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "pkgcli", "fetch", "--all", "--source", "djangopackages"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and _packages_or_zero(db) < 100:
            time.sleep(0.05)  # the first page is in; the next four hang for a minute
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=15)  # far less than the hanging requests
    assert proc.returncode == EXIT_INTERRUPTED, stderr
    assert "Traceback" not in stderr
    assert _packages_or_zero(db) == 100


def _packages_or_zero(db: Path) -> int:
    try:
        return count(db, "packages")
    except sqlite3.Error:
        return 0
