"""Full pulls from ConnectWise through the hub's pull runner (CW-2, BSS-1, BSS-2, PAY-12).

Companies with a contact each are pulled, organizations first and then contacts, in pages of
a few records (the puller's page size; ConnectWise's is 1,000): a runner killed after a page
leaves its checkpoint, and another runner resumes there, so each company and contact comes in
once. The 5,000-company pull with its time and memory is ``q2c bench pull --psa connectwise``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from adapters.persistence import tables
from adapters.sandboxes.connectwise.app import SANDBOX_CREDENTIALS
from adapters.vendors.connectwise.client import ConnectWiseClients
from adapters.vendors.connectwise.sync import ConnectWisePuller
from adapters.vendors.kit.limits import InMemoryVendorLimits
from application.crm.ports import OrganizationFilter
from application.crm.use_cases import CreateContact, CreateOrganization, UpdateOrganization
from application.integrations.appliers import CONTACT, ORGANIZATION
from application.integrations.connections import ConnectSystem, NewConnection
from application.integrations.pulls import (
    ENTITY_SEPARATOR,
    PullRunner,
    SyncJob,
    SyncJobStore,
    pull_plan,
)
from application.integrations.sync_errors import SyncErrorFilter
from application.integrations.worker import OutboxWorker, WorkerSettings
from application.shared.pagination import PageRequest
from domain.crm.contact import ContactProfile
from domain.crm.organization import (
    Address,
    OrganizationChanges,
    OrganizationProfile,
    OrganizationType,
)
from domain.identity.tenant import TenantId
from domain.integrations.connection import Connection, System
from domain.shared.money import Currency
from entrypoints.containers import Container
from tests.support.connectwise import ConnectWiseSandbox, served_connectwise
from tests.support.factories import new_tenant
from tests.support.sync import set_aside_leftovers

PAGE = 20
FAST = WorkerSettings(poll_seconds=0.02, backoff_base_seconds=0.02, backoff_cap_seconds=0.2)
COMPANIES = 45  # three pages of companies, then three of contacts
BOTH = ENTITY_SEPARATOR.join((ORGANIZATION, CONTACT))


class Killed(Exception):
    """The runner's process dies after a checkpoint."""


@pytest.fixture
def cw() -> Iterator[ConnectWiseSandbox]:
    yield from served_connectwise()


@pytest.fixture
async def paged(container: Container) -> AsyncIterator[Container]:
    """The container, its ConnectWise puller reading pages of ``PAGE`` records."""
    clients = ConnectWiseClients(InMemoryVendorLimits(), timeout=5)
    pullers = {
        **container.integrations.pullers(),
        System.CONNECTWISE: ConnectWisePuller(clients, PAGE),
    }
    with container.integrations.pullers.override(pullers):
        yield container
    await clients.aclose()


def seed(cw: ConnectWiseSandbox, n: int, type_name: str = "Customer") -> list[int]:
    """Companies entered by ConnectWise's users, a contact each."""
    kind = cw.lookup_id("company/companies/types", type_name)
    active = cw.lookup_id("company/companies/statuses", "Active")
    ids = []
    for i in range(n):
        company = cw.store.insert(
            "company/companies",
            {
                "identifier": f"{type_name[:4].upper()}{i:04}",
                "name": f"{type_name} {i:04}",
                "city": "Perth",
                "status": {"id": active},
                "types": [{"id": kind}],
                "deletedFlag": False,
            },
        )
        cw.store.insert(
            "company/contacts",
            {
                "firstName": "Pat",
                "lastName": f"{type_name} {i:04}",
                "company": {"id": company["id"]},
            },
        )
        ids.append(int(company["id"]))
    return ids


async def connected(container: Container, cw: ConnectWiseSandbox) -> tuple[TenantId, Connection]:
    tenant = (await new_tenant(container)).tenant.id
    connect: ConnectSystem = container.integrations.connect_system()
    connection = await connect(
        tenant,
        NewConnection(
            system=System.CONNECTWISE,
            name="ConnectWise",
            base_url=cw.url,
            credentials=SANDBOX_CREDENTIALS,
            settings={"pull_organizations": True},
        ),
    )
    return tenant, connection


