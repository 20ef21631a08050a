"""The transactional outbox and its worker, on SQLite and PostgreSQL (INT-5, INT-6, INT-7)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from adapters.persistence import tables
from application.crm.use_cases import CreateOrganization, UpdateOrganization
from application.integrations.messages import ORGANIZATION_PUSH
from application.integrations.outbox import OutboxQueue
from application.integrations.ports import (
    OutboxMessage,
    VendorRateLimited,
    VendorRejected,
    VendorUnavailable,
)
from application.integrations.sync_errors import SyncErrorFilter, SyncErrors
from application.integrations.worker import OutboxWorker, WorkerSettings
from application.shared.errors import Conflict
from application.shared.pagination import PageRequest
from domain.crm.organization import Organization, OrganizationChanges, OrganizationProfile
from domain.identity.tenant import TenantId
from domain.integrations.connection import System
from entrypoints.containers import Container, build_container
from entrypoints.settings import Settings
from tests.support.sync import RecordingDeliverer, set_aside_leftovers, tenant_with_autotask

FAST = WorkerSettings(
    poll_seconds=0.02, backoff_base_seconds=0.01, max_attempts=3, lease_seconds=30
)


@pytest.fixture(autouse=True)
async def _leftovers_set_aside(container: Container) -> None:
    await set_aside_leftovers(container)


@pytest.fixture
async def container(database_url: str) -> AsyncIterator[Container]:
    container = build_container(Settings(database_url=database_url, secret_key="k" * 32))
    yield container
    await container.persistence.probe().close()


async def outbox_rows(container: Container, tenant: TenantId) -> list[dict[str, object]]:
    sessions = container.persistence.sessions()
    async with sessions() as session:
        rows = await session.execute(
            select(tables.outbox)
            .where(tables.outbox.c.tenant_id == tenant)
            .order_by(tables.outbox.c.id)
        )
        return [dict(row._mapping) for row in rows]


def worker(
    container: Container, deliverer: RecordingDeliverer, settings: WorkerSettings = FAST
) -> OutboxWorker:
    return OutboxWorker(
        container.persistence.outbox(),
        container.integrations.configs(),
        deliverers={(System.AUTOTASK, ORGANIZATION_PUSH): deliverer},
        clock=container.core.clock(),
        settings=settings,
        owner="test-worker",
    )


async def create(
    container: Container, tenant: TenantId, name: str, phone: str = "555"
) -> Organization:
    use_case: CreateOrganization = container.crm.create_organization()
    return await use_case(tenant, OrganizationProfile(name=name, phone=phone))


async def test_a_change_and_its_outbox_message_commit_together(container: Container) -> None:
    tenant, connection = await tenant_with_autotask(container)  # INT-5
    organization = await create(container, tenant, "Contoso")
    rows = await outbox_rows(container, tenant)
    assert [(r["kind"], r["aggregate_id"], r["connection_id"], r["status"]) for r in rows] == [
        (ORGANIZATION_PUSH, organization.id, connection.id, "pending")
    ]
    assert rows[0]["payload"]["name"] == "Contoso"  # type: ignore[index]


async def test_a_failed_commit_leaves_neither_change_nor_message(container: Container) -> None:
    tenant, _ = await tenant_with_autotask(container)  # INT-5
    organization = await create(container, tenant, "Contoso")
    uow_factory = container.persistence.uow()
    async with uow_factory(tenant) as first, uow_factory(tenant) as second:
        mine = await first.organizations.get(organization.id)
        theirs = await second.organizations.get(organization.id)
        mine.revise(OrganizationChanges(name="Mine"), mine.updated_at)
        theirs.revise(OrganizationChanges(name="Theirs"), theirs.updated_at)
        await first.commit()
        with pytest.raises(Conflict):
            await second.commit()
    rows = await outbox_rows(container, tenant)
    assert [r["payload"]["name"] for r in rows] == ["Contoso", "Mine"]  # type: ignore[index]


async def test_no_connection_no_message(container: Container) -> None:
    from tests.support.factories import new_tenant

    tenant = (await new_tenant(container)).tenant.id
    await create(container, tenant, "Lonely")
    assert await outbox_rows(container, tenant) == []


async def test_a_message_committed_before_a_crash_is_delivered_after(
    container: Container, database_url: str
) -> None:
    tenant, _ = await tenant_with_autotask(container)
    await create(container, tenant, "Survivor")
    await container.persistence.probe().close()  # the process that wrote it is gone
    restarted = build_container(Settings(database_url=database_url, secret_key="k" * 32))
    deliverer = RecordingDeliverer()
    await worker(restarted, deliverer).run_until_idle()
    await restarted.persistence.probe().close()
    assert [m.payload["name"] for m in deliverer.delivered if m.tenant_id == tenant] == ["Survivor"]


async def test_updates_of_one_aggregate_arrive_in_commit_order(container: Container) -> None:
    tenant, _ = await tenant_with_autotask(container)
    first = await create(container, tenant, "Ordered")
    other = await create(container, tenant, "Parallel")
    update: UpdateOrganization = container.crm.update_organization()
    for phone in ("1", "2", "3", "4"):
        await update(tenant, first.id, OrganizationChanges(phone=phone))
    deliverer = RecordingDeliverer(latency=0.01)
    await worker(container, deliverer).run_until_idle()
    mine = [m.payload["phone"] for m in deliverer.delivered if m.aggregate_id == first.id]
    assert mine == ["555", "1", "2", "3", "4"]
    assert other.id in {m.aggregate_id for m in deliverer.delivered}


async def test_a_claim_hands_out_one_message_per_aggregate(container: Container) -> None:
    tenant, _ = await tenant_with_autotask(container)
    organization = await create(container, tenant, "Busy")
    update: UpdateOrganization = container.crm.update_organization()
    await update(tenant, organization.id, OrganizationChanges(phone="9"))
    queue: OutboxQueue = container.persistence.outbox()
    claimed = [m for m in await queue.claim("a", 1000, 30) if m.tenant_id == tenant]
    assert len(claimed) == 1
    assert [m for m in await queue.claim("b", 1000, 30) if m.tenant_id == tenant] == []
    await queue.complete("a", claimed)
    successor = [m for m in await queue.claim("b", 1000, 30) if m.tenant_id == tenant]
    assert [m.payload["phone"] for m in successor] == ["9"]
    await queue.complete("b", successor)


async def test_an_expired_lease_comes_back_to_another_worker(container: Container) -> None:
    tenant, _ = await tenant_with_autotask(container)
    await create(container, tenant, "Orphan")
    queue: OutboxQueue = container.persistence.outbox()
    taken = [m for m in await queue.claim("dead", 1000, 0.2) if m.tenant_id == tenant]
    assert len(taken) == 1
    assert [m for m in await queue.claim("alive", 1000, 30) if m.tenant_id == tenant] == []
    await asyncio.sleep(0.3)
    again = [m for m in await queue.claim("alive", 1000, 30) if m.tenant_id == tenant]
    assert [m.id for m in again] == [taken[0].id]
    await queue.complete("alive", again)


def failing(error: Exception, times: int, tenant: TenantId) -> RecordingDeliverer:
    """Fails this tenant's deliveries ``times`` times (the database is shared between tests)."""
    remaining = [times]

    def behaviour(message: OutboxMessage) -> None:
        if message.tenant_id == tenant and remaining[0] > 0:
            remaining[0] -= 1
            raise error

    return RecordingDeliverer(behaviour=behaviour)


