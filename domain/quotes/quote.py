"""The quote: a header, lines, an optional quote-level discount and a status (QUO-1, QUO-2).

Draft → published (pending) → won | lost. Publishing again is the update of a published quote: it
bumps the revision the PSA push works from (QUO-3). Expired is not stored: a published quote whose
expiry date has passed reads as expired (``status_on``). A won or lost quote is closed: nothing
on it changes any more. Every method checks everything before it changes anything.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import NewType
from uuid import UUID

from domain.crm.organization import ContactId, OrganizationId
from domain.identity.tenant import TenantId
from domain.quotes.lines import (
    Discount,
    DiscountKind,
    LineDetails,
    LineId,
    QuoteLine,
)
from domain.quotes.totals import (
    LineTotals,
    QuoteTotals,
    RecurringTotals,
    one_time_subtotal,
    quote_totals,
)
from domain.shared.errors import CurrencyMismatch, DomainError, InvalidValue, naming_rule
from domain.shared.events import Aggregate, DomainEvent
from domain.shared.money import Currency
from domain.shared.text import optional_email, optional_text, required_text

__all__ = [
    "MAX_LINES",
    "Discount",
    "DiscountKind",
    "LineDetails",
    "LineId",
    "LineTotals",
    "Quote",
    "QuoteHeader",
    "QuoteId",
    "QuoteLine",
    "QuoteLost",
    "QuotePublished",
    "QuoteStatus",
    "QuoteTotals",
    "QuoteWon",
    "RecurringTotals",
]

QuoteId = NewType("QuoteId", UUID)
MAX_LINES = 500


class QuoteStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    WON = "won"
    LOST = "lost"
    EXPIRED = "expired"  # never stored: see Quote.status_on


@dataclass(frozen=True, kw_only=True)
class QuoteHeader:
    """Who the quote is for and from, its currency and expiry (QUO-1).

    ``opportunity_ref`` is the PSA opportunity picked with the selector (QUO-5); None has one
    created on publish.
    """

    organization_id: OrganizationId
    contact_id: ContactId | None = None
    owner_name: str
    owner_email: str | None = None
    title: str
    currency: Currency
    expires_on: date
    notes: str | None = None
    opportunity_ref: str | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        with naming_rule("QUO-1"):
            set_(self, "owner_name", required_text(self.owner_name, "owner_name", 100))
            set_(self, "owner_email", optional_email(self.owner_email, "owner_email"))
            set_(self, "title", required_text(self.title, "title", 200))
            set_(self, "notes", optional_text(self.notes, "notes", 4000, multiline=True))
            set_(
                self, "opportunity_ref", optional_text(self.opportunity_ref, "opportunity_ref", 50)
            )


@dataclass(frozen=True, kw_only=True)
class QuotePublished(DomainEvent):
    """Published or updated: the PSA opportunity, quote and PDF follow (QUO-3)."""

    quote_id: QuoteId
    revision: int


@dataclass(frozen=True, kw_only=True)
class QuoteWon(DomainEvent):
    """The PSA opportunity's status follows (QUO-4)."""

    quote_id: QuoteId


@dataclass(frozen=True, kw_only=True)
class QuoteLost(DomainEvent):
    """The PSA opportunity's status follows (QUO-4)."""

    quote_id: QuoteId
    reason: str | None


def _refusal(code: str, message: str, *, field: str, rule: str | None = "QUO-1") -> DomainError:
    return DomainError(message, code=code, rule=rule, field=field)


