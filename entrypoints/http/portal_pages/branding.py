"""The MSP's branding on the portal's pages: its name and logo in the header, its accent
colour, its address and contacts in the footer.

A signed-in page's ``caller`` dependency reads the tenant's branding into the request's state,
where ``base.html`` finds it; a page before sign-in is the plain "Billing portal". The accent is
darkened where white text on it, or it as text on the page's background, would miss WCAG AA.
The logo is served at ``/portal/logo`` to the tenant's own contacts, with its digest as ETag.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency, Provide

from application.identity.branding import BrandingQueries, TenantBranding
from application.identity.ports import Principal
from application.shared.errors import NotFound
from domain.identity.branding import readable_on_white
from entrypoints.http.controllers.portal import PortalCaller
from entrypoints.http.portal_pages.session import PAGES, page_caller, session_principal

PAGE_BACKGROUND = "#F9FAFB"  # portal.css's --bg
BRAND_STATE = "portal_brand"


@dataclass(frozen=True)
class PageBrand:
    name: str
    accent: str  # readable: white on it and it on the page both at least 4.5:1
    has_logo: bool
    address: tuple[str, ...]
    contacts: tuple[str, ...]

    @classmethod
    def of(cls, found: TenantBranding) -> PageBrand:
        b = found.branding
        return cls(
            name=b.name,
            accent=readable_on_white(b.accent_colour, PAGE_BACKGROUND),
            has_logo=found.logo is not None,
            address=b.address,
            contacts=b.contact_lines,
        )


async def branded_caller(
    request: Request[Any, Any, Any],
    session: NamedDependency[Principal],
    branding_queries: NamedDependency[BrandingQueries],
) -> PortalCaller:
    """The page's caller, as ``page_caller``; the tenant's branding kept for the layout."""
    request.state[BRAND_STATE] = PageBrand.of(await branding_queries(session.tenant_id))
    return page_caller(session)


class PortalLogo(Controller):
    path = PAGES
    include_in_schema = False
    opt = {"page": True}  # noqa: RUF012
    dependencies = {"session": Provide(session_principal)}  # noqa: RUF012

    @get("/logo")
    async def logo(
        self,
        request: Request[Any, Any, Any],
        session: NamedDependency[Principal],
        branding_queries: NamedDependency[BrandingQueries],
    ) -> Response[bytes]:
        logo = (await branding_queries(session.tenant_id)).logo
        if logo is None:
            raise NotFound("no logo")
        etag = f'"{logo.sha256}"'
        # Revalidated on every page (a 304 while unchanged): one URL serves every tenant's logo,
        # so a browser signed out of one MSP's portal and into another's, or a logo replaced,
        # never shows the one it kept (review).
        headers = {"ETag": etag, "Cache-Control": "private, no-cache", "Vary": "Cookie"}
        if request.headers.get("if-none-match") == etag:
            return Response(b"", status_code=304, headers=headers)
        return Response(logo.content, media_type=logo.media_type, headers=headers)
