"""The values a payment is made of: its states, amounts, history entries and the request.

Kept apart from the aggregate (``payment.py``) so each stays readable; ``payment.py`` exports
them again, as the one face of payments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import NewType
from uuid import UUID

from domain.billing.invoice import InvoiceId
from domain.billing.methods import Environment, MethodDetails
from domain.crm.organization import ContactId, OrganizationId
from domain.shared.errors import DomainError, InvalidValue
from domain.shared.money import Money
from domain.shared.text import required_text

PaymentId = NewType("PaymentId", UUID)


class PaymentStatus(StrEnum):
    PENDING = "pending"  # sent to the gateway, no answer yet: its money is held on the invoice
    # The gateway turned the sale away unread (429): nothing charged, nothing held. The same
    # idempotency key sends it again, as this payment (PAY-15).
    UNSENT = "unsent"
    APPROVED = "approved"
    DECLINED = "declined"  # the gateway refused it: no money moved
    CANCELLED = "cancelled"  # did not settle, cancelled by a manager (PAY-7)


class DeclineReason(StrEnum):
    """Why the gateway refused a sale, for the API and the payment's history."""

    DECLINED = "declined"  # the issuer or the gateway said no
    # Refused as a repeat of a charge of the same method and amount made moments before (the
    # gateway's duplicate window): nothing was charged; charge again later if it was meant.
    DUPLICATE = "duplicate"


class SettlementState(StrEnum):
    NONE = "none"  # nothing to settle (pending, declined)
    PENDING = "pending"
    SETTLED = "settled"  # the money is collected: only now may it be refunded
    FAILED = "failed"  # never collected: a manager may only cancel the payment (PAY-7)


class PaymentRefused(DomainError):
    code = "payment_refused"


@dataclass(frozen=True)
class Amounts:
    sale: Decimal
    refund: Decimal
    applied: Decimal
    unapplied: Decimal

    def breaches(self) -> list[str]:
        """What of MON-4 and the payment identity these amounts break (nothing, normally)."""
        found = []
        if min(self.sale, self.refund, self.applied, self.unapplied) < 0:
            found.append(f"a negative amount: {self}")
        if self.sale - self.refund != self.applied + self.unapplied:
            found.append(f"sale - refund != applied + unapplied: {self}")
        return found

    def check(self) -> None:
        """A breach here is a bug, never user input."""
        if self.breaches():
            raise AssertionError(f"payment amounts broken: {self}")


NO_AMOUNTS = Amounts(Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), Decimal("0.00"))


@dataclass(frozen=True)
class HistoryEntry:
    """One change of a payment: who, when, what, and the amounts before and after."""

    at: datetime
    actor: str
    action: str
    before: Amounts
    after: Amounts
    note: str = ""
    status: PaymentStatus = PaymentStatus.PENDING


@dataclass(frozen=True)
class PendingRefund:
    """A refund on its way to the gateway (PAY-6): until the gateway answers, no money moves.

    ``invoice_id`` is where the rest of the unapplied money goes once the refund is made (an
    apply to a smaller invoice, PAY-4); None for a whole refund (PAY-5). ``gateway_before`` is
    what the gateway had refunded on the sale just before this one was sent, so that a lost
    answer can be told apart from a refund that never arrived.
    """

    amount: Decimal
    invoice_id: InvoiceId | None
    since: datetime
    gateway_before: Decimal


@dataclass(frozen=True, kw_only=True)
class PaymentRequest:
    """What a person asked for; replaying the same idempotency key must ask the same (PAY-15)."""

    invoice_id: InvoiceId
    organization_id: OrganizationId
    contact_id: ContactId
    amount: Money
    method_id: UUID
    method: MethodDetails
    environment: Environment
    idempotency_key: str

    def __post_init__(self) -> None:
        key = required_text(self.idempotency_key, "idempotency_key", 200)
        object.__setattr__(self, "idempotency_key", key)
        if self.amount.amount <= 0:
            raise InvalidValue(
                "a payment must be more than zero", rule="PAY-2", field="amount.amount"
            )
