"""What each payment notification says and to whom (PAY-13).

The email goes to the organization's billing contact (its default contact), or else to the
contact the payment was made for; with no address on either, only the PSA ticket is opened.
Messages name the invoice, the amount and the method's brand and last four, never more of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from application.shared.errors import NotFound
from domain.billing.payment import (
    Payment,
    PaymentApproved,
    PaymentDeclined,
    PaymentEvent,
    PaymentSettlementFailed,
)
from domain.crm.contact import Contact
from domain.crm.organization import OrganizationId
from domain.notifications.notification import Notification, NotificationKind
from domain.shared.ids import new_id

if TYPE_CHECKING:
    from application.shared.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Notice:
    kind: NotificationKind
    organization_id: OrganizationId
    title: str
    body: str
    email: Notification | None


def _kind(event: PaymentEvent) -> NotificationKind | None:
    if isinstance(event, PaymentApproved):
        return NotificationKind.PAYMENT_RECEIVED
    if isinstance(event, PaymentDeclined):
        return NotificationKind.PAYMENT_FAILED
    if isinstance(event, PaymentSettlementFailed):
        return NotificationKind.SETTLEMENT_FAILED
    return None


async def _recipient(uow: UnitOfWork, payment: Payment) -> Contact | None:
    organization = await uow.organizations.get(payment.organization_id)
    for contact_id in (organization.default_contact_id, payment.contact_id):
        if contact_id is None:
            continue
        try:
            contact = await uow.contacts.get(contact_id)
        except NotFound:
            continue
        if contact.active and contact.email:
            return contact
    return None


def _text(kind: NotificationKind, payment: Payment, invoice_number: str, reason: str) -> str:
    method = f"{payment.method.brand} ending {payment.method.last4}"
    amount = f"{payment.currency.value} {payment.requested_amount}"
    if kind is NotificationKind.PAYMENT_RECEIVED:
        lines = [
            f"We received your payment of {amount} for invoice {invoice_number}.",
            f"Method: {method}. Transaction: {payment.transaction_id}.",
        ]
    elif kind is NotificationKind.PAYMENT_FAILED:
        lines = [
            f"Your payment of {amount} for invoice {invoice_number} did not go through.",
            f"Method: {method}. The gateway said: {reason}.",
            "Nothing was charged. Please try again or use another method.",
        ]
    else:
        lines = [
            f"Your payment of {amount} for invoice {invoice_number} could not be settled by "
            "the bank after it was approved.",
            f"Method: {method}. The gateway said: {reason}.",
            "Please contact us to arrange another payment.",
        ]
    return "\n".join(lines) + "\n"


_TITLES = {
    NotificationKind.PAYMENT_RECEIVED: "Payment received for invoice {}",
    NotificationKind.PAYMENT_FAILED: "Payment failed for invoice {}",
    NotificationKind.SETTLEMENT_FAILED: "Payment for invoice {} did not settle",
}


async def notice_for(uow: UnitOfWork, event: PaymentEvent) -> Notice | None:
    kind = _kind(event)
    if kind is None:
        return None
    payment = await uow.payments.get(event.payment_id)
    invoice = await uow.invoices.get(payment.original_invoice_id)
    number = invoice.number or invoice.psa_number
    reason = getattr(event, "message", "") or payment.gateway_message
    title = _TITLES[kind].format(number)
    body = _text(kind, payment, number, reason)
    contact = await _recipient(uow, payment)
    email = None
    if contact is not None and contact.email:
        email = Notification(
            id=new_id(),
            tenant_id=uow.tenant_id,
            kind=kind,
            subject_id=payment.id,
            to_address=contact.email,
            title=title,
            body=f"Dear {contact.first_name},\n\n{body}",
            created_at=event.occurred_at,
        )
    return Notice(kind, payment.organization_id, title, body, email)
