"""The payment: one sale at the gateway and what became of its money (PAY-2..9, PAY-11, PAY-15).

Its amounts keep one identity after every operation: sale - refund = applied + unapplied, each
at least zero (MON-4). Each operation checks everything first and changes nothing when it
refuses; each change is appended to the payment's history with who did it and the amounts
before and after.

Only money that was collected moves: a payment whose settlement failed can only be cancelled
(PAY-7), and a refund needs a settled sale. A refund sent to the gateway is *pending* until the
gateway answers; until then its money stays where it was and nothing else may move it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TypedDict
from uuid import UUID

from domain.billing.invoice import ZERO, InvoiceId
from domain.billing.methods import MethodDetails, MethodKind
from domain.billing.payment_events import (
    PaymentApproved,
    PaymentCancelled,
    PaymentDeclined,
    PaymentEvent,
    PaymentReapplied,
    PaymentRefunded,
    PaymentSettlementFailed,
)
from domain.billing.payment_parts import (
    NO_AMOUNTS,
    Amounts,
    DeclineReason,
    HistoryEntry,
    PaymentId,
    PaymentRefused,
    PaymentRequest,
    PaymentStatus,
    PendingRefund,
    SettlementState,
)
from domain.identity.tenant import TenantId
from domain.shared.errors import InvalidValue
from domain.shared.events import Aggregate
from domain.shared.money import Currency, Money
from domain.shared.text import required_text

__all__ = [
    "Amounts",
    "DeclineReason",
    "HistoryEntry",
    "Payment",
    "PaymentApproved",
    "PaymentCancelled",
    "PaymentDeclined",
    "PaymentEvent",
    "PaymentId",
    "PaymentReapplied",
    "PaymentRefunded",
    "PaymentRefused",
    "PaymentRequest",
    "PaymentSettlementFailed",
    "PaymentStatus",
    "PendingRefund",
    "SettlementState",
]


class _EventFields(TypedDict):
    tenant_id: UUID
    occurred_at: datetime
    payment_id: PaymentId
    invoice_id: InvoiceId | None


class Payment(Aggregate):
    # A refund sent to the gateway and not answered yet (``pending_refund``); set by
    # ``_clear_pending_refund`` and ``send_refund``, declared here for type checkers.
    pending_refund_amount: Decimal
    pending_refund_invoice_id: InvoiceId | None
    pending_refund_since: datetime | None
    pending_refund_baseline: Decimal

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
        self.refunded_at_gateway = ZERO  # the part of refund_amount the gateway confirmed
        self._clear_pending_refund()
        self._log(now, actor, "requested", NO_AMOUNTS, note=f"{request.amount}")

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
    def requested(self) -> Money:
        return self._money(self.requested_amount)

    @property
    def decline_reason(self) -> DeclineReason | None:
        if self.status is not PaymentStatus.DECLINED:
            return None
        if self.gateway_code == DeclineReason.DUPLICATE.value:
            return DeclineReason.DUPLICATE
        return DeclineReason.DECLINED

    @property
    def method(self) -> MethodDetails:
        return MethodDetails(self.vault_id, self.method_kind, self.method_brand, self.method_last4)

    @property
    def pending_refund(self) -> PendingRefund | None:
        if self.pending_refund_since is None:
            return None
        return PendingRefund(
            self.pending_refund_amount,
            self.pending_refund_invoice_id,
            self.pending_refund_since,
            self.pending_refund_baseline,
        )

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
        self,
        message: str,
        code: str,
        now: datetime,
        transaction_id: str | None = None,
        reason: DeclineReason = DeclineReason.DECLINED,
    ) -> None:
        """The gateway refused the sale: a failed payment that moved no money. A duplicate
        refusal keeps its reason as the code, and its history says so."""
        self._require(PaymentStatus.PENDING, "declined")
        before = self.amounts
        self.status = PaymentStatus.DECLINED
        self.transaction_id = transaction_id
        duplicate = reason is DeclineReason.DUPLICATE
        self.gateway_message, self.gateway_code = message, reason.value if duplicate else code
        self.sale_amount = self.applied_amount = ZERO
        action = "refused_as_duplicate" if duplicate else "declined"
        self._log(now, "gateway", action, before, note=message)
        self.record(PaymentDeclined(**self._event(now), message=message))

    def not_sent(self, message: str, now: datetime) -> None:
        """The gateway turned the sale away unread (429): nothing charged, nothing held."""
        self._require(PaymentStatus.PENDING, "marked unsent")
        before = self.amounts
        self.status = PaymentStatus.UNSENT
        self.gateway_message, self.gateway_code = message, "429"
        self.sale_amount = self.applied_amount = ZERO
        self._log(now, "gateway", "not_sent", before, note=message)

    def resend(self, actor: str, now: datetime) -> None:
        """The same idempotency key again after an unsent sale: this payment is sent again."""
        self._require(PaymentStatus.UNSENT, "sent again")
        before = self.amounts
        self.status = PaymentStatus.PENDING
        self.gateway_message = self.gateway_code = ""
        self.sale_amount = self.applied_amount = self.requested_amount
        self._log(now, actor, "resent", before, note=f"{self.requested}")

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

    def check_collected(self, what: str) -> None:
        """Only money that was collected moves; nothing moves while a refund is on its way."""
        if self.status is PaymentStatus.CANCELLED:
            raise PaymentRefused(
                f"the payment is cancelled: it cannot be {what}",
                code="payment_state",
                field="payment_id",
            )
        self._require(PaymentStatus.APPROVED, what)
        if self.settlement is SettlementState.FAILED:
            raise PaymentRefused(
                "the payment did not settle at the gateway, so its money was never collected: "
                f"it cannot be {what}, only cancelled",
                code="payment_not_collected",
                rule="PAY-7",
                field="payment_id",
            )
        pending = self.pending_refund
        if pending is not None:
            raise PaymentRefused(
                f"a refund of {self._money(pending.amount)} is on its way to the gateway; "
                "nothing else can move this payment's money until the gateway answers",
                code="refund_in_flight",
                rule="MON-4",
                field="payment_id",
            )

    def invoice_voided(self, actor: str, now: datetime) -> None:
        """PAY-3: the payment stays; applied becomes 0 and unapplied takes it."""
        self.check_collected("moved off a voided invoice")
        before = self.amounts
        self.unapplied_amount += self.applied_amount
        self.applied_amount = ZERO
        from_invoice = self.invoice_id
        self.invoice_id = None
        self._log(now, actor, "invoice_voided", before, note=f"invoice {from_invoice}")
        self.record(PaymentReapplied(**self._event(now), from_invoice_id=from_invoice))

    def refund_on_apply(self, target_total: Money) -> Money:
        """What applying to an invoice of ``target_total`` would refund (PAY-4), once checked."""
        self.check_apply(target_total)
        return self._money(self.unapplied_amount - target_total.amount)

    def check_apply(self, target_total: Money) -> None:
        self.check_collected("applied elsewhere")
        self._require_unapplied("applied to another invoice", "PAY-4", "invoice_id")
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
        if target_total.amount < self.unapplied_amount:
            self._require_settled(
                f"applying it to this invoice refunds "
                f"{self._money(self.unapplied_amount - target_total.amount)}",
                "PAY-4",
            )

    def apply_to(
        self, invoice_id: InvoiceId, target_total: Money, actor: str, now: datetime
    ) -> Money:
        """PAY-4: applied = the other invoice's total; any difference is refunded in the hub.

        Returns the refund (zero when the totals are equal).
        """
        self.check_apply(target_total)
        return self._apply(invoice_id, target_total.amount, actor, now, at_gateway=None)

    def check_refund(self) -> None:
        self.check_collected("refunded")
        self._require_unapplied("refunded", "PAY-5", "payment_id")
        self._require_settled("a refund", "PAY-5")

    def refund_unapplied(self, actor: str, now: datetime, *, at_gateway: bool) -> Money:
        """PAY-5: the whole unapplied amount is refunded; unapplied becomes 0.

        ``at_gateway`` False: recorded in the hub only, for a person to issue at the gateway
        (PAY-6); True is for a refund the gateway has already made (``complete_refund``).
        """
        self.check_refund()
        return self._refund_whole(actor, now, at_gateway=at_gateway, transaction=None)

    def send_refund(
        self,
        target: tuple[InvoiceId, Money] | None,
        gateway_before: Decimal,
        actor: str,
        now: datetime,
    ) -> Money:
        """A refund goes to the gateway (PAY-6): the apply to ``target`` (PAY-4) or the whole
        refund (PAY-5) waits for its answer. Returns the amount to refund."""
        if target is None:
            self.check_refund()
            amount = self.unapplied_amount
        else:
            amount = self.refund_on_apply(target[1]).amount
            if amount <= 0:
                raise PaymentRefused(
                    "applying to this invoice refunds nothing", code="nothing_to_refund"
                )
        self.pending_refund_amount = amount
        self.pending_refund_invoice_id = None if target is None else target[0]
        self.pending_refund_since = now
        self.pending_refund_baseline = gateway_before
        where = "" if target is None else f", then the rest applied to invoice {target[0]}"
        self._log(now, actor, "refund_sent", self.amounts, note=f"{self._money(amount)}{where}")
        return self._money(amount)

    def complete_refund(
        self, transaction_id: str, now: datetime, target_total: Money | None
    ) -> None:
        """The gateway made the pending refund: the money moves as it was asked to."""
        pending = self._require_pending_refund()
        self._clear_pending_refund()
        self.refunded_at_gateway += pending.amount
        reference = f"gateway refund {transaction_id}"
        if pending.invoice_id is None:
            self._refund_whole("gateway", now, at_gateway=True, transaction=reference)
            return
        if target_total is None or target_total.amount != self.unapplied_amount - pending.amount:
            raise AssertionError("the refund's invoice total changed while the refund was sent")
        self._apply(pending.invoice_id, target_total.amount, "gateway", now, at_gateway=reference)

    def drop_refund(self, reason: str, now: datetime) -> PendingRefund:
        """The gateway refused the refund, or never got it: every amount stays as it was."""
        pending = self._require_pending_refund()
        self._clear_pending_refund()
        self._log(now, "gateway", "refund_not_made", self.amounts, note=reason)
        return pending

    def cancel(self, actor: str, now: datetime) -> Money:
        """PAY-7: a sale that did not settle is undone; its transaction id stays.

        Returns what was applied to the invoice, for the invoice to take back.
        """
        if self.status is PaymentStatus.CANCELLED:
            raise PaymentRefused(
                "the payment is already cancelled", code="payment_state", field="payment_id"
            )
        if (
            self.status is not PaymentStatus.APPROVED
            or self.settlement is not SettlementState.FAILED
        ):
            raise PaymentRefused(
                f"only a payment that did not settle can be cancelled; {self._why_not_failed()}",
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

    def _apply(
        self,
        invoice_id: InvoiceId,
        total: Decimal,
        actor: str,
        now: datetime,
        *,
        at_gateway: str | None,
    ) -> Money:
        before = self.amounts
        difference = self.unapplied_amount - total
        self.applied_amount = total
        self.refund_amount += difference
        self.unapplied_amount = ZERO
        self.invoice_id = invoice_id
        refunded = self._money(difference)
        where = f"; {refunded} refunded ({at_gateway or 'in the hub only, PAY-6'})"
        note = f"invoice {invoice_id}" + (where if difference else "")
        self._log(now, actor, "applied", before, note=note)
        self.record(PaymentReapplied(**self._event(now), from_invoice_id=None))
        if difference:
            event = PaymentRefunded(
                **self._event(now), amount=refunded, at_gateway=at_gateway is not None
            )
            self.record(event)
        return refunded

    def _refund_whole(
        self, actor: str, now: datetime, *, at_gateway: bool, transaction: str | None
    ) -> Money:
        before = self.amounts
        refunded = self.unapplied
        self.refund_amount += self.unapplied_amount
        self.unapplied_amount = ZERO
        where = (transaction or "at the gateway") if at_gateway else "in the hub only (PAY-6)"
        self._log(now, actor, "refunded", before, note=f"{refunded} {where}")
        self.record(PaymentRefunded(**self._event(now), amount=refunded, at_gateway=at_gateway))
        return refunded

    def _require_unapplied(self, what: str, rule: str, field: str) -> None:
        if self.unapplied_amount > 0:
            return
        if self.applied_amount > 0:
            raise PaymentRefused(
                f"the payment's money is applied to invoice {self.invoice_id}: void that "
                f"invoice first to free it (PAY-3); only unapplied money can be {what}",
                code="payment_applied",
                rule=rule,
                field=field,
            )
        raise PaymentRefused(
            f"the payment has no unapplied amount to be {what}", rule=rule, field=field
        )

    def _require_settled(self, what: str, rule: str) -> None:
        if self.settlement is not SettlementState.SETTLED:
            raise PaymentRefused(
                f"{what} needs the sale to have settled at the gateway, so that the money was "
                "collected; it has not settled yet",
                code="payment_not_settled",
                rule=rule,
                field="payment_id",
            )

    def _require_pending_refund(self) -> PendingRefund:
        pending = self.pending_refund
        if pending is None:
            raise PaymentRefused(
                "no refund of this payment is waiting for the gateway",
                code="payment_state",
                field="payment_id",
            )
        return pending

    def _clear_pending_refund(self) -> None:
        self.pending_refund_amount = ZERO
        self.pending_refund_invoice_id = None
        self.pending_refund_since = None
        self.pending_refund_baseline = ZERO

    def _why_not_failed(self) -> str:
        if self.settlement is SettlementState.SETTLED:
            return "it has settled, so its money was collected"
        if self.status is not PaymentStatus.APPROVED:
            return f"it is {self.status}, not an approved sale"
        return "the gateway has not reported it as failed to settle"

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
