"""What a command needs: settings, the store, upstream clients and the two output streams.

Everything is created on first use, so `pkgcli show --json --offline` never imports httpx
or rich. Tests build their own `AppContext` (e.g. with an `httpx.MockTransport`).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pkgcli.config import Settings

if TYPE_CHECKING:
    import httpx

    from pkgcli.sources.djangopackages import DjangoPackagesClient
    from pkgcli.store import Store


class AppContext:
    """One command's world. A plain class, not a dataclass: `show` starts faster."""

    def __init__(
        self,
        settings: Settings,
        transport: httpx.BaseTransport | None = None,  # tests: httpx.MockTransport
        sleep: Callable[[float], None] = time.sleep,  # tests: no real waiting in back-off
    ) -> None:
        self.settings = settings
        self.transport = transport
        self.sleep = sleep
        self._store: Store | None = None
        self._clients: dict[str, Any] = {}

    @property
    def store(self) -> Store:
        if self._store is None:
            from pkgcli.store import open_store

            self._store = open_store(self.settings.db_path)
        return self._store

    def dp_client(self) -> DjangoPackagesClient:
        if "dp" not in self._clients:
            from pkgcli.http import HttpClient
            from pkgcli.sources.djangopackages import DjangoPackagesClient

            http = HttpClient(
                name="Django Packages",
                timeout=self.settings.timeout,
                transport=self.transport,
                sleep=self.sleep,
                setting="PKGCLI_API_URL",
                on_wait=self.note,
            )
            self._clients["dp"] = DjangoPackagesClient(http, self.settings.api_url)
        client: DjangoPackagesClient = self._clients["dp"]
        return client

    def client(self, key: str, make: Callable[[], Any]) -> Any:
        """The client for one upstream, made on first use and closed with the context."""
        if key not in self._clients:
            self._clients[key] = make()
        return self._clients[key]

    def clients(self) -> dict[str, Any]:
        return dict(self._clients)

    def note(self, message: str) -> None:
        """A message for the user (progress, notes): always stderr, never stdout."""
        from pkgcli.models import redact_urls
        from pkgcli.render import inert

        print(inert(redact_urls(message), multiline=True), file=sys.stderr, flush=True)

    def close(self) -> None:
        for client in self._clients.values():
            client.http.close()
        self._clients.clear()
        if self._store is not None:
            self._store.close()
            self._store = None
