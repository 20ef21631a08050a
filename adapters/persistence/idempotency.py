"""Idempotency keys in the database: a unique (tenant, key) row claims the key atomically."""

from __future__ import annotations

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.persistence import tables
from application.shared.idempotency import Claim, ClaimResult, StoredResponse
from application.shared.ports import Clock
from domain.identity.tenant import TenantId

_T = tables.idempotency_keys


class SqlAlchemyIdempotencyStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def claim(self, tenant_id: TenantId, key: str, fingerprint: str) -> ClaimResult:
        async with self._sessions() as session:
            try:
                await session.execute(
                    insert(_T).values(
                        tenant_id=tenant_id,
                        key=key,
                        fingerprint=fingerprint,
                        created_at=self._clock.now(),
                    )
                )
                await session.commit()
                return ClaimResult(Claim.NEW)
            except IntegrityError:
                await session.rollback()
            row = (
                await session.execute(
                    select(_T).where(_T.c.tenant_id == tenant_id, _T.c.key == key)
                )
            ).one()
        if row.fingerprint != fingerprint:
            return ClaimResult(Claim.MISMATCH)
        if row.status_code is None:
            return ClaimResult(Claim.IN_PROGRESS)
        return ClaimResult(
            Claim.REPLAY,
            StoredResponse(
                status_code=row.status_code, content_type=row.content_type, body=row.body
            ),
        )

    async def complete(self, tenant_id: TenantId, key: str, response: StoredResponse) -> None:
        async with self._sessions() as session:
            await session.execute(
                update(_T)
                .where(_T.c.tenant_id == tenant_id, _T.c.key == key)
                .values(
                    status_code=response.status_code,
                    content_type=response.content_type,
                    body=response.body,
                )
            )
            await session.commit()

    async def release(self, tenant_id: TenantId, key: str) -> None:
        async with self._sessions() as session:
            await session.execute(delete(_T).where(_T.c.tenant_id == tenant_id, _T.c.key == key))
            await session.commit()
