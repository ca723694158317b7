"""Fake GitLab and Codeberg (Gitea/Forgejo) APIs to mount on `FakeUpstream`.

`FakeGitLab` (mount at `/gitlab/api/v4`) serves `GET /projects/<id or url-encoded path>`
as gitlab.com does: the path is case-insensitive and must be percent-encoded (`a%2Fb`; an
unencoded `a/b` is no route: `{"error": "404 Not Found"}`), `license` is included only with
`?license=true`, an unknown project is `404 {"message": "404 Project Not Found"}`, and a
project found by a former path (renamed or moved) is answered 200 with its current
`path_with_namespace` (GitLab's API follows its redirect routes instead of redirecting).

`FakeCodeberg` (mount at `/codeberg/api/v1`) serves `GET /repos/{owner}/{repo}` as Gitea
and Forgejo do: names are case-insensitive, an unknown repository is
`404 {"errors": [], "message": "The target couldn't be found.", "url": …}`, and a renamed
or transferred repository answers `307 Temporary Redirect` to its current path (a
relative `Location`, as Gitea's `RedirectToRepo` sends it, query kept).

Both send weak ETags and answer a matching `If-None-Match` with 304, refuse writes with 405,
wait `latency` inside the handler (so concurrent requests count as in flight) and count
their answers by status. Projects come from real captured documents (`from_fixtures`) or are
made up, consistently, from the Django Packages records whose `repo_url` is on gitlab.com
or codeberg.org (`from_catalogue`).

Standard library only: imported by tests and benchmarks, never by pkgcli.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from .catalogue import REFERENCE_NOW, Catalogue
from .lazy import LazyMap, peek, sorted_keys
from .server import Request, Response

GITLAB_HOST = "gitlab.com"
CODEBERG_HOST = "codeberg.org"
GITEA_SWAGGER = "https://codeberg.org/api/swagger"
_LICENCES = (
    ("mit", "MIT License", "MIT"),
    ("bsd-3-clause", 'BSD 3-Clause "New" or "Revised" License', "BSD-3-Clause"),
    ("apache-2.0", "Apache License 2.0", "Apache-2.0"),
    ("gpl-3.0", "GNU General Public License v3.0", "GPL-3.0-only"),
)
_STAMP = "%Y-%m-%dT%H:%M:%S.000Z"


def forge_path(repo_url: str, host: str) -> str | None:
    """The project path a `repo_url` on `host` names (its own, independent reading).

    GitLab paths keep their nested groups and end before a `/-/` route; Gitea paths are
    `owner/name`. A trailing `.git` is dropped. None when the URL is on another host.
    """
    text = repo_url.strip()
    if not text:
        return None
    parts = urlsplit(text if "://" in text else f"https://{text}")
    if (parts.hostname or "").lower().removeprefix("www.") != host:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if "-" in segments:
        segments = segments[: segments.index("-")]
    if host != GITLAB_HOST:
        segments = segments[:2]
    if len(segments) < 2:
        return None
    segments[-1] = segments[-1].removesuffix(".git")
    return "/".join(segments)


class _ForgeAPI:
    """What both forges share: documents by id, lookup by current or former path, ETags."""

    path_key = "full_name"  # the document field holding the project's current path

    def __init__(self, documents: Iterable[Mapping[str, Any]] = ()) -> None:
        self.projects: MutableMapping[int, dict[str, Any]] = {}
        self.old_paths: dict[str, int] = {}  # lowercased former path → id
        self.latency = 0.0
        self.in_flight = 0
        self.peak_in_flight = 0
        self.statuses: dict[int, int] = {}  # answers by status code (304s included)
        self._by_path: dict[str, int] = {}
        self._lock = threading.Lock()
        for document in documents:
            self.add(document)

    # -- the projects

    def add(self, document: Mapping[str, Any]) -> dict[str, Any]:
        doc = dict(document)
        self.projects[int(doc["id"])] = doc
        self._by_path[str(doc[self.path_key]).lower()] = int(doc["id"])
        return doc

    def find(self, path: str) -> dict[str, Any] | None:
        """The project answering to this path now (case-insensitive), no renames."""
        project_id = self._by_path.get(path.lower())
        doc = self.projects.get(project_id) if project_id is not None else None
        if doc is None or str(doc[self.path_key]).lower() != path.lower():
            return None
        return doc

    def former(self, path: str) -> dict[str, Any] | None:
        """The project that used to answer to this path, if it was renamed or moved."""
        project_id = self.old_paths.get(path.lower())
        return self.projects.get(project_id) if project_id is not None else None

    def rename(self, old: str, new: str) -> dict[str, Any]:
        """Rename or transfer a project; its old path keeps leading to it."""
        doc = self.find(old)
        if doc is None:
            raise KeyError(old)
        self.old_paths[old.lower()] = int(doc["id"])
        del self._by_path[old.lower()]
        self._set_path(doc, new)
        self._by_path[new.lower()] = int(doc["id"])
        return doc

    def remove(self, path: str) -> None:
        doc = self.find(path)
        if doc is not None:
            del self.projects[int(doc["id"])]
            del self._by_path[path.lower()]

    def _set_path(self, doc: dict[str, Any], path: str) -> None:
        raise NotImplementedError

    def _lazily(
        self,
        catalogue: Catalogue,
        host: str,
        first_id: int,
        make_document: Callable[[Mapping[str, Any], str, int, Any], dict[str, Any]],
        seed: int,
    ) -> None:
        """A project for every package on `host`, indexed now, each made when first read."""
        heads: dict[int, tuple[int, str]] = {}  # project id → (package id, path)
        for package_id in sorted_keys(catalogue.packages):
            url = str(peek(catalogue.packages, package_id, "repo_url") or "")
            path = forge_path(url, host) if host in url.lower() else None  # cheap test first
            if path and path.lower() not in self._by_path:
                heads[first_id + package_id] = (package_id, path)
                self._by_path[path.lower()] = first_id + package_id

        def make(project_id: int, head: tuple[int, str]) -> dict[str, Any]:
            rng = random.Random(seed * 100_000_007 + project_id)
            record = catalogue.packages.get(head[0]) or {}
            return make_document(record, head[1], project_id, rng)

        self.projects = LazyMap(heads, make)

    # -- serving

    def __call__(self, request: Request) -> Response:
        with self._lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            if self.latency > 0:
                time.sleep(self.latency)
            response = self._serve(request)
            with self._lock:
                self.statuses[response.status] = self.statuses.get(response.status, 0) + 1
            return response
        finally:
            with self._lock:
                self.in_flight -= 1

    def _serve(self, request: Request) -> Response:
        raise NotImplementedError

    def _json(
        self, request: Request, body: Any, headers: Mapping[str, str] | None = None
    ) -> Response:
        """200 with a weak ETag, or 304 when the client already holds it."""
        payload = json.dumps(body, separators=(",", ":")).encode()
        etag = f'W/"{hashlib.md5(payload).hexdigest()}"'
        out = {"Content-Type": "application/json", "ETag": etag, **(headers or {})}
        wanted = {e.strip() for e in request.headers.get("if-none-match", "").split(",")}
        if etag in wanted:
            return Response(304, out, b"")
        return Response(200, out, payload)


# --------------------------------------------------------------------------- GitLab


class FakeGitLab(_ForgeAPI):
    """GitLab's REST API v4 `GET /projects/:id` over project documents keyed by id."""

    path_key = "path_with_namespace"

    def _set_path(self, doc: dict[str, Any], path: str) -> None:
        namespace, _, name = path.rpartition("/")
        doc["path_with_namespace"] = path
        doc["path"] = name
        doc["web_url"] = f"https://{GITLAB_HOST}/{path}"
        doc["http_url_to_repo"] = f"https://{GITLAB_HOST}/{path}.git"
        if isinstance(doc.get("namespace"), dict):
            doc["namespace"] = {**doc["namespace"], "full_path": namespace}

    def _serve(self, request: Request) -> Response:
        # Raw segments: a project path is one segment only when its slashes are encoded.
        parts = request.subpath.split("/")
        if len(parts) != 3 or parts[:2] != ["", "projects"] or not parts[2]:
            return Response.json({"error": "404 Not Found"}, 404)
        if request.method not in ("GET", "HEAD"):
            return Response.json({"error": "405 Not Allowed"}, 405)
        key = unquote(parts[2])
        # A former path is followed, not redirected: 200 with the current path.
        doc = self.projects.get(int(key)) if key.isdigit() else self.find(key) or self.former(key)
        if doc is None:
            return Response.json({"message": "404 Project Not Found"}, 404, _NO_CACHE)
        body = dict(doc)
        if (request.param("license") or "").lower() not in ("true", "1", "yes", "t"):
            body.pop("license", None)
            body.pop("license_url", None)
        return self._json(request, body, {"Cache-Control": "max-age=0, private, must-revalidate"})

    @classmethod
    def from_catalogue(
        cls, catalogue: Catalogue, *, seed: int = 0, fixtures: str | Path | None = None
    ) -> FakeGitLab:
        """A project for every package whose `repo_url` is on gitlab.com (real documents
        from `fixtures`, a directory of `project-*.json` bodies, added too)."""
        fake = cls()
        fake._lazily(catalogue, GITLAB_HOST, 20_000_000, gitlab_project, seed)
        if fixtures is not None:
            for document in load_documents(fixtures, "project-*.json"):
                fake.add(document)
        return fake


