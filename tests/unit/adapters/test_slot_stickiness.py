"""The idle slots a worker process keeps for a moment are each handed to one call only (AT-10).

Giving a stale slot back awaits the database; an idle slot's expiry can run meanwhile. Here
both awaits are held open on purpose, so the interleaving that once handed one slot to two
calls (and gave another back twice) happens every time.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from adapters.vendors.kit.limits import PostgresVendorLimits
from application.integrations.ports import LimitKey, VendorLimitPolicy
from domain.integrations.connection import ConnectionId
from domain.shared.ids import new_id

POLICY = VendorLimitPolicy(concurrent_per_endpoint=3)


class _Engine:
    def execution_options(self, **_: Any) -> _Engine:
        return self


class _Limits(PostgresVendorLimits):
    """The database calls replaced: leases count up, give-backs wait for a gate."""

    def __init__(self) -> None:
        super().__init__(_Engine())  # type: ignore[arg-type]
        self.gate = asyncio.Event()
        self.given_back: list[int] = []
        self.leased = 0

    async def _lease_slot(self, name: str, count: int) -> int:  # noqa: ARG002
        self.leased += 1
        self._held += 1
        return 100 + self.leased

    async def _give_back(self, name: str, slot: int) -> None:  # noqa: ARG002
        self._held -= 1
        await self.gate.wait()
        self.given_back.append(slot)


async def test_a_stale_slot_given_back_while_its_neighbour_expires_is_not_shared() -> None:
    limits = _Limits()
    key = LimitKey(ConnectionId(new_id()), "Companies")
    name = f"{key.connection_id}:Companies"
    now = time.monotonic()
    # Slot 1 is still sticky, slot 2 is stale; both idle, as two calls just left them.
    limits._held = 2
    limits._idle[name] = [(1, now), (2, now - 10 * limits.STICKY)]

    first = asyncio.ensure_future(limits._acquire(key, POLICY))
    await asyncio.sleep(0)  # the first call is giving slot 2 back
    expiry = asyncio.ensure_future(limits._expire_idle(name))
    await asyncio.sleep(0)
    second = asyncio.ensure_future(limits._acquire(key, POLICY))
    await asyncio.sleep(0)
    limits.gate.set()
    got_first, got_second, _ = await asyncio.gather(first, second, expiry)

    assert got_first is not None
    assert got_second is not None
    assert got_first[0] != got_second[0]  # never one slot for two calls
    assert sorted(limits.given_back) == [2]  # the stale slot went back once
    assert limits.held == 2  # slot 1 in use, one new lease: the count matches the rows
