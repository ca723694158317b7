"""Where pkgcli keeps things and which upstreams it talks to.

Settings come from the environment (and `--db` on the command line); nothing here runs at
import time. The database lives in the user *data* directory because it holds the user's
own edits: it is not a cache that may be thrown away.
"""

from __future__ import annotations

import os

from pkgcli.errors import UsageError
from pkgcli.registry import SOURCES
from pkgcli.registry import source as find_source

# The built-in sources' defaults under their old names; the registry holds them.
DEFAULT_API_URL = find_source("djangopackages").default_url
DEFAULT_GITHUB_API_URL = find_source("github").default_url
DEFAULT_PYPI_URL = find_source("pypi").default_url
DEFAULT_GITLAB_API_URL = find_source("gitlab").default_url
DEFAULT_CODEBERG_API_URL = find_source("codeberg").default_url
DB_FILENAME = "pkgcli.db"
DEFAULT_TIMEOUT = 20.0
MAX_TIMEOUT = 3600.0  # an hour: beyond that a timeout is a typo (and 1e300 breaks sockets)


def default_data_dir() -> str:
    import platformdirs

    return platformdirs.user_data_dir("pkgcli", appauthor=False)


def _github_token() -> tuple[str, str] | None:
    """(variable, token) from GITHUB_TOKEN, else GH_TOKEN; blank counts as unset."""
    for name in ("GITHUB_TOKEN", "GH_TOKEN"):
        value = os.environ.get(name, "").strip()
        if value:
            return name, value
    return None


def github_token() -> str | None:
    """The GitHub token from GITHUB_TOKEN or GH_TOKEN; never stored, printed or logged."""
    found = _github_token()
    return found[1] if found else None


def github_token_source() -> str | None:
    """Which variable the token comes from (its name only, for `pkgcli paths`)."""
    found = _github_token()
    return found[0] if found else None


class Settings:
    """Resolved settings. A plain class, not a dataclass: `show` starts ~1 ms faster.

    `urls` holds each registered source's base URL by source name; the named attributes
    (`api_url`, `github_api_url`, …) are the built-in sources' URLs under their old names.
    """

    __slots__ = ("db_path", "db_source", "timeout", "urls")

    def __init__(
        self,
        *,
        db_path: str,
        db_source: str,  # "--db", "PKGCLI_DB" or "default": shown by `pkgcli paths`
        api_url: str = DEFAULT_API_URL,
        github_api_url: str = DEFAULT_GITHUB_API_URL,
        pypi_url: str = DEFAULT_PYPI_URL,
        timeout: float = DEFAULT_TIMEOUT,
        gitlab_api_url: str = DEFAULT_GITLAB_API_URL,
        codeberg_api_url: str = DEFAULT_CODEBERG_API_URL,
        urls: dict[str, str] | None = None,
    ) -> None:
        self.db_path = db_path
        self.db_source = db_source
        self.timeout = timeout
        self.urls = {
            "djangopackages": api_url,
            "github": github_api_url,
            "pypi": pypi_url,
            "gitlab": gitlab_api_url,
            "codeberg": codeberg_api_url,
            **(urls or {}),
        }

    def url(self, source: str) -> str:
        """The base URL of a registered source (its default when none was resolved)."""
        if source not in self.urls:
            return find_source(source).default_url
        return self.urls[source]

    api_url = property(lambda self: self.urls["djangopackages"])
    github_api_url = property(lambda self: self.urls["github"])
    pypi_url = property(lambda self: self.urls["pypi"])
    gitlab_api_url = property(lambda self: self.urls["gitlab"])
    codeberg_api_url = property(lambda self: self.urls["codeberg"])

    def with_db(self, db_path: str) -> Settings:
        """The same settings with `--db` given."""
        return Settings(
            db_path=db_path, db_source="--db", timeout=self.timeout, urls=dict(self.urls)
        )


def _env_url(name: str, default: str) -> str:
    return check_url_setting(name, (os.environ.get(name) or default).rstrip("/"))


def check_url_setting(name: str, url: str) -> str:
    """`url` if an HTTP client can use it, else a usage error (exit 2) naming the setting
    `name`; the URL is shown without the credentials it may carry."""
    from pkgcli.models import redact_urls, url_problem

    problem = url_problem(url)
    if problem:
        raise UsageError(f"{name} is not a usable http(s) URL ({problem}): {redact_urls(url)!r}")
    return url


def _env_timeout() -> float:
    """PKGCLI_TIMEOUT: seconds, finite, above 0 and at most MAX_TIMEOUT; unset or empty:
    the default. Anything else is a usage error, not a silent default or a traceback."""
    text = os.environ.get("PKGCLI_TIMEOUT", "").strip()
    if not text:
        return DEFAULT_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= MAX_TIMEOUT:  # also false for nan; inf is above the maximum
        raise UsageError(
            f"PKGCLI_TIMEOUT must be a number of seconds above 0 and at most "
            f"{MAX_TIMEOUT:g}, not {text!r}"
        )
    return value


def load_settings(db_option: str | None = None) -> Settings:
    """Resolve settings: `--db` beats `PKGCLI_DB` beats the platform data directory."""
    if db_option:
        db_path, source = db_option, "--db"
    elif os.environ.get("PKGCLI_DB"):
        db_path, source = os.environ["PKGCLI_DB"], "PKGCLI_DB"
    else:
        db_path, source = os.path.join(default_data_dir(), DB_FILENAME), "default"
    return Settings(
        db_path=os.path.expanduser(db_path),
        db_source=source,
        timeout=_env_timeout(),
        urls={s.name: _env_url(s.env_var, s.default_url) for s in SOURCES},
    )
