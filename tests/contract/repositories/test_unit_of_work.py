"""The unit of work on every family: reads never conflict, a concurrent edit of a versioned row
is one Conflict, an unversioned row takes the last writer's change, nothing without a commit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from application.crm.ports import OrganizationFilter
from application.shared.errors import Conflict, NotFound
from application.shared.pagination import PageRequest
from application.shared.unit_of_work import UnitOfWork
from domain.billing.invoice import InvoiceDetails
from domain.crm.contact import ContactChanges
from domain.crm.organization import Organization, OrganizationChanges, OrganizationProfile
from domain.quotes.quote import QuoteHeader
from domain.shared.money import Money
from tests.contract.repositories.conftest import World
from tests.support.factories import NOW


@dataclass(frozen=True)
class Kind:
    """How to make, load and change one repository's aggregate, and read back the change."""

    build: Callable[[World], Awaitable[Any]]  # committed, returns the aggregate
    load: Callable[[UnitOfWork, Any], Awaitable[Any]]
    change: Callable[[Any, str], None]  # writes ``value`` somewhere visible
    seen: Callable[[Any], str]  # reads it back


async def _one(w: World, item: Any) -> Any:
    await w.save(item)
    return item


async def _payment(w: World) -> Any:
    invoice = w.invoice("50.00")
    payment = w.payment(invoice, "20.00")
    await w.save(invoice)
    await w.save(payment)
    return payment


def _invoice_described(invoice: Any, value: str) -> None:
    d = invoice.details
    invoice.revise(
        InvoiceDetails(
            psa_number=d.psa_number,
            organization_id=d.organization_id,
            total=d.total,
            invoice_date=d.invoice_date,
            description=value,
        ),
        NOW,
    )


def _quote_titled(quote: Any, value: str) -> None:
    h = quote.header
    quote.revise_header(
        QuoteHeader(
            organization_id=h.organization_id,
            owner_name=h.owner_name,
            title=value,
            currency=h.currency,
            expires_on=h.expires_on,
        ),
        NOW,
    )


VERSIONED: dict[str, Kind] = {
    "organizations": Kind(
        lambda w: _one(w, w.organization()),
        lambda u, i: u.organizations.get(i.id),
        lambda o, v: o.revise(OrganizationChanges(name=v), NOW),
        lambda o: o.name,
    ),
    "contacts": Kind(
        lambda w: _one(w, w.new_contact()),
        lambda u, i: u.contacts.get(i.id),
        lambda c, v: c.revise(ContactChanges(first_name=v), NOW),
        lambda c: c.first_name,
    ),
    "connections": Kind(
        lambda w: _one(w, w.connection()),
        lambda u, i: u.connections.get(i.id),
        lambda c, v: c.revise(name=v, base_url=None, sync_interval_minutes=None, now=NOW),
        lambda c: c.name,
    ),
    "invoices": Kind(
        lambda w: _one(w, w.invoice()),
        lambda u, i: u.invoices.get(i.id),
        _invoice_described,
        lambda i: i.details.description,
    ),
    "payments": Kind(
        _payment,
        lambda u, i: u.payments.get(i.id),
        lambda p, v: setattr(p, "gateway_message", v),
        lambda p: p.gateway_message,
    ),
    "categories": Kind(
        lambda w: _one(w, w.category("Hardware")),
        lambda u, i: u.categories.get(i.id),
        lambda c, v: c.revise(name=v, now=NOW),
        lambda c: c.name,
    ),
    "catalog items": Kind(
        lambda w: _one(w, w.item("SKU-1")),
        lambda u, i: u.catalog_items.get(i.id),
        lambda i, v: i.revise(
            type(i.details)(**{**vars(i.details), "name": v}),  # a frozen dataclass
            NOW,
        ),
        lambda i: i.details.name,
    ),
    "quotes": Kind(
        lambda w: _one(w, w.quote("Q-1")),
        lambda u, i: u.quotes.get(i.id),
        _quote_titled,
        lambda q: q.header.title,
    ),
}

UNVERSIONED: dict[str, Kind] = {
    "payment methods": Kind(
        lambda w: _one(w, w.method()),
        lambda u, i: u.payment_methods.get(i.id),
        lambda m, v: setattr(m, "brand", v),
        lambda m: m.brand,
    ),
    "PSA records": Kind(
        lambda w: _one(w, w.record("T-1")),
        lambda u, i: u.psa_records.find(i.connection_id, i.kind, i.external_id),
        lambda r, v: r.mirror(r.organization_id, v, r.status, NOW),
        lambda r: r.title,
    ),
}

EVERY = {**VERSIONED, **UNVERSIONED}


@pytest.mark.parametrize("name", EVERY)
async def test_two_units_of_work_that_only_read_a_row_do_not_conflict(
    world: World, name: str
) -> None:
    kind = EVERY[name]
    item = await kind.build(world)
    async with world.uow() as first, world.uow() as second:
        await kind.load(first, item)
        await kind.load(second, item)
        await first.commit()
        await second.commit()  # SQL writes nothing for a row only read: no version moves


