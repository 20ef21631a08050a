"""``q2c bench``: figures, not assertions. Each prints a table, then one JSON line."""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

import click
import httpx
from sqlalchemy import func, select

from adapters.persistence import tables
from adapters.persistence.database import is_sqlite, scratch_database
from adapters.persistence.migrate import migrate
from adapters.sandboxes.autotask.app import SANDBOX_CREDENTIALS
from adapters.vendors.kit.noop import NOOP, NoopDeliverer, NoopMessage
from application.integrations.connections import ConnectSystem, NewConnection
from application.integrations.outbox import NewOutboxMessage
from application.integrations.worker import OutboxWorker, WorkerSettings
from domain.crm.organization import (
    Organization,
    OrganizationChanges,
    OrganizationId,
    OrganizationProfile,
)
from domain.identity.tenant import TenantId
from domain.integrations.connection import Connection, System
from domain.shared.ids import new_id
from domain.shared.money import Currency
from entrypoints.cli.bench_connectwise import bench_connectwise_quotes
from entrypoints.cli.bench_idempotency import idempotency
from entrypoints.cli.bench_payments import payments
from entrypoints.cli.bench_processes import (
    bench_settings,
    q2c,
    q2c_env,
    sandbox_process,
    serve_payment_sandboxes,
)
from entrypoints.cli.bench_quotes import PSAS, bench_quotes
from entrypoints.containers import Container, build_container
from entrypoints.runtime import run_async
from entrypoints.settings import Settings


@click.group()
def bench() -> None:
    """Measure the sync engine; the last line of each is JSON."""


async def _prepare(
    url: str, base_url: str = "http://127.0.0.1:9"
) -> tuple[Container, TenantId, Connection]:
    await migrate(url)
    container = build_container(bench_settings(url))
    created = await container.identity.create_tenant()(f"bench {new_id().hex[-12:]}", Currency.USD)
    connect: ConnectSystem = container.integrations.connect_system()
    connection = await connect(
        created.tenant.id,
        NewConnection(
            system=System.AUTOTASK, name="bench", base_url=base_url, credentials=SANDBOX_CREDENTIALS
        ),
    )
    return container, created.tenant.id, connection


async def _on_scratch(
    server_url: str, run: Callable[..., Awaitable[dict[str, Any]]], *args: Any
) -> dict[str, Any]:
    """Each PostgreSQL run gets a new database on the server: no backlog from another run."""
    async with scratch_database(server_url) as url:
        return await run(url, *args)


def _database(url: str | None, workdir: str) -> str:
    return url or f"sqlite+aiosqlite:///{Path(workdir) / 'bench.db'}"


def _emit(table: dict[str, Any]) -> None:
    width = max(len(k) for k in table)
    for key, value in table.items():
        click.echo(f"{key:<{width}}  {value}")
    click.echo(json.dumps(table))


# --- q2c bench sync -----------------------------------------------------------------------


async def add_organizations(
    container: Container, tenant: TenantId, n: int, prefix: str = "Bench"
) -> list[OrganizationId]:
    """``n`` organizations in one commit (so ``n`` outbox messages to each pushing PSA)."""
    now = container.core.clock().now()
    organizations = [
        Organization(
            id=OrganizationId(new_id()),
            tenant_id=tenant,
            profile=OrganizationProfile(name=f"{prefix} {i:05}", phone="555-0100"),
            now=now,
        )
        for i in range(n)
    ]
    async with container.persistence.uow()(tenant) as uow:
        for organization in organizations:
            await uow.organizations.add(organization)
        await uow.commit()
    return [o.id for o in organizations]


async def _touch(container: Container, tenant: TenantId, ids: list[OrganizationId]) -> None:
    now = container.core.clock().now()
    async with container.persistence.uow()(tenant) as uow:
        for i, organization_id in enumerate(ids):
            organization = await uow.organizations.get(organization_id)
            organization.revise(OrganizationChanges(phone=f"555-{i:05}"), now)
        await uow.commit()


