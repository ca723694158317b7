"""The local half of the hostile-input review (issue 11): shells, files, the store and
settings. Every test goes through the real command (CliRunner or a subprocess)."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from pkgcli.cli import app
from pkgcli.errors import EXIT_DATABASE, EXIT_NOT_FOUND, EXIT_USAGE
from tests.mirror_seed import package, seed, standard

from .conftest import CliHarness

HOSTILE_SLUG = "zz;touch${IFS}pwned"


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("pkgcli: ")
    return lines[0]


def tamper(db: Path, *statements: str) -> None:
    """What an older pkgcli (or a hostile upstream it trusted) left in the mirror."""
    conn = sqlite3.connect(db)
    with conn:
        for sql in statements:
            conn.execute(sql)
    conn.close()


@pytest.fixture
def poisoned(isolated_env: Path) -> Path:
    seed(str(isolated_env), *standard())
    seed(str(isolated_env), [package(900, "zz-safe"), package(901, "zz-other")])
    tamper(
        isolated_env,
        f"UPDATE packages SET slug = '{HOSTILE_SLUG}' WHERE id = 901",
        "UPDATE grids SET slug = 'a$(reboot)' WHERE slug = 'authentication'",
    )
    return isolated_env


def complete(shell: str, words: str, db: Path) -> subprocess.CompletedProcess[str]:
    """What the shell runs on Tab: the real program and typer's completion protocol."""
    cword = len(words.split()) - (0 if words.endswith(" ") else 1)
    env = {
        **os.environ,
        "PKGCLI_DB": str(db),
        "_PKGCLI_COMPLETE": f"complete_{shell}",
        "COMP_WORDS": words,
        "COMP_CWORD": str(cword),
        "_TYPER_COMPLETE_ARGS": words,
        "_TYPER_COMPLETE_FISH_ACTION": "get-args",
    }
    return subprocess.run(
        [sys.executable, "-m", "pkgcli"], env=env, capture_output=True, text=True, check=False
    )


# -- completion and "did you mean" offer only slugs that pass the slug rule ----------------


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_never_offers_a_slug_that_breaks_the_slug_rule(
    poisoned: Path, shell: str
) -> None:
    done = complete(shell, "pkgcli show zz", poisoned)
    assert done.returncode == 0 and done.stderr == ""
    assert "zz-safe" in done.stdout
    assert "touch" not in done.stdout and ";" not in done.stdout
    grids = complete(shell, "pkgcli list-grid a", poisoned)
    assert "reboot" not in grids.stdout and "$" not in grids.stdout


def test_did_you_mean_offers_only_valid_slugs(cli: CliHarness, poisoned: Path) -> None:
    result = cli("show", "zz", "--offline")
    assert result.exit_code == EXIT_NOT_FOUND
    line = one_line(result.stderr)
    assert "zz-safe" in line and "touch" not in line
    result = cli("list-grid", "a")
    assert result.exit_code == EXIT_NOT_FOUND
    assert "reboot" not in one_line(result.stderr)


# -- exports never replace what is not a regular file; user data is private ----------------


@pytest.fixture
def umask_000() -> Iterator[None]:
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def read_fifo(fifo: Path, into: list[bytes]) -> threading.Thread:
    def reader() -> None:
        with open(fifo, "rb") as handle:
            into.append(handle.read())

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("through_symlink", [False, True])
def test_exporting_to_a_fifo_writes_through_it_and_leaves_it_a_fifo(
    cli: CliHarness, isolated_env: Path, tmp_path: Path, through_symlink: bool
) -> None:
    seed(str(isolated_env), *standard())
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo, 0o640)
    target = fifo
    if through_symlink:
        target = tmp_path / "link"
        target.symlink_to(fifo)
    got: list[bytes] = []
    thread = read_fifo(fifo, got)
    result = cli("edit", "--export", str(target))
    thread.join(timeout=10)
    assert result.exit_code == 0, result.stderr
    assert json.loads(got[0])["format"] == "pkgcli-edits"
    assert stat.S_ISFIFO(fifo.stat().st_mode) and stat.S_IMODE(fifo.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".pkgcli")] == []


def test_exporting_to_a_character_device_writes_through_it(
    cli: CliHarness, isolated_env: Path, tmp_path: Path
) -> None:
    seed(str(isolated_env), *standard())
    device = tmp_path / "null"
    try:  # a private copy of /dev/null: a failure must not replace the real one
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except (PermissionError, AttributeError):
        pytest.skip("cannot make a device node here")
    link = tmp_path / "link"
    link.symlink_to(device)
    for target in (device, link):
        result = cli("edit", "--export", str(target))
        assert result.exit_code == 0, result.stderr
        assert stat.S_ISCHR(device.stat().st_mode)