async def test_transient_failures_are_retried_until_delivered(container: Container) -> None:
    tenant, _ = await tenant_with_autotask(container)  # INT-6
    await create(container, tenant, "Flaky")
    deliverer = failing(VendorUnavailable("503 Service Unavailable"), times=2, tenant=tenant)
    await worker(container, deliverer).run_until_idle()
    assert [m.payload["name"] for m in deliverer.delivered if m.tenant_id == tenant] == ["Flaky"]
    rows = await outbox_rows(container, tenant)
    assert [(r["status"], r["attempts"]) for r in rows] == [("delivered", 2)]


async def test_a_429_waits_as_long_as_asked_without_spending_attempts(
    container: Container,
) -> None:
    tenant, _ = await tenant_with_autotask(container)  # INT-6
    await create(container, tenant, "Patient")
    deliverer = failing(VendorRateLimited("slow down", retry_after=0.3), times=1, tenant=tenant)
    started = asyncio.get_running_loop().time()
    await worker(container, deliverer).run_until_idle()
    assert asyncio.get_running_loop().time() - started >= 0.3
    rows = await outbox_rows(container, tenant)
    assert [(r["status"], r["attempts"]) for r in rows] == [("delivered", 0)]


def sync_errors(container: Container) -> SyncErrors:
    errors: SyncErrors = container.integrations.sync_errors()
    return errors


