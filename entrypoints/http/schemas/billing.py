"""Bodies of invoices, payments and payment methods. Money is a decimal string with a currency."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from msgspec import Meta

from application.billing.actions import RefundOutcome
from application.billing.methods import NewMethod
from application.billing.ports import BillingContact
from application.billing.queries import PaymentWithHistory
from domain.billing.invoice import Invoice
from domain.billing.methods import Environment, MethodKind, PaymentMethod
from domain.billing.payment import Amounts, HistoryEntry, Payment
from domain.crm.organization import OrganizationId
from domain.shared.money import Money
from entrypoints.http.schemas.common import Input, MoneyBody, MoneyOut, Output


def _money(money: Money) -> MoneyOut:
    out = MoneyOut.of(money)
    assert out is not None
    return out


class InvoiceOut(Output, frozen=True):
    id: UUID
    organization_id: UUID
    psa_number: str
    number: str | None  # the accounting system's number; payable only once set (PAY-1)
    status: str
    payable: bool
    total: MoneyOut
    applied: MoneyOut
    balance: MoneyOut
    held: MoneyOut  # taken by payments still waiting for the gateway
    invoice_date: date
    due_date: date | None
    date_paid: datetime | None

    @classmethod
    def of(cls, invoice: Invoice) -> InvoiceOut:
        return cls(
            id=invoice.id,
            organization_id=invoice.organization_id,
            psa_number=invoice.psa_number,
            number=invoice.number,
            status=invoice.status.value,
            payable=invoice.payable,
            total=_money(invoice.total),
            applied=_money(invoice.applied),
            balance=_money(invoice.balance),
            held=_money(invoice.held),
            invoice_date=invoice.invoice_date,
            due_date=invoice.due_date,
            date_paid=invoice.date_paid,
        )


class AmountsOut(Output, frozen=True):
    sale: str
    refund: str
    applied: str
    unapplied: str

    @classmethod
    def of(cls, amounts: Amounts) -> AmountsOut:
        return cls(
            sale=str(amounts.sale),
            refund=str(amounts.refund),
            applied=str(amounts.applied),
            unapplied=str(amounts.unapplied),
        )


class HistoryOut(Output, frozen=True):
    at: datetime
    actor: str
    action: str
    status: str
    note: str
    before: AmountsOut
    after: AmountsOut

    @classmethod
    def of(cls, entry: HistoryEntry) -> HistoryOut:
        return cls(
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            status=str(entry.status),
            note=entry.note,
            before=AmountsOut.of(entry.before),
            after=AmountsOut.of(entry.after),
        )


class MethodSummary(Output, frozen=True):
    kind: str
    brand: str
    last4: str


class PendingRefundOut(Output, frozen=True):
    """A refund sent to the gateway and not answered yet: no money has moved (PAY-6, MON-4)."""

    amount: MoneyOut
    invoice_id: UUID | None  # where the rest goes once it is made (an apply, PAY-4)
    since: datetime

    @classmethod
    def of(cls, payment: Payment) -> PendingRefundOut | None:
        pending = payment.pending_refund
        if pending is None:
            return None
        return cls(
            amount=_money(Money(pending.amount, payment.currency)),
            invoice_id=pending.invoice_id,
            since=pending.since,
        )


class PaymentOut(Output, frozen=True):
    id: UUID
    invoice_id: UUID | None
    original_invoice_id: UUID
    organization_id: UUID
    contact_id: UUID  # on whose behalf (PAY-11)
    environment: str
    status: str
    settlement: str
    transaction_id: str | None
    gateway_message: str
    decline_reason: str | None  # a declined payment: declined | duplicate (refused as a repeat)
    currency: str
    amounts: AmountsOut
    refunded_at_gateway: str  # the part of the refund the gateway confirmed
    pending_refund: PendingRefundOut | None
    method: MethodSummary
    created_by: str
    created_at: datetime
    history: list[HistoryOut] | None = None

    @classmethod
    def of(cls, payment: Payment, history: list[HistoryEntry] | None = None) -> PaymentOut:
        return cls(
            id=payment.id,
            invoice_id=payment.invoice_id,
            original_invoice_id=payment.original_invoice_id,
            organization_id=payment.organization_id,
            contact_id=payment.contact_id,
            environment=payment.environment.value,
            status=payment.status.value,
            settlement=payment.settlement.value,
            transaction_id=payment.transaction_id,
            gateway_message=payment.gateway_message,
            decline_reason=None if payment.decline_reason is None else payment.decline_reason.value,
            currency=payment.currency.value,
            amounts=AmountsOut.of(payment.amounts),
            refunded_at_gateway=str(payment.refunded_at_gateway),
            pending_refund=PendingRefundOut.of(payment),
            method=MethodSummary(
                kind=payment.method_kind.value,
                brand=payment.method_brand,
                last4=payment.method_last4,
            ),
            created_by=payment.created_by,
            created_at=payment.created_at,
            history=None if history is None else [HistoryOut.of(h) for h in history],
        )

    @classmethod
    def full(cls, found: PaymentWithHistory) -> PaymentOut:
        return cls.of(found.payment, found.history)


class PaymentIn(Input, frozen=True):
    method_id: UUID
    contact_id: UUID | None = None  # staff: required, on whose behalf (PAY-11)
    amount: MoneyBody | None = None  # absent: the whole balance (PAY-2)


class ApplyIn(Input, frozen=True):
    invoice_id: UUID


class RefundOut(Output, frozen=True):
    payment: PaymentOut
    refunded: MoneyOut
    # none | recorded (in the hub only: issue it at the gateway, PAY-6) | made (by the
    # gateway) | pending (sent, its answer lost: the hub asks the gateway, then moves the money)
    refund_status: str
    sent_to_gateway: bool  # made by the gateway
    instruction: str  # PAY-6: what to do at the gateway when the hub did not send it

    @classmethod
    def of(cls, outcome: RefundOutcome) -> RefundOut:
        return cls(
            payment=PaymentOut.of(outcome.payment),
            refunded=_money(outcome.refunded),
            refund_status=outcome.status.value,
            sent_to_gateway=outcome.at_gateway,
            instruction=outcome.instruction,
        )


class MethodTokenIn(Input, frozen=True):
    """A method as the gateway tokenized it in the browser, with the name it bears."""

    payment_token: Annotated[str, Meta(min_length=1, max_length=255)]  # never a card (PAY-8)
    first_name: Annotated[str, Meta(min_length=1, max_length=50)]
    last_name: Annotated[str, Meta(min_length=1, max_length=50)]
    company: Annotated[str, Meta(max_length=100)] = ""
    email: Annotated[str, Meta(max_length=254)] = ""
    # What the gateway's tokenizer said it tokenized; the portal must say it (PAY-8: a kind not
    # enabled is refused before anything is vaulted).
    kind: Literal["card", "echeck"] | None = None

    def to_new(
        self, organization_id: OrganizationId, environment: Environment = Environment.STAFF
    ) -> NewMethod:
        return NewMethod(
            organization_id=organization_id,
            payment_token=self.payment_token,
            kind=None if self.kind is None else MethodKind(self.kind),
            environment=environment,
            contact=BillingContact(
                first_name=self.first_name,
                last_name=self.last_name,
                company=self.company,
                email=self.email,
            ),
        )


class MethodIn(MethodTokenIn, frozen=True, kw_only=True):
    organization_id: UUID  # staff name it; a portal token's organization is its own


class MethodOut(Output, frozen=True):
    id: UUID
    organization_id: UUID
    kind: str
    brand: str
    last4: str
    created_at: datetime

    @classmethod
    def of(cls, method: PaymentMethod) -> MethodOut:
        return cls(
            id=method.id,
            organization_id=method.organization_id,
            kind=method.kind.value,
            brand=method.brand,
            last4=method.last4,
            created_at=method.created_at,
        )
