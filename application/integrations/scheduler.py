"""The schedule: pulls each pulling connection when its interval has passed (PAY-12)."""

from __future__ import annotations

import asyncio
import logging

from application.integrations.pulls import PullRunner, SyncJobStore, SyncNow
from application.shared.errors import ApplicationError
from application.shared.loops import repeat
from application.shared.ports import Clock

log = logging.getLogger("q2c.scheduler")


class SyncScheduler:
    def __init__(
        self,
        jobs: SyncJobStore,
        runner: PullRunner,
        clock: Clock,
        owner: str,
        sync_now: SyncNow,
        *,
        tick_seconds: float = 30.0,
        poll_seconds: float = 1.0,
        lease_seconds: float = 120.0,
    ) -> None:
        self._jobs, self._runner, self._clock, self.owner = jobs, runner, clock, owner
        self._sync_now = sync_now
        self._tick, self._poll, self._lease = tick_seconds, poll_seconds, lease_seconds

    async def run(self, stop: asyncio.Event) -> None:
        """Requests due pulls every tick; runs requested ones ("sync now") within a second."""
        next_due_check = 0.0
        loop = asyncio.get_running_loop()

        async def round_() -> None:
            nonlocal next_due_check
            if loop.time() >= next_due_check:
                await self.request_due()
                next_due_check = loop.time() + self._tick
            await self.run_requested()

        await repeat(
            stop, round_, pause_seconds=self._poll, log=log, failure="schedule_round_failed"
        )

    async def request_due(self) -> None:
        for tenant_id, connection_id in await self._jobs.due_connections(self._clock.now()):
            try:
                await self._sync_now(tenant_id, connection_id, again=False)
            except ApplicationError as error:  # changed since the due check: skip it this round
                log.info("pull_not_requested", extra={"reason": error.message})

    async def run_requested(self) -> int:
        """Run requested jobs, and jobs whose runner died (their lease ran out)."""
        ran = 0
        while (job := await self._jobs.claim(self.owner, self._lease)) is not None:
            finished = await self._runner.run(job, self.owner)
            log.info("pull_finished", extra={"job": str(job.id), "status": finished.status})
            ran += 1
        return ran