def _calls(state: dict[str, Any]) -> int:
    return sum(int(v) for v in state.get("requests", {}).values())


async def _bench_sync(url: str, n: int, latency_ms: float, concurrency: int) -> dict[str, Any]:
    async with sandbox_process(concurrency) as base:
        container, tenant, _ = await _prepare(url, base)
        worker: OutboxWorker = container.integrations.worker()
        async with httpx.AsyncClient(base_url=base) as control:
            ids = await add_organizations(container, tenant, n)
            await worker.run_until_idle()  # the companies exist and are linked
            await control.put("/_sandbox/faults", json={"latency_ms": latency_ms})
            before = _calls((await control.get("/_sandbox/state")).json())
            await _touch(container, tenant, ids)
            started = time.perf_counter()
            await worker.run_until_idle()
            elapsed = time.perf_counter() - started
            state = (await control.get("/_sandbox/state")).json()
        await container.integrations.vendors().aclose()
        await container.persistence.probe().close()
    calls = _calls(state) - before
    bound = n * latency_ms / 1000 / concurrency
    return {
        "benchmark": "sync",
        "database": "sqlite" if is_sqlite(url) else "postgresql",
        "deliveries": n,
        "latency_ms": latency_ms,
        "concurrency": concurrency,
        "vendor_calls": calls,
        "calls_per_delivery": round(calls / n, 2),
        "elapsed_s": round(elapsed, 3),
        "bound_s": round(bound, 3),
        "ratio": round(elapsed / bound, 3) if bound else None,
        "max_concurrency_seen": max(state.get("max_concurrency", {}).values(), default=0),
        "limit_violations": state.get("limit_violations", 0),
    }


@bench.command("quotes")
@click.option("--n", "n", default=20, show_default=True, help="quotes")
@click.option("--m", "m", default=50, show_default=True, help="lines per quote")
@click.option("--latency-ms", default=50.0, show_default=True, help="the sandbox's latency")
@click.option(
    "--psa", type=click.Choice(PSAS), default="autotask", show_default=True, help="the PSA"
)
@click.option(
    "--database-url",
    envvar="Q2C_BENCH_DATABASE_URL",
    default=None,
    help="default: a SQLite file in a temporary folder",
)
def bench_quotes_command(
    n: int, m: int, latency_ms: float, psa: str, database_url: str | None
) -> None:
    """Publish N quotes of M lines to the PSA's sandbox (latency L; Autotask: 3 calls per
    endpoint at once), then edit one line of each: calls per publish and per edit, time
    against the bound calls x L / 3 (Kaseya BMS: / 1; ConnectWise: its own bound)."""
    with tempfile.TemporaryDirectory() as workdir:
        if psa == "connectwise":
            url = _database(database_url, workdir)
            _emit(run_async(partial(bench_connectwise_quotes, url, n, m, latency_ms)))
            return
        run = partial(
            bench_quotes,
            _database(database_url, workdir),
            n,
            m,
            latency_ms,
            prepare=_prepare,
            add_organizations=add_organizations,
            psa=psa,
        )
        _emit(run_async(run))


@bench.command("sync")
@click.option("--n", "n", default=2000, show_default=True, help="deliveries")
@click.option("--latency-ms", default=20.0, show_default=True, help="the sandbox's latency")
@click.option(
    "--concurrency",
    default=3,
    show_default=True,
    help="concurrent calls the vendor allows per endpoint (Autotask: 3)",
)
@click.option(
    "--database-url",
    envvar="Q2C_BENCH_DATABASE_URL",
    help="default: a new SQLite database in a temporary folder",
)
def bench_sync(n: int, latency_ms: float, concurrency: int, database_url: str | None) -> None:
    """N updates pushed to the Autotask sandbox (latency L, C concurrent) vs the bound N·L/C."""
    if database_url and not is_sqlite(database_url):
        scratch = partial(_on_scratch, database_url, _bench_sync, n, latency_ms, concurrency)
        _emit(run_async(scratch))
        return
    with tempfile.TemporaryDirectory() as workdir:
        url = _database(database_url, workdir)
        _emit(run_async(lambda: _bench_sync(url, n, latency_ms, concurrency)))


