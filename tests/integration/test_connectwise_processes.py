"""ConnectWise under faults, with worker processes killed and restarted (CW-2, CW-4, CW-7, CW-8,
QUO-6, INT-4, INT-6).

Organizations with a contact and a quote each are published, then each organization is updated
and one line of each quote edited and published again, while the sandbox (``q2c sandbox``, a
process of its own, as the vendor) fails about 20% of calls: 6% 429s, 4% 502/503 before the
effect, 5% drops and 5% cut-off answers after it. On top: 429 storms (every call refused for a
moment, a few times while the outbox drains) and writes that happen and then answer
ConnectWise's 500 "timeout". Three ``q2c worker`` processes share the outbox on PostgreSQL and
are killed and restarted while they work. Afterwards the sandbox holds exactly one company,
contact, opportunity and document per hub entity, one product item per line, one catalog item
per item, and no catalog item was changed after its creation.

The suite runs 20 quotes; the issue's full scale (200 organizations and 200 quotes) is
``Q2C_TEST_CONNECTWISE_QUOTES=200 uv run pytest -s`` on this file, which prints its figures.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from adapters.sandboxes.connectwise.app import CODEBASE, SANDBOX_CREDENTIALS
from adapters.vendors.connectwise.contract import api_headers
from application.integrations.connections import ConnectSystem, NewConnection
from application.quotes.use_cases import ChangeLine, LineSpec, PublishQuote
from domain.catalog.item import ItemKind, Period
from domain.crm.contact import ContactProfile
from domain.crm.organization import Address, OrganizationChanges, OrganizationProfile
from domain.identity.tenant import TenantId
from domain.integrations.connection import System
from domain.quotes.quote import QuoteHeader
from domain.shared.money import Currency
from entrypoints.cli.bench_processes import child_process, q2c
from entrypoints.containers import Container, build_container
from entrypoints.servers import free_port
from entrypoints.settings import Settings
from tests.integration.test_quote_publishing_processes import sync_errors
from tests.support.factories import new_tenant
from tests.support.workers import drain_with_kills, not_delivered, worker_env

pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("processes")]  # processes of their own
SECRET = "c" * 32
PATH = "/sandbox/connectwise"
QUOTES = int(os.environ.get("Q2C_TEST_CONNECTWISE_QUOTES") or 20)  # the full run: 200
KILLS = 4
STORMS = 3  # moments when every call is a 429
TIMEOUTS = 6  # writes made, then answered with ConnectWise's 500 "timeout"
FAULTS = {
    "latency_ms": 1,
    "rate_limit_rate": 0.06,
    "error_rate": 0.04,
    "drop_rate": 0.05,
    "malformed_rate": 0.05,
    "retry_after": 0.05,
    "seed": 7,
}
SETTINGS = {
    "push_organizations": True,
    "sync_opportunities": True,
    "sync_products": True,
    "new_quote": {"default_employee": "asmith"},
}
ADDRESS = Address(line1="1 Main St", city="Seattle", state="Washington", country="United States")


@pytest.fixture
async def sandbox() -> AsyncIterator[str]:
    """``q2c sandbox`` in its own process, with no request budget in the way (the storms are
    made on purpose); yields ConnectWise's URL."""
    port = free_port()
    env = {
        **os.environ,
        "Q2C_SANDBOX_HOURLY_REQUESTS": "10000000",
        "Q2C_LOG_LEVEL": "warning",
    }
    base = f"http://127.0.0.1:{port}{PATH}"
    async with child_process(
        "sandbox", q2c("sandbox", "--port", str(port)), f"{base}/_sandbox/state", env, quiet=True
    ):
        yield base


@pytest.fixture
async def container(postgres_url: str) -> AsyncIterator[Container]:
    container = build_container(Settings(database_url=postgres_url, secret_key=SECRET))
    yield container
    await container.persistence.probe().close()


def lines(edited: bool = False) -> list[LineSpec]:
    """Items every quote shares, so deliveries may make the same catalog item at once (CW-7)."""
    return [
        LineSpec(quantity=Decimal(3 if edited else 2), name="Fault firewall", sku="CW-FW-1",
                 unit_price=Decimal("499.00"), unit_cost=Decimal("380.00"), category="Hardware"),
        LineSpec(quantity=Decimal(5), name="Fault monitoring", sku="CW-MON-1",
                 kind=ItemKind.SERVICE, unit_price=Decimal("30.00"), unit_cost=Decimal("12.00"),
                 period=Period.MONTHLY),
    ]  # fmt: skip


async def connected(container: Container, base: str) -> TenantId:
    tenant = (await new_tenant(container)).tenant.id
    connect: ConnectSystem = container.integrations.connect_system()
    await connect(
        tenant,
        NewConnection(
            system=System.CONNECTWISE,
            name="ConnectWise",
            base_url=base,
            credentials=SANDBOX_CREDENTIALS,
            settings=SETTINGS,
        ),
    )
    return tenant


