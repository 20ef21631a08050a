"""The sync worker: claims due outbox messages and delivers them, within limits (INT-5..7).

Many deliveries run at once; messages of one aggregate go one at a time, in commit order (the
queue hands out only the oldest pending message of an aggregate). Transient failures retry with
exponential backoff and jitter; a 429 waits as long as the vendor asks; a rejection, or spent
retries, becomes a sync error with the vendor's message. Nothing a vendor does crashes the loop.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from application.integrations.connections import ConnectionConfigs
from application.integrations.outbox import OutboxQueue
from application.integrations.ports import (
    ConnectionConfig,
    Deliverer,
    OutboxMessage,
    VendorRateLimited,
    VendorRejected,
    VendorUnavailable,
)
from application.shared.errors import NotFound
from application.shared.ports import Clock
from domain.integrations.connection import System

log = logging.getLogger("q2c.worker")


@dataclass(frozen=True)
class WorkerSettings:
    batch_size: int = 100
    max_in_flight: int = 64
    lease_seconds: float = 60.0
    poll_seconds: float = 0.25
    max_attempts: int = 8
    backoff_base_seconds: float = 1.0
    backoff_cap_seconds: float = 600.0
    config_ttl_seconds: float = 30.0
    # Batching: mark delivered in groups, claim when a good share of capacity is free.
    flush_size: int = 50
    flush_seconds: float = 0.05


class OutboxWorker:
    def __init__(
        self,
        queue: OutboxQueue,
        configs: ConnectionConfigs,
        *,
        deliverers: Mapping[tuple[System, str], Deliverer],
        clock: Clock,
        settings: WorkerSettings,
        owner: str,
    ) -> None:
        self._queue = queue
        self._configs = configs
        self._deliverers = deliverers
        self._clock = clock
        self._settings = settings
        self.owner = owner
        self._done: list[OutboxMessage] = []
        self._in_flight: dict[asyncio.Task[None], OutboxMessage] = {}
        self._renewed: dict[int, float] = {}  # message id → when its lease was last renewed
        self._delivering: set[int] = set()  # message ids in the deliverer's hands
        self._wake = asyncio.Event()
        self._config_cache: dict[object, tuple[float, ConnectionConfig]] = {}
        self._random = random.Random()  # noqa: S311 - jitter, not secrets
        self._last_flush = 0.0
        self.delivered = 0

    async def run(self, stop: asyncio.Event) -> None:
        """Until ``stop`` is set; then finishes what is in flight (SIGTERM) and returns."""
        async with self._leases_kept():
            while not stop.is_set():
                claimed = await self.step()
                if not claimed:
                    await self._sleep(stop)
            await self.drain()

    async def run_until_idle(self) -> None:
        """For tests and benchmarks: until nothing is due, in flight or pending."""
        async with self._leases_kept():
            while True:
                claimed = await self.step()
                if claimed or self._in_flight:
                    if not claimed:
                        await self._sleep(asyncio.Event())
                    continue
                await self._flush(force=True)
                if await self._queue.pending() == 0:
                    return
                await asyncio.sleep(self._settings.poll_seconds)

    async def step(self) -> int:
        await self._flush(force=not self._in_flight)
        free = self._settings.max_in_flight - len(self._in_flight)
        wanted = min(self._settings.batch_size, max(1, self._settings.max_in_flight // 2))
        if free < wanted and self._in_flight:
            return 0  # claim in batches, not one message per finished delivery
        claimed_at = asyncio.get_running_loop().time()
        batch = await self._queue.claim(
            self.owner, min(free, self._settings.batch_size), self._settings.lease_seconds
        )
        running = {message.id for message in self._in_flight.values()}
        for message in batch:
            self._renewed[message.id] = claimed_at
            if message.id in running:
                continue  # its lease ran out and came back to this worker: the delivery goes on
            task = asyncio.create_task(self._deliver(message))
            self._in_flight[task] = message
            task.add_done_callback(self._finished)
        return len(batch)

    @asynccontextmanager
    async def _leases_kept(self) -> AsyncIterator[None]:
        keeper = asyncio.create_task(self._keep_leases())
        try:
            yield
        finally:
            keeper.cancel()
            await asyncio.gather(keeper, return_exceptions=True)

    async def _keep_leases(self) -> None:
        """Renews the leases of the messages in flight a third of a lease apart, in a task of
        its own so that a slow claim or flush cannot hold it up.

        A message is delivered by one worker at a time (QUO-6 rests on it: two deliveries of
        one quote at once would both create). So a delivery whose lease another worker has
        taken, or whose lease ran out by this worker's clock without a renewal (the database
        out of reach), is cancelled rather than left to race the next claimer.
        """
        lease = self._settings.lease_seconds
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(lease / 3)
            ids = [message.id for message in self._in_flight.values()]
            started = loop.time()
            held = await self._extend(ids, lease)
            for message_id in (held or set()) & self._renewed.keys():
                self._renewed[message_id] = started
            lost = set() if held is None else set(ids) - held
            self._fence(lost, loop.time())

    async def _extend(self, ids: list[int], within: float) -> set[int] | None:
        """The ids whose lease was renewed; None when the database did not answer in time."""
        if not ids:
            return set()
        try:
            return await asyncio.wait_for(
                self._queue.extend(self.owner, ids, self._settings.lease_seconds), within
            )
        except Exception as error:  # an unreachable database renews nothing
            log.warning("leases_not_renewed", extra={"reason": type(error).__name__})
            return None

    def _fence(self, lost: set[int], now: float) -> None:
        """Cancels the deliveries whose lease is taken, or has run out by ``now``."""
        lease = self._settings.lease_seconds
        for task, message in self._in_flight.items():
            if message.id not in self._delivering:
                continue  # recording its outcome: nothing more goes to the vendor
            if message.id in lost or self._renewed[message.id] + lease <= now:
                log.warning("delivery_stopped_lease_lost", extra={"outbox_id": message.id})
                task.cancel()

    async def drain(self) -> None:
        if self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)
        await self._flush(force=True)

    def _finished(self, task: asyncio.Task[None]) -> None:
        message = self._in_flight.pop(task, None)
        if message is not None:
            self._renewed.pop(message.id, None)
        self._wake.set()

    async def _sleep(self, stop: asyncio.Event) -> None:
        self._wake.clear()
        waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(
                waiters, timeout=self._settings.poll_seconds, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def _flush(self, *, force: bool = False) -> None:
        if not self._done:
            return
        now = asyncio.get_running_loop().time()
        due = now - self._last_flush >= self._settings.flush_seconds
        if not (force or due or len(self._done) >= self._settings.flush_size):
            return
        done, self._done = self._done, []
        self._last_flush = now
        await self._queue.complete(self.owner, done)
        self.delivered += len(done)

    async def _deliver(self, message: OutboxMessage) -> None:
        try:
            # A payload this version cannot read is a sync error (MalformedMessage), not a crash.
            _ = message.body
            config = await self._config(message)
            deliverer = self._deliverers.get((config.system, message.kind))
            if deliverer is None:
                await self._fail(message, f"no adapter delivers {message.kind} to {config.system}")
                return
            self._delivering.add(message.id)
            try:
                await deliverer.deliver(message, config)
            finally:
                self._delivering.discard(message.id)
        except VendorRateLimited as error:
            at = self._clock.now() + timedelta(seconds=max(error.retry_after, 0.0))
            await self._queue.retry(self.owner, message, at, error.message, count_attempt=False)
        except VendorRejected as error:
            await self._fail(message, error.message)
        except VendorUnavailable as error:
            await self._retry_or_fail(message, error.message)
        except NotFound as error:
            await self._fail(message, error.message)
        except Exception as error:  # a bug must not stop the other deliveries
            log.exception("delivery_crashed", extra={"outbox_id": message.id})
            await self._retry_or_fail(message, f"{type(error).__name__}: {error}")
        else:
            self._done.append(message)

    async def _fail(self, message: OutboxMessage, reason: str) -> None:
        log.warning("sync_error", extra={"outbox_id": message.id, "kind": message.kind})
        await self._queue.fail(self.owner, message, reason)

    async def _retry_or_fail(self, message: OutboxMessage, reason: str) -> None:
        attempt = message.attempts + 1
        if attempt >= self._settings.max_attempts:
            await self._fail(message, f"{reason} (gave up after {attempt} attempts)")
            return
        ceiling = min(
            self._settings.backoff_cap_seconds,
            self._settings.backoff_base_seconds * 2**message.attempts,
        )
        delay = ceiling * self._random.uniform(0.5, 1.0)  # exponential backoff, jittered
        await self._queue.retry(
            self.owner, message, self._clock.now() + timedelta(seconds=delay), reason
        )

    async def _config(self, message: OutboxMessage) -> ConnectionConfig:
        key = (message.tenant_id, message.connection_id)
        now = asyncio.get_running_loop().time()
        cached = self._config_cache.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        config = await self._configs.load(message.tenant_id, message.connection_id)
        self._config_cache[key] = (now + self._settings.config_ttl_seconds, config)
        return config
