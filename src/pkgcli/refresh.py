"""Refreshing packages from GitHub, PyPI and other forges: where their answers meet the store.

`refresh_sources` plans which package goes to which source (from `repo_url` and `pypi_url`,
or the names the sources last answered to), runs each upstream in its own pool of at most
four requests in flight, all upstreams at once, and commits results in small batches as they
arrive, so a stop or Ctrl-C keeps everything fetched so far. GitHub goes first through
GraphQL in batches of 50 when there is a token (repository metadata and the newest commit),
REST otherwise, then REST for weekly participation and contributors; stats still computing
(202) are revisited after a bounded pause, at most twice. Refusals (404, 451, blocked,
moved off-site, gone from PyPI) are recorded per package; values are never cleared.
"""

from __future__ import annotations

import contextlib
import json
import queue
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from pkgcli.context import AppContext
from pkgcli.errors import UpstreamError
from pkgcli.jobs import Result, Target, forge_job, github_job, pypi_job, stats_job
from pkgcli.models import utc_now
from pkgcli.registry import SOURCES, label, store_key
from pkgcli.sources.base import Budget, CacheEntry, SourceClient, SourceStopped
from pkgcli.sources.forges import ForgeClient, parse_forge_url
from pkgcli.sources.github import GRAPHQL_BATCH, GitHubClient, GraphRepo, parse_repo_url
from pkgcli.sources.pypi import PyPIClient, parse_pypi_name
from pkgcli.store import Row, Store

IN_FLIGHT = 4  # per upstream host
STATS_WAIT = 3.0  # seconds before revisiting stats GitHub was still computing
STATS_PASSES = 2
CACHE_FORMAT = 1  # bump when a parse_* changes shape: older cached data is then ignored
FLUSH_ROWS = 200
FLUSH_SECONDS = 1.0
PER_PACKAGE_SCAN = 50  # up to this many packages, read validators per package, else all
Progress = Callable[[str, int, int | None], None]


# -- planning --------------------------------------------------------------------------


def plan_target(row: Mapping[str, Any]) -> Target:
    """Where a package's data lives, from its URLs and the sources' previous answers."""
    requested = parse_repo_url(row.get("repo_url"))
    github = requested
    if requested and row.get("github_full_name") and row.get("github_requested") == requested:
        github = row["github_full_name"]  # renamed before: go straight to the new name
    return Target(
        id=row["id"],
        slug=row["slug"],
        github=github,
        github_requested=requested,
        pypi=parse_pypi_name(row.get("pypi_url")),
        forge=None if requested else parse_forge_url(row.get("repo_url")),
        repo_url=row.get("repo_url"),
        pypi_url=row.get("pypi_url"),
    )


# -- the report ------------------------------------------------------------------------


OUTCOMES = ("ok", "not_modified", "moved", "not_found", "failed", "pending")


@dataclass
class Tally:
    """What one source did in a run: an outcome per package, the requests it took."""

    label: str
    packages: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    errors: list[str] = field(default_factory=list)
    still_computing: int = 0
    secondary_limits: int = 0  # secondary rate limits waited out
    requests: int = 0
    not_modified: int = 0  # answers that were a 304
    skipped: str | None = None
    stop: SourceStopped | None = None
    quota: tuple[int, int] | None = None  # (remaining, limit) after the run, when known
    unusable: dict[str, int] = field(default_factory=dict)  # upstream keys stored as unknown

    def add(self, result: Result) -> None:
        self.requests += result.requests
        self.not_modified += result.not_modified
        if result.error:
            self.errors.append(result.error)
        self.outcomes[result.outcome] = self.outcomes.get(result.outcome, 0) + 1

    def revise(self, before: str, result: Result) -> None:
        """A revisited package (stats GitHub was computing) changes its outcome."""
        self.outcomes[before] -= 1
        self.add(result)


