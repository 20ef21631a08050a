"""External links (INT-4): a hub entity's id in each system it was synced to, per connection."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.persistence import tables
from adapters.persistence.repositories import IN_CHUNK
from application.shared.ports import Clock
from domain.identity.tenant import TenantId
from domain.integrations.connection import ConnectionId

LINK = tables.external_links.c


class SqlAlchemyExternalLinks:
    """Hub id ↔ external id per connection (INT-4); the tenant comes from the connection."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def find(
        self, connection_id: ConnectionId, entity_type: str, entity_id: UUID
    ) -> str | None:
        async with self._sessions() as session:
            found: str | None = await session.scalar(
                select(LINK.external_id).where(
                    LINK.connection_id == connection_id,
                    LINK.entity_type == entity_type,
                    LINK.entity_id == entity_id,
                )
            )
            return found

    async def find_entity(
        self, connection_id: ConnectionId, entity_type: str, external_id: str
    ) -> UUID | None:
        async with self._sessions() as session:
            found: UUID | None = await session.scalar(
                select(LINK.entity_id).where(
                    LINK.connection_id == connection_id,
                    LINK.entity_type == entity_type,
                    LINK.external_id == external_id,
                )
            )
            return found

    async def link(
        self, connection_id: ConnectionId, entity_type: str, entity_id: UUID, external_id: str
    ) -> None:
        async with self._sessions() as session:
            tenant_id = await session.scalar(
                select(tables.connections.c.tenant_id).where(
                    tables.connections.c.id == connection_id
                )
            )
            try:
                await session.execute(
                    insert(tables.external_links).values(
                        tenant_id=tenant_id,
                        connection_id=connection_id,
                        entity_type=entity_type,
                        entity_id=entity_id,
                        external_id=external_id,
                        created_at=self._clock.now(),
                    )
                )
                await session.commit()
            except IntegrityError:
                await session.rollback()  # linked already, by a concurrent delivery


class SqlAlchemyLinkRepository:
    """The unit of work's links (INT-4): its tenant's only, in its transaction."""

    def __init__(self, session: AsyncSession, tenant_id: TenantId, clock: Clock) -> None:
        self._session, self._tenant_id, self._clock = session, tenant_id, clock

    async def linked(
        self, connection_id: ConnectionId, entity_type: str, external_ids: Collection[str]
    ) -> dict[str, UUID]:
        pairs = await self._pairs(connection_id, entity_type, LINK.external_id, external_ids)
        return {str(external): UUID(str(entity)) for external, entity in pairs}

    async def external_ids(
        self, connection_id: ConnectionId, entity_type: str, entity_ids: Collection[UUID]
    ) -> dict[UUID, str]:
        pairs = await self._pairs(connection_id, entity_type, LINK.entity_id, entity_ids)
        return {UUID(str(entity)): str(external) for entity, external in pairs}

    async def _pairs(
        self,
        connection_id: ConnectionId,
        entity_type: str,
        key: Any,
        wanted: Collection[object],
    ) -> list[tuple[object, object]]:
        """(key, the other side) of the links whose ``key`` column is one of ``wanted``, read
        ``IN_CHUNK`` at a time: the one read behind both directions of the look-up."""
        keys = list(dict.fromkeys(wanted))
        other = LINK.entity_id if key is LINK.external_id else LINK.external_id
        found: list[tuple[object, object]] = []
        for start in range(0, len(keys), IN_CHUNK):
            rows = await self._session.execute(
                select(key, other).where(
                    LINK.tenant_id == self._tenant_id,
                    LINK.connection_id == connection_id,
                    LINK.entity_type == entity_type,
                    key.in_(keys[start : start + IN_CHUNK]),
                )
            )
            found += [(row[0], row[1]) for row in rows]
        return found

    async def add(
        self, connection_id: ConnectionId, links: Sequence[tuple[str, UUID, str]]
    ) -> None:
        if not links:
            return
        now = self._clock.now()
        rows = [
            {
                "tenant_id": self._tenant_id,
                "connection_id": connection_id,
                "entity_type": entity_type,
                "entity_id": entity_id,
                "external_id": external_id,
                "created_at": now,
            }
            for entity_type, entity_id, external_id in links
        ]
        bind = self._session.bind
        dialect = postgresql if bind is not None and bind.dialect.name == "postgresql" else sqlite
        # One statement for the page; a row linked already (either key) is skipped, not an error.
        await self._session.execute(
            dialect.insert(tables.external_links).on_conflict_do_nothing(), rows
        )
