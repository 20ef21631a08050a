"""The ``q2c`` command line: serve, migrate, tenants and keys."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import signal
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import click
import structlog
from litestar.handlers import ASGIRouteHandler
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from adapters.persistence.database import is_sqlite
from adapters.persistence.migrate import migrate as migrate_database
from application.billing.watch import WatchPayments
from application.identity.use_cases import CreateTenant, IssueApiKey
from application.integrations.connections import ConnectSystem
from application.integrations.pulls import PullRunner, SyncJob, SyncNow
from application.integrations.scheduler import SyncScheduler
from application.integrations.worker import OutboxWorker
from application.notifications.sender import SendNotifications
from application.shared.errors import ApplicationError
from domain.identity.access import Role
from domain.integrations.connection import ConnectionId
from domain.shared.errors import DomainError
from domain.shared.money import Currency
from entrypoints.cli.demo import demo_group
from entrypoints.cli.demo_branding import demo_branding, demo_logo
from entrypoints.cli.mailbox import mailbox_group
from entrypoints.cli.portal import portal_group
from entrypoints.containers import Container, build_container
from entrypoints.http.app import create_app
from entrypoints.http.server import uvicorn_server
from entrypoints.logging import configure_logging
from entrypoints.runtime import run_async
from entrypoints.settings import Settings

T = TypeVar("T")
log = structlog.get_logger("q2c.cli")
DEMO_TENANT = "Demo MSP"


def sandboxes_installed() -> bool:
    """Whether the vendor sandboxes are here: always in a checkout; from a wheel, with the
    ``sandboxes`` extra (``pip install "q2c-hub[sandboxes]"``)."""
    return importlib.util.find_spec("adapters.sandboxes") is not None


NO_SANDBOXES = 'the vendor sandboxes are not installed: pip install "q2c-hub[sandboxes]"'


def _run(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    try:
        return run_async(work)
    except (DomainError, ApplicationError) as error:
        raise click.ClickException(error.message) from None


@asynccontextmanager
async def _opened(settings: Settings) -> AsyncIterator[Container]:
    """The composition root for one command; its database connections closed at the end."""
    container = build_container(settings)
    try:
        yield container
    finally:
        await container.persistence.probe().close()


@click.group()
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Quote-to-cash hub for MSPs. Settings come from Q2C_* environment variables."""
    settings = Settings.from_env()
    configure_logging(settings)
    ctx.obj = settings


@cli.command()
@click.pass_obj
def migrate(settings: Settings) -> None:
    """Apply the database migrations (Alembic) up to the newest."""
    _run(lambda: migrate_database(settings.database_url))
    click.echo("database is up to date")


@cli.group()
def tenant() -> None:
    """Tenants (one per MSP) and their API keys."""


@tenant.command("create")
@click.argument("name")
@click.option(
    "--currency",
    type=click.Choice([c.value for c in Currency], case_sensitive=False),
    help="the internal currency, set once for good (MON-3)",
)
@click.pass_obj
def tenant_create(settings: Settings, name: str, currency: str | None) -> None:
    """Create a tenant and print its first admin API key (shown once)."""

    async def work() -> str:
        async with _opened(settings) as container:
            create: CreateTenant = container.identity.create_tenant()
            created = await create(name, Currency.parse(currency) if currency else None)
            return created.admin_key.plaintext

    key = _run(work)
    click.echo(f"tenant {name!r} created; admin API key (shown once, store it now):\n{key}")


@tenant.command("key")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    default=Role.ADMIN.value,
    show_default=True,
)
@click.option("--label", default="issued from the command line", show_default=True)
@click.pass_obj
def tenant_key(settings: Settings, name: str, role: str, label: str) -> None:
    """Issue another API key for an existing tenant (e.g. the demo tenant)."""

    async def work() -> str:
        async with _opened(settings) as container:
            found = await container.persistence.directory().find_tenant(name)
            if found is None:
                raise click.ClickException(f"no tenant named {name!r}")
            issue: IssueApiKey = container.identity.issue_api_key()
            issued = await issue(found.id, label, Role(role))
            return issued.plaintext

    click.echo(_run(work))


async def _ensure_demo_tenant(container: Container, settings: Settings) -> None:
    """First start of an empty hub: a demo tenant on the sandboxes, its key printed once."""
    if not settings.demo_tenant or await container.persistence.directory().any_tenant():
        click.echo(f"API docs: {settings.docs_url}  (a new key: q2c tenant key {DEMO_TENANT!r})")
        return
    create: CreateTenant = container.identity.create_tenant()
    created = await create(DEMO_TENANT, Currency.USD)
    await container.identity.change_branding()(created.tenant.id, demo_branding(DEMO_TENANT))
    await container.identity.set_logo()(created.tenant.id, demo_logo())
    if sandboxes_installed():
        from entrypoints.sandboxes import SANDBOXES

        connect: ConnectSystem = container.integrations.connect_system()
        for sandbox in SANDBOXES:
            await connect(created.tenant.id, sandbox.connection(settings.base_url))
        connected = "connected to the Autotask, QuickBooks and BNG sandboxes"
    else:
        connected = f"with no connections ({NO_SANDBOXES})"
    click.echo(
        f"\nDemo tenant {DEMO_TENANT!r} created, {connected}. "
        f"Its admin API key (shown once):\n\n    {created.admin_key.plaintext}\n\n"
        f"API docs: {settings.docs_url}\n"
        f"Try: curl -H 'Authorization: Bearer <key>' {settings.base_url}/v1/organizations\n"
    )


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)