@dataclass
class SourcesReport:
    tallies: dict[str, Tally] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def requests(self) -> int:
        return sum(t.requests for t in self.tallies.values())

    def count(self, outcome: str) -> int:
        return sum(t.outcomes.get(outcome, 0) for t in self.tallies.values())


# -- the run ---------------------------------------------------------------------------


class _Writer:
    """Commits results in small batches, each package's source row together with its
    outcome in the run journal: both whole or both absent."""

    def __init__(self, store: Store, run_id: int | None) -> None:
        self.store = store
        self.run_id = run_id
        self.rows: list[tuple[str, Row]] = []
        self.cache: list[Row] = []
        self.outcomes: list[Row] = []
        self.last = time.monotonic()

    def add(self, result: Result) -> None:
        table = store_key(result.source)
        assert table is not None
        self.rows.append((table, result.row))
        stamp = utc_now()
        if self.run_id is not None:
            self.outcomes.append(
                {
                    "run_id": self.run_id,
                    "package_id": result.package_id,
                    "source": result.source,
                    "outcome": result.outcome,
                    "error": result.error or result.row.get("status_detail"),
                    "at": stamp,
                }
            )
        self.cache += [
            {
                "url": e.url,
                "etag": e.etag,
                "last_modified": e.last_modified,
                "data": json.dumps({"v": CACHE_FORMAT, "value": e.data}),
                "stored_at": stamp,
            }
            for e in result.entries
        ]
        if len(self.rows) >= FLUSH_ROWS or time.monotonic() - self.last >= FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        if self.rows or self.cache:
            self.store.save_source_rows(self.rows, self.cache, self.outcomes)
        self.rows, self.cache, self.outcomes = [], [], []
        self.last = time.monotonic()


def load_cache(store: Store, prefixes: Iterable[str]) -> dict[str, CacheEntry]:
    entries = {}
    for url, row in store.http_cache_under(prefixes).items():
        try:
            stored = json.loads(row["data"] or "null")
        except ValueError:
            continue
        if isinstance(stored, dict) and stored.get("v") == CACHE_FORMAT:
            entries[url] = CacheEntry(url, row["etag"], row["last_modified"], stored["value"])
    return entries


# the variable that holds each upstream's URL, named in connection errors
_SETTINGS = {
    "GitHub": "PKGCLI_GITHUB_API_URL",
    "PyPI": "PKGCLI_PYPI_URL",
    "GitLab": "PKGCLI_GITLAB_API_URL",
    "Codeberg": "PKGCLI_CODEBERG_API_URL",
}


