"""Idempotency keys in the database: one row per (tenant, API key, key), claimed atomically.

A claim is an ``INSERT … ON CONFLICT DO NOTHING`` (both databases speak it): a taken key is a
row count of zero, not an error, so claiming never fails a statement. Taking over an expired
key or a dead claim is a compare-and-set on the claim's token.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from adapters.persistence import tables
from application.shared.idempotency import (
    Claim,
    ClaimResult,
    ClaimTerms,
    KeyScope,
    KeyState,
    StoredResponse,
)

_T = tables.idempotency_keys


def _of(scope: KeyScope) -> ColumnElement[bool]:
    return (
        (_T.c.tenant_id == scope.tenant_id)
        & (_T.c.api_key_id == scope.api_key_id)
        & (_T.c.key == scope.key)
    )


def _claimed(terms: ClaimTerms) -> dict[str, Any]:
    return {
        "fingerprint": terms.fingerprint,
        "token": terms.token,
        "lease_until": terms.lease_until,
        "status_code": None,
        "content_type": None,
        "body": None,
        "created_at": terms.now,
        "expires_at": terms.expires_at,
    }


class SqlAlchemyIdempotencyStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def claim(self, scope: KeyScope, terms: ClaimTerms) -> ClaimResult:
        if await self._insert(scope, terms):
            return ClaimResult(Claim.NEW, token=terms.token)
        row = await self._read(scope)
        if row is None:  # purged between the two statements: the key is free again
            return await self.claim(scope, terms)
        state = KeyState(
            row.fingerprint, row.status_code is not None, row.lease_until, row.expires_at
        )
        verdict = state.judged(terms)
        if verdict is Claim.NEW:
            taken = await self._take_over(scope, row.token, terms)
            return (
                ClaimResult(Claim.NEW, token=terms.token)
                if taken
                else await self.claim(scope, terms)
            )
        if verdict is Claim.REPLAY:
            stored = StoredResponse(row.status_code, row.content_type or "", row.body or b"")
            return ClaimResult(Claim.REPLAY, stored)
        return ClaimResult(verdict)

    async def renew(self, scope: KeyScope, token: str, lease_until: datetime) -> bool:
        return await self._write(
            update(_T)
            .where(_of(scope), _T.c.token == token, _T.c.status_code.is_(None))
            .values(lease_until=lease_until)
        )

    async def complete(self, scope: KeyScope, token: str, response: StoredResponse) -> bool:
        return await self._write(
            update(_T)
            .where(_of(scope), _T.c.token == token, _T.c.status_code.is_(None))
            .values(
                status_code=response.status_code,
                content_type=response.content_type,
                body=response.body,
            )
        )

    async def release(self, scope: KeyScope, token: str) -> None:
        await self._write(
            delete(_T).where(_of(scope), _T.c.token == token, _T.c.status_code.is_(None))
        )

    async def purge(self, now: datetime) -> int:
        async with self._sessions() as session:
            result = await session.execute(delete(_T).where(_T.c.expires_at <= now))
            await session.commit()
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def _insert(self, scope: KeyScope, terms: ClaimTerms) -> bool:
        async with self._sessions() as session:
            dialect = session.bind.dialect.name
            insert = postgresql.insert(_T) if dialect == "postgresql" else sqlite.insert(_T)
            statement = insert.values(
                tenant_id=scope.tenant_id,
                api_key_id=scope.api_key_id,
                key=scope.key,
                **_claimed(terms),
            ).on_conflict_do_nothing()
            result = await session.execute(statement)
            await session.commit()
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def _read(self, scope: KeyScope) -> Row[Any] | None:
        async with self._sessions() as session:
            return (await session.execute(select(_T).where(_of(scope)))).one_or_none()

    async def _take_over(self, scope: KeyScope, token: str, terms: ClaimTerms) -> bool:
        return await self._write(
            update(_T).where(_of(scope), _T.c.token == token).values(**_claimed(terms))
        )

    async def _write(self, statement: Any) -> bool:
        async with self._sessions() as session:
            result = await session.execute(statement)
            await session.commit()
            return bool(result.rowcount)  # type: ignore[attr-defined]
