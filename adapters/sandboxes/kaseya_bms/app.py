"""A local Kaseya BMS API 2.0: the vendor's paths, sign-in and tokens, envelope, errors, limits.

It is what a tenant talks to by default and what tests run against; the client reaches it over
HTTP exactly as it would reach ``https://api.bms.kaseya.com``. Every operation the hub uses is
served at its published path (``contract.OPERATIONS``), including those the hub needs and the
published spec lacks (``contract.NOT_IN_SPEC``: creating a quotation or a product, listing,
deleting line items, changing a quotation). State is in memory, seeded on start and on reset
(``sandbox_seed.py``).

Kaseya's limit, about 1,500 calls an hour per endpoint, is enforced per operation path (a knob,
so tests can spend it); faults come from the base. Control routes for tests and demos, beside
the base's ``/_sandbox/state|faults|reset`` (no auth, never faulted):
``POST /_sandbox/kaseya/tokens/expire`` expires every access token now (``{"refresh": true}``:
the refresh tokens too), so the next call gets a 401 and the client refreshes or signs in again.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from litestar import Litestar, Request, Response, Router, post
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler
from litestar.types import ControllerRouterHandler

from adapters.sandboxes.kaseya_bms.auth import SandboxTokens
from adapters.sandboxes.kaseya_bms.routes import Call, Serve, api_routes, handler, reply
from adapters.sandboxes.kaseya_bms.schema import KaseyaRefusal
from adapters.sandboxes.kaseya_bms.seed import KaseyaInstance
from adapters.sandboxes.kaseya_bms.store import KaseyaStore
from adapters.sandboxes.kit.base import Faults, SandboxLimits, VendorProfile, build_sandbox_app
from adapters.vendors.kaseya_bms import contract as api

PREFIX = "/"  # the API under /v2, the controls under /_sandbox/kaseya
CONTROL_PATH = "/_sandbox/kaseya"
SANDBOX_CREDENTIALS: Mapping[str, str] = {
    "tenant": "q2c-sandbox",
    "username": "api@q2c-sandbox.local",
    "password": "sandbox-password",  # the sandbox's public demo password
}
_UNGUARDED = (api.AUTHENTICATE, api.REFRESH_TOKEN)
_STATUS_OF = {
    "Rate limit": 429,
    "Request refused": 429,
    "Not Found": 404,
    "Method Not Allowed": 405,
}


def create_kaseya_sandbox(
    faults: Faults,
    credentials: Mapping[str, str] | None = None,
    *,
    requests_per_window: int | None = 1_500,
    window_seconds: float = 3600.0,
    limit_retry_after: float = 1.0,
    access_token_seconds: float = 3600.0,
    refresh_token_seconds: float = 86_400.0,
    without: Collection[str] = (),
    instance: KaseyaInstance | None = None,
) -> Litestar:
    """Kaseya BMS under ``/v2``, with its hourly limit per endpoint unless told otherwise.

    ``access_token_seconds`` and ``refresh_token_seconds`` are the tokens' lifetimes; tests pass
    short ones to make the client refresh or sign in again. ``without``: unpublished operations
    (``"POST /v2/crm/quotes"``, see ``contract.NOT_IN_SPEC``) this instance lacks; they answer
    as ASP.NET answers a route it does not have: 405 where the path serves other methods, else
    404, with no body. ``instance``: the module numbers, look-up names and users this
    instance has (``seed.KaseyaInstance``), when not the demo's.
    """
    unknown = set(without) - {op.what for op in api.NOT_IN_SPEC}
    if unknown:
        raise ValueError(f"only unpublished operations can be left out, not {sorted(unknown)}")
    accepted = {**SANDBOX_CREDENTIALS, **(credentials or {})}
    tokens = SandboxTokens(
        accepted, access_seconds=access_token_seconds, refresh_seconds=refresh_token_seconds
    )
    store = KaseyaStore(tokens, instance=instance)
    limits = SandboxLimits(
        requests_per_window=requests_per_window,
        window_seconds=window_seconds,
        per_endpoint_budget=True,
        retry_after=limit_retry_after,
    )
    profile = VendorProfile(
        prefix=PREFIX, limits=limits, endpoint_of=api.endpoint_of, error_body=error_body
    )
    api_router = _api(store, frozenset(without))
    return build_sandbox_app(profile, store, faults, [api_router, *_controls(store)])


def error_body(messages: Sequence[str]) -> bytes:
    """Kaseya's envelope for refusals made outside the API's handlers (limits, unknown paths)."""
    first = messages[0] if messages else "The request failed"
    code = next((status for start, status in _STATUS_OF.items() if start in first), 400)
    return json.dumps(KaseyaRefusal(code, first, messages[1:]).body()).encode()


def _api(store: KaseyaStore, without: frozenset[str]) -> Router:
    def authorized(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        store.tokens.check(connection.headers.get("Authorization", ""))

    def refused(_: Request[Any, Any, Any], exc: KaseyaRefusal) -> Response[bytes]:
        store.refused(exc)
        return reply(exc.body(), exc.http_status)

    served = {op.path for op in api.OPERATIONS if op.what not in without}
    routes = [
        handler(
            op,
            _absent(op.path in served) if op.what in without else serve,
            [] if op in _UNGUARDED or op.what in without else [authorized],
        )
        for op, serve in api_routes(store).items()
    ]
    handlers: Any = {KaseyaRefusal: refused}
    return Router(path="/", route_handlers=routes, exception_handlers=handlers)


def _absent(path_served: bool) -> Serve:
    """An operation this instance lacks: what ASP.NET answers for a route it does not have."""

    async def serve(_: Call) -> Response[bytes]:
        return reply(None, 405 if path_served else 404)

    return serve


def _controls(store: KaseyaStore) -> list[ControllerRouterHandler]:
    """Knobs for tests and demos: what time does to Kaseya's tokens."""

    @post(f"{CONTROL_PATH}/tokens/expire", status_code=200)
    async def expire(request: Request[Any, Any, Any]) -> dict[str, Any]:
        raw = await request.body()
        refresh = bool(json.loads(raw).get("refresh")) if raw.strip() else False
        return {"expired": store.tokens.expire(refresh=refresh)}

    return [expire]
