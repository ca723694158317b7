"""`pkgcli check` on each file format, against the fakes, online and --offline."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.fake.server import Request, Response

from .conftest import CliHarness

REQUIREMENTS = """\
# production requirements, as found in the wild
--index-url https://pypi.org/simple
-r base.txt
-c constraints.txt

Django_Debug.Toolbar[extra] == 4.0 ; python_version >= "3.8"  # normalised differently
DJANGO-OAUTH-TOOLKIT>=2.0,\\
    <4
requests==2.32.3 --hash=sha256:70761cfe03c773ceb22aa2f671b4757976145175cdfca038c02654d061d6dcc6
-e git+https://github.com/example/migrations-two-factor.git@main#egg=Migrations_Two_Factor
Django.Haystack @ https://example.org/django_haystack-1.0.tar.gz
https://example.org/wheels/Extra-0.3-py3-none-any.whl
-e .
./vendor/not-a-package
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "base.txt").write_text("Django>=5.2,<6.0\n-r common.txt\n")
    (tmp_path / "common.txt").write_text("django_tenants.mail  # indirect include\n")
    (tmp_path / "constraints.txt").write_text("urllib3<3\n")
    path = tmp_path / "requirements.txt"
    path.write_text(REQUIREMENTS)
    return path


def _rows(result: Any) -> dict[str, dict[str, Any]]:
    assert result.exit_code == 0, result.stderr
    return {row["name"]: row for row in json.loads(result.stdout)}


def test_requirements_file_offline_maps_every_normalisation(
    fake: Any, cli: CliHarness, project: Path
) -> None:
    assert cli("fetch", "--all", "--source", "djangopackages,pypi").exit_code == 0
    requests_before = len(fake.requests)
    result = cli("check", str(project), "--offline", "--json")
    rows = _rows(result)
    assert len(fake.requests) == requests_before  # --offline: no network
    assert set(rows) == {
        "django-debug-toolbar",
        "django-oauth-toolkit",
        "migrations-two-factor",
        "django-haystack",
        "extra",
        "django-tenants-mail",
    }
    toolbar = rows["django-debug-toolbar"]
    assert toolbar["slug"] == "django-debug-toolbar"
    assert toolbar["requirement"].startswith("Django_Debug.Toolbar[extra]==4.0")
    assert toolbar["pinned"] == "4.0"
    assert toolbar["django"] == "5.2"  # from Django>=5.2,<6.0 in the included base.txt
    for row in rows.values():
        assert row["verdict"] in ("healthy", "watch", "risk", "unknown")
        assert isinstance(row["reasons"], list)
        assert row["django_supported"] in (True, False, None)
        assert isinstance(row["alternatives"], list)
    assert rows["extra"]["pinned"] == "0.3"  # from the wheel's name
    assert rows["extra"]["slug"] == "extra"  # its pypi_url is the bare name "extra"
    assert rows["django-tenants-mail"]["slug"] == "django-tenants-mail"  # via common.txt
    # requests and urllib3 (a constraint only) are not on Django Packages: counted only
    assert "4 not" not in result.stderr and "1 not (--all lists them)" in result.stderr
    assert "2 lines not understood" in result.stderr  # -e . and a local path

    everything = _rows(cli("check", str(project), "--offline", "--json", "--all"))
    assert everything["requests"]["slug"] is None
    assert everything["requests"]["reasons"] == ["not on Django Packages"]


def test_django_support_follows_the_projects_django(
    fake: Any, cli: CliHarness, tmp_path: Path
) -> None:
    assert cli("fetch", "--all", "--source", "djangopackages,pypi").exit_code == 0
    conn = sqlite3.connect(tmp_path / "mirror.db")
    with conn:
        conn.execute("UPDATE pypi_projects SET django_versions = '[\"4.2\"]' WHERE package_id = 34")
    conn.close()
    req = tmp_path / "r.txt"
    req.write_text("Django==4.2.11\ndjango-debug-toolbar\n")
    assert _rows(cli("check", str(req), "--offline", "--json"))["django-debug-toolbar"][
        "django_supported"
    ]
    overridden = cli("check", str(req), "--offline", "--json", "--django", "5.2")
    assert _rows(overridden)["django-debug-toolbar"]["django_supported"] is False
    assert cli("check", str(req), "--offline", "--django", "five").exit_code == 2


