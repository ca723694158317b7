"""Errors pkgcli raises on purpose, each carrying the exit code the CLI ends with.

The CLI layer turns any `PkgcliError` into one line on stderr and its exit code; anything
else that escapes is a bug. The exit codes are a documented contract (see README).
"""

from __future__ import annotations

EXIT_ERROR = 1  # a failure not covered below, or a partial failure of a batch
EXIT_USAGE = 2  # bad option, bad value, malformed slug (click uses 2 too)
EXIT_NOT_FOUND = 3  # the package / grid is not in the mirror or upstream
EXIT_UPSTREAM = 4  # upstream unreachable or misbehaving, rate limited
EXIT_DATABASE = 5  # corrupt, unreadable, read-only or too-new database
EXIT_FAILED = 6  # fetch finished; some packages failed, the rest are stored
EXIT_STOPPED = 7  # fetch stopped early (quota floor, budget): `fetch --resume` finishes it
EXIT_CHECK_FAILED = 8  # `pkgcli check --fail-on`: a dependency met a listed condition
EXIT_INTERRUPTED = 130  # Ctrl-C / SIGTERM: work committed so far is kept


class PkgcliError(Exception):
    """Base class: a message for the user and the exit code to end with."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(PkgcliError):
    exit_code = EXIT_USAGE


class NotFound(PkgcliError):
    exit_code = EXIT_NOT_FOUND


class UpstreamError(PkgcliError):
    exit_code = EXIT_UPSTREAM


class RateLimited(UpstreamError):
    """The upstream asked us to stop for longer than we are willing to wait."""


class DatabaseError(PkgcliError):
    exit_code = EXIT_DATABASE
