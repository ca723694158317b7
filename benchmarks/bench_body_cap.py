"""Body-cap benchmark (issue 11: bounded resources).

Reads hostile bodies through pkgcli's `HttpClient` (httpx.MockTransport, in a fresh child
process each, so `ru_maxrss` is that read's peak) and, side by side, through a plain
`httpx.Client` reading the whole body as pkgcli did before the cap. Prints per body the
peak RSS growth while reading it, the cap, and the ratio of the growth to the target
(cap + 50 MB): at most 1.0 is the target met.

- gzip bomb: 160 MB of zeros in ~160 KB of gzip;
- endless: a chunked body that never ends (the baseline reads 160 MB of it, then stops);
- huge: 160 MB of plain JSON.

Run: python benchmarks/bench_body_cap.py [--mb 160]
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from _common import print_table

CHILD = """
import resource, sys, zlib, httpx
from pkgcli.http import HttpClient, MAX_BODY
from pkgcli.errors import UpstreamError

kind, mb, how = sys.argv[1], int(sys.argv[2]), sys.argv[3]

class Body(httpx.SyncByteStream):
    def __iter__(self):
        pack = zlib.compressobj(1, wbits=31)
        n = 0
        while kind == "endless" or n < mb:
            n += 1
            chunk = b"\\0" * 2**20 if kind != "huge" else b" " * 2**20
            if kind == "gzip bomb":
                chunk = pack.compress(chunk) + pack.flush(zlib.Z_SYNC_FLUSH)
            yield chunk
            if how == "baseline" and kind == "endless" and n >= mb:
                return

def answer(request):
    headers = {"content-encoding": "gzip"} if kind == "gzip bomb" else {}
    return httpx.Response(200, stream=Body(), headers=headers)

transport = httpx.MockTransport(answer)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if how == "pkgcli":
    try:
        HttpClient(name="x", transport=transport).get_json("https://example.test/x/")
    except UpstreamError:
        pass
else:
    with httpx.Client(transport=transport) as client:
        client.get("https://example.test/x/").read()
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print((after - before) * 1024, MAX_BODY)
"""


def peak(kind: str, mb: int, how: str) -> tuple[int, int]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, kind, str(mb), how],
        capture_output=True,
        text=True,
        check=True,
    )
    grown, cap = map(int, done.stdout.split())
    return grown, cap


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=160, help="size of the hostile body (MB)")
    args = parser.parse_args()
    rows = []
    for kind in ("gzip bomb", "endless", "huge"):
        mine, cap = peak(kind, args.mb, "pkgcli")
        before, _ = peak(kind, args.mb, "baseline")
        target = cap + 50 * 2**20
        rows.append(
            [
                kind,
                f"{before / 2**20:.0f} MB",
                f"{mine / 2**20:.0f} MB",
                f"{cap / 2**20:.0f} MB",
                f"{mine / target:.2f}",
                f"{mine / max(before, 1):.2f}",
            ]
        )
    print_table(
        f"Peak RSS growth reading one hostile body ({args.mb} MB offered)",
        ["body", "read whole (before)", "pkgcli", "cap", "vs cap+50 MB", "vs before"],
        rows,
    )


if __name__ == "__main__":
    main()
