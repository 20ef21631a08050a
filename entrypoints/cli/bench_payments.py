"""``q2c bench payments``: concurrent payments through the API on PostgreSQL, then an audit.

Real parts only: the hub is ``q2c serve`` in its own process on a scratch PostgreSQL database;
the BNG gateway and one QuickBooks company per tenant are sandboxes in another process. Each
tenant has its own company because TakePayment reads the invoice's balance in QuickBooks before
every charge, and QuickBooks allows 500 calls a minute per company: one tenant alone is capped
at about 8 payments a second sustained (the hub answers 503 with Retry-After beyond).

R requests from C concurrent clients: about 20% ask more than their invoice's total (a 422),
about 20% repeat another request's idempotency key at the same moment (the same payment back,
one charge), the rest are partial payments that together pay each invoice exactly. With
``--gateway-faults`` some gateway calls fail (502/503 before the sale, its answer dropped or cut
off): those payments stay pending, and are resolved by order id afterwards as the worker will.
Then every invoice and payment is audited (``application/billing/audit.py``) against the
gateway's sales. The last line printed is JSON.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from contextlib import AsyncExitStack, suppress
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import click
import httpx

from adapters.persistence.database import scratch_database
from adapters.persistence.migrate import migrate
from application.billing.audit import Charge, audit, everything
from application.billing.methods import NewMethod
from application.billing.ports import AccountingLine, BillingContact, InvoiceForAccounting
from domain.billing.invoice import Invoice, InvoiceDetails, InvoiceId, InvoiceStatus
from domain.billing.methods import PaymentMethod, PaymentMethodId
from domain.billing.payment import PaymentStatus
from domain.crm.contact import Contact, ContactProfile
from domain.crm.organization import ContactId, Organization, OrganizationId, OrganizationProfile
from domain.identity.access import Role
from domain.identity.tenant import TenantId
from domain.integrations.connection import Connection
from domain.shared.ids import new_id
from domain.shared.money import Currency, Money
from domain.shared.numbers import exact_decimal
from entrypoints.cli.bench_plan import (
    Answer,
    Options,
    Plan,
    Planned,
    make_plan,
    print_report,
    report,
    tally,
)
from entrypoints.cli.bench_processes import (
    bench_settings,
    hub_process,
    payment_sandboxes,
    postgres_server,
)
from entrypoints.containers import Container, build_container
from entrypoints.runtime import run_async
from entrypoints.sandboxes import BNG, BNG_PATH, QUICKBOOKS

VISA = "4111111111111111"
IN_PROGRESS_POLL = 0.05  # a twin asks again this soon, not after Retry-After's whole second
GIVE_UP_AFTER = 120.0  # seconds of retries (503 Retry-After, 409 in progress) per request


# --- the set-up, through the container ---------------------------------------------------


@dataclass(frozen=True)
class Payer:
    """A tenant as its clients see it: a manager's key, a contact, a vaulted card."""

    tenant: TenantId
    api_key: str
    contact: ContactId
    method: PaymentMethodId


async def _payer(
    container: Container, sandbox: str, t: int
) -> tuple[Payer, Organization, Connection]:
    created = await container.identity.create_tenant()(f"bench {new_id().hex[-12:]}", Currency.USD)
    tenant = created.tenant.id
    issued = await container.identity.issue_api_key()(tenant, "bench payments", Role.MANAGER)
    quickbooks = await _connect(container, tenant, sandbox, t)
    org = Organization(
        id=OrganizationId(new_id()), tenant_id=tenant,
        profile=OrganizationProfile(name=f"Bench Payer {t}"), now=created.tenant.created_at,
    )  # fmt: skip
    contact = Contact(
        id=ContactId(new_id()), tenant_id=tenant, organization_id=org.id,
        profile=ContactProfile(first_name="Pat", last_name="Payer"), now=org.created_at,
    )  # fmt: skip
    async with container.persistence.uow()(tenant) as uow:
        await uow.organizations.add(org)
        await uow.commit()
    async with container.persistence.uow()(tenant) as uow:  # once the organization's row is in
        await uow.contacts.add(contact)
        await uow.commit()
    method = await _card(container, sandbox, org)
    return Payer(tenant, issued.plaintext, contact.id, method), org, quickbooks


async def _connect(container: Container, tenant: TenantId, sandbox: str, t: int) -> Connection:
    """The gateway, and this tenant's own QuickBooks company; returns the QuickBooks one."""
    connect = container.integrations.connect_system()
    await connect(tenant, BNG.connection(sandbox))
    connection: Connection = await connect(tenant, QUICKBOOKS.connection(sandbox, under=f"/{t}"))
    return connection


