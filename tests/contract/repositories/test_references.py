"""A row must refer to rows that exist: a missing parent is a Conflict at commit on every
family, and nothing of that commit is kept (the tables' foreign keys)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from application.crm.ports import OrganizationFilter
from application.shared.errors import Conflict
from application.shared.pagination import PageRequest
from domain.catalog.item import CategoryId
from domain.crm.organization import ContactId, OrganizationId
from domain.integrations.connection import ConnectionId
from domain.shared.ids import new_id
from tests.contract.repositories.conftest import World, repository

NOWHERE = new_id()


def _contact(w: World) -> Any:
    made = w.new_contact()
    made.organization_id = OrganizationId(NOWHERE)
    return made


def _invoice(w: World) -> Any:
    made = w.invoice()
    made.organization_id = OrganizationId(NOWHERE)
    return made


def _method(w: World) -> Any:
    made = w.method()
    made.organization_id = OrganizationId(NOWHERE)
    return made


def _record(w: World) -> Any:
    made = w.record("R-404")
    made.connection_id = ConnectionId(NOWHERE)
    return made


def _subcategory(w: World) -> Any:
    made = w.category("Orphan")
    made.parent_id = CategoryId(NOWHERE)
    return made


def _item(w: World) -> Any:
    return w.item("SKU-404", category_id=CategoryId(NOWHERE))


def _quote(w: World) -> Any:
    made = w.quote("Q-404")
    made.header = type(made.header)(
        **{**vars(made.header), "organization_id": OrganizationId(NOWHERE)}
    )
    return made


ORPHANS: dict[str, Callable[[World], Any]] = {
    "contact of no organization": _contact,
    "invoice of no organization": _invoice,
    "payment method of no organization": _method,
    "PSA record of no connection": _record,
    "subcategory of no category": _subcategory,
    "catalog item in no category": _item,
    "quote to no organization": _quote,
}


@pytest.mark.parametrize("name", ORPHANS)
async def test_a_row_refers_to_rows_that_exist(world: World, name: str) -> None:
    orphan = ORPHANS[name](world)
    bystander = world.organization("Bystander")
    async with world.uow() as uow:
        await uow.organizations.add(bystander)
        await repository(uow, orphan).add(orphan)
        with pytest.raises(Conflict):
            await uow.commit()
    async with world.uow() as uow:
        listed = await uow.organizations.list(OrganizationFilter(), PageRequest())
    assert [o.id for o in listed] == [world.org.id]  # nothing of that commit was kept


async def test_a_payment_refers_to_its_invoice_contact_and_method(world: World) -> None:
    invoice = world.invoice()
    payment = world.payment(invoice, "10.00")
    await world.save(invoice)
    payment.method_id = new_id()  # a method that does not exist
    with pytest.raises(Conflict):
        await world.save(payment)
    payment.method_id = world.card.id
    payment.contact_id = ContactId(new_id())
    with pytest.raises(Conflict):
        await world.save(payment)
