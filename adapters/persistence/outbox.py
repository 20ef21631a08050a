"""The outbox as the worker sees it, on PostgreSQL (many claimers) and SQLite (one claimer).

A claim takes due messages that are the oldest pending one of their aggregate, so messages of
one aggregate are delivered in commit order while others go in parallel. PostgreSQL skips rows
another worker holds (``FOR UPDATE SKIP LOCKED``); the lease makes a crashed worker's claims due
again once it expires.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.persistence import tables
from application.integrations.ports import OutboxMessage
from application.shared.ports import Clock, IdGenerator
from domain.identity.tenant import TenantId
from domain.integrations.connection import ConnectionId

OUT = tables.outbox.c
ERR = tables.sync_errors.c
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


def _message(row: Any) -> OutboxMessage:
    return OutboxMessage(
        id=row.id,
        tenant_id=TenantId(row.tenant_id),
        connection_id=ConnectionId(row.connection_id),
        kind=row.kind,
        aggregate_type=row.aggregate_type,
        aggregate_id=row.aggregate_id,
        payload=row.payload,
        attempts=row.attempts,
    )


class SqlAlchemyOutboxQueue:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        ids: IdGenerator,
        *,
        control: async_sessionmaker[AsyncSession] | None = None,
    ) -> None:
        """``control`` serves the worker's own loop (claims, lease renewals, completions) and
        ``sessions`` what each delivery records (a retry, a sync error): a renewal never waits
        behind deliveries for a connection (``control_engine``)."""
        self._sessions = sessions
        self._control = control or sessions
        self._clock = clock
        self._ids = ids

    async def claim(self, owner: str, limit: int, lease_seconds: float) -> list[OutboxMessage]:
        now = self._clock.now()
        unleased = or_(OUT.lease_until.is_(None), OUT.lease_until < now)
        earlier = tables.outbox.alias("earlier")
        blocked = (
            select(earlier.c.id)
            .where(
                earlier.c.status == PENDING,
                earlier.c.aggregate_id == OUT.aggregate_id,
                earlier.c.id < OUT.id,
            )
            .exists()
        )
        due = (
            select(OUT.id)
            .where(OUT.status == PENDING, OUT.next_attempt_at <= now, unleased, ~blocked)
            .order_by(OUT.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=tables.outbox)
        )
        async with self._control() as session, session.begin():
            ids = list((await session.scalars(due)).all())
            if not ids:
                return []
            claimed = await session.execute(
                update(tables.outbox)
                .where(OUT.id.in_(ids), unleased)
                .values(lease_owner=owner, lease_until=now + timedelta(seconds=lease_seconds))
                .returning(*tables.outbox.c)
            )
            return sorted((_message(row) for row in claimed), key=lambda m: m.id)

    async def extend(self, owner: str, ids: Sequence[int], lease_seconds: float) -> set[int]:
        if not ids:
            return set()
        until = self._clock.now() + timedelta(seconds=lease_seconds)
        async with self._control() as session, session.begin():
            held = await session.scalars(
                update(tables.outbox)
                .where(OUT.id.in_(ids), OUT.lease_owner == owner, OUT.status == PENDING)
                .values(lease_until=until)
                .returning(OUT.id)
            )
            return set(held)

    async def complete(self, owner: str, messages: Sequence[OutboxMessage]) -> None:
        del owner  # delivered is delivered, whoever holds the lease by now
        if not messages:
            return
        now = self._clock.now()
        async with self._control() as session, session.begin():
            await session.execute(
                update(tables.outbox)
                .where(OUT.id.in_([m.id for m in messages]), OUT.status == PENDING)
                .values(
                    status=DELIVERED,
                    delivered_at=now,
                    lease_owner=None,
                    lease_until=None,
                    last_error=None,
                )
            )
            await self._resolve_errors(session, messages, now)

    async def _resolve_errors(
        self, session: AsyncSession, messages: Sequence[OutboxMessage], now: datetime
    ) -> None:
        """A later sync of the same thing succeeded: its open errors are resolved (INT-6).

        Expanding IN parameters keep both statements in SQLAlchemy's compiled cache; the
        update runs only when there is something to resolve, which is rare.
        """
        delivered = {(m.connection_id, m.aggregate_type, m.aggregate_id) for m in messages}
        candidates = await session.execute(
            select(ERR.id, ERR.connection_id, ERR.entity_type, ERR.entity_id).where(
                ERR.status == "open", ERR.entity_id.in_({m.aggregate_id for m in messages})
            )
        )
        resolved = [
            row.id
            for row in candidates
            if (row.connection_id, row.entity_type, row.entity_id) in delivered
        ]
        if resolved:
            await session.execute(
                update(tables.sync_errors)
                .where(ERR.id.in_(resolved))
                .values(status="resolved", updated_at=now)
            )

    async def retry(
        self,
        owner: str,
        message: OutboxMessage,
        at: datetime,
        error: str,
        *,
        count_attempt: bool = True,
    ) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(tables.outbox)
                .where(OUT.id == message.id, OUT.status == PENDING, OUT.lease_owner == owner)
                .values(
                    attempts=OUT.attempts + (1 if count_attempt else 0),
                    next_attempt_at=at,
                    last_error=error[:4000],
                    lease_owner=None,
                    lease_until=None,
                )
            )

    async def fail(self, owner: str, message: OutboxMessage, error: str) -> None:
        now = self._clock.now()
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(tables.outbox)
                .where(OUT.id == message.id, OUT.lease_owner == owner)
                .values(
                    status=FAILED,
                    attempts=OUT.attempts + 1,
                    last_error=error[:4000],
                    lease_owner=None,
                    lease_until=None,
                )
            )
            await self._record_error(session, message, error, now)

    async def _record_error(
        self, session: AsyncSession, message: OutboxMessage, error: str, now: datetime
    ) -> None:
        """One sync error per message: a retry that fails again updates it (CW-8)."""
        updated = await session.execute(
            update(tables.sync_errors)
            .where(ERR.outbox_id == message.id)
            .values(message=error, status="open", attempts=ERR.attempts + 1, updated_at=now)
        )
        if updated.rowcount:  # type: ignore[attr-defined]
            return
        await session.execute(
            insert(tables.sync_errors).values(
                id=self._ids(),
                tenant_id=message.tenant_id,
                connection_id=message.connection_id,
                outbox_id=message.id,
                kind=message.kind,
                entity_type=message.aggregate_type,
                entity_id=message.aggregate_id,
                message=error,
                status="open",
                attempts=1,
                created_at=now,
                updated_at=now,
            )
        )

    async def requeue(self, tenant_id: TenantId, outbox_id: int) -> bool:
        async with self._control() as session, session.begin():
            result = await session.execute(
                update(tables.outbox)
                .where(OUT.id == outbox_id, OUT.tenant_id == tenant_id, OUT.status == FAILED)
                .values(
                    status=PENDING,
                    attempts=0,
                    next_attempt_at=self._clock.now(),
                    lease_owner=None,
                    lease_until=None,
                )
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def pending(self) -> int:
        async with self._control() as session:
            count = await session.scalar(
                select(func.count()).select_from(tables.outbox).where(OUT.status == PENDING)
            )
            return int(count or 0)