_NO_CACHE = {"Cache-Control": "no-cache"}


def gitlab_project(
    record: Mapping[str, Any], path: str, project_id: int, rng: Any
) -> dict[str, Any]:
    """A GitLab project document consistent with a Django Packages record."""
    namespace, _, name = path.rpartition("/")
    created = REFERENCE_NOW - timedelta(days=rng.randint(400, 4000))
    active = REFERENCE_NOW - timedelta(days=rng.randint(0, 900), seconds=rng.randint(0, 86399))
    licence = rng.choice((*_LICENCES, None))
    web = f"https://{GITLAB_HOST}/{path}"
    doc: dict[str, Any] = {
        "id": project_id,
        "description": str(record.get("repo_description") or "") or None,
        "name": name,
        "name_with_namespace": path.replace("/", " / "),
        "path": name,
        "path_with_namespace": path,
        "created_at": created.strftime(_STAMP),
        "default_branch": "main",
        "tag_list": ["django"],
        "topics": ["django"],
        "http_url_to_repo": f"{web}.git",
        "web_url": web,
        "forks_count": int(record.get("repo_forks") or 0) + rng.randint(0, 3),
        "star_count": int(record.get("repo_watchers") or 0) + rng.randint(0, 10),
        "last_activity_at": active.strftime(_STAMP),
        "namespace": {
            "id": _stable_id(namespace),
            "path": namespace.rpartition("/")[2],
            "kind": "group" if "/" in namespace else "user",
            "full_path": namespace,
        },
        "empty_repo": False,
        "archived": rng.random() < 0.05,
        "visibility": "public",
        "open_issues_count": rng.randint(0, 30),
    }
    if licence is not None:
        key, title, _ = licence
        doc["license_url"] = f"{web}/-/blob/main/LICENSE"
        doc["license"] = {
            "key": key,
            "name": title,
            "nickname": None,
            "html_url": f"https://opensource.org/licenses/{key}",
            "source_url": None,
        }
    else:
        doc["license_url"] = None
        doc["license"] = None
    return doc


