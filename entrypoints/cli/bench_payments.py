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
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
import httpx
import uvicorn
from litestar import Litestar, asgi
from litestar.handlers.asgi_handlers import ASGIRouteHandler
from litestar.types import ASGIApp, Receive, Scope, Send

from adapters.accounting.quickbooks.sandbox import SANDBOX_CREDENTIALS as QUICKBOOKS_CREDENTIALS
from adapters.accounting.quickbooks.sandbox import create_quickbooks_sandbox
from adapters.payments.bng.sandbox import SANDBOX_SECURITY_KEY, create_bng_sandbox
from adapters.persistence.database import scratch_database
from adapters.persistence.migrate import migrate
from adapters.sandbox.faults import Faults
from application.billing.audit import Charge, audit, everything
from application.billing.payments import NewMethod
from application.billing.ports import AccountingLine, BillingContact, InvoiceForAccounting
from application.integrations.connections import NewConnection
from domain.billing.invoice import Invoice, InvoiceDetails, InvoiceId, InvoiceStatus
from domain.billing.methods import PaymentMethod, PaymentMethodId
from domain.billing.payment import PaymentStatus
from domain.crm.contact import Contact, ContactProfile
from domain.crm.organization import ContactId, Organization, OrganizationId, OrganizationProfile
from domain.identity.access import Role
from domain.identity.tenant import TenantId
from domain.integrations.connection import Connection, System
from domain.shared.ids import new_id
from domain.shared.money import Currency, Money
from entrypoints.containers import Container, build_container
from entrypoints.runtime import run_async
from entrypoints.sandboxes import BNG_PATH, QUICKBOOKS_PATH
from entrypoints.servers import free_port
from entrypoints.settings import Settings

BENCH_KEY = "bench-payments-secret-key-not-for-production"
VISA = "4111111111111111"
SHARE_OVER = SHARE_TWIN = 0.2
IN_PROGRESS_POLL = 0.05  # a twin asks again this soon, not after Retry-After's whole second
GIVE_UP_AFTER = 120.0  # seconds of retries (503 Retry-After, 409 in progress) per request
SANDBOXES_MODULE = "entrypoints.cli.bench_payments"  # run as a module, it serves the sandboxes
PG_THROWAWAY = Path(__file__).resolve().parents[2] / "scripts" / "pg-throwaway"


@dataclass(frozen=True)
class Options:
    invoices: int
    requests: int
    concurrency: int
    tenants: int
    latency_ms: float
    gateway_faults: float
    seed: int


# --- the plan ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    kind: str  # "normal" fits its invoice; "over" asks more than its total; "twin": a normal again
    invoice: int
    key: str
    amount: Decimal


@dataclass(frozen=True)
class Plan:
    requests: list[Planned]  # in firing order: each twin right behind the request it repeats
    totals: list[Decimal]  # each invoice's total: exactly what its normal payments add up to

    def count(self, kind: str) -> int:
        return sum(1 for p in self.requests if p.kind == kind)


def make_plan(invoices: int, requests: int, seed: int) -> Plan:
    rng = random.Random(seed)  # noqa: S311 - a reproducible mix, not secrets
    overs = round(requests * SHARE_OVER)
    twins = min(round(requests * SHARE_TWIN), requests - overs - 1)
    # Every tenant pays with the same test card, and the gateway refuses the same card and
    # amount twice within 20 minutes: so every normal payment has an amount of its own.
    normals = [
        Planned("normal", j % invoices, f"pay-{j}", Decimal(1000 + j).scaleb(-2))
        for j in range(requests - overs - twins)
    ]
    totals = [
        sum((p.amount for p in normals[i::invoices]), Decimal("0.00")) for i in range(invoices)
    ]
    totals = [total or Decimal("100.00") for total in totals]
    units = [[p] for p in normals]
    for j in rng.choices(range(len(normals)), k=twins):
        units[j].append(Planned("twin", normals[j].invoice, normals[j].key, normals[j].amount))
    for k in range(overs):
        units.append([Planned("over", k % invoices, f"over-{k}", totals[k % invoices] + 1)])
    rng.shuffle(units)
    return Plan([p for unit in units for p in unit], totals)


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
    await connect(tenant, NewConnection(
        system=System.BNG, name="BNG (sandbox)", base_url=f"{sandbox}{BNG_PATH}",
        credentials={"security_key": SANDBOX_SECURITY_KEY},
    ))  # fmt: skip
    connection: Connection = await connect(tenant, NewConnection(
        system=System.QUICKBOOKS, name="QuickBooks (sandbox)",
        base_url=f"{sandbox}{QUICKBOOKS_PATH}/{t}", credentials=QUICKBOOKS_CREDENTIALS,
    ))  # fmt: skip
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
    accounting = container.integrations.quickbooks()
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
    await container.integrations.bng().aclose()
    await container.integrations.quickbooks().aclose()
    await container.persistence.limits().close()
    await container.persistence.probe().close()


