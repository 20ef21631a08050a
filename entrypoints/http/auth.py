"""Bearer API keys and role guards: every ``/v1`` and ``/portal/v1`` route names its roles."""

from __future__ import annotations

from typing import Any

import structlog
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.authentication import (
    AbstractAuthenticationMiddleware,
    AuthenticationResult,
)
from litestar.types import ASGIApp, Guard, Scope

from application.identity.ports import Principal
from application.identity.use_cases import Authenticate
from domain.identity.access import Role

# Sandboxes: vendor auth; the OAuth callback: a browser sent back by the vendor, with the state;
# hooks: a system's callback, with the connection's key.
# Static assets: public files. The portal's pages (``/portal/`` but not its API, ``/portal/v1``)
# sign their contacts in with a session cookie of their own.
PUBLIC_PATHS = [
    "^/health",
    "^/metrics",
    "^/schema",
    "^/sandbox/",
    "^/oauth/callback$",
    "^/hooks/",  # a system's callbacks: the key in the URL (CW-8)
    "^/static/",
    "^/portal(?!/v1(/|$))",
]


class ApiKeyAuthMiddleware(AbstractAuthenticationMiddleware):
    def __init__(self, app: ASGIApp, authenticate: Authenticate) -> None:
        # OPTIONS and HEAD too: a route's guards run for them, and need to know the caller.
        super().__init__(app, exclude=PUBLIC_PATHS, exclude_http_methods=())
        self._authenticate = authenticate

    async def authenticate_request(
        self,
        connection: ASGIConnection[Any, Any, Any, Any],
    ) -> AuthenticationResult:
        scheme, _, token = connection.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthorizedException("send an API key as 'Authorization: Bearer <key>'")
        principal = await self._authenticate(token.strip())
        if principal is None:
            raise NotAuthorizedException("the API key is unknown or revoked")
        structlog.contextvars.bind_contextvars(
            tenant_id=str(principal.tenant_id), key_id=str(principal.key_id)
        )
        return AuthenticationResult(user=principal, auth=principal.key_id)


async def authorize(scope: Scope) -> None:
    """The route's guards (its roles), run early by the middlewares that must not go further
    for a caller the route refuses (reading a body, claiming or replaying a kept answer);
    Litestar runs them again before the handler."""
    handler = scope.get("route_handler")
    if handler is not None:
        await handler.authorize_connection(ASGIConnection(scope))


def allow(*roles: Role) -> Guard:
    """A guard letting through only callers whose key has one of ``roles``."""
    names = frozenset(role.value for role in roles)

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        principal = connection.scope.get("user")
        if not isinstance(principal, Principal):
            raise NotAuthorizedException("send an API key as 'Authorization: Bearer <key>'")
        if principal.role not in names:
            raise PermissionDeniedException(
                f"this needs one of the roles: {', '.join(sorted(names))}"
            )

    return guard


ANY_STAFF = allow(Role.ADMIN, Role.MANAGER, Role.SALES)
MANAGERS = allow(Role.ADMIN, Role.MANAGER)
ADMINS = allow(Role.ADMIN)
PORTAL = allow(Role.PORTAL)  # /portal/v1 only: staff routes list staff roles