async def _run_worker(container: Container, stop: asyncio.Event) -> None:
    """The outbox worker, the pull schedule, the payment watch and notifications, until ``stop``."""
    worker: OutboxWorker = container.integrations.worker()
    scheduler: SyncScheduler = container.integrations.scheduler()
    watch: WatchPayments = container.billing.watch()
    notifications: SendNotifications = container.billing.notifications()
    log.info("worker_started", owner=worker.owner)
    try:
        await asyncio.gather(
            worker.run(stop), scheduler.run(stop), watch.run(stop), notifications.run(stop)
        )
    finally:
        await container.integrations.vendors().aclose()
        await container.persistence.limits().close()
        log.info("worker_stopped", owner=worker.owner, delivered=worker.delivered)


@cli.command()
@click.pass_obj
def worker(settings: Settings) -> None:
    """Deliver the outbox to the connected systems (scale out: run many, on PostgreSQL).

    SIGTERM finishes the deliveries in flight, then exits.
    """

    async def work() -> None:
        async with _opened(settings) as container:
            stop = asyncio.Event()
            _stop_on_signals(stop)
            await _run_worker(container, stop)

    _run(work)


async def _pull_with_progress(runner: PullRunner, job: SyncJob, owner: str) -> SyncJob:
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed} records"),
        TimeElapsedColumn(),
    ) as bar:
        task = bar.add_task("full sync" if job.full else "changes", total=None)
        return await runner.run(job, owner, lambda n: bar.advance(task, n))


@cli.command()
@click.argument("connection_id", type=click.UUID)
@click.option("--full", is_flag=True, help="page through everything, not only what changed")
@click.pass_obj
def sync(settings: Settings, connection_id: uuid.UUID, full: bool) -> None:
    """Pull from a connection now, with progress; a crashed pull resumes where it stopped."""

    async def work() -> str:
        async with _opened(settings) as container:
            tenant = await container.persistence.directory().tenant_of_connection(connection_id)
            if tenant is None:
                raise click.ClickException(f"no connection {connection_id}")
            sync_now: SyncNow = container.integrations.sync_now()
            (job,) = await sync_now(tenant, ConnectionId(connection_id), full=full)
            owner = f"cli-{uuid.uuid4().hex[:8]}"
            claimed = await container.persistence.jobs().claim(owner, 300, job.id)
            if claimed is None:
                raise click.ClickException(f"job {job.id} is being run by a worker")
            runner: PullRunner = container.integrations.pull_runner()
            try:
                done = await _pull_with_progress(runner, claimed, owner)
            finally:
                await container.integrations.vendors().aclose()
            return f"{done.status}: {done.records} records" + (
                f" ({done.error})" if done.error else ""
            )

    click.echo(_run(work))


@cli.command()
@click.option("--host", help="address to listen on (default Q2C_HOST or 127.0.0.1)")
@click.option("--port", type=int, help="port to listen on (default Q2C_PORT or 8000)")
@click.pass_obj
def sandbox(settings: Settings, host: str | None, port: int | None) -> None:
    """Serve the vendor sandboxes alone, under /sandbox/<system> (faults from Q2C_SANDBOX_*)."""
    if not sandboxes_installed():
        raise click.ClickException(NO_SANDBOXES)
    from entrypoints.sandboxes import AUTOTASK_PATH, create_sandboxes_app

    settings = _override(settings, host, port)
    click.echo(f"Autotask sandbox: {settings.base_url}{AUTOTASK_PATH}")
    _run(lambda: uvicorn_server(create_sandboxes_app(os.environ), settings).serve())


def _override(settings: Settings, host: str | None, port: int | None) -> Settings:
    return replace(settings, host=host or settings.host, port=port or settings.port)


@cli.command()
@click.option("--host", help="address to listen on (default Q2C_HOST or 127.0.0.1)")
@click.option("--port", type=int, help="port to listen on (default Q2C_PORT or 8000)")
@click.option("--no-worker", is_flag=True, help="serve the API only (workers run elsewhere)")
@click.pass_obj
def serve(settings: Settings, host: str | None, port: int | None, no_worker: bool) -> None:
    """Serve the API, a sync worker and the vendor sandboxes in one process.

    On the embedded database it migrates first and seeds a demo tenant.
    """
    settings = _override(settings, host, port)

    async def work() -> None:
        if is_sqlite(settings.database_url):
            await migrate_database(settings.database_url)
        container = build_container(settings)
        await _ensure_demo_tenant(container, settings)
        server = uvicorn_server(create_app(container, _sandbox_mounts()), settings)
        stop = asyncio.Event()
        tasks = [asyncio.create_task(server.serve())]
        if not no_worker:
            tasks.append(asyncio.create_task(_run_worker(container, stop)))
        await tasks[0]  # uvicorn handles SIGTERM/SIGINT and returns
        stop.set()
        await asyncio.gather(*tasks[1:])

    _run(work)


def _sandbox_mounts() -> list[ASGIRouteHandler]:
    """The sandboxes' ASGI apps beside the API, when they are installed."""
    if not sandboxes_installed():
        log.warning("sandboxes_not_installed", hint=NO_SANDBOXES)
        return []
    from entrypoints.sandboxes import sandbox_handlers

    return sandbox_handlers(os.environ)


if sandboxes_installed():  # the benchmarks drive the sandboxes
    from entrypoints.cli.bench import bench

    cli.add_command(bench)
else:

    @cli.command(context_settings={"ignore_unknown_options": True})
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    def bench(args: tuple[str, ...]) -> None:  # noqa: ARG001 - refused whatever they are
        """Benchmarks (they need the vendor sandboxes)."""
        raise click.ClickException(NO_SANDBOXES)


cli.add_command(portal_group(_opened, _run))
if sandboxes_installed():  # the demo's sandboxes
    cli.add_command(demo_group(_opened, _run))
cli.add_command(
    mailbox_group(lambda: Path(click.get_current_context().ensure_object(Settings).mailbox_dir))
)
