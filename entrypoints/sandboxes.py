"""The vendor sandboxes, mounted under ``/sandbox/<system>`` by ``q2c serve`` and ``q2c sandbox``.

A new tenant's connections point here by default, so the hub runs end to end with no vendor
account; pointing a connection at the vendor is a change of base URL and credentials.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from litestar import Litestar, asgi
from litestar.handlers.asgi_handlers import ASGIRouteHandler
from litestar.types import ASGIApp, Receive, Scope, Send

from adapters.accounting.quickbooks.sandbox import SANDBOX_CREDENTIALS as QUICKBOOKS_CREDENTIALS
from adapters.accounting.quickbooks.sandbox import create_quickbooks_sandbox
from adapters.payments.bng.sandbox import SANDBOX_SECURITY_KEY, create_bng_sandbox
from adapters.psa.autotask.sandbox import SANDBOX_CREDENTIALS as AUTOTASK_CREDENTIALS
from adapters.psa.autotask.sandbox import create_autotask_sandbox
from adapters.psa.kaseya.sandbox import SANDBOX_CREDENTIALS as KASEYA_CREDENTIALS
from adapters.psa.kaseya.sandbox import create_kaseya_sandbox
from adapters.sandbox.faults import Faults
from application.integrations.connections import NewConnection
from domain.integrations.connection import System

AUTOTASK_PATH = "/sandbox/autotask"
BNG_PATH = "/sandbox/bng"
KASEYA_PATH = "/sandbox/kaseya"
QUICKBOOKS_PATH = "/sandbox/quickbooks"


@dataclass(frozen=True)
class Sandbox:
    """Where a vendor's sandbox is mounted, and the credentials it accepts by default."""

    system: System
    name: str
    path: str
    credentials: Mapping[str, str]

    def connection(self, server: str, *, under: str = "") -> NewConnection:
        """A connection to this sandbox on ``server``; ``under``: a sub-path (one company)."""
        return NewConnection(
            system=self.system,
            name=self.name,
            base_url=f"{server}{self.path}{under}",
            credentials=self.credentials,
        )


AUTOTASK = Sandbox(System.AUTOTASK, "Autotask (sandbox)", AUTOTASK_PATH, AUTOTASK_CREDENTIALS)
BNG = Sandbox(System.BNG, "BNG gateway (sandbox)", BNG_PATH, {"security_key": SANDBOX_SECURITY_KEY})
QUICKBOOKS = Sandbox(
    System.QUICKBOOKS, "QuickBooks Online (sandbox)", QUICKBOOKS_PATH, QUICKBOOKS_CREDENTIALS
)
KASEYA = Sandbox(System.KASEYA_BMS, "Kaseya BMS (sandbox)", KASEYA_PATH, KASEYA_CREDENTIALS)
# The demo tenant's connections. Kaseya BMS is mounted but not among them: the demo's PSA is
# Autotask, one PSA is enabled at a time (PAY-10) and a new connection starts enabled, so a
# Kaseya one would be refused. ``KASEYA.connection(server)`` connects it once Autotask is off.
SANDBOXES = (AUTOTASK, BNG, QUICKBOOKS)


def mount(path: str, app: ASGIApp) -> ASGIRouteHandler:
    """A route handler serving ``app`` under ``path``."""

    @asgi(path, is_mount=True, copy_scope=True, include_in_schema=False, name=path)
    async def mounted(scope: Scope, receive: Receive, send: Send) -> None:
        # A sandbox builds its own URLs (Autotask's zone lookup answers one): tell it where it is.
        scope["root_path"] = scope.get("root_path", "") + path
        await app(scope, receive, send)

    return mounted


def sandbox_handlers(environ: Mapping[str, str]) -> list[ASGIRouteHandler]:
    """Route handlers mounting each vendor's sandbox app, faults from ``Q2C_SANDBOX_*``.

    Limits are the vendor's unless ``Q2C_SANDBOX_CONCURRENCY`` (calls per endpoint at once) or
    ``Q2C_SANDBOX_HOURLY_REQUESTS`` say otherwise.
    """
    hourly = environ.get("Q2C_SANDBOX_HOURLY_REQUESTS")
    autotask = create_autotask_sandbox(
        Faults.from_env(environ),
        concurrent_per_endpoint=int(environ.get("Q2C_SANDBOX_CONCURRENCY", "3")),
        requests_per_window=int(hourly or "10000"),
    )
    kaseya = create_kaseya_sandbox(
        Faults.from_env(environ), requests_per_window=int(hourly or "1500")
    )
    return [
        mount(AUTOTASK_PATH, autotask),
        mount(BNG_PATH, create_bng_sandbox(Faults.from_env(environ))),
        mount(QUICKBOOKS_PATH, create_quickbooks_sandbox(Faults.from_env(environ))),
        mount(KASEYA_PATH, kaseya),
    ]


def create_sandboxes_app(environ: Mapping[str, str]) -> Litestar:
    """``q2c sandbox``: the sandboxes alone, for pointing other tools at them."""
    return Litestar(
        route_handlers=sandbox_handlers(environ), openapi_config=None, logging_config=None
    )
