"""Requests and responses as the fake upstream's handlers see them, and stock pages.

A handler is any callable taking a `Request` and returning a `Response`. A response's body
is bytes, or a `stream` of chunks (sent chunked unless `length` is declared, with an
optional pause before each chunk): the fault layer uses streams for endless, huge and
trickled bodies without holding them in memory.

Standard library only: imported by tests and benchmarks, never by pkgcli.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Request:
    """One request as a mounted handler sees it.

    `path` and `query` are raw (still percent-encoded); `headers` has lowercase keys;
    `prefix` is the mount point that matched, `subpath` the rest of the path.
    """

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    base_url: str
    prefix: str = ""

    @property
    def target(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path

    @property
    def subpath(self) -> str:
        return self.path[len(self.prefix) :]

    @property
    def url(self) -> str:
        """The absolute URL of this request on this server."""
        return self.base_url + self.target

    def params(self) -> dict[str, list[str]]:
        return parse_qs(self.query, keep_blank_values=True)

    def param(self, name: str, default: str | None = None) -> str | None:
        """The last value of a query parameter, as Django's `QueryDict.get` gives it."""
        values = self.params().get(name)
        return values[-1] if values else default


@dataclass
class Response:
    """What a handler returns. Content-Length is computed by the server (for a body)."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    # Instead of `body`: chunks sent as they come, `interval` seconds apart; with `length`
    # declared as Content-Length, else with chunked transfer encoding.
    stream: Iterable[bytes] | None = None
    length: int | None = None
    interval: float = 0.0

    @classmethod
    def json(
        cls, data: Any, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> Response:
        return cls(status, {"Content-Type": "application/json", **(headers or {})}, _json(data))

    @classmethod
    def html(
        cls, text: str, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> Response:
        hdrs = {"Content-Type": "text/html; charset=utf-8", **(headers or {})}
        return cls(status, hdrs, text.encode("utf-8"))


Handler = Callable[[Request], Response]


def _json(data: Any) -> bytes:
    """DRF's JSONRenderer: compact, UTF-8, U+2028/2029 escaped."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode("utf-8")


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _page(title: str, heading: str, text: str) -> str:
    return (
        f'<!doctype html>\n<html lang="en">\n<head>\n  <title>{title}</title>\n</head>\n'
        f"<body>\n  <h1>{heading}</h1><p>{text}</p>\n</body>\n</html>\n"
    )


def not_found_page() -> Response:
    """Django's HTML 404 page, as served for a path no route matches."""
    return Response.html(
        _page("Not Found", "Not Found", "The requested resource was not found on this server."),
        404,
    )


def server_error_page(status: int = 500) -> Response:
    return Response.html(_page("Server Error", f"Server Error ({status})", ""), status)


def maintenance_page() -> Response:
    return Response.html(
        _page("Maintenance", "Down for maintenance", "We will be back shortly."), 503
    )


def challenge_page() -> Response:
    """A CDN interstitial: 200 text/html where JSON was expected."""
    return Response.html(
        _page("Just a moment...", "Checking your browser", "Enable JavaScript and cookies."), 200
    )