async def claimed(container: Container, job_id: Any, owner: str) -> SyncJob:
    async with container.persistence.sessions()() as session, session.begin():
        await session.execute(
            update(tables.sync_jobs)
            .where(tables.sync_jobs.c.id == job_id)
            .values(lease_until=container.core.clock().now() - timedelta(seconds=1))
        )  # the killed runner's lease ends
    jobs: SyncJobStore = container.persistence.jobs()
    job = await jobs.claim(owner, 60, job_id)
    assert job is not None
    return job


async def rows(container: Container, tenant: TenantId) -> dict[str, list[str]]:
    """The tenant's organizations' and contacts' names."""
    o, c = tables.organizations.c, tables.contacts.c
    async with container.persistence.sessions()() as session:
        names = await session.execute(select(o.name).where(o.tenant_id == tenant))
        contacts = await session.execute(select(c.last_name).where(c.tenant_id == tenant))
        return {
            "organizations": sorted(r.name for r in names),
            "contacts": sorted(r.last_name for r in contacts),
        }


def killed_at(page: int) -> Any:
    """A progress callback whose runner dies after its ``page``-th checkpoint."""
    seen = 0

    def progress(_records: int) -> None:
        nonlocal seen
        seen += 1
        if seen == page:
            raise Killed

    return progress


async def test_a_pull_killed_twice_resumes_at_its_checkpoints_with_each_record_once(
    paged: Container, cw: ConnectWiseSandbox
) -> None:  # CW-2, PAY-12
    container = paged
    seed(cw, COMPANIES)
    tenant, connection = await connected(container, cw)
    jobs: SyncJobStore = container.persistence.jobs()
    job = await jobs.request(tenant, connection.id, BOTH, full=True)
    runner: PullRunner = container.integrations.pull_runner()
    first = await jobs.claim("first", 60, job.id)
    assert first is not None
    with pytest.raises(Killed):  # after the first page of companies
        await runner.run(first, "first", killed_at(1))
    assert len((await rows(container, tenant))["organizations"]) == PAGE
    second = await claimed(container, job.id, "second")
    assert second.checkpoint is not None
    with pytest.raises(Killed):  # the companies' last page, then the contacts' first
        await runner.run(second, "second", killed_at(3))
    found = await rows(container, tenant)
    assert (len(found["organizations"]), len(found["contacts"])) == (COMPANIES, PAGE)
    third = await claimed(container, job.id, "third")
    done = await runner.run(third, "third")
    assert done.status == "done", done.error
    found = await rows(container, tenant)
    expected = [f"Customer {i:04}" for i in range(COMPANIES)]
    assert found == {"organizations": expected, "contacts": expected}  # each once
    async with container.persistence.sessions()() as session:
        echoed = await session.scalar(
            select(func.count())
            .select_from(tables.outbox)
            .where(tables.outbox.c.tenant_id == tenant)
        )
    assert echoed == 0  # nothing pulled is pushed back


def company(cw: ConnectWiseSandbox, name: str, types: list[str], **more: Any) -> int:
    """A company entered in ConnectWise, with a contact."""
    made = cw.store.insert(
        "company/companies",
        {
            "identifier": name.upper()[:25],
            "name": name,
            "city": "Perth",
            "status": {"id": cw.lookup_id("company/companies/statuses", "Active")},
            "types": [{"id": cw.lookup_id("company/companies/types", t)} for t in types],
            "deletedFlag": False,
            **more,
        },
    )
    cw.store.insert(
        "company/contacts",
        {"firstName": "Pat", "lastName": name, "company": {"id": made["id"]}},
    )
    return int(made["id"])


