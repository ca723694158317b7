"""GitLab and Codeberg (Gitea/Forgejo): the repositories Django Packages links off GitHub.

`parse_forge_url` recognises a `repo_url` on gitlab.com (nested groups included) or
codeberg.org (Forgejo, Gitea's API); `parse_gitlab_project` and
`parse_gitea_repo` decode one project answer into the same repository field group GitHub
fills (stars, forks, description, archived, licence, current full name). One request per
package; conditional on the ETag these forges send.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from pkgcli.models import parse_timestamp
from pkgcli.sources.base import Answer, CacheEntry, SourceClient

# repository host → forge kind (its API base is a setting: PKGCLI_GITLAB_API_URL, …)
FORGES: dict[str, str] = {"gitlab.com": "gitlab", "codeberg.org": "codeberg"}
FORGE_LABELS = {"gitlab": "GitLab", "codeberg": "Codeberg"}


@dataclass(frozen=True)
class ForgeRepo:
    kind: str  # gitlab | codeberg
    path: str  # owner/name, or group/subgroup/name on GitLab

    def project_url(self, api_url: str) -> str:
        if self.kind == "gitlab":
            return f"{api_url}/projects/{quote(self.path, safe='')}?license=true"
        return f"{api_url}/repos/{self.path}"


def parse_forge_url(url: str | None) -> ForgeRepo | None:
    """The forge and project path of a GitLab/Codeberg/Gitea `repo_url`, else None."""
    if not url:
        return None
    text = url.strip()
    parts = urlsplit(text if "://" in text else f"https://{text}")
    host = (parts.hostname or "").lower().removeprefix("www.")
    if host not in FORGES:
        return None
    kind = FORGES[host]
    segments = [s for s in parts.path.split("/") if s]
    if "-" in segments:  # GitLab's /-/tree/…, /-/issues: the project path ends before it
        segments = segments[: segments.index("-")]
    if kind != "gitlab":
        segments = segments[:2]
    if len(segments) < 2:
        return None
    segments[-1] = segments[-1].removesuffix(".git")
    return ForgeRepo(kind, "/".join(segments))


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def parse_gitlab_project(doc: Any) -> dict[str, Any] | None:
    """`GET /api/v4/projects/<path>?license=true` → the repository field group."""
    if not isinstance(doc, dict) or not isinstance(doc.get("path_with_namespace"), str):
        return None
    licence = doc.get("license")
    return {
        "full_name": doc["path_with_namespace"],
        "stars": _int_or_none(doc.get("star_count")),
        "forks": _int_or_none(doc.get("forks_count")),
        "description": _text(doc.get("description")),
        "archived": bool(doc.get("archived")),
        "last_activity_at": parse_timestamp(doc.get("last_activity_at")),
        "license": licence.get("name") if isinstance(licence, dict) else None,
    }


def parse_gitea_repo(doc: Any) -> dict[str, Any] | None:
    """`GET /api/v1/repos/{o}/{r}` (Gitea, Forgejo, Codeberg) → the repository field group."""
    if not isinstance(doc, dict) or not isinstance(doc.get("full_name"), str):
        return None
    licences = doc.get("licenses")
    return {
        "full_name": doc["full_name"],
        "stars": _int_or_none(doc.get("stars_count")),
        "forks": _int_or_none(doc.get("forks_count")),
        "description": _text(doc.get("description")),
        "archived": bool(doc.get("archived")),
        "last_activity_at": parse_timestamp(doc.get("updated_at")),
        "license": licences[0]
        if isinstance(licences, list) and licences and isinstance(licences[0], str)
        else None,
    }


class ForgeClient(SourceClient):
    """One forge's API (one client per forge, so each host has its own in-flight limit)."""

    def __init__(self, *args: Any, kind: str, **kw: Any) -> None:
        super().__init__(*args, headers={"Accept": "application/json"}, **kw)
        self.kind = kind
        self.label = FORGE_LABELS.get(kind, kind)

    def fetch_repo(self, repo: ForgeRepo, cache: Mapping[str, CacheEntry]) -> Answer:
        parse = parse_gitlab_project if repo.kind == "gitlab" else parse_gitea_repo
        url = repo.project_url(self.base_url)
        answer = self.get(url, cache.get(url), lambda doc, _: parse(doc))
        if answer.status == 200 and answer.data is None:
            answer.status, answer.message = 502, "not a repository record"
        return answer
