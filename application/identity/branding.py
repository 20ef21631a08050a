"""The tenant's branding: read by every staff member, changed by admins (QUO-7, PAY-13).

A tenant that never set one is branded with its own name and the defaults; the PDFs, the
portal and the emails read ``branding_of`` and never see "none". A logo is checked twice: its
size and signature by the domain (``Logo``), and that it decodes as the image it claims to be
by the ``ImageProbe`` (a renamed file or a truncated upload is refused, naming ``logo``).
"""

from __future__ import annotations

from dataclasses import dataclass

from application.identity.ports import ImageProbe
from application.shared.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.identity.branding import Branding, Logo
from domain.identity.tenant import TenantId
from domain.shared.errors import InvalidValue


@dataclass(frozen=True)
class TenantBranding:
    branding: Branding
    logo: Logo | None


async def branding_of(uow: UnitOfWork) -> Branding:
    """The tenant's branding, or its name with the defaults when it set none."""
    found = await uow.branding.get()
    return found if found is not None else Branding(name=(await uow.tenants.get()).name)


class BrandingQueries:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, tenant_id: TenantId) -> TenantBranding:
        async with self._uow(tenant_id) as uow:
            return TenantBranding(await branding_of(uow), await uow.branding.logo())


class ChangeBranding:
    """Replaces the whole branding (its checks ran when the value was built)."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, tenant_id: TenantId, branding: Branding) -> TenantBranding:
        async with self._uow(tenant_id) as uow:
            await uow.branding.save(branding)
            logo = await uow.branding.logo()
            await uow.commit()
        return TenantBranding(branding, logo)


class SetLogo:
    """Stores an uploaded logo (PNG or JPEG, at most 512 KB, a real image), or removes it."""

    def __init__(self, uow: UnitOfWorkFactory, images: ImageProbe) -> None:
        self._uow = uow
        self._images = images

    async def __call__(self, tenant_id: TenantId, content: bytes | None) -> TenantBranding:
        logo = None if content is None else self._logo(content)
        async with self._uow(tenant_id) as uow:
            await uow.branding.save_logo(logo)
            branding = await branding_of(uow)
            await uow.commit()
        return TenantBranding(branding, logo)

    def _logo(self, content: bytes) -> Logo:
        if not content:
            raise InvalidValue("the logo is empty", field="logo")
        facts = self._images.probe(content)
        return Logo(facts.media_type, content, facts.width, facts.height)
