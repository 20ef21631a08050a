"""``/v1/tenant/branding``: any staff reads it, admins change it and its logo."""

from __future__ import annotations

from litestar import Controller, Response, delete, get, put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from application.identity.branding import BrandingQueries, ChangeBranding, SetLogo
from application.identity.ports import Principal
from application.shared.errors import NotFound
from entrypoints.http.auth import ADMINS, ANY_STAFF
from entrypoints.http.schemas.branding import BrandingIn, BrandingOut, LogoIn


class BrandingController(Controller):
    path = "/v1/tenant/branding"
    tags = ["tenant"]  # noqa: RUF012

    @get("/", guards=[ANY_STAFF], summary="The MSP's name, logo, contacts, terms and colour")
    async def read(
        self,
        principal: NamedDependency[Principal],
        branding_queries: NamedDependency[BrandingQueries],
    ) -> BrandingOut:
        return BrandingOut.of(await branding_queries(principal.tenant_id))

    @put("/", guards=[ADMINS], summary="Replace the branding the PDFs, portal and emails show")
    async def change(
        self,
        data: JSONBody[BrandingIn],
        principal: NamedDependency[Principal],
        change_branding: NamedDependency[ChangeBranding],
    ) -> BrandingOut:
        return BrandingOut.of(await change_branding(principal.tenant_id, data.to_branding()))

    @put("/logo", guards=[ADMINS], summary="Upload the logo: a PNG or JPEG of at most 512 KB")
    async def upload_logo(
        self,
        data: JSONBody[LogoIn],
        principal: NamedDependency[Principal],
        set_logo: NamedDependency[SetLogo],
    ) -> BrandingOut:
        return BrandingOut.of(await set_logo(principal.tenant_id, data.content))

    @delete("/logo", guards=[ADMINS], status_code=200, summary="Remove the logo")
    async def remove_logo(
        self, principal: NamedDependency[Principal], set_logo: NamedDependency[SetLogo]
    ) -> BrandingOut:
        return BrandingOut.of(await set_logo(principal.tenant_id, None))

    @get("/logo", guards=[ANY_STAFF], summary="The logo's image")
    async def logo(
        self,
        principal: NamedDependency[Principal],
        branding_queries: NamedDependency[BrandingQueries],
    ) -> Response[bytes]:
        found = (await branding_queries(principal.tenant_id)).logo
        if found is None:
            raise NotFound("the tenant has no logo")
        return Response(found.content, media_type=found.media_type)
