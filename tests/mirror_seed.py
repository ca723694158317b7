"""Build v4-shaped records and store them through the real parse_* / Store.save_* path.

Used by the output tests (list-grid, search, formats) to get a mirror without a network:
the records have exactly the 18 upstream keys, so what the tests read back went through
the same code as a real `pkgcli fetch`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pkgcli.models import utc_now
from pkgcli.sources.djangopackages import parse_category, parse_grid, parse_package
from pkgcli.store import open_store

API = "https://djangopackages.org/api/v4"


def iso(days_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()


def package(id_: int, slug: str, **values: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "category": f"{API}/categories/1/?format=api",
        "grids": [],
        "id": id_,
        "title": slug.replace("-", " ").title(),
        "slug": slug,
        "last_updated": iso(10),
        "last_fetched": iso(2),
        "repo_url": f"https://github.com/example/{slug}",
        "pypi_version": "1.0.0",
        "created": "2012-01-01T10:00:00-05:00",
        "modified": "2020-01-01T10:00:00-05:00",
        "repo_forks": 10,
        "repo_description": f"The {slug} package",
        "pypi_url": f"https://pypi.org/project/{slug}/",
        "documentation_url": f"https://{slug}.readthedocs.io/",
        "repo_watchers": 100,
        "commits_over_52": [i % 5 for i in range(52)],
        "participants": ["alice", "bob"],
    }
    record.update(values)
    return record


def grid(id_: int, slug: str, package_ids: list[int], **values: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": id_,
        "title": slug.replace("-", " ").title(),
        "slug": slug,
        "description": f"Grid {slug}",
        "is_locked": False,
        "header": False,
        "packages": [f"{API}/packages/{p}/" for p in package_ids],
        "created": "2015-01-01T10:00:00-05:00",
        "modified": "2021-01-01T10:00:00-05:00",
    }
    record.update(values)
    return record


CATEGORY = {
    "id": 1,
    "title": "App",
    "slug": "apps",
    "description": "Small components",
    "title_plural": "Apps",
    "show_pypi": True,
    "created": "2010-01-01T10:00:00-05:00",
    "modified": "2010-01-01T10:00:00-05:00",
}


def seed(
    db_path: str,
    packages: list[dict[str, Any]],
    grids: list[dict[str, Any]] = (),  # type: ignore[assignment]
) -> None:
    """Store the records; each package's `grids` links are filled from the grids given."""
    member_of: dict[int, list[int]] = {}
    for g in grids:
        for url in g["packages"]:
            member_of.setdefault(int(url.rstrip("/").rsplit("/", 1)[1]), []).append(g["id"])
    store = open_store(db_path)
    try:
        now = utc_now()
        store.save_categories([parse_category(CATEGORY, now)])
        store.save_grids([parse_grid(g, now) for g in grids])
        rows = []
        for p in packages:
            if not p["grids"]:
                p = {**p, "grids": [f"{API}/grids/{g}/" for g in member_of.get(p["id"], [])]}
            rows.append(parse_package(p, now))
        store.save_packages(rows)
    finally:
        store.close()


# Upstream text that tries every trick on a terminal: rich markup, SGR colours, an OSC 8
# hyperlink, a carriage return, clear-screen and cursor-up, a one-byte C1 CSI, a bidi
# override and a zero-width space.
EVIL = (
    "[bold]markup[/] [link=http://evil.example]x[/link] \x1b[31mred\x1b[0m "
    "\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\ \roverwrite\x1b[2J\x1b[5A"
    "\x9b31m \u202eevil\u200b\x07 end"
)


def standard() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A small mirror: a REST grid (one member not mirrored), an auth grid, an empty grid."""
    packages = [
        package(1, "django-rest-framework", title="Django REST framework",
                repo_watchers=28000, repo_forks=6000, pypi_version="3.15.2",
                repo_description="Web APIs for Django, made easy.",
                participants=["tomchristie", "carltongibson", "auvipy"]),
        package(2, "django-ninja", title="Django Ninja", repo_watchers=7000,
                last_updated=None, commits_over_52=[],
                repo_description="Fast Django REST framework based on type hints"),
        package(3, "djangorestframework-simplejwt", title="Simple JWT", repo_watchers=3900,
                repo_description="A JSON Web Token authentication plugin for the Django REST "
                "Framework."),
        package(4, "drf-yasg", title="drf-yasg", repo_watchers=3300, last_updated=iso(1100),
                repo_description="Automated generation of real Swagger/OpenAPI 2.0 schemas "
                "from Django REST Framework code."),
        package(5, "django-tastypie", title="Tastypie", repo_watchers=3900,
                last_updated=iso(800), pypi_version=None, pypi_url="",
                repo_description="Creating delicious APIs for Django apps since 2010."),
        package(6, "evil-pkg", title=EVIL, repo_description=EVIL, repo_watchers=5,
                pypi_version="6.6\x1b[2J\r", participants=["[red]x[/red]", "\x1b[2Jbob"]),
        package(7, "django-oauth-toolkit", title="Django OAuth Toolkit", repo_watchers=3000,
                repo_description="OAuth2 goodies for the Djangonauts!"),
        package(8, "alpha-widget", title="Alpha Widget", repo_watchers=10,
                repo_description="widget"),
        package(9, "bravo-widget", title="Bravo Widget", repo_watchers=20,
                repo_description="widget"),
    ]  # fmt: skip
    grids = [
        grid(10, "rest-frameworks", [1, 2, 4, 5, 6, 99], title="REST frameworks"),
        grid(11, "authentication", [3, 7], title="Authentication"),
        grid(12, "empty-grid", [], title="Nothing yet"),
    ]
    return packages, grids
