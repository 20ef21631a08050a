"""Helpers for sync-engine tests: a tenant with an Autotask connection, a recording deliverer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import update

from adapters.persistence import tables
from application.integrations.connections import ConnectSystem, NewConnection
from application.integrations.ports import ConnectionConfig, OutboxMessage
from domain.identity.tenant import TenantId
from domain.integrations.connection import Connection, System
from entrypoints.containers import Container
from tests.support.factories import new_tenant

SANDBOX_CREDENTIALS = {
    "username": "sandbox@q2c.local",
    "secret": "sandbox-secret",
    "integration_code": "Q2CSANDBOX",
}


async def tenant_with_autotask(
    container: Container, base_url: str = "http://127.0.0.1:9/sandbox/autotask", **settings: object
) -> tuple[TenantId, Connection]:
    tenant = (await new_tenant(container)).tenant.id
    connect: ConnectSystem = container.integrations.connect_system()
    connection = await connect(
        tenant,
        NewConnection(
            system=System.AUTOTASK,
            name="Autotask",
            base_url=base_url,
            credentials=SANDBOX_CREDENTIALS,
            settings=settings,
        ),
    )
    return tenant, connection


@dataclass
class RecordingDeliverer:
    """A Deliverer that remembers what it got; ``behaviour`` may raise to simulate vendors."""

    delivered: list[OutboxMessage] = field(default_factory=list)
    behaviour: Callable[[OutboxMessage], None] = lambda _message: None
    latency: float = 0.0

    async def deliver(self, message: OutboxMessage, connection: ConnectionConfig) -> None:
        assert connection.connection_id == message.connection_id
        if self.latency:
            await asyncio.sleep(self.latency)
        self.behaviour(message)
        self.delivered.append(message)


async def set_aside_leftovers(container: Container) -> None:
    """Messages earlier tests of this database left pending (their sandboxes long gone) are set
    aside, so a worker run until idle waits for this test's messages only, whatever ran before.
    """
    o = tables.outbox.c
    async with container.persistence.sessions()() as session:
        await session.execute(
            update(tables.outbox)
            .where(o.status == "pending")
            .values(status="failed", last_error="left by an earlier test")
        )
        await session.commit()
