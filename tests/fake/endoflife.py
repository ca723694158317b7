"""A fake endoflife.date API to mount on `FakeUpstream` at `/endoflife`.

Serves `GET /api/<product>.json` for django and python as endoflife.date does: a JSON list
of release cycles, newest first. `products` can be edited by tests (or made hostile).

Standard library only: imported by tests and benchmarks, never by pkgcli.
"""

from __future__ import annotations

from typing import Any

from .server import Request, Response

DJANGO = [
    {"cycle": "6.0", "releaseDate": "2025-12-03", "eol": "2027-04-30", "lts": False},
    {"cycle": "5.2", "releaseDate": "2025-04-02", "eol": "2028-04-30", "lts": True},
    {"cycle": "5.1", "releaseDate": "2024-08-07", "eol": "2025-12-31", "lts": False},
    {"cycle": "4.2", "releaseDate": "2023-04-03", "eol": "2026-04-30", "lts": True},
    {"cycle": "3.2", "releaseDate": "2021-04-06", "eol": "2024-04-01", "lts": True},
]
PYTHON = [
    {"cycle": "3.14", "releaseDate": "2025-10-07", "eol": "2030-10-31", "lts": False},
    {"cycle": "3.13", "releaseDate": "2024-10-07", "eol": "2029-10-31", "lts": False},
    {"cycle": "3.12", "releaseDate": "2023-10-02", "eol": "2028-10-31", "lts": False},
    {"cycle": "3.9", "releaseDate": "2020-10-05", "eol": "2025-10-31", "lts": False},
]


class FakeEndOfLife:
    def __init__(self) -> None:
        self.products: dict[str, Any] = {"django": list(DJANGO), "python": list(PYTHON)}

    def __call__(self, request: Request) -> Response:
        parts = [p for p in request.subpath.split("/") if p]
        if len(parts) == 2 and parts[0] == "api" and parts[1].endswith(".json"):
            product = parts[1][: -len(".json")]
            if product in self.products:
                return Response.json(self.products[product], 200)
        return Response.json({"message": "Product not found"}, 404)
