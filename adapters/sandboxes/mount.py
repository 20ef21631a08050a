"""Every vendor sandbox, mounted under ``/sandbox/<name>`` (``q2c serve``, ``q2c sandbox``).

One entry per sandbox: where it is mounted, the credentials it accepts by default, and how it
is made from the environment (``Q2C_SANDBOX_*``: faults, latency, limits). A new sandbox adds
one entry here; nothing else of the hub knows the list.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from litestar import Litestar, asgi
from litestar.handlers.asgi_handlers import ASGIRouteHandler
from litestar.types import ASGIApp, Receive, Scope, Send

from adapters.sandboxes.autotask.app import SANDBOX_CREDENTIALS as AUTOTASK_CREDENTIALS
from adapters.sandboxes.autotask.app import create_autotask_sandbox
from adapters.sandboxes.bng.app import SANDBOX_SECURITY_KEY, create_bng_sandbox
from adapters.sandboxes.connectwise.app import SANDBOX_CREDENTIALS as CONNECTWISE_CREDENTIALS
from adapters.sandboxes.connectwise.app import create_connectwise_sandbox
from adapters.sandboxes.kaseya_bms.app import SANDBOX_CREDENTIALS as KASEYA_CREDENTIALS
from adapters.sandboxes.kaseya_bms.app import create_kaseya_sandbox
from adapters.sandboxes.kit.faults import Faults
from adapters.sandboxes.quickbooks.app import SANDBOX_AUTHORIZED as QUICKBOOKS_AUTHORIZED
from adapters.sandboxes.quickbooks.app import SANDBOX_CLIENT as QUICKBOOKS_CLIENT
from adapters.sandboxes.quickbooks.app import create_quickbooks_sandbox


@dataclass(frozen=True)
class MountedSandbox:
    system: str  # the System value of the vendor it stands in for
    name: str
    path: str
    credentials: Mapping[str, str]
    create: Callable[[Mapping[str, str]], ASGIApp]  # from the environment's Q2C_SANDBOX_*
    # What the sandbox issued a demo connection already (OAuth tokens: no consent page to visit).
    issued: Mapping[str, str] = field(default_factory=dict)


def _hourly(environ: Mapping[str, str], vendors: int) -> int:
    return int(environ.get("Q2C_SANDBOX_HOURLY_REQUESTS") or vendors)


def _connectwise(environ: Mapping[str, str]) -> ASGIApp:
    """ConnectWise warns from 1,000 calls a minute; an hourly budget set overrides it."""
    hourly = environ.get("Q2C_SANDBOX_HOURLY_REQUESTS")
    concurrency = environ.get("Q2C_SANDBOX_CONCURRENCY")
    return create_connectwise_sandbox(
        Faults.from_env(environ),
        requests_per_window=int(hourly) if hourly else 1_000,
        window_seconds=3600.0 if hourly else 60.0,
        concurrent_per_endpoint=int(concurrency) if concurrency else None,
    )


SANDBOXES = (
    MountedSandbox(
        "autotask",
        "Autotask (sandbox)",
        "/sandbox/autotask",
        AUTOTASK_CREDENTIALS,
        lambda environ: create_autotask_sandbox(
            Faults.from_env(environ),
            concurrent_per_endpoint=int(environ.get("Q2C_SANDBOX_CONCURRENCY", "3")),
            requests_per_window=_hourly(environ, 10_000),
        ),
    ),
    MountedSandbox(
        "bng",
        "BNG gateway (sandbox)",
        "/sandbox/bng",
        {"security_key": SANDBOX_SECURITY_KEY},
        lambda environ: create_bng_sandbox(Faults.from_env(environ)),
    ),
    MountedSandbox(
        "quickbooks",
        "QuickBooks Online (sandbox)",
        "/sandbox/quickbooks",
        QUICKBOOKS_CLIENT,
        lambda environ: create_quickbooks_sandbox(Faults.from_env(environ)),
        issued=QUICKBOOKS_AUTHORIZED,
    ),
    MountedSandbox(
        "kaseya_bms",
        "Kaseya BMS (sandbox)",
        "/sandbox/kaseya",
        KASEYA_CREDENTIALS,
        lambda environ: create_kaseya_sandbox(
            Faults.from_env(environ), requests_per_window=_hourly(environ, 1_500)
        ),
    ),
    MountedSandbox(
        "connectwise",
        "ConnectWise PSA (sandbox)",
        "/sandbox/connectwise",
        CONNECTWISE_CREDENTIALS,
        _connectwise,
    ),
)


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
    return [mount(sandbox.path, sandbox.create(environ)) for sandbox in SANDBOXES]


def create_sandboxes_app(environ: Mapping[str, str]) -> Litestar:
    """``q2c sandbox``: the sandboxes alone, for pointing other tools at them."""
    return Litestar(
        route_handlers=sandbox_handlers(environ), openapi_config=None, logging_config=None
    )
