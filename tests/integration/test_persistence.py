"""Repositories and the unit of work: the same contract on the fakes, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from application.crm.ports import ContactFilter, OrganizationFilter
from application.shared.errors import Conflict, NotFound
from application.shared.pagination import PageRequest
from domain.crm.contact import Contact, ContactProfile
from domain.crm.organization import (
    Address,
    ContactId,
    OrganizationChanges,
    OrganizationCreated,
    OrganizationStatus,
    OrganizationType,
)
from domain.identity.tenant import TenantId
from domain.shared.ids import new_id
from domain.shared.money import Currency, Money
from entrypoints.containers import Container, build_container
from entrypoints.settings import Settings
from tests.support.factories import NOW, new_tenant, organization


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def stack(request: pytest.FixtureRequest) -> AsyncIterator[Container]:
    """The persistence family under test: the fake, or the real one on either database."""
    if request.param == "memory":
        yield build_container(Settings(), persistence="memory")
        return
    url: str = request.getfixturevalue(f"{request.param}_url")
    container = build_container(Settings(database_url=url))
    yield container
    await container.persistence.probe().close()


@pytest.fixture
async def tenant_id(stack: Container) -> TenantId:
    return (await new_tenant(stack)).tenant.id


async def test_organization_round_trips_every_field_and_exact_money(
    stack: Container, tenant_id: TenantId
) -> None:  # MON-1, BSS-1
    limit = Money.of("12345678901234.56", Currency.USD)
    org = organization(
        tenant_id,
        "Contoso Ltd",
        type=OrganizationType.PARTNER,
        account_number="AC-1",
        phone="+1 555 0100",
        fax="+1 555 0101",
        website="https://contoso.example",
        currency=Currency.USD,
        credit_limit=limit,
        billing_address=Address(
            line1="1 Main St",
            city="Springfield",
            state="IL",
            postal_code="62701",
            country="United States",
        ),
    )
    async with stack.persistence.uow()(tenant_id) as uow:
        await uow.organizations.add(org)
        await uow.commit()
    async with stack.persistence.uow()(tenant_id) as uow:
        loaded = await uow.organizations.get(org.id)
    assert loaded.profile == org.profile
    assert loaded.credit_limit == limit
    assert loaded.credit_limit is not None
    assert loaded.credit_limit.amount == Decimal("12345678901234.56")
    assert loaded.created_at == NOW


async def test_smallest_amount_and_cleared_money_round_trip(
    stack: Container, tenant_id: TenantId
) -> None:  # MON-1
    org = organization(tenant_id, credit_limit=Money.of("0.01", Currency.EUR))
    async with stack.persistence.uow()(tenant_id) as uow:
        await uow.organizations.add(org)
        await uow.commit()
    async with stack.persistence.uow()(tenant_id) as uow:
        loaded = await uow.organizations.get(org.id)
        assert loaded.credit_limit == Money.of("0.01", Currency.EUR)
        loaded.revise(OrganizationChanges(credit_limit=None), NOW)
        await uow.commit()
    async with stack.persistence.uow()(tenant_id) as uow:
        assert (await uow.organizations.get(org.id)).credit_limit is None


async def test_unit_of_work_without_commit_changes_nothing(
    stack: Container, tenant_id: TenantId
) -> None:
    org = organization(tenant_id)
    async with stack.persistence.uow()(tenant_id) as uow:
        await uow.organizations.add(org)
    async with stack.persistence.uow()(tenant_id) as uow:
        with pytest.raises(NotFound):
            await uow.organizations.get(org.id)


async def test_concurrent_edit_is_a_conflict_and_loses_nothing(
    stack: Container, tenant_id: TenantId
) -> None:
    org = organization(tenant_id, credit_limit=Money.of("100.00", Currency.USD))
    factory = stack.persistence.uow()
    async with factory(tenant_id) as uow:
        await uow.organizations.add(org)
        await uow.commit()
    async with factory(tenant_id) as first, factory(tenant_id) as second:
        mine = await first.organizations.get(org.id)
        theirs = await second.organizations.get(org.id)
        mine.revise(OrganizationChanges(name="First"), NOW)
        theirs.revise(OrganizationChanges(credit_limit=Money.of("1.00", Currency.USD)), NOW)
        await first.commit()
        with pytest.raises(Conflict):
            await second.commit()
    async with factory(tenant_id) as uow:
        stored = await uow.organizations.get(org.id)
    assert stored.name == "First"
    assert stored.credit_limit == Money.of("100.00", Currency.USD)


async def test_another_tenants_rows_do_not_exist(stack: Container, tenant_id: TenantId) -> None:
    other = (await new_tenant(stack)).tenant.id
    theirs = organization(other, "Theirs")
    async with stack.persistence.uow()(other) as uow:
        await uow.organizations.add(theirs)
        await uow.commit()
    async with stack.persistence.uow()(tenant_id) as uow:
        with pytest.raises(NotFound):
            await uow.organizations.get(theirs.id)
        listed = await uow.organizations.list(OrganizationFilter(), PageRequest(limit=200))
        assert theirs.id not in {o.id for o in listed}
        with pytest.raises(ValueError, match="another tenant"):
            await uow.organizations.add(organization(other, "Smuggled"))


async def test_pages_walk_every_row_exactly_once(stack: Container, tenant_id: TenantId) -> None:
    async with stack.persistence.uow()(tenant_id) as uow:
        for i in range(23):
            await uow.organizations.add(organization(tenant_id, f"Org {i:02}"))
        await uow.commit()
    seen: list[str] = []
    page = PageRequest(limit=5)
    while True:
        async with stack.persistence.uow()(tenant_id) as uow:
            rows = await uow.organizations.list(OrganizationFilter(), page)
        seen.extend(o.name for o in rows[:5])
        if len(rows) <= 5:
            break
        page = PageRequest(limit=5, after=rows[4].id)
    assert sorted(seen) == [f"Org {i:02}" for i in range(23)]


async def test_filters_by_status_type_and_literal_search(
    stack: Container, tenant_id: TenantId
) -> None:
    vendor = organization(tenant_id, "100% Hardware_Co", type=OrganizationType.VENDOR)
    other = organization(tenant_id, "1000 Hardware Co")
    inactive = organization(tenant_id, "Gone Inc")
    inactive.deactivate(NOW)
    async with stack.persistence.uow()(tenant_id) as uow:
        for org in (vendor, other, inactive):
            await uow.organizations.add(org)
        await uow.commit()
        everything = PageRequest(limit=200)
        by_search = await uow.organizations.list(
            OrganizationFilter(search="0% hardware_"), everything
        )
        by_type = await uow.organizations.list(
            OrganizationFilter(type=OrganizationType.VENDOR), everything
        )
        by_status = await uow.organizations.list(
            OrganizationFilter(status=OrganizationStatus.INACTIVE), everything
        )
    assert [o.id for o in by_search] == [vendor.id]
    assert [o.id for o in by_type] == [vendor.id]
    assert [o.id for o in by_status] == [inactive.id]


async def test_contacts_of_one_organization(stack: Container, tenant_id: TenantId) -> None:
    org = organization(tenant_id)
    contact = Contact(
        id=ContactId(new_id()),
        tenant_id=tenant_id,
        organization_id=org.id,
        profile=ContactProfile(
            first_name="Ada",
            last_name="Lovelace",
            email="ada@contoso.example",
            phone="555",
            mobile="556",
            fax="557",
            title="CFO",
        ),
        now=NOW,
    )
    async with stack.persistence.uow()(tenant_id) as uow:
        await uow.organizations.add(org)
        await uow.commit()
    async with stack.persistence.uow()(tenant_id) as uow:
        await uow.contacts.add(contact)
        await uow.commit()
    async with stack.persistence.uow()(tenant_id) as uow:
        found = await uow.contacts.list(
            ContactFilter(organization_id=org.id, search="LOVE"), PageRequest()
        )
    assert [c.profile for c in found] == [contact.profile]  # BSS-2


async def test_events_are_collected_once_committed(stack: Container, tenant_id: TenantId) -> None:
    org = organization(tenant_id)
    async with stack.persistence.uow()(tenant_id) as uow:
        await uow.organizations.add(org)
        assert uow.collect_events() == []
        await uow.commit()
        events = uow.collect_events()
    assert [type(e) for e in events] == [OrganizationCreated]
