"""Scale-out on PostgreSQL: three ``q2c worker`` processes, killed and restarted, over HTTP.

The sandbox runs as its own process (``q2c sandbox``), as a vendor would; the workers share the
outbox and the vendor limits through PostgreSQL (INT-5, INT-6, AT-10).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from domain.identity.tenant import TenantId
from entrypoints.cli.bench import add_organizations
from entrypoints.cli.bench_processes import child_process, q2c
from entrypoints.containers import Container, build_container
from entrypoints.sandboxes import AUTOTASK_PATH
from entrypoints.servers import free_port
from entrypoints.settings import Settings
from tests.support.sync import tenant_with_autotask
from tests.support.workers import drain_with_kills, not_delivered, worker_env

pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("processes")]  # processes of their own
SECRET = "k" * 32
RECORDS = 250


@pytest.fixture
async def sandbox() -> AsyncIterator[str]:
    port = free_port()
    env = {**os.environ, "Q2C_SANDBOX_LATENCY_MS": "2", "Q2C_LOG_LEVEL": "warning"}
    base = f"http://127.0.0.1:{port}{AUTOTASK_PATH}"
    args = q2c("sandbox", "--port", str(port))
    async with child_process("sandbox", args, f"{base}/_sandbox/state", env, quiet=True):
        yield base


@pytest.fixture
async def container(postgres_url: str) -> AsyncIterator[Container]:
    container = build_container(Settings(database_url=postgres_url, secret_key=SECRET))
    yield container
    await container.persistence.probe().close()


async def create_organizations(container: Container, tenant: TenantId) -> set[str]:
    # RECORDS changes and RECORDS outbox messages in one commit
    return {str(o) for o in await add_organizations(container, tenant, RECORDS, "Scale")}


def hub_ids(snapshot: dict[str, Any]) -> list[str]:
    return [
        udf["value"]
        for company in snapshot["entities"]["Companies"]
        for udf in company.get("userDefinedFields") or []
        if udf["name"] == "Q2C Hub ID"
    ]


async def test_three_workers_killed_repeatedly_deliver_everything_once(
    container: Container, postgres_url: str, sandbox: str
) -> None:
    tenant, _ = await tenant_with_autotask(container, sandbox)
    wanted = await create_organizations(container, tenant)
    env = worker_env(postgres_url, SECRET)
    kills, exits = await drain_with_kills(container, tenant, env, kills=5, deadline=240)
    assert await not_delivered(container, tenant) == []
    assert kills == 5  # the run lasted long enough to kill and restart five times
    assert exits == [0, 0, 0]  # SIGTERM: in-flight work finished
    async with httpx.AsyncClient() as client:
        snapshot = (await client.get(f"{sandbox}/_sandbox/state")).json()
    delivered = hub_ids(snapshot)
    assert set(delivered) == wanted
    assert len(delivered) == len(wanted)  # no duplicate company
    violations = (snapshot["limit_violations"], snapshot.get("limit_violations_by_endpoint"))
    assert violations[0] == 0, violations  # never more than 3 calls at once, all processes
    assert snapshot["max_concurrency"]["Companies"] <= 3
