"""The payment: one sale at the gateway and what became of its money (PAY-2..9, PAY-11, PAY-15).

Its amounts keep one identity after every operation: sale - refund = applied + unapplied, each
at least zero (MON-4). Each operation checks everything first and changes nothing when it
refuses; each change is appended to the payment's history with who did it and the amounts
before and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import NewType, TypedDict
from uuid import UUID

from domain.billing.invoice import ZERO, InvoiceId
from domain.billing.methods import Environment, MethodDetails, MethodKind
from domain.crm.organization import ContactId, OrganizationId
from domain.identity.tenant import TenantId
from domain.shared.errors import DomainError, InvalidValue
from domain.shared.events import Aggregate, DomainEvent
from domain.shared.money import Currency, Money
from domain.shared.text import required_text

PaymentId = NewType("PaymentId", UUID)


class PaymentStatus(StrEnum):
    PENDING = "pending"  # sent to the gateway, no answer yet: its money is held on the invoice
    APPROVED = "approved"
    DECLINED = "declined"  # the gateway refused it: no money moved
    CANCELLED = "cancelled"  # did not settle, cancelled by a manager (PAY-7)


class SettlementState(StrEnum):
    NONE = "none"  # nothing to settle (pending, declined)
    PENDING = "pending"
    SETTLED = "settled"
    FAILED = "failed"  # flagged: a manager may cancel the payment (PAY-7)


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
    from_invoice_id: InvoiceId | None


@dataclass(frozen=True, kw_only=True)
class PaymentCancelled(PaymentEvent):
    pass


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


class _EventFields(TypedDict):
    tenant_id: UUID
    occurred_at: datetime
    payment_id: PaymentId
    invoice_id: InvoiceId | None


class Payment(Aggregate):
    def __init__(
        self,
        *,
        id: PaymentId,
        tenant_id: TenantId,
        request: PaymentRequest,
        actor: str,
        now: datetime,
    ) -> None:
        self.id = id
        self.tenant_id = tenant_id
        self.invoice_id: InvoiceId | None = request.invoice_id
        self.original_invoice_id = request.invoice_id
        self.organization_id = request.organization_id
        self.contact_id = request.contact_id  # on whose behalf (PAY-11)
        self.environment = request.environment
        self.idempotency_key = request.idempotency_key
        self.method_id = request.method_id
        self.method_kind: MethodKind = request.method.kind
        self.method_brand = request.method.brand
        self.method_last4 = request.method.last4
        self.vault_id = request.method.vault_id
        self.currency: Currency = request.amount.currency
        self.status = PaymentStatus.PENDING
        self.settlement = SettlementState.NONE
        self.transaction_id: str | None = None
        self.gateway_message = ""
        self.gateway_code = ""
        self.created_by = actor
        self.created_at = now
        self.updated_at = now
        # PAY-2: a sale of the amount, applied whole to the invoice (held until approved).
        self.sale_amount = request.amount.amount
        self.refund_amount = ZERO
        self.applied_amount = request.amount.amount
        self.unapplied_amount = ZERO
        self.requested_amount = request.amount.amount
        self._log(now, actor, "requested", _nothing(), note=f"{request.amount}")

    # ---- reading

    @property
    def amounts(self) -> Amounts:
        return Amounts(
            self.sale_amount, self.refund_amount, self.applied_amount, self.unapplied_amount
        )

    def _money(self, amount: Decimal) -> Money:
        return Money(amount, self.currency)

    @property
    def sale(self) -> Money:
        return self._money(self.sale_amount)

    @property
    def refund(self) -> Money:
        return self._money(self.refund_amount)

    @property
    def applied(self) -> Money:
        return self._money(self.applied_amount)

    @property
    def unapplied(self) -> Money:
        return self._money(self.unapplied_amount)

    @property
    def method(self) -> MethodDetails:
        return MethodDetails(self.vault_id, self.method_kind, self.method_brand, self.method_last4)

    def asked_for(self, request: PaymentRequest) -> bool:
        """Whether a replay of this payment's idempotency key asks for the same payment."""
        return (
            request.invoice_id == self.original_invoice_id
            and request.amount == Money(self.requested_amount, self.currency)
            and request.method_id == self.method_id
            and request.contact_id == self.contact_id
        )

    # ---- the gateway's answers

    def approve(self, transaction_id: str, message: str, code: str, now: datetime) -> None:
        """The gateway approved the sale (PAY-9); it now waits to settle."""
        self._require(PaymentStatus.PENDING, "approved")
        before = self.amounts
        self.status = PaymentStatus.APPROVED
        self.settlement = SettlementState.PENDING
        self.transaction_id = required_text(transaction_id, "transaction_id", 100)
        self.gateway_message, self.gateway_code = message, code
        self._log(now, "gateway", "approved", before, note=f"transaction {transaction_id}")
        self.record(PaymentApproved(**self._event(now)))

    def decline(
        self, message: str, code: str, now: datetime, transaction_id: str | None = None
    ) -> None:
        """The gateway refused the sale: a failed payment that moved no money."""
        self._require(PaymentStatus.PENDING, "declined")
        before = self.amounts
        self.status = PaymentStatus.DECLINED
        self.transaction_id = transaction_id
        self.gateway_message, self.gateway_code = message, code
        self.sale_amount = self.applied_amount = ZERO
        self._log(now, "gateway", "declined", before, note=message)
        self.record(PaymentDeclined(**self._event(now), message=message))

    def settled(self, now: datetime) -> None:
        if self.settlement is not SettlementState.PENDING:
            return
        self.settlement = SettlementState.SETTLED
        self._log(now, "gateway", "settled", self.amounts)

    def settlement_failed(self, message: str, now: datetime) -> None:
        """Flag a sale the bank refused after approving it (PAY-7); a manager may cancel it."""
        if self.settlement is not SettlementState.PENDING:
            return
        self.settlement = SettlementState.FAILED
        self.gateway_message = message
        self._log(now, "gateway", "settlement_failed", self.amounts, note=message)
        self.record(PaymentSettlementFailed(**self._event(now), message=message))

    # ---- what staff do with it

    def invoice_voided(self, actor: str, now: datetime) -> None:
        """PAY-3: the payment stays; applied becomes 0 and unapplied takes it."""
        self._require(PaymentStatus.APPROVED, "moved off a voided invoice")
        before = self.amounts
        self.unapplied_amount += self.applied_amount
        self.applied_amount = ZERO
        from_invoice = self.invoice_id
        self.invoice_id = None
        self._log(now, actor, "invoice_voided", before, note=f"invoice {from_invoice}")
        self.record(PaymentReapplied(**self._event(now), from_invoice_id=from_invoice))

    def check_apply(self, target_total: Money) -> None:
        self._require(PaymentStatus.APPROVED, "applied elsewhere")
        if self.unapplied_amount <= 0:
            raise PaymentRefused(
                "the payment has no unapplied amount", rule="PAY-4", field="invoice_id"
            )
        if target_total.currency is not self.currency:
            raise InvalidValue(
                f"the payment is in {self.currency}, the invoice in {target_total.currency}",
                rule="MON-2",
                field="invoice_id",
            )
        if target_total.amount > self.unapplied_amount:
            raise PaymentRefused(
                f"the invoice's total {target_total} is above the unapplied "
                f"{self.unapplied}; it must be equal or lower",
                rule="PAY-4",
                field="invoice_id",
            )
        if target_total.amount <= 0:
            raise PaymentRefused("the invoice has nothing to pay", rule="PAY-4", field="invoice_id")

    def apply_to(
        self, invoice_id: InvoiceId, target_total: Money, actor: str, now: datetime
    ) -> Money:
        """PAY-4: applied = the other invoice's total; any difference is refunded.

        Returns the refund (zero when the totals are equal).
        """
        self.check_apply(target_total)
        before = self.amounts
        difference = self.unapplied_amount - target_total.amount
        self.applied_amount = target_total.amount
        self.refund_amount += difference
        self.unapplied_amount = ZERO
        self.invoice_id = invoice_id
        self._log(now, actor, "applied", before, note=f"invoice {invoice_id}")
        self.record(PaymentReapplied(**self._event(now), from_invoice_id=None))
        return self._money(difference)

    def refund_unapplied(self, actor: str, now: datetime, *, at_gateway: bool) -> Money:
        """PAY-5: the whole unapplied amount is refunded; unapplied becomes 0."""
        self._require(PaymentStatus.APPROVED, "refunded")
        if self.unapplied_amount <= 0:
            raise PaymentRefused(
                "only an unapplied amount can be refunded", rule="PAY-5", field="payment_id"
            )
        before = self.amounts
        refunded = self.unapplied
        self.refund_amount += self.unapplied_amount
        self.unapplied_amount = ZERO
        where = "at the gateway" if at_gateway else "in the hub only (PAY-6)"
        self._log(now, actor, "refunded", before, note=f"{refunded} {where}")
        self.record(PaymentRefunded(**self._event(now), amount=refunded, at_gateway=at_gateway))
        return refunded

    def cancel(self, actor: str, now: datetime) -> Money:
        """PAY-7: a sale that did not settle is undone; its transaction id stays.

        Returns what was applied to the invoice, for the invoice to take back.
        """
        if (
            self.status is not PaymentStatus.APPROVED
            or self.settlement is not SettlementState.FAILED
        ):
            reason = (
                "it has settled"
                if self.settlement is SettlementState.SETTLED
                else "the gateway has not reported it as failed to settle"
            )
            raise PaymentRefused(
                f"only a payment that did not settle can be cancelled; {reason}",
                rule="PAY-7",
                field="payment_id",
            )
        before = self.amounts
        withdrawn = self.applied
        self.sale_amount = self.refund_amount = ZERO
        self.applied_amount = self.unapplied_amount = ZERO
        self.status = PaymentStatus.CANCELLED
        self._log(now, actor, "cancelled", before)
        self.record(PaymentCancelled(**self._event(now)))
        return withdrawn

    # ---- inner workings

    def _require(self, status: PaymentStatus, what: str) -> None:
        if self.status is not status:
            raise PaymentRefused(
                f"a {self.status} payment cannot be {what}",
                code="payment_state",
                field="payment_id",
            )

    def pull_history(self) -> list[HistoryEntry]:
        """The entries added since the last pull, for the repository to append."""
        entries = self._new_history()
        self.__dict__["_history"] = []
        return entries

    def _new_history(self) -> list[HistoryEntry]:
        entries: list[HistoryEntry] = self.__dict__.setdefault("_history", [])
        return entries

    def _event(self, now: datetime) -> _EventFields:
        return {
            "tenant_id": self.tenant_id,
            "occurred_at": now,
            "payment_id": self.id,
            "invoice_id": self.invoice_id,
        }

    def _log(self, now: datetime, actor: str, action: str, before: Amounts, note: str = "") -> None:
        after = self.amounts
        after.check()
        self.updated_at = now
        self._new_history().append(
            HistoryEntry(now, actor, action, before, after, note, self.status)
        )


def _nothing() -> Amounts:
    return Amounts(ZERO, ZERO, ZERO, ZERO)