class Quote(Aggregate):
    """A quote to one organization, in one currency (QUO-1), with its totals (QUO-2)."""

    def __init__(
        self, *, id: QuoteId, tenant_id: TenantId, number: str, header: QuoteHeader, now: datetime
    ) -> None:
        with naming_rule("QUO-1"):
            number = required_text(number, "number", 30)
        self.id = id
        self.tenant_id = tenant_id
        self.number = number
        self.header = header
        self.lines: list[QuoteLine] = []
        self.discount: Discount | None = None
        self.status = QuoteStatus.DRAFT
        self.revision = 0
        self.changed_since_publish = False
        self.published_at: datetime | None = None
        self.decided_at: datetime | None = None
        self.lost_reason: str | None = None
        self.created_at = now
        self.updated_at = now

    @property
    def currency(self) -> Currency:
        return self.header.currency

    def status_on(self, today: date) -> QuoteStatus:
        """The status as people see it: a published quote past its expiry date is expired."""
        if self.status is QuoteStatus.PUBLISHED and self._expired_on(today):
            return QuoteStatus.EXPIRED
        return self.status

    def line(self, line_id: LineId) -> QuoteLine:
        return self.lines[self._index(line_id)]

    def totals(self) -> QuoteTotals:
        """QUO-2: subtotals, discounts, tax, grand total and margin."""
        return quote_totals(self.lines, self.discount, self.currency)

    # --- editing ------------------------------------------------------------------------------

    def revise_header(self, header: QuoteHeader, now: datetime) -> None:
        """A new header; the currency is locked once the quote has lines (MON-1)."""
        self._check_open()
        if header == self.header:
            return
        if header.currency is not self.currency and self.lines:
            raise _refusal(
                "currency_locked",
                f"the quote has lines in {self.currency}; remove them to change its currency",
                field="currency",
                rule="MON-1",
            )
        self.header = header
        self._edited(now)

    def add_line(
        self, line_id: LineId, details: LineDetails, now: datetime, *, position: int | None = None
    ) -> QuoteLine:
        """A new line at ``position`` (1 = first; None = last); the others move down (QUO-1)."""
        self._check_open()
        self._check_currency(details)
        if len(self.lines) >= MAX_LINES:
            raise _refusal(
                "too_many_lines", f"a quote has at most {MAX_LINES} lines", field="lines"
            )
        if any(line.id == line_id for line in self.lines):
            raise _refusal("line_exists", "the quote already has this line", field="line_id")
        index = self._slot(position, len(self.lines) + 1)
        lines = [*self.lines]
        lines.insert(index, QuoteLine(line_id, index + 1, details))
        self._set_lines(lines, now)
        return self.lines[index]

    def change_line(self, line_id: LineId, details: LineDetails, now: datetime) -> QuoteLine:
        """New details for a line, which keeps its id and position (QUO-1)."""
        self._check_open()
        index = self._index(line_id)
        self._check_currency(details)
        old = self.lines[index]
        if details == old.details:
            return old
        lines = [*self.lines]
        lines[index] = replace(old, details=details)
        self._check_discount_fits(self.discount, lines)
        self._set_lines(lines, now)
        return self.lines[index]

    def remove_line(self, line_id: LineId, now: datetime) -> None:
        self._check_open()
        index = self._index(line_id)
        lines = [*self.lines]
        del lines[index]
        self._check_discount_fits(self.discount, lines)
        self._set_lines(lines, now)

    def move_line(self, line_id: LineId, position: int, now: datetime) -> None:
        """The line goes to ``position`` (1 = first); the others close up around it."""
        self._check_open()
        index = self._index(line_id)
        target = self._slot(position, len(self.lines))
        if target == index:
            return
        lines = [*self.lines]
        lines.insert(target, lines.pop(index))
        self._set_lines(lines, now)

    def set_discount(self, discount: Discount | None, now: datetime) -> None:
        """The quote-level discount, off the one-time subtotal (QUO-1, QUO-2); None removes it."""
        self._check_open()
        if discount == self.discount:
            return
        self._check_discount_fits(discount, self.lines)
        self.discount = discount
        self._edited(now)

    # --- life ---------------------------------------------------------------------------------

    def publish(self, now: datetime, today: date) -> None:
        """Publish a draft, or update a published quote: the revision goes up by one (QUO-1)."""
        self._check_open()
        if not self.lines:
            raise _refusal(
                "quote_empty", "a quote needs at least one line to be published", field="lines"
            )
        self._check_not_expired(today)
        self.status = QuoteStatus.PUBLISHED
        self.revision += 1
        self.changed_since_publish = False
        self.published_at = now
        self.updated_at = now
        self.record(
            QuotePublished(
                tenant_id=self.tenant_id, occurred_at=now, quote_id=self.id, revision=self.revision
            )
        )

    def mark_won(self, now: datetime, today: date) -> None:
        """The customer accepted: only a published quote that has not expired (QUO-1)."""
        self._check_decidable()
        self._check_not_expired(today)
        self._decide(QuoteStatus.WON, now)
        self.record(QuoteWon(tenant_id=self.tenant_id, occurred_at=now, quote_id=self.id))

    def mark_lost(self, now: datetime, reason: str | None = None) -> None:
        """The customer declined, or let it expire: only a published quote (QUO-1)."""
        self._check_decidable()
        with naming_rule("QUO-1"):
            reason = optional_text(reason, "reason", 500, multiline=True)
        self._decide(QuoteStatus.LOST, now)
        self.lost_reason = reason
        self.record(
            QuoteLost(tenant_id=self.tenant_id, occurred_at=now, quote_id=self.id, reason=reason)
        )

    # --- checks -------------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self.status in (QuoteStatus.WON, QuoteStatus.LOST):
            raise _refusal(
                "quote_closed",
                f"the quote is {self.status}; nothing on it can change any more",
                field="status",
            )

    def _check_decidable(self) -> None:
        self._check_open()
        if self.status is not QuoteStatus.PUBLISHED:
            raise _refusal(
                "quote_not_published", "only a published quote can be won or lost", field="status"
            )

    def _check_not_expired(self, today: date) -> None:
        if self._expired_on(today):
            raise _refusal(
                "quote_expired",
                f"the quote expired on {self.header.expires_on}; extend its expiry date first",
                field="expires_on",
            )

    def _check_currency(self, details: LineDetails) -> None:
        if details.unit_price.currency is not self.currency:
            raise CurrencyMismatch(
                f"the quote is in {self.currency}, the line in {details.unit_price.currency}",
                rule="MON-1",
                field="lines[].unit_price",
            )

    def _check_discount_fits(self, discount: Discount | None, lines: list[QuoteLine]) -> None:
        if discount is None or discount.kind is not DiscountKind.AMOUNT:
            return
        subtotal = one_time_subtotal(lines, self.currency)
        if discount.value > subtotal.amount:
            raise _refusal(
                "discount_exceeds_subtotal",
                f"the quote discount {discount.value} would be more than the one-time "
                f"subtotal {subtotal}",
                field="discount",
                rule="QUO-2",
            )

    def _index(self, line_id: LineId) -> int:
        for index, line in enumerate(self.lines):
            if line.id == line_id:
                return index
        raise _refusal("line_not_found", "the quote has no such line", field="line_id")

    @staticmethod
    def _slot(position: int | None, last: int) -> int:
        if position is None:
            return last - 1
        if not 1 <= position <= last:
            raise InvalidValue(f"position must be from 1 to {last}", rule="QUO-1", field="position")
        return position - 1

    def _expired_on(self, today: date) -> bool:
        return self.header.expires_on < today

    # --- changes ------------------------------------------------------------------------------

    def _set_lines(self, lines: list[QuoteLine], now: datetime) -> None:
        self.lines = [
            line if line.position == n else replace(line, position=n)
            for n, line in enumerate(lines, start=1)
        ]
        self._edited(now)

    def _edited(self, now: datetime) -> None:
        if self.status is QuoteStatus.PUBLISHED:
            self.changed_since_publish = True
        self.updated_at = now

    def _decide(self, status: QuoteStatus, now: datetime) -> None:
        self.status = status
        self.decided_at = now
        self.updated_at = now
