"""The invoice: made in the PSA, numbered by the accounting system, paid in the hub (PAY-1..7).

Amounts are kept as exact decimals in the invoice's currency and read as ``Money``. The balance
is the total less what approved payments applied; money held by payments still waiting for the
gateway is not yet applied, but no other payment may take it (``available``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import NewType
from uuid import UUID

from domain.crm.organization import OrganizationId
from domain.identity.tenant import TenantId
from domain.shared.errors import DomainError, InvalidValue
from domain.shared.events import Aggregate, DomainEvent
from domain.shared.money import Money
from domain.shared.text import required_text

InvoiceId = NewType("InvoiceId", UUID)
ZERO = Decimal("0.00")


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    VOID = "void"


class InvoiceNotPayable(DomainError):
    code = "invoice_not_payable"


class AmountNotAllowed(InvalidValue):
    code = "amount_not_allowed"


@dataclass(frozen=True, kw_only=True)
class InvoiceImported(DomainEvent):
    invoice_id: InvoiceId


@dataclass(frozen=True, kw_only=True)
class InvoiceChanged(DomainEvent):
    """The PSA changed the invoice (total, dates) after it was imported."""

    invoice_id: InvoiceId


@dataclass(frozen=True, kw_only=True)
class InvoiceNumbered(DomainEvent):
    invoice_id: InvoiceId
    number: str


@dataclass(frozen=True, kw_only=True)
class InvoiceVoided(DomainEvent):
    invoice_id: InvoiceId
    was_paid: bool = False  # it had a date paid, which the PSA must forget too


@dataclass(frozen=True, kw_only=True)
class InvoicePaid(DomainEvent):
    """Payments now cover the whole total: the PSA may record the invoice as paid."""

    invoice_id: InvoiceId


@dataclass(frozen=True, kw_only=True)
class InvoiceReopened(DomainEvent):
    """Paid no longer (a payment on it was cancelled, PAY-7): the PSA's date paid goes too."""

    invoice_id: InvoiceId


@dataclass(frozen=True, kw_only=True)
class InvoiceDetails:
    """What the PSA says of an invoice; re-imported on every change there."""

    psa_number: str
    organization_id: OrganizationId
    total: Money
    invoice_date: date
    due_date: date | None = None
    description: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "psa_number", required_text(self.psa_number, "psa_number", 50))
        if self.total.is_negative():
            raise InvalidValue("an invoice total cannot be negative", rule="MON-4", field="total")


