"""TinyForge: a test-only source, registered by a test to prove that a new source is one
module + one registry line + one table: the engine, the store, `show` and `paths` find it
through the registry without another module changing."""

from __future__ import annotations

import sqlite3
from typing import Any

from pkgcli.errors import UpstreamError
from pkgcli.http import HttpClient
from pkgcli.jobs import Result
from pkgcli.models import utc_now
from pkgcli.registry import Source
from pkgcli.sources.base import SourceClient, SourceStopped

PREFIX = "https://tiny.example/"
COLUMNS = (
    "package_id",
    "full_name",
    "stars",
    "fetched_at",
    "status",
    "status_detail",
    "etag_hit",
    "checked_at",
)
SOURCE = Source(
    "tinyforge",
    "TinyForge",
    "PKGCLI_TINYFORGE_URL",
    "http://127.0.0.1:9/tiny",
    "tinyforge_api",
    table="tinyforge_repos",
    plugin=__name__,
    columns=COLUMNS,
)


def migrate(db_path: str) -> None:
    """The source's migration: its own table, keyed on the package id."""
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "CREATE TABLE tinyforge_repos (package_id INTEGER PRIMARY KEY, full_name TEXT, "
            "stars INTEGER, fetched_at TEXT, status TEXT, status_detail TEXT, "
            "etag_hit INTEGER, checked_at TEXT)"
        )


def pick(repo_url: str | None, pypi_url: str | None) -> str | None:
    if repo_url and repo_url.startswith(PREFIX):
        return repo_url[len(PREFIX) :].strip("/") or None
    return None


class TinyClient(SourceClient):
    label = "TinyForge"


def make_client(http: HttpClient, base_url: str, sleep: Any) -> TinyClient:
    return TinyClient(http, base_url, sleep=sleep)


def parse_repo(doc: Any, _: Any) -> dict[str, Any] | None:
    if not isinstance(doc, dict) or not isinstance(doc.get("name"), str):
        return None
    stars = doc.get("stars")
    return {"full_name": doc["name"], "stars": stars if type(stars) is int else None}


def fetch_package(client: TinyClient, package_id: int, name: str) -> Result:
    result = Result("tinyforge", package_id, {"package_id": package_id, "checked_at": utc_now()})
    try:
        answer = client.get(f"{client.base_url}/repos/{name}", None, parse_repo)
        result.count(answer)
        if answer.status == 404:
            return result.finish().settle("not_found")
        if not answer.ok or answer.data is None:
            return result.fail(f"TinyForge answered {answer.status} for {name}")
        result.set_group(answer.data, "fetched_at")
        return result.done()
    except SourceStopped as stop:
        return result.stop(stop.reason)
    except UpstreamError as exc:
        return result.fail(exc.message)
