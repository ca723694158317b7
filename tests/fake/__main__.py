"""Run the fake upstreams as a process: `python -m tests.fake [options]`.

Serves Django Packages API v4 at /api/v4, GitHub at /github, PyPI at /pypi, GitLab at
/gitlab/api/v4 and Codeberg at /codeberg/api/v1, all over one generated catalogue. Prints
exactly one line, `READY <base_url>`, to stdout once listening (tests and benchmarks read
it), then the `export PKGCLI_…=…` lines that point pkgcli at every source to stderr, and
serves until SIGTERM or SIGINT, then exits 0.
"""

from __future__ import annotations

import argparse
import signal
import sys
import textwrap
import threading
from collections.abc import Sequence
from types import FrameType

from .catalogue import generate_catalogue
from .faults import FAULT_HELP, parse_fault_spec
from .forges import FakeCodeberg, FakeGitLab
from .github import FakeGitHub
from .pypi import FakePyPI
from .server import FakeUpstream


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fake",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_fault_epilog(),
        description=(
            "Serve a fake Django Packages API v4, GitHub API, PyPI JSON API, GitLab API v4 "
            "and Codeberg (Gitea) API v1 on one port. Prints READY <url> on stdout, then "
            "the environment variables that point pkgcli at it on stderr."
        ),
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
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        type=_fault,
        metavar="KIND[,KEY=VALUE...]:PATH[:TIMES]",
        help="inject a fault on requests whose path+query starts with PATH (or matches it as "
        "a regex; '*' or empty: any), TIMES times (default 1; '*': always); repeatable. "
        "Kinds and their options are listed below",
    )
    return parser


def _fault_epilog() -> str:
    width = max(len(kind) for kind in FAULT_HELP)
    indent = " " * (width + 4)
    lines = [
        textwrap.fill(text, 100, initial_indent=f"  {kind:<{width}}  ", subsequent_indent=indent)
        for kind, text in FAULT_HELP.items()
    ]
    return (
        "fault kinds (every route: Django Packages, GitHub REST and GraphQL, PyPI, GitLab, "
        "Codeberg):\n" + "\n".join(lines) + "\n\nexample: --fault retry-after,value=²:/github/:3 "
        "--fault gzip-bomb,mb=300:/pypi/ --fault 503:*:*"
    )


def _fault(spec: str) -> tuple[str, str | None, int | None, dict[str, object]]:
    try:
        return parse_fault_spec(spec)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


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
        github = FakeGitHub.from_catalogue(
            catalogue, quota=args.github_quota, window=args.github_window
        )
        fake.mount("/github", github)
        fake.mount("/pypi", FakePyPI.from_catalogue(catalogue))
        fake.mount("/gitlab/api/v4", FakeGitLab.from_catalogue(catalogue))
        fake.mount("/codeberg/api/v1", FakeCodeberg.from_catalogue(catalogue))
        for kind, path, times, opts in args.fault:
            fake.faults.add(kind, path, times, **opts)
        print(f"READY {fake.base_url}", flush=True)
        for name, value in environment(fake.base_url).items():
            print(f"export {name}={value}", file=sys.stderr)
        sys.stderr.flush()
        stop.wait()
    return 0


def environment(base_url: str) -> dict[str, str]:
    """The settings that point pkgcli at every source this process serves."""
    return {
        "PKGCLI_API_URL": f"{base_url}/api/v4",
        "PKGCLI_GITHUB_API_URL": f"{base_url}/github",
        "PKGCLI_PYPI_URL": base_url,
        "PKGCLI_GITLAB_API_URL": f"{base_url}/gitlab/api/v4",
        "PKGCLI_CODEBERG_API_URL": f"{base_url}/codeberg/api/v1",
    }


if __name__ == "__main__":
    sys.exit(main())