# --- q2c bench outbox ---------------------------------------------------------------------


async def _enqueue(container: Container, tenant: TenantId, connection: Connection, n: int) -> None:
    async with container.persistence.uow()(tenant) as uow:
        for _ in range(n):
            await uow.outbox.add(
                NewOutboxMessage(connection.id, "bench", new_id(), NoopMessage(new_id(), new_id()))
            )
        await uow.commit()


def _noop_worker(container: Container) -> OutboxWorker:
    container.integrations.deliverers.override({(System.AUTOTASK, NOOP): NoopDeliverer()})
    worker: OutboxWorker = container.integrations.worker(
        settings=WorkerSettings(batch_size=500, max_in_flight=500, poll_seconds=0.01)
    )
    return worker


async def _throughput(container: Container, tenant: TenantId) -> tuple[int, float]:
    o = tables.outbox.c
    async with container.persistence.sessions()() as session:
        row = (
            await session.execute(
                select(func.count(), func.min(o.delivered_at), func.max(o.delivered_at)).where(
                    o.tenant_id == tenant, o.status == "delivered"
                )
            )
        ).one()
    count, first, last = row
    return int(count), (last - first).total_seconds() if count > 1 else 0.0


async def _bench_outbox(url: str, n: int, processes: int) -> dict[str, Any]:
    container, tenant, connection = await _prepare(url)
    await _enqueue(container, tenant, connection, n)
    started = time.perf_counter()
    if processes == 1:
        await _noop_worker(container).run_until_idle()
    else:
        env = q2c_env(url, Q2C_LOG_LEVEL="warning")
        children = [
            await asyncio.create_subprocess_exec(*q2c("bench", "outbox-worker"), env=env)
            for _ in range(processes)
        ]
        await asyncio.gather(*(child.wait() for child in children))
    wall = time.perf_counter() - started
    delivered, span = await _throughput(container, tenant)
    await container.persistence.probe().close()
    return {
        "database": "sqlite" if is_sqlite(url) else "postgresql",
        "processes": processes,
        "messages": n,
        "delivered": delivered,
        "per_second": round(delivered / span) if span else None,
        "wall_s": round(wall, 3),
    }


@bench.command("outbox-worker", hidden=True)
def outbox_worker() -> None:
    """A worker with the no-op deliverer, until the outbox is empty (for bench outbox)."""
    settings = Settings.from_env()

    async def work() -> None:
        container = build_container(settings)
        await _noop_worker(container).run_until_idle()
        await container.persistence.probe().close()

    run_async(work)


@bench.command("outbox")
@click.option("--n", "n", default=20000, show_default=True, help="messages per run")
@click.option(
    "--postgres-url",
    envvar="Q2C_BENCH_POSTGRES_URL",
    help="PostgreSQL to measure on (skipped when not given)",
)
def bench_outbox(n: int, postgres_url: str | None) -> None:
    """No-op deliveries per second: SQLite (1 process), PostgreSQL with 1 and 2 processes."""
    runs = []
    with tempfile.TemporaryDirectory() as workdir:
        runs.append(run_async(lambda: _bench_outbox(_database(None, workdir), n, 1)))
    if postgres_url:
        for processes in (1, 2):
            runs.append(run_async(partial(_on_scratch, postgres_url, _bench_outbox, n, processes)))
    for run in runs:
        click.echo(
            f"{run['database']:<10} processes={run['processes']}  "
            f"{run['per_second']} deliveries/s  ({run['delivered']}/{run['messages']})"
        )
    click.echo(json.dumps({"benchmark": "outbox", "runs": runs}))


bench.add_command(payments)
bench.add_command(idempotency)
bench.add_command(serve_payment_sandboxes)
