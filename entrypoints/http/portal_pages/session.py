"""Who is looking at a portal page: the contact whose session cookie holds a portal token.

The sign-in link's token (``SignInWithInvitation``) becomes a portal token, kept in an HttpOnly
cookie (SameSite=Lax, so a link from an email opens a signed-in page; Secure when the hub is
reached over HTTPS). A page resolves it exactly as ``/portal/v1`` resolves a bearer token
(``Authenticate``): the same principal, so the same tenant and organization scoping.

Every form is checked against CSRF by Litestar's double-submit token (``csrf_config``): a
signed token in a cookie of the pages' own path and the same token in the form (or, for htmx,
a header). The API (bearer keys, no cookies) is outside it.
"""

from __future__ import annotations

import hashlib
from typing import Any

from litestar import Request
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException

from application.identity.ports import Principal
from application.identity.use_cases import Authenticate
from domain.identity.access import PORTAL_SESSION_LIFETIME
from entrypoints.http.controllers.portal import PortalCaller

PAGES = "/portal"
SESSION_COOKIE = "q2c_portal"
CSRF_COOKIE = "q2c_portal_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "_csrf_token"  # Litestar's form field name
SESSION_SECONDS = int(PORTAL_SESSION_LIFETIME.total_seconds())  # the server's expiry too
# Everything but the pages: the API (/v1, /portal/v1), the docs, the assets, the sandboxes
# (the bare "/" is left checked: nothing answers there, and Litestar warns of a pattern that
# matches it, taking it for one that matches everything).
NOT_PAGES = rf"^(?!{PAGES}(?!/v1(/|$))(/|$))(?=/.)"


class SignedOut(NotAuthorizedException):
    """No session, or one signed out, revoked, expired or of a deactivated contact."""


def csrf_config(secret: str, *, secure: bool) -> CSRFConfig:
    return CSRFConfig(
        secret=hashlib.sha256(f"portal-csrf:{secret}".encode()).hexdigest(),
        cookie_name=CSRF_COOKIE,
        cookie_path=PAGES,
        cookie_secure=secure,
        cookie_httponly=True,
        cookie_samesite="strict",
        header_name=CSRF_HEADER,
        exclude=[NOT_PAGES],
    )


def secure_request(request: Request[Any, Any, Any], link_url: str) -> bool:
    return request.url.scheme == "https" or link_url.startswith("https://")


def session_cookie(token: str, *, secure: bool, max_age: int = SESSION_SECONDS) -> Cookie:
    """The session's cookie: HttpOnly, SameSite=Lax, Secure behind HTTPS."""
    return Cookie(
        key=SESSION_COOKIE,
        value=token,
        path=PAGES,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=secure,
    )


def ended_session(*, secure: bool) -> Cookie:
    """The same cookie, emptied and expired: signing out."""
    return session_cookie("", secure=secure, max_age=0)


async def session_principal(
    request: Request[Any, Any, Any], authenticate: NamedDependency[Authenticate]
) -> Principal:
    token = request.cookies.get(SESSION_COOKIE, "")
    principal = await authenticate(token) if token else None
    if principal is None or principal.contact_id is None or principal.organization_id is None:
        raise SignedOut("sign in with the link from your invitation email")
    return principal


def page_caller(session: NamedDependency[Principal]) -> PortalCaller:
    assert session.contact_id is not None
    assert session.organization_id is not None
    return PortalCaller(session.tenant_id, session.contact_id, session.organization_id)