async def test_a_pull_keeps_the_first_type_parent_bill_to_currency_and_the_selected_contacts(
    container: Container, cw: ConnectWiseSandbox
) -> None:  # BSS-1, BSS-2, CW-2
    euro = cw.lookup_id("finance/currencies", "EUR", "currencyCode")
    hq = company(cw, "Harbor HQ", ["Customer"], currency={"id": euro})
    ref = {"id": hq}
    company(cw, "Harbor West", ["Vendor", "Customer"], parentCompany=ref, billToCompany=ref)
    company(cw, "Supplier", ["Vendor"])  # not of a selected type: neither it nor its contact
    tenant, connection = await connected(container, cw)
    entities = pull_plan(connection)
    assert entities == BOTH  # contacts come with organizations, not only with invoices
    jobs: SyncJobStore = container.persistence.jobs()
    job = await jobs.claim(
        "test", 60, (await jobs.request(tenant, connection.id, BOTH, full=True)).id
    )
    assert job is not None
    runner: PullRunner = container.integrations.pull_runner()
    done = await runner.run(job, "test")
    assert (done.status, done.error) == ("done", None)  # no contact skipped: no company missing
    async with container.persistence.uow()(tenant) as uow:
        found = {
            o.name: o
            for o in await uow.organizations.list(OrganizationFilter(), PageRequest(limit=10))
        }
    assert set(found) == {"Harbor HQ", "Harbor West"}
    head, west = found["Harbor HQ"].profile, found["Harbor West"].profile
    assert (head.type, head.currency) == (OrganizationType.CUSTOMER, Currency.EUR)
    assert west.type is OrganizationType.VENDOR  # the first of its types (BSS-1)
    assert west.parent_id == west.bill_to_id == found["Harbor HQ"].id
    assert (await rows(container, tenant))["contacts"] == ["Harbor HQ", "Harbor West"]


async def test_an_organization_is_pushed_with_its_parent_bill_to_and_currency_bss_1(
    container: Container, cw: ConnectWiseSandbox
) -> None:
    tenant = (await new_tenant(container)).tenant.id
    connect: ConnectSystem = container.integrations.connect_system()
    await connect(
        tenant,
        NewConnection(
            system=System.CONNECTWISE,
            name="ConnectWise",
            base_url=cw.url,
            credentials=SANDBOX_CREDENTIALS,
            settings={"push_organizations": True},
        ),
    )
    await set_aside_leftovers(container)
    create: CreateOrganization = container.crm.create_organization()
    address = Address(
        line1="1 Main St", city="Seattle", state="Washington", country="United States"
    )
    head = await create(tenant, OrganizationProfile(name="Harbor HQ", billing_address=address))
    worker: OutboxWorker = container.integrations.worker(settings=FAST)
    await worker.run_until_idle()
    west = await create(
        tenant,
        OrganizationProfile(
            name="Harbor West",
            billing_address=address,
            parent_id=head.id,
            bill_to_id=head.id,
            currency=Currency.EUR,
        ),
    )
    await worker.run_until_idle()
    errors = await container.integrations.sync_errors().page(
        tenant, SyncErrorFilter(), PageRequest(limit=10)
    )
    assert [e.message for e in errors.items] == []
    companies = {c["name"]: c for c in cw.store.records["company/companies"].values()}
    hq = companies["Harbor HQ"]["id"]
    pushed = companies["Harbor West"]
    assert pushed["parentCompany"] == pushed["billToCompany"] == {"id": hq}
    assert pushed["currency"] == {"id": cw.lookup_id("finance/currencies", "EUR", "currencyCode")}
    update: UpdateOrganization = container.crm.update_organization()
    await update(tenant, west.id, OrganizationChanges(currency=Currency.USD))
    await worker.run_until_idle()
    [pushed] = [
        c for c in cw.store.records["company/companies"].values() if c["name"] == "Harbor West"
    ]
    assert pushed["currency"] == {"id": cw.lookup_id("finance/currencies", "USD", "currencyCode")}


def backdated(cw: ConnectWiseSandbox) -> None:
    """Every company and contact last changed long ago: a later pull sees only what changes."""
    for path in ("company/companies", "company/contacts"):
        for record in cw.store.records[path].values():
            record["_info"]["lastUpdated"] = "2020-01-01T00:00:00Z"


def changed_in_connectwise(cw: ConnectWiseSandbox, company_id: int, **values: Any) -> None:
    """A company changed by a ConnectWise user after the last pull (``None`` removes a field)."""
    record = cw.store.records["company/companies"][company_id]
    for name, value in values.items():
        if value is None:
            record.pop(name, None)
        else:
            record[name] = value
    record["_info"]["lastUpdated"] = "2099-01-01T00:00:00Z"


