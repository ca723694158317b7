"""The fast paths stay fast: what `show --json`, piped list-grid and search do not import.

`show --json --offline` is benchmarked against `import typer`; list-grid and search are
held to 1.5x of it (benchmarks/bench_output.py). rich and csv belong to the table and CSV
formats only, httpx to the network, sqlite_utils to migrations.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.mirror_seed import seed, standard

HEAVY = ("rich", "csv", "httpx", "sqlite_utils", "encodings.idna")  # idna: URL settings
PROBE = (
    "import sys, atexit\n"
    "atexit.register(lambda: sys.stderr.write('LOADED:' + ','.join("
    f"m for m in {HEAVY!r} if m in sys.modules)))\n"
    "sys.argv = ['pkgcli', *sys.argv[1:]]\n"
    "from pkgcli.__main__ import main\n"
    "main()\n"
)


def loaded(db: Path, *args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        env={**os.environ, "PKGCLI_DB": str(db)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout
    names = done.stderr.rsplit("LOADED:", 1)[1].strip()
    return set(names.split(",")) - {""}


@pytest.mark.parametrize(
    ("args", "allowed"),
    [
        (("show", "django-ninja", "--json", "--offline"), set()),
        (("list-grid", "rest-frameworks"), set()),
        (("list-grid",), set()),
        (("search", "rest"), set()),
        (("search", "rest", "--format", "csv"), {"csv"}),
        (("list-grid", "rest-frameworks", "--format", "table"), {"rich"}),
    ],
)
def test_fast_paths_import_only_what_they_use(
    isolated_env: Path, args: tuple[str, ...], allowed: set[str]
) -> None:
    seed(str(isolated_env), *standard())
    assert loaded(isolated_env, *args) == allowed