class Refresh:
    """One run over the chosen sources for a list of packages."""

    def __init__(
        self,
        ctx: AppContext,
        sources: Sequence[str],
        progress: Progress,
        run_id: int | None = None,
        budget: Budget | None = None,
        only: Mapping[str, set[int]] | None = None,
    ) -> None:
        self.budget = budget
        self.only = only
        self.ctx = ctx
        self.sources = sources
        self.progress = progress
        self.report = SourcesReport()
        self.writer = _Writer(ctx.store, run_id)
        self.pools: dict[str, ThreadPoolExecutor] = {}
        self.outstanding = 0
        self.done: queue.Queue[tuple[str, Any, Future[Any]]] = queue.Queue()
        self.github_cache: dict[str, CacheEntry] = {}
        self.github_stored: dict[int, Any] = {}
        self.planned: list[Row] = []  # (package, source) pairs journaled `pending` at start

    # -- clients -------------------------------------------------------------------------

    def _http(self, name: str, auth: Any = None) -> Any:
        from pkgcli.http import HttpClient

        return HttpClient(
            name=name,
            timeout=self.ctx.settings.timeout,
            transport=self.ctx.transport,
            sleep=self.ctx.sleep,
            max_connections=IN_FLIGHT,
            auth=auth,
            setting=_SETTINGS.get(name),
            on_wait=self.ctx.note,
        )

    def github(self) -> GitHubClient:
        from pkgcli.config import github_token
        from pkgcli.http import BearerToken

        def make() -> GitHubClient:
            base = self.ctx.settings.url("github")
            token = github_token()
            auth = BearerToken(token, base) if token else None
            return GitHubClient(
                self._http("GitHub", auth), base, sleep=self.ctx.sleep, authenticated=bool(token)
            )

        client: GitHubClient = self.ctx.client("github", make)
        client.budget = self.budget
        return client

    def pypi(self) -> PyPIClient:
        def make() -> PyPIClient:
            base = self.ctx.settings.url("pypi")
            return PyPIClient(self._http("PyPI"), base, sleep=self.ctx.sleep)

        client: PyPIClient = self.ctx.client("pypi", make)
        client.budget = self.budget
        return client

    def forge(self, kind: str) -> ForgeClient:
        def make() -> ForgeClient:
            base = self.ctx.settings.url(kind)  # each forge its own registered source
            return ForgeClient(self._http(label(kind)), base, sleep=self.ctx.sleep, kind=kind)

        client: ForgeClient = self.ctx.client(kind, make)
        client.budget = self.budget
        return client

    # -- running -------------------------------------------------------------------------

    def _submit(
        self, pool: str, kind: str, payload: Any, fn: Callable[..., Any], *args: Any
    ) -> None:
        """Run `fn(*args)` in the pool of one upstream; its future lands on `self.done`."""
        if pool not in self.pools:
            self.pools[pool] = ThreadPoolExecutor(IN_FLIGHT, thread_name_prefix=f"pkgcli-{pool}")
        future = self.pools[pool].submit(fn, *args)
        self.outstanding += 1
        future.add_done_callback(lambda f: self.done.put((kind, payload, f)))

    def _next(self) -> tuple[str, Any, Future[Any]] | None:
        """The next finished job, or None after a quiet second (time to commit)."""
        try:
            item = self.done.get(timeout=FLUSH_SECONDS)
        except queue.Empty:
            return None
        self.outstanding -= 1
        return item

    def _tally(self, source: str, label: str, wanted: Sequence[Target]) -> Tally:
        """Start a source: count its packages and journal each as `pending` until answered."""
        tally = self.report.tallies.setdefault(source, Tally(label))
        tally.packages += len(wanted)
        self.progress(source, 0, len(wanted))
        self.planned += [
            {"package_id": t.id, "source": source, "outcome": "pending"} for t in wanted
        ]
        return tally

    def run(self, targets: Sequence[Target], *, catalogue: bool) -> SourcesReport:
        started = time.monotonic()
        try:
            self._start(targets, catalogue=catalogue)
            self._revisit_stats(self._drain())
        finally:  # Ctrl-C included: commit what has arrived, drop what is queued
            for pool in self.pools.values():
                pool.shutdown(wait=False, cancel_futures=True)
            self.writer.flush()
            self.report.seconds = time.monotonic() - started
            self._collect_clients()
        return self.report

    def _collect_clients(self) -> None:
        """Each source's stop (if any) and its real request count, retries included."""
        for source, tally in self.report.tallies.items():
            clients = [
                c
                for key, c in self.ctx.clients().items()
                if isinstance(c, SourceClient) and key.split(":")[0] == source
            ]
            if clients:
                tally.requests = sum(c.http.requests for c in clients)
                tally.secondary_limits = sum(getattr(c, "secondary_hits", 0) for c in clients)
                for client in clients:
                    for key, n in client.unusable.items():
                        tally.unusable[key] = tally.unusable.get(key, 0) + n
                core = getattr(clients[0], "rate", {}).get("core")
                if core is not None:
                    tally.quota = (core.remaining, core.limit)
            stops = [c.stopped for c in clients if c.stopped is not None]
            if stops and tally.stop is None:
                tally.stop = stops[0]

    def _start(self, targets: Sequence[Target], *, catalogue: bool) -> None:
        store = self.ctx.store
        if "pypi" in self.sources:
            wanted = [t for t in self._only("pypi", targets) if t.pypi]
            if wanted:
                client = self.pypi()
                self._tally("pypi", label("pypi"), wanted)
                names = [t.pypi for t in wanted if t.pypi]
                cache = load_cache(store, self._prefixes(client, names, client.project_url))
                for target in wanted:
                    self._submit("pypi", "pypi", None, pypi_job, client, target, cache)
        for kind in ("gitlab", "codeberg"):
            # A forge pkgcli recognises but that is not a chosen source is never asked.
            wanted = [t for t in self._only(kind, targets) if t.forge and t.forge.kind == kind]
            if kind not in self.sources or not wanted:
                continue
            self._tally(kind, label(kind), wanted)
            forge = self.forge(kind)
            for target in wanted:
                assert target.forge is not None
                cache = load_cache(store, [target.forge.project_url(forge.base_url)])
                self._submit(kind, kind, None, forge_job, forge, target, cache)
        if "github" in self.sources:
            github = [t for t in self._only("github", targets) if t.github]
            self._start_github(github, catalogue=catalogue)
        self._start_plugins(targets)
        # Every source's packages journaled `pending` in one commit, before any answer is
        # written (answers only land in `_drain`): a kill leaves all of them or none.
        if self.writer.run_id is not None and self.planned:
            self.ctx.store.plan_fetch_outcomes(self.writer.run_id, self.planned)

    def _only(self, source: str, targets: Sequence[Target]) -> list[Target]:
        """The targets this source is to refresh (`--stale`: each by its own age)."""
        if self.only is None:
            return list(targets)
        allowed = self.only.get(source, set())
        return [t for t in targets if t.id in allowed]

    def _plugin_client(self, entry: Any, module: Any) -> Any:
        client = module.make_client(
            self._http(entry.label), self.ctx.settings.url(entry.name), self.ctx.sleep
        )
        client.budget = self.budget
        return client

    def _start_plugins(self, targets: Sequence[Target]) -> None:
        """Sources registered as plug-ins: the module picks each package's name from its
        URLs, makes the client and fetches one package into a `Result`."""
        import importlib

        for entry in SOURCES:
            if not entry.plugin or entry.name not in self.sources:
                continue
            module: Any = importlib.import_module(entry.plugin)
            named = [
                (t, module.pick(t.repo_url, t.pypi_url)) for t in self._only(entry.name, targets)
            ]
            wanted = [(t, name) for t, name in named if name]
            if not wanted:
                continue
            self._tally(entry.name, entry.label, [t for t, _ in wanted])
            client = self.ctx.client(entry.name, partial(self._plugin_client, entry, module))
            for target, name in wanted:
                self._submit(
                    entry.name, entry.name, None, module.fetch_package, client, target.id, name
                )

    def _start_github(self, wanted: list[Target], *, catalogue: bool) -> None:
        from pkgcli.config import github_token

        if not wanted:
            return
        if catalogue and not github_token():
            tally = self.report.tallies.setdefault("github", Tally(label("github")))
            tally.packages = len(wanted)
            tally.skipped = (
                f"GitHub skipped for {len(wanted):,} packages: without a token GitHub allows "
                "60 requests an hour, and a catalogue refresh needs about 4 per package. "
                "Set GITHUB_TOKEN or GH_TOKEN to include it."
            )
            return
        self._tally("github", label("github"), wanted)
        client = self.github()
        names = [t.github for t in wanted if t.github]
        prefixes = self._prefixes(client, names, client.repo_url)
        self.github_cache = load_cache(
            self.ctx.store, [*prefixes, f"{client.base_url}/repositories/"]
        )
        if client.authenticated:
            # What each repository's last fetch left: GraphQL's pushedAt may spare its REST.
            self.github_stored = {
                pid: layers["github"]
                for pid, layers in self.ctx.store.source_layers([t.id for t in wanted]).items()
                if layers.get("github")
            }
            for start in range(0, len(wanted), GRAPHQL_BATCH):
                batch = wanted[start : start + GRAPHQL_BATCH]
                batch_names = [t.github for t in batch]
                self._submit("github", "graphql", batch, client.fetch_graphql, batch_names)
        else:
            for target in wanted:
                self._submit(
                    "github", "github", None, github_job, client, target, self.github_cache, None
                )

    @staticmethod
    def _prefixes(
        client: SourceClient, names: Sequence[str], url: Callable[[str], str]
    ) -> list[str]:
        """Where to look for stored validators: per package for a few, else the whole API."""
        if len(names) > PER_PACKAGE_SCAN:
            return [client.base_url + "/"]
        return [url(name) for name in names]

    def _drain(self) -> list[Result]:
        """Handle results as they arrive until nothing is pending; the stats to revisit."""
        revisit: list[Result] = []
        while self.outstanding:
            item = self._next()
            if item is None:
                self.writer.flush()  # nothing arrived for a while: commit what we have
                continue
            kind, payload, future = item
            if kind == "graphql":
                self._after_graphql(future, payload)
                continue
            result: Result = future.result()
            if kind == "stats":
                self.report.tallies["github"].revise("pending", result)
            else:
                self.report.tallies[kind].add(result)
                self.progress(kind, 1, None)
            self.writer.add(result)
            if result.pending and result.settled:
                revisit.append(result)
        return revisit

    def _after_graphql(self, future: Future[Any], batch: list[Target]) -> None:
        client = self.github()
        graphs: list[GraphRepo | None] = [None] * len(batch)
        # On failure each package falls back to REST (or records the stop).
        with contextlib.suppress(UpstreamError, SourceStopped):
            graphs, _ = future.result()
        for target, graph in zip(batch, graphs, strict=True):
            stored = self.github_stored.get(target.id)
            self._submit(
                "github",
                "github",
                None,
                github_job,
                client,
                target,
                self.github_cache,
                graph,
                stored,
            )

    def _revisit_stats(self, revisit: list[Result]) -> None:
        """Stats GitHub was computing: look again after a pause, at most STATS_PASSES times;
        still computing after that, the package stays `pending` (its other groups stored)."""
        client = self.ctx.clients().get("github")
        for _ in range(STATS_PASSES):
            if not revisit or not isinstance(client, GitHubClient) or client.stopped:
                break
            self.ctx.sleep(STATS_WAIT)
            for result in revisit:
                self._submit(
                    "github",
                    "stats",
                    None,
                    stats_job,
                    client,
                    result.package_id,
                    result.pending,
                    result.settled,
                )
            revisit = self._drain()
        if revisit:
            self.report.tallies["github"].still_computing = len(revisit)


def refresh_sources(
    ctx: AppContext,
    package_ids: Sequence[int] | None,
    sources: Sequence[str],
    *,
    progress: Progress,
    run_id: int | None = None,
    catalogue: bool | None = None,
    budget: Budget | None = None,
    only: Mapping[str, set[int]] | None = None,
) -> SourcesReport:
    """Refresh these packages (None: every package not gone upstream) from the sources,
    journaling each package's outcome under `run_id`."""
    from pkgcli.overlay import edited_values

    # The user's fixes to repo_url / pypi_url say where to look (local packages included).
    fixed = {name: edited_values(ctx.store, name) for name in ("repo_url", "pypi_url")}
    rows = [
        {**row, **{name: fixed[name][row["id"]] for name in fixed if row["id"] in fixed[name]}}
        for row in ctx.store.source_targets(package_ids)
    ]
    targets = [plan_target(r) for r in rows]
    whole = package_ids is None if catalogue is None else catalogue
    refresh = Refresh(ctx, sources, progress, run_id, budget, only)
    return refresh.run(targets, catalogue=whole)
