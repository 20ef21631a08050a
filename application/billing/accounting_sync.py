"""Invoices and payments delivered to the accounting system (PAY-1, PAY-3..9).

Both are outbox deliverers, run by the worker like any other: retried on transient failures,
a sync error on rejection. Both are safe to run twice: the accounting adapter matches an
invoice by its PSA number, and a payment by its link or its hub id (its request id), and
makes it hold what the hub holds now.
"""

from __future__ import annotations

from uuid import UUID

from application.billing.ports import (
    AccountingLine,
    AccountingSystem,
    InvoiceForAccounting,
    PaymentForAccounting,
)
from application.integrations.appliers import PAYMENT
from application.integrations.messages import InvoicePush, PaymentPush, expect
from application.integrations.ports import (
    ConnectionConfig,
    ExternalLinks,
    OutboxMessage,
    VendorRejected,
)
from application.shared.errors import NotFound
from application.shared.ports import Clock
from application.shared.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.billing.invoice import Invoice, InvoiceId, InvoiceStatus
from domain.billing.payment import PaymentId, PaymentStatus
from domain.shared.errors import DomainError
from domain.shared.money import Currency, Money


def invoice_for_accounting(hub_id: UUID, invoice: InvoicePush) -> InvoiceForAccounting:
    try:
        total = Money(invoice.total, Currency.parse(invoice.currency))
    except DomainError as error:
        raise VendorRejected(f"the invoice {invoice.psa_number}: {error}") from None
    number = invoice.psa_number
    description = invoice.description or f"Invoice {number}"
    return InvoiceForAccounting(
        hub_id=str(hub_id),
        psa_number=number,
        customer_name=invoice.customer_name,
        invoice_date=invoice.invoice_date,
        due_date=invoice.due_date,
        total=total,
        lines=[AccountingLine(description=description, amount=total)],
    )


class PushInvoice:
    """``invoice.push``: the invoice into the accounting system, its number back (PAY-1);
    a void invoice voided there (PAY-3)."""

    def __init__(self, uow: UnitOfWorkFactory, accounting: AccountingSystem, clock: Clock) -> None:
        self._uow, self._accounting, self._clock = uow, accounting, clock

    async def deliver(self, message: OutboxMessage, connection: ConnectionConfig) -> None:
        pushed = expect(message.body, InvoicePush, "the accounting system")
        if pushed.void:
            await self._void(message, connection)
            return
        wanted = invoice_for_accounting(message.aggregate_id, pushed)
        held = await self._accounting.push_invoice(connection, wanted)
        # The number comes back through the accounting connection: not pushed back to it.
        async with self._uow(message.tenant_id, origin=connection.connection_id) as uow:
            invoice = await _invoice(uow, message.aggregate_id, lock=True)
            if invoice.status is not InvoiceStatus.VOID:
                invoice.numbered(held.number, held.accounting_id, self._clock.now())
                await uow.commit()

    async def _void(self, message: OutboxMessage, connection: ConnectionConfig) -> None:
        async with self._uow(message.tenant_id) as uow:
            invoice = await _invoice(uow, message.aggregate_id)
        if invoice.accounting_id is not None:  # never held there: nothing to void
            await self._accounting.void_invoice(connection, invoice.accounting_id)


class PushPayment:
    """``payment.push``: the accounting system holds the payment as the hub does now.

    Sent after every change of where its money sits, each delivery reads the payment as it is
    then, so a late or repeated delivery makes no difference (PAY-4, PAY-5, PAY-7, PAY-9). The
    accounting system's id for it is kept as an external link (INT-4).
    """

    def __init__(
        self, uow: UnitOfWorkFactory, accounting: AccountingSystem, links: ExternalLinks
    ) -> None:
        self._uow, self._accounting, self._links = uow, accounting, links

    async def deliver(self, message: OutboxMessage, connection: ConnectionConfig) -> None:
        expect(message.body, PaymentPush, "the accounting system")
        wanted = await self._wanted(message, connection)
        held = await self._accounting.record_payment(connection, wanted)
        if held is not None and held != wanted.accounting_id:
            await self._links.link(connection.connection_id, PAYMENT, message.aggregate_id, held)

    async def _wanted(
        self, message: OutboxMessage, connection: ConnectionConfig
    ) -> PaymentForAccounting:
        async with self._uow(message.tenant_id) as uow:
            try:
                payment = await uow.payments.get(PaymentId(message.aggregate_id))
                first = await uow.invoices.get(payment.original_invoice_id)
                now_on = await uow.invoices.get(payment.invoice_id) if payment.invoice_id else None
                organization = await uow.organizations.get(payment.organization_id)
            except NotFound as error:
                raise VendorRejected(error.message) from None
        if payment.transaction_id is None:
            raise VendorRejected(f"payment {payment.id} was never approved: nothing to record")
        applied_to = None if now_on is None or now_on.status is InvoiceStatus.VOID else now_on
        for invoice in (first, applied_to):
            if invoice is not None and invoice.accounting_id is None:
                raise VendorRejected(
                    f"invoice {invoice.psa_number} is not in the accounting system yet (PAY-1)"
                )
        assert first.accounting_id is not None
        return PaymentForAccounting(
            hub_id=str(payment.id),
            customer_name=organization.name,
            first_invoice_id=first.accounting_id,
            sale=payment.sale,
            applied_to=None if applied_to is None else applied_to.accounting_id,
            applied=payment.applied if applied_to is not None else Money.zero(payment.currency),
            refunded=payment.refund,
            cancelled=payment.status is PaymentStatus.CANCELLED,
            paid_on=payment.created_at.date(),
            reference=payment.transaction_id,
            accounting_id=await self._links.find(
                connection.connection_id, PAYMENT, message.aggregate_id
            ),
        )


async def _invoice(uow: UnitOfWork, invoice_id: UUID, *, lock: bool = False) -> Invoice:
    try:
        return await uow.invoices.get(InvoiceId(invoice_id), lock=lock)
    except NotFound:
        raise VendorRejected(f"invoice {invoice_id} no longer exists") from None
