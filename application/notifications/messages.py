"""What each payment notification says and to whom (PAY-13).

The email goes to the organization's billing contact (its default contact), or else to the
contact the payment was made for; with no address on either, only the PSA ticket is opened.
Messages name the invoice, the amount and the method's brand and last four, never more of it.
A receipt links to its page in the portal. Every email comes from the MSP (its branding).

"Your invoice is ready" goes to the billing contact once per invoice, when the accounting
system numbers it (it becomes payable, PAY-1) and the tenant's ``invoice_ready_emails`` is on,
with a link to the invoice's pay page.

An email's portal link is a sign-in link for the contact it goes to, landing on the page, where
staff let that contact into the portal already (``PortalLinks.signed_in``); any other contact's
email, and the PSA ticket's text, name the bare page, which signs nobody in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from application.crm.ports import ContactFilter
from application.identity.branding import branding_of
from application.notifications.links import PortalLinks
from application.notifications.signature import signed
from application.shared.errors import NotFound
from application.shared.pagination import PageRequest
from domain.billing.invoice import Invoice
from domain.billing.payment import (
    Payment,
    PaymentApproved,
    PaymentDeclined,
    PaymentEvent,
    PaymentSettlementFailed,
)
from domain.crm.contact import Contact
from domain.crm.organization import ContactId, OrganizationId
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


async def billing_contact(
    uow: UnitOfWork, organization_id: OrganizationId, fallback: ContactId | None = None
) -> Contact | None:
    """The organization's default contact, else ``fallback``: the first active one with an email."""
    organization = await uow.organizations.get(organization_id)
    for contact_id in (organization.default_contact_id, fallback):
        if contact_id is None:
            continue
        try:
            contact = await uow.contacts.get(contact_id)
        except NotFound:
            continue
        if contact.active and contact.email:
            return contact
    return None


async def _any_contact(uow: UnitOfWork, organization_id: OrganizationId) -> Contact | None:
    """With no default contact: the organization's first active contact with an email."""
    where = ContactFilter(organization_id=organization_id, active=True)
    found = await uow.contacts.list(where, PageRequest.parse(50, None))
    return next((c for c in found if c.email), None)


def _text(
    kind: NotificationKind, payment: Payment, invoice_number: str, reason: str, receipt: str
) -> str:
    method = f"{payment.method.brand} ending {payment.method.last4}"
    amount = f"{payment.currency.value} {payment.requested_amount}"
    if kind is NotificationKind.PAYMENT_RECEIVED:
        lines = [
            f"We received your payment of {amount} for invoice {invoice_number}.",
            f"Method: {method}. Transaction: {payment.transaction_id}.",
            f"Your receipt: {receipt}",
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


async def notice_for(uow: UnitOfWork, event: PaymentEvent, links: PortalLinks) -> Notice | None:
    kind = _kind(event)
    if kind is None:
        return None
    payment = await uow.payments.get(event.payment_id)
    invoice = await uow.invoices.get(payment.original_invoice_id)
    number = invoice.number or invoice.psa_number
    reason = getattr(event, "message", "") or payment.gateway_message
    title = _TITLES[kind].format(number)
    body = _text(kind, payment, number, reason, links.receipt(payment.id))
    contact = await billing_contact(uow, payment.organization_id, payment.contact_id)
    email = None
    if contact is not None and contact.email:
        branding = await branding_of(uow)
        mailed = body  # the ticket's text keeps the bare page: a sign-in link is the contact's
        if kind is NotificationKind.PAYMENT_RECEIVED:  # only a receipt links to the portal
            path = links.receipt_path(payment.id)
            receipt = await links.signed_in(uow, contact, path, event.occurred_at)
            mailed = _text(kind, payment, number, reason, receipt)
        email = Notification(
            id=new_id(),
            tenant_id=uow.tenant_id,
            kind=kind,
            subject_id=payment.id,
            to_address=contact.email,
            title=title,
            body=signed(f"Dear {contact.first_name},\n\n{mailed}", branding),
            created_at=event.occurred_at,
            sender_name=branding.name,
        )
    return Notice(kind, payment.organization_id, title, body, email)


async def invoice_ready(uow: UnitOfWork, invoice: Invoice, links: PortalLinks) -> None:
    """PAY-13: "your invoice is ready" with its pay link, once per invoice, where the tenant
    asks for it and the invoice is payable with something owed."""
    branding = await branding_of(uow)
    if not (branding.invoice_ready_emails and invoice.payable and invoice.balance.amount > 0):
        return
    if await uow.notifications.exists(NotificationKind.INVOICE_READY, invoice.id):
        return  # numbered again (a sync repeated, a new number): told once already
    contact = await billing_contact(uow, invoice.organization_id) or await _any_contact(
        uow, invoice.organization_id
    )
    if contact is None or not contact.email:
        return
    number = invoice.number or invoice.psa_number
    pay = await links.signed_in(uow, contact, links.pay_path(invoice.id), invoice.updated_at)
    due = f", due on {invoice.due_date:%d %B %Y}" if invoice.due_date else ""
    body = (
        f"Dear {contact.first_name},\n\n"
        f"Invoice {number} from {branding.name} is ready: "
        f"{invoice.currency.value} {invoice.balance.amount} to pay{due}.\n\n"
        f"See it and pay it in our billing portal:\n{pay}\n"
    )
    if branding.payment_terms:
        body += f"\n{branding.payment_terms}\n"
    await uow.notifications.add(
        Notification(
            id=new_id(),
            tenant_id=uow.tenant_id,
            kind=NotificationKind.INVOICE_READY,
            subject_id=invoice.id,
            to_address=contact.email,
            title=f"Invoice {number} from {branding.name} is ready to pay",
            body=signed(body, branding),
            created_at=invoice.updated_at,
            sender_name=branding.name,
        )
    )
