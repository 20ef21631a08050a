"""Invoices and payments delivered to the accounting system (PAY-1, issue flow step 4).

Both are outbox deliverers, run by the worker like any other: retried on transient failures,
a sync error on rejection. Both are safe to run twice: the accounting adapter matches an
invoice by its PSA number and records a payment once per hub id (its request id).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from application.billing.ports import (
    AccountingLine,
    AccountingSystem,
    InvoiceForAccounting,
    PaymentForAccounting,
)
from application.integrations.ports import (
    ConnectionConfig,
    OutboxMessage,
    VendorRejected,
)
from application.shared.errors import NotFound
from application.shared.ports import Clock
from application.shared.unit_of_work import UnitOfWorkFactory
from domain.billing.invoice import InvoiceId, InvoiceStatus
from domain.billing.payment import PaymentId
from domain.shared.money import Currency, Money


def _date(value: Any) -> date | None:
    return None if not value else date.fromisoformat(str(value))


def invoice_for_accounting(hub_id: UUID, payload: dict[str, Any]) -> InvoiceForAccounting:
    total = Money(Decimal(str(payload["total"])), Currency.parse(str(payload["currency"])))
    number = str(payload["psa_number"])
    description = str(payload.get("description") or f"Invoice {number}")
    invoice_date = _date(payload["invoice_date"])
    if invoice_date is None:
        raise VendorRejected(f"the invoice {number} has no invoice date")
    return InvoiceForAccounting(
        hub_id=str(hub_id),
        psa_number=number,
        customer_name=str(payload["customer_name"]),
        invoice_date=invoice_date,
        due_date=_date(payload.get("due_date")),
        total=total,
        lines=[AccountingLine(description=description, amount=total)],
    )


class PushInvoice:
    """``invoice.push``: the invoice into the accounting system, its number back (PAY-1)."""

    def __init__(self, uow: UnitOfWorkFactory, accounting: AccountingSystem, clock: Clock) -> None:
        self._uow, self._accounting, self._clock = uow, accounting, clock

    async def deliver(self, message: OutboxMessage, connection: ConnectionConfig) -> None:
        wanted = invoice_for_accounting(message.aggregate_id, dict(message.payload))
        held = await self._accounting.push_invoice(connection, wanted)
        # The number comes back through the accounting connection: not pushed back to it.
        async with self._uow(message.tenant_id, origin=connection.connection_id) as uow:
            try:
                invoice = await uow.invoices.get(InvoiceId(message.aggregate_id), lock=True)
            except NotFound:
                raise VendorRejected(f"invoice {message.aggregate_id} no longer exists") from None
            if invoice.status is not InvoiceStatus.VOID:
                invoice.numbered(held.number, held.accounting_id, self._clock.now())
                await uow.commit()


class PushPayment:
    """``payment.push``: an approved payment as an accounting Payment linked to its invoice."""

    def __init__(self, uow: UnitOfWorkFactory, accounting: AccountingSystem) -> None:
        self._uow, self._accounting = uow, accounting

    async def deliver(self, message: OutboxMessage, connection: ConnectionConfig) -> None:
        async with self._uow(message.tenant_id) as uow:
            try:
                payment = await uow.payments.get(PaymentId(message.aggregate_id))
                invoice = await uow.invoices.get(payment.original_invoice_id)
                organization = await uow.organizations.get(payment.organization_id)
            except NotFound as error:
                raise VendorRejected(error.message) from None
        if payment.transaction_id is None:
            raise VendorRejected(f"payment {payment.id} was never approved: nothing to record")
        if invoice.accounting_id is None:
            raise VendorRejected(
                f"invoice {invoice.psa_number} is not in the accounting system yet (PAY-1)"
            )
        await self._accounting.record_payment(
            connection,
            PaymentForAccounting(
                hub_id=str(payment.id),
                customer_name=organization.name,
                invoice_accounting_id=invoice.accounting_id,
                amount=payment.sale,
                paid_on=payment.created_at.date(),
                reference=payment.transaction_id or str(payment.id),
            ),
        )