# --------------------------------------------------------------------------- Codeberg


class FakeCodeberg(_ForgeAPI):
    """Gitea/Forgejo's API v1 `GET /repos/{owner}/{repo}`, as codeberg.org serves it."""

    path_key = "full_name"

    def _set_path(self, doc: dict[str, Any], path: str) -> None:
        owner, _, name = path.partition("/")
        doc["full_name"] = path
        doc["name"] = name
        doc["html_url"] = f"https://{CODEBERG_HOST}/{path}"
        doc["clone_url"] = f"https://{CODEBERG_HOST}/{path}.git"
        if isinstance(doc.get("owner"), dict):
            doc["owner"] = {**doc["owner"], "login": owner, "username": owner}

    def _serve(self, request: Request) -> Response:
        parts = [unquote(p) for p in request.subpath.split("/")]
        if len(parts) != 4 or parts[:2] != ["", "repos"] or not parts[2] or not parts[3]:
            return _gitea_not_found()
        if request.method not in ("GET", "HEAD"):
            return Response.json({"message": "Method Not Allowed"}, 405)
        path = f"{parts[2]}/{parts[3]}"
        doc = self.find(path)
        if doc is None:
            moved = self.former(path)
            if moved is None:
                return _gitea_not_found()
            query = f"?{request.query}" if request.query else ""
            location = f"{request.prefix}/repos/{moved['full_name']}{query}"
            return Response(307, {"Location": location, "Content-Type": "text/html"}, b"")
        return self._json(request, doc, {"Cache-Control": "max-age=0, private, must-revalidate"})

    @classmethod
    def from_catalogue(
        cls, catalogue: Catalogue, *, seed: int = 0, fixtures: str | Path | None = None
    ) -> FakeCodeberg:
        """A repository for every package whose `repo_url` is on codeberg.org (real
        documents from `fixtures`, a directory of `repo-*.json` bodies, added too)."""
        fake = cls()
        fake._lazily(catalogue, CODEBERG_HOST, 30_000_000, gitea_repo, seed)
        if fixtures is not None:
            for document in load_documents(fixtures, "repo-*.json"):
                fake.add(document)
        return fake