def test_new_files_and_directories_are_private_whatever_the_umask(
    cli: CliHarness, tmp_path: Path, umask_000: None
) -> None:
    db = tmp_path / "new" / "deeper" / "mirror.db"
    result = cli("--db", str(db), "edit", "my-thing", "--create")
    assert result.exit_code == 0, result.stderr
    for directory in (tmp_path / "new", db.parent):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    reader = sqlite3.connect(db)  # keeps the WAL and SHM files while pkgcli writes
    reader.execute("SELECT count(*) FROM packages").fetchone()
    assert cli("--db", str(db), "edit", "my-thing", "--set", "title=T").exit_code == 0
    files = [p for p in db.parent.iterdir() if p.name.startswith("mirror.db")]
    assert {p.name for p in files} >= {"mirror.db", "mirror.db-wal", "mirror.db-shm"}
    export = tmp_path / "edits.json"
    assert cli("--db", str(db), "edit", "--export", str(export)).exit_code == 0
    for path in [*files, export]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    reader.close()


def test_the_fetch_lock_file_is_private(
    cli: CliHarness, isolated_env: Path, umask_000: None
) -> None:
    cli("fetch", "--all")  # upstream is a closed port: the lock is made, then it fails
    lock = Path(f"{isolated_env}.lock")
    assert stat.S_IMODE(lock.stat().st_mode) == 0o600


# -- fetch --all never runs unlocked --------------------------------------------------------


def test_fetch_all_refuses_when_its_lock_cannot_be_taken(
    cli: CliHarness, isolated_env: Path
) -> None:
    seed(str(isolated_env), *standard())
    Path(f"{isolated_env}.lock").mkdir()
    result = cli("fetch", "--all")
    assert result.exit_code == EXIT_DATABASE
    assert "refusing to run unlocked" in one_line(result.stderr)


# -- many processes on a new database at once -----------------------------------------------


def test_many_processes_creating_one_database_at_once_all_succeed(tmp_path: Path) -> None:
    db = tmp_path / "fresh" / "mirror.db"
    env = {**os.environ, "PKGCLI_DB": str(db)}
    commands = [["edit", f"local-{n}", "--create"] for n in range(10)]
    commands += [["edit", "--history"]] * 3 + [["search", "x"]] * 3
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "pkgcli", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in commands
    ]
    outcomes = [(p.communicate(timeout=60)[1], p.returncode) for p in procs]
    assert [err for err, code in outcomes if code != 0] == []
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM packages WHERE id < 0").fetchone() == (10,)
    conn.close()


# -- edit --import reads at most 16 MB -------------------------------------------------------


def test_importing_an_endless_file_stops_at_the_cap(cli: CliHarness, isolated_env: Path) -> None:
    result = cli("edit", "--import", "/dev/zero")
    assert result.exit_code == EXIT_USAGE
    assert "larger than 16 MB" in one_line(result.stderr)


def test_importing_too_much_from_stdin_stops_at_the_cap(
    cli: CliHarness, isolated_env: Path
) -> None:
    result = cli("edit", "--import", "-", input=" " * (16 * 2**20 + 1))
    assert result.exit_code == EXIT_USAGE
    assert "larger than 16 MB" in one_line(result.stderr)


# -- settings: credentials never shown, unusable URLs are usage errors ---------------------


def run_with_env(*args: str, **env: str) -> Result:
    """The real app with settings from the environment (no test context injected)."""
    return CliRunner().invoke(app, list(args), env=env)


