"""Sync errors as stored by the outbox queue, read and updated for the API."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.persistence import tables
from application.integrations.outbox import SyncErrorRecord
from application.integrations.sync_errors import SyncErrorFilter
from application.shared.pagination import PageRequest
from application.shared.ports import Clock
from domain.identity.tenant import TenantId
from domain.integrations.connection import ConnectionId

ERR = tables.sync_errors.c


def _record(row: Any) -> SyncErrorRecord:
    return SyncErrorRecord(
        id=row.id,
        tenant_id=TenantId(row.tenant_id),
        connection_id=ConnectionId(row.connection_id),
        outbox_id=row.outbox_id,
        kind=row.kind,
        entity_type=row.entity_type,
        entity_id=row.entity_id,
        message=row.message,
        status=row.status,
        attempts=row.attempts,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class SqlAlchemySyncErrors:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def list(
        self, tenant_id: TenantId, where: SyncErrorFilter, page: PageRequest
    ) -> list[SyncErrorRecord]:
        query = select(tables.sync_errors).where(ERR.tenant_id == tenant_id)
        for column, value in (
            (ERR.connection_id, where.connection_id),
            (ERR.kind, where.kind),
            (ERR.entity_id, where.entity_id),
            (ERR.status, where.status),
        ):
            if value is not None:
                query = query.where(column == value)
        if page.after is not None:
            query = query.where(ERR.id > page.after)
        async with self._sessions() as session:
            rows = await session.execute(query.order_by(ERR.id).limit(page.limit + 1))
            return [_record(row) for row in rows]

    async def get(self, tenant_id: TenantId, error_id: UUID) -> SyncErrorRecord | None:
        async with self._sessions() as session:
            row = (
                await session.execute(
                    select(tables.sync_errors).where(ERR.tenant_id == tenant_id, ERR.id == error_id)
                )
            ).one_or_none()
            return None if row is None else _record(row)

    async def set_status(self, tenant_id: TenantId, error_id: UUID, status: str) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(tables.sync_errors)
                .where(
                    ERR.tenant_id == tenant_id,
                    ERR.id == error_id,
                )
                .values(status=status, updated_at=self._clock.now())
            )