def _gitea_not_found() -> Response:
    body = {"errors": [], "message": "The target couldn't be found.", "url": GITEA_SWAGGER}
    return Response.json(body, 404)


def gitea_repo(record: Mapping[str, Any], path: str, repo_id: int, rng: Any) -> dict[str, Any]:
    """A Gitea/Forgejo repository document consistent with a Django Packages record."""
    owner, _, name = path.partition("/")
    created = REFERENCE_NOW - timedelta(days=rng.randint(400, 3000))
    updated = REFERENCE_NOW - timedelta(days=rng.randint(0, 900), seconds=rng.randint(0, 86399))
    licence = rng.choice((*_LICENCES, None))
    web = f"https://{CODEBERG_HOST}/{path}"
    stars = int(record.get("repo_watchers") or 0) + rng.randint(0, 5)
    return {
        "id": repo_id,
        "owner": {"id": _stable_id(owner), "login": owner, "username": owner},
        "name": name,
        "full_name": path,
        "description": str(record.get("repo_description") or ""),
        "empty": False,
        "private": False,
        "fork": False,
        "template": False,
        "parent": None,
        "mirror": False,
        "size": rng.randint(50, 5000),
        "language": "Python",
        "html_url": web,
        "url": f"https://{CODEBERG_HOST}/api/v1/repos/{path}",
        "clone_url": f"{web}.git",
        "website": "",
        "stars_count": stars,
        "forks_count": int(record.get("repo_forks") or 0) + rng.randint(0, 2),
        "watchers_count": max(1, stars // 10),
        "open_issues_count": rng.randint(0, 20),
        "default_branch": "main",
        "archived": rng.random() < 0.05,
        "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "updated_at": updated.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "archived_at": "1970-01-01T00:00:00Z",
        "has_issues": True,
        "licenses": [licence[2]] if licence else [],
    }


# --------------------------------------------------------------------------- helpers


def load_documents(directory: str | Path, pattern: str) -> list[dict[str, Any]]:
    """The real captured bodies in `directory` matching `pattern` (`.meta.json` skipped)."""
    documents = []
    for path in sorted(Path(directory).glob(pattern)):
        if path.name.endswith(".meta.json"):
            continue
        document = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(document, dict) and "id" in document:
            documents.append(document)
    return documents


def _stable_id(text: str) -> int:
    return int(hashlib.sha1(text.encode()).hexdigest()[:7], 16)
