"""The API as a client sees it: Litestar's test client over the real app and database.

Litestar's test client runs the app on its own event loop (in a portal thread), and an asyncpg
pool belongs to one loop; so the app gets a container of its own, and the tests' set-up
(tenants and keys, which have no HTTP route) uses the ``container`` fixture on the test's loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

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


@asynccontextmanager
async def app_client(
    database_url: str, gateway: FakeGateway | None = None
) -> AsyncIterator[Client]:
    """The app on a container of its own; with a gateway, both payment vendors are the fakes."""
    app_container = build_container(settings_for(database_url))
    if gateway is not None:
        app_container.integrations.gateway.override(gateway)
        app_container.integrations.accounting.override(FakeAccounting())
    async with AsyncTestClient(create_app(app_container)) as client:
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
