"""The ``q2c`` command line: serve, migrate, tenants and keys."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click
import structlog
import uvicorn

from adapters.persistence.database import create_engine, is_sqlite
from adapters.persistence.migrate import upgrade
from application.identity.use_cases import CreateTenant, IssueApiKey
from application.shared.errors import ApplicationError
from domain.identity.access import Role
from domain.shared.errors import DomainError
from domain.shared.money import Currency
from entrypoints.containers import Container, build_container
from entrypoints.http.app import create_app
from entrypoints.logging import configure_logging
from entrypoints.settings import Settings

T = TypeVar("T")
log = structlog.get_logger("q2c.cli")
DEMO_TENANT = "Demo MSP"


def _run(work: Callable[[], Awaitable[T]]) -> T:
    try:
        return asyncio.run(work())  # type: ignore[arg-type]
    except (DomainError, ApplicationError) as error:
        raise click.ClickException(error.message) from None


@click.group()
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Quote-to-cash hub for MSPs. Settings come from Q2C_* environment variables."""
    settings = Settings.from_env()
    configure_logging(settings)
    ctx.obj = settings


async def _migrate(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


@cli.command()
@click.pass_obj
def migrate(settings: Settings) -> None:
    """Apply the database migrations (Alembic) up to the newest."""
    _run(lambda: _migrate(settings))
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
    container = build_container(settings)

    async def work() -> str:
        try:
            create: CreateTenant = container.identity.create_tenant()
            created = await create(name, Currency.parse(currency) if currency else None)
            return created.admin_key.plaintext
        finally:
            await container.persistence.probe().close()

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
    container = build_container(settings)

    async def work() -> str:
        try:
            found = await container.persistence.directory().find_tenant(name)
            if found is None:
                raise click.ClickException(f"no tenant named {name!r}")
            issue: IssueApiKey = container.identity.issue_api_key()
            issued = await issue(found.id, label, Role(role))
            return issued.plaintext
        finally:
            await container.persistence.probe().close()

    click.echo(_run(work))


async def _ensure_demo_tenant(container: Container, settings: Settings) -> None:
    """On first start of an empty hub: a demo tenant, its key printed once."""
    if not settings.demo_tenant or await container.persistence.directory().any_tenant():
        click.echo(f"API docs: {settings.docs_url}  (a new key: q2c tenant key {DEMO_TENANT!r})")
        return
    created = await container.identity.create_tenant()(DEMO_TENANT, Currency.USD)
    click.echo(
        f"\nDemo tenant {DEMO_TENANT!r} created. Its admin API key (shown once):\n\n"
        f"    {created.admin_key.plaintext}\n\n"
        f"API docs: {settings.docs_url}\n"
        f"Try: curl -H 'Authorization: Bearer <key>' "
        f"http://{settings.host}:{settings.port}/v1/organizations\n"
    )


@cli.command()
@click.option("--host", help="address to listen on (default Q2C_HOST or 127.0.0.1)")
@click.option("--port", type=int, help="port to listen on (default Q2C_PORT or 8000)")
@click.pass_obj
def serve(settings: Settings, host: str | None, port: int | None) -> None:
    """Serve the API. On the embedded database it migrates first and seeds a demo tenant."""
    settings = Settings(
        **{**settings.__dict__, **{k: v for k, v in (("host", host), ("port", port)) if v}}
    )

    async def work() -> None:
        if is_sqlite(settings.database_url):
            await _migrate(settings)
        container = build_container(settings)
        await _ensure_demo_tenant(container, settings)
        # The worker and the vendor sandboxes join this process with the sync engine.
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(container),
                host=settings.host,
                port=settings.port,
                log_config=None,
                access_log=False,
                lifespan="on",
            )
        )
        await server.serve()

    _run(work)
