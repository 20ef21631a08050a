"""The vendor limits shared through PostgreSQL (AT-10): slots, budgets and pauses hold."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from adapters.persistence import tables
from adapters.persistence.database import create_engine
from adapters.vendors.kit.limits import PostgresVendorLimits
from application.integrations.ports import LimitKey, VendorLimitPolicy
from domain.integrations.connection import ConnectionId
from domain.shared.ids import new_id

pytestmark = pytest.mark.postgres
POLICY = VendorLimitPolicy(concurrent_per_endpoint=3, requests_per_window=10_000)


async def slot_holders(postgres_url: str, key: LimitKey) -> list[str | None]:
    """Who holds each of the key's concurrency slots, as the database has it."""
    engine = create_engine(postgres_url)
    s = tables.vendor_slots.c
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(s.holder).where(s.key == f"{key.connection_id}:{key.endpoint}").order_by(s.slot)
        )
        holders = list(rows.scalars().all())
    await engine.dispose()
    return holders


@pytest.fixture
async def processes(postgres_url: str) -> AsyncIterator[list[PostgresVendorLimits]]:
    """Three limiters with their own engines, as three worker processes would have."""
    engines = [create_engine(postgres_url) for _ in range(3)]
    yield [PostgresVendorLimits(engine) for engine in engines]
    for engine in engines:
        await engine.dispose()


async def test_concurrency_and_budget_hold_across_processes(
    processes: list[PostgresVendorLimits], postgres_url: str
) -> None:  # AT-10
    key = LimitKey(ConnectionId(new_id()), "Companies")
    running = peak = 0

    async def call(limits: PostgresVendorLimits) -> None:
        nonlocal running, peak
        async with limits.call(key, POLICY):
            running += 1
            peak = max(peak, running)
            await asyncio.sleep(0.005)
            running -= 1

    await asyncio.gather(*(call(processes[i % 3]) for i in range(150)))
    for limits in processes:
        await limits.close()
    assert peak == 3  # never more than the vendor allows, though nine callers were ready
    engine = create_engine(postgres_url)
    async with engine.connect() as connection:
        used = await connection.scalar(
            select(tables.vendor_budgets.c.used).where(
                tables.vendor_budgets.c.key == f"{key.connection_id}:*"
            )
        )
    await engine.dispose()
    held = await slot_holders(postgres_url, key)
    assert used is not None
    assert 150 <= used <= 150 + 3 * PostgresVendorLimits.BUDGET_CHUNK  # reserved, not leaked
    assert held == [None, None, None]  # closed processes give their slots back


async def test_calls_in_one_process_share_one_reservation(
    processes: list[PostgresVendorLimits], postgres_url: str
) -> None:  # AT-10
    """Forty calls at once in one process find no units left; they wait for one reservation
    and share its chunk rather than each reserving its own (a CI run once saw 190 of 150)."""
    key = LimitKey(ConnectionId(new_id()), "Companies")
    budget_only = VendorLimitPolicy(requests_per_window=10_000)
    limits = processes[0]

    async def call() -> None:
        async with limits.call(key, budget_only):
            await asyncio.sleep(0)

    await asyncio.gather(*(call() for _ in range(40)))
    await limits.close()
    engine = create_engine(postgres_url)
    async with engine.connect() as connection:
        used = await connection.scalar(
            select(tables.vendor_budgets.c.used).where(
                tables.vendor_budgets.c.key == f"{key.connection_id}:*"
            )
        )
    await engine.dispose()
    assert used == 40  # four chunks of ten, all spent; not forty chunks


async def test_closing_while_an_idle_slot_goes_back_gives_it_back(
    processes: list[PostgresVendorLimits], postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:  # AT-10
    """A process closing while its idle slot is on its way back still gives it back (a CI run
    once found a slot held after close: the expiry was cancelled halfway)."""
    key = LimitKey(ConnectionId(new_id()), "Companies")
    limits = processes[0]
    giving_back = asyncio.Event()
    give_back = limits._give_back

    async def slow_give_back(name: str, slot: int) -> None:
        giving_back.set()
        await asyncio.sleep(0.2)  # a slow database, as on a loaded machine
        await give_back(name, slot)

    monkeypatch.setattr(limits, "_give_back", slow_give_back)
    async with limits.call(key, POLICY):
        pass  # the slot stays idle for the next local call, then expires on its own
    await asyncio.wait_for(giving_back.wait(), timeout=30)
    await limits.close()
    assert await slot_holders(postgres_url, key) == [None, None, None]


async def test_closing_leaves_no_task_of_the_limiter_on_the_loop(
    processes: list[PostgresVendorLimits],
) -> None:  # AT-10
    """After close, nothing of the limiter is left pending: a heartbeat cancelled but not
    awaited was destroyed with the test's loop, halfway through its update (a CI error)."""
    key = LimitKey(ConnectionId(new_id()), "Companies")
    limits = processes[0]
    before = asyncio.all_tasks()
    async with limits.call(key, POLICY):
        pass  # a slot held: the heartbeat runs
    await limits.close()
    left = [task for task in asyncio.all_tasks() - before if not task.done()]
    assert left == []


async def test_a_pause_after_429_reaches_every_process(
    processes: list[PostgresVendorLimits],
) -> None:  # INT-6
    key = LimitKey(ConnectionId(new_id()), "Companies")
    await processes[0].pause(key.connection_id, 0.5)
    started = time.monotonic()
    async with processes[1].call(key, POLICY):
        waited = time.monotonic() - started
    assert waited >= 0.4
    await processes[1].close()


async def test_idle_slots_expiring_while_calls_come_and_go_are_never_shared(
    processes: list[PostgresVendorLimits], postgres_url: str
) -> None:  # AT-10
    """Calls arrive while idle slots expire: a slot is never handed to two calls at once.

    A short stickiness makes the expiry of idle slots race with calls taking them, which is
    when a slot could be handed out twice or given back twice (and then not renewed).
    """
    key = LimitKey(ConnectionId(new_id()), "Companies")
    for limits in processes:
        limits.STICKY = 0.004
    running = peak = 0

    async def call(start: float, length: float, which: int) -> None:
        nonlocal running, peak
        await asyncio.sleep(start)
        async with processes[which].call(key, POLICY):
            running += 1
            peak = max(peak, running)
            await asyncio.sleep(length)
            running -= 1

    for seed in range(3):  # the race is a matter of timing: three different arrival patterns
        rng = random.Random(seed)
        plan = [(rng.uniform(0, 1.0), rng.uniform(0, 0.01), i % 3) for i in range(400)]
        await asyncio.gather(*(call(*step) for step in plan))
    await asyncio.sleep(0.05)  # every idle slot's expiry has run
    assert peak <= 3
    holders = await slot_holders(postgres_url, key)
    assert holders == [None, None, None]  # every slot went back exactly once
    assert [limits.held for limits in processes] == [0, 0, 0]
