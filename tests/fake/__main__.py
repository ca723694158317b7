"""Run the fake Django Packages API as a process: `python -m tests.fake [options]`.

Prints exactly one line, `READY <base_url>`, to stdout once listening, then serves until
SIGTERM or SIGINT and exits 0. Benchmarks start it as a subprocess.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from .catalogue import generate_catalogue
from .github import FakeGitHub
from .pypi import FakePyPI
from .server import FakeUpstream


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fake",
        description="Serve a fake Django Packages API v4, GitHub API and PyPI JSON API.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--packages", type=int, default=6000)
    parser.add_argument("--grids", type=int, default=400)
    parser.add_argument("--categories", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per response")
    parser.add_argument("--fixtures", metavar="DIR", help="merge the real records in DIR")
    parser.add_argument(
        "--github-quota",
        type=_positive_int,
        default=5000,
        metavar="N",
        help="GitHub requests a token may make per window, REST and GraphQL each (5000)",
    )
    parser.add_argument(
        "--github-window",
        type=_positive_float,
        default=3600.0,
        metavar="SECONDS",
        help="length of a GitHub rate-limit window; the quota resets after it (3600)",
    )
    return parser


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError("must be a number of seconds above 0")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    catalogue = generate_catalogue(
        args.packages, args.grids, args.categories, args.seed, fixtures=args.fixtures
    )
    if stop.is_set():
        return 0
    with FakeUpstream(catalogue, host=args.host, port=args.port, latency=args.latency) as fake:
        # GitHub and PyPI for the same packages: PKGCLI_GITHUB_API_URL=<url>/github and
        # PKGCLI_PYPI_URL=<url> point pkgcli at them.
        github = FakeGitHub.from_catalogue(
            catalogue, quota=args.github_quota, window=args.github_window
        )
        fake.mount("/github", github)
        fake.mount("/pypi", FakePyPI.from_catalogue(catalogue))
        print(f"READY {fake.base_url}", flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
