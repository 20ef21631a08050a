"""Billing's share of the sync policy: what invoices and payments send where, and who hears.

Called inside the unit of work's commit (INT-5), so a message or notification exists exactly
when the change it reports does:

- a PSA invoice imported or changed goes to the accounting system, which numbers it (PAY-1);
  a voided one is voided there (PAY-3);
- every change of where a payment's money sits (approved, moved off a voided invoice, applied
  elsewhere, refunded, cancelled) makes the accounting system hold the payment as the hub does
  (PAY-4, PAY-5, PAY-7, PAY-9);
- an invoice fully paid is recorded as paid in the PSA, where its API allows, and that date is
  taken back when it is no longer paid (a cancelled payment, PAY-7; a void);
- payment received, payment failed and settlement failed are emailed to the organization's
  billing contact and, where the PSA connection says so, open a PSA ticket (PAY-13);
- an invoice the accounting system numbers (payable now) is emailed to the billing contact with
  its pay link, once, where the tenant's branding asks for it (PAY-13).

The emails' links lead to the portal at the hub's public address: ``billing_policy(links)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from application.integrations.messages import InvoicePaid as InvoicePaidMessage
from application.integrations.messages import InvoicePush, PaymentPush, TicketOpen
from application.integrations.outbox import NewOutboxMessage
from application.integrations.settings import HubSwitches
from application.notifications.links import PortalLinks
from application.notifications.messages import invoice_ready, notice_for
from domain.billing.invoice import (
    Invoice,
    InvoiceChanged,
    InvoiceId,
    InvoiceImported,
    InvoiceNumbered,
    InvoicePaid,
    InvoiceReopened,
    InvoiceStatus,
    InvoiceVoided,
)
from domain.billing.payment import (
    PaymentApproved,
    PaymentDeclined,
    PaymentEvent,
    PaymentId,
    PaymentSettlementFailed,
)
from domain.billing.payment_events import MONEY_MOVED
from domain.integrations.connection import Connection, Family
from domain.shared.events import DomainEvent

if TYPE_CHECKING:
    from application.shared.unit_of_work import SyncPolicy, UnitOfWork

NOTIFIED = (PaymentApproved, PaymentDeclined, PaymentSettlementFailed)


async def invoice_push(uow: UnitOfWork, invoice: Invoice) -> InvoicePush:
    organization = await uow.organizations.get(invoice.organization_id)
    return InvoicePush(
        invoice_id=invoice.id,
        void=invoice.status is InvoiceStatus.VOID,
        psa_number=invoice.psa_number,
        customer_name=organization.name,
        invoice_date=invoice.invoice_date,
        due_date=invoice.due_date,
        total=invoice.total_amount,
        currency=invoice.currency.value,
        description=invoice.description,
    )


def billing_policy(links: PortalLinks) -> SyncPolicy:
    """Billing's policy, its emails linking to the portal through ``links``."""

    async def policy(uow: UnitOfWork, events: Sequence[DomainEvent]) -> list[NewOutboxMessage]:
        numbered = dict.fromkeys(e.invoice_id for e in events if isinstance(e, InvoiceNumbered))
        for invoice_id in numbered:
            await invoice_ready(uow, await uow.invoices.get(invoice_id), links)
        return await _messages(uow, events, links)

    return policy


