"""Operations that move money between a payment and invoices, each whole or not at all.

Every function checks all it needs from each aggregate before it changes any of them, so a
refusal leaves every amount as it was (MON-4). The application layer loads and locks the
aggregates, calls one of these, and saves them in one unit of work.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from domain.billing.invoice import ZERO, Invoice
from domain.billing.payment import (
    DeclineReason,
    Payment,
    PaymentId,
    PaymentRefused,
    PaymentRequest,
    PaymentStatus,
    SettlementState,
)
from domain.identity.tenant import TenantId
from domain.shared.errors import DomainError
from domain.shared.money import Money


def start_payment(
    invoice: Invoice,
    request: PaymentRequest,
    *,
    payment_id: PaymentId,
    tenant_id: TenantId,
    actor: str,
    now: datetime,
) -> Payment:
    """PAY-2: a sale of the amount, held on the invoice until the gateway answers."""
    if request.invoice_id != invoice.id or request.organization_id != invoice.organization_id:
        raise DomainError(
            "the payment is for another invoice", code="invoice_mismatch", field="invoice_id"
        )
    invoice.hold(request.amount)
    return Payment(id=payment_id, tenant_id=tenant_id, request=request, actor=actor, now=now)


def resend(invoice: Invoice, payment: Payment, actor: str, now: datetime) -> None:
    """An unsent sale asked for again with its key (PAY-15): held again, to be sent again."""
    if payment.status is not PaymentStatus.UNSENT or payment.invoice_id != invoice.id:
        raise AssertionError("only an unsent payment is sent again, on its own invoice")
    invoice.hold(payment.requested)
    payment.resend(actor, now)


def approved(
    invoice: Invoice,
    payment: Payment,
    *,
    transaction_id: str,
    message: str,
    code: str,
    now: datetime,
) -> None:
    """PAY-9: the gateway approved the sale; its money is applied to the invoice."""
    _require_pending_on(invoice, payment)
    payment.approve(transaction_id, message, code, now)
    invoice.settle_hold(payment.applied, now)


def declined(
    invoice: Invoice,
    payment: Payment,
    *,
    message: str,
    code: str,
    now: datetime,
    transaction_id: str | None = None,
    reason: DeclineReason = DeclineReason.DECLINED,
) -> None:
    """The gateway refused the sale: the payment failed, the invoice's money is free again."""
    _require_pending_on(invoice, payment)
    held = payment.applied
    payment.decline(message, code, now, transaction_id, reason)
    invoice.release(held)


def not_sent(invoice: Invoice, payment: Payment, *, message: str, now: datetime) -> None:
    """The gateway turned the sale away before reading it (429): nothing is held any more."""
    _require_pending_on(invoice, payment)
    held = payment.applied
    payment.not_sent(message, now)
    invoice.release(held)


def void_invoice(
    invoice: Invoice,
    payments: Sequence[Payment],
    actor: str,
    now: datetime,
    *,
    by_psa: bool = False,
) -> list[Payment]:
    """PAY-3: the invoice is void; each payment applied to it keeps its money as unapplied.

    A payment that failed to settle never collected its money, so it never becomes unapplied
    (PAY-7): a person voiding the invoice is told to cancel it first; a void made in the PSA
    (``by_psa``) leaves it on the void invoice, where only cancelling it takes it off.
    ``payments`` must be every payment whose money is on the invoice. Returns those moved.
    """
    on_invoice = [p for p in payments if p.invoice_id == invoice.id and p.applied_amount > 0]
    if any(p.status is not PaymentStatus.APPROVED for p in on_invoice):
        raise DomainError(
            "a payment on this invoice is still waiting for the gateway",
            code="payment_in_flight",
            rule="PAY-3",
        )
    uncollected = [p for p in on_invoice if p.settlement is SettlementState.FAILED]
    if uncollected and not by_psa:
        raise PaymentRefused(
            f"payment {uncollected[0].id} on this invoice did not settle at the gateway, so "
            "its money was never collected and cannot become unapplied: cancel it first",
            code="payment_not_collected",
            rule="PAY-7",
            field="invoice_id",
        )
    applied = sum((p.applied_amount for p in on_invoice), start=ZERO)
    if applied != invoice.applied_amount:
        raise AssertionError(
            f"invoice {invoice.id} has {invoice.applied} applied but its payments hold {applied}"
        )
    moved = [p for p in on_invoice if p not in uncollected]
    for payment in moved:
        payment.check_collected("moved off a voided invoice")
    invoice.void(now, uncollected=sum((p.applied_amount for p in uncollected), start=ZERO))
    for payment in moved:
        payment.invoice_voided(actor, now)
    return moved


