"""SQLAlchemy repositories of PSA mirrors and notifications, and the notification queue."""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.persistence import tables
from adapters.persistence.repositories import IN_CHUNK, _TenantRepository
from application.shared.ports import Clock
from domain.crm.organization import OrganizationId
from domain.crm.records import PsaRecord, RecordKind
from domain.integrations.connection import ConnectionId
from domain.notifications.notification import Notification, NotificationKind, NotificationStatus


class SqlAlchemyPsaRecordRepository(_TenantRepository[PsaRecord]):
    entity = PsaRecord
    table = tables.psa_records
    noun = "PSA record"

    async def find(
        self, connection_id: ConnectionId, kind: RecordKind, external_id: str
    ) -> PsaRecord | None:
        c = self.table.c
        query = self._select().where(
            c.connection_id == connection_id, c.kind == kind, c.external_id == external_id
        )
        found = (await self._session.scalars(query)).one_or_none()
        return None if found is None else self._tracked(found)

    async def find_many(
        self, connection_id: ConnectionId, kind: RecordKind, external_ids: Collection[str]
    ) -> dict[str, PsaRecord]:
        c = self.table.c
        wanted = list(dict.fromkeys(external_ids))
        found: dict[str, PsaRecord] = {}
        for start in range(0, len(wanted), IN_CHUNK):
            query = self._select().where(
                c.connection_id == connection_id,
                c.kind == kind,
                c.external_id.in_(wanted[start : start + IN_CHUNK]),
            )
            for record in (await self._session.scalars(query)).all():
                found[record.external_id] = self._tracked(record)
        return found

    async def of_organization(
        self, organization_id: OrganizationId, kind: RecordKind | None = None
    ) -> list[PsaRecord]:
        c = self.table.c
        query = self._select().where(c.organization_id == organization_id)
        if kind is not None:
            query = query.where(c.kind == kind)
        return [self._tracked(r) for r in (await self._session.scalars(query.order_by(c.id)))]


class SqlAlchemyNotificationRepository(_TenantRepository[Notification]):
    entity = Notification
    table = tables.notifications
    noun = "notification"

    async def exists(self, kind: NotificationKind, subject_id: UUID) -> bool:
        c = self.table.c
        query = select(c.id).where(
            c.tenant_id == self._tenant_id, c.kind == kind, c.subject_id == subject_id
        )
        return (await self._session.execute(query.limit(1))).first() is not None


class SqlAlchemyNotificationQueue:
    """Claims due notifications across tenants with a lease (SKIP LOCKED on PostgreSQL)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions, self._clock = sessions, clock

    async def claim(self, owner: str, limit: int, lease_seconds: float) -> list[Notification]:
        now = self._clock.now()
        c = tables.notifications.c
        due = (
            select(c.id)
            .where(
                c.status == NotificationStatus.PENDING,
                or_(c.next_attempt_at.is_(None), c.next_attempt_at <= now),
                or_(c.lease_until.is_(None), c.lease_until < now),
            )
            .order_by(c.created_at)
            .limit(limit)
            .with_for_update(skip_locked=True)  # SQLite leaves it out: one writer there
        )
        async with self._sessions() as session, session.begin():
            ids = list((await session.scalars(due)).all())
            if not ids:
                return []
            await session.execute(
                update(tables.notifications)
                .where(c.id.in_(ids))
                .values(lease_owner=owner, lease_until=now + timedelta(seconds=lease_seconds))
            )
            found = await session.scalars(select(Notification).where(c.id.in_(ids)))
            claimed = list(found.all())
            session.expunge_all()
        return claimed

    async def save(self, notification: Notification, owner: str) -> None:
        c = tables.notifications.c
        values: dict[str, Any] = {
            "status": notification.status,
            "attempts": notification.attempts,
            "next_attempt_at": notification.next_attempt_at,
            "error": notification.error,
            "sent_at": notification.sent_at,
            "lease_owner": None,
            "lease_until": None,
        }
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(tables.notifications)
                .where(and_(c.id == notification.id, c.lease_owner == owner))
                .values(**values)
            )
