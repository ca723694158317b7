"""`pkgcli check`: a project's dependencies, read from its own files, judged.

Reading: requirements files (pins, ranges, extras, markers, comments, line continuations,
`-r`/`-c` includes, `-e` and VCS/URL requirements), `pip freeze` output, pyproject.toml
(`[project]` dependencies and optional dependencies, `[dependency-groups]`), uv.lock,
poetry.lock and pylock.toml. Every requirement string is parsed by `packaging`, and every
name normalised by `packaging.utils.canonicalize_name` (PEP 503); nothing is parsed by hand
but the requirements-file syntax around the requirement (options, comments, includes).

Judging: each distribution maps to the Django Packages package whose `pypi_url` names it
(in any form seen upstream, via `sources.pypi.parse_pypi_name`); it gets the health
verdict, whether it declares the project's Django version, advisories for the pinned
version, and up to three better alternatives from its grids.
"""

from __future__ import annotations

import contextlib
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pkgcli.errors import UsageError

MAX_INCLUDE_DEPTH = 10
MAX_FILE_BYTES = 10_000_000
FAIL_CONDITIONS = ("archived", "risk", "unsupported", "vulnerable")
_SEPARATORS = re.compile(r"[-_.]+")
_TO_DASH = str.maketrans({"_": "-", ".": "-", "?": "/"})
_PLAIN_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+!_-]{0,63}")
_EGG_RE = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
_VCS_PREFIXES = ("git+", "hg+", "svn+", "bzr+")


@dataclass
class Dependency:
    """One distribution the project depends on."""

    requirement: str  # as written (normalised whitespace)
    name: str  # PEP 503 name
    pinned: str | None = None  # the exact version when one is pinned
    origin: str = ""  # file:line


@dataclass
class Project:
    dependencies: list[Dependency] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # lines no name could be read from

    seen: set[tuple[str, str | None]] = field(default_factory=set)

    def add(self, dep: Dependency) -> None:
        """Keep the first of each (name, pin): includes often repeat a requirement."""
        if (dep.name, dep.pinned) not in self.seen:
            self.seen.add((dep.name, dep.pinned))
            self.dependencies.append(dep)


def canonical(name: str) -> str:
    from packaging.utils import canonicalize_name

    return str(canonicalize_name(name))


def pinned_version(specifier: Any) -> str | None:
    """The version a specifier set pins exactly (`==1.2`, `===1.2`), else None."""
    pins = [s for s in specifier if s.operator in ("==", "===") and "*" not in s.version]
    return pins[0].version if len(pins) == 1 else None


def _from_requirement(text: str, origin: str) -> Dependency | None:
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        req = Requirement(text)
    except InvalidRequirement:
        return None
    return Dependency(str(req), canonical(req.name), pinned_version(req.specifier), origin)


