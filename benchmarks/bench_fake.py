"""How fast `python -m tests.fake` is ready, and what it holds, at 6,000 and 100,000 packages.

Starts the fake as a child process and times it to its `READY <url>` line; reads its peak
RSS (VmHWM) at READY and again after every package has been served once (a walk of the
whole Django Packages list, 100 a page). The baseline, measured side by side in the same
run, is the fake as it was before packages were made lazily (commit BASELINE, extracted
to a temporary directory); it is given `--baseline-timeout` seconds before it counts as
"not ready". Usage: python benchmarks/bench_fake.py [--sizes 6000 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import print_table

ROOT = Path(__file__).parent.parent
BASELINE = "70a7bc8"  # the fake before this work: every package generated up front


def extract_baseline(directory: Path) -> Path:
    """The fake at BASELINE as an importable `tests.fake` under `directory`."""
    listing = subprocess.run(
        ["git", "ls-tree", "--name-only", BASELINE, "tests/fake/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    (directory / "tests" / "fake").mkdir(parents=True)
    (directory / "tests" / "__init__.py").write_text("")
    for name in listing:
        text = subprocess.run(
            ["git", "show", f"{BASELINE}:{name}"], cwd=ROOT, capture_output=True, check=True
        ).stdout
        (directory / name).write_bytes(text)
    return directory


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def walk(base: str, expected: int) -> None:
    """Read every package once, through the list pages (as `fetch --all` does)."""
    url: str | None = f"{base}/api/v4/packages/?limit=100"
    seen = 0
    while url:
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            page = json.load(response)
        seen += len(page["results"])
        url = page["next"]
    assert seen == expected, (seen, expected)


def measure(cwd: Path, packages: int, timeout: float, serve: bool) -> tuple[float, float, float]:
    """(seconds to READY, peak RSS MB at READY, peak RSS MB after serving every package)."""
    argv = [sys.executable, "-m", "tests.fake", "--packages", str(packages)]
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert proc.stdout is not None
        line = _readline(proc, timeout)
        if line is None:
            return float("inf"), float("nan"), float("nan")
        ready = time.perf_counter() - started
        at_ready = peak_rss_mb(proc.pid)
        served = float("nan")
        if serve:
            walk(line.split()[1], packages)
            served = peak_rss_mb(proc.pid)
        return ready, at_ready, served
    finally:
        proc.terminate()  # the baseline only sees SIGTERM once its catalogue is built
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _readline(proc: subprocess.Popen[bytes], timeout: float) -> str | None:
    import selectors

    assert proc.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            return None
    return proc.stdout.readline().decode()


def seconds(value: float) -> str:
    return "not ready" if value == float("inf") else f"{value:.2f} s"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[6000, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline-timeout", type=float, default=60.0)
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        baseline_dir = extract_baseline(Path(tmp))
        for size in args.sizes:
            now, then = [], []
            for run in range(args.runs):  # alternated, median of each
                now.append(measure(ROOT, size, 600, serve=run == 0))
                if not then or then[-1][0] != float("inf"):
                    then.append(measure(baseline_dir, size, args.baseline_timeout, serve=False))
            ready = statistics.median(r[0] for r in now)
            base = statistics.median(r[0] for r in then)
            ratio = "n/a" if base == float("inf") else f"{ready / base:.2f}"
            at_least = f" (> {args.baseline_timeout:.0f} s)" if base == float("inf") else ""
            rows.append(
                [
                    f"{size:,}",
                    seconds(ready),
                    seconds(base) + at_least,
                    ratio,
                    f"{statistics.median(r[1] for r in now):.0f} MB",
                    f"{now[0][2]:.0f} MB",
                    f"{statistics.median(r[1] for r in then):.0f} MB",
                ]
            )
    print_table(
        f"python -m tests.fake: seconds to READY (median of {args.runs}) and peak RSS",
        ["packages", "ready", "baseline", "ratio", "RSS@ready", "RSS served", "base RSS@ready"],
        rows,
    )


if __name__ == "__main__":
    main()
