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
from urllib.parse import quote

from pkgcli.sources.base import Answer, CacheEntry, SourceClient
from pkgcli.sources.boundary import (
    GITEA_NAME,
    GITLAB_PATH,
    BadRecord,
    Fields,
    shown,
    split_url,
    valid_name,
)

# repository host → forge kind (its API base is a setting: PKGCLI_GITLAB_API_URL, …)
FORGES: dict[str, str] = {"gitlab.com": "gitlab", "codeberg.org": "codeberg"}
FORGE_LABELS = {"gitlab": "GitLab", "codeberg": "Codeberg"}


@dataclass(frozen=True)
class ForgeRepo:
    kind: str  # gitlab | codeberg
    path: str  # owner/name, or group/subgroup/name on GitLab

    def project_url(self, api_url: str) -> str:
        """The project's API URL; BadRecord for a path that is not one on this forge."""
        path = forge_path(self.kind, self.path)
        if self.kind == "gitlab":
            return f"{api_url}/projects/{quote(path, safe='')}?license=true"
        return f"{api_url}/repos/{path}"


def parse_forge_url(url: str | None) -> ForgeRepo | None:
    """The forge and project path of a GitLab/Codeberg/Gitea `repo_url`, else None."""
    if not url:
        return None
    text = url.strip()
    parts = split_url(text)
    if parts is None:
        return None
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
    path = valid_name("/".join(segments), GITLAB_PATH if kind == "gitlab" else GITEA_NAME)
    return ForgeRepo(kind, path) if path else None


def forge_path(kind: str, value: Any) -> str:
    """A project path from an answer or a row, checked against its forge's pattern."""
    pattern = GITLAB_PATH if kind == "gitlab" else GITEA_NAME
    path = valid_name(value, pattern)
    if path is None:
        label = FORGE_LABELS.get(kind, kind)
        raise BadRecord(f"{label} answered with an unusable project path ({shown(value)})")
    return path


def parse_gitlab_project(doc: Any, problems: list[str] | None = None) -> dict[str, Any] | None:
    """`GET /api/v4/projects/<path>?license=true` → the repository field group."""
    if not isinstance(doc, dict) or "path_with_namespace" not in doc:
        return None
    f = Fields(doc, problems)
    return {
        "full_name": forge_path("gitlab", doc["path_with_namespace"]),
        "stars": f.count("star_count"),
        "forks": f.count("forks_count"),
        "description": f.text("description"),
        "archived": f.boolean("archived"),
        "last_activity_at": f.timestamp("last_activity_at"),
        "license": f.nested("license").nonempty_text("name"),
    }


def parse_gitea_repo(doc: Any, problems: list[str] | None = None) -> dict[str, Any] | None:
    """`GET /api/v1/repos/{o}/{r}` (Gitea, Forgejo, Codeberg) → the repository field group."""
    if not isinstance(doc, dict) or "full_name" not in doc:
        return None
    f = Fields(doc, problems)
    licences = f.strings("licenses")
    return {
        "full_name": forge_path("codeberg", doc["full_name"]),
        "stars": f.count("stars_count"),
        "forks": f.count("forks_count"),
        "description": f.text("description"),
        "archived": f.boolean("archived"),
        "last_activity_at": f.timestamp("updated_at"),
        "license": licences[0] if licences and licences[0] else None,
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
        problems: list[str] = []
        answer = self.get(url, cache.get(url), lambda doc, _: parse(doc, problems))
        self.note_unusable(problems)
        if answer.status == 200 and answer.data is None:
            answer.status, answer.message = 502, "not a repository record"
        return answer