class Invoice(Aggregate):
    def __init__(
        self, *, id: InvoiceId, tenant_id: TenantId, details: InvoiceDetails, now: datetime
    ) -> None:
        self.id = id
        self.tenant_id = tenant_id
        self.currency = details.total.currency
        self.status = InvoiceStatus.OPEN
        self.number: str | None = None
        self.accounting_id: str | None = None
        self.applied_amount = ZERO
        self.held_amount = ZERO
        self.date_paid: datetime | None = None
        self.created_at = now
        self.updated_at = now
        self._take(details)
        self.record(InvoiceImported(tenant_id=tenant_id, occurred_at=now, invoice_id=id))

    # Set by _take, declared for type checkers.
    psa_number: str
    organization_id: OrganizationId
    total_amount: Decimal
    invoice_date: date
    due_date: date | None
    description: str

    @property
    def total(self) -> Money:
        return Money(self.total_amount, self.currency)

    @property
    def applied(self) -> Money:
        return Money(self.applied_amount, self.currency)

    @property
    def held(self) -> Money:
        return Money(self.held_amount, self.currency)

    @property
    def balance(self) -> Money:
        """Total less what approved payments applied; a void invoice owes nothing."""
        if self.status is InvoiceStatus.VOID:
            return Money(ZERO, self.currency)
        return Money(self.total_amount - self.applied_amount, self.currency)

    @property
    def available(self) -> Money:
        """What a new payment may take: the balance less payments waiting for the gateway."""
        return Money(self.balance.amount - self.held_amount, self.currency)

    @property
    def fully_applied(self) -> bool:
        """Approved payments cover the whole (non-zero) total: what makes an invoice paid."""
        return self.total_amount > 0 and self.applied_amount >= self.total_amount

    @property
    def payable(self) -> bool:
        """PAY-1: numbered by the accounting system, no date paid, not void."""
        return (
            self.status is InvoiceStatus.OPEN and self.number is not None and self.date_paid is None
        )

    def revise(self, details: InvoiceDetails, now: datetime) -> bool:
        """The PSA's newer version of the invoice; False when nothing changed.

        A new total may not fall below what payments already took.
        """
        if details == self.details:
            return False
        if details.total.currency is not self.currency:
            raise InvalidValue(
                f"the invoice is in {self.currency}; the PSA now says {details.total.currency}",
                rule="MON-1",
                field="total",
            )
        taken = self.applied_amount + self.held_amount
        if details.total.amount < taken:
            raise AmountNotAllowed(
                f"the new total {details.total} is below the {self.currency} {taken} already paid",
                rule="MON-4",
                field="total",
            )
        self._take(details)
        self._settle_status(now)
        self.updated_at = now
        self.record(InvoiceChanged(tenant_id=self.tenant_id, occurred_at=now, invoice_id=self.id))
        return True

    @property
    def details(self) -> InvoiceDetails:
        return InvoiceDetails(
            psa_number=self.psa_number,
            organization_id=self.organization_id,
            total=self.total,
            invoice_date=self.invoice_date,
            due_date=self.due_date,
            description=self.description,
        )

    def numbered(self, number: str, accounting_id: str, now: datetime) -> None:
        """The accounting system holds the invoice and gave its number (PAY-1)."""
        number = required_text(number, "number", 50)
        if self.number == number and self.accounting_id == accounting_id:
            return
        self.number = number
        self.accounting_id = accounting_id
        self.updated_at = now
        self.record(
            InvoiceNumbered(
                tenant_id=self.tenant_id, occurred_at=now, invoice_id=self.id, number=number
            )
        )

    def check_payable(self) -> None:
        """Why no payment at all can be taken now, whatever its amount (PAY-1, PAY-2, PAY-3)."""
        if self.status is InvoiceStatus.VOID:
            raise InvoiceNotPayable("the invoice is void", rule="PAY-3", field="invoice_id")
        if self.status is InvoiceStatus.PAID or self.date_paid is not None:
            raise InvoiceNotPayable("the invoice is already paid", rule="PAY-2", field="invoice_id")
        if self.number is None:
            raise InvoiceNotPayable(
                "the invoice has no accounting number yet; it becomes payable once the "
                "accounting system has it",
                rule="PAY-1",
                field="invoice_id",
            )
        if self.available.amount <= 0 and self.held_amount > 0:
            raise InvoiceNotPayable(
                f"the {self.balance} left to pay is held by a payment waiting for the "
                "gateway's answer; try again once it is answered",
                code="invoice_held",
                rule="PAY-15",
                field="invoice_id",
            )

    def check_payment(self, amount: Money) -> None:
        """Every reason a payment of ``amount`` is refused (PAY-1, PAY-2, MON-2, MON-4)."""
        self.check_payable()
        if amount.currency is not self.currency:
            raise InvalidValue(
                f"the invoice is in {self.currency}, not {amount.currency}",
                rule="MON-2",
                field="amount.currency",
            )
        if amount.amount <= 0:
            raise AmountNotAllowed(
                "a payment must be more than zero", rule="PAY-2", field="amount.amount"
            )
        if amount > self.available:
            held = f" ({self.held} is held by a payment waiting for the gateway)"
            raise AmountNotAllowed(
                f"{amount} is more than the {self.available} left to pay"
                + (held if self.held_amount else ""),
                rule="PAY-2",
                field="amount.amount",
            )

    def hold(self, amount: Money) -> None:
        """A payment is on its way to the gateway: no other payment may take this money."""
        self.check_payment(amount)
        self.held_amount += amount.amount

    def release(self, amount: Money) -> None:
        """The payment that held ``amount`` failed: the money is free again."""
        self._require_held(amount)
        self.held_amount -= amount.amount

    def settle_hold(self, amount: Money, now: datetime) -> None:
        """The gateway approved the payment that held ``amount``: it is applied."""
        self._require_held(amount)
        self.held_amount -= amount.amount
        self.applied_amount += amount.amount
        self._settle_status(now)

    def take_unapplied(self, amount: Money, now: datetime) -> None:
        """Money already collected elsewhere is applied here whole (PAY-4).

        Only an invoice nobody has paid toward takes it, and only up to its total.
        """
        self.check_take_unapplied(amount)
        self.applied_amount += amount.amount
        self._settle_status(now)

    def check_take_unapplied(self, amount: Money) -> None:
        self.check_payment(amount)
        if self.applied_amount or self.held_amount:
            raise InvoiceNotPayable(
                "unapplied money goes only to an invoice with no payment on it",
                rule="PAY-4",
                field="invoice_id",
            )

    def check_withdraw(self, amount: Money) -> None:
        if amount.currency is not self.currency or amount.amount > self.applied_amount:
            raise AmountNotAllowed(
                f"{amount} was not applied to this invoice", rule="MON-4", field="amount"
            )

    def withdraw(self, amount: Money, now: datetime) -> None:
        """A payment applied here no longer is (cancelled, PAY-7): back as before it."""
        self.check_withdraw(amount)
        self.applied_amount -= amount.amount
        self._settle_status(now)

    def void(self, now: datetime, *, uncollected: Decimal = ZERO) -> None:
        """Voided in the PSA or here (PAY-3); its payments become unapplied elsewhere.

        ``uncollected`` is what payments that failed to settle keep applied here: that money
        was never collected, so it never becomes unapplied; cancelling them takes it back.
        """
        if self.status is InvoiceStatus.VOID:
            raise DomainError("the invoice is already void", code="already_void", rule="PAY-3")
        if self.held_amount:
            raise DomainError(
                "a payment on this invoice is still waiting for the gateway; void it once "
                "the payment is settled or failed",
                code="payment_in_flight",
                rule="PAY-3",
            )
        was_paid = self.date_paid is not None
        self.status = InvoiceStatus.VOID
        self.applied_amount = uncollected
        self.date_paid = None
        self.updated_at = now
        self.record(
            InvoiceVoided(
                tenant_id=self.tenant_id, occurred_at=now, invoice_id=self.id, was_paid=was_paid
            )
        )

    def _require_held(self, amount: Money) -> None:
        if amount.currency is not self.currency or amount.amount > self.held_amount:
            raise AmountNotAllowed(
                f"{amount} is not held on this invoice", rule="MON-4", field="amount"
            )

    def _settle_status(self, now: datetime) -> None:
        if self.status is InvoiceStatus.VOID:
            return
        paid = self.fully_applied
        if paid and self.status is not InvoiceStatus.PAID:
            self.status = InvoiceStatus.PAID
            self.date_paid = now
            self.record(InvoicePaid(tenant_id=self.tenant_id, occurred_at=now, invoice_id=self.id))
        elif not paid and self.status is InvoiceStatus.PAID:
            self.status = InvoiceStatus.OPEN
            self.date_paid = None
            self.record(
                InvoiceReopened(tenant_id=self.tenant_id, occurred_at=now, invoice_id=self.id)
            )
        self.updated_at = now

    def _take(self, details: InvoiceDetails) -> None:
        self.psa_number = details.psa_number
        self.organization_id = details.organization_id
        self.total_amount = details.total.amount
        self.invoice_date = details.invoice_date
        self.due_date = details.due_date
        self.description = details.description
