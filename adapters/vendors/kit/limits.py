"""Vendor limits: concurrency per endpoint, request budgets per window, pauses after a 429.

``InMemoryVendorLimits`` serves one process (the embedded hub on SQLite). On PostgreSQL,
``PostgresVendorLimits`` shares the limits between every worker process: a concurrency slot is
a leased row, a budget is a counted window, a pause is a row every process reads.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence import tables
from application.integrations.ports import LimitKey, VendorLimitPolicy, VendorRateLimited
from domain.integrations.connection import ConnectionId

log = logging.getLogger("q2c.limits")

# A call that would wait longer than this is handed back to the worker to retry later, so it
# holds no worker capacity that other connections could use (AT-10: wait, never fail).
LONGEST_WAIT = 2.0


def budget_spent(seconds: float, budget: str) -> VendorRateLimited:
    """The budget of this window is spent: the call is rescheduled for the next window."""
    return VendorRateLimited(
        f"the hourly request budget of {budget.split(':', maxsplit=1)[0]} is spent; "
        f"waiting {seconds:.0f} s for the next window",
        retry_after=max(seconds, 0.0),
    )


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
        await self.wait_pause(key.connection_id)
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
        window = int(time.time()) // policy.window_seconds
        start, used = self._budgets.get(budget, (window, 0))
        used = used if start == window else 0
        if used >= policy.requests_per_window:
            raise budget_spent((window + 1) * policy.window_seconds - time.time(), budget)
        self._budgets[budget] = (window, used + 1)

    async def wait_pause(self, connection_id: ConnectionId) -> None:
        # A pause can be extended while we sleep, so look again after each sleep.
        while (left := self._paused_until.get(connection_id, 0.0) - time.monotonic()) > 0:
            if left > LONGEST_WAIT:
                raise VendorRateLimited(
                    f"the vendor asked for a pause of {left:.0f} s", retry_after=left
                )
            await asyncio.sleep(left)

    async def close(self) -> None:
        return None

    async def pause(self, connection_id: ConnectionId, seconds: float) -> None:
        until = time.monotonic() + seconds
        self._paused_until[connection_id] = max(self._paused_until.get(connection_id, 0), until)


class PostgresVendorLimits:
    """Limits every process on one PostgreSQL keeps together; a dead holder's slot expires.

    Round trips are kept off the hot path: a slot taken from the database is handed on to the
    next local call for up to ``STICKY`` before it goes back (so other processes get their
    turn), budget units are reserved a few at a time, and pauses are re-read at most every
    ``PAUSE_RECHECK``. The database stays the arbiter: no process ever holds more slots than
    the rows it leased.
    """

    # A slot's lease is short, so a killed process frees its slots soon, and renewed every
    # third of it while held, so no call (however long) outlives the lease it runs under.
    SLOT_LEASE = timedelta(seconds=6)
    STICKY = 0.25
    PAUSE_RECHECK = 0.2
    BUDGET_CHUNK = 10

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._local = InMemoryVendorLimits()  # queue locally first: no polling within a process
        self._me = uuid.uuid4().hex
        self._slots_made: set[str] = set()
        self._idle: dict[str, list[tuple[int, float]]] = {}  # leased slots no call is using
        self._reserved: dict[str, tuple[float, int]] = {}  # budget window -> units left
        self._reserving: dict[str, asyncio.Lock] = {}
        self._pause_checked: dict[ConnectionId, float] = {}
        self._expiring: set[asyncio.Task[None]] = set()
        self._timers: set[asyncio.TimerHandle] = set()  # expiries not yet due
        self._held = 0  # slots this process holds, in use or idle
        self._renewer: asyncio.Task[None] | None = None

    @property
    def held(self) -> int:
        """Slots this process holds in the database, in use or idle."""
        return self._held

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

    async def _acquire(self, key: LimitKey, policy: VendorLimitPolicy) -> tuple[int, float] | None:
        if policy.concurrent_per_endpoint is None:
            return None
        name = _slot_key(key)
        stale = self._take_stale(name)
        idle = self._idle[name]
        fresh = idle.pop() if idle else None  # before any await: this call's alone
        for slot in stale:
            await self._give_back(name, slot)
        if fresh is not None:
            return fresh
        return await self._lease_slot(name, policy.concurrent_per_endpoint), time.monotonic()

    def _take_stale(self, name: str) -> list[int]:
        """Remove the idle slots past their stickiness from the one idle list; return them.

        It never awaits and never replaces the list, so whatever runs while the stale slots
        are given back, a slot is handed to one call or given back once, never both.
        """
        idle = self._idle.setdefault(name, [])
        now = time.monotonic()
        stale = [slot for slot, since in idle if now - since >= self.STICKY]
        idle[:] = [(slot, since) for slot, since in idle if now - since < self.STICKY]
        return stale

    async def _lease_slot(self, name: str, count: int) -> int:
        await self._make_slots(name, count)
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
                self._held += 1
                self._start_renewing()
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

    async def _release(self, key: LimitKey, held: tuple[int, float] | None) -> None:
        if held is None:
            return
        name = _slot_key(key)
        slot, since = held
        if time.monotonic() - since < self.STICKY:
            self._idle.setdefault(name, []).append((slot, since))  # the next local call takes it
            loop = asyncio.get_running_loop()
            self._timers = {t for t in self._timers if not t.cancelled() and t.when() > loop.time()}
            self._timers.add(loop.call_later(self.STICKY, self._schedule_expiry, name))
            return
        await self._give_back(name, slot)

    def _schedule_expiry(self, name: str) -> None:
        task = asyncio.ensure_future(self._expire_idle(name))
        self._expiring.add(task)
        task.add_done_callback(self._expiring.discard)

    async def _expire_idle(self, name: str) -> None:
        """An idle slot goes back once its time is up, so a quiet process starves nobody."""
        for slot in self._take_stale(name):
            await self._give_back(name, slot)

    def _start_renewing(self) -> None:
        if self._renewer is None or self._renewer.done():
            self._renewer = asyncio.ensure_future(self._renew())

    async def _renew(self) -> None:
        """While this process holds slots, keep their leases fresh (a heartbeat).

        A failed beat does not stop the heartbeat: the next one, a third of a lease later,
        still comes before the lease runs out.
        """
        s = tables.vendor_slots.c
        while self._held > 0:
            await asyncio.sleep(self.SLOT_LEASE.total_seconds() / 3)
            try:
                async with self._engine.connect() as connection:
                    await connection.execute(
                        update(tables.vendor_slots)
                        .where(s.holder == self._me)
                        .values(expires_at=func.now() + self.SLOT_LEASE)
                    )
            except (OSError, SQLAlchemyError) as exc:
                log.warning("vendor_slot_renewal_failed", extra={"error": str(exc)})

    async def _give_back(self, name: str, slot: int) -> None:
        self._held -= 1
        s = tables.vendor_slots.c
        async with self._engine.connect() as connection:
            await connection.execute(
                update(tables.vendor_slots)
                .where(s.key == name, s.slot == slot, s.holder == self._me)
                .values(holder=None, expires_at=None)
            )

    async def close(self) -> None:
        """Give back every idle slot at shutdown, not when its lease runs out; no expiry is
        left scheduled or half-run on a loop that is going away.

        An expiry already running is awaited, not cancelled: it has taken its slots out of the
        idle list, and cancelled between that and giving them back it would leave them held
        in the database until their lease ran out (a CI run once saw it).
        """
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        await asyncio.gather(*list(self._expiring), return_exceptions=True)
        for name, idle in list(self._idle.items()):
            slots = [slot for slot, _ in idle]
            idle.clear()
            for slot in slots:
                await self._give_back(name, slot)
        if self._renewer is not None:
            # Cancelled and awaited: a heartbeat cancelled but left pending (perhaps halfway
            # through its update) would be destroyed with the loop, its connection unclosed.
            self._renewer.cancel()
            await asyncio.gather(self._renewer, return_exceptions=True)
            self._renewer = None

    async def _spend(self, key: LimitKey, policy: VendorLimitPolicy) -> None:
        if policy.requests_per_window is None:
            return
        budget = _budget_key(key, policy)
        now = datetime.now(UTC)
        window = now.timestamp() // policy.window_seconds * policy.window_seconds
        if self._take_reserved(budget, window):
            return
        # One reservation at a time per budget in a process: the calls that find the units
        # gone wait for it and share its chunk, so a process never holds two chunks at once.
        async with self._reserving.setdefault(budget, asyncio.Lock()):
            if self._take_reserved(budget, window):
                return
            got = await self._reserve(budget, window, policy)
            if not got:
                raise budget_spent(window + policy.window_seconds - now.timestamp(), budget)
            self._reserved[budget] = (window, got - 1)

    def _take_reserved(self, budget: str, window: float) -> bool:
        """Spend one unit this process already reserved for the window, if it has one."""
        start, left = self._reserved.get(budget, (window, 0))
        if start == window and left > 0:
            self._reserved[budget] = (window, left - 1)
            return True
        return False

    async def _reserve(self, budget: str, window: float, policy: VendorLimitPolicy) -> int:
        """Units of this window's budget for this process: a chunk, or what is left of it."""
        limit = policy.requests_per_window or 0
        b = tables.vendor_budgets
        start = datetime.fromtimestamp(window, UTC)
        for units in (min(self.BUDGET_CHUNK, limit), 1):
            statement = (
                pg_insert(b)
                .values(key=budget, window_start=start, used=units)
                .on_conflict_do_update(
                    index_elements=[b.c.key, b.c.window_start],
                    set_={"used": b.c.used + units},
                    where=b.c.used + units <= limit,
                )
                .returning(b.c.used)
            )
            async with self._engine.connect() as connection:
                if await connection.scalar(statement) is not None:
                    return units
        return 0

    async def _wait_pause(self, connection_id: ConnectionId) -> None:
        await self._local.wait_pause(connection_id)
        now = time.monotonic()
        if now - self._pause_checked.get(connection_id, 0.0) < self.PAUSE_RECHECK:
            return
        self._pause_checked[connection_id] = now
        p = tables.vendor_pauses.c
        async with self._engine.connect() as connection:
            left = await connection.scalar(
                select(text("EXTRACT(EPOCH FROM (until - now()))"))
                .select_from(tables.vendor_pauses)
                .where(p.connection_id == connection_id, p.until > func.now())
            )
        if left is not None:
            await self._local.pause(connection_id, float(left))
            await self._local.wait_pause(connection_id)

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