def _from_url(text: str, origin: str) -> Dependency | None:
    """A bare URL, VCS URL or path: the name from `#egg=`, else a wheel or sdist file name."""
    from packaging.utils import (
        InvalidSdistFilename,
        InvalidWheelFilename,
        parse_sdist_filename,
        parse_wheel_filename,
    )

    egg = _EGG_RE.search(text)
    if egg:
        name = egg.group(1).split("[")[0]
        return Dependency(text, canonical(name), None, origin)
    filename = text.split("#")[0].split("?")[0].rstrip("/").rsplit("/", 1)[-1]
    try:
        if filename.endswith(".whl"):
            name, version, *_ = parse_wheel_filename(filename)
            return Dependency(text, str(name), str(version), origin)
        if filename.endswith((".tar.gz", ".zip")):
            name, version = parse_sdist_filename(filename)
            return Dependency(text, str(name), str(version), origin)
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None
    return None


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Lines with `\\` continuations joined and comments (` #…`, or a whole `#` line) cut."""
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        if not pending:
            start = number
        if raw.endswith("\\"):
            pending += raw[:-1] + " "
            continue
        line = pending + raw
        pending = ""
        line = re.sub(r"(^|\s)#.*$", "", line).strip()
        if line:
            yield start, line
    if pending.strip():
        yield start, pending.strip()


def read_requirements(
    text: str, name: str, base: Path | None, project: Project, depth: int = 0
) -> None:
    """A requirements file (or `pip freeze` output) into `project`, following includes."""
    for number, line in _logical_lines(text):
        origin = f"{name}:{number}"
        option, _, rest = line.partition(" ")
        if "=" in option and option.startswith("--"):
            option, _, rest = line.partition("=")
        rest = rest.strip()
        if option in ("-r", "--requirement", "-c", "--constraint"):
            if option in ("-r", "--requirement"):
                _include(rest, base, project, depth)
            continue
        if option in ("-e", "--editable"):
            _add_url_or_requirement(rest, origin, project)
            continue
        if line.startswith("-"):
            continue  # --index-url, --hash on its own, -f, --pre …: not a dependency
        # pip allows per-line options after the requirement: `pkg==1 --hash=sha256:…`
        requirement = re.split(r"\s+--?[a-z]", line, maxsplit=1)[0].strip()
        _add_url_or_requirement(requirement, origin, project)


def _add_url_or_requirement(text: str, origin: str, project: Project) -> None:
    looks_like_url = (
        text.startswith(_VCS_PREFIXES)
        or "://" in text.split("@")[0]
        or text.startswith((".", "/", "file:"))
    )
    dep = _from_url(text, origin) if looks_like_url else _from_requirement(text, origin)
    if dep is None and looks_like_url:
        dep = _from_requirement(text, origin)
    if dep is None:
        project.skipped.append(origin)
    else:
        project.add(dep)


def _include(target: str, base: Path | None, project: Project, depth: int) -> None:
    if base is None:
        raise UsageError(f"cannot follow '-r {target}' in standard input: give the file instead")
    if depth >= MAX_INCLUDE_DEPTH:
        raise UsageError(f"requirements includes nested more than {MAX_INCLUDE_DEPTH} deep")
    path = (base / target).resolve()
    read_requirements(_read(path), path.name, path.parent, project, depth + 1)


def _read(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise UsageError(f"{path} is larger than {MAX_FILE_BYTES} bytes")
    return data.decode("utf-8", errors="replace")


def _toml(text: str, name: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{name} is not valid TOML: {exc}") from None


def read_pyproject(doc: dict[str, Any], name: str, project: Project) -> None:
    """[project] dependencies and optional-dependencies, and [dependency-groups]."""
    raw = doc.get("project")
    table: dict[str, Any] = raw if isinstance(raw, dict) else {}
    lists: list[tuple[str, Any]] = [("dependencies", table.get("dependencies"))]
    extras = table.get("optional-dependencies")
    if isinstance(extras, dict):
        lists += [(f"optional-dependencies.{k}", v) for k, v in extras.items()]
    groups = doc.get("dependency-groups")
    if isinstance(groups, dict):
        lists += [(f"dependency-groups.{k}", v) for k, v in groups.items()]
    for where, items in lists:
        for i, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, str):  # {include-group = "…"} entries repeat another group
                _add_url_or_requirement(item, f"{name}:{where}[{i}]", project)


def read_lock(doc: dict[str, Any], name: str, key: str, project: Project) -> None:
    """uv.lock / poetry.lock (`[[package]]`) and pylock.toml (`[[packages]]`): name + version."""
    entries = doc.get(key)
    for i, entry in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            project.skipped.append(f"{name}:{key}[{i}]")
            continue
        version = entry.get("version") if isinstance(entry.get("version"), str) else None
        text = f"{entry['name']}=={version}" if version else entry["name"]
        dep = _from_requirement(text, f"{name}:{key}[{i}]")
        if dep is None:
            project.skipped.append(f"{name}:{key}[{i}]")
        else:
            project.add(dep)


def read_project(path_text: str, stdin_text: str | None = None) -> Project:
    """The dependencies in a file, by its name; `-` reads requirements / pip freeze on stdin."""
    project = Project()
    if path_text == "-":
        read_requirements(stdin_text or "", "<stdin>", None, project)
        return project
    path = Path(path_text)
    if path.is_dir():
        path = _project_file(path)
    text, name = _read(path), path.name
    if name == "pyproject.toml":
        read_pyproject(_toml(text, name), name, project)
    elif name in ("uv.lock", "poetry.lock"):
        read_lock(_toml(text, name), name, "package", project)
    elif name == "pylock.toml" or (name.startswith("pylock.") and name.endswith(".toml")):
        read_lock(_toml(text, name), name, "packages", project)
    else:
        read_requirements(text, name, path.resolve().parent, project)
    return project


def _project_file(directory: Path) -> Path:
    """The file to read in a project directory, most exact first."""
    for candidate in (
        "uv.lock",
        "poetry.lock",
        "pylock.toml",
        "requirements.txt",
        "pyproject.toml",
    ):
        if (directory / candidate).is_file():
            return directory / candidate
    raise UsageError(f"no requirements.txt, pyproject.toml or lock file in {directory}")


def project_django(project: Project, cycles: list[str]) -> str | None:
    """The project's Django series (X.Y): its pin, else the newest known series its range
    allows; None when it does not depend on Django."""
    from packaging.requirements import Requirement

    for dep in project.dependencies:
        if dep.name != "django":
            continue
        if dep.pinned:
            parts = dep.pinned.split(".")
            return ".".join(parts[:2]) if len(parts) >= 2 and parts[1].isdigit() else None
        try:
            spec = Requirement(dep.requirement).specifier
        except Exception:  # a URL requirement: no range to read
            return None
        for cycle in cycles:  # newest first
            if any(spec.contains(f"{cycle}.{n}", prereleases=False) for n in (0, 99)):
                return cycle
    return None


def parse_fail_on(text: str | None) -> set[str]:
    if not text:
        return set()
    wanted = {p.strip().lower() for p in text.split(",") if p.strip()}
    unknown = wanted - set(FAIL_CONDITIONS)
    if unknown:
        raise UsageError(
            f"--fail-on takes {', '.join(FAIL_CONDITIONS)}; not {', '.join(sorted(unknown))}"
        )
    return wanted


def meets(row: dict[str, Any], conditions: set[str]) -> bool:
    """Whether a judged dependency meets any of the `--fail-on` conditions."""
    return bool(
        ("archived" in conditions and row.get("archived") is True)
        or ("risk" in conditions and row.get("verdict") == "risk")
        or ("unsupported" in conditions and row.get("django_supported") is False)
        or ("vulnerable" in conditions and row.get("advisories"))
    )


# -- judging -----------------------------------------------------------------------------

STALE_SECONDS = 24 * 3600  # PyPI/GitHub answers older than a day are refreshed (online)
MAX_ALTERNATIVES = 3
LIGHT_FIELDS = ("repo_watchers", "last_updated", "python_versions", "django_versions", "archived")
CHUNK = 3  # alternatives viewed at a time (by star bound, highest first)


@dataclass
class CheckResult:
    rows: list[dict[str, Any]]
    django: str | None
    total: int
    mapped: int
    skipped: list[str]
    notes: list[str] = field(default_factory=list)


def _url_tokens(url: str) -> set[str]:
    """Every piece of a `pypi_url` that could be the project name, normalised (PEP 503): a
    cheap necessary condition, so only URLs that can match are parsed (`parse_pypi_name`)."""
    text = url.lower().translate(_TO_DASH)
    if "--" in text:  # runs of separators are one separator (rare: the regex only then)
        text = _SEPARATORS.sub("-", text)
    return set(text.split("/"))


def pypi_index(store: Any, wanted: set[str]) -> dict[str, Any]:
    """PEP 503 name → package row for the `wanted` names, from every package's `pypi_url`
    (any form upstream uses)."""
    from pkgcli.sources.pypi_names import parse_pypi_name

    ids: dict[str, int] = {}
    rows = store.query(
        "SELECT id, pypi_url FROM packages WHERE gone_at IS NULL AND pypi_url != '' ORDER BY id"
    )
    for row in rows:
        url = row["pypi_url"]
        if not isinstance(url, str) or wanted.isdisjoint(_url_tokens(url)):
            continue
        name = parse_pypi_name(url)
        if name and canonical(name) in wanted:
            ids.setdefault(canonical(name), row["id"])
    found = {r["id"]: r for r in store.packages_by_ids(sorted(set(ids.values())))}
    return {name: found[pid] for name, pid in ids.items() if pid in found}


def _stale(view: dict[str, Any], now: Any) -> bool:
    from pkgcli.fields import parse_iso

    pypi = ((view.get("pkgcli") or {}).get("sources") or {}).get("pypi") or {}
    fetched = parse_iso(pypi.get("fetched_at"))
    return fetched is None or (now - fetched).total_seconds() > STALE_SECONDS


def _fetch_missing(ctx: Any, names: list[str]) -> None:
    """Online: packages not in the mirror, tried on Django Packages by the slug their PyPI
    name suggests (the usual case), through the same path `pkgcli fetch` uses."""
    from pkgcli.errors import NotFound, UpstreamError
    from pkgcli.models import FetchReport, is_valid_slug
    from pkgcli.sync import fetch_packages

    guesses = [n for n in names if is_valid_slug(n)]
    if guesses:
        # none of the guesses on Django Packages: they stay unmapped
        with contextlib.suppress(NotFound, UpstreamError):
            fetch_packages(ctx.store, ctx.dp_client(), guesses, FetchReport())


def _refresh(ctx: Any, ids: list[int]) -> None:
    from pkgcli.refresh import refresh_sources

    if ids:
        refresh_sources(ctx, ids, ("github", "pypi"), progress=lambda *_: None)


def pinned_advisories(ctx: Any, name: str, version: str) -> list[str] | None:
    """Advisory ids PyPI lists for one release (`/pypi/NAME/VERSION/json`); None: not known."""
    from pkgcli.errors import UpstreamError
    from pkgcli.refresh import Refresh
    from pkgcli.sources.pypi import parse_advisories

    # `===` pins any string: only a plain version may become a URL path segment.
    if not _PLAIN_VERSION.fullmatch(version) or not _PLAIN_VERSION.fullmatch(name):
        return None
    client = Refresh(ctx, ("pypi",), lambda *_: None).pypi()
    url = f"{client.base_url}/pypi/{name}/{version}/json"
    try:
        answer = client.get(
            url,
            None,
            lambda doc, _: (
                parse_advisories(doc.get("vulnerabilities")) if isinstance(doc, dict) else None
            ),
        )
    except UpstreamError:
        return None
    return answer.data if answer.status == 200 and isinstance(answer.data, list) else None


def judge(
    ctx: Any, project: Project, *, django: str | None, offline: bool, list_all: bool
) -> CheckResult:
    """Every dependency of `project`, judged (see the module docstring)."""
    from datetime import UTC, datetime

    from pkgcli.compat import django_support
    from pkgcli.health import context, evaluate
    from pkgcli.models import is_valid_slug
    from pkgcli.service import package_views

    store, api_url = ctx.store, ctx.settings.api_url
    hctx = context(ctx.settings.db_path, datetime.now(UTC))
    django = django or project_django(project, [c.cycle for c in hctx.eol.django])
    deps = [d for d in project.dependencies if d.name != "django"]
    wanted = {d.name for d in deps}
    index = pypi_index(store, wanted)
    result = CheckResult([], django, len(deps), 0, project.skipped)
    if not offline:
        missing = [d.name for d in deps if d.name not in index and is_valid_slug(d.name)]
        _fetch_missing(ctx, missing)
        index = pypi_index(store, wanted)
    mapped_rows = {d.name: index[d.name] for d in deps if d.name in index}
    rows_by_id = {r["id"]: r for r in mapped_rows.values()}
    views = {v["id"]: v for v in package_views(store, list(rows_by_id.values()), api_url)}
    if not offline:
        stale = [pid for pid, v in views.items() if _stale(v, hctx.now)]
        _refresh(ctx, stale)
        if stale:
            refreshed = package_views(store, [rows_by_id[i] for i in stale], api_url)
            views.update({v["id"]: v for v in refreshed})
    alternatives = AlternativePool(store, api_url)
    alternatives.prefetch(list(views.values()), django, hctx.now)
    for dep in deps:
        row = mapped_rows.get(dep.name)
        if row is None:
            if list_all:
                result.rows.append(_unmapped(dep))
            continue
        result.mapped += 1
        view = views[row["id"]]
        health = evaluate(view, hctx)
        support = django_support(view, django) if django else None
        result.rows.append(
            {
                "requirement": dep.requirement,
                "name": dep.name,
                "pinned": dep.pinned,
                "slug": view["slug"],
                "verdict": health["verdict"],
                "reasons": health["reasons"],
                "archived": view.get("archived"),
                "django": django,
                "django_supported": None if support is None else support == "supported",
                "advisories": _advisories(ctx, dep, view, offline),
                "alternatives": _better(view, alternatives, django, hctx.now),
                "origin": dep.origin,
            }
        )
    return result


def _unmapped(dep: Dependency) -> dict[str, Any]:
    return {
        "requirement": dep.requirement,
        "name": dep.name,
        "pinned": dep.pinned,
        "slug": None,
        "verdict": None,
        "reasons": ["not on Django Packages"],
        "archived": None,
        "django": None,
        "django_supported": None,
        "advisories": [],
        "alternatives": [],
        "origin": dep.origin,
    }


def _advisories(ctx: Any, dep: Dependency, view: dict[str, Any], offline: bool) -> list[str] | None:
    """For the pinned version when one is pinned (online: asked of PyPI; offline: known only
    when it is the latest release), else for the latest release."""
    latest = view.get("advisories")
    if dep.pinned is None or dep.pinned == view.get("pypi_version"):
        return latest if isinstance(latest, list) else None
    if offline:
        return None
    return pinned_advisories(ctx, dep.name, dep.pinned)


class AlternativePool:
    """Candidates for `alternatives`, viewed lazily: a package's score is at most its star
    count, so candidates are tried by their highest known star count (Django Packages,
    GitHub or forge), and only those that could beat the dependency are ever viewed."""

    def __init__(self, store: Any, api_url: str) -> None:
        self.store, self.api_url = store, api_url
        self.views: dict[int, dict[str, Any]] = {}
        self.known: dict[int, tuple[int, Any] | None] = {}
        self.grids: dict[int, list[int]] = {}
        self.ranked: dict[int, list[int]] = {}

    def members(self, grid_ids: set[int]) -> set[int]:
        ids: set[int] = set()
        for grid_id in sorted(grid_ids):
            if grid_id not in self.grids:
                self.grids[grid_id] = self.store.grid_package_ids(grid_id)
            ids.update(self.grids[grid_id])
        return ids

    def _load(self, ids: set[int]) -> None:
        """Star bound and declared Django text of these packages, in one query per 500."""
        missing = sorted(i for i in ids if i not in self.known)
        for row in self.store._rows_for_ids(
            "SELECT p.id AS id, MAX(COALESCE(p.repo_watchers, 0), COALESCE(g.stars, 0), "
            "COALESCE(f.stars, 0)) AS stars, y.django_versions AS django FROM packages p "
            "LEFT JOIN github_repos g ON g.package_id = p.id "
            "LEFT JOIN forge_repos f ON f.package_id = p.id "
            "LEFT JOIN pypi_projects y ON y.package_id = p.id "
            "WHERE p.id IN ({marks}) AND p.gone_at IS NULL",
            missing,
        ):
            self.known[row["id"]] = (int(row["stars"]), row["django"])
        for pid in missing:
            self.known.setdefault(pid, None)  # gone upstream, or not mirrored

    def star_bound(self, pid: int) -> int:
        info = self.known.get(pid)
        return info[0] if info else 0

    def by_stars(self, ids: set[int], django: str | None) -> list[tuple[int, int]]:
        """(highest known stars, id), highest first; with `django`, only packages whose
        PyPI classifiers (the only source of `django_versions`) can declare it."""
        self._load(ids)
        major = django.split(".")[0] if django else ""
        found = []
        for pid in ids:
            info = self.known.get(pid)
            if info is None:
                continue
            stars, declared = info
            if django and not (
                isinstance(declared, str) and (django in declared or major in declared)
            ):
                continue
            found.append((stars, pid))
        return sorted(found, reverse=True)

    def candidates(self, view: dict[str, Any], django: str | None, now: Any) -> list[int]:
        """Ids that could beat `view` (star bound above its score), most stars first."""
        if view["id"] in self.ranked:
            return self.ranked[view["id"]]
        grids = {g["id"] for g in (view.get("pkgcli") or {}).get("grids") or []}
        own = score_of(view, now)
        ranked = self.by_stars(self.members(grids) - {view["id"]}, django)
        self.ranked[view["id"]] = [pid for stars, pid in ranked if stars > own]
        return self.ranked[view["id"]]

    def prefetch(self, views: list[dict[str, Any]], django: str | None, now: Any) -> None:
        """View the first candidates of every dependency at once (a few queries in all)."""
        wanted: list[int] = []
        for view in views:
            wanted += self.candidates(view, django, now)[:CHUNK]
        self.view(list(dict.fromkeys(wanted)))

    def view(self, ids: list[int]) -> None:
        """Light views of these packages: only what the alternatives rule reads (stars, last
        commit, Python and Django versions, archived), merged from the sources exactly as
        `show` merges them (`merge.pick`), on upstream values (edits aside)."""
        from pkgcli.merge import pick

        missing = [i for i in ids if i not in self.views]
        if not missing:
            return
        layers = self.store.source_layers(missing)
        for row in self.store.packages_by_ids(missing):
            base = {"slug": row["slug"], "id": row["id"]}
            dp = {"repo_watchers": row["repo_watchers"], "last_updated": row["last_updated"]}
            merged = {"djangopackages": {"fetched_at": row["fetched_at"]}, **layers[row["id"]]}
            for name in LIGHT_FIELDS:
                base[name] = pick(name, dp, merged)[0]
            self.views[row["id"]] = base


def score_of(view: dict[str, Any], now: Any) -> int:
    from pkgcli.fields import PACKAGES

    value = PACKAGES["score"].value(view, now)
    return int(value) if isinstance(value, int) else 0


def _better(view: dict[str, Any], pool: AlternativePool, django: str | None, now: Any) -> list[str]:
    """Up to three packages from its grids: higher score, not archived, and declaring the
    project's Django version (when the project's Django is known)."""
    from pkgcli.compat import django_support

    own = score_of(view, now)
    ids = pool.candidates(view, django, now)
    candidates = [(pool.star_bound(pid), pid) for pid in ids]
    found: list[tuple[int, str]] = []
    for start in range(0, len(candidates), CHUNK):
        chunk = candidates[start : start + CHUNK]
        pool.view([pid for _, pid in chunk])
        for _, pid in chunk:
            other = pool.views.get(pid)
            if other is None or other.get("archived") is True:
                continue
            if django and django_support(other, django) != "supported":
                continue
            score = score_of(other, now)
            if score > own:
                found.append((score, other["slug"]))
        later = candidates[start + CHUNK : start + CHUNK + 1]
        # a score never exceeds the stars: no later candidate can beat the three found
        if later and len(found) >= MAX_ALTERNATIVES:
            third = sorted((s for s, _ in found), reverse=True)[MAX_ALTERNATIVES - 1]
            if third >= later[0][0]:
                break
    found.sort(key=lambda item: (-item[0], item[1]))
    return [slug for _, slug in found[:MAX_ALTERNATIVES]]
