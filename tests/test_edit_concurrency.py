"""An edit made while `pkgcli fetch --all` runs in another process survives that fetch.

The fake upstream holds back the last page of packages (where the edited package is
listed, the list being ordered by -id) until the edit has been committed, so the fetch
rewrites that package's row *after* the edit: the order is forced, not hoped for.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.fake.catalogue import generate_catalogue
from tests.fake.server import FakeUpstream, Request, Response

from .conftest import CliHarness

N_PACKAGES = 450
LAST_PAGE = f"offset={(N_PACKAGES - 1) // 100 * 100}"


def test_an_edit_made_during_a_fetch_all_in_another_process_survives(
    cli: CliHarness, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalogue = generate_catalogue(n_packages=N_PACKAGES, n_grids=10, seed=5)
    target = min(catalogue.packages)  # listed on the last page
    slug = catalogue.packages[target]["slug"]
    listing_started, edit_committed = threading.Event(), threading.Event()

    with FakeUpstream(catalogue) as server:

        def gate(request: Request) -> Response:
            if request.subpath == "/" and "offset=" in request.query:
                listing_started.set()
                if LAST_PAGE in request.query:
                    edit_committed.wait(timeout=30)
            request.prefix = "/api/v4"
            return server.djangopackages(request)

        server.mount("/api/v4/packages", gate)
        monkeypatch.setenv("PKGCLI_API_URL", server.api_url)
        edit_committed.set()  # the gate is open for the first, unraced run
        assert cli("fetch", "--all", "--source", "djangopackages").exit_code == 0  # before the race
        edit_committed.clear()
        listing_started.clear()
        catalogue.packages[target]["repo_description"] = "changed upstream during the run"

        fetch = subprocess.Popen(
            [sys.executable, "-m", "pkgcli", "fetch", "--all", "--source", "djangopackages"],
            env=dict(os.environ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert listing_started.wait(timeout=30), "the fetch never listed packages"
            result = cli("edit", slug, "--set", "title=Edited meanwhile", "--set", "tags=mine")
            assert result.exit_code == 0, result.stderr
        finally:
            edit_committed.set()
            _, stderr = fetch.communicate(timeout=60)
    assert fetch.returncode == 0, stderr
    assert "Traceback" not in stderr

    with sqlite3.connect(isolated_env) as conn:
        fetched_at, description = conn.execute(
            "SELECT fetched_at, repo_description FROM packages WHERE id = ?", (target,)
        ).fetchone()
        (edited_at,) = conn.execute(
            "SELECT max(created_at) FROM edits WHERE package_id = ?", (target,)
        ).fetchone()
    assert fetched_at > edited_at  # the fetch rewrote the row after the edit was made
    assert description == "changed upstream during the run"
    shown = json.loads(cli("show", slug, "--json", "--offline").stdout)
    assert shown["title"] == "Edited meanwhile"
    assert shown["tags"] == ["mine"]
    assert shown["repo_description"] == "changed upstream during the run"
    assert shown["pkgcli"]["edited"] == ["title", "tags"]
