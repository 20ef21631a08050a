"""HTTP shapes of quotes: their header, totals and PSA pushes (QUO-1, QUO-2, QUO-3)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from msgspec import UNSET, Meta, UnsetType

from application.quotes.queries import QuoteView
from application.quotes.repositories import QuotePush
from domain.catalog.item import Period
from domain.crm.organization import ContactId, OrganizationId
from domain.quotes.quote import QuoteHeader
from domain.shared.money import Currency
from entrypoints.http.schemas.catalog import Name, Short
from entrypoints.http.schemas.common import CurrencyCode, Input, Output, decimal_text
from entrypoints.http.schemas.quote_lines import DiscountBody, LineBody, LineOut


class QuoteCreate(Input, frozen=True):
    organization_id: UUID
    owner_name: Name
    title: Annotated[str, Meta(min_length=1, max_length=200)]
    currency: CurrencyCode
    expires_on: date
    contact_id: UUID | None = None
    owner_email: Annotated[str, Meta(max_length=254)] | None = None
    notes: Annotated[str, Meta(max_length=4000)] | None = None
    opportunity_ref: Short | None = None
    lines: list[LineBody] = []  # noqa: RUF012
    discount: DiscountBody | None = None

    def to_header(self) -> QuoteHeader:
        return QuoteHeader(
            organization_id=OrganizationId(self.organization_id),
            contact_id=ContactId(self.contact_id) if self.contact_id else None,
            owner_name=self.owner_name,
            owner_email=self.owner_email,
            title=self.title,
            currency=Currency.parse(self.currency),
            expires_on=self.expires_on,
            notes=self.notes,
            opportunity_ref=self.opportunity_ref,
        )


class QuotePatch(Input, frozen=True):
    contact_id: UUID | None | UnsetType = UNSET
    owner_name: Name | UnsetType = UNSET
    owner_email: Annotated[str, Meta(max_length=254)] | None | UnsetType = UNSET
    title: Annotated[str, Meta(min_length=1, max_length=200)] | UnsetType = UNSET
    currency: CurrencyCode | UnsetType = UNSET
    expires_on: date | UnsetType = UNSET
    notes: Annotated[str, Meta(max_length=4000)] | None | UnsetType = UNSET
    opportunity_ref: Short | None | UnsetType = UNSET

    def to_changes(self) -> dict[str, object]:
        changes: dict[str, object] = {}
        for name in self.__struct_fields__:
            value = getattr(self, name)
            if value is UNSET:
                continue
            if name == "currency":
                value = Currency.parse(value)
            elif name == "contact_id" and value is not None:
                value = ContactId(value)
            changes[name] = value
        return changes


class DiscountPut(Input, frozen=True):
    discount: DiscountBody | None


class LostBody(Input, frozen=True):
    reason: Annotated[str, Meta(max_length=500)] | None = None


class RecurringOut(Output, frozen=True):
    period: Period
    subtotal: str
    tax: str
    total: str


class TotalsOut(Output, frozen=True):
    one_time_subtotal: str
    line_discounts: str
    quote_discount: str
    one_time_tax: str
    one_time_total: str
    recurring: list[RecurringOut]
    tax_total: str
    grand_total: str
    cost_total: str
    margin: str
    margin_percent: str | None
    value: str


class PushOut(Output, frozen=True):
    """Where the quote landed in the PSA the last time it was pushed (QUO-3, KBMS-3)."""

    connection_id: UUID
    revision: int
    opportunity_ref: str
    quote_ref: str
    warnings: list[str]
    outcome: str | None
    pushed_at: datetime

    @classmethod
    def of(cls, push: QuotePush) -> PushOut:
        return cls(
            connection_id=push.connection_id, revision=push.revision,
            opportunity_ref=push.opportunity_ref, quote_ref=push.quote_ref,
            warnings=list(push.warnings), outcome=push.outcome, pushed_at=push.pushed_at,
        )  # fmt: skip


class QuoteOut(Output, frozen=True):
    id: UUID
    number: str
    title: str
    status: Literal["draft", "published", "won", "lost", "expired"]
    revision: int
    changed_since_publish: bool
    organization_id: UUID
    contact_id: UUID | None
    owner_name: str
    owner_email: str | None
    currency: str
    expires_on: date
    notes: str | None
    opportunity_ref: str | None
    discount: DiscountBody | None
    lines: list[LineOut]
    totals: TotalsOut
    psa: list[PushOut]
    published_at: datetime | None
    decided_at: datetime | None
    lost_reason: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: QuoteView) -> QuoteOut:
        q, h = view.quote, view.quote.header
        t = q.totals()
        taxes = {lt.line_id: lt.tax for lt in t.lines}
        return cls(
            id=q.id, number=q.number, title=h.title,
            status=q.status_on(view.today).value,
            revision=q.revision, changed_since_publish=q.changed_since_publish,
            organization_id=h.organization_id, contact_id=h.contact_id,
            owner_name=h.owner_name, owner_email=h.owner_email, currency=h.currency.value,
            expires_on=h.expires_on, notes=h.notes, opportunity_ref=h.opportunity_ref,
            discount=DiscountBody.of(q.discount),
            lines=[LineOut.of(line, taxes[line.id]) for line in q.lines],
            totals=TotalsOut(
                one_time_subtotal=str(t.one_time_subtotal.amount),
                line_discounts=str(t.line_discounts.amount),
                quote_discount=str(t.quote_discount.amount),
                one_time_tax=str(t.one_time_tax.amount),
                one_time_total=str(t.one_time_total.amount),
                recurring=[
                    RecurringOut(period=p, subtotal=str(r.subtotal.amount),
                                 tax=str(r.tax.amount), total=str(r.total.amount))
                    for p, r in t.recurring.items()
                ],
                tax_total=str(t.tax_total.amount), grand_total=str(t.grand_total.amount),
                cost_total=str(t.cost_total.amount), margin=str(t.margin.amount),
                margin_percent=decimal_text(t.margin_percent), value=str(t.value.amount),
            ),
            psa=[PushOut.of(p) for p in view.pushes],
            published_at=q.published_at, decided_at=q.decided_at, lost_reason=q.lost_reason,
            created_at=q.created_at, updated_at=q.updated_at,
        )  # fmt: skip