def test_alternatives_come_from_the_grid_with_a_higher_score(
    fake: Any, cli: CliHarness, tmp_path: Path
) -> None:
    assert cli("fetch", "--all", "--source", "djangopackages,pypi").exit_code == 0
    conn = sqlite3.connect(tmp_path / "mirror.db")
    with conn:  # in grid 438: two better packages supporting 5.2, one archived, one worse
        conn.execute(
            "UPDATE packages SET repo_watchers = 10, last_updated = ? WHERE id = 2225",
            ("2026-11-01T00:00:00+00:00",),
        )
        for pid, stars in ((3142, 500), (5811, 400), (5810, 900), (976, 5)):
            conn.execute(
                "UPDATE packages SET repo_watchers = ?, last_updated = ? WHERE id = ?",
                (stars, "2026-11-01T00:00:00+00:00", pid),
            )
        conn.execute(  # 3142 has no pypi_url in the fixtures: give it PyPI data by hand
            "INSERT OR REPLACE INTO pypi_projects (package_id, project, fetched_at, status) "
            "VALUES (3142, 'dj-teams-gdpr', '2030-01-01T00:00:00+00:00', 'ok')"
        )
        conn.execute("UPDATE pypi_projects SET django_versions = '[\"5.2\"]'")
        conn.execute(
            "INSERT INTO github_repos (package_id, archived, repo_fetched_at) VALUES (5810, 1, ?)",
            ("2030-01-01T00:00:00+00:00",),
        )
    conn.close()
    req = tmp_path / "requirements.txt"
    req.write_text("Django~=5.2.0\ndjango-haystack\n")
    row = _rows(cli("check", str(req), "--offline", "--json"))["django-haystack"]
    assert row["alternatives"] == ["dj_teams_gdpr", "django-notifications"]


def test_pyproject_reads_dependencies_extras_and_groups(
    fake: Any, cli: CliHarness, tmp_path: Path
) -> None:
    assert cli("fetch", "--all", "--source", "djangopackages,pypi").exit_code == 0
    path = tmp_path / "pyproject.toml"
    path.write_text(
        """
[project]
name = "mysite"
dependencies = ["Django>=5.2,<5.3", "django-oauth-toolkit>=3"]
[project.optional-dependencies]
debug = ["django_debug_toolbar; extra == 'debug'"]
[dependency-groups]
test = ["django-haystack==1.2", {include-group = "lint"}]
lint = ["ruff"]
"""
    )
    rows = _rows(cli("check", str(path), "--offline", "--json"))
    assert set(rows) == {"django-oauth-toolkit", "django-debug-toolbar", "django-haystack"}
    assert rows["django-haystack"]["pinned"] == "1.2"
    assert rows["django-oauth-toolkit"]["django"] == "5.2"


LOCKS = {
    "uv.lock": """
version = 1
requires-python = ">=3.12"
[[package]]
name = "django"
version = "5.2.1"
source = { registry = "https://pypi.org/simple" }
[[package]]
name = "django-debug-toolbar"
version = "4.0"
source = { registry = "https://pypi.org/simple" }
[[package]]
name = "sqlparse"
version = "0.5.0"
""",
    "poetry.lock": """
[[package]]
name = "Django"
version = "5.2.1"
description = "A high-level Python web framework"
optional = false
python-versions = ">=3.10"
[[package]]
name = "django-debug-toolbar"
version = "4.0"
[metadata]
lock-version = "2.0"
""",
    "pylock.toml": """
lock-version = "1.0"
created-by = "pip"
[[packages]]
name = "django"
version = "5.2.1"
[[packages]]
name = "django-debug-toolbar"
version = "4.0"
""",
}