def test_credentials_in_a_configured_url_are_never_printed(
    cli: CliHarness, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "http://alice:s3cret-pw@127.0.0.1:9/api/v4"
    monkeypatch.setenv("PKGCLI_API_URL", secret)
    shown = cli("paths", "--json")
    assert shown.exit_code == 0
    assert json.loads(shown.stdout)["django_packages_api"] == "http://***@127.0.0.1:9/api/v4"
    failed = cli("show", "nothing-here")  # a closed port: the error names the URL
    assert failed.exit_code != 0
    assert "s3cret" not in failed.stdout + failed.stderr and "alice" not in failed.stderr
    bad = run_with_env("paths", PKGCLI_API_URL="http://alice:s3cret@[::1/x")
    assert bad.exit_code == EXIT_USAGE and "s3cret" not in bad.stderr


@pytest.mark.parametrize(
    "url", ["http://[::1", "http://[zz]/", "ftp://host/x", "http://", "http://h:99999/"]
)
@pytest.mark.parametrize(
    "variable",
    ["PKGCLI_API_URL", "PKGCLI_GITHUB_API_URL", "PKGCLI_PYPI_URL", "PKGCLI_GITLAB_API_URL"],
)
def test_an_unusable_url_setting_is_a_usage_error_naming_it(
    isolated_env: Path, variable: str, url: str
) -> None:
    result = run_with_env("show", "django", "--offline", **{variable: url})
    assert result.exit_code == EXIT_USAGE
    assert variable in one_line(result.stderr)


# -- --set values and --limit that used to raise -------------------------------------------


@pytest.mark.parametrize(
    "assignment",
    [
        "grids=" + "[" * 5000 + "]" * 5000,
        "participants=" + "[" * 5000 + "]" * 5000,
        "repo_url=http://[::1",
        "documentation_url=http://[::1/docs",
        "pypi_url=https://[x",
    ],
)
def test_a_hostile_set_value_is_one_line_exit_2(
    cli: CliHarness, isolated_env: Path, assignment: str
) -> None:
    seed(str(isolated_env), *standard())
    result = cli("edit", "django-ninja", "--set", assignment)
    assert result.exit_code == EXIT_USAGE
    assert "invalid value for" in one_line(result.stderr)


def test_a_deeply_nested_toml_document_reopens_the_editor(
    cli: CliHarness, isolated_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(str(isolated_env), *standard())
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[1])\n"
        "flag = p.with_suffix('.done')\n"
        "if not flag.exists():\n"
        "    flag.write_text('1')\n"
        "    p.write_text('grids = ' + '[' * 5000 + ']' * 5000 + '\\n')\n"
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    result = cli("edit", "django-ninja", "--editor", input="\n")
    assert "Traceback" not in result.output + result.stderr
    assert result.exit_code in (0, EXIT_USAGE), result.stderr


@pytest.mark.parametrize("command", [["search", "django"], ["list-grid"]])
def test_a_limit_beyond_what_sqlite_holds_is_a_usage_error(
    cli: CliHarness, isolated_env: Path, command: list[str]
) -> None:
    seed(str(isolated_env), *standard())
    result = cli(*command, "--limit", str(2**63))
    assert result.exit_code == EXIT_USAGE
    assert "--limit" in one_line(result.stderr)
    assert cli(*command, "--limit", str(2**63 - 1)).exit_code == 0


# -- a migration table that lies about the schema ------------------------------------------


@pytest.mark.parametrize(
    ("damage", "command"),
    [
        ("DROP TABLE edits", ["edit", "--history"]),
        ("DROP TABLE github_repos", ["show", "django-ninja", "--offline"]),
        ("DROP TABLE packages_fts", ["search", "ninja"]),
        ("ALTER TABLE edits DROP COLUMN origin", ["edit", "--history"]),
        ("ALTER TABLE packages DROP COLUMN gone_at", ["show", "django-ninja", "--offline"]),
    ],
)
def test_a_schema_that_lacks_what_its_migrations_promise_is_corrupt(
    cli: CliHarness, isolated_env: Path, damage: str, command: list[str]
) -> None:
    seed(str(isolated_env), *standard())
    tamper(isolated_env, "DROP TRIGGER IF EXISTS packages_ad", damage)
    result = cli(*command)
    assert result.exit_code == EXIT_DATABASE
    assert "is corrupt" in one_line(result.stderr)


def test_the_promised_schema_is_what_the_migrations_create(tmp_path: Path) -> None:
    import sqlite_utils

    from pkgcli.migrations import MIGRATION_TABLES, MIGRATIONS

    db = sqlite_utils.Database(tmp_path / "check.db")
    for name, migrate in MIGRATIONS:
        before = set(db.table_names())
        migrate(db)
        made = {
            table: " ".join(c.name for c in db[table].columns)
            for table in db.table_names()
            if table not in before
            and table != "sqlite_sequence"
            and not table.endswith(("_data", "_idx", "_docsize", "_config", "_content"))
        }
        if name in MIGRATION_TABLES:
            assert made == MIGRATION_TABLES[name], name


# -- all-digit slugs: an exact slug wins over an id ----------------------------------------


def shown_id(cli: CliHarness, name: str) -> int:
    result = cli("show", name, "--offline", "--json")
    assert result.exit_code == 0, result.stderr
    return int(json.loads(result.stdout)["id"])


def test_all_digit_slugs_stay_reachable_and_win_over_ids(
    cli: CliHarness, isolated_env: Path
) -> None:
    seed(
        str(isolated_env),
        [package(5, "00012"), package(77, "1234"), package(1234, "other"), package(12, "twelve")],
    )
    assert shown_id(cli, "00012") == 5  # not id 12
    assert shown_id(cli, "1234") == 77  # the slug, not package 1234
    assert shown_id(cli, "other") == 1234
    assert shown_id(cli, "12") == 12 and shown_id(cli, "5") == 5  # no such slug: the id


# -- hostile invocations: one line, a documented exit code, never a traceback --------------

DEEP = "[" * 5000 + "]" * 5000


def hostile_invocations(tmp: Path) -> list[tuple[list[str], dict[str, str], int]]:
    garbage = tmp / "garbage.db"
    garbage.write_bytes(b"not a database" * 500)
    binary = tmp / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00bad")
    deep = tmp / "deep.json"
    deep.write_text(DEEP)
    a_dir = tmp / "a-dir"
    a_dir.mkdir()
    return [
        (["--db", str(a_dir), "show", "x", "--offline"], {}, EXIT_DATABASE),
        (["--db", str(garbage), "show", "x", "--offline"], {}, EXIT_DATABASE),
        (["--db", "/proc/nope/mirror.db", "search", "x"], {}, EXIT_DATABASE),
        (["--db", str(garbage), "edit", "--history"], {}, EXIT_DATABASE),
        (["show", "x", "--offline"], {"PKGCLI_TIMEOUT": "nan"}, EXIT_USAGE),
        (["show", "x", "--offline"], {"PKGCLI_TIMEOUT": "1e999"}, EXIT_USAGE),
        (["paths"], {"PKGCLI_API_URL": "http://[::1"}, EXIT_USAGE),
        (["search", "x"], {"PKGCLI_PYPI_URL": "javascript:alert(1)"}, EXIT_USAGE),
        (["search", "x", "--limit", str(2**64)], {}, EXIT_USAGE),
        (["list-grid", "--limit", "-1"], {}, EXIT_USAGE),
        (["show", "a;b", "--offline"], {}, EXIT_USAGE),
        (["show", "x" * 5000, "--offline"], {}, EXIT_USAGE),
        (["edit", "django-ninja", "--set", "title"], {}, EXIT_USAGE),
        (["edit", "django-ninja", "--set", f"grids={DEEP}"], {}, EXIT_USAGE),
        (["edit", "django-ninja", "--set", "repo_url=http://[::1"], {}, EXIT_USAGE),
        (["edit", "django-ninja", "--set", f"repo_watchers={2**64}"], {}, EXIT_USAGE),
        (["edit", "--import", "/dev/zero"], {}, EXIT_USAGE),
        (["edit", "--import", str(tmp / "missing.json")], {}, EXIT_USAGE),
        (["edit", "--import", str(binary)], {}, EXIT_USAGE),
        (["edit", "--import", str(deep)], {}, EXIT_USAGE),
        (["edit", "--import", str(a_dir)], {}, EXIT_USAGE),
        (["edit", "--export", str(a_dir)], {}, EXIT_USAGE),
        (["edit", "--export", "/proc/nope/edits.json"], {}, EXIT_USAGE),
        (["search", "x", "--fields", "nope"], {}, EXIT_USAGE),
        (["show", "django-ninja", "--offline", "--format", "nope"], {}, EXIT_USAGE),
    ]


def test_hostile_invocations_end_in_one_line_and_a_documented_exit_code(
    isolated_env: Path, tmp_path: Path
) -> None:
    seed(str(isolated_env), *standard())
    wrong = []
    for args, env, code in hostile_invocations(tmp_path):
        result = run_with_env(*args, **env)
        lines = result.stderr.strip().splitlines()
        ok = (
            result.exit_code == code
            and len(lines) == 1
            and lines[0].startswith("pkgcli: ")
            and "Traceback" not in result.output
        )
        if not ok:
            wrong.append((args[:4], result.exit_code, result.stderr[-300:], result.exception))
    assert wrong == []


@pytest.mark.parametrize(
    ("fault", "code", "words"),
    [
        (RuntimeError("boom"), 1, "unexpected error (RuntimeError: boom)"),
        (sqlite3.OperationalError("disk I/O error"), EXIT_DATABASE, "database error"),
    ],
)
def test_an_unforeseen_fault_is_still_one_line(
    cli: CliHarness,
    isolated_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    fault: Exception,
    code: int,
    words: str,
) -> None:
    from pkgcli import service

    def broken(*args: object, **kwargs: object) -> None:
        raise fault

    seed(str(isolated_env), *standard())
    monkeypatch.setattr(service, "search", broken)
    result = cli("search", "django")
    assert result.exit_code == code
    assert words in one_line(result.stderr)


def test_without_fcntl_fetch_all_says_it_runs_unlocked(
    cli: CliHarness, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(str(isolated_env), *standard())
    monkeypatch.setitem(sys.modules, "fcntl", None)  # as on Windows: `import fcntl` fails
    result = cli("fetch", "--all")  # upstream is a closed port: it fails after the note
    assert "this platform cannot lock" in result.stderr
    assert "Traceback" not in result.stderr