async def test_a_rejection_becomes_a_sync_error_that_a_retry_clears(
    container: Container,
) -> None:
    tenant, connection = await tenant_with_autotask(container)  # INT-6, INT-7, CW-8
    organization = await create(container, tenant, "Rejected")
    message = "Company Name is required / phone: must not be empty"
    deliverer = failing(VendorRejected(message, status=500), times=2, tenant=tenant)
    await worker(container, deliverer).run_until_idle()
    errors = sync_errors(container)
    listed = (
        await errors.page(tenant, SyncErrorFilter(connection_id=connection.id), PageRequest())
    ).items
    assert [(e.message, e.entity_id, e.status) for e in listed] == [
        (message, organization.id, "open")
    ]
    await errors.retry(tenant, listed[0].id)  # fails again: stays listed, counted (CW-8)
    await worker(container, deliverer).run_until_idle()
    again = (await errors.page(tenant, SyncErrorFilter(), PageRequest())).items
    assert [(e.id, e.attempts, e.status) for e in again] == [(listed[0].id, 2, "open")]
    await errors.retry(tenant, listed[0].id)  # the cause is fixed: delivered, error cleared
    await worker(container, deliverer).run_until_idle()
    assert (await errors.page(tenant, SyncErrorFilter(), PageRequest())).items == []
    resolved = await errors.page(tenant, SyncErrorFilter(status="resolved"), PageRequest())
    assert [e.id for e in resolved.items] == [listed[0].id]


async def test_spent_retries_become_a_sync_error_with_the_vendors_message(
    container: Container,
) -> None:
    tenant, _ = await tenant_with_autotask(container)  # INT-6
    await create(container, tenant, "Down")
    deliverer = failing(
        VendorUnavailable("malformed body: Expecting value"), times=100, tenant=tenant
    )
    await worker(container, deliverer).run_until_idle()
    errors = sync_errors(container)
    listed = (await errors.page(tenant, SyncErrorFilter(), PageRequest())).items
    assert len(listed) == 1
    assert listed[0].message.startswith("malformed body: Expecting value")
    assert "gave up after 3 attempts" in listed[0].message


async def test_a_crashing_adapter_never_stops_the_worker(container: Container) -> None:
    tenant, _ = await tenant_with_autotask(container)  # INT-7
    await create(container, tenant, "First")
    await create(container, tenant, "Second")

    def explode(message: OutboxMessage) -> None:
        if message.payload["name"] == "First":
            raise KeyError("itemId")

    deliverer = RecordingDeliverer(behaviour=explode)
    await worker(container, deliverer).run_until_idle()
    assert [m.payload["name"] for m in deliverer.delivered if m.tenant_id == tenant] == ["Second"]
    errors = sync_errors(container)
    listed = (await errors.page(tenant, SyncErrorFilter(), PageRequest())).items
    assert "KeyError" in listed[0].message


async def test_sync_errors_of_another_tenant_are_invisible(container: Container) -> None:
    tenant, _ = await tenant_with_autotask(container)
    other, _ = await tenant_with_autotask(container)
    await create(container, other, "Theirs")
    await worker(container, failing(VendorRejected("no"), times=1, tenant=other)).run_until_idle()
    errors = sync_errors(container)
    assert (await errors.page(tenant, SyncErrorFilter(status=None), PageRequest())).items == []


async def test_counts_stay_exact(container: Container) -> None:
    tenant, _ = await tenant_with_autotask(container)
    for i in range(30):
        await create(container, tenant, f"Bulk {i}")
    deliverer = RecordingDeliverer()
    await worker(
        container, deliverer, WorkerSettings(batch_size=7, max_in_flight=5, poll_seconds=0.01)
    ).run_until_idle()
    mine = [m for m in deliverer.delivered if m.tenant_id == tenant]
    assert len(mine) == len({m.id for m in mine}) == 30
    sessions = container.persistence.sessions()
    async with sessions() as session:
        pending = await session.scalar(
            select(func.count())
            .select_from(tables.outbox)
            .where(tables.outbox.c.tenant_id == tenant, tables.outbox.c.status != "delivered")
        )
    assert pending == 0