async def pulled(
    container: Container, tenant: TenantId, connection: Connection, full: bool
) -> None:
    jobs: SyncJobStore = container.persistence.jobs()
    job = await jobs.claim(
        "test", 60, (await jobs.request(tenant, connection.id, BOTH, full=full)).id
    )
    assert job is not None
    runner: PullRunner = container.integrations.pull_runner()
    done = await runner.run(job, "test")
    assert (done.status, done.error) == ("done", None)


async def organizations(container: Container, tenant: TenantId) -> dict[str, Any]:
    async with container.persistence.uow()(tenant) as uow:
        return {
            o.name: o.profile
            for o in await uow.organizations.list(OrganizationFilter(), PageRequest(limit=50))
        }


def contact_of(cw: ConnectWiseSandbox, company_id: int) -> int:
    return next(
        int(c["id"])
        for c in cw.store.records["company/contacts"].values()
        if c["company"]["id"] == company_id
    )


async def test_a_companys_default_contact_and_cleared_references_come_in_on_pull_bss_1(
    container: Container, cw: ConnectWiseSandbox
) -> None:
    hq = company(cw, "Harbor HQ", ["Customer"])
    ref = {"id": hq}
    west = company(cw, "Harbor West", ["Customer"], parentCompany=ref, billToCompany=ref)
    default = contact_of(cw, west)
    cw.store.records["company/companies"][west]["defaultContact"] = {"id": default}
    backdated(cw)
    tenant, connection = await connected(container, cw)
    await pulled(container, tenant, connection, full=True)
    found = await organizations(container, tenant)
    hub_west = found["Harbor West"]
    async with container.persistence.uow()(tenant) as uow:
        contact = await uow.contacts.get(hub_west.default_contact_id)
    assert contact.profile.last_name == "Harbor West"  # seed 004: defaultContact, once pulled
    assert hub_west.parent_id is not None
    # Removed in ConnectWise: the parent, bill-to and default contact are cleared in the hub.
    changed_in_connectwise(cw, west, parentCompany=None, billToCompany=None, defaultContact=None)
    await pulled(container, tenant, connection, full=False)
    cleared = (await organizations(container, tenant))["Harbor West"]
    assert (cleared.parent_id, cleared.bill_to_id, cleared.default_contact_id) == (None,) * 3
    # And named again (an existing contact): set again on the next pull.
    changed_in_connectwise(cw, west, defaultContact={"id": default}, parentCompany=ref)
    await pulled(container, tenant, connection, full=False)
    again = (await organizations(container, tenant))["Harbor West"]
    assert again.default_contact_id == hub_west.default_contact_id
    assert again.parent_id == hub_west.parent_id