async def publish_and_update(container: Container, tenant: TenantId) -> list[str]:
    """Organizations with a contact and a quote each, published; then every organization is
    updated and every quote edited and published again. Returns the updated phones."""
    publish: PublishQuote = container.quotes.publish()
    change: ChangeLine = container.quotes.change_line()
    expires = container.core.clock().now().date() + timedelta(days=30)
    quotes = []
    for i in range(QUOTES):
        organization = await container.crm.create_organization()(
            tenant, OrganizationProfile(name=f"CW fault {i:04}", billing_address=ADDRESS)
        )
        contact = await container.crm.create_contact()(
            tenant,
            organization.id,
            ContactProfile(first_name="Dana", last_name=f"Lee {i}", email=f"dana{i}@cw.example"),
        )
        header = QuoteHeader(
            organization_id=organization.id, contact_id=contact.id, owner_name="Fault Seller",
            title=f"CW fault quote {i}", currency=Currency.USD, expires_on=expires,
        )  # fmt: skip
        quote = await container.quotes.create_quote()(tenant, header, lines())
        await publish(tenant, quote.id)
        quotes.append((organization.id, quote))
    phones = []
    for i, (organization_id, quote) in enumerate(quotes):
        phones.append(f"555-{i:04}")
        await container.crm.update_organization()(
            tenant, organization_id, OrganizationChanges(phone=phones[-1])
        )
        await change(tenant, quote.id, quote.lines[0].id, lines(edited=True)[0])
        await publish(tenant, quote.id)
    return phones


async def storms(base: str, stop: asyncio.Event, every: float = 1.0, length: float = 0.3) -> int:
    """Every call a 429 for ``length`` seconds, ``STORMS`` times while the outbox drains."""
    made = 0
    async with httpx.AsyncClient(base_url=f"{base}/_sandbox") as control:
        while made < STORMS:
            try:
                await asyncio.wait_for(stop.wait(), every)
                return made
            except TimeoutError:
                pass
            storm = {"rate_limit_rate": 1.0, "retry_after": 0.2, "latency_ms": 1}
            (await control.put("/faults", json=storm)).raise_for_status()
            await asyncio.sleep(length)
            (await control.put("/faults", json=FAULTS)).raise_for_status()
            made += 1
    return made


async def test_organizations_and_quotes_under_faults_storms_and_kills_make_one_of_each(
    container: Container, postgres_url: str, sandbox: str
) -> None:  # QUO-6, CW-7, CW-8
    tenant = await connected(container, sandbox)
    phones = await publish_and_update(container, tenant)
    async with httpx.AsyncClient(base_url=f"{sandbox}/_sandbox") as control:
        (await control.put("/faults", json=FAULTS)).raise_for_status()
        knobs = {"timeouts_after_write": TIMEOUTS}
        (await control.put("/connectwise/knobs", json=knobs)).raise_for_status()
    env = worker_env(
        postgres_url,
        SECRET,
        Q2C_WORKER_BACKOFF_CAP_SECONDS="0.5",
        Q2C_WORKER_MAX_ATTEMPTS="200",
    )
    stop = asyncio.Event()
    storming = asyncio.create_task(storms(sandbox, stop))
    started = time.monotonic()
    try:
        kills, _ = await drain_with_kills(
            container, tenant, env, kills=KILLS, deadline=120 + 6 * QUOTES
        )
    finally:
        stop.set()
        stormed = await storming
    elapsed = time.monotonic() - started
    assert await not_delivered(container, tenant) == []
    assert kills == KILLS  # the run lasted long enough to kill and restart workers
    assert stormed == STORMS
    assert await sync_errors(container, tenant) == []
    async with httpx.AsyncClient(base_url=f"{sandbox}/_sandbox") as control:
        state: dict[str, Any] = (await control.get("/state")).json()
        journal: list[dict[str, Any]] = (await control.get("/connectwise/journal")).json()
    assert state["duplicates"] == {kind: [] for kind in state["duplicates"]}
    counts = state["counts"]
    assert counts["company/companies"] == QUOTES
    assert counts["company/contacts"] == QUOTES
    assert counts["sales/opportunities"] == QUOTES
    assert counts["system/documents"] == QUOTES  # replaced on update, never piled up
    assert counts["procurement/products"] == len(lines()) * QUOTES
    assert counts["procurement/catalog"] == len(lines())
    assert state["catalog_changes"] == []  # CW-7: never changed after its creation
    assert sum(1 for e in journal if e["status"] == 500) == TIMEOUTS
    # Every update landed: the companies' phones (read with the faults off).
    async with httpx.AsyncClient(base_url=f"{sandbox}/{CODEBASE}apis/3.0") as api:
        (await api.put(f"{sandbox}/_sandbox/faults", json={})).raise_for_status()
        companies = await api.get(
            "company/companies",
            params={"pageSize": 1000, "conditions": 'name like "CW fault*"'},
            headers=api_headers(SANDBOX_CREDENTIALS),
        )
    assert sorted(c.get("phoneNumber") for c in companies.json()) == phones
    calls = sum(int(v) for v in state["requests"].values())
    print(  # noqa: T201
        f"\nconnectwise under faults: {QUOTES} organizations and quotes, {calls} calls, "
        f"{len(journal)} reached the API, {kills} kills, {stormed} storms, {elapsed:.1f} s"
    )
