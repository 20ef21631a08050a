"""The benchmarks' child processes: the sandboxes, the hub, a throwaway PostgreSQL.

A vendor runs in a process of its own, as it does in production: it competes for no GIL of the
benchmark's. So does the hub whose API is measured.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from pathlib import Path

import click
import httpx
import uvicorn
from litestar import Litestar

from adapters.sandboxes.bng.app import create_bng_sandbox
from adapters.sandboxes.kit.faults import Faults
from adapters.sandboxes.mount import mount
from adapters.sandboxes.quickbooks.app import create_quickbooks_sandbox
from entrypoints.sandboxes import AUTOTASK_PATH, BNG_PATH, QUICKBOOKS_PATH
from entrypoints.servers import free_port
from entrypoints.settings import Settings

BENCH_KEY = "bench-secret-key-not-for-production"
PG_THROWAWAY = Path(__file__).resolve().parents[2] / "scripts" / "pg-throwaway"
_POLLS, _POLL_SECONDS = 600, 0.05


def bench_settings(url: str) -> Settings:
    return Settings(database_url=url, secret_key=BENCH_KEY)


def q2c_env(url: str, **extra: str) -> dict[str, str]:
    """The environment of a ``q2c`` child on the benchmark's database."""
    return {**os.environ, "Q2C_DATABASE_URL": url, "Q2C_SECRET_KEY": BENCH_KEY, **extra}


def q2c(*args: str) -> list[str]:
    return [sys.executable, "-m", "entrypoints.cli", *args]


@asynccontextmanager
async def child_process(
    name: str,
    args: Sequence[str],
    ready: str,
    env: dict[str, str],
    *,
    quiet: bool = False,
    cwd: Path | None = None,
) -> AsyncIterator[None]:
    """A child process, until the end of the block; ``ready`` answers once it serves."""
    child = await asyncio.create_subprocess_exec(
        *args,
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL if quiet else None,
    )
    try:
        await _started(name, child, ready)
        yield
    finally:
        if child.returncode is None:
            child.terminate()
        await child.wait()


async def _started(name: str, child: asyncio.subprocess.Process, ready: str) -> None:
    async with httpx.AsyncClient() as probe:
        for _ in range(_POLLS):
            if child.returncode is not None:
                raise click.ClickException(f"the {name} stopped while starting")
            with suppress(httpx.TransportError):
                await probe.get(ready)
                return
            await asyncio.sleep(_POLL_SECONDS)
    raise click.ClickException(f"the {name} did not start within {_POLLS * _POLL_SECONDS:.0f} s")


@asynccontextmanager
async def sandbox_process(concurrency: int) -> AsyncIterator[str]:
    """``q2c sandbox``, C calls per endpoint at once and no hourly cap; yields Autotask's URL."""
    port = free_port()
    env = {
        **os.environ,
        "Q2C_SANDBOX_CONCURRENCY": str(concurrency),
        "Q2C_LOG_LEVEL": "warning",
        "Q2C_SANDBOX_HOURLY_REQUESTS": "10000000",
    }
    base = f"http://127.0.0.1:{port}{AUTOTASK_PATH}"
    args = q2c("sandbox", f"--port={port}")
    async with child_process("sandbox", args, f"{base}/_sandbox/state", env):
        yield base


@asynccontextmanager
async def payment_sandboxes(tenants: int) -> AsyncIterator[str]:
    """BNG and one QuickBooks company per tenant (``q2c bench payment-sandboxes``)."""
    port = free_port()
    args = q2c("bench", "payment-sandboxes", f"--port={port}", f"--tenants={tenants}")
    server = f"http://127.0.0.1:{port}"
    ready = f"{server}{BNG_PATH}/_sandbox/state"
    async with child_process("sandboxes", args, ready, dict(os.environ), quiet=True):  # faults log
        yield server


@click.command("payment-sandboxes", hidden=True)
@click.option("--port", type=int, required=True)
@click.option("--tenants", type=int, required=True)
def serve_payment_sandboxes(port: int, tenants: int) -> None:
    """BNG, and one QuickBooks company (with its own limits) per tenant."""
    handlers = [mount(BNG_PATH, create_bng_sandbox(Faults()))]
    handlers += [
        mount(f"{QUICKBOOKS_PATH}/{t}", create_quickbooks_sandbox(Faults())) for t in range(tenants)
    ]
    app = Litestar(route_handlers=handlers, openapi_config=None, logging_config=None)
    uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, access_log=False)


@asynccontextmanager
async def hub_process(url: str) -> AsyncIterator[str]:
    """``q2c serve`` with no worker: the API as it runs in production."""
    port = free_port()
    env = q2c_env(url, Q2C_DEMO_TENANT="false", Q2C_LOG_LEVEL="error")
    args = q2c("serve", "--no-worker", f"--port={port}")
    async with child_process("hub", args, f"http://127.0.0.1:{port}/health", env):
        yield f"http://127.0.0.1:{port}"


@asynccontextmanager
async def postgres_server(server: str | None) -> AsyncIterator[str]:
    """The server given, else a throwaway cluster (``scripts/pg-throwaway``), stopped after."""
    if server:
        yield server
        return
    if not PG_THROWAWAY.exists():
        raise click.ClickException("give --postgres-url (or Q2C_BENCH_POSTGRES_URL)")
    directory = tempfile.mkdtemp(prefix="q2c-bench-pg.")
    started = subprocess.run(  # noqa: ASYNC221, S603 - our own script, before anything runs
        [PG_THROWAWAY, "start", directory], capture_output=True, text=True, check=False
    )
    try:
        if started.returncode:
            raise click.ClickException(f"no throwaway PostgreSQL: {started.stderr.strip()}")
        yield started.stdout.strip()
    finally:
        subprocess.run([PG_THROWAWAY, "stop", directory], check=False)  # noqa: ASYNC221, S603
