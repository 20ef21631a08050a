"""Vendor limits: concurrency per endpoint, request budgets per window, pauses after a 429.

``InMemoryVendorLimits`` serves one process (the embedded hub on SQLite). On PostgreSQL,
``PostgresVendorLimits`` shares the limits between every worker process: a concurrency slot is
a leased row, a budget is a counted window, a pause is a row every process reads.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence import tables
from application.integrations.ports import LimitKey, VendorLimitPolicy
from domain.integrations.connection import ConnectionId


def _budget_key(key: LimitKey, policy: VendorLimitPolicy) -> str:
    scope = key.endpoint if policy.per_endpoint_budget else "*"
    return f"{key.connection_id}:{scope}"


def _slot_key(key: LimitKey) -> str:
    return f"{key.connection_id}:{key.endpoint}"


class InMemoryVendorLimits:
    def __init__(self) -> None:
        self._gates: dict[str, asyncio.Semaphore] = {}
        self._budgets: dict[str, tuple[int, int]] = {}
        self._paused_until: dict[ConnectionId, float] = {}

    @asynccontextmanager
    async def call(self, key: LimitKey, policy: VendorLimitPolicy) -> AsyncIterator[None]:
        await self._wait_pause(key.connection_id)
        gate = self._gate(key, policy)
        async with gate:
            await self._spend(key, policy)
            yield

    def _gate(self, key: LimitKey, policy: VendorLimitPolicy) -> asyncio.Semaphore:
        size = policy.concurrent_per_endpoint or 1_000_000
        return self._gates.setdefault(_slot_key(key), asyncio.Semaphore(size))

    async def _spend(self, key: LimitKey, policy: VendorLimitPolicy) -> None:
        if policy.requests_per_window is None:
            return
        budget = _budget_key(key, policy)
        while True:
            window = int(time.time()) // policy.window_seconds
            start, used = self._budgets.get(budget, (window, 0))
            used = used if start == window else 0
            if used < policy.requests_per_window:
                self._budgets[budget] = (window, used + 1)
                return
            await asyncio.sleep((window + 1) * policy.window_seconds - time.time())

    async def _wait_pause(self, connection_id: ConnectionId) -> None:
        # A pause can be extended while we sleep, so look again after each sleep.
        while (left := self._paused_until.get(connection_id, 0.0) - time.monotonic()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(left)

    async def pause(self, connection_id: ConnectionId, seconds: float) -> None:
        until = time.monotonic() + seconds
        self._paused_until[connection_id] = max(self._paused_until.get(connection_id, 0), until)


class PostgresVendorLimits:
    """Limits every process on one PostgreSQL keeps together; a dead holder's slot expires."""

    SLOT_LEASE = timedelta(seconds=60)

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._local = InMemoryVendorLimits()  # queue locally first: no polling within a process
        self._me = uuid.uuid4().hex
        self._slots_made: set[str] = set()

    @asynccontextmanager
    async def call(self, key: LimitKey, policy: VendorLimitPolicy) -> AsyncIterator[None]:
        async with self._local.call(key, VendorLimitPolicy(policy.concurrent_per_endpoint)):
            await self._wait_pause(key.connection_id)
            slot = await self._acquire(key, policy)
            try:
                await self._spend(key, policy)
                yield
            finally:
                await self._release(key, slot)

    async def _acquire(self, key: LimitKey, policy: VendorLimitPolicy) -> int | None:
        if policy.concurrent_per_endpoint is None:
            return None
        name = _slot_key(key)
        await self._make_slots(name, policy.concurrent_per_endpoint)
        s = tables.vendor_slots.c
        free = (
            select(s.slot)
            .where(s.key == name, (s.holder.is_(None)) | (s.expires_at < func.now()))
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        delay = 0.002
        while True:
            async with self._engine.connect() as connection:
                slot = await connection.scalar(
                    update(tables.vendor_slots)
                    .where(s.key == name, s.slot == free)
                    .values(holder=self._me, expires_at=func.now() + self.SLOT_LEASE)
                    .returning(s.slot)
                )
            if slot is not None:
                return int(slot)
            await asyncio.sleep(delay * random.uniform(0.5, 1.5))  # noqa: S311
            delay = min(delay * 2, 0.05)

    async def _make_slots(self, name: str, count: int) -> None:
        if name in self._slots_made:
            return
        rows = [{"key": name, "slot": i} for i in range(count)]
        async with self._engine.connect() as connection:
            await connection.execute(
                pg_insert(tables.vendor_slots).values(rows).on_conflict_do_nothing()
            )
        self._slots_made.add(name)

    async def _release(self, key: LimitKey, slot: int | None) -> None:
        if slot is None:
            return
        s = tables.vendor_slots.c
        async with self._engine.connect() as connection:
            await connection.execute(
                update(tables.vendor_slots)
                .where(s.key == _slot_key(key), s.slot == slot, s.holder == self._me)
                .values(holder=None, expires_at=None)
            )

    async def _spend(self, key: LimitKey, policy: VendorLimitPolicy) -> None:
        if policy.requests_per_window is None:
            return
        b = tables.vendor_budgets
        while True:
            now = datetime.now(UTC)
            window = now.timestamp() // policy.window_seconds * policy.window_seconds
            start = datetime.fromtimestamp(window, UTC)
            statement = (
                pg_insert(b)
                .values(key=_budget_key(key, policy), window_start=start, used=1)
                .on_conflict_do_update(
                    index_elements=[b.c.key, b.c.window_start],
                    set_={"used": b.c.used + 1},
                    where=b.c.used < policy.requests_per_window,
                )
                .returning(b.c.used)
            )
            async with self._engine.connect() as connection:
                if await connection.scalar(statement) is not None:
                    return
            await asyncio.sleep(window + policy.window_seconds - now.timestamp())

    async def _wait_pause(self, connection_id: ConnectionId) -> None:
        p = tables.vendor_pauses.c
        while True:
            async with self._engine.connect() as connection:
                left = await connection.scalar(
                    select(text("EXTRACT(EPOCH FROM (until - now()))"))
                    .select_from(tables.vendor_pauses)
                    .where(p.connection_id == connection_id, p.until > func.now())
                )
            if left is None:
                return
            await asyncio.sleep(float(left))

    async def pause(self, connection_id: ConnectionId, seconds: float) -> None:
        await self._local.pause(connection_id, seconds)
        p = tables.vendor_pauses
        until = func.now() + timedelta(seconds=seconds)
        async with self._engine.connect() as connection:
            await connection.execute(
                pg_insert(p)
                .values(connection_id=connection_id, until=until)
                .on_conflict_do_update(
                    index_elements=[p.c.connection_id],
                    set_={"until": func.greatest(p.c.until, until)},
                )
            )