def apply_elsewhere(payment: Payment, target: Invoice, actor: str, now: datetime) -> Money:
    """PAY-4: the unapplied amount pays ``target`` whole; any difference is refunded in the hub.

    Returns the refund (zero when the totals are equal).
    """
    _check_target(payment, target)
    refund = payment.apply_to(target.id, target.total, actor, now)
    target.take_unapplied(target.total, now)
    return refund


def send_refund(
    payment: Payment, target: Invoice | None, gateway_before: Decimal, actor: str, now: datetime
) -> Money:
    """PAY-6: a refund goes to the gateway before any money moves. ``target`` (an apply,
    PAY-4) is held whole meanwhile, so nothing else pays it. Returns the amount to refund."""
    if target is None:
        return payment.send_refund(None, gateway_before, actor, now)
    _check_target(payment, target)
    payment.refund_on_apply(target.total)  # every check, before anything changes
    target.hold(target.total)
    return payment.send_refund((target.id, target.total), gateway_before, actor, now)


def refund_made(
    payment: Payment, target: Invoice | None, transaction_id: str, now: datetime
) -> None:
    """The gateway made the refund: the payment's money moves as it was asked to."""
    pending = payment.pending_refund
    if pending is None or (target is not None and pending.invoice_id != target.id):
        raise AssertionError("the refund made must be the payment's pending one")
    if target is None:
        payment.complete_refund(transaction_id, now, None)
        return
    target.release(target.total)
    payment.complete_refund(transaction_id, now, target.total)
    target.take_unapplied(target.total, now)


def refund_not_made(payment: Payment, target: Invoice | None, reason: str, now: datetime) -> None:
    """The gateway refused the refund or never got it: every amount as it was (MON-4)."""
    pending = payment.pending_refund
    if pending is None or (target is not None and pending.invoice_id != target.id):
        raise AssertionError("the refund dropped must be the payment's pending one")
    if target is not None:
        target.release(target.total)
    payment.drop_refund(reason, now)


def cancel(payment: Payment, invoice: Invoice | None, actor: str, now: datetime) -> None:
    """PAY-7: all amounts to 0, the transaction id kept; the invoice back as before it."""
    applied = payment.applied
    if applied.amount > 0:
        if invoice is None or invoice.id != payment.invoice_id:
            raise AssertionError("cancel needs the invoice the payment is applied to")
        invoice.check_withdraw(applied)
    payment.cancel(actor, now)
    if invoice is not None and applied.amount > 0:
        invoice.withdraw(applied, now)


def _check_target(payment: Payment, target: Invoice) -> None:
    if payment.organization_id != target.organization_id:
        raise PaymentRefused(
            "the invoice belongs to another organization", rule="PAY-4", field="invoice_id"
        )
    payment.check_apply(target.total)
    target.check_take_unapplied(target.total)


def _require_pending_on(invoice: Invoice, payment: Payment) -> None:
    if payment.invoice_id != invoice.id:
        raise AssertionError("the gateway's answer needs the payment's own invoice")
    if payment.status is not PaymentStatus.PENDING:
        raise PaymentRefused(
            f"the payment is already {payment.status}", code="payment_state", field="payment_id"
        )