async def _card(container: Container, sandbox: str, org: Organization) -> PaymentMethodId:
    """Tokenized as Collect.js does in a browser (the number goes to the gateway only), vaulted."""
    async with httpx.AsyncClient() as browser:
        answer = await browser.post(
            f"{sandbox}{BNG_PATH}/token", json={"ccnumber": VISA, "ccexp": "1230", "cvv": "999"}
        )
    new = NewMethod(
        organization_id=org.id,
        payment_token=answer.raise_for_status().json()["token"],
        contact=BillingContact("Pat", "Payer", company=org.name),
    )
    method: PaymentMethod = await container.billing.add_payment_method()(org.tenant_id, new)
    return method.id


async def _invoices(
    container: Container, org: Organization, quickbooks: Connection, totals: dict[int, Decimal]
) -> dict[int, InvoiceId]:
    """Numbered invoices (PAY-1), each pushed to the tenant's QuickBooks company first."""
    accounting = container.integrations.accounting()
    config = container.integrations.configs().of(quickbooks)
    now = container.core.clock().now()
    made: dict[int, Invoice] = {}
    for i, total in totals.items():
        details = InvoiceDetails(
            psa_number=f"B{i:05}", organization_id=org.id,
            total=Money(total, Currency.USD), invoice_date=now.date(),
        )  # fmt: skip
        invoice = Invoice(id=InvoiceId(new_id()), tenant_id=org.tenant_id, details=details, now=now)
        held = await accounting.push_invoice(config, InvoiceForAccounting(
            hub_id=str(invoice.id), psa_number=details.psa_number, customer_name=org.name,
            invoice_date=details.invoice_date, due_date=None, total=details.total,
            lines=[AccountingLine("Managed services", details.total)],
        ))  # fmt: skip
        invoice.numbered(held.number, held.accounting_id, now)
        made[i] = invoice
    async with container.persistence.uow()(org.tenant_id) as uow:
        for invoice in made.values():
            await uow.invoices.add(invoice)
        await uow.commit()
    return {i: invoice.id for i, invoice in made.items()}


async def _setup(
    container: Container, sandbox: str, plan: Plan, tenants: int
) -> tuple[list[Payer], list[InvoiceId]]:
    """Invoice i belongs to tenant i mod T."""
    payers: list[Payer] = []
    ids: dict[int, InvoiceId] = {}
    for t in range(tenants):
        payer, org, quickbooks = await _payer(container, sandbox, t)
        mine = {i: plan.totals[i] for i in range(t, len(plan.totals), tenants)}
        ids |= await _invoices(container, org, quickbooks, mine)
        payers.append(payer)
    return payers, [ids[i] for i in range(len(plan.totals))]


async def _close(container: Container) -> None:
    await container.integrations.vendors().aclose()
    await container.persistence.limits().close()
    await container.persistence.probe().close()


# --- the clients ------------------------------------------------------------------------


def _answer(planned: Planned, response: httpx.Response | None, retries: int, t: float) -> Answer:
    if response is None:
        return Answer(planned, 0, "no_answer", None, retries, t)
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code == 201:
        return Answer(planned, 201, body["status"], body["id"], retries, t)
    code = str(body.get("type", "")).rsplit("/", 1)[-1] or "unknown"
    return Answer(planned, response.status_code, code, None, retries, t)


def _retry_in(response: httpx.Response | None) -> float | None:
    """When to ask again with the same key, as a careful client does; None: this is the answer."""
    if response is None:
        return 1.0
    if response.status_code == 503:
        return float(response.headers.get("retry-after", "1"))
    if response.status_code == 409 and "idempotency_key_in_progress" in response.text:
        return IN_PROGRESS_POLL
    return None


async def _pay(
    http: httpx.AsyncClient, planned: Planned, payer: Payer, invoice: InvoiceId
) -> Answer:
    headers = {"Authorization": f"Bearer {payer.api_key}", "Idempotency-Key": planned.key}
    body = {
        "method_id": str(payer.method),
        "contact_id": str(payer.contact),
        "amount": {"amount": str(planned.amount), "currency": "USD"},
    }
    started, retries = time.perf_counter(), 0
    while True:
        response: httpx.Response | None = None
        with suppress(httpx.TransportError):  # no answer: asked again, the key makes it safe
            response = await http.post(
                f"/v1/invoices/{invoice}/payments", json=body, headers=headers
            )
        pause = _retry_in(response)
        spent = time.perf_counter() - started
        if pause is None or spent + pause > GIVE_UP_AFTER:
            return _answer(planned, response, retries, spent)
        retries += 1
        await asyncio.sleep(pause)


async def _fire(
    hub: str, payers: list[Payer], invoices: list[InvoiceId], plan: Plan, concurrency: int
) -> tuple[list[Answer], float]:
    """C clients take the next planned request as each finishes its last; answers in order."""
    answers: list[Answer] = []
    queue = iter(plan.requests)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=hub, limits=limits, timeout=60) as http:

        async def client() -> None:
            for planned in queue:
                payer = payers[planned.invoice % len(payers)]
                answers.append(await _pay(http, planned, payer, invoices[planned.invoice]))

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        return answers, time.perf_counter() - started


