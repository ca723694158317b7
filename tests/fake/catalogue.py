"""The records a fake Django Packages API v4 serves, and three ways to fill them.

Owns `Catalogue` (categories, grids and packages stored exactly in the v4 JSON shape, link
fields as absolute URLs on the real upstream host), a deterministic synthetic generator shaped
like the real catalogue with its oddities at realistic rates, a loader for the real captured
records in a fixtures directory (plus stub grids, categories and packages for every id those
records link to), and `merge`, which lets the real records win over synthetic ones.

Standard library only: this module is imported by tests and benchmarks, never by pkgcli.
"""

from __future__ import annotations

import bisect
import itertools
import json
import os
import random
import re
import sys
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .lazy import LazyMap, peek

Record = dict[str, Any]

API_BASE = "https://djangopackages.org/api/v4"
WWW_API_BASE = "https://www.djangopackages.org/api/v4"
FORMAT_API = "?format=api"

# The v4 contract restated here on purpose, not imported from pkgcli.models: the fake
# must not share a mistake with the code it tests.
PACKAGE_KEYS = (
    "category",
    "grids",
    "id",
    "title",
    "slug",
    "last_updated",
    "last_fetched",
    "repo_url",
    "pypi_version",
    "created",
    "modified",
    "repo_forks",
    "repo_description",
    "pypi_url",
    "documentation_url",
    "repo_watchers",
    "commits_over_52",
    "participants",
)
# Key order as the real API serialises a grid (packages before header).
GRID_KEYS = (
    "id",
    "title",
    "slug",
    "description",
    "is_locked",
    "packages",
    "header",
    "created",
    "modified",
)
CATEGORY_KEYS = (
    "id",
    "title",
    "slug",
    "description",
    "title_plural",
    "show_pypi",
    "created",
    "modified",
)

# "Today" for the synthetic data: every generated timestamp is at or before this instant.
REFERENCE_NOW = datetime(2026, 2, 15, 20, 0, 0, tzinfo=UTC)

SLUG_MAX = 50
MAX_GRIDS_PER_PACKAGE = 6
MAX_GRID_SIZE = 250

_SEARCH_PREFIX = "django"
_PREFIX_SEPARATORS = ("_", ",", ".", "-", " ", "/", "|")


# --------------------------------------------------------------------------- links


def api_link(kind: str, obj_id: int, *, base: str = API_BASE, suffix: str = "") -> str:
    """An absolute v4 link such as `https://djangopackages.org/api/v4/grids/7/?format=api`.

    Interned: a 100,000-package catalogue repeats each category and grid link thousands of
    times, and one shared string per link keeps the generated fake's memory modest.
    """
    return sys.intern(f"{base}/{kind}/{obj_id}/{suffix}")


def link_id(url: str) -> int | None:
    """The trailing integer of a link's path (query string and host ignored), or None."""
    tail = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else None


def _link_style(url: str | None) -> tuple[str, str]:
    """(base, suffix) of an existing link, so new links in a record match its style."""
    if not url:
        return API_BASE, ""
    parts = urlsplit(url)
    marker = parts.path.find("/api/v4")
    path = parts.path[: marker + len("/api/v4")] if marker >= 0 else "/api/v4"
    base = f"{parts.scheme}://{parts.netloc}{path}"
    return base, f"?{parts.query}" if parts.query else ""


def slugify(value: str) -> str:
    """Django's `slugify` (ASCII only)."""
    value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    value = re.sub(r"[^\w\s-]", "", value.lower())
    return re.sub(r"[-\s]+", "-", value).strip("-_")


def remove_search_prefix(value: str) -> str:
    """Upstream's searchv2 `remove_prefix`: drop `django-`, `django_`, ... anywhere."""
    value = value.lower()
    for char in _PREFIX_SEPARATORS:
        value = value.replace(f"{_SEARCH_PREFIX}{char}", "")
    return value


def clean_title(value: str) -> str:
    """Upstream's searchv2 `clean_title`: slugified, separators removed."""
    value = slugify(value)
    for char in _PREFIX_SEPARATORS:
        value = value.replace(char, "")
    return value


def unique_slug(slug: str, taken: dict[str, Any] | set[str], tag: int | str) -> str:
    """`slug` if free, else `slug` cut to make room for `-<tag>` (then `-<tag>-2`, ...)."""
    candidate, n = slug, 1
    while candidate in taken:
        suffix = f"-{tag}" if n == 1 else f"-{tag}-{n}"
        candidate = slug[: SLUG_MAX - len(suffix)] + suffix
        n += 1
    return candidate


# --------------------------------------------------------------------------- catalogue