@pytest.mark.parametrize("name", sorted(LOCKS))
def test_lock_files(fake: Any, cli: CliHarness, tmp_path: Path, name: str) -> None:
    assert cli("fetch", "--all", "--source", "djangopackages,pypi").exit_code == 0
    path = tmp_path / name
    path.write_text(LOCKS[name])
    result = cli("check", str(path), "--offline", "--json")
    rows = _rows(result)
    assert set(rows) == {"django-debug-toolbar"}
    assert (rows["django-debug-toolbar"]["pinned"], rows["django-debug-toolbar"]["django"]) == (
        "4.0",
        "5.2",
    )
    # a directory holding the lock reads it too
    assert set(_rows(cli("check", str(tmp_path), "--offline", "--json"))) == set(rows)


def test_pip_freeze_on_stdin_and_bad_input(fake: Any, cli: CliHarness, tmp_path: Path) -> None:
    assert cli("fetch", "--all", "--source", "djangopackages,pypi").exit_code == 0
    freeze = "Django==5.2.1\ndjango-debug-toolbar==4.0\nsqlparse==0.5.0\n"
    rows = _rows(cli("check", "-", "--offline", "--json", input=freeze))
    assert set(rows) == {"django-debug-toolbar"}
    broken = tmp_path / "pyproject.toml"
    broken.write_text("[project\n")
    result = cli("check", str(broken), "--offline")
    assert result.exit_code == 2 and result.stderr.startswith("pkgcli: ")
    missing = cli("check", str(tmp_path / "nope.txt"), "--offline")
    assert missing.exit_code == 2 and "cannot read" in missing.stderr
    assert cli("check", "-", "--offline", input="-r other.txt\n").exit_code == 2


class VersionedPyPI:
    """The fake PyPI plus `/pypi/NAME/VERSION/json` with scripted vulnerabilities."""

    def __init__(self, inner: Any, advisories: dict[tuple[str, str], list[str]]) -> None:
        self.inner, self.advisories = inner, advisories
        self.asked: list[tuple[str, str]] = []

    def __call__(self, request: Request) -> Response:
        parts = [p for p in request.subpath.split("/") if p]
        if len(parts) == 3 and parts[2] == "json":
            self.asked.append((parts[0], parts[1]))
            ids = self.advisories.get((parts[0], parts[1]))
            if ids is None:
                return Response.json({"message": "Not Found"}, 404)
            doc: dict[str, Any] = {"info": {"name": parts[0], "version": parts[1]}, "urls": []}
            doc["vulnerabilities"] = [{"id": i, "aliases": [], "withdrawn": None} for i in ids]
            return Response.json(doc, 200)
        response: Response = self.inner(request)
        return response


def test_online_fetches_what_is_missing_and_asks_for_the_pinned_versions_advisories(
    fake: Any, cli: CliHarness, tmp_path: Path
) -> None:
    versioned = VersionedPyPI(fake.pypi, {("django-debug-toolbar", "1.0"): ["PYSEC-2021-9"]})
    fake.mount("/pypi", versioned)
    req = tmp_path / "requirements.txt"
    req.write_text("Django==5.2.1\ndjango-debug-toolbar==1.0\nrequests\n")
    result = cli("check", str(req), "--json")  # the mirror is empty: fetched first
    rows = _rows(result)
    assert rows["django-debug-toolbar"]["advisories"] == ["PYSEC-2021-9"]
    assert rows["django-debug-toolbar"]["verdict"] != "unknown" or rows["django-debug-toolbar"][
        "reasons"
    ] != ["not known: advisories"]
    assert fake.pypi.statuses.get(200)  # the stale (never fetched) PyPI data was refreshed
    assert "requests" not in rows  # not on Django Packages: counted, not listed
    assert "1 not (--all lists them)" in result.stderr
    assert ("django-debug-toolbar", "1.0") in versioned.asked
    md = cli("check", str(req), "--offline", "--format", "md")
    assert md.stdout.startswith("| Package | Requirement | Health |")
    assert "django-debug-toolbar" in md.stdout
    # offline, a pinned version that is not the latest has unknown advisories
    assert (
        _rows(cli("check", str(req), "--offline", "--json"))["django-debug-toolbar"]["advisories"]
        is None
    )
    # a `===` pin can be any string: never sent as a URL path
    odd = tmp_path / "odd.txt"
    odd.write_text("django-debug-toolbar===../../x\n")
    asked = len(versioned.asked)
    assert _rows(cli("check", str(odd), "--json"))["django-debug-toolbar"]["advisories"] is None
    assert len(versioned.asked) == asked
    failing = cli("check", str(req), "--fail-on", "vulnerable")
    assert failing.exit_code == 8
    assert cli("check", str(req), "--offline", "--fail-on", "vulnerable").exit_code == 0
    assert cli("check", str(req), "--offline", "--fail-on", "sad").exit_code == 2


