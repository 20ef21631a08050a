"""A tenant whose money lives in four places, and the check that they agree (MON-4).

``Books`` connects a tenant to the Autotask, QuickBooks and BNG sandboxes served over HTTP, as
``q2c serve`` does: invoices are made by Autotask's billing (the sandbox's control route),
pulled into the hub, pushed to QuickBooks and numbered there; payments go through BNG. The
outbox is drained by the real worker, the settlement watch is the real watch.

``disagreements()`` lists every place where the hub, BNG, QuickBooks and Autotask differ on an
invoice's balance or a payment's amounts, and every refund made where no money was collected.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy import func, select

from adapters.persistence import tables
from adapters.sandboxes.autotask.app import SANDBOX_CREDENTIALS as AUTOTASK_CREDENTIALS
from application.billing.actions import PaymentActions
from application.billing.audit import audit
from application.billing.methods import NewMethod
from application.billing.payments import TakePayment, TakePaymentCommand
from application.billing.ports import BillingContact
from application.billing.repositories import InvoiceFilter, PaymentFilter
from application.crm.ports import ContactFilter, OrganizationFilter
from application.integrations.appliers import PAYMENT
from application.integrations.connections import ConnectionChanges, ConnectSystem, NewConnection
from application.integrations.pulls import PullRunner, SyncNow
from application.integrations.sync_errors import SyncErrorFilter, SyncErrors
from application.shared.pagination import PageRequest
from domain.billing.invoice import Invoice, InvoiceId, InvoiceStatus
from domain.billing.methods import Environment, PaymentMethodId
from domain.billing.payment import Payment, PaymentId, PaymentStatus, SettlementState
from domain.crm.organization import ContactId
from domain.identity.tenant import TenantId
from domain.integrations.connection import Connection
from domain.shared.money import Money
from entrypoints.containers import Container
from entrypoints.sandboxes import (
    AUTOTASK,
    AUTOTASK_PATH,
    BNG,
    BNG_PATH,
    QUICKBOOKS,
    QUICKBOOKS_PATH,
)
from tests.support.bng import VISA, tokenize_card
from tests.support.factories import new_tenant

AUTOTASK_HEADERS = {
    "UserName": AUTOTASK_CREDENTIALS["username"],
    "Secret": AUTOTASK_CREDENTIALS["secret"],
    "ApiIntegrationCode": AUTOTASK_CREDENTIALS["integration_code"],
}
ZERO = Decimal("0.00")
NOBODY = ContactId(UUID(int=0))  # until the contact is pulled
NO_METHOD = PaymentMethodId(UUID(int=0))  # until the card is vaulted


@dataclass
class Books:
    container: Container
    base: str  # where the sandboxes are served
    tenant: TenantId
    connections: dict[str, Connection]
    company: int  # the customer's company in Autotask
    contact: ContactId = NOBODY
    method: PaymentMethodId = NO_METHOD
    psa_invoices: dict[InvoiceId, int] = field(default_factory=dict)  # hub id → Autotask id
    _numbers: int = 0

    # --- what people and vendors do -----------------------------------------------------

    async def invoice(self, total: str) -> InvoiceId:
        """Autotask's billing makes an invoice; the hub pulls it and QuickBooks numbers it."""
        self._numbers += 1
        number = f"AT-{self._numbers:04d}"
        seeded = await self._http(
            "POST",
            f"{AUTOTASK_PATH}/_sandbox/autotask/invoices",
            {
                "companyID": self.company,
                "invoiceNumber": number,
                "invoiceDateTime": "2026-11-01T00:00:00",
                "dueDate": "2026-12-01T00:00:00",
                "invoiceTotal": float(total),
                "comments": f"Managed services {number}",
            },
        )
        await self.pull()
        await self.deliver()
        async with self._uow() as uow:
            found: Invoice | None = await uow.invoices.by_psa_number(number)
        assert found is not None, f"{number} was not pulled"
        assert found.payable, f"{number} did not become payable"
        self.psa_invoices[found.id] = int(seeded["itemId"])
        return found.id

    async def pull(self) -> None:
        sync_now: SyncNow = self.container.integrations.sync_now()
        jobs = await sync_now(self.tenant, self.connections["autotask"].id)
        runner: PullRunner = self.container.integrations.pull_runner()
        for job in jobs:
            claimed = await self.container.persistence.jobs().claim("books", 60, job.id)
            if claimed is not None:
                await runner.run(claimed, "books")

    async def pay(self, invoice: InvoiceId, amount: str | None, key: str) -> Payment:
        take: TakePayment = self.container.billing.take_payment()
        return await take(
            self.tenant,
            TakePaymentCommand(
                invoice_id=invoice,
                method_id=self.method,
                contact_id=self.contact,
                environment=Environment.STAFF,
                idempotency_key=key,
                actor="key:manager",
                amount=Money.of(amount, "USD") if amount else None,
            ),
        )

    @property
    def actions(self) -> PaymentActions:
        actions: PaymentActions = self.container.billing.payment_actions()
        return actions

    async def settle(self, *payments: Payment) -> None:
        """BNG closes its batch for these sales, and the watch sees it."""
        ids = [p.transaction_id for p in payments if p.transaction_id]
        await self._http("POST", f"{BNG_PATH}/_sandbox/settle", {"transaction_ids": ids})
        await self.watch()

    async def fail(self, payment: Payment, reason: str = "R01 Insufficient Funds") -> None:
        """The bank refuses the sale after approving it (PAY-7), and the watch sees it."""
        body = {"transaction_id": payment.transaction_id, "reason": reason}
        await self._http("POST", f"{BNG_PATH}/_sandbox/fail", body)
        await self.watch()

    async def void_in_autotask(self, invoice: InvoiceId) -> None:
        """A person voids the invoice in Autotask; the hub pulls the change (PAY-3)."""
        path = f"{AUTOTASK_PATH}/_sandbox/autotask/invoices/{self.psa_invoices[invoice]}/void"
        await self._http("POST", path)
        await self.pull()

    async def watch(self) -> None:
        await self.container.billing.watch().watch_tenant(self.tenant, _Report())

    async def faults(self, system: str, **knobs: float) -> None:
        """Faults on one sandbox (``bng``, ``quickbooks``, ``autotask``); none: healthy."""
        path = {"bng": BNG_PATH, "quickbooks": QUICKBOOKS_PATH, "autotask": AUTOTASK_PATH}
        await self._http("PUT", f"{path[system]}/_sandbox/faults", dict(knobs))

    async def set_payment_settings(self, **settings: object) -> None:
        update = self.container.integrations.update_connection()
        await update(self.tenant, self.connections["bng"].id, ConnectionChanges(settings=settings))

    async def deliver(self, within: float = 60.0) -> None:
        """The worker delivers until nothing of this tenant waits; spent retries are retried
        by hand, as a person would from the sync errors list (INT-6)."""
        worker = self.container.integrations.worker()
        deadline = time.monotonic() + within
        while True:
            await self._retry_sync_errors()
            if not await self._waiting():
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"the outbox did not drain: {await self._errors()}")
            if not await worker.step():
                await asyncio.sleep(0.05)
            await worker.drain()

    # --- what each system holds -------------------------------------------------------------

    async def hub(self) -> tuple[list[Invoice], list[Payment]]:
        async with self._uow() as uow:
            invoices = await uow.invoices.list(InvoiceFilter(), PageRequest(limit=200))
            payments = await uow.payments.list(PaymentFilter(), PageRequest(limit=200))
        return invoices, payments

    async def get_invoice(self, invoice_id: InvoiceId) -> Invoice:
        async with self._uow() as uow:
            found: Invoice = await uow.invoices.get(invoice_id)
        return found

    async def get_payment(self, payment_id: PaymentId) -> Payment:
        async with self._uow() as uow:
            found: Payment = await uow.payments.get(payment_id)
        return found

    async def quickbooks(self) -> dict[str, Any]:
        state: dict[str, Any] = await self._http("GET", f"{QUICKBOOKS_PATH}/_sandbox/state")
        return state

    async def bng(self) -> dict[str, Any]:
        state: dict[str, Any] = await self._http("GET", f"{BNG_PATH}/_sandbox/state")
        return state

    async def autotask_invoice(self, invoice: InvoiceId) -> dict[str, Any]:
        item_id = self.psa_invoices[invoice]
        url = f"{AUTOTASK_PATH}/atservicesrest/v1.0/Invoices/{item_id}"
        found: dict[str, Any] = (await self._http("GET", url, headers=AUTOTASK_HEADERS))["item"]
        return found

    async def quickbooks_payment(self, payment: PaymentId) -> dict[str, Any] | None:
        link = await self.container.persistence.link_store().find(
            self.connections["quickbooks"].id, PAYMENT, payment
        )
        payments = (await self.quickbooks())["payments"]
        return next((p for p in payments if p["Id"] == link), None)

    async def disagreements(self) -> list[str]:
        """Where the four systems differ on money, or a refund exists that was never collected."""
        invoices, payments = await self.hub()
        qbo, bng = await self.quickbooks(), await self.bng()
        found = [str(v) for v in audit(invoices, payments)]  # the hub's own books first
        for invoice in invoices:
            found += await self._invoice_disagreements(invoice, qbo)
        for payment in payments:
            found += await self._payment_disagreements(payment, invoices, qbo, bng)
        return found

    # --- inner workings -----------------------------------------------------------------

    async def _invoice_disagreements(self, invoice: Invoice, qbo: Mapping[str, Any]) -> list[str]:
        name = f"invoice {invoice.psa_number}"
        held = next((i for i in qbo["invoices"] if i["Id"] == invoice.accounting_id), None)
        found = []
        if held is None:
            found.append(f"{name} is not in QuickBooks")
        elif _dec(held["Balance"]) != invoice.balance.amount:
            found.append(f"{name}: balance {invoice.balance} in the hub, {held['Balance']} in QBO")
        if invoice.id in self.psa_invoices:
            paid_date = (await self.autotask_invoice(invoice.id)).get("paidDate")
            if bool(paid_date) != (invoice.status is InvoiceStatus.PAID):
                found.append(
                    f"{name}: {invoice.status} in the hub, paidDate {paid_date} in Autotask"
                )
        return found

    async def _payment_disagreements(
        self,
        payment: Payment,
        invoices: Iterable[Invoice],
        qbo: Mapping[str, Any],
        bng: Mapping[str, Any],
    ) -> list[str]:
        name = f"payment {payment.idempotency_key} ({payment.status}, {payment.settlement})"
        found: list[str] = []
        order = [t for t in bng["transactions"] if t["orderid"] == str(payment.id)]
        sales = [t for t in order if t["type"] == "sale"]
        refunds = [t for t in order if t["type"] == "refund" and t["condition"] != "canceled"]
        gateway_refunded = sum((_dec(t["amount"]) for t in refunds), ZERO)
        if payment.status in (PaymentStatus.APPROVED, PaymentStatus.CANCELLED):
            sale = next((t for t in sales if t["id"] == payment.transaction_id), None)
            if sale is None:
                found.append(f"{name}: BNG has no sale {payment.transaction_id}")
            elif (sale["condition"], payment.settlement) not in _SETTLEMENTS:
                found.append(f"{name}: BNG's sale is {sale['condition']}")
            elif _dec(sale["amount"]) != payment.requested_amount:
                found.append(f"{name}: BNG charged {sale['amount']}")
        elif any(t["condition"] in ("pendingsettlement", "complete") for t in sales):
            found.append(f"{name}: BNG charged a payment the hub did not take")
        if gateway_refunded != payment.refunded_at_gateway:
            found.append(
                f"{name}: BNG refunded {gateway_refunded}, the hub {payment.refunded_at_gateway}"
            )
        if (refunds or payment.refund_amount) and payment.settlement is not SettlementState.SETTLED:
            found.append(f"{name}: a refund of money never collected")
        if any(s["condition"] != "complete" for s in sales) and refunds:
            found.append(f"{name}: BNG refunded a sale that has not settled")
        found += await self._quickbooks_payment(name, payment, invoices, qbo)
        return found

    async def _quickbooks_payment(
        self, name: str, payment: Payment, invoices: Iterable[Invoice], qbo: Mapping[str, Any]
    ) -> list[str]:
        held = await self.quickbooks_payment(payment.id)
        receipts = [
            r
            for r in qbo["refund_receipts"]
            if f"Q2C refund of payment {payment.id}" in (r.get("PrivateNote") or "")
        ]
        refunded = sum((_dec(r["TotalAmt"]) for r in receipts), ZERO)
        if payment.status is not PaymentStatus.APPROVED:
            sale = _dec(held["TotalAmt"]) if held else ZERO
            if sale or refunded:
                return [f"{name}: QuickBooks still holds {sale} and refunds {refunded}"]
            return []
        if held is None:
            return [f"{name}: not in QuickBooks"]
        on = next((i for i in invoices if i.id == payment.invoice_id), None)
        wanted = (
            {on.accounting_id: payment.applied_amount}
            if on is not None and on.status is not InvoiceStatus.VOID and payment.applied_amount
            else {}
        )
        lines = {
            link["TxnId"]: _dec(line["Amount"])
            for line in held["Line"]
            for link in line["LinkedTxn"]
        }
        found = []
        if _dec(held["TotalAmt"]) != payment.sale_amount or lines != wanted:
            found.append(f"{name}: QuickBooks holds {held['TotalAmt']} on {lines}, hub {wanted}")
        if refunded != payment.refund_amount:
            found.append(f"{name}: QuickBooks refunds {refunded}, the hub {payment.refund_amount}")
        return found

    async def _waiting(self) -> int:
        o = tables.outbox.c
        async with self.container.persistence.engine().connect() as connection:
            count = await connection.scalar(
                select(func.count()).where(o.tenant_id == self.tenant, o.status == "pending")
            )
        return int(count or 0)

    async def _errors(self) -> list[str]:
        errors: SyncErrors = self.container.integrations.sync_errors()
        page = await errors.page(self.tenant, SyncErrorFilter(), PageRequest(limit=50))
        return [f"{e.kind}: {e.message}" for e in page.items]

    async def _retry_sync_errors(self) -> None:
        errors: SyncErrors = self.container.integrations.sync_errors()
        page = await errors.page(self.tenant, SyncErrorFilter(), PageRequest(limit=50))
        for error in page.items:
            await errors.retry(self.tenant, error.id)

    def _uow(self) -> Any:
        return self.container.persistence.uow()(self.tenant)

    async def _http(
        self, method: str, path: str, body: Any = None, *, headers: Mapping[str, str] | None = None
    ) -> Any:
        async with httpx.AsyncClient(base_url=self.base, timeout=30) as http:
            response = await http.request(method, path, json=body, headers=headers)
        assert response.status_code < 300, f"{method} {path}: {response.text}"
        return response.json()


