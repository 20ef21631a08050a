"""The vendor sandboxes, mounted under ``/sandbox/<system>`` by ``q2c serve`` and ``q2c sandbox``.

A new tenant's connections point here by default, so the hub runs end to end with no vendor
account; pointing a connection at the vendor is a change of base URL and credentials.
"""

from __future__ import annotations

from collections.abc import Mapping

from litestar import Litestar, asgi
from litestar.handlers.asgi_handlers import ASGIRouteHandler
from litestar.types import Receive, Scope, Send

from adapters.accounting.quickbooks.sandbox import create_quickbooks_sandbox
from adapters.payments.bng.sandbox import create_bng_sandbox
from adapters.psa.autotask.sandbox import create_autotask_sandbox
from adapters.sandbox.faults import Faults

AUTOTASK_PATH = "/sandbox/autotask"
BNG_PATH = "/sandbox/bng"
QUICKBOOKS_PATH = "/sandbox/quickbooks"
SANDBOX_CREDENTIALS = {  # what the Autotask sandbox accepts by default
    "username": "sandbox@q2c.local",
    "secret": "sandbox-secret",
    "integration_code": "Q2CSANDBOX",
}


def sandbox_handlers(environ: Mapping[str, str]) -> list[ASGIRouteHandler]:
    """Route handlers mounting each vendor's sandbox app, faults from ``Q2C_SANDBOX_*``.

    Limits are the vendor's unless ``Q2C_SANDBOX_CONCURRENCY`` (calls per endpoint at once) or
    ``Q2C_SANDBOX_HOURLY_REQUESTS`` say otherwise.
    """
    autotask = create_autotask_sandbox(
        Faults.from_env(environ),
        concurrent_per_endpoint=int(environ.get("Q2C_SANDBOX_CONCURRENCY", "3")),
        requests_per_window=int(environ.get("Q2C_SANDBOX_HOURLY_REQUESTS", "10000")),
    )

    @asgi(AUTOTASK_PATH, is_mount=True, copy_scope=True, include_in_schema=False)
    async def autotask_sandbox(scope: Scope, receive: Receive, send: Send) -> None:
        # The sandbox builds its own URLs (the zone lookup answers one): tell it where it lives.
        scope["root_path"] = scope.get("root_path", "") + AUTOTASK_PATH
        await autotask(scope, receive, send)

    bng = create_bng_sandbox(Faults.from_env(environ))

    @asgi(BNG_PATH, is_mount=True, copy_scope=True, include_in_schema=False)
    async def bng_sandbox(scope: Scope, receive: Receive, send: Send) -> None:
        scope["root_path"] = scope.get("root_path", "") + BNG_PATH
        await bng(scope, receive, send)

    quickbooks = create_quickbooks_sandbox(Faults.from_env(environ))

    @asgi(QUICKBOOKS_PATH, is_mount=True, copy_scope=True, include_in_schema=False)
    async def quickbooks_sandbox(scope: Scope, receive: Receive, send: Send) -> None:
        scope["root_path"] = scope.get("root_path", "") + QUICKBOOKS_PATH
        await quickbooks(scope, receive, send)

    return [autotask_sandbox, bng_sandbox, quickbooks_sandbox]


def create_sandboxes_app(environ: Mapping[str, str]) -> Litestar:
    """``q2c sandbox``: the sandboxes alone, for pointing other tools at them."""
    return Litestar(
        route_handlers=sandbox_handlers(environ), openapi_config=None, logging_config=None
    )
