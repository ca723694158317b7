"""A faithful fake Django Packages API v4 server, for tests and benchmarks only.

Nothing in pkgcli imports this package; it uses the standard library alone so that it
starts fast. `FakeUpstream` serves a `Catalogue` (see `generate_catalogue`,
`load_fixture_catalogue`, `merge`) and can mount more fake upstreams by path prefix.
`python -m tests.fake` runs one as a process (it prints `READY <base_url>`), with GitHub,
PyPI, GitLab and Codeberg mounted too. One fault layer (`FaultPlan`, `server.faults`) injects
every fault kind in `FAULT_KINDS` on every route.
"""

from .catalogue import (
    API_BASE,
    Catalogue,
    add_link_stubs,
    api_link,
    generate_catalogue,
    link_id,
    load_fixture_catalogue,
    load_fixture_records,
    merge,
    new_package_record,
)
from .faults import FAULT_HELP, FaultPlan, parse_fault_spec
from .server import (
    FAULT_KINDS,
    DjangoPackagesAPI,
    FakeUpstream,
    Fault,
    Faults,
    Handler,
    RecordedRequest,
    Request,
    RequestLog,
    Response,
)

__all__ = [
    "API_BASE",
    "FAULT_HELP",
    "FAULT_KINDS",
    "Catalogue",
    "DjangoPackagesAPI",
    "FakeUpstream",
    "Fault",
    "FaultPlan",
    "Faults",
    "Handler",
    "RecordedRequest",
    "Request",
    "RequestLog",
    "Response",
    "add_link_stubs",
    "api_link",
    "generate_catalogue",
    "link_id",
    "load_fixture_catalogue",
    "load_fixture_records",
    "merge",
    "new_package_record",
    "parse_fault_spec",
]
