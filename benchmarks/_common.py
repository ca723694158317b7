"""Shared helpers for the benchmark scripts: run commands, time them, print tables.

Benchmarks are scripts, never timed tests: these machines are noisy, so every figure is
a median of alternated runs and is quoted as a ratio to a baseline from the same run.
"""

from __future__ import annotations

import compileall
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path


def venv_bin(name: str) -> str:
    """A console script of the venv this benchmark runs in (pkgcli, pip)."""
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    if not found:
        sys.exit(f"{name} is not installed in this venv: pip install -e '.[test]' first")
    return found


def compile_pkgcli() -> None:
    """Write pkgcli's bytecode, as `pip install .` does (editable installs and
    PYTHONDONTWRITEBYTECODE=1 would otherwise recompile every module at every start)."""
    import pkgcli

    compileall.compile_dir(str(Path(pkgcli.__file__).parent), quiet=1)


def run_quiet(argv: Sequence[str], env: dict[str, str] | None = None) -> float:
    """Wall seconds of one run, stdout to a pipe (as a script would read it)."""
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def alternate(
    commands: dict[str, Sequence[str]], runs: int, env: dict[str, str]
) -> dict[str, float]:
    """Median wall time of each command, the commands alternated run after run."""
    for argv in commands.values():  # warm the page cache once
        run_quiet(argv, env)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, argv in commands.items():
            times[name].append(run_quiet(argv, env))
    return {name: statistics.median(values) for name, values in times.items()}


def run_measured(argv: Sequence[str], env: dict[str, str]) -> tuple[float, int, str]:
    """(wall seconds, peak RSS in bytes, stderr) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed ({proc.returncode}): {err}")
    return wall, usage.ru_maxrss * 1024, err


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print(f"\n{title}")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
