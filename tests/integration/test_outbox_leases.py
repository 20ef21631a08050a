"""One delivery of a message at a time, whatever the lease does (INT-5, INT-6, QUO-6).

A worker renews the leases of what it delivers in a task of its own; a delivery whose lease is
taken over, or cannot be renewed, is stopped by its worker instead of racing the worker that
claims the message next. Run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select, update

from adapters.persistence import tables
from adapters.persistence.outbox import SqlAlchemyOutboxQueue
from application.crm.use_cases import CreateOrganization
from application.integrations.messages import ORGANIZATION_PUSH
from application.integrations.outbox import OutboxQueue
from application.integrations.ports import ConnectionConfig, Deliverer, OutboxMessage
from application.integrations.worker import OutboxWorker, WorkerSettings
from domain.crm.organization import OrganizationProfile
from domain.identity.tenant import TenantId
from domain.integrations.connection import System
from entrypoints.containers import Container, build_container
from entrypoints.settings import Settings
from tests.support.sync import tenant_with_autotask

SHORT_LEASE = WorkerSettings(
    poll_seconds=0.02, backoff_base_seconds=0.01, max_attempts=3, lease_seconds=0.6
)


@pytest.fixture
async def container(database_url: str) -> AsyncIterator[Container]:
    container = build_container(Settings(database_url=database_url, secret_key="k" * 32))
    yield container
    await container.persistence.probe().close()


@dataclass
class Vendor:
    """Takes ``seconds`` over this tenant's deliveries (forever by default), noting each."""

    tenant: TenantId
    seconds: float = 3600.0
    started: asyncio.Event = field(default_factory=asyncio.Event)
    cancelled: asyncio.Event = field(default_factory=asyncio.Event)
    done: asyncio.Event = field(default_factory=asyncio.Event)
    delivered: list[OutboxMessage] = field(default_factory=list)

    async def deliver(self, message: OutboxMessage, connection: ConnectionConfig) -> None:
        del connection
        if message.tenant_id != self.tenant:
            return
        self.started.set()
        try:
            await asyncio.sleep(self.seconds)
        except asyncio.CancelledError:
            self.cancelled.set()
            raise
        self.delivered.append(message)
        self.done.set()


class Unreachable(SqlAlchemyOutboxQueue):
    """The real queue for one claim; then the database is out of reach: claims find nothing
    and renewing a lease never answers."""

    _claimed = False

    async def claim(self, owner: str, limit: int, lease_seconds: float) -> list[OutboxMessage]:
        if self._claimed:
            return []
        self._claimed = True
        return await super().claim(owner, limit, lease_seconds)

    async def extend(self, owner: str, ids: Sequence[int], lease_seconds: float) -> set[int]:
        del owner, ids, lease_seconds
        await asyncio.sleep(3600)
        return set()


def worker(
    container: Container, deliverer: Deliverer, owner: str, queue: OutboxQueue | None = None
) -> OutboxWorker:
    return OutboxWorker(
        queue or container.persistence.outbox(),
        container.integrations.configs(),
        deliverers={(System.AUTOTASK, ORGANIZATION_PUSH): deliverer},
        clock=container.core.clock(),
        settings=SHORT_LEASE,
        owner=owner,
    )


async def one_message(container: Container, name: str) -> TenantId:
    tenant, _ = await tenant_with_autotask(container)
    create: CreateOrganization = container.crm.create_organization()
    await create(tenant, OrganizationProfile(name=name, phone="555"))
    return tenant


async def outbox_row(container: Container, tenant: TenantId) -> dict[str, object]:
    o = tables.outbox.c
    async with container.persistence.sessions()() as session:
        (row,) = (await session.execute(select(tables.outbox).where(o.tenant_id == tenant))).all()
        return dict(row._mapping)


async def within(event: asyncio.Event, seconds: float = 30.0) -> None:
    await asyncio.wait_for(event.wait(), seconds)


async def test_a_delivery_longer_than_its_lease_keeps_the_message(container: Container) -> None:
    tenant = await one_message(container, "Slow vendor")
    slow, other = Vendor(tenant, seconds=2.0), Vendor(tenant)
    stop = asyncio.Event()
    first = asyncio.create_task(worker(container, slow, "first").run(stop))
    await within(slow.started)
    second = asyncio.create_task(worker(container, other, "second").run(stop))
    await within(slow.done)  # three leases and more: renewed all the while
    stop.set()
    await asyncio.gather(first, second)
    assert not other.started.is_set()
    assert not slow.cancelled.is_set()
    row = await outbox_row(container, tenant)
    assert (row["status"], row["attempts"]) == ("delivered", 0)


async def test_a_delivery_whose_lease_was_taken_over_is_stopped(container: Container) -> None:
    tenant = await one_message(container, "Taken over")
    vendor = Vendor(tenant)
    stop = asyncio.Event()
    running = asyncio.create_task(worker(container, vendor, "loser").run(stop))
    await within(vendor.started)
    o = tables.outbox.c
    async with container.persistence.sessions()() as session, session.begin():
        await session.execute(
            update(tables.outbox).where(o.tenant_id == tenant).values(lease_owner="winner")
        )
    await within(vendor.cancelled)
    stop.set()
    await running
    row = await outbox_row(container, tenant)
    # The loser neither completed nor rescheduled what is no longer its to deliver.
    assert (row["status"], row["attempts"], row["lease_owner"]) == ("pending", 0, "winner")


async def test_a_delivery_that_loses_its_database_stops_and_another_worker_delivers_it(
    container: Container,
) -> None:
    tenant = await one_message(container, "Unreachable database")
    stuck, healthy = Vendor(tenant), Vendor(tenant, seconds=0.0)
    stop = asyncio.Event()
    cut_off = worker(
        container,
        stuck,
        "cut-off",
        Unreachable(container.persistence.sessions(), container.core.clock(), container.core.ids()),
    )
    first = asyncio.create_task(cut_off.run(stop))
    await within(stuck.cancelled)  # stopped by its own worker, its lease still running out
    second = asyncio.create_task(worker(container, healthy, "healthy").run(stop))
    await within(healthy.done)
    stop.set()
    await asyncio.gather(first, second)
    assert [m.tenant_id for m in healthy.delivered] == [tenant]
    row = await outbox_row(container, tenant)
    assert (row["status"], row["attempts"]) == ("delivered", 0)
