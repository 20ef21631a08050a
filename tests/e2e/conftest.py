"""The API as a client sees it: Litestar's test client over the real app and database.

Litestar's test client runs the app on its own event loop (in a portal thread), and an asyncpg
pool belongs to one loop; so the app gets a container of its own, and the tests' set-up
(tenants and keys, which have no HTTP route) uses the ``container`` fixture on the test's loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from adapters.notifications.mailbox import LocalMailbox
from application.identity.use_cases import IssueApiKey
from domain.identity.access import Role
from domain.identity.tenant import TenantId
from entrypoints.containers import Container, build_container
from entrypoints.http.app import create_app
from tests.conftest import BACKENDS, settings_for
from tests.support.billing import Billing, FakeAccounting, FakeGateway, billing
from tests.support.factories import new_tenant

Client = AsyncTestClient[Litestar]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """The API is the same on both databases: its tests run on SQLite, and the modules marked
    ``both_databases`` (where the database shows through: locks, text rules, concurrency) on
    PostgreSQL too. The persistence and money tests below the API run on both."""
    if "database_url" in metafunc.fixturenames:
        both = metafunc.definition.get_closest_marker("both_databases") is not None
        metafunc.parametrize("database_url", BACKENDS if both else ["sqlite"], indirect=True)


@pytest.fixture
def database_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@dataclass(frozen=True)
class TenantKeys:
    tenant_id: TenantId
    keys: dict[Role, str]

    def headers(self, role: Role = Role.ADMIN) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}


async def tenant_with_keys(container: Container) -> TenantKeys:
    created = await new_tenant(container)
    issue: IssueApiKey = container.identity.issue_api_key()
    keys = {Role.ADMIN: created.admin_key.plaintext}
    for role in (Role.MANAGER, Role.SALES):
        keys[role] = (await issue(created.tenant.id, f"{role} key", role)).plaintext
    return TenantKeys(created.tenant.id, keys)


class _Standing:
    """Stands in a cached app's container for the fake of whichever test is running."""

    def __init__(self) -> None:
        self.target: object | None = None

    def __getattr__(self, name: str) -> Any:
        if self.target is None:
            raise AttributeError(f"no test's fake stands here now (asked for {name})")
        return getattr(self.target, name)


@dataclass
class _CachedApp:
    container: Container
    app: Litestar
    gateway: _Standing
    accounting: _Standing


# One app per database and kind (real or fake payment vendors) in each test process: making the
# app costs a quarter of a second (Litestar reads every handler's signature), starting it anew
# a hundredth. Every test still starts and stops it (its lifespan: vendors' clients, limits and
# database closed, reopened by the next), and every test has a tenant of its own.
_APPS: dict[tuple[str, bool], _CachedApp] = {}


def _cached_app(database_url: str, faked: bool) -> _CachedApp:
    cached = _APPS.get((database_url, faked))
    if cached is None:
        container = build_container(settings_for(database_url))
        gateway, accounting = _Standing(), _Standing()
        if faked:
            container.integrations.gateway.override(gateway)
            container.integrations.accounting.override(accounting)
        cached = _CachedApp(container, create_app(container), gateway, accounting)
        _APPS[database_url, faked] = cached
    return cached


@asynccontextmanager
async def started_app(
    database_url: str, gateway: FakeGateway | None = None, *, mailbox: Path | None = None
) -> AsyncIterator[tuple[Client, Container]]:
    """The process's cached app for this database, started for one test, and its container.

    ``mailbox``: the test's own folder for the mail the app sends. A test may override more of
    the container (a clock): the app is then dropped after it, never handed to the next test.
    """
    cached = _cached_app(database_url, gateway is not None)
    container = cached.container
    if mailbox is not None:
        container.billing.mailer.override(LocalMailbox(mailbox))
    cached.gateway.target, cached.accounting.target = gateway, FakeAccounting()
    standing = {container.integrations.gateway, container.integrations.accounting}
    try:
        async with AsyncTestClient(cached.app) as client:
            yield client, container
    finally:
        cached.gateway.target = cached.accounting.target = None
        container.billing.mailer.reset_override()
        providers: list[Any] = list(container.traverse())
        if {p for p in providers if p.overridden} - standing:
            del _APPS[database_url, gateway is not None]


@asynccontextmanager
async def app_client(
    database_url: str, gateway: FakeGateway | None = None, *, fresh: bool = False
) -> AsyncIterator[Client]:
    """The app on a container of its own; with a gateway, both payment vendors are the fakes.

    ``fresh`` makes a new container and app (a restart); otherwise the process's cached app for
    this database is started for the test and stopped after it.
    """
    if fresh:
        app_container = build_container(settings_for(database_url))
        if gateway is not None:
            app_container.integrations.gateway.override(gateway)
            app_container.integrations.accounting.override(FakeAccounting())
        async with AsyncTestClient(create_app(app_container)) as client:
            yield client
        return
    async with started_app(database_url, gateway) as (client, _):
        yield client


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[Client]:
    async with app_client(database_url) as client:
        yield client


@pytest.fixture
def gateway() -> FakeGateway:
    return FakeGateway()


Paying = tuple[Client, TenantKeys, Billing]


@pytest.fixture
async def paying(
    database_url: str, container: Container, gateway: FakeGateway
) -> AsyncIterator[Paying]:
    """A tenant with keys, a contact and a card, and the app on the fake payment vendors."""
    keys = await tenant_with_keys(container)
    setup = await billing(container, tenant=keys.tenant_id)
    async with app_client(database_url, gateway) as client:
        yield client, keys, setup


@pytest.fixture
async def acme(container: Container) -> TenantKeys:
    return await tenant_with_keys(container)


@pytest.fixture
async def globex(container: Container) -> TenantKeys:
    return await tenant_with_keys(container)
