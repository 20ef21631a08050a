"""``q2c worker`` processes for scale-out tests: spawned, killed and restarted while the outbox
drains, then stopped with SIGTERM (which lets in-flight work finish)."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import time

from sqlalchemy import func, select

from adapters.persistence import tables
from domain.identity.tenant import TenantId
from entrypoints.cli.bench_processes import q2c
from entrypoints.containers import Container


def worker_env(postgres_url: str, secret: str, **extra: str) -> dict[str, str]:
    """Workers on the test's PostgreSQL, with short leases and backoff."""
    return {
        **os.environ,
        "Q2C_DATABASE_URL": postgres_url,
        "Q2C_SECRET_KEY": secret,
        "Q2C_WORKER_LEASE_SECONDS": "3",
        "Q2C_WORKER_BACKOFF_SECONDS": "0.05",
        "Q2C_LOG_LEVEL": "warning",
        **extra,
    }


def spawn_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        q2c("worker"), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


async def undelivered(container: Container, tenant: TenantId) -> int:
    o = tables.outbox.c
    async with container.persistence.sessions()() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(tables.outbox)
            .where(o.tenant_id == tenant, o.status != "delivered")
        )
        return int(count or 0)


async def drain_with_kills(
    container: Container,
    tenant: TenantId,
    env: dict[str, str],
    *,
    kills: int,
    every: float,
    deadline: float,
) -> tuple[int, list[int | None]]:
    """Three workers drain ``tenant``'s outbox; one at random is SIGKILLed and restarted every
    ``every`` seconds, ``kills`` times. Returns the kills made and the workers' exit codes."""
    workers = [spawn_worker(env) for _ in range(3)]
    killed = 0
    try:
        until = time.monotonic() + deadline
        while await undelivered(container, tenant) and time.monotonic() < until:
            await asyncio.sleep(every)
            if killed < kills:
                victim = random.randrange(3)
                workers[victim].send_signal(signal.SIGKILL)
                workers[victim].wait()
                workers[victim] = spawn_worker(env)
                killed += 1
    finally:
        for process in workers:
            process.send_signal(signal.SIGTERM)
        for process in workers:
            process.wait(timeout=60)
    return killed, [p.returncode for p in workers]