@dataclass
class _Report:
    resolved: int = 0
    settled: int = 0
    failed: int = 0
    refunds: int = 0
    errors: int = 0


# A sale's condition at BNG and the settlement the hub records for it, once the watch has run.
_SETTLEMENTS = {
    ("pendingsettlement", SettlementState.PENDING),
    ("complete", SettlementState.SETTLED),
    ("failed", SettlementState.FAILED),
}


async def close(container: Container) -> None:
    """Every client, limit and pool the container opened for the books."""
    await container.integrations.vendors().aclose()
    await container.persistence.limits().close()
    await container.persistence.probe().close()


def _dec(value: object) -> Decimal:
    return Decimal(str(value))


async def open_books(container: Container, base: str, *, refund_at_gateway: bool = False) -> Books:
    """A new tenant connected to the three sandboxes on ``base``, with one customer and a card."""
    tenant = (await new_tenant(container)).tenant.id
    connect: ConnectSystem = container.integrations.connect_system()
    connections = {
        "autotask": await connect(tenant, AUTOTASK.connection(base)),
        "quickbooks": await connect(tenant, QUICKBOOKS.connection(base)),
        "bng": await connect(
            tenant,
            _with_settings(BNG.connection(base), refund_at_gateway=refund_at_gateway),
        ),
    }
    books = Books(container, base, tenant, connections, company=0)
    books.company = int(
        (
            await books._http(
                "POST",
                f"{AUTOTASK_PATH}/atservicesrest/v1.0/Companies",
                {
                    "companyName": f"Contoso {tenant.hex[-6:]}",
                    "phone": "555-0100",
                    "ownerResourceID": 1,
                },
                headers=AUTOTASK_HEADERS,
            )
        )["itemId"]
    )
    await books._http(
        "POST",
        f"{AUTOTASK_PATH}/atservicesrest/v1.0/Companies/{books.company}/Contacts",
        {
            "firstName": "Jane",
            "lastName": "Doe",
            "emailAddress": "jane@contoso.test",
            "isActive": 1,
        },
        headers=AUTOTASK_HEADERS,
    )
    await books.pull()
    async with books._uow() as uow:
        (organization,) = await uow.organizations.list(OrganizationFilter(), PageRequest(limit=5))
        (contact,) = await uow.contacts.list(ContactFilter(), PageRequest(limit=5))
    token = await tokenize_card(base + BNG_PATH, VISA)
    method = await container.billing.add_payment_method()(
        tenant,
        NewMethod(
            organization_id=organization.id,
            payment_token=token,
            contact=BillingContact("Jane", "Doe", organization.name),
        ),
    )
    books.contact, books.method = contact.id, method.id
    return books


def _with_settings(new: NewConnection, **settings: object) -> NewConnection:
    return replace(new, settings={**new.settings, **settings})