@pytest.mark.parametrize("name", EVERY)
async def test_a_reader_does_not_conflict_with_a_writer_of_the_same_row(
    world: World, name: str
) -> None:
    kind = EVERY[name]
    item = await kind.build(world)
    async with world.uow() as writer, world.uow() as reader:
        mine = await kind.load(writer, item)
        await kind.load(reader, item)
        kind.change(mine, "Changed")
        await writer.commit()
        await reader.commit()  # it read the old row and wrote nothing: not a conflict
    async with world.uow() as uow:
        assert kind.seen(await kind.load(uow, item)) == "Changed"


@pytest.mark.parametrize("name", VERSIONED)
async def test_two_writers_of_a_versioned_row_one_conflict_and_the_first_kept(
    world: World, name: str
) -> None:
    kind = VERSIONED[name]
    item = await kind.build(world)
    async with world.uow() as first, world.uow() as second:
        kind.change(await kind.load(first, item), "First")
        kind.change(await kind.load(second, item), "Second")
        await first.commit()
        with pytest.raises(Conflict):
            await second.commit()
    async with world.uow() as uow:
        assert kind.seen(await kind.load(uow, item)) == "First"


@pytest.mark.parametrize("name", UNVERSIONED)
async def test_two_writers_of_an_unversioned_row_the_last_one_wins(world: World, name: str) -> None:
    kind = UNVERSIONED[name]
    item = await kind.build(world)
    async with world.uow() as first, world.uow() as second:
        kind.change(await kind.load(first, item), "First")
        kind.change(await kind.load(second, item), "Second")
        await first.commit()
        await second.commit()  # no version column: an UPDATE of the changed fields
    async with world.uow() as uow:
        assert kind.seen(await kind.load(uow, item)) == "Second"


@pytest.mark.parametrize("name", EVERY)
async def test_a_change_without_commit_is_not_kept(world: World, name: str) -> None:
    kind = EVERY[name]
    item = await kind.build(world)
    before = kind.seen(item)
    async with world.uow() as uow:
        kind.change(await kind.load(uow, item), "Lost")
    async with world.uow() as uow:
        assert kind.seen(await kind.load(uow, item)) == before


@pytest.mark.parametrize("name", VERSIONED)
async def test_a_unit_of_work_commits_twice_what_it_keeps_changing(world: World, name: str) -> None:
    kind = VERSIONED[name]
    item = await kind.build(world)
    async with world.uow() as uow:
        loaded = await kind.load(uow, item)
        kind.change(loaded, "Once")
        await uow.commit()
        kind.change(loaded, "Twice")  # still tracked after the first commit
        await uow.commit()
    async with world.uow() as uow:
        assert kind.seen(await kind.load(uow, item)) == "Twice"


async def test_adding_an_existing_id_is_a_conflict(world: World) -> None:
    org = world.organization("Twice")
    await world.save(org)
    again = Organization(
        id=org.id, tenant_id=world.tenant, profile=OrganizationProfile(name="Again"), now=NOW
    )
    with pytest.raises(Conflict):
        await world.save(again)
    async with world.uow() as uow:
        assert (await uow.organizations.get(org.id)).name == "Twice"


async def test_a_failed_commit_keeps_none_of_its_changes(world: World) -> None:
    org = world.organization("Kept", credit_limit=Money.of("5.00", "USD"))
    await world.save(org)
    fresh = world.organization("Fresh")
    async with world.uow() as first, world.uow() as second:
        (await first.organizations.get(org.id)).revise(OrganizationChanges(name="First"), NOW)
        (await second.organizations.get(org.id)).revise(OrganizationChanges(name="Second"), NOW)
        await second.organizations.add(fresh)
        await first.commit()
        with pytest.raises(Conflict):
            await second.commit()
    async with world.uow() as uow:
        with pytest.raises(NotFound):
            await uow.organizations.get(fresh.id)  # all or nothing


LOCKED: dict[str, Callable[[UnitOfWork, Any], Awaitable[Any]]] = {
    "invoices": lambda u, i: u.invoices.get(i.id, lock=True),
    "payments": lambda u, i: u.payments.get(i.id, lock=True),
    "quotes": lambda u, i: u.quotes.get(i.id, lock=True),
}


@pytest.mark.parametrize("name", LOCKED)
async def test_a_locked_read_refreshes_what_the_unit_of_work_loaded_before(
    world: World, name: str
) -> None:
    """Read, someone else commits, read again with a lock: the newest row, and no conflict."""
    kind, locked = VERSIONED[name], LOCKED[name]
    item = await kind.build(world)
    async with world.uow() as uow:
        early = await kind.load(uow, item)
        async with world.uow() as other:
            kind.change(await kind.load(other, item), "Theirs")
            await other.commit()
        fresh = await locked(uow, item)
        assert fresh is early  # one object per row in a unit of work
        assert kind.seen(fresh) == "Theirs"
        kind.change(fresh, "Mine")
        await uow.commit()
    async with world.uow() as uow:
        assert kind.seen(await kind.load(uow, item)) == "Mine"


async def test_what_a_unit_of_work_adds_is_found_once_committed(world: World) -> None:
    """No autoflush: an added row is not queried before the commit writes it; then it is."""
    org = world.organization("Added")
    async with world.uow() as uow:
        await uow.organizations.add(org)
        with pytest.raises(NotFound):
            await uow.organizations.get(org.id)
        listed = await uow.organizations.list(OrganizationFilter(), PageRequest())
        assert org.id not in {o.id for o in listed}
        await uow.commit()
        assert await uow.organizations.get(org.id) is org
