"""The money's invariants over every invoice and payment at once, checked after the fact.

Each aggregate keeps its own rules one operation at a time; this audit checks they still hold
together after many concurrent operations: each payment's identity (MON-4), each invoice's
applied and held amounts against its payments, no invoice overpaid (PAY-2), one payment per
idempotency key and one charge per payment at the gateway (PAY-15). ``q2c bench payments``
runs it; a clean audit is an empty list.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from application.billing.repositories import InvoiceFilter, PaymentFilter
from application.shared.pagination import HasId, PageRequest
from application.shared.unit_of_work import UnitOfWork
from domain.billing.invoice import ZERO, Invoice, InvoiceId, InvoiceStatus
from domain.billing.payment import Payment, PaymentStatus

_PAGE = 500
T = TypeVar("T", bound=HasId)


@dataclass(frozen=True)
class Charge:
    """A sale the gateway took (approved, not failed): its order id is the payment's id."""

    order_id: str
    amount: Decimal


@dataclass(frozen=True)
class Violation:
    subject: str  # "payment <id>", "invoice <id>", "key <key>", "order <id>"
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.detail} ({self.rule})"


def audit(
    invoices: Sequence[Invoice],
    payments: Sequence[Payment],
    charges: Sequence[Charge] | None = None,
) -> list[Violation]:
    """Every broken invariant; ``charges`` (the gateway's sales) adds the one-charge checks."""
    found = [v for p in payments for v in _payment(p)]
    found += _keys(payments)
    on_invoice: defaultdict[InvoiceId, list[Payment]] = defaultdict(list)
    awaiting: defaultdict[InvoiceId, list[Payment]] = defaultdict(list)
    for payment in payments:
        if payment.invoice_id is not None:
            on_invoice[payment.invoice_id].append(payment)
        pending = payment.pending_refund
        if pending is not None and pending.invoice_id is not None:
            awaiting[pending.invoice_id].append(payment)
    found += [v for i in invoices for v in _invoice(i, on_invoice[i.id], awaiting[i.id])]
    if charges is not None:
        found += _charges(payments, charges)
    return found


def _payment(payment: Payment) -> list[Violation]:
    return [Violation(f"payment {payment.id}", "MON-4", b) for b in payment.amounts.breaches()]


def _keys(payments: Iterable[Payment]) -> list[Violation]:
    counts = Counter(p.idempotency_key for p in payments)
    return [
        Violation(f"key {key}", "PAY-15", f"{n} payments for one idempotency key")
        for key, n in counts.items()
        if n > 1
    ]


def _invoice(
    invoice: Invoice, payments: Sequence[Payment], awaiting: Sequence[Payment]
) -> list[Violation]:
    """``awaiting``: payments whose refund, once made, applies the rest to this invoice."""
    subject = f"invoice {invoice.id}"
    applied = _sum(p.applied_amount for p in payments if p.status is PaymentStatus.APPROVED)
    held = _sum(p.requested_amount for p in payments if p.status is PaymentStatus.PENDING)
    held += invoice.total_amount * len(awaiting)  # held whole until the gateway answers
    checks = [
        (invoice.applied_amount == applied, "MON-4", f"applied {invoice.applied_amount}, "
         f"its approved payments applied {applied}"),
        (invoice.held_amount >= 0, "MON-4", f"held {invoice.held_amount} is negative"),
        (invoice.held_amount == held, "MON-4", f"held {invoice.held_amount}, "
         f"its pending payments asked {held}"),
        (invoice.balance.amount >= 0, "PAY-2", f"overpaid: balance {invoice.balance}"),
        (invoice.available.amount >= 0, "PAY-2", f"over-held: {invoice.available} available"),
        (_status_agrees(invoice), "PAY-2", f"{invoice.status} with balance {invoice.balance}"),
    ]  # fmt: skip
    return [Violation(subject, rule, detail) for ok, rule, detail in checks if not ok]


def _status_agrees(invoice: Invoice) -> bool:
    if invoice.status is InvoiceStatus.VOID:  # only uncollected money stays on it (PAY-7)
        return invoice.balance.amount == 0 and invoice.date_paid is None
    return invoice.fully_applied == (invoice.status is InvoiceStatus.PAID)


def _charges(payments: Sequence[Payment], charges: Sequence[Charge]) -> list[Violation]:
    """One charge per approved payment, of its sale; none for a payment that took no money."""
    by_order: defaultdict[str, list[Decimal]] = defaultdict(list)
    for charge in charges:
        by_order[charge.order_id].append(charge.amount)
    found = [
        Violation(f"order {order}", "PAY-15", f"charged {len(amounts)} times: {amounts}")
        for order, amounts in by_order.items()
        if len(amounts) > 1
    ]
    known = {str(p.id) for p in payments}
    found += [
        Violation(f"order {order}", "PAY-15", "charged at the gateway with no payment in the hub")
        for order in by_order
        if order not in known
    ]
    for payment in payments:
        found += _charged(payment, by_order.get(str(payment.id), []))
    return found


def _charged(payment: Payment, amounts: Sequence[Decimal]) -> list[Violation]:
    subject = f"payment {payment.id}"
    if payment.status is PaymentStatus.APPROVED and list(amounts) != [payment.sale_amount]:
        return [Violation(subject, "PAY-9", f"sale {payment.sale_amount}, charged {amounts}")]
    taken_none = payment.status in (
        PaymentStatus.DECLINED,
        PaymentStatus.UNSENT,
        PaymentStatus.CANCELLED,
    )
    if taken_none and amounts:
        return [Violation(subject, "PAY-9", f"{payment.status} yet charged {list(amounts)}")]
    return []


def _sum(amounts: Iterable[Decimal]) -> Decimal:
    return sum(amounts, start=ZERO)


async def everything(uow: UnitOfWork) -> tuple[list[Invoice], list[Payment]]:
    """Every invoice and payment of the unit of work's tenant, page by page."""
    invoices = await _all(lambda page: uow.invoices.list(InvoiceFilter(), page))
    payments = await _all(lambda page: uow.payments.list(PaymentFilter(), page))
    return invoices, payments


async def _all(fetch: Callable[[PageRequest], Awaitable[list[T]]]) -> list[T]:
    found: list[T] = []
    while True:
        rows = await fetch(PageRequest(limit=_PAGE, after=found[-1].id if found else None))
        found += rows[:_PAGE]
        if len(rows) <= _PAGE:  # a repository returns one row more when there are more
            return found