# --- the processes ------------------------------------------------------------------------


@asynccontextmanager
async def _process(
    name: str, args: Sequence[str], ready: str, env: dict[str, str], *, quiet: bool = False
) -> AsyncIterator[None]:
    """A child process, until the end of the block; ``ready`` answers once it serves."""
    child = await asyncio.create_subprocess_exec(
        *args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL if quiet else None
    )
    try:
        await _started(name, child, ready)
        yield
    finally:
        if child.returncode is None:
            child.terminate()
        await child.wait()


async def _started(name: str, child: asyncio.subprocess.Process, ready: str) -> None:
    async with httpx.AsyncClient() as probe:
        for _ in range(600):
            if child.returncode is not None:
                raise click.ClickException(f"the {name} stopped while starting")
            with suppress(httpx.TransportError):
                await probe.get(ready)
                return
            await asyncio.sleep(0.05)
    raise click.ClickException(f"the {name} did not start within 30 s")


@asynccontextmanager
async def _sandboxes(tenants: int) -> AsyncIterator[str]:
    port = free_port()
    args = [sys.executable, "-m", SANDBOXES_MODULE, f"--port={port}", f"--tenants={tenants}"]
    base = f"http://127.0.0.1:{port}"
    ready = f"{base}{BNG_PATH}/_sandbox/state"
    async with _process("sandboxes", args, ready, dict(os.environ), quiet=True):  # faults log
        yield base


@asynccontextmanager
async def _hub(url: str) -> AsyncIterator[str]:
    """``q2c serve`` with no worker: the API as it runs in production."""
    port = free_port()
    env = {
        **os.environ,
        "Q2C_DATABASE_URL": url,
        "Q2C_SECRET_KEY": BENCH_KEY,
        "Q2C_DEMO_TENANT": "false",
        "Q2C_LOG_LEVEL": "error",
    }
    args = [sys.executable, "-m", "entrypoints.cli", "serve", "--no-worker", f"--port={port}"]
    async with _process("hub", args, f"http://127.0.0.1:{port}/health", env):
        yield f"http://127.0.0.1:{port}"


@asynccontextmanager
async def _postgres(server: str | None) -> AsyncIterator[str]:
    """The server given, else a throwaway cluster (``scripts/pg-throwaway``), stopped after."""
    if server:
        yield server
        return
    if not PG_THROWAWAY.exists():
        raise click.ClickException("give --postgres-url (or Q2C_BENCH_POSTGRES_URL)")
    directory = tempfile.mkdtemp(prefix="q2c-bench-pg.")
    started = subprocess.run(  # noqa: ASYNC221, S603 - our own script, before anything runs
        [PG_THROWAWAY, "start", directory], capture_output=True, text=True, check=False
    )
    try:
        if started.returncode:
            raise click.ClickException(f"no throwaway PostgreSQL: {started.stderr.strip()}")
        yield started.stdout.strip()
    finally:
        subprocess.run([PG_THROWAWAY, "stop", directory], check=False)  # noqa: ASYNC221, S603


# --- the sandboxes' process (python -m entrypoints.cli.bench_payments) ----------------------


def _mount(path: str, app: ASGIApp) -> ASGIRouteHandler:
    @asgi(path, is_mount=True, copy_scope=True, include_in_schema=False, name=path)
    async def mounted(scope: Scope, receive: Receive, send: Send) -> None:
        scope["root_path"] = scope.get("root_path", "") + path  # the sandbox builds its URLs
        await app(scope, receive, send)

    return mounted


@click.command(hidden=True)
@click.option("--port", type=int, required=True)
@click.option("--tenants", type=int, required=True)
def serve_sandboxes(port: int, tenants: int) -> None:
    """BNG, and one QuickBooks company (with its own limits) per tenant."""
    handlers = [_mount(BNG_PATH, create_bng_sandbox(Faults()))]
    handlers += [
        _mount(f"{QUICKBOOKS_PATH}/{t}", create_quickbooks_sandbox(Faults()))
        for t in range(tenants)
    ]
    app = Litestar(route_handlers=handlers, openapi_config=None, logging_config=None)
    uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, access_log=False)


# --- the clients ------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    planned: Planned
    status: int  # 0: no answer at all
    outcome: str  # on 201 the payment's status, else the problem's code
    payment: str | None
    retries: int
    seconds: float


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


# --- the figures and the audit ------------------------------------------------------------