@dataclass
class Catalogue:
    """Categories, grids and packages keyed by id, each record in the exact v4 JSON shape.

    The dicts are live: a server built on this catalogue serves whatever they hold at the
    time of each request. Use the methods to keep grid membership consistent in both
    directions (a package's `grids` and a grid's `packages`).
    """

    categories: dict[int, Record] = field(default_factory=dict)
    grids: dict[int, Record] = field(default_factory=dict)
    packages: dict[int, Record] = field(default_factory=dict)
    _slug_index: dict[str, dict[str, int]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    # -- lookups

    def package_by_slug(self, slug: str) -> Record | None:
        return self._by_slug("packages", self.packages, slug)

    def grid_by_slug(self, slug: str) -> Record | None:
        return self._by_slug("grids", self.grids, slug)

    def _by_slug(self, kind: str, table: dict[int, Record], slug: str) -> Record | None:
        # The index is validated on every hit and rebuilt on a miss, so direct edits to
        # the live dicts (a changed slug, a new record) are always seen.
        index = self._slug_index.get(kind)
        if index is not None:
            record = table.get(index.get(slug, -1))
            if record is not None and record.get("slug") == slug:
                return record
        index = {peek(table, rid, "slug", ""): rid for rid in list(table)}
        self._slug_index[kind] = index
        record = table.get(index.get(slug, -1))
        return record if record is not None and record.get("slug") == slug else None

    # -- edits

    def add_category(self, record: Record) -> Record:
        self.categories[int(record["id"])] = record
        return record

    def add_grid(self, record: Record) -> Record:
        """Add or replace a grid and add it to the `grids` of every package it lists."""
        gid = int(record["id"])
        if gid in self.grids:
            self._unlink_grid(gid)
        self.grids[gid] = record
        for url in record["packages"]:
            package = self.packages.get(link_id(url) or -1)
            if package is not None:
                _add_link(package, "grids", "grids", gid)
        return record

    def remove_grid(self, grid_id: int) -> Record:
        record = self.grids.pop(grid_id)
        self._unlink_grid(grid_id)
        return record

    def add_package(self, record: Record) -> Record:
        """Add or replace a package and add it to the `packages` of every grid it lists."""
        pid = int(record["id"])
        if pid in self.packages:
            self._unlink_package(pid)
        self.packages[pid] = record
        for url in record["grids"]:
            grid = self.grids.get(link_id(url) or -1)
            if grid is not None:
                _add_link(grid, "packages", "packages", pid)
        return record

    def remove_package(self, package_id: int) -> Record:
        record = self.packages.pop(package_id)
        self._unlink_package(package_id)
        return record

    def _unlink_package(self, package_id: int, keep: Iterable[int] = ()) -> None:
        kept = set(keep)
        for gid, grid in self.grids.items():
            if gid not in kept:
                _drop_link(grid, "packages", package_id)

    def _unlink_grid(self, grid_id: int) -> None:
        # Through peek: a lazy package's not-yet-made record shares its head's list.
        for pid in list(self.packages):
            links = peek(self.packages, pid, "grids")
            if isinstance(links, list) and any(link_id(u) == grid_id for u in links):
                links[:] = [u for u in links if link_id(u) != grid_id]

    def relink(self) -> None:
        """Make grid membership symmetric: add every missing back-link (never removes one)."""
        for pid, package in self.packages.items():
            for url in package["grids"]:
                grid = self.grids.get(link_id(url) or -1)
                if grid is not None:
                    _add_link(grid, "packages", "packages", pid)
        for gid, members in self.grids.items():
            for url in members["packages"]:
                member = self.packages.get(link_id(url) or -1)
                if member is not None:
                    _add_link(member, "grids", "grids", gid)

    # -- checks and copies

    def unresolved_links(self) -> list[str]:
        """Every link (category, grids, grid packages) whose id is not in the catalogue."""
        missing: list[str] = []
        for package in self.packages.values():
            if link_id(package["category"]) not in self.categories:
                missing.append(package["category"])
            missing += [u for u in package["grids"] if link_id(u) not in self.grids]
        for grid in self.grids.values():
            missing += [u for u in grid["packages"] if link_id(u) not in self.packages]
        return missing

    def copy(self) -> Catalogue:
        """An independent copy (records and their lists copied; values are immutable)."""
        return Catalogue(
            categories={k: _copy_record(v) for k, v in self.categories.items()},
            grids={k: _copy_record(v) for k, v in self.grids.items()},
            packages={k: _copy_record(v) for k, v in self.packages.items()},
        )


def _copy_record(record: Record) -> Record:
    return {k: list(v) if isinstance(v, list) else v for k, v in record.items()}


def _add_link(record: Record, key: str, kind: str, target_id: int) -> None:
    links: list[str] = record[key]
    if any(link_id(u) == target_id for u in links):
        return
    style = record.get("category") if key == "grids" else (links[0] if links else None)
    base, suffix = _link_style(style)
    links.append(api_link(kind, target_id, base=base, suffix=suffix))


def _drop_link(record: Record, key: str, target_id: int) -> None:
    links: list[str] = record[key]
    if any(link_id(u) == target_id for u in links):
        links[:] = [u for u in links if link_id(u) != target_id]


def new_package_record(
    package_id: int,
    slug: str,
    *,
    title: str | None = None,
    category: int = 1,
    grids: Sequence[int] = (),
    **fields: Any,
) -> Record:
    """A complete 18-key package record with plain defaults; `fields` override any key."""
    stamp = "2026-02-15T14:23:25.981491-05:00"
    record: Record = {
        "category": api_link("categories", category),
        "grids": [api_link("grids", g) for g in grids],
        "id": package_id,
        "title": title if title is not None else slug,
        "slug": slug,
        "last_updated": stamp,
        "last_fetched": stamp,
        "repo_url": f"https://github.com/example/{slug}",
        "pypi_version": "1.0.0",
        "created": stamp,
        "modified": stamp,
        "repo_forks": 0,
        "repo_description": "",
        "pypi_url": f"https://pypi.org/project/{slug}/",
        "documentation_url": "",
        "repo_watchers": 0,
        "commits_over_52": [],
        "participants": [],
    }
    unknown = set(fields) - set(PACKAGE_KEYS)
    if unknown:
        raise ValueError(f"not package keys: {sorted(unknown)}")
    record.update(fields)
    return record


# --------------------------------------------------------------------------- merge and fixtures


def merge(*catalogues: Catalogue) -> Catalogue:
    """One catalogue from several (copied). A later catalogue wins on an id collision, its
    records are kept intact, and an earlier record holding one of its slugs is renamed
    (`<slug>-<id>`). Links to a replaced record from earlier ones are dropped, then missing
    back-links are added, so membership stays symmetric.
    """
    out = Catalogue()
    for catalogue in catalogues:
        incoming = catalogue.copy()
        out.categories.update(incoming.categories)
        for gid, grid in incoming.grids.items():
            if gid in out.grids:
                out._unlink_grid(gid)
            out.grids[gid] = grid
        for pid, package in incoming.packages.items():
            if pid in out.packages:
                out._unlink_package(pid, keep=incoming.grids)
            out.packages[pid] = package
        _rename_clashing_slugs(out.packages, incoming.packages)
        _rename_clashing_slugs(out.grids, incoming.grids)
    out.relink()
    return out


def _rename_clashing_slugs(table: dict[int, Record], winners: dict[int, Record]) -> None:
    taken = {rec["slug"]: rid for rid, rec in table.items() if rid in winners}
    for rid, rec in table.items():
        if rid not in winners and rec["slug"] in taken:
            rec["slug"] = unique_slug(rec["slug"], taken, rid)
            taken[rec["slug"]] = rid


def _record_kind(obj: Any) -> str | None:
    if not isinstance(obj, dict) or not isinstance(obj.get("id"), int):
        return None
    keys = set(obj)
    for kind, expected in (
        ("packages", PACKAGE_KEYS),
        ("grids", GRID_KEYS),
        ("categories", CATEGORY_KEYS),
    ):
        if keys == set(expected):
            return kind
    return None


def load_fixture_records(fixtures_dir: str | os.PathLike[str]) -> Catalogue:
    """The v4-shaped records found in `fixtures_dir/*.json`, exactly as captured.

    Paginated envelopes contribute their `results`; single-record files are read last and
    win. Files of another shape (v3 docs, search hits) are ignored. No stubs are added.
    """
    catalogue = Catalogue()
    paths = sorted(Path(fixtures_dir).glob("*.json"))
    documents = [json.loads(p.read_text(encoding="utf-8")) for p in paths]
    envelopes = [d for d in documents if isinstance(d, dict) and "results" in d]
    singles = [d for d in documents if not (isinstance(d, dict) and "results" in d)]
    for obj in [r for env in envelopes for r in env["results"]] + singles:
        kind = _record_kind(obj)
        if kind is not None:
            getattr(catalogue, kind)[obj["id"]] = obj
    return catalogue


def load_fixture_catalogue(fixtures_dir: str | os.PathLike[str]) -> Catalogue:
    """The real records from `fixtures_dir`, plus stubs so that every link resolves."""
    catalogue = load_fixture_records(fixtures_dir)
    add_link_stubs(catalogue)
    return catalogue


# Stub titles for the grids the real fixture records link to (the real titles were not
# captured; these are plausible, and marked as stubs in their description).
_STUB_GRIDS: dict[int, tuple[str, str]] = {
    7: ("Authentication", "authentication"),
    11: ("Debugging", "debugging"),
    21: ("Developer Tools", "developer-tools"),
    113: ("Profiling", "profiling"),
    125: ("OAuth", "oauth"),
    126: ("OAuth Providers", "oauth-providers"),
    245: ("API Authentication", "api-authentication"),
    306: ("REST Framework Authentication", "rest-framework-authentication"),
}
_CATEGORIES: tuple[tuple[str, str, str, str], ...] = (
    (
        "App",
        "apps",
        "Apps",
        "Small components used to build projects. An app is anything that is installed by "
        "placing in settings.INSTALLED_APPS.",
    ),
    (
        "Framework",
        "frameworks",
        "Frameworks",
        "Large efforts that combine many python modules or apps. Examples include Django, "
        "Pinax, and Satchmo. Most CMS falls into this category.",
    ),
    (
        "Project",
        "projects",
        "Projects",
        "Individual projects such as blogs, e-commerce sites, and games.",
    ),
    ("Other", "other", "Other", "Other are not installed by pip."),
)
_STUB_STAMP = "2013-06-03T04:43:56.566417-04:00"


def category_record(category_id: int) -> Record:
    """The category with this id: the four real ones for 1-4, `Category N` beyond."""
    if 1 <= category_id <= len(_CATEGORIES):
        title, slug, plural, description = _CATEGORIES[category_id - 1]
    else:
        title, slug = f"Category {category_id}", f"category-{category_id}"
        plural, description = f"Categories {category_id}", ""
    return {
        "id": category_id,
        "title": title,
        "slug": slug,
        "description": description,
        "title_plural": plural,
        "show_pypi": category_id != 4,
        "created": "2010-08-14T22:47:52-04:00",
        "modified": "2022-03-04T21:48:41.249944-05:00",
    }


def add_link_stubs(catalogue: Catalogue, seed: int = 0) -> None:
    """Add a stub category, grid or package for every link that does not resolve."""
    for package in list(catalogue.packages.values()):
        cid = link_id(package["category"])
        if cid is not None and cid not in catalogue.categories:
            catalogue.categories[cid] = category_record(cid)
        for url in package["grids"]:
            gid = link_id(url)
            if gid is not None and gid not in catalogue.grids:
                catalogue.grids[gid] = _stub_grid(gid, catalogue)
    synth = _Synth(seed)
    for grid in list(catalogue.grids.values()):
        for url in grid["packages"]:
            pid = link_id(url)
            if pid is not None and pid not in catalogue.packages:
                catalogue.packages[pid] = _stub_package(pid, synth, catalogue)
    catalogue.relink()


def _stub_grid(grid_id: int, catalogue: Catalogue) -> Record:
    title, slug = _STUB_GRIDS.get(grid_id, (f"Grid {grid_id}", f"grid-{grid_id}"))
    return {
        "id": grid_id,
        "title": title,
        "slug": unique_slug(slug, {g["slug"] for g in catalogue.grids.values()}, grid_id),
        "description": f"{title} (stub: the real grid was not captured).",
        "is_locked": False,
        "packages": [],
        "header": False,
        "created": _STUB_STAMP,
        "modified": _STUB_STAMP,
    }


def _stub_package(package_id: int, synth: _Synth, catalogue: Catalogue) -> Record:
    slug, title = synth.name()
    slug = unique_slug(slug, {p["slug"] for p in catalogue.packages.values()}, package_id)
    category = 1 if 1 in catalogue.categories else next(iter(catalogue.categories), 1)
    if category not in catalogue.categories:
        catalogue.categories[category] = category_record(category)
    return synth.package(package_id, synth.package_head(package_id, slug, title, category))


# --------------------------------------------------------------------------- generator


def generate_catalogue(
    n_packages: int = 6000,
    n_grids: int = 400,
    n_categories: int = 4,
    seed: int = 0,
    *,
    fixtures: str | os.PathLike[str] | None = None,
) -> Catalogue:
    """A deterministic synthetic catalogue shaped like the real one (oddities included).

    Ids have gaps (up to about `n_packages * 1.05`); at least one grid holds 200+ packages
    when there are that many. Packages are a `LazyMap`: ids, slugs, titles, links and URLs
    are drawn up front, every other field from the package's own seeded Random when the
    record is first read, so 100,000 packages are ready in seconds and cost memory only
    as they are served. With `fixtures`, the real records from that directory are
    merged in (real ids win, slugs kept unique) and stubs fill any link left unresolved.
    """
    if n_packages < 0 or n_grids < 0 or n_categories < 1:
        raise ValueError("need n_packages >= 0, n_grids >= 0 and n_categories >= 1")
    synth = _Synth(seed)
    catalogue = Catalogue()
    for cid in range(1, n_categories + 1):
        catalogue.categories[cid] = category_record(cid)
    package_ids = sorted(synth.rng.sample(range(1, round(n_packages * 1.05) + 2), n_packages))
    grid_ids = sorted(synth.rng.sample(range(1, int(n_grids * 1.1) + 2), n_grids))
    # Eagerly only what routing and indexing need (the "head": slug, title, links, URLs);
    # each package's other fields are drawn from its own seeded Random when first read.
    heads: dict[int, Record] = {}
    taken: set[str] = set()
    for pid in package_ids:
        slug, title = synth.name()
        for _ in range(8):  # draw again rather than pile up `-<id>` suffixes
            if slug not in taken:
                break
            slug, title = synth.name()
        slug = unique_slug(slug, taken, pid)
        taken.add(slug)
        heads[pid] = synth.package_head(pid, slug, title, synth.category(n_categories))
    grid_slugs: set[str] = set()
    for gid in grid_ids:
        grid = synth.grid(gid)
        grid["slug"] = unique_slug(grid["slug"], grid_slugs, gid)
        grid_slugs.add(grid["slug"])
        catalogue.grids[gid] = grid
    synth.assign_grids(catalogue.grids, heads, package_ids, grid_ids)
    catalogue.packages = LazyMap(heads, synth.package)  # type: ignore[assignment]
    if fixtures is not None:
        catalogue = merge(catalogue, load_fixture_records(fixtures))
        add_link_stubs(catalogue, seed)
    return catalogue


def _new_york() -> tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("America/New_York")
    except Exception:  # ZoneInfoNotFoundError, or no tzdata at all
        return timezone(timedelta(hours=-5))


_WORDS_TEXT = (
    "admin auth oauth rest api cache cms forms filter tables storages celery channels "
    "graphql health check debug toolbar extensions import export money tags taggit model "
    "utils audit log history reversion guardian permissions rules otp two-factor allauth "
    "social jwt cors csp security ratelimit robots sitemap seo i18n translation "
    "modeltranslation countries phonenumber address geo gis maps leaflet upload file image "
    "thumbnail imagekit s3 media video markdown wysiwyg ckeditor tinymce summernote comments "
    "notifications messages mail email templated sms push webhook payments stripe paypal shop "
    "cart orders invoice search haystack elasticsearch autocomplete select2 htmx components "
    "bootstrap tailwind crispy widget tweaks compressor pipeline webpack vite static sass "
    "environ settings configurations constance dbbackup migrations postgres mysql mongodb "
    "redis queue rq cron scheduler tasks workflow fsm polymorphic mptt treebeard tree ordered "
    "sortable json fields encrypted hashid uuid autoslug factory pytest silk profiler "
    "querycount sentry logging prometheus metrics analytics tracking flags waffle maintenance "
    "cookie consent gdpr session user accounts registration profile avatar invitations teams "
    "tenants sites blog wiki forum newsletter polls survey calendar events booking lite "
    "simple easy smart super extra plus pro"
)
_WORDS = tuple(_WORDS_TEXT.split())

_TOPICS_TEXT = (
    "Authentication|OAuth|API Authentication|Permissions|Two-factor|Caching|CMS|Blogs|"
    "Forums|Wikis|Admin interface|Admin themes|REST frameworks|GraphQL|Forms|Form widgets|"
    "Rich text editors|Markdown|Search|Autocomplete|Payments|E-commerce|Invoicing|Tagging|"
    "Comments|Notifications|Email|SMS|Task queues|Scheduling|Static assets|Asset pipelines|"
    "Image handling|Thumbnails|File storage|Uploads|Internationalization|Translations|"
    "Geolocation|Maps|Testing|Fixtures|Test factories|Debugging|Profiling|Logging|Monitoring|"
    "Health checkers|Security|Rate limiting|CORS|Content security|Feature flags|Multi-tenancy|"
    "Multi-site|User registration|User profiles|Social auth|Model fields|Encrypted fields|"
    "Trees|Ordering|Versioning|Audit logs|Database backups|Migrations|Settings|Configuration|"
    "Deployment|Docker|Serverless|Websockets|Async|Realtime|HTMX|Frontend|Templates|"
    "Template tags|Pagination|Filtering|Tables|Import and export|Data visualisation|Charts|"
    "Calendars|Events|Booking|Newsletters|Polls|Surveys|SEO|Sitemaps|Analytics|GDPR|Cookies"
)
_TOPICS = tuple(_TOPICS_TEXT.split("|"))
_TOPIC_QUALIFIERS = ("", "", "", "backends", "tools", "helpers", "for DRF", "for Wagtail")

_NON_ASCII = (
    "Gestión de usuarios para Django — fácil y rápido.",
    "Einfache Übersetzungen für Django-Modelle.",
    "Django 中文 文档 工具",
    "🚀 Blazing fast caching for Django ✨",
    "Réservations et café, à la française.",
    "Поддержка Django для кириллицы.",
    "Ünïcödé-safe slugs for Django 🐍",
)
_BOTS = (
    "dependabot[bot]",
    "pre-commit-ci[bot]",
    "github-actions[bot]",
    "renovate[bot]",
    "allcontributors[bot]",
    "dependabot-preview[bot]",
)
_FIRST_TEXT = (
    "ana ben carl dana eli fay gus hana ivan jana kim lars mia nils olga paul quinn rosa "
    "sam tara ugo vera will xena yuri zoe adam bart cleo dirk emma finn"
)
_FIRST = tuple(_FIRST_TEXT.split())
_LAST_TEXT = (
    "smith garcia müller rossi tanaka kowalski novak silva dubois jensen ivanov kim "
    "olsen weber moreau lopez nakamura berg hansen costa"
)
_LAST = tuple(_LAST_TEXT.split())
_ORGS = ("jazzband", "django", "wagtail", "encode", "torchbox", "divio", "pinax", "evonove")
_VERSIONS_TEXT = (
    "1.0.0 0.1 0.4.2 2.0.0b1 3.2.0 1.0.0rc2 2024.1.5 0.1.dev3 4.3.0 1.12 5.0.1 0.9.8 "
    "2.3.1.post1 1.0a1 3.0"
)
_VERSIONS = tuple(_VERSIONS_TEXT.split())


def _cumulative(weights: Sequence[int]) -> tuple[int, ...]:
    return tuple(itertools.accumulate(weights))


_CUM_WORDS = _cumulative((30, 52, 18))
_CUM_TAIL = _cumulative((95, 3, 2))
_CUM_PYPI = _cumulative((55, 3, 25, 10, 7))


def _pick(rng: random.Random, population: Sequence[Any], cum_weights: Sequence[int]) -> Any:
    """`rng.choices(population, weights)[0]`, same draw, without re-adding the weights."""
    return population[
        bisect.bisect(cum_weights, rng.random() * cum_weights[-1], 0, len(population) - 1)
    ]


class _Synth:
    """The random choices behind `generate_catalogue`, drawn from one seeded Random."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.tz = _new_york()
        self.logins = self._login_pool(3000)
        self.titles: list[str] = []

    def _login_pool(self, size: int) -> list[str]:
        rng, pool, seen = self.rng, list[str](), set[str]()
        while len(pool) < size:
            first, last = rng.choice(_FIRST), slugify(rng.choice(_LAST))
            pattern = rng.randrange(6)
            login = (
                f"{first}{last}",
                f"{first[0]}{last}",
                f"{first}-{last}",
                f"{first}{rng.randint(1, 99)}",
                f"{first.title()}{last.title()}",
                f"{last}{first[0]}{rng.randint(0, 9)}",
            )[pattern]
            if login not in seen:
                seen.add(login)
                pool.append(login)
        return pool

    # -- time

    def moment(self, start: datetime, end: datetime) -> datetime:
        span = max(0, int((end - start).total_seconds()))
        return start + timedelta(seconds=self.rng.randint(0, span))

    def stamp(self, when: datetime, micro_rate: float = 0.85) -> str:
        """ISO-8601 in New York local time, with the offset right for that date."""
        if self.rng.random() < micro_rate:
            local = when.replace(microsecond=self.rng.randint(1, 999_999)).astimezone(self.tz)
            return local.isoformat(timespec="microseconds")
        return when.astimezone(self.tz).isoformat(timespec="seconds")

    # -- names and text

    def name(self) -> tuple[str, str]:
        """(slug, title) for a new package; the slug may still need de-duplicating."""
        rng = self.rng
        words = [rng.choice(_WORDS) for _ in range(_pick(rng, (1, 2, 3), _CUM_WORDS))]
        roll = rng.random()
        parts = (
            ["django", *words]
            if roll < 0.62
            else ["dj", *words]
            if roll < 0.69
            else [*words, "django"]
            if roll < 0.77
            else ["wagtail", *words]
            if roll < 0.81
            else words
        )
        slug = "-".join(parts)
        if rng.random() < 0.012:  # a long name, cut at 50 like upstream's SlugField
            while len(slug) <= SLUG_MAX + 5:
                slug += "-" + rng.choice(_WORDS)
            slug = slug[:SLUG_MAX]
        if rng.random() < 0.05:
            slug = slug.replace("-", "_") if rng.random() < 0.5 else slug.replace("-", "_", 1)
        return slug, self.title(slug, words)

    def title(self, slug: str, words: list[str]) -> str:
        rng, roll = self.rng, self.rng.random()
        if roll < 0.04 and self.titles:
            title = rng.choice(self.titles)  # titles are not unique
        elif roll < 0.09:
            title = "Dj" + rng.choice(_WORDS).title()  # disagrees with the slug
        elif roll < 0.12:
            flourish = rng.choice(("Café", "Über", "中文"))
            title = f"{' '.join(w.title() for w in words)} \u2013 {flourish}"
        elif roll < 0.40:
            title = " ".join(p.title() for p in re.split(r"[-_]", slug))
        elif roll < 0.48:
            title = "".join(p.title() for p in re.split(r"[-_]", slug))
        else:
            title = slug
        self.titles.append(title)
        return title[:100]

    def text(self, subject: str, empty_rate: float) -> str:
        rng = self.rng
        if rng.random() < empty_rate:
            return ""
        text = rng.choice(
            (
                f"A {rng.choice(_WORDS)} app for Django that handles {subject}.",
                f"{subject.capitalize()} for Django, the easy way",
                f'Reusable Django app: "{subject}" made simple',
                f"Django {subject} integration ({rng.choice(_WORDS)} support)",
                f"Provides {subject} and {rng.choice(_WORDS)} helpers for Django projects.",
            )
        )
        roll = rng.random()
        if roll < 0.04:
            text += "\r\nSee the docs for details.\r\n"
        elif roll < 0.08:
            text = text.replace(" ", "  ", 1)
        elif roll < 0.12:
            text += "  "
        elif roll < 0.18:
            text = rng.choice(_NON_ASCII) + " " + text
        elif roll < 0.21:
            text = text.replace("Django", '\\"Django\\"', 1)
        return text

    # -- package fields

    def repo_url(self, slug: str) -> str:
        rng, roll = self.rng, self.rng.random()
        owner = rng.choice(self.logins) if rng.random() < 0.8 else rng.choice(_ORGS)
        name = slug if rng.random() < 0.85 else slug.replace("django-", "")
        if roll < 0.05:
            return ""
        if roll < 0.86:
            if rng.random() < 0.12:
                owner = owner[:1].upper() + owner[1:]
            if rng.random() < 0.04:
                name = name.title()
            scheme = "http" if rng.random() < 0.05 else "https"
            tail = _pick(rng, ("", "/", ".git"), _CUM_TAIL)
            return f"{scheme}://github.com/{owner}/{name}{tail}"
        if roll < 0.91:
            groups = "/".join(
                rng.sample(("group", "team", "oss", "web", "libs"), rng.randint(1, 3))
            )
            return f"https://gitlab.com/{owner}/{groups}/{name}"
        if roll < 0.96:
            return f"https://bitbucket.org/{owner}/{name}" + ("/" if rng.random() < 0.5 else "")
        if roll < 0.985:
            return f"https://launchpad.net/{name}"
        return f"https://codeberg.org/{owner}/{name}"

    def pypi(self, slug: str) -> tuple[str, str | None]:
        """(pypi_url, pypi_version) in the free forms seen upstream."""
        rng, roll = self.rng, self.rng.random()
        version: str | None = rng.choice(_VERSIONS)
        name = slug
        if rng.random() < 0.06:
            name = slug.replace("-", "_") if rng.random() < 0.5 else slug.title()
        if roll < 0.14:
            return "", None
        if roll < 0.17:
            return "", version  # version set while the URL is empty
        if rng.random() < 0.03:
            version = None
        if rng.random() < 0.02:
            name = rng.choice(_WORDS)  # points at an unrelated project
        url = _pick(
            rng,
            (
                f"http://pypi.python.org/pypi/{name}",
                f"http://pypi.python.org/pypi/{name}/",
                f"https://pypi.org/project/{name}/",
                f"https://pypi.org/project/{name}",
                name,
            ),
            _CUM_PYPI,
        )
        return url, version

    def documentation_url(self, slug: str) -> str | None:
        roll = self.rng.random()
        if roll < 0.35:
            return ""
        if roll < 0.45:
            return None
        return self.rng.choice(
            (
                f"https://{slug}.readthedocs.io/en/latest/",
                f"https://readthedocs.org/projects/{slug}/",
                f"http://{slug}.readthedocs.org",
                f"https://github.com/{self.rng.choice(self.logins)}/{slug}#readme",
            )
        )

    def participants(self) -> list[str]:
        rng = self.rng
        if rng.random() < 0.15:
            return []
        count = min(300, max(1, int(rng.lognormvariate(1.5, 1.2))))
        people = rng.sample(self.logins, count)
        if rng.random() < 0.2:
            people.insert(rng.randint(0, len(people)), rng.choice(_BOTS))
        return people

    def commits(self, active: bool) -> list[int]:
        rng = self.rng
        if rng.random() < 0.2:
            return []
        weeks = [0] * 52
        busy = rng.randint(1, 40) if active else rng.choice((0, 0, 0, 1, 2))
        for week in rng.sample(range(52), busy):
            weeks[week] = rng.choice((1, 1, 1, 2, 3, 5, 8, 13, 40))
        return weeks

    def category(self, n_categories: int) -> int:
        weights = (85, 7, 6, 2)[:n_categories] + (1,) * max(0, n_categories - 4)
        category: int = _pick(self.rng, range(1, n_categories + 1), _cumulative(weights))
        return category

    def link_style(self) -> tuple[str, str]:
        base = WWW_API_BASE if self.rng.random() < 0.03 else API_BASE
        return base, FORMAT_API if self.rng.random() < 0.78 else ""

    def package_rng(self, package_id: int, part: int) -> random.Random:
        """The Random a package's head (part 0) or other fields (part 1) are drawn from."""
        return random.Random((self.seed * 2_000_003 + package_id) * 2 + part)

    def package_head(self, package_id: int, slug: str, title: str, category: int) -> Record:
        """The fields drawn up front: what routing, slug lookup and the fakes' indexes read."""
        base, suffix = self.link_style()
        self.rng, main = self.package_rng(package_id, 0), self.rng
        try:
            pypi_url, pypi_version = self.pypi(slug)
            repo_url = self.repo_url(slug)
        finally:
            self.rng = main
        return {
            "category": api_link("categories", category, base=base, suffix=suffix),
            "grids": [],
            "id": package_id,
            "title": title,
            "slug": slug,
            "repo_url": repo_url,
            "pypi_version": pypi_version,
            "pypi_url": pypi_url,
        }

    def package(self, package_id: int, head: Mapping[str, Any]) -> Record:
        """The whole record: the head plus fields from the package's own Random."""
        self.rng, main = self.package_rng(package_id, 1), self.rng
        try:
            return self._package_body(head)
        finally:
            self.rng = main

    def _package_body(self, head: Mapping[str, Any]) -> Record:
        rng, slug = self.rng, str(head["slug"])
        created = self.moment(datetime(2010, 8, 14, tzinfo=UTC), REFERENCE_NOW)
        last_updated: datetime | None = None
        if rng.random() >= 0.12:
            start = datetime(2008, 1, 1, tzinfo=UTC)
            if rng.random() < 0.6:  # most were touched after they were listed
                start = created
            last_updated = self.moment(start, REFERENCE_NOW)
        if rng.random() < 0.1:
            fetched: datetime | None = self.moment(
                datetime(2016, 1, 1, tzinfo=UTC), datetime(2023, 6, 1, tzinfo=UTC)
            )
        elif rng.random() < 0.01:
            fetched = None
        else:
            fetched = self.moment(REFERENCE_NOW - timedelta(days=30), REFERENCE_NOW)
        modified = self.moment(created, REFERENCE_NOW)
        participants = self.participants()
        watchers = 0 if rng.random() < 0.2 else int(rng.lognormvariate(4.0, 1.8))
        forks = int(watchers * rng.uniform(0.02, 0.3))
        if participants and rng.random() < 0.03:
            watchers = forks = 0  # stars and forks 0 with participants, as seen upstream
        active = last_updated is not None and (REFERENCE_NOW - last_updated).days < 365
        return {
            "category": head["category"],
            "grids": head["grids"],
            "id": head["id"],
            "title": head["title"],
            "slug": slug,
            "last_updated": self.stamp(last_updated, 0.05) if last_updated else None,
            "last_fetched": self.stamp(fetched) if fetched else None,
            "repo_url": head["repo_url"],
            "pypi_version": head["pypi_version"],
            "created": self.stamp(created),
            "modified": self.stamp(modified),
            "repo_forks": forks,
            "repo_description": self.text(" ".join(re.split(r"[-_]", slug)[1:]) or slug, 0.1),
            "pypi_url": head["pypi_url"],
            "documentation_url": self.documentation_url(slug),
            "repo_watchers": watchers,
            "commits_over_52": self.commits(active),
            "participants": participants,
        }

    # -- grids

    def grid(self, grid_id: int) -> Record:
        rng = self.rng
        title = f"{rng.choice(_TOPICS)} {rng.choice(_TOPIC_QUALIFIERS)}".strip()
        slug = slugify(title)
        if rng.random() < 0.03 and len(slug) > 4:  # typos survive in real slugs
            cut = rng.randrange(1, len(slug) - 1)
            slug = slug[:cut] + slug[cut + 1 :]
        created = self.moment(datetime(2010, 8, 14, tzinfo=UTC), REFERENCE_NOW)
        return {
            "id": grid_id,
            "title": title,
            "slug": slug,
            "description": self.text(title.lower(), 0.2),
            "is_locked": rng.random() < 0.1,
            "packages": [],
            "header": rng.random() < 0.05,
            "created": self.stamp(created, 0.95),
            "modified": self.stamp(self.moment(created, REFERENCE_NOW), 0.95),
        }

    def grid_size(self, limit: int) -> int:
        if self.rng.random() < 0.08:
            return 0
        return min(limit, MAX_GRID_SIZE, int(self.rng.lognormvariate(2.2, 1.0)) + 1)

    def assign_grids(
        self,
        grids: dict[int, Record],
        packages: Mapping[int, Record],
        package_ids: list[int],
        grid_ids: list[int],
    ) -> None:
        """Fill grids with packages: heavy-tailed sizes, one big grid, ≤ 6 grids a package."""
        rng, n = self.rng, len(package_ids)
        if not grid_ids or not n:
            return
        sizes = {gid: self.grid_size(n) for gid in grid_ids}
        big = rng.choice(grid_ids)
        if n >= 200:
            sizes[big] = rng.randint(min(215, n), min(MAX_GRID_SIZE, n))  # 200-214 crashed
        memberships: dict[int, list[int]] = {pid: [] for pid in package_ids}
        for gid in [big, *(g for g in grid_ids if g != big)]:
            grid = grids[gid]
            base, suffix = self.link_style()
            for pid in rng.sample(package_ids, sizes[gid]):
                if len(memberships[pid]) < MAX_GRIDS_PER_PACKAGE:
                    memberships[pid].append(gid)
                    grid["packages"].append(api_link("packages", pid, base=base, suffix=suffix))
        for pid, gids in memberships.items():
            package = packages[pid]
            base, suffix = _link_style(package["category"])
            rng.shuffle(gids)
            package["grids"] = [api_link("grids", g, base=base, suffix=suffix) for g in gids]
