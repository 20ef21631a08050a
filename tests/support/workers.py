"""``q2c worker`` processes for scale-out tests: spawned, killed and restarted while the outbox
drains, then stopped with SIGTERM (which lets in-flight work finish)."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import time
from pathlib import Path

from sqlalchemy import ColumnElement, func, select

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
        "Q2C_WORKER_LEASE_SECONDS": "5",
        "Q2C_WORKER_BACKOFF_SECONDS": "0.05",
        "Q2C_LOG_LEVEL": "warning",
        **extra,
    }


def spawn_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    """A ``q2c worker``; its log goes to a file of its own in ``Q2C_TEST_WORKER_LOGS`` when
    that names a folder (to read what the workers saw in a failed run), else nowhere."""
    folder = os.environ.get("Q2C_TEST_WORKER_LOGS")
    if not folder:
        return subprocess.Popen(
            q2c("worker"), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
    with (Path(folder) / f"worker-{time.time_ns()}.log").open("wb") as log:
        return subprocess.Popen(q2c("worker"), env=env, stdout=subprocess.DEVNULL, stderr=log)


async def pending(container: Container, tenant: TenantId) -> int:
    """Messages a worker may still deliver (a failed one is a sync error: no worker retries it)."""
    return await _count(container, tenant, tables.outbox.c.status == "pending")


async def not_delivered(container: Container, tenant: TenantId) -> list[tuple[str, ...]]:
    """What is left undelivered and why, for an assertion that shows it."""
    o = tables.outbox.c
    async with container.persistence.sessions()() as session:
        rows = await session.execute(
            select(o.kind, o.status, o.attempts, o.last_error).where(
                o.tenant_id == tenant, o.status != "delivered"
            )
        )
        return [(r.kind, r.status, str(r.attempts), str(r.last_error)) for r in rows]


async def _count(container: Container, tenant: TenantId, where: ColumnElement[bool]) -> int:
    o = tables.outbox.c
    async with container.persistence.sessions()() as session:
        count = await session.scalar(
            select(func.count()).select_from(tables.outbox).where(o.tenant_id == tenant, where)
        )
        return int(count or 0)


async def drain_with_kills(
    container: Container,
    tenant: TenantId,
    env: dict[str, str],
    *,
    kills: int,
    deadline: float,
    poll: float = 0.1,
) -> tuple[int, list[int | None]]:
    """Three workers drain ``tenant``'s outbox; one at random is SIGKILLed and restarted each
    time another slice of the messages has been delivered, ``kills`` times over the first 60%.

    The kills follow the work, not the clock: whatever the number of messages or the speed of
    the machine, every kill lands while deliveries are under way. Returns the kills made and the
    workers' exit codes (after SIGTERM, which lets in-flight work finish).
    """
    total = await pending(container, tenant)
    marks = [total - round(total * 0.6 * (i + 1) / kills) for i in range(kills)]
    workers = [spawn_worker(env) for _ in range(3)]
    killed = 0
    try:
        until = time.monotonic() + deadline
        while (left := await pending(container, tenant)) and time.monotonic() < until:
            await asyncio.sleep(poll)
            if killed < kills and left <= marks[killed]:
                victim = random.randrange(3)
                workers[victim].send_signal(signal.SIGKILL)
                workers[victim].wait()
                workers[victim] = spawn_worker(env)
                killed += 1
    finally:
        for process in workers:
            await _handles_sigterm(process)  # a worker restarted just now may still be starting
            process.send_signal(signal.SIGTERM)
        for process in workers:
            process.wait(timeout=60)
    return killed, [p.returncode for p in workers]


def _caught_signals(pid: int) -> int | None:
    """The signals a process has handlers for (Linux: ``SigCgt`` in ``/proc/<pid>/status``)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None
    return next((int(line.split()[1], 16) for line in lines if line.startswith("SigCgt:")), None)


async def _handles_sigterm(process: subprocess.Popen[bytes], within: float = 60.0) -> None:
    """Until the worker has its SIGTERM handler, so SIGTERM meets a worker that finishes its
    work, not one still importing the hub."""
    until = time.monotonic() + within
    while process.poll() is None and time.monotonic() < until:
        caught = _caught_signals(process.pid)
        if caught is None or caught & (1 << (signal.SIGTERM - 1)):
            return  # not Linux, or gone, or ready
        await asyncio.sleep(0.05)
