"""The worker's background loops: one round, then a pause, until asked to stop.

A round that fails is logged and the loop goes on (nothing a vendor or a bad row does may end
a worker); a round that says more work is waiting runs again at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable


async def repeat(
    stop: asyncio.Event,
    round_: Callable[[], Awaitable[object]],
    *,
    pause_seconds: float,
    log: logging.Logger,
    failure: str,
) -> None:
    """Run ``round_`` until ``stop``; a truthy result means "again now", else pause."""
    while not stop.is_set():
        try:
            busy = bool(await round_())
        except Exception:  # a bad round must not end the loop
            log.exception(failure)
            busy = False
        if busy:
            continue
        try:
            await asyncio.wait_for(stop.wait(), pause_seconds)
        except TimeoutError:
            continue
