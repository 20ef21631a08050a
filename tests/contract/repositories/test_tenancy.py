"""Every repository sees only its unit of work's tenant: another tenant's rows are not found,
not listed, not counted, and cannot be added through it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from application.billing.repositories import InvoiceFilter, PaymentFilter
from application.catalog.ports import ItemFilter
from application.crm.ports import ContactFilter, OrganizationFilter
from application.quotes.repositories import QuoteFilter
from application.shared.errors import NotFound
from application.shared.pagination import PageRequest
from application.shared.unit_of_work import UnitOfWork
from domain.integrations.connection import Family
from domain.shared.ids import new_id
from tests.contract.repositories.conftest import EVERYTHING, World

ALL = PageRequest(limit=EVERYTHING)

Build = Callable[[World], Any]
Get = Callable[[UnitOfWork, Any], Awaitable[Any]]

GETS: dict[str, tuple[Build, Get]] = {
    "organizations": (lambda w: w.organization(), lambda u, i: u.organizations.get(i)),
    "contacts": (lambda w: w.new_contact(), lambda u, i: u.contacts.get(i)),
    "connections": (lambda w: w.connection(), lambda u, i: u.connections.get(i)),
    "invoices": (lambda w: w.invoice(), lambda u, i: u.invoices.get(i)),
    "locked invoices": (lambda w: w.invoice(), lambda u, i: u.invoices.get(i, lock=True)),
    "payment methods": (lambda w: w.method(), lambda u, i: u.payment_methods.get(i)),
    "categories": (lambda w: w.category("Hardware"), lambda u, i: u.categories.get(i)),
    "catalog items": (lambda w: w.item("SKU-1"), lambda u, i: u.catalog_items.get(i)),
    "quotes": (lambda w: w.quote("Q-1"), lambda u, i: u.quotes.get(i)),
    "locked quotes": (lambda w: w.quote("Q-1"), lambda u, i: u.quotes.get(i, lock=True)),
}


@pytest.mark.parametrize("name", GETS)
async def test_an_unknown_id_is_not_found(world: World, name: str) -> None:
    _, get = GETS[name]
    async with world.uow() as uow:
        with pytest.raises(NotFound):
            await get(uow, new_id())


@pytest.mark.parametrize("name", GETS)
async def test_another_tenants_row_is_not_found_and_ours_is(
    world: World, elsewhere: World, name: str
) -> None:
    build, get = GETS[name]
    ours, theirs = build(world), build(elsewhere)
    await world.save(ours)
    await elsewhere.save(theirs)
    async with world.uow() as uow:
        assert (await get(uow, ours.id)).id == ours.id
        with pytest.raises(NotFound):
            await get(uow, theirs.id)


async def test_payments_of_another_tenant_are_not_found(world: World, elsewhere: World) -> None:
    invoice = elsewhere.invoice()
    payment = elsewhere.payment(invoice, "10.00", key="shared-key")
    await elsewhere.save(invoice)
    await elsewhere.save(payment)
    async with world.uow() as uow:
        with pytest.raises(NotFound):
            await uow.payments.get(payment.id)
        with pytest.raises(NotFound):
            await uow.payments.get(payment.id, lock=True)
        assert await uow.payments.by_idempotency_key("shared-key") is None
        assert await uow.payments.on_invoice(invoice.id) == []
        assert await uow.payments.list(PaymentFilter(), ALL) == []
        assert await uow.payments.history(payment.id) == []


async def test_no_listing_shows_another_tenants_rows(world: World, elsewhere: World) -> None:
    """``elsewhere`` holds one of everything; ``world`` its own parents only."""
    e = elsewhere
    invoice = e.invoice(psa_number="SHARED-1")
    category = e.category("Hardware")
    await e.save(invoice, category, e.record("R-1"), e.quote("Q-1"), e.notification())
    await e.save(e.payment(invoice, "5.00"), e.item("SKU-1"))
    async with world.uow() as uow:
        assert [o.id for o in await uow.organizations.list(OrganizationFilter(), ALL)] == [
            world.org.id
        ]
        assert [c.id for c in await uow.contacts.list(ContactFilter(), ALL)] == [world.contact.id]
        assert [c.id for c in await uow.connections.all()] == [world.psa.id]
        assert [c.id for c in await uow.connections.enabled()] == [world.psa.id]
        assert (await uow.connections.enabled_of(Family.PSA)).id == world.psa.id  # type: ignore[union-attr]
        assert await uow.invoices.list(InvoiceFilter(), ALL) == []
        assert await uow.invoices.by_psa_number("SHARED-1") is None
        assert [m.id for m in await uow.payment_methods.of_organization(world.org.id)] == [
            world.card.id
        ]
        assert await uow.payment_methods.of_organization(e.org.id) == []
        assert await uow.psa_records.find(e.psa.id, e.record("R-1").kind, "R-1") is None
        assert await uow.psa_records.of_organization(e.org.id) == []
        assert await uow.categories.all() == []
        assert await uow.catalog_items.list(ItemFilter(), ALL) == []
        assert await uow.quotes.list(QuoteFilter(), ALL) == []
        assert await uow.quotes.count() == 0


@pytest.mark.parametrize(
    "build",
    [
        lambda w: w.organization(),
        lambda w: w.new_contact(),
        lambda w: w.connection(),
        lambda w: w.invoice(),
        lambda w: w.method(),
        lambda w: w.record("R-9"),
        lambda w: w.notification(),
        lambda w: w.category("Hardware"),
        lambda w: w.item("SKU-9"),
        lambda w: w.quote("Q-9"),
    ],
    ids=[
        "organizations",
        "contacts",
        "connections",
        "invoices",
        "payment methods",
        "PSA records",
        "notifications",
        "categories",
        "catalog items",
        "quotes",
    ],
)
async def test_a_row_of_another_tenant_cannot_be_added(
    world: World, elsewhere: World, build: Build
) -> None:
    from tests.contract.repositories.conftest import repository

    smuggled = build(elsewhere)
    async with world.uow() as uow:
        with pytest.raises(ValueError, match="another tenant"):
            await repository(uow, smuggled).add(smuggled)
