"""CRM use cases and queries against the in-memory persistence fakes (BSS-1, BSS-2, SPEC §0)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.persistence.memory import InMemoryDatabase, InMemoryUnitOfWorkFactory
from application.crm.ports import ContactFilter, OrganizationFilter
from application.crm.queries import CrmQueries
from application.crm.use_cases import (
    CreateContact,
    CreateOrganization,
    DeactivateContact,
    DeactivateOrganization,
    UpdateContact,
    UpdateOrganization,
)
from application.shared.errors import Conflict, NotFound
from application.shared.pagination import PageRequest
from application.shared.unit_of_work import UnitOfWorkFactory
from domain.crm.contact import Contact, ContactChanges, ContactProfile
from domain.crm.organization import (
    Organization,
    OrganizationChanges,
    OrganizationId,
    OrganizationProfile,
    OrganizationStatus,
    OrganizationType,
    OrganizationUpdated,
)
from domain.identity.tenant import TenantId
from domain.shared.errors import DomainError, InvalidValue
from domain.shared.money import Currency, Money
from tests.support.clock import FixedClock
from tests.support.memory import with_tenants

TENANT_A = TenantId(uuid.UUID(int=0xA))
TENANT_B = TenantId(uuid.UUID(int=0xB))
NOW = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Crm:
    uow: InMemoryUnitOfWorkFactory
    create_organization: CreateOrganization
    update_organization: UpdateOrganization
    deactivate_organization: DeactivateOrganization
    create_contact: CreateContact
    update_contact: UpdateContact
    deactivate_contact: DeactivateContact
    queries: CrmQueries


def as_port(factory: InMemoryUnitOfWorkFactory) -> UnitOfWorkFactory:
    # The fake is type-checked against the port here (STYLE 8).
    return factory


@pytest.fixture
def crm() -> Crm:
    fake = InMemoryUnitOfWorkFactory(with_tenants(InMemoryDatabase(), TENANT_A, TENANT_B))
    uow = as_port(fake)
    args = (uow, FixedClock(NOW), uuid.uuid4)
    return Crm(
        fake,
        CreateOrganization(*args),
        UpdateOrganization(*args),
        DeactivateOrganization(*args),
        CreateContact(*args),
        UpdateContact(*args),
        DeactivateContact(*args),
        CrmQueries(uow),
    )


def link(field: str, target: uuid.UUID) -> dict[str, Any]:
    return {field: target}


async def add_org(
    crm: Crm, tenant: TenantId = TENANT_A, name: str = "Contoso", **fields: Any
) -> Organization:
    return await crm.create_organization(tenant, OrganizationProfile(name=name, **fields))


async def add_contact(crm: Crm, org: Organization, first_name: str = "Ada") -> Contact:
    profile = ContactProfile(first_name=first_name, last_name="Lovelace")
    return await crm.create_contact(org.tenant_id, org.id, profile)


async def stored(crm: Crm, tenant: TenantId, org_id: OrganizationId) -> Organization:
    """The committed organization, read through a fresh unit of work."""
    async with crm.uow(tenant) as uow:
        return await uow.organizations.get(org_id)


async def all_org_ids(
    crm: Crm, tenant: TenantId, where: OrganizationFilter, limit: int
) -> list[uuid.UUID]:
    """Walk every page with the cursor each page hands back."""
    seen: list[uuid.UUID] = []
    cursor: str | None = None
    while True:
        page = await crm.queries.organizations(tenant, where, PageRequest.parse(limit, cursor))
        seen += [o.id for o in page.items]
        if (cursor := page.next_cursor) is None:
            return seen


# --- organizations: create ----------------------------------------------------------------------


async def test_create_organization_stores_profile_and_time(crm: Crm) -> None:  # BSS-1
    org = await add_org(crm, account_number="A-7", currency=Currency.USD)
    read = await crm.queries.organization(TENANT_A, org.id)
    assert read.profile == org.profile
    assert (read.created_at, read.status) == (NOW, OrganizationStatus.ACTIVE)


@pytest.mark.parametrize("field", ["parent_id", "bill_to_id"])
async def test_link_to_an_organization_of_the_same_tenant_is_kept(crm: Crm, field: str) -> None:
    parent = await add_org(crm, name="Parent")
    child = await add_org(crm, **link(field, parent.id))
    assert getattr(await stored(crm, TENANT_A, child.id), field) == parent.id  # BSS-1


@pytest.mark.parametrize("field", ["parent_id", "bill_to_id"])
async def test_link_to_an_unknown_organization_is_refused(crm: Crm, field: str) -> None:
    with pytest.raises(InvalidValue) as caught:  # BSS-1
        await add_org(crm, **link(field, uuid.uuid4()))
    assert caught.value.field == field


@pytest.mark.parametrize("field", ["parent_id", "bill_to_id"])
async def test_link_to_another_tenants_organization_is_refused(crm: Crm, field: str) -> None:
    foreign = await add_org(crm, TENANT_B, name="Foreign")
    with pytest.raises(InvalidValue) as caught:  # SPEC §0: nothing crosses tenants
        await add_org(crm, **link(field, foreign.id))
    assert caught.value.field == field


async def test_unknown_default_contact_is_refused(crm: Crm) -> None:  # BSS-1
    with pytest.raises(InvalidValue) as caught:
        await add_org(crm, default_contact_id=uuid.uuid4())
    assert caught.value.field == "default_contact_id"


async def test_refused_create_stores_nothing(crm: Crm) -> None:  # BSS-1
    with pytest.raises(InvalidValue):
        await add_org(crm, parent_id=OrganizationId(uuid.uuid4()))
    page = await crm.queries.organizations(TENANT_A, OrganizationFilter(), PageRequest())
    assert list(page.items) == []


# --- organizations: update ----------------------------------------------------------------------


async def test_update_changes_the_stored_organization(crm: Crm) -> None:  # BSS-1
    org = await add_org(crm, phone="111")
    await crm.update_organization(TENANT_A, org.id, OrganizationChanges(phone="222"))
    again = await stored(crm, TENANT_A, org.id)
    assert (again.name, again.phone) == ("Contoso", "222")


async def test_update_may_set_a_contact_of_the_organization_as_default(crm: Crm) -> None:
    org = await add_org(crm)
    contact = await add_contact(crm, org)
    changes = OrganizationChanges(default_contact_id=contact.id)
    await crm.update_organization(TENANT_A, org.id, changes)
    assert (await stored(crm, TENANT_A, org.id)).default_contact_id == contact.id  # BSS-1


async def test_default_contact_of_another_organization_is_refused(crm: Crm) -> None:  # BSS-1
    org, other = await add_org(crm), await add_org(crm, name="Other")
    contact = await add_contact(crm, other)
    with pytest.raises(InvalidValue) as caught:
        await crm.update_organization(
            TENANT_A, org.id, OrganizationChanges(default_contact_id=contact.id)
        )
    assert caught.value.field == "default_contact_id"


async def test_default_contact_of_another_tenant_is_refused(crm: Crm) -> None:  # SPEC §0
    org, foreign_org = await add_org(crm), await add_org(crm, TENANT_B)
    foreign = await add_contact(crm, foreign_org)
    with pytest.raises(InvalidValue) as caught:
        await crm.update_organization(
            TENANT_A, org.id, OrganizationChanges(default_contact_id=foreign.id)
        )
    assert caught.value.field == "default_contact_id"


async def test_failed_update_leaves_the_stored_organization_unchanged(crm: Crm) -> None:  # MON-4
    org = await add_org(crm, phone="111")
    foreign = await add_org(crm, TENANT_B)
    before = (await stored(crm, TENANT_A, org.id)).profile
    changes = OrganizationChanges(name="Renamed", phone="999", parent_id=foreign.id)
    with pytest.raises(InvalidValue) as caught:
        await crm.update_organization(TENANT_A, org.id, changes)
    assert caught.value.field == "parent_id"
    assert (await stored(crm, TENANT_A, org.id)).profile == before


async def test_domain_refusal_on_update_leaves_storage_unchanged(crm: Crm) -> None:  # MON-4
    org = await add_org(crm, currency=Currency.USD)
    changes = OrganizationChanges(name="Renamed", credit_limit=Money.of("-5", Currency.USD))
    with pytest.raises(InvalidValue):
        await crm.update_organization(TENANT_A, org.id, changes)
    again = await stored(crm, TENANT_A, org.id)
    assert (again.name, again.credit_limit) == ("Contoso", None)


# --- organizations: deactivate ------------------------------------------------------------------


async def test_deactivate_organization_is_stored(crm: Crm) -> None:  # BSS-1
    org = await add_org(crm)
    await crm.deactivate_organization(TENANT_A, org.id)
    assert not (await stored(crm, TENANT_A, org.id)).active


async def test_deactivate_organization_twice_is_refused(crm: Crm) -> None:  # BSS-1
    org = await add_org(crm)
    await crm.deactivate_organization(TENANT_A, org.id)
    with pytest.raises(DomainError) as caught:
        await crm.deactivate_organization(TENANT_A, org.id)
    assert caught.value.code == "already_inactive"


# --- tenant isolation (SPEC §0) -----------------------------------------------------------------


async def test_another_tenants_organization_is_not_found(crm: Crm) -> None:  # SPEC §0
    foreign = await add_org(crm, TENANT_B)
    with pytest.raises(NotFound):
        await crm.queries.organization(TENANT_A, foreign.id)


async def test_another_tenants_organization_cannot_be_updated(crm: Crm) -> None:  # SPEC §0
    foreign = await add_org(crm, TENANT_B)
    with pytest.raises(NotFound):
        await crm.update_organization(TENANT_A, foreign.id, OrganizationChanges(name="Mine"))
    assert (await stored(crm, TENANT_B, foreign.id)).name == "Contoso"


async def test_another_tenants_organization_cannot_be_deactivated(crm: Crm) -> None:  # SPEC §0
    foreign = await add_org(crm, TENANT_B)
    with pytest.raises(NotFound):
        await crm.deactivate_organization(TENANT_A, foreign.id)
    assert (await stored(crm, TENANT_B, foreign.id)).active


async def test_queries_see_only_the_callers_tenant(crm: Crm) -> None:  # SPEC §0
    mine = {(await add_org(crm, name=f"A{i}")).id for i in range(3)}
    for i in range(4):
        await add_org(crm, TENANT_B, name=f"B{i}")
    assert set(await all_org_ids(crm, TENANT_A, OrganizationFilter(), 2)) == mine


async def test_contact_queries_see_only_the_callers_tenant(crm: Crm) -> None:  # SPEC §0
    mine = await add_contact(crm, await add_org(crm))
    await add_contact(crm, await add_org(crm, TENANT_B))
    page = await crm.queries.contacts(TENANT_A, ContactFilter(), PageRequest())
    assert [c.id for c in page.items] == [mine.id]


# --- pagination ---------------------------------------------------------------------------------


async def test_paging_walks_every_organization_exactly_once(crm: Crm) -> None:
    created = [(await add_org(crm, name=f"Org {i:02}")).id for i in range(23)]
    seen = await all_org_ids(crm, TENANT_A, OrganizationFilter(), limit=5)
    assert len(seen) == 23
    assert seen == sorted(created)


async def test_pages_are_full_until_the_last_which_has_no_cursor(crm: Crm) -> None:
    for i in range(23):
        await add_org(crm, name=f"Org {i:02}")
    sizes, cursor = [], None
    for _ in range(5):
        page = await crm.queries.organizations(
            TENANT_A, OrganizationFilter(), PageRequest.parse(5, cursor)
        )
        sizes.append(len(page.items))
        cursor = page.next_cursor
    assert (sizes, cursor) == ([5, 5, 5, 5, 3], None)


async def test_exact_multiple_of_the_limit_ends_without_an_empty_page(crm: Crm) -> None:
    for i in range(10):
        await add_org(crm, name=f"Org {i}")
    first = await crm.queries.organizations(TENANT_A, OrganizationFilter(), PageRequest(limit=10))
    assert (len(first.items), first.next_cursor) == (10, None)


async def test_paging_with_a_filter_walks_only_matching_rows(crm: Crm) -> None:
    vendors = {(await add_org(crm, type=OrganizationType.VENDOR)).id for _ in range(7)}
    for _ in range(6):
        await add_org(crm)
    where = OrganizationFilter(type=OrganizationType.VENDOR)
    seen = await all_org_ids(crm, TENANT_A, where, limit=3)
    assert (len(seen), set(seen)) == (7, vendors)


# --- contacts -----------------------------------------------------------------------------------


async def test_create_contact_is_stored_at_its_organization(crm: Crm) -> None:  # BSS-2
    org = await add_org(crm)
    contact = await add_contact(crm, org)
    read = await crm.queries.contact(TENANT_A, contact.id)
    assert (read.organization_id, read.full_name, read.active) == (org.id, "Ada Lovelace", True)


async def test_contact_at_another_tenants_organization_is_refused(crm: Crm) -> None:  # SPEC §0
    foreign = await add_org(crm, TENANT_B)
    with pytest.raises(InvalidValue) as caught:
        await crm.create_contact(
            TENANT_A, foreign.id, ContactProfile(first_name="A", last_name="B")
        )
    assert caught.value.field == "organization_id"
    page = await crm.queries.contacts(TENANT_B, ContactFilter(), PageRequest())
    assert list(page.items) == []


async def test_update_contact_changes_only_given_fields(crm: Crm) -> None:  # BSS-2
    contact = await add_contact(crm, await add_org(crm))
    await crm.update_contact(TENANT_A, contact.id, ContactChanges(email="ada@example.com"))
    read = await crm.queries.contact(TENANT_A, contact.id)
    assert (read.first_name, read.email) == ("Ada", "ada@example.com")


async def test_failed_contact_update_leaves_it_unchanged(crm: Crm) -> None:  # BSS-2
    contact = await add_contact(crm, await add_org(crm))
    with pytest.raises(InvalidValue):
        await crm.update_contact(
            TENANT_A, contact.id, ContactChanges(first_name="Grace", email="nope")
        )
    assert (await crm.queries.contact(TENANT_A, contact.id)).profile == contact.profile


async def test_deactivate_contact_is_stored_and_twice_refused(crm: Crm) -> None:  # BSS-2
    contact = await add_contact(crm, await add_org(crm))
    await crm.deactivate_contact(TENANT_A, contact.id)
    assert not (await crm.queries.contact(TENANT_A, contact.id)).active
    with pytest.raises(DomainError):
        await crm.deactivate_contact(TENANT_A, contact.id)


async def test_another_tenants_contact_is_not_found(crm: Crm) -> None:  # SPEC §0
    foreign = await add_contact(crm, await add_org(crm, TENANT_B))
    with pytest.raises(NotFound):
        await crm.update_contact(TENANT_A, foreign.id, ContactChanges(first_name="Eve"))
    assert (await crm.queries.contact(TENANT_B, foreign.id)).first_name == "Ada"


async def test_contacts_filter_by_organization(crm: Crm) -> None:  # BSS-2
    org, other = await add_org(crm), await add_org(crm, name="Other")
    mine = await add_contact(crm, org)
    await add_contact(crm, other, first_name="Bob")
    page = await crm.queries.contacts(
        TENANT_A, ContactFilter(organization_id=org.id), PageRequest()
    )
    assert [c.id for c in page.items] == [mine.id]


# --- the unit of work fake ----------------------------------------------------------------------


async def test_concurrent_edits_of_one_organization_conflict(crm: Crm) -> None:
    org = await add_org(crm)
    async with crm.uow(TENANT_A) as first, crm.uow(TENANT_A) as second:
        (await first.organizations.get(org.id)).revise(OrganizationChanges(phone="1"), NOW)
        (await second.organizations.get(org.id)).revise(OrganizationChanges(phone="2"), NOW)
        await first.commit()
        with pytest.raises(Conflict):
            await second.commit()
    assert (await stored(crm, TENANT_A, org.id)).phone == "1"


async def test_update_commit_emits_only_the_update_event(crm: Crm) -> None:
    org = await add_org(crm)
    async with crm.uow(TENANT_A) as uow:
        (await uow.organizations.get(org.id)).revise(OrganizationChanges(phone="1"), NOW)
        await uow.commit()
        events = uow.collect_events()
    assert [type(e) for e in events] == [OrganizationUpdated]