def _tally(answers: list[Answer]) -> tuple[Counter[str], Counter[str], list[str]]:
    """Outcomes, errors by status and code, and what the answers themselves break (PAY-15)."""
    outcomes: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    first: dict[str, str] = {}  # key -> the payment its first answer named
    broken: list[str] = []
    for a in answers:
        key = a.planned.key
        if a.status == 201 and a.payment is not None:
            if key in first:
                outcomes["replays"] += 1
                if first[key] != a.payment:
                    broken.append(f"key {key}: payments {first[key]} and {a.payment} (PAY-15)")
            else:
                first[key] = a.payment
                outcomes["accepted" if a.outcome == "approved" else a.outcome] += 1
        elif a.status == 422:
            outcomes["refused"] += 1
        else:
            outcomes["errors"] += 1
            errors[f"{a.status} {a.outcome}"] += 1
    return outcomes, errors, broken


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
        Charge(t["orderid"], Decimal(t["amount"])) for t in sales if t["condition"] != "failed"
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


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def _report(options: Options, plan: Plan, answers: list[Answer], wall: float) -> dict[str, Any]:
    outcomes, errors, _ = _tally(answers)
    seconds = [a.seconds for a in answers]
    return {
        "benchmark": "payments",
        "database": "postgresql",
        "tenants": options.tenants,
        "invoices": options.invoices,
        "requests": len(answers),
        "concurrency": options.concurrency,
        "gateway_latency_ms": options.latency_ms,
        "gateway_faults": options.gateway_faults,
        **{k: outcomes[k] for k in ("accepted", "refused", "replays", "declined", "pending")},
        "errors": outcomes["errors"],
        "errors_by_code": dict(errors),
        "retries": sum(a.retries for a in answers),
        "wall_s": round(wall, 3),
        "payments_per_s": round(outcomes["accepted"] / wall, 1) if wall else None,
        "requests_per_s": round(len(answers) / wall, 1) if wall else None,
        "p50_ms": round(_percentile(seconds, 0.50) * 1000, 1),
        "p95_ms": round(_percentile(seconds, 0.95) * 1000, 1),
        "expected": {
            "accepted": plan.count("normal"),
            "refused": plan.count("over"),
            "replays": plan.count("twin"),
            "invoices_paid": len({p.invoice for p in plan.requests if p.kind == "normal"}),
        },
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
    container = build_container(Settings(database_url=url, secret_key=BENCH_KEY))
    async with AsyncExitStack() as stack:
        stack.push_async_callback(_close, container)
        sandbox = await stack.enter_async_context(_sandboxes(options.tenants))
        payers, invoices = await _setup(container, sandbox, plan, options.tenants)
        await _gateway_faults(sandbox, options.latency_ms, options.gateway_faults, options.seed)
        async with _hub(url) as hub:
            answers, wall = await _fire(hub, payers, invoices, plan, options.concurrency)
        await _gateway_faults(sandbox)
        report = _report(options, plan, answers, wall)
        report["resolved_afterwards"] = await _resolve(container, payers)
        violations, found = await _audit(container, sandbox, payers, answers)
    violations += _tally(answers)[2]
    return report | found | {"invariants": violations or "clean"}


async def _on_scratch(server: str | None, options: Options) -> dict[str, Any]:
    async with _postgres(server) as found, scratch_database(found) as url:
        return await _bench(url, options)


def _print(report: dict[str, Any]) -> None:
    rows = {
        "requests": report["requests"],
        "accepted": f"{report['accepted']} (expected {report['expected']['accepted']})",
        "refused by rule": f"{report['refused']} (expected {report['expected']['refused']})",
        "replays": f"{report['replays']} (expected {report['expected']['replays']})",
        "declined/pending": f"{report['declined']}/{report['pending']}",
        "errors": f"{report['errors']} {report['errors_by_code'] or ''}".strip(),
        "retries": report["retries"],
        "wall time": f"{report['wall_s']} s",
        "payments/s": report["payments_per_s"],
        "latency p50/p95": f"{report['p50_ms']} / {report['p95_ms']} ms",
        "in the hub after": f"{report['payments_in_hub']} "
        f"({report['resolved_afterwards']} resolved at the gateway)",
    }
    for name, value in rows.items():
        click.echo(f"{name:<17} {value}")
    invariants = report["invariants"]
    click.echo(f"invariants        {'clean' if invariants == 'clean' else len(invariants)}")
    for violation in [] if invariants == "clean" else invariants:
        click.echo(f"  {violation}")
    click.echo(json.dumps(report))


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
    _print(run_async(lambda: _on_scratch(postgres_url, options)))


if __name__ == "__main__":
    serve_sandboxes()
