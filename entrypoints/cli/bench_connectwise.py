"""``q2c bench quotes --psa connectwise``: quotes published to the ConnectWise sandbox.

N organizations with a contact each, and a quote of M lines each, are made with the use cases
and published; the outbox worker pushes them to the ConnectWise sandbox, which runs in a
process of its own with latency L. Then one line of each quote is edited and the quote
published again. The figures: vendor calls per publish and per one-line edit (the issue's bound:
at most 5), and the elapsed time against ``calls x L / C``, C being the calls the client runs at
once per endpoint (``CONNECTWISE_LIMITS``), or the whole windows its request budget of 900 a
minute makes the calls wait for, whichever is longer.
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx

from adapters.persistence.database import is_sqlite
from adapters.persistence.migrate import migrate
from adapters.sandboxes.connectwise.app import SANDBOX_CREDENTIALS
from adapters.vendors.connectwise.client import CONNECTWISE_LIMITS
from application.integrations.connections import ConnectSystem, NewConnection
from application.integrations.sync_errors import SyncErrorFilter
from application.integrations.worker import OutboxWorker
from application.quotes.use_cases import ChangeLine, PublishQuote
from application.shared.pagination import PageRequest
from domain.crm.contact import ContactProfile
from domain.crm.organization import Address, OrganizationProfile
from domain.integrations.connection import System
from domain.quotes.quote import QuoteHeader
from domain.shared.ids import new_id
from domain.shared.money import Currency
from entrypoints.cli.bench_processes import bench_settings, child_process, q2c
from entrypoints.cli.bench_quotes import line_spec
from entrypoints.containers import build_container
from entrypoints.servers import free_port

PATH = "/sandbox/connectwise"
SETTINGS = {
    "sync_opportunities": True,
    "sync_products": True,
    "new_quote": {"default_employee": "asmith"},
}


@asynccontextmanager
async def connectwise_sandbox() -> AsyncIterator[str]:
    """``q2c sandbox`` with no request budget in the way; yields ConnectWise's URL."""
    port = free_port()
    env = {**os.environ, "Q2C_LOG_LEVEL": "warning", "Q2C_SANDBOX_HOURLY_REQUESTS": "10000000"}
    base = f"http://127.0.0.1:{port}{PATH}"
    async with child_process(
        "sandbox", q2c("sandbox", f"--port={port}"), f"{base}/_sandbox/state", env
    ):
        yield base


async def _calls(control: httpx.AsyncClient) -> int:
    state = (await control.get("/_sandbox/state")).json()
    return sum(int(v) for v in state.get("requests", {}).values())


async def bench_connectwise_quotes(url: str, n: int, m: int, latency_ms: float) -> dict[str, Any]:
    await migrate(url)
    container = build_container(bench_settings(url))
    created = await container.identity.create_tenant()(f"bench {new_id().hex[-12:]}", Currency.USD)
    tenant = created.tenant.id
    async with connectwise_sandbox() as base, httpx.AsyncClient(base_url=base) as control:
        connect: ConnectSystem = container.integrations.connect_system()
        await connect(
            tenant,
            NewConnection(
                system=System.CONNECTWISE, name="bench", base_url=base,
                credentials=SANDBOX_CREDENTIALS, settings=SETTINGS,
            ),
        )  # fmt: skip
        address = Address(line1="1 Bench Road", city="Seattle", country="United States")
        expires = container.core.clock().now().date() + timedelta(days=30)
        quotes = []
        for i in range(n):
            organization = await container.crm.create_organization()(
                tenant, OrganizationProfile(name=f"Bench clinic {i}", billing_address=address)
            )
            contact = await container.crm.create_contact()(
                tenant, organization.id,
                ContactProfile(first_name="Bench", last_name=f"Buyer {i}", email=f"b{i}@x.example"),
            )  # fmt: skip
            header = QuoteHeader(
                organization_id=organization.id, contact_id=contact.id, owner_name="Bench",
                title=f"Bench quote {i}", currency=Currency.USD, expires_on=expires,
            )  # fmt: skip
            lines = [line_spec(j) for j in range(m)]
            quotes.append(await container.quotes.create_quote()(tenant, header, lines))
        worker: OutboxWorker = container.integrations.worker()
        publish: PublishQuote = container.quotes.publish()
        change: ChangeLine = container.quotes.change_line()
        await control.put("/_sandbox/faults", json={"latency_ms": latency_ms})
        for quote in quotes:
            await publish(tenant, quote.id)
        before, started = await _calls(control), time.perf_counter()
        await worker.run_until_idle()
        publish_calls, publish_s = await _calls(control) - before, time.perf_counter() - started
        for quote in quotes:
            line = quote.lines[m // 2]
            await change(tenant, quote.id, line.id, line_spec(m // 2, quantity=2))
            await publish(tenant, quote.id)
        before, started = await _calls(control), time.perf_counter()
        await worker.run_until_idle()
        edit_calls, edit_s = await _calls(control) - before, time.perf_counter() - started
        state = (await control.get("/_sandbox/state")).json()
    errors = await container.integrations.sync_errors().page(
        tenant, SyncErrorFilter(), PageRequest(limit=100)
    )
    await container.integrations.vendors().aclose()
    await container.persistence.probe().close()
    at_once = CONNECTWISE_LIMITS.concurrent_per_endpoint or 1
    calls = publish_calls + edit_calls
    budget = CONNECTWISE_LIMITS.requests_per_window or calls
    # The slots' bound, or the request budget's (900 a minute) when that is the tighter.
    bound = max(
        calls * latency_ms / 1000 / at_once,
        (calls // budget) * CONNECTWISE_LIMITS.window_seconds,
    )
    elapsed = publish_s + edit_s
    return {
        "benchmark": "quotes",
        "psa": "connectwise",
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
        "duplicates": sum(len(v) for v in state.get("duplicates", {}).values()),
        "catalog_changes": len(state.get("catalog_changes", [])),
        "sync_errors": len(errors.items),
    }
