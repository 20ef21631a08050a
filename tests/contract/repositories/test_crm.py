"""Organizations, contacts, PSA records: filters, keyset pages, look-ups (BSS-1, BSS-2, PAY-12)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from application.crm.ports import ContactFilter, OrganizationFilter
from application.shared.errors import Conflict
from application.shared.pagination import PageRequest
from domain.crm.contact import ContactChanges
from domain.crm.organization import OrganizationChanges, OrganizationStatus, OrganizationType
from domain.crm.records import RecordKind
from tests.contract.repositories.conftest import EVERYTHING, World
from tests.support.factories import NOW

ALL = PageRequest(limit=EVERYTHING)


async def test_organization_pages_are_ids_ascending_with_one_row_more(world: World) -> None:
    orgs = [world.organization(f"Org {i}") for i in range(7)]
    await world.save(*orgs)
    ids = sorted([world.org.id, *(o.id for o in orgs)])
    async with world.uow() as uow:
        first = await uow.organizations.list(OrganizationFilter(), PageRequest(limit=3))
        second = await uow.organizations.list(
            OrganizationFilter(), PageRequest(limit=3, after=first[2].id)
        )
        last = await uow.organizations.list(
            OrganizationFilter(), PageRequest(limit=3, after=ids[5])
        )
    assert [o.id for o in first] == ids[:4]  # limit + 1 says there is more
    assert [o.id for o in second] == ids[3:7]
    assert [o.id for o in last] == ids[6:]


async def test_organization_filters(world: World) -> None:
    parent = world.org
    child = world.organization("Child_Co", parent_id=parent.id, account_number="AC-77")
    vendor = world.organization("Vendor 100%", type=OrganizationType.VENDOR)
    gone = world.organization("Gone")
    gone.deactivate(NOW)
    await world.save(child, vendor, gone)
    async with world.uow() as uow:

        async def names(where: OrganizationFilter) -> list[str]:
            return sorted(o.name for o in await uow.organizations.list(where, ALL))

        assert await names(OrganizationFilter(parent_id=parent.id)) == ["Child_Co"]
        assert await names(OrganizationFilter(type=OrganizationType.VENDOR)) == ["Vendor 100%"]
        assert await names(OrganizationFilter(status=OrganizationStatus.INACTIVE)) == ["Gone"]
        assert await names(OrganizationFilter(search="d_c")) == ["Child_Co"]  # literal _
        assert await names(OrganizationFilter(search="0%")) == ["Vendor 100%"]  # literal %
        assert await names(OrganizationFilter(search="ac-7")) == ["Child_Co"]  # account number
        assert await names(OrganizationFilter(created_from=NOW, created_to=NOW)) == []
        assert len(await names(OrganizationFilter(created_from=NOW))) == 4
        assert await names(OrganizationFilter(created_to=NOW + timedelta(seconds=1))) == sorted(
            ["Home Org", "Child_Co", "Vendor 100%", "Gone"]
        )


async def test_an_organization_update_is_kept(world: World) -> None:
    async with world.uow() as uow:
        org = await uow.organizations.get(world.org.id)
        org.revise(OrganizationChanges(name="Renamed", phone="+1 555 0199"), NOW)
        await uow.commit()
    async with world.uow() as uow:
        stored = await uow.organizations.get(world.org.id)
    assert (stored.name, stored.phone) == ("Renamed", "+1 555 0199")


async def test_contacts_filter_page_and_update(world: World) -> None:
    other_org = world.organization("Other")
    await world.save(other_org)
    grace = world.new_contact("Grace", "Hopper")
    elsewhere = world.new_contact("Alan", "Turing")
    elsewhere.organization_id = other_org.id
    quiet = world.new_contact("Quiet", "One")
    quiet.deactivate(NOW)
    await world.save(grace, elsewhere, quiet)
    async with world.uow() as uow:

        async def firsts(where: ContactFilter, page: PageRequest = ALL) -> list[str]:
            return [c.first_name for c in await uow.contacts.list(where, page)]

        assert sorted(await firsts(ContactFilter(organization_id=world.org.id))) == [
            "Ada",
            "Grace",
            "Quiet",
        ]
        assert await firsts(ContactFilter(search="HOPP")) == ["Grace"]
        assert await firsts(ContactFilter(search="contoso.TEST", active=False)) == ["Quiet"]
        assert sorted(await firsts(ContactFilter(active=True))) == ["Ada", "Alan", "Grace"]
        ids = sorted(c.id for c in (world.contact, grace, elsewhere, quiet))
        page = await uow.contacts.list(ContactFilter(), PageRequest(limit=1, after=ids[1]))
        assert [c.id for c in page] == ids[2:4]
        found = await uow.contacts.get(grace.id)
        found.revise(ContactChanges(title="Rear Admiral"), NOW)
        await uow.commit()
    async with world.uow() as uow:
        assert (await uow.contacts.get(grace.id)).title == "Rear Admiral"


async def test_psa_records_found_by_their_external_id_and_listed_by_organization(
    world: World,
) -> None:  # PAY-12
    ticket, contract = world.record("100"), world.record("100", RecordKind.CONTRACT)
    other = world.record("200")
    other_org = world.organization("Other")
    await world.save(other_org)
    other.organization_id = other_org.id
    await world.save(ticket, contract, other)
    async with world.uow() as uow:
        found = await uow.psa_records.find(world.psa.id, RecordKind.TICKET, "100")
        assert found is not None
        assert found.id == ticket.id
        assert (await uow.psa_records.find(world.psa.id, RecordKind.CONTRACT, "100")).id == (  # type: ignore[union-attr]
            contract.id
        )
        assert await uow.psa_records.find(world.psa.id, RecordKind.TICKET, "999") is None
        many = await uow.psa_records.find_many(world.psa.id, RecordKind.TICKET, ["100", "200", "9"])
        assert {e: r.id for e, r in many.items()} == {"100": ticket.id, "200": other.id}
        mine = await uow.psa_records.of_organization(world.org.id)
        assert [r.id for r in mine] == sorted([ticket.id, contract.id])
        tickets = await uow.psa_records.of_organization(world.org.id, RecordKind.TICKET)
        assert [r.id for r in tickets] == [ticket.id]


async def test_a_psa_record_is_mirrored_once_per_external_id(world: World) -> None:
    await world.save(world.record("300"))
    with pytest.raises(Conflict):
        await world.save(world.record("300"))
    async with world.uow() as uow:
        assert len(await uow.psa_records.of_organization(world.org.id)) == 1
