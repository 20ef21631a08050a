"""Publishing under faults, with workers killed and restarted (QUO-6, INT-4, INT-6).

20 quotes are published, then each is edited and published again, while the sandboxes (their
own process, as a vendor) fail 20% of calls: 8% drop the connection after the effect, 8% answer
cut-off JSON after the effect, 4% answer a 502 before it. Three ``q2c worker`` processes share
the outbox on PostgreSQL and are killed and restarted while they work. Afterwards each hub quote
has exactly one opportunity, one PSA quote and one PDF attachment in the sandbox, and one item
per line.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from adapters.persistence import tables
from adapters.sandboxes.kaseya_bms.app import SANDBOX_CREDENTIALS as KASEYA_CREDENTIALS
from application.integrations.connections import ConnectSystem, NewConnection
from application.quotes.use_cases import ChangeLine, CreateQuote, LineSpec, PublishQuote
from domain.catalog.item import ItemKind, Period
from domain.identity.tenant import TenantId
from domain.integrations.connection import System
from domain.quotes.quote import Quote, QuoteHeader
from domain.shared.money import Currency
from entrypoints.cli.bench import add_organizations
from entrypoints.cli.bench_processes import child_process, q2c
from entrypoints.containers import Container, build_container
from entrypoints.sandboxes import AUTOTASK_PATH, KASEYA_PATH
from entrypoints.servers import free_port
from entrypoints.settings import Settings
from tests.support.factories import new_tenant
from tests.support.sync import SANDBOX_CREDENTIALS as AUTOTASK_CREDENTIALS
from tests.support.workers import drain_with_kills, not_delivered, worker_env

pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("processes")]  # processes of their own
SECRET = "q" * 32
QUOTES = 20  # 40 pushes: enough for the faults and kills below to meet every step many times
KILLS = 4
# Service lines go on Kaseya service quotations, which need the default warehouse (KBMS-2).
KASEYA_SERVICE_QUOTATIONS = {"service_quotations": True, "default_warehouse": "Main Warehouse"}


@pytest.fixture
async def sandboxes() -> AsyncIterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "Q2C_SANDBOX_LATENCY_MS": "1",
        "Q2C_SANDBOX_DROP_RATE": "0.08",
        "Q2C_SANDBOX_MALFORMED_RATE": "0.08",
        "Q2C_SANDBOX_ERROR_RATE": "0.04",
        "Q2C_SANDBOX_SEED": "5",
        "Q2C_SANDBOX_HOURLY_REQUESTS": "10000000",
        "Q2C_LOG_LEVEL": "warning",
    }
    server = f"http://127.0.0.1:{port}"
    ready = f"{server}{AUTOTASK_PATH}/_sandbox/state"
    async with child_process(
        "sandboxes", q2c("sandbox", "--port", str(port)), ready, env, quiet=True
    ):
        yield server


@pytest.fixture
async def container(postgres_url: str) -> AsyncIterator[Container]:
    container = build_container(Settings(database_url=postgres_url, secret_key=SECRET))
    yield container
    await container.persistence.probe().close()


def lines() -> list[LineSpec]:
    return [
        LineSpec(quantity=Decimal(2), name="Fault laptop", sku="FL-1", unit_price=Decimal("999.00"),
                 unit_cost=Decimal("700.00"), category="Hardware", tax_rate=Decimal("8.25")),
        LineSpec(quantity=Decimal(5), name="Fault monitoring", kind=ItemKind.SERVICE,
                 unit_price=Decimal("30.00"), unit_cost=Decimal("12.00"), period=Period.MONTHLY),
    ]  # fmt: skip


async def publish_and_edit(container: Container, tenant: TenantId) -> list[Quote]:
    organizations = await add_organizations(container, tenant, QUOTES, prefix="Fault")
    create: CreateQuote = container.quotes.create_quote()
    publish: PublishQuote = container.quotes.publish()
    change: ChangeLine = container.quotes.change_line()
    expires = container.core.clock().now().date() + timedelta(days=30)
    quotes = []
    for i, organization in enumerate(organizations):
        header = QuoteHeader(
            organization_id=organization, owner_name="Fault Seller", title=f"Fault quote {i}",
            currency=Currency.USD, expires_on=expires,
        )  # fmt: skip
        quote = await create(tenant, header, lines())
        await publish(tenant, quote.id)
        quotes.append(quote)
    for quote in quotes:  # the update: one line changes, published again
        first = quote.lines[0]
        changed = LineSpec(**{**vars(lines()[0]), "quantity": Decimal(3)})
        await change(tenant, quote.id, first.id, changed)
        await publish(tenant, quote.id)
    return quotes


async def connected(container: Container, system: System, base_url: str) -> TenantId:
    tenant = (await new_tenant(container)).tenant.id
    connect: ConnectSystem = container.integrations.connect_system()
    credentials = AUTOTASK_CREDENTIALS if system is System.AUTOTASK else KASEYA_CREDENTIALS
    settings = {} if system is System.AUTOTASK else KASEYA_SERVICE_QUOTATIONS
    await connect(
        tenant,
        NewConnection(
            system=system,
            name=str(system),
            base_url=base_url,
            credentials=credentials,
            settings=settings,
        ),
    )
    return tenant


async def sync_errors(container: Container, tenant: TenantId) -> list[str]:
    e = tables.sync_errors.c
    async with container.persistence.sessions()() as session:
        rows = await session.execute(
            select(e.message).where(e.tenant_id == tenant, e.status == "open")
        )
        return [row.message for row in rows]


def _autotask_counts(state: dict[str, Any], quotes: list[Quote]) -> dict[str, Any]:
    entities = state["entities"]
    numbers = {q.number for q in quotes}
    psa_quotes = [q for q in entities["Quotes"] if q.get("externalQuoteNumber") in numbers]
    by_quote = {q["id"]: q for q in psa_quotes}
    items: dict[int, int] = {}
    for item in entities["QuoteItems"]:
        if item["quoteID"] in by_quote:
            items[item["quoteID"]] = items.get(item["quoteID"], 0) + 1
    opportunities = {q["opportunityID"] for q in psa_quotes}
    attachments: dict[int, int] = {}
    for attachment in entities["OpportunityAttachments"]:
        opportunity = attachment.get("opportunityID") or attachment.get("parentID")
        attachments[opportunity] = attachments.get(opportunity, 0) + 1
    return {
        "quotes": len(psa_quotes),
        "numbers": len({q["externalQuoteNumber"] for q in psa_quotes}),
        "opportunities": len(entities["Opportunities"]),
        "linked_opportunities": len(opportunities),
        "attachments_per_opportunity": {attachments.get(o, 0) for o in opportunities},
        "items_per_quote": set(items.values()),
    }


def _kaseya_counts(state: dict[str, Any], quotes: list[Quote]) -> dict[str, Any]:
    numbers = {q.number for q in quotes}
    psa_quotes = [
        q for q in state["quotes"] if any(str(q.get("Name", "")).startswith(n) for n in numbers)
    ]
    opportunities = {q["OpportunityId"] for q in psa_quotes}
    items: dict[int, int] = {}
    for item in state["line_items"]:
        qid = item.get("QuotationId") or item.get("QuoteId")
        items[qid] = items.get(qid, 0) + 1
    attachments: dict[Any, int] = {}
    for attachment in state["attachments"]:
        attachments[attachment.get("ObjectId")] = attachments.get(attachment.get("ObjectId"), 0) + 1
    hub_opportunities = [o for o in state["opportunities"] if o["Id"] in opportunities]
    return {
        "quotes": len(psa_quotes),
        "numbers": len({str(q["Name"]).split()[0] for q in psa_quotes}),
        "opportunities": len(hub_opportunities),
        "linked_opportunities": len(opportunities),
        "attachments_per_opportunity": {attachments.get(o, 0) for o in opportunities},
        "items_per_quote": {items.get(q["Id"], 0) for q in psa_quotes},
    }


CASES: dict[System, tuple[str, Callable[[dict[str, Any], list[Quote]], dict[str, Any]]]] = {
    System.AUTOTASK: (AUTOTASK_PATH, _autotask_counts),
    System.KASEYA_BMS: (KASEYA_PATH, _kaseya_counts),
}


@pytest.mark.parametrize("system", list(CASES))
async def test_publish_and_update_under_faults_and_restarts_make_one_of_each(
    container: Container, postgres_url: str, sandboxes: str, system: System
) -> None:  # QUO-6
    path, counts = CASES[system]
    tenant = await connected(container, system, f"{sandboxes}{path}")
    quotes = await publish_and_edit(container, tenant)
    env = worker_env(
        postgres_url,
        SECRET,
        Q2C_WORKER_BACKOFF_CAP_SECONDS="0.5",
        Q2C_WORKER_MAX_ATTEMPTS="200",
    )
    kills, _ = await drain_with_kills(container, tenant, env, kills=KILLS, deadline=400)
    assert await not_delivered(container, tenant) == []
    assert kills == KILLS  # the run lasted long enough to kill and restart workers
    assert await sync_errors(container, tenant) == []
    async with httpx.AsyncClient() as client:
        state = (await client.get(f"{sandboxes}{path}/_sandbox/state")).json()
    found = counts(state, quotes)
    assert found == {
        "quotes": QUOTES,
        "numbers": QUOTES,
        "opportunities": QUOTES,
        "linked_opportunities": QUOTES,
        "attachments_per_opportunity": {1},
        "items_per_quote": {len(lines())},
    }
