"""Invoices and payments through the real sandboxes, as ``q2c serve`` runs them.

An invoice in the hub goes to QuickBooks and comes back numbered (PAY-1); a payment is charged
at BNG, recorded in QuickBooks against its invoice, watched until it settles or fails (PAY-7);
payment notifications are emailed to the billing contact and may open a PSA ticket (PAY-13).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from adapters.notifications.mailbox import LocalMailbox
from adapters.persistence import tables
from adapters.sandboxes.bng.app import SANDBOX_SECURITY_KEY
from adapters.sandboxes.quickbooks.app import SANDBOX_AUTHORIZED, SANDBOX_CLIENT
from application.billing.actions import PaymentActions
from application.billing.methods import NewMethod
from application.billing.payments import TakePayment, TakePaymentCommand
from application.billing.ports import BillingContact
from application.billing.watch import WatchPayments
from application.integrations.connections import ConnectSystem, NewConnection
from application.integrations.worker import OutboxWorker
from application.notifications.sender import SendNotifications
from domain.billing.invoice import Invoice, InvoiceDetails, InvoiceId, InvoiceStatus
from domain.billing.methods import Environment, PaymentMethodId
from domain.billing.payment import Payment, PaymentId, PaymentStatus, SettlementState
from domain.crm.contact import Contact, ContactProfile
from domain.crm.organization import ContactId, OrganizationChanges
from domain.identity.tenant import TenantId
from domain.integrations.connection import System
from domain.notifications.notification import NotificationStatus
from domain.shared.errors import DomainError
from domain.shared.ids import new_id
from domain.shared.money import Money
from entrypoints.containers import Container, build_container
from entrypoints.sandboxes import BNG_PATH, QUICKBOOKS_PATH, create_sandboxes_app
from tests.conftest import settings_for
from tests.support.bng import VISA, tokenize_card
from tests.support.factories import new_tenant, organization
from tests.support.servers import serve_asgi
from tests.support.sync import tenant_with_autotask


@pytest.fixture
def sandboxes() -> Iterator[str]:
    with serve_asgi(create_sandboxes_app({})) as base:
        yield base


@pytest.fixture
async def container(database_url: str, tmp_path: Path) -> AsyncIterator[Container]:
    container = build_container(settings_for(database_url, mailbox_dir=str(tmp_path / "mail")))
    yield container
    await container.persistence.probe().close()


@dataclass
class Shop:
    """A tenant connected to the QuickBooks and BNG sandboxes, with a customer and a card."""

    container: Container
    base: str
    tenant: TenantId
    contact: ContactId
    method: PaymentMethodId

    async def invoice(self, total: str, number: str) -> InvoiceId:
        async with self.container.persistence.uow()(self.tenant) as uow:
            contact = await uow.contacts.get(self.contact)
            invoice = Invoice(
                id=InvoiceId(new_id()),
                tenant_id=self.tenant,
                details=InvoiceDetails(
                    psa_number=number,
                    organization_id=contact.organization_id,
                    total=Money.of(total, "USD"),
                    invoice_date=date(2026, 11, 1),
                    description=f"Managed services ({number})",
                ),
                now=self.container.core.clock().now(),
            )
            await uow.invoices.add(invoice)
            await uow.commit()
        return invoice.id

    async def get(self, invoice_id: InvoiceId) -> Invoice:
        async with self.container.persistence.uow()(self.tenant) as uow:
            found: Invoice = await uow.invoices.get(invoice_id)
        return found

    async def payment(self, payment_id: PaymentId) -> Payment:
        async with self.container.persistence.uow()(self.tenant) as uow:
            found: Payment = await uow.payments.get(payment_id)
        return found

    async def pay(self, invoice_id: InvoiceId, amount: str, key: str) -> Payment:
        take: TakePayment = self.container.billing.take_payment()
        return await take(
            self.tenant,
            TakePaymentCommand(
                invoice_id=invoice_id,
                method_id=self.method,
                contact_id=self.contact,
                environment=Environment.STAFF,
                idempotency_key=key,
                actor="key:test",
                amount=Money.of(amount, "USD"),
            ),
        )

    async def deliver(self) -> None:
        """Run the outbox worker until nothing is left to deliver."""
        worker: OutboxWorker = self.container.integrations.worker()
        while await worker.step():
            await worker.drain()
        await worker.drain()

    async def quickbooks(self) -> dict[str, Any]:
        return await _get(f"{self.base}{QUICKBOOKS_PATH}/_sandbox/state")

    async def bng(self, control: str, body: dict[str, Any]) -> Any:
        async with httpx.AsyncClient() as http:
            response = await http.post(f"{self.base}{BNG_PATH}/_sandbox/{control}", json=body)
        response.raise_for_status()
        return response.json()


async def _get(url: str) -> dict[str, Any]:
    async with httpx.AsyncClient() as http:
        response = await http.get(url)
    response.raise_for_status()
    state: dict[str, Any] = response.json()
    return state


async def open_shop(container: Container, base: str, tenant: TenantId | None = None) -> Shop:
    tenant = tenant or (await new_tenant(container)).tenant.id
    connect: ConnectSystem = container.integrations.connect_system()
    await connect(
        tenant,
        NewConnection(
            system=System.QUICKBOOKS,
            name="QuickBooks",
            base_url=base + QUICKBOOKS_PATH,
            credentials=SANDBOX_CLIENT,
            issued=SANDBOX_AUTHORIZED,
        ),
    )
    await connect(
        tenant,
        NewConnection(
            system=System.BNG,
            name="BNG",
            base_url=base + BNG_PATH,
            credentials={"security_key": SANDBOX_SECURITY_KEY},
        ),
    )
    clock = container.core.clock()
    org = organization(tenant, "Contoso Ltd", phone="555-0100")
    async with container.persistence.uow()(tenant) as uow:
        await uow.organizations.add(org)
        await uow.commit()
    async with container.persistence.uow()(tenant) as uow:
        jane = Contact(
            id=ContactId(new_id()),
            tenant_id=tenant,
            organization_id=org.id,
            profile=ContactProfile(first_name="Jane", last_name="Doe", email="jane@contoso.test"),
            now=clock.now(),
        )
        await uow.contacts.add(jane)
        await uow.commit()
    async with container.persistence.uow()(tenant) as uow:  # the billing contact (PAY-13)
        found = await uow.organizations.get(org.id)
        found.revise(OrganizationChanges(default_contact_id=jane.id), clock.now())
        await uow.commit()
    token = await tokenize_card(base + BNG_PATH, VISA)
    method = await container.billing.add_payment_method()(
        tenant,
        NewMethod(
            organization_id=org.id,
            payment_token=token,
            contact=BillingContact("Jane", "Doe", "Contoso Ltd"),
        ),
    )
    return Shop(container, base, tenant, jane.id, method.id)


async def test_an_invoice_gets_its_quickbooks_number_and_only_then_is_payable_pay_1(
    container: Container, sandboxes: str
) -> None:
    shop = await open_shop(container, sandboxes)
    invoice_id = await shop.invoice("420.00", "AT-1001")
    before = await shop.get(invoice_id)
    assert before.number is None
    assert not before.payable
    with pytest.raises(DomainError) as refused:
        await shop.pay(invoice_id, "20.00", "too-early")
    assert refused.value.rule == "PAY-1"
    await shop.deliver()
    numbered = await shop.get(invoice_id)
    held = (await shop.quickbooks())["invoices"]
    assert len(held) == 1
    assert numbered.number == held[0]["DocNumber"]
    assert numbered.payable
    assert numbered.accounting_id == held[0]["Id"]
    await shop.deliver()  # nothing more to send: no second invoice in QuickBooks
    assert (await shop.quickbooks())["counts"]["Invoice"] == 1


async def test_a_payment_is_recorded_in_quickbooks_against_its_invoice_once(
    container: Container, sandboxes: str
) -> None:
    shop = await open_shop(container, sandboxes)
    invoice_id = await shop.invoice("420.00", "AT-1002")
    await shop.deliver()
    payment = await shop.pay(invoice_id, "420.00", "pay-all")
    assert payment.status is PaymentStatus.APPROVED
    assert payment.transaction_id
    await shop.deliver()
    state = await shop.quickbooks()
    (recorded,) = state["payments"]
    (invoice,) = state["invoices"]
    assert Decimal(str(recorded["TotalAmt"])) == Decimal("420.00")
    assert recorded["PaymentRefNum"] == payment.transaction_id
    assert recorded["Line"][0]["LinkedTxn"][0] == {"TxnId": invoice["Id"], "TxnType": "Invoice"}
    assert Decimal(str(invoice["Balance"])) == 0
    assert (await shop.get(invoice_id)).status is InvoiceStatus.PAID


async def test_the_watch_settles_payments_and_flags_failed_ones_for_cancelling_pay_7(
    container: Container, sandboxes: str
) -> None:
    shop = await open_shop(container, sandboxes)
    invoice_id = await shop.invoice("500.00", "AT-1003")
    await shop.deliver()
    good = await shop.pay(invoice_id, "100.00", "good")
    bad = await shop.pay(invoice_id, "150.00", "bad")
    await shop.bng("fail", {"transaction_id": bad.transaction_id, "reason": "R01 insufficient"})
    await shop.bng("settle", {"transaction_ids": [good.transaction_id]})
    watch: WatchPayments = container.billing.watch()
    report = await watch.round()
    assert (report.settled, report.failed) >= (1, 1)
    settled, failed = await shop.payment(good.id), await shop.payment(bad.id)
    assert settled.settlement is SettlementState.SETTLED
    assert failed.settlement is SettlementState.FAILED
    actions: PaymentActions = container.billing.payment_actions()
    with pytest.raises(DomainError):  # settled money cannot be cancelled (PAY-7)
        await actions.cancel(shop.tenant, good.id, "key:manager")
    cancelled = await actions.cancel(shop.tenant, bad.id, "key:manager")
    assert cancelled.status is PaymentStatus.CANCELLED
    invoice = await shop.get(invoice_id)
    assert invoice.balance == Money.of("400.00", "USD")  # only the settled 100.00 applies
    again = await watch.round()
    assert (again.settled, again.failed) == (0, 0)  # nothing left in flight


async def test_payment_notifications_reach_the_billing_contact_by_email_pay_13(
    container: Container, sandboxes: str, tmp_path: Path
) -> None:
    shop = await open_shop(container, sandboxes)
    invoice_id = await shop.invoice("300.00", "AT-1004")
    await shop.deliver()
    number = (await shop.get(invoice_id)).number
    paid = await shop.pay(invoice_id, "120.00", "notify-ok")
    declined = await shop.pay(invoice_id, "0.50", "notify-decline")  # the sandbox declines < 1.00
    assert declined.status is PaymentStatus.DECLINED
    await shop.bng("fail", {"transaction_id": paid.transaction_id, "reason": "Account frozen"})
    await container.billing.watch().round()
    sender: SendNotifications = container.billing.notifications()
    while await sender.round():  # the queue serves every tenant of the database
        pass
    engine = container.persistence.engine()
    async with engine.connect() as connection:
        rows = list(
            await connection.execute(
                select(tables.notifications.c.id, tables.notifications.c.status).where(
                    tables.notifications.c.tenant_id == shop.tenant
                )
            )
        )
    assert [r.status for r in rows] == [NotificationStatus.SENT] * 3
    ours = {f"<{r.id}@q2c>" for r in rows}
    # The queue serves every tenant of the test database: read only this tenant's mail.
    mails = {
        m.subject: m for m in LocalMailbox(tmp_path / "mail").messages() if m.message_id in ours
    }
    assert set(mails) == {
        f"Payment received for invoice {number}",
        f"Payment failed for invoice {number}",
        f"Payment for invoice {number} did not settle",
    }
    assert all(m.to == "jane@contoso.test" for m in mails.values())
    assert "visa ending 1111" in mails[f"Payment received for invoice {number}"].text
    assert "Account frozen" in mails[f"Payment for invoice {number} did not settle"].text
    assert all(VISA not in m.text for m in mails.values())


async def test_a_failed_payment_opens_a_psa_ticket_where_the_connection_says_so_pay_13(
    container: Container, sandboxes: str
) -> None:
    tenant, psa = await tenant_with_autotask(
        container, ticket_notifications=["payment_failed"], ticket_queue_id=8
    )
    shop = await open_shop(container, sandboxes, tenant)
    invoice_id = await shop.invoice("80.00", "AT-1005")
    await shop.deliver()
    await shop.pay(invoice_id, "0.75", "ticket-decline")
    await shop.pay(invoice_id, "10.00", "ticket-ok")  # received: no ticket (not configured)
    engine = container.persistence.engine()
    async with engine.connect() as connection:
        rows = list(
            await connection.execute(
                select(tables.outbox.c.kind, tables.outbox.c.payload).where(
                    tables.outbox.c.connection_id == psa.id,
                    tables.outbox.c.kind == "ticket.open",
                )
            )
        )
    assert len(rows) == 1
    payload = rows[0].payload
    assert payload["kind"] == "payment_failed"
    assert payload["title"].startswith("Payment failed for invoice")
