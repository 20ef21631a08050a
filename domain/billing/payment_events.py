"""What happens to a payment, as events: the sync policy turns them into messages (PAY-9, PAY-13).

Every event that changes where a payment's money sits (approved, moved off a voided invoice,
applied elsewhere, refunded, cancelled) makes the accounting system follow the payment.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.billing.invoice import InvoiceId
from domain.billing.payment_parts import PaymentId
from domain.shared.events import DomainEvent
from domain.shared.money import Money


@dataclass(frozen=True, kw_only=True)
class PaymentEvent(DomainEvent):
    payment_id: PaymentId
    invoice_id: InvoiceId | None


@dataclass(frozen=True, kw_only=True)
class PaymentApproved(PaymentEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class PaymentDeclined(PaymentEvent):
    message: str


@dataclass(frozen=True, kw_only=True)
class PaymentSettlementFailed(PaymentEvent):
    message: str


@dataclass(frozen=True, kw_only=True)
class PaymentRefunded(PaymentEvent):
    amount: Money
    at_gateway: bool


@dataclass(frozen=True, kw_only=True)
class PaymentReapplied(PaymentEvent):
    """The money moved: off a voided invoice (``from_invoice_id``), or onto ``invoice_id``."""

    from_invoice_id: InvoiceId | None


@dataclass(frozen=True, kw_only=True)
class PaymentCancelled(PaymentEvent):
    pass


# Events after which the accounting system must hold the payment as the hub now does.
MONEY_MOVED = (PaymentApproved, PaymentReapplied, PaymentRefunded, PaymentCancelled)
