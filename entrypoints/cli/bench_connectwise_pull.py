"""``q2c bench pull --psa connectwise``: a full pull of N companies with a contact each.

The ConnectWise sandbox runs in a process of its own (so only the hub's memory is traced),
with latency L on every call. N companies of a pulled type and status, and a contact of each,
are made there in two control calls; then a full pull (organizations, then contacts) runs
through the hub's ``PullRunner``, its peak memory traced with ``tracemalloc``. The figures:
elapsed time against the page bound (pages x L: a pull reads its pages one after another, each
of at most 1,000 records; the contacts' pull reads the selected companies' ids first), and peak
memory against a pull of B (500) companies. Then a pull of the N is killed after its first page
and resumed by another runner from its checkpoint: every company and contact once.
"""

from __future__ import annotations

import contextlib
import math
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select, update

from adapters.persistence import tables
from adapters.persistence.database import is_sqlite
from adapters.persistence.migrate import migrate
from adapters.sandboxes.connectwise.app import SANDBOX_CREDENTIALS
from adapters.vendors.connectwise.contract import MAX_PAGE_SIZE, api_headers
from application.integrations.appliers import CONTACT, ORGANIZATION
from application.integrations.connections import ConnectSystem, NewConnection
from application.integrations.pulls import ENTITY_SEPARATOR, PullRunner, SyncJob, SyncJobStore
from domain.identity.tenant import TenantId
from domain.integrations.connection import Connection, System
from domain.shared.ids import new_id
from domain.shared.money import Currency
from entrypoints.cli.bench_connectwise import connectwise_sandbox
from entrypoints.cli.bench_processes import bench_settings
from entrypoints.containers import Container, build_container

SETTINGS = {"pull_organizations": True}
ENTITIES = ENTITY_SEPARATOR.join((ORGANIZATION, CONTACT))
LOOKUPS = "/_sandbox/connectwise/records"


class Killed(Exception):
    """The pull's process dies after a checkpoint (a worker killed mid-pull)."""


async def seed(control: httpx.AsyncClient, base: str, n: int) -> None:
    """N companies of the type and status a pull takes, and one contact each."""
    headers = _api_headers()
    async with httpx.AsyncClient(base_url=f"{base}/v2025_1/apis/3.0", headers=headers) as api:
        ids = {}
        for path, label in (
            ("company/companies/types", "name"),
            ("company/companies/statuses", "name"),
            ("company/countries", "name"),
        ):
            rows = (await api.get(path, params={"pageSize": MAX_PAGE_SIZE})).json()
            ids[path] = {r[label]: r["id"] for r in rows}
    companies = [
        {
            "identifier": f"PULL{i:05}",
            "name": f"Pulled {i:05}",
            "city": "Perth",
            "country": {"id": ids["company/countries"]["Australia"]},
            "status": {"id": ids["company/companies/statuses"]["Active"]},
            "types": [{"id": ids["company/companies/types"]["Customer"]}],
            "deletedFlag": False,
        }
        for i in range(n)
    ]
    made = (await control.post(f"{LOOKUPS}/company/companies", json=companies)).json()
    contacts = [
        {"firstName": "Pat", "lastName": f"Pulled {i:05}", "company": {"id": c["id"]}}
        for i, c in enumerate(made)
    ]
    (await control.post(f"{LOOKUPS}/company/contacts", json=contacts)).raise_for_status()


def _api_headers() -> dict[str, str]:
    return dict(api_headers(SANDBOX_CREDENTIALS))


async def connected(container: Container, base: str) -> tuple[TenantId, Connection]:
    created = await container.identity.create_tenant()(f"bench {new_id().hex[-12:]}", Currency.USD)
    connect: ConnectSystem = container.integrations.connect_system()
    connection = await connect(
        created.tenant.id,
        NewConnection(
            system=System.CONNECTWISE,
            name="bench",
            base_url=base,
            credentials=SANDBOX_CREDENTIALS,
            settings=SETTINGS,
        ),
    )
    return created.tenant.id, connection


async def claimed(container: Container, tenant: TenantId, connection: Connection) -> SyncJob:
    jobs: SyncJobStore = container.persistence.jobs()
    job = await jobs.request(tenant, connection.id, ENTITIES, full=True)
    found = await jobs.claim("bench", 600, job.id)
    assert found is not None
    return found


