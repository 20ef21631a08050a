"""``q2c bench quotes``: publishing quotes to a PSA sandbox, through the hub's own path.

N quotes of M lines each are built with the use cases, published, and pushed by the outbox
worker to the Autotask sandbox (``--psa autotask``: latency L and Autotask's 3 concurrent calls
per endpoint) or the Kaseya BMS one (``--psa kaseya_bms``: service quotations from the main
warehouse, no concurrency limit), each in a process of its own. Then one line of each quote is
edited and the quote published again. The figures: vendor calls per publish and per one-line
edit, counted by the sandbox, and the elapsed time against the bound ``calls x L / C`` (every
call waiting its turn for one of the C slots; Autotask's 3, none for Kaseya).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx

from adapters.persistence.database import is_sqlite
from adapters.persistence.migrate import migrate
from application.integrations.connections import ConnectSystem, NewConnection
from application.integrations.worker import OutboxWorker
from application.quotes.use_cases import ChangeLine, CreateQuote, LineSpec, PublishQuote
from domain.catalog.item import ItemKind, Period
from domain.crm.organization import OrganizationId
from domain.identity.tenant import TenantId
from domain.integrations.connection import Connection, System
from domain.quotes.quote import Discount, Quote, QuoteHeader
from domain.shared.ids import new_id
from domain.shared.money import Currency
from entrypoints.cli.bench_processes import bench_settings, sandbox_process
from entrypoints.containers import Container, build_container
from entrypoints.sandboxes import AUTOTASK_PATH, KASEYA, KASEYA_PATH

AUTOTASK_CONCURRENCY = 3
PSAS = ("autotask", "kaseya_bms", "connectwise")  # connectwise: bench_connectwise.py
KASEYA_SETTINGS = {"service_quotations": True, "default_warehouse": "Main Warehouse"}


def line_spec(index: int, quantity: int = 1) -> LineSpec:
    """The i-th line of a bench quote: hardware, a monthly service, or labor, in turn."""
    kind = index % 3
    if kind == 0:
        return LineSpec(
            quantity=Decimal(quantity), name=f"Bench laptop {index:03}", sku=f"BL-{index:03}",
            unit_price=Decimal("1200.00"), unit_cost=Decimal("950.00"), category="Hardware",
            discount=Discount.percent(5), tax_rate=Decimal("8.25"),
        )  # fmt: skip
    if kind == 1:
        return LineSpec(
            quantity=Decimal(quantity), name=f"Bench managed service {index:03}",
            kind=ItemKind.SERVICE, unit_price=Decimal("25.00"), unit_cost=Decimal("10.00"),
            period=Period.MONTHLY,
        )  # fmt: skip
    return LineSpec(
        quantity=Decimal(quantity), name=f"Bench install {index:03}", kind=ItemKind.LABOR,
        unit_price=Decimal("150.00"), category="Labor", taxable=False,
    )  # fmt: skip


async def _quotes(
    container: Container, tenant: TenantId, organizations: list[OrganizationId], m: int
) -> list[Quote]:
    create: CreateQuote = container.quotes.create_quote()
    today = container.core.clock().now().date()
    made = []
    for i, organization_id in enumerate(organizations):
        header = QuoteHeader(
            organization_id=organization_id, owner_name="Bench Seller", title=f"Bench quote {i}",
            currency=Currency.USD, expires_on=today + timedelta(days=30),
        )  # fmt: skip
        made.append(await create(tenant, header, [line_spec(j) for j in range(m)]))
    return made


async def _calls(control: httpx.AsyncClient) -> int:
    state = (await control.get("/_sandbox/state")).json()
    return sum(int(v) for v in state.get("requests", {}).values())


async def _timed_push(worker: OutboxWorker, control: httpx.AsyncClient) -> tuple[int, float]:
    before = await _calls(control)
    started = time.perf_counter()
    await worker.run_until_idle()
    return await _calls(control) - before, time.perf_counter() - started


async def _prepare_kaseya(url: str, base_url: str) -> tuple[Container, TenantId]:
    """A tenant whose one PSA is a Kaseya BMS connection to the sandbox at ``base_url``."""
    await migrate(url)
    container = build_container(bench_settings(url))
    created = await container.identity.create_tenant()(f"bench {new_id().hex[-12:]}", Currency.USD)
    connect: ConnectSystem = container.integrations.connect_system()
    new = NewConnection(
        system=System.KASEYA_BMS,
        name="bench",
        base_url=base_url,
        credentials=KASEYA.credentials,
        settings=KASEYA_SETTINGS,
    )
    await connect(created.tenant.id, new)
    return container, created.tenant.id


Prepare = Callable[[str, str], Awaitable[tuple[Container, TenantId, Connection]]]
AddOrganizations = Callable[..., Awaitable[list[OrganizationId]]]


async def bench_quotes(
    url: str,
    n: int,
    m: int,
    latency_ms: float,
    *,
    prepare: Prepare,
    add_organizations: AddOrganizations,
    psa: str = "autotask",
) -> dict[str, Any]:
    """``prepare`` and ``add_organizations`` are the sync bench's: a tenant with an Autotask
    connection to the sandbox, and organizations pushed to it; for Kaseya BMS, a tenant with
    a Kaseya connection (organizations are not pushed: the quote push makes the accounts)."""
    async with sandbox_process(AUTOTASK_CONCURRENCY) as autotask:
        if psa == "kaseya_bms":
            base = autotask.replace(AUTOTASK_PATH, KASEYA_PATH)
            container, tenant = await _prepare_kaseya(url, base)
        else:
            base = autotask
            container, tenant, _ = await prepare(url, base)
        worker: OutboxWorker = container.integrations.worker()
        publish: PublishQuote = container.quotes.publish()
        change: ChangeLine = container.quotes.change_line()
        async with httpx.AsyncClient(base_url=base) as control:
            organizations = await add_organizations(container, tenant, n, prefix="Quote bench")
            await worker.run_until_idle()  # the companies exist in Autotask, as they would
            quotes = await _quotes(container, tenant, organizations, m)
            await control.put("/_sandbox/faults", json={"latency_ms": latency_ms})
            for quote in quotes:
                await publish(tenant, quote.id)
            publish_calls, publish_s = await _timed_push(worker, control)
            for quote in quotes:
                line = quote.lines[m // 2]
                await change(tenant, quote.id, line.id, line_spec(m // 2, quantity=2))
                await publish(tenant, quote.id)
            edit_calls, edit_s = await _timed_push(worker, control)
            state = (await control.get("/_sandbox/state")).json()
        await container.integrations.vendors().aclose()
        await container.persistence.probe().close()
    slots = AUTOTASK_CONCURRENCY if psa == "autotask" else 1
    bound = (publish_calls + edit_calls) * latency_ms / 1000 / slots
    elapsed = publish_s + edit_s
    return {
        "benchmark": "quotes",
        "psa": psa,
        "database": "sqlite" if is_sqlite(url) else "postgresql",
        "quotes": n,
        "lines_per_quote": m,
        "latency_ms": latency_ms,
        "calls_per_publish": round(publish_calls / n, 2),
        "calls_per_one_line_edit": round(edit_calls / n, 2),
        "publish_s": round(publish_s, 3),
        "edit_s": round(edit_s, 3),
        "elapsed_s": round(elapsed, 3),
        "bound_s": round(bound, 3),
        "ratio": round(elapsed / bound, 3) if bound else None,
        "max_concurrency_seen": max(state.get("max_concurrency", {}).values(), default=0),
        "limit_violations": state.get("limit_violations", 0),
    }