async def _messages(
    uow: UnitOfWork, events: Sequence[DomainEvent], links: PortalLinks
) -> list[NewOutboxMessage]:
    imported = {e.invoice_id for e in events if isinstance(e, InvoiceImported)}
    born_void = {e.invoice_id for e in events if isinstance(e, InvoiceVoided)} & imported
    pushed = list(
        dict.fromkeys(
            e.invoice_id
            for e in events
            if isinstance(e, InvoiceImported | InvoiceChanged | InvoiceVoided)
            and e.invoice_id not in born_void  # void on arrival: nothing to hold, nor void
        )
    )
    paid = [e.invoice_id for e in events if isinstance(e, InvoicePaid)]
    unpaid = [
        e.invoice_id
        for e in events
        if isinstance(e, InvoiceReopened) or (isinstance(e, InvoiceVoided) and e.was_paid)
    ]
    moved = list(dict.fromkeys(e.payment_id for e in events if isinstance(e, MONEY_MOVED)))
    notify = [e for e in events if isinstance(e, NOTIFIED)]
    if not (pushed or paid or unpaid or moved or notify):
        return []
    books = await uow.connections.enabled_of(Family.ACCOUNTING)
    accounting = [books] if books is not None and books.id != uow.origin else []
    enabled_psa = await uow.connections.enabled_of(Family.PSA)
    psa = [] if enabled_psa is None else [enabled_psa]
    return [
        *await _to_accounting(uow, accounting, pushed, moved),
        *await _paid_in_psa(uow, psa, paid, unpaid),
        *await _notifications(uow, psa, notify, links),
    ]


async def _to_accounting(
    uow: UnitOfWork,
    targets: Sequence[Connection],
    pushed: Sequence[InvoiceId],
    moved: Sequence[PaymentId],
) -> list[NewOutboxMessage]:
    """Invoices to hold (or void) and payments to hold as the hub now does; each message
    carries ids, and its deliverer reads the invoice or payment as it is when delivered."""
    messages: list[NewOutboxMessage] = []
    for invoice_id in pushed:
        pushed_invoice = await invoice_push(uow, await uow.invoices.get(invoice_id))
        messages += [NewOutboxMessage(c.id, "invoice", invoice_id, pushed_invoice) for c in targets]
    for payment_id in moved:
        payment = await uow.payments.get(payment_id)
        pushed_payment = PaymentPush(payment_id, payment.invoice_id)
        messages += [NewOutboxMessage(c.id, "payment", payment_id, pushed_payment) for c in targets]
    return messages


async def _paid_in_psa(
    uow: UnitOfWork,
    psa: Sequence[Connection],
    paid: Sequence[InvoiceId],
    unpaid: Sequence[InvoiceId],
) -> list[NewOutboxMessage]:
    """The PSA records the invoice's date paid, or forgets it, where ``record_payments`` says.

    The message carries the date as the invoice has it after this change (none: not paid). A
    date forgotten goes to the PSA even when the change came from it: a void pulled from the
    PSA moves the money off the invoice, which the PSA cannot know by itself.
    """
    recording = [c for c in psa if HubSwitches.read(c.settings).record_payments]
    messages: list[NewOutboxMessage] = []
    for invoice_id in dict.fromkeys([*paid, *unpaid]) if recording else ():
        invoice = await uow.invoices.get(invoice_id)
        paid_on = invoice.date_paid.date() if invoice.date_paid else None
        message = InvoicePaidMessage(invoice_id, paid_on)
        messages += [
            NewOutboxMessage(c.id, "invoice", invoice_id, message)
            for c in recording
            if paid_on is None or c.id != uow.origin
        ]
    return messages


async def _notifications(
    uow: UnitOfWork,
    psa: Sequence[Connection],
    notify: Sequence[PaymentEvent],
    links: PortalLinks,
) -> list[NewOutboxMessage]:
    """PAY-13: the email is written here; a PSA ticket is a message to the PSA connection."""
    messages: list[NewOutboxMessage] = []
    for event in notify:
        notice = await notice_for(uow, event, links)
        if notice is None:
            continue
        if notice.email is not None:
            await uow.notifications.add(notice.email)
        ticket = TicketOpen(notice.organization_id, notice.title, notice.body, notice.kind.value)
        messages += [
            NewOutboxMessage(c.id, "payment", event.payment_id, ticket)
            for c in psa
            if notice.kind.value in _ticket_kinds(c)
        ]
    return messages


def _ticket_kinds(connection: Connection) -> list[str]:
    """PAY-13: which notifications open a PSA ticket on this connection (none by default)."""
    return list(HubSwitches.read(connection.settings).ticket_notifications)