async def counted(container: Container, tenant: TenantId) -> tuple[int, int]:
    """The tenant's organizations and contacts."""
    async with container.persistence.sessions()() as session:
        counts = []
        for table in (tables.organizations, tables.contacts):
            counts.append(
                int(
                    await session.scalar(
                        select(func.count()).select_from(table).where(table.c.tenant_id == tenant)
                    )
                    or 0
                )
            )
    return counts[0], counts[1]


async def traced(run: Callable[[], Awaitable[SyncJob]]) -> tuple[SyncJob, float, int]:
    """The run's result, elapsed seconds and peak traced bytes."""
    tracemalloc.start()
    try:
        started = time.perf_counter()
        done = await run()
        return done, time.perf_counter() - started, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


async def pulled(container: Container, base: str, control: httpx.AsyncClient, n: int) -> Any:
    """A full pull of N companies and their contacts: result, seconds, peak bytes, counts."""
    (await control.post("/_sandbox/reset")).raise_for_status()
    await seed(control, base, n)
    tenant, connection = await connected(container, base)
    runner: PullRunner = container.integrations.pull_runner()
    job = await claimed(container, tenant, connection)
    done, elapsed, peak = await traced(lambda: runner.run(job, "bench"))
    return done, elapsed, peak, await counted(container, tenant)


async def killed_and_resumed(
    container: Container, base: str, control: httpx.AsyncClient, n: int
) -> dict[str, Any]:
    """A pull killed after its first page, resumed by another runner from its checkpoint."""
    (await control.post("/_sandbox/reset")).raise_for_status()
    await seed(control, base, n)
    tenant, connection = await connected(container, base)
    runner: PullRunner = container.integrations.pull_runner()
    job = await claimed(container, tenant, connection)

    def kill(_records: int) -> None:
        raise Killed

    with contextlib.suppress(Killed):
        await runner.run(job, "bench", kill)
    at_kill = await counted(container, tenant)
    async with container.persistence.sessions()() as session, session.begin():
        await session.execute(
            update(tables.sync_jobs)
            .where(tables.sync_jobs.c.id == job.id)
            .values(lease_until=container.core.clock().now() - timedelta(seconds=1))
        )  # the killed runner's lease ends
    jobs: SyncJobStore = container.persistence.jobs()
    resumed = await jobs.claim("another", 600, job.id)
    done = await runner.run(resumed, "another") if resumed is not None else None
    return {
        "at_kill": at_kill,
        "resumed": (done.status, done.records) if done is not None else None,
        "after": await counted(container, tenant),
    }


async def bench_connectwise_pull(
    url: str, n: int, baseline: int, latency_ms: float
) -> dict[str, Any]:
    await migrate(url)
    container = build_container(bench_settings(url))
    async with (
        connectwise_sandbox(latency_ms) as base,
        httpx.AsyncClient(base_url=base, timeout=120) as control,
    ):
        _, _, small_peak, _ = await pulled(container, base, control, baseline)
        done, elapsed, peak, counts = await pulled(container, base, control, n)
        resume = await killed_and_resumed(container, base, control, n)
    await container.integrations.vendors().aclose()
    await container.persistence.probe().close()
    # Companies; then the selected companies' ids, and the contacts (only theirs come in).
    pages = 3 * math.ceil(n / MAX_PAGE_SIZE)
    bound = pages * latency_ms / 1000
    return {
        "benchmark": "pull",
        "psa": "connectwise",
        "database": "sqlite" if is_sqlite(url) else "postgresql",
        "companies": n,
        "status": done.status,
        "records": done.records,
        "organizations": counts[0],
        "contacts": counts[1],
        "latency_ms": latency_ms,
        "pages": pages,
        "elapsed_s": round(elapsed, 3),
        "page_bound_s": round(bound, 3),
        "ratio": round(elapsed / bound, 1) if bound else None,
        "records_per_s": round(done.records / elapsed) if elapsed else None,
        "peak_mib": round(peak / 2**20, 2),
        f"peak_mib_at_{baseline}": round(small_peak / 2**20, 2),
        "peak_ratio": round(peak / small_peak, 2) if small_peak else None,
        "killed_after_first_page_had": resume["at_kill"],
        "resumed": resume["resumed"],
        "after_resume": resume["after"],
    }