# --- the audit ------------------------------------------------------------------------------


async def _audit(
    container: Container, sandbox: str, payers: list[Payer], answers: list[Answer]
) -> tuple[list[str], dict[str, Any]]:
    invoices: list[Invoice] = []
    payments = []
    for payer in payers:
        async with container.persistence.uow()(payer.tenant) as uow:
            found = await everything(uow)
        invoices += found[0]
        payments += found[1]
    async with httpx.AsyncClient() as control:
        state = (await control.get(f"{sandbox}{BNG_PATH}/_sandbox/state")).json()
    sales = [t for t in state["transactions"] if t["type"] == "sale"]
    charges = [
        Charge(t["orderid"], exact_decimal(t["amount"], "amount", from_json=True))
        for t in sales
        if t["condition"] != "failed"
    ]
    violations = [str(v) for v in audit(invoices, payments, charges)]
    in_hub = {str(p.id) for p in payments}
    violations += [
        f"payment {a.payment}: answered to a client, not in the hub"
        for a in answers
        if a.payment is not None and a.payment not in in_hub
    ]
    paid = sum(1 for i in invoices if i.status is InvoiceStatus.PAID)
    return violations, {
        "payments_in_hub": dict(Counter(str(p.status) for p in payments)),
        "gateway_sales": len(sales),
        "invoices_paid": paid,
    }


async def _gateway_faults(
    sandbox: str, latency_ms: float = 0.0, rate: float = 0.0, seed: int | None = None
) -> None:
    """Latency, and a share of calls failing: 502/503 before the sale, or its answer lost."""
    each = rate / 3
    faults = {"latency_ms": latency_ms, "error_rate": each, "drop_rate": each, "seed": seed}
    async with httpx.AsyncClient() as control:
        answer = await control.put(
            f"{sandbox}{BNG_PATH}/_sandbox/faults", json=faults | {"malformed_rate": each}
        )
        answer.raise_for_status()


async def _resolve(container: Container, payers: list[Payer]) -> int:
    """As the worker will: each payment a lost answer left pending, asked about at the gateway."""
    resolved = 0
    for payer in payers:
        async with container.persistence.uow()(payer.tenant) as uow:
            _, payments = await everything(uow)
        for payment in payments:
            if payment.status is PaymentStatus.PENDING:
                await container.billing.resolve_pending()(payer.tenant, payment.id)
                resolved += 1
    return resolved


async def _bench(url: str, options: Options) -> dict[str, Any]:
    plan = make_plan(options.invoices, options.requests, options.seed)
    await migrate(url)
    container = build_container(bench_settings(url))
    async with AsyncExitStack() as stack:
        stack.push_async_callback(_close, container)
        sandbox = await stack.enter_async_context(payment_sandboxes(options.tenants))
        payers, invoices = await _setup(container, sandbox, plan, options.tenants)
        await _gateway_faults(sandbox, options.latency_ms, options.gateway_faults, options.seed)
        async with hub_process(url) as hub:
            answers, wall = await _fire(hub, payers, invoices, plan, options.concurrency)
        await _gateway_faults(sandbox)
        figures = report(options, plan, answers, wall)
        figures["resolved_afterwards"] = await _resolve(container, payers)
        violations, found = await _audit(container, sandbox, payers, answers)
    violations += tally(answers)[2]
    return figures | found | {"invariants": violations or "clean"}


async def _on_scratch(server: str | None, options: Options) -> dict[str, Any]:
    async with postgres_server(server) as found, scratch_database(found) as url:
        return await _bench(url, options)


@click.command("payments")
@click.option("--invoices", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--requests", type=click.IntRange(min=2), default=1000, show_default=True)
@click.option("--concurrency", type=click.IntRange(min=1), default=32, show_default=True)
@click.option(
    "--tenants",
    type=click.IntRange(min=1),
    default=4,
    show_default=True,
    help="each with its own QuickBooks company (500 calls a minute each); invoice i is tenant "
    "i mod T's",
)
@click.option("--latency-ms", default=0.0, show_default=True, help="the gateway's latency")
@click.option(
    "--gateway-faults",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="share of gateway calls failing (502/503, dropped or cut-off answers); the payments "
    "left pending are resolved at the gateway afterwards, then audited",
)
@click.option("--seed", default=1, show_default=True, help="which twins, in which order")
@click.option(
    "--postgres-url",
    envvar="Q2C_BENCH_POSTGRES_URL",
    help="the PostgreSQL server to make a scratch database on (default: a throwaway cluster)",
)
def payments(postgres_url: str | None, **given: Any) -> None:
    """R payment requests over N invoices from C clients through the API, then an audit."""
    options = Options(**given)
    options = replace(options, tenants=min(options.tenants, options.invoices))
    print_report(run_async(lambda: _on_scratch(postgres_url, options)))
