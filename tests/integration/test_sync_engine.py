"""The sync engine against the Autotask sandbox over HTTP: faults, 429 storms, order, errors.

Each test runs on SQLite and on PostgreSQL (where the vendor limits live in the database).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from adapters.sandboxes.autotask.app import create_autotask_sandbox
from adapters.sandboxes.kit.faults import Faults
from application.crm.use_cases import UpdateOrganization
from application.integrations.connections import ConnectionChanges, UpdateConnection
from application.integrations.sync_errors import SyncErrorFilter, SyncErrors
from application.integrations.worker import OutboxWorker, WorkerSettings
from application.shared.pagination import PageRequest
from domain.crm.organization import (
    OrganizationChanges,
    OrganizationId,
)
from domain.identity.tenant import TenantId
from entrypoints.cli.bench import add_organizations
from entrypoints.containers import Container, build_container
from entrypoints.servers import serve_asgi
from entrypoints.settings import Settings
from tests.support.sync import set_aside_leftovers, tenant_with_autotask

RECORDS = 60  # each fault below meets several of them: enough to prove exactly-once
FAST = WorkerSettings(
    poll_seconds=0.02,
    backoff_base_seconds=0.02,
    backoff_cap_seconds=0.2,
    max_attempts=30,
    lease_seconds=30,
)


@pytest.fixture
def sandbox() -> Iterator[str]:
    app = create_autotask_sandbox(
        Faults(hang_seconds=1.0, retry_after=0.2, seed=7), limit_retry_after=0.2
    )
    with serve_asgi(app) as base:
        yield base


@pytest.fixture(autouse=True)
async def _leftovers_set_aside(container: Container) -> None:
    await set_aside_leftovers(container)


@pytest.fixture
async def container(database_url: str) -> AsyncIterator[Container]:
    container = build_container(
        Settings(database_url=database_url, secret_key="k" * 32, vendor_timeout_seconds=0.3)
    )
    yield container
    await container.integrations.vendors().aclose()
    await container.persistence.probe().close()


async def state(base: str) -> dict[str, Any]:
    async with httpx.AsyncClient() as client:
        snapshot: dict[str, Any] = (await client.get(f"{base}/_sandbox/state")).json()
        return snapshot


async def set_faults(base: str, **faults: float) -> None:
    async with httpx.AsyncClient() as client:
        body = {"hang_seconds": 0.5, "retry_after": 0.2, "seed": 7, **faults}
        assert (await client.put(f"{base}/_sandbox/faults", json=body)).status_code < 300


def worker(container: Container) -> OutboxWorker:
    made: OutboxWorker = container.integrations.worker(settings=FAST)
    return made


def companies_of(snapshot: dict[str, Any], ids: list[OrganizationId]) -> dict[str, list[int]]:
    wanted = {str(i) for i in ids}
    found: dict[str, list[int]] = {}
    for company in snapshot["entities"]["Companies"]:
        for udf in company.get("userDefinedFields") or []:
            if udf["name"] == "Q2C Hub ID" and udf["value"] in wanted:
                found.setdefault(udf["value"], []).append(company["id"])
    return found


async def open_errors(container: Container, tenant: TenantId) -> list[Any]:
    errors: SyncErrors = container.integrations.sync_errors()
    return list((await errors.page(tenant, SyncErrorFilter(), PageRequest(limit=200))).items)


async def test_every_record_arrives_exactly_once_through_faults_and_429_storms(
    container: Container, sandbox: str
) -> None:  # INT-4, INT-6, INT-7, AT-10
    tenant, _ = await tenant_with_autotask(container, sandbox)
    ids = await add_organizations(container, tenant, RECORDS)
    await set_faults(sandbox, rate_limit_rate=1.0)  # a 429 storm first
    run = asyncio.create_task(worker(container).run_until_idle())
    await asyncio.sleep(0.6)
    await set_faults(  # 20% 5xx and timeouts, plus drops, cut bodies and 429s
        sandbox,
        error_rate=0.15,
        timeout_rate=0.05,
        drop_rate=0.03,
        malformed_rate=0.03,
        rate_limit_rate=0.05,
    )
    await asyncio.wait_for(run, 120)
    snapshot = await state(sandbox)
    found = companies_of(snapshot, ids)
    assert len(found) == RECORDS
    assert all(len(companies) == 1 for companies in found.values())
    assert await open_errors(container, tenant) == []
    assert snapshot["limit_violations"] == 0
    assert max(snapshot["max_concurrency"].values()) <= 3


async def test_updates_of_one_organization_reach_the_vendor_in_commit_order(
    container: Container, sandbox: str
) -> None:  # INT-5
    tenant, _ = await tenant_with_autotask(container, sandbox)
    ids = await add_organizations(container, tenant, 20)
    update: UpdateOrganization = container.crm.update_organization()
    for phone in ("1", "2", "3", "4", "5"):
        await update(tenant, ids[0], OrganizationChanges(phone=f"555-000{phone}"))
    await set_faults(sandbox, latency_ms=5, error_rate=0.2)
    await worker(container).run_until_idle()
    snapshot = await state(sandbox)
    (company,) = companies_of(snapshot, ids[:1])[str(ids[0])]
    updates = snapshot["updates"]["Companies"][str(company)]
    phones = [u["fields"]["phone"] for u in updates if "phone" in u["fields"]]
    assert phones == ["555-0001", "555-0002", "555-0003", "555-0004", "555-0005"]
    assert len(companies_of(snapshot, ids)) == 20
    # Other organizations went in parallel, within Autotask's three at once (how many met at
    # once depends on the machine's load: two is parallel, more than three is a violation).
    assert 2 <= max(snapshot["max_concurrency"].values()) <= 3


async def test_a_vendor_rejection_is_a_sync_error_until_the_cause_is_fixed(
    container: Container, sandbox: str
) -> None:  # INT-6, INT-7, CW-8
    tenant, connection = await tenant_with_autotask(container, sandbox, hub_id_udf="No Such Field")
    (organization,) = await add_organizations(container, tenant, 1)
    await worker(container).run_until_idle()
    (error,) = await open_errors(container, tenant)
    assert "No Such Field" in error.message  # the vendor's own words
    assert error.entity_id == organization
    fix: UpdateConnection = container.integrations.update_connection()
    await fix(tenant, connection.id, ConnectionChanges(settings={"hub_id_udf": "Q2C Hub ID"}))
    errors: SyncErrors = container.integrations.sync_errors()
    await errors.retry(tenant, error.id)
    fresh = build_container(
        Settings(database_url=container.settings().database_url, secret_key="k" * 32)
    )  # new config cache: the fixed setting
    await worker(fresh).run_until_idle()
    await fresh.integrations.vendors().aclose()
    await fresh.persistence.probe().close()
    assert await open_errors(container, tenant) == []
    assert len(companies_of(await state(sandbox), [organization])) == 1
