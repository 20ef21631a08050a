"""The tenant's branding and logo: stored whole, replaced whole, one per tenant, written only
by a commit (QUO-7, PAY-13)."""

from __future__ import annotations

from decimal import Decimal

from domain.identity.branding import Branding, Logo
from tests.contract.repositories.conftest import World, world_of

PNG = b"\x89PNG\r\n\x1a\n" + bytes(32)
BRAND = Branding(
    name="Northwind IT",
    address=("12 Harbour Road", "Portland, OR 97201"),
    email="billing@northwind.example",
    quote_terms="Valid 30 days.\nNo refunds on hardware.",
    accent_colour="#0f766e",
    default_tax_rate=Decimal("8.25"),
    invoice_ready_emails=True,
)


async def test_branding_and_logo_round_trip_and_replace(world: World) -> None:
    async with world.uow() as uow:
        assert (await uow.branding.get(), await uow.branding.logo()) == (None, None)
        await uow.branding.save(BRAND)
        await uow.branding.save_logo(Logo("image/png", PNG, 10, 5))
        await uow.commit()
    async with world.uow() as uow:
        assert await uow.branding.get() == BRAND
        logo = await uow.branding.logo()
        assert logo is not None
        assert (logo.content, logo.width, logo.height) == (PNG, 10, 5)
        await uow.branding.save(Branding(name="Renamed"))
        await uow.branding.save_logo(None)
        await uow.commit()
    async with world.uow() as uow:
        assert await uow.branding.get() == Branding(name="Renamed")
        assert await uow.branding.logo() is None


async def test_nothing_is_kept_without_a_commit_nor_seen_by_another_tenant(world: World) -> None:
    async with world.uow() as uow:
        await uow.branding.save(BRAND)
    async with world.uow() as uow:
        assert await uow.branding.get() is None
        await uow.branding.save(BRAND)
        await uow.commit()
    other = await world_of(world.stack)
    async with other.uow() as uow:
        assert await uow.branding.get() is None
