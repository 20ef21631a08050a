"""Pulls from the Autotask sandbox: full first sync, resume after a crash, flat memory (PAY-12)."""

from __future__ import annotations

import asyncio
import tracemalloc
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select, update

from adapters.persistence import tables
from adapters.sandboxes.autotask.app import (
    SANDBOX_CREDENTIALS,
    api_headers,
    create_autotask_sandbox,
)
from application.crm.ports import OrganizationFilter
from application.integrations.appliers import ORGANIZATION
from application.integrations.pulls import PullRunner, SyncJob, SyncJobStore
from application.shared.pagination import PageRequest
from domain.identity.tenant import TenantId
from domain.integrations.connection import Connection
from entrypoints.cli.bench_processes import sandbox_process
from entrypoints.containers import Container, build_container
from tests.conftest import settings_for
from tests.support.autotask import AutotaskSandbox, company_body
from tests.support.sandboxes import serve_sandbox
from tests.support.sync import tenant_with_autotask

HEADERS = api_headers(SANDBOX_CREDENTIALS)


class Crash(Exception):
    pass


@pytest.fixture
def sandbox() -> Iterator[AutotaskSandbox]:
    with serve_sandbox(AutotaskSandbox, create_autotask_sandbox, requests_per_window=None) as s:
        yield s


@pytest.fixture
async def container(database_url: str) -> AsyncIterator[Container]:
    container = build_container(settings_for(database_url))
    yield container
    await container.integrations.vendors().aclose()
    await container.persistence.probe().close()


def company(i: int) -> dict[str, object]:
    return company_body(companyName=f"Pulled {i:05}", companyType=1)


async def seed(target: str | AutotaskSandbox, start: int, count: int) -> None:
    """Companies made as ``POST /Companies`` makes them: in the store of a sandbox served here
    (no thousand set-up POSTs), else over HTTP (a sandbox in its own process)."""
    if isinstance(target, AutotaskSandbox):
        for i in range(start, start + count):
            target.store.create("Companies", company(i))
        return
    url = f"{target}/_sandbox/autotask/companies"  # one call: the control route makes each
    bodies = [company(i) for i in range(start, start + count)]
    async with httpx.AsyncClient(timeout=60) as client:
        assert (await client.post(url, json=bodies)).status_code == 200


async def requested(
    container: Container, tenant: TenantId, connection: Connection, full: bool = True
) -> SyncJob:
    jobs: SyncJobStore = container.persistence.jobs()
    job = await jobs.request(tenant, connection.id, ORGANIZATION, full=full)
    claimed = await jobs.claim("test", 60, job.id)
    assert claimed is not None
    return claimed


async def names(container: Container, tenant: TenantId) -> list[str]:
    async with container.persistence.uow()(tenant) as uow:
        rows = await uow.organizations.list(OrganizationFilter(), PageRequest(limit=200))
        collected = [o.name for o in rows[:200]]
        while len(rows) > 200:
            rows = await uow.organizations.list(
                OrganizationFilter(), PageRequest(limit=200, after=rows[199].id)
            )
            collected += [o.name for o in rows[:200]]
    return collected


RECORDS = 703  # a page of 500 and a part: a checkpoint between them, a last page after


async def test_a_full_sync_pages_through_everything(
    container: Container, sandbox: AutotaskSandbox
) -> None:  # PAY-12
    tenant, connection = await tenant_with_autotask(container, sandbox.url)
    await seed(sandbox, 0, RECORDS)
    runner: PullRunner = container.integrations.pull_runner()
    done = await runner.run(await requested(container, tenant, connection), "test")
    assert (done.status, done.records) == ("done", RECORDS)
    pulled = await names(container, tenant)
    assert sorted(pulled) == [f"Pulled {i:05}" for i in range(RECORDS)]


async def test_a_crashed_pull_resumes_at_its_checkpoint_without_duplicates(
    container: Container, sandbox: AutotaskSandbox
) -> None:  # PAY-12
    tenant, connection = await tenant_with_autotask(container, sandbox.url)
    await seed(sandbox, 0, RECORDS)
    runner: PullRunner = container.integrations.pull_runner()
    job = await requested(container, tenant, connection)

    def crash_after_first_page(_records: int) -> None:
        raise Crash

    with pytest.raises(Crash):
        await runner.run(job, "test", crash_after_first_page)
    assert len(await names(container, tenant)) == 500
    async with container.persistence.sessions()() as session, session.begin():
        await session.execute(
            update(tables.sync_jobs)
            .where(tables.sync_jobs.c.id == job.id)
            .values(lease_until=container.core.clock().now() - timedelta(seconds=1))
        )  # the crashed runner's lease ends
    jobs: SyncJobStore = container.persistence.jobs()
    resumed = await jobs.claim("another", 60, job.id)
    assert resumed is not None
    assert resumed.checkpoint is not None
    done = await runner.run(resumed, "another")
    assert (done.status, done.records) == ("done", RECORDS)
    pulled = await names(container, tenant)
    assert len(pulled) == len(set(pulled)) == RECORDS


async def test_pulled_changes_are_not_pushed_back_and_later_syncs_take_only_changes(
    container: Container, sandbox: AutotaskSandbox
) -> None:  # PAY-12, INT-4
    tenant, connection = await tenant_with_autotask(container, sandbox.url)
    await seed(sandbox, 0, 30)
    runner: PullRunner = container.integrations.pull_runner()
    await runner.run(await requested(container, tenant, connection), "test")
    await asyncio.sleep(0.05)
    await seed(sandbox, 30, 5)
    later = await runner.run(await requested(container, tenant, connection, full=False), "test")
    assert later.records == 5
    assert len(await names(container, tenant)) == 35
    async with container.persistence.sessions()() as session:
        echoed = await session.scalar(
            select(func.count())
            .select_from(tables.outbox)
            .where(tables.outbox.c.tenant_id == tenant)
        )
    assert echoed == 0


async def peak_bytes(container: Container, sandbox: str, companies: int) -> int:
    tenant, connection = await tenant_with_autotask(container, sandbox)
    await seed(sandbox, 0, companies)
    runner: PullRunner = container.integrations.pull_runner()
    job = await requested(container, tenant, connection)
    tracemalloc.start()
    try:
        await runner.run(job, "test")
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.xdist_group("processes")  # a sandbox process, and memory traced
async def test_memory_stays_flat_as_the_records_grow(sqlite_url: str) -> None:  # PAY-12
    peaks = []
    for companies in (500, 1500):  # one page of 500, then three
        container = build_container(settings_for(sqlite_url))
        # The vendor in its own process, so only the hub's memory is traced.
        async with sandbox_process(concurrency=3) as base:
            peaks.append(await peak_bytes(container, base, companies))
        await container.integrations.vendors().aclose()
        await container.persistence.probe().close()
    assert peaks[1] < peaks[0] * 1.6, peaks  # three times the records, not three times the memory