async def test_a_later_pull_brings_every_contact_of_a_newly_selected_company_bss_2(
    paged: Container, cw: ConnectWiseSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from adapters.vendors.connectwise import sync

    monkeypatch.setattr(sync, "COMPANY_IDS_PER_QUERY", 2)  # three chunks of company ids
    container = paged
    seed(cw, 2)
    suppliers = seed(cw, 5, "Vendor")  # not selected: neither they nor their contacts
    backdated(cw)
    tenant, connection = await connected(container, cw)
    await pulled(container, tenant, connection, full=True)
    assert (await rows(container, tenant))["contacts"] == ["Customer 0000", "Customer 0001"]
    customer = [{"id": cw.lookup_id("company/companies/types", "Customer")}]
    for supplier in suppliers:  # now customers; their contacts unchanged since 2020
        changed_in_connectwise(cw, supplier, types=customer)
    jobs: SyncJobStore = container.persistence.jobs()
    job = await jobs.request(tenant, connection.id, BOTH, full=False)
    runner: PullRunner = container.integrations.pull_runner()
    first = await jobs.claim("first", 60, job.id)
    assert first is not None
    with pytest.raises(Killed):  # the companies, the changed contacts, the first chunk
        await runner.run(first, "first", killed_at(3))
    done = await runner.run(await claimed(container, job.id, "second"), "second")
    assert done.status == "done", done.error
    found = await rows(container, tenant)
    expected = [f"Customer {i:04}" for i in range(2)] + [f"Vendor {i:04}" for i in range(5)]
    assert found == {"organizations": expected, "contacts": expected}


async def test_an_organization_whose_parent_was_cleared_removes_it_in_connectwise_bss_1(
    container: Container, cw: ConnectWiseSandbox
) -> None:
    tenant = (await new_tenant(container)).tenant.id
    connect: ConnectSystem = container.integrations.connect_system()
    await connect(
        tenant,
        NewConnection(
            system=System.CONNECTWISE,
            name="ConnectWise",
            base_url=cw.url,
            credentials=SANDBOX_CREDENTIALS,
            settings={"push_organizations": True},
        ),
    )
    await set_aside_leftovers(container)
    create: CreateOrganization = container.crm.create_organization()
    address = Address(line1="1 Main St", city="Seattle", country="United States")
    head = await create(tenant, OrganizationProfile(name="Harbor HQ", billing_address=address))
    worker: OutboxWorker = container.integrations.worker(settings=FAST)
    await worker.run_until_idle()
    west = await create(
        tenant,
        OrganizationProfile(
            name="Harbor West", billing_address=address, parent_id=head.id, bill_to_id=head.id
        ),
    )
    await worker.run_until_idle()
    update: UpdateOrganization = container.crm.update_organization()
    await update(tenant, west.id, OrganizationChanges(parent_id=None))
    await worker.run_until_idle()
    [pushed] = [
        c for c in cw.store.records["company/companies"].values() if c["name"] == "Harbor West"
    ]
    assert "parentCompany" not in pushed  # JSON-Patch remove (contracts/connectwise.md §4)
    assert "billToCompany" in pushed  # the bill-to the hub kept, kept
    [patch] = [e for e in cw.journal() if e["method"] == "PATCH"]
    assert patch["request"] == [{"op": "remove", "path": "parentCompany"}]


async def test_a_hub_reference_connectwise_cannot_know_yet_survives_a_pull_bss_1(
    container: Container, cw: ConnectWiseSandbox
) -> None:
    """A default contact and a parent set in the hub, not linked to ConnectWise yet (the
    company's push ran first, so it could not name them): a pull that names another default,
    or none, and no parent keeps them; the bill-to, linked, follows ConnectWise."""
    hq = company(cw, "Harbor HQ", ["Customer"])
    ref = {"id": hq}
    west = company(cw, "Harbor West", ["Customer"], parentCompany=ref, billToCompany=ref)
    default = contact_of(cw, west)
    cw.store.records["company/companies"][west]["defaultContact"] = {"id": default}
    other = cw.store.insert(
        "company/contacts", {"firstName": "Sam", "lastName": "Other", "company": {"id": west}}
    )
    backdated(cw)
    tenant, connection = await connected(container, cw)
    await pulled(container, tenant, connection, full=True)
    async with container.persistence.uow()(tenant) as uow:
        listed = await uow.organizations.list(OrganizationFilter(), PageRequest(limit=10))
    hub_west = next(o for o in listed if o.profile.name == "Harbor West")
    create: CreateOrganization = container.crm.create_organization()
    holding = await create(tenant, OrganizationProfile(name="Harbor Holdings"))
    added: CreateContact = container.crm.create_contact()
    chosen = await added(tenant, hub_west.id, ContactProfile(first_name="Hana", last_name="Hub"))
    update: UpdateOrganization = container.crm.update_organization()
    changes = OrganizationChanges(default_contact_id=chosen.id, parent_id=holding.id)
    await update(tenant, hub_west.id, changes)
    changed_in_connectwise(cw, west, defaultContact={"id": other["id"]}, billToCompany=None)
    await pulled(container, tenant, connection, full=False)
    kept = (await organizations(container, tenant))["Harbor West"]
    assert (kept.default_contact_id, kept.parent_id) == (chosen.id, holding.id)
    assert kept.bill_to_id is None  # linked: ConnectWise's removal comes in
    changed_in_connectwise(cw, west, defaultContact=None, parentCompany=None)
    await pulled(container, tenant, connection, full=False)
    again = (await organizations(container, tenant))["Harbor West"]
    assert (again.default_contact_id, again.parent_id) == (chosen.id, holding.id)