def test_fail_on_each_condition(fake: Any, cli: CliHarness, tmp_path: Path) -> None:
    assert cli("fetch", "--all", "--source", "djangopackages,pypi").exit_code == 0
    conn = sqlite3.connect(tmp_path / "mirror.db")
    with conn:  # PyPI's "Inactive" classifier: a risk rule
        conn.execute(
            "UPDATE pypi_projects SET development_status = '7 - Inactive' WHERE package_id = 2225"
        )
    conn.close()
    req = tmp_path / "requirements.txt"
    req.write_text("Django==5.2.1\ndjango-haystack\n")
    row = _rows(cli("check", str(req), "--offline", "--json"))["django-haystack"]
    assert row["verdict"] == "risk"
    assert cli("check", str(req), "--offline").exit_code == 0  # no --fail-on: always 0
    assert cli("check", str(req), "--offline", "--fail-on", "risk").exit_code == 8
    assert cli("check", str(req), "--offline", "--fail-on", "archived").exit_code == 0
    expected = 8 if row["django_supported"] is False else 0
    assert cli("check", str(req), "--offline", "--fail-on", "unsupported").exit_code == expected
    conn = sqlite3.connect(tmp_path / "mirror.db")
    with conn:
        conn.execute(
            "INSERT INTO github_repos (package_id, archived, repo_fetched_at) VALUES (2225, 1, ?)",
            ("2030-01-01T00:00:00+00:00",),
        )
    conn.close()
    assert cli("check", str(req), "--offline", "--fail-on", "archived").exit_code == 8


@pytest.mark.parametrize(
    "form",
    [
        "https://pypi.org/project/{}/",
        "http://pypi.python.org/pypi/{}",
        "https://pypi.python.org/pypi/{}/",
        "https://pypi.org/simple/{}/",
        "{}",
        "pypi.org/project/{}",
    ],
)
def test_pypi_url_in_every_form_maps(fake: Any, cli: CliHarness, tmp_path: Path, form: str) -> None:
    fake.catalogue.packages[34]["pypi_url"] = form.format("Django-Debug-Toolbar")
    assert cli("fetch", "--all", "--source", "djangopackages").exit_code == 0
    req = tmp_path / "requirements.txt"
    req.write_text("django_debug_toolbar\n")
    assert (
        _rows(cli("check", str(req), "--offline", "--json"))["django-debug-toolbar"]["slug"]
        == "django-debug-toolbar"
    )


def test_every_output_format(fake: Any, cli: CliHarness, tmp_path: Path) -> None:
    assert cli("fetch", "--all", "--source", "djangopackages,pypi").exit_code == 0
    req = tmp_path / "requirements.txt"
    req.write_text("Django==5.2.1\ndjango-debug-toolbar==4.0\ndjango-haystack\n")
    for fmt in ("table", "plain", "csv", "tsv", "md", "ndjson", "json"):
        result = cli("check", str(req), "--offline", "--format", fmt)
        assert result.exit_code == 0, (fmt, result.stderr)
        assert "django-debug-toolbar" in result.stdout, fmt
        if fmt == "table":
            assert max(len(line) for line in result.stdout.splitlines()) <= 80
    ndjson = cli("check", str(req), "--offline", "--format", "ndjson").stdout.splitlines()
    assert [json.loads(line)["slug"] for line in ndjson] == [
        "django-debug-toolbar",
        "django-haystack",
    ]
    picked = cli("check", str(req), "--offline", "--fields", "slug,verdict", "--format", "csv")
    assert picked.stdout.splitlines()[0] == "slug,verdict"
    assert cli("check", str(req), "--offline", "--fields", "nope").exit_code == 2
