"""Persistence of the integrations context inside a unit of work: connections, outbox writes."""

from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence import tables
from adapters.persistence.repositories import _TenantRepository
from application.integrations.messages import encode
from application.integrations.outbox import NewOutboxMessage
from application.shared.ports import Clock
from domain.identity.tenant import TenantId
from domain.integrations.connection import Connection, ConnectionId, Family, System

PENDING = "pending"


class SqlAlchemyConnectionRepository(_TenantRepository[Connection]):
    entity = Connection
    table = tables.connections
    noun = "connection"

    async def get(self, connection_id: ConnectionId) -> Connection:
        return await self._get(connection_id)

    async def all(self) -> list[Connection]:
        rows = await self._session.scalars(self._select().order_by(self.table.c.id))
        return [self._tracked(row) for row in rows]

    async def enabled(self) -> list[Connection]:
        rows = await self._session.scalars(
            self._select().where(self.table.c.enabled.is_(True)).order_by(self.table.c.id)
        )
        return [self._tracked(row) for row in rows]

    async def enabled_of(self, family: Family) -> Connection | None:
        systems = [s for s in System if s.family is family]
        c = self.table.c
        query = self._select().where(c.enabled.is_(True), c.system.in_(systems)).order_by(c.id)
        found = (await self._session.scalars(query.limit(1))).first()
        return None if found is None else self._tracked(found)


class SqlAlchemyOutboxWriter:
    def __init__(self, session: AsyncSession, tenant_id: TenantId, clock: Clock) -> None:
        self._session = session
        self._tenant_id = tenant_id
        self._clock = clock

    async def add(self, message: NewOutboxMessage) -> None:
        now = self._clock.now()
        kind, payload = encode(message.body)
        await self._session.execute(
            insert(tables.outbox).values(
                tenant_id=self._tenant_id,
                connection_id=message.connection_id,
                kind=kind,
                aggregate_type=message.aggregate_type,
                aggregate_id=message.aggregate_id,
                payload=payload,
                status=PENDING,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
