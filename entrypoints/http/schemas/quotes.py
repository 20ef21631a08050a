"""HTTP shapes of the catalog (CAT-1), quotes (QUO-1, QUO-2) and PSA searches (QUO-5, CAT-2)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from msgspec import UNSET, Meta, UnsetType

from application.quotes.ports import PsaContact, PsaItem, PsaOpportunity
from application.quotes.queries import QuoteView
from application.quotes.repositories import QuotePush
from application.quotes.use_cases import LineSpec
from domain.catalog.item import (
    CatalogItem,
    CatalogItemId,
    Category,
    CategoryId,
    ItemDetails,
    ItemKind,
    ItemSource,
    Period,
)
from domain.crm.organization import ContactId, OrganizationId
from domain.quotes.quote import (
    Discount,
    DiscountKind,
    QuoteHeader,
    QuoteLine,
)
from domain.shared.money import Currency, Money, price_of
from domain.shared.numbers import exact_decimal
from entrypoints.http.schemas.common import CurrencyCode, DecimalString, Input, Output

Name = Annotated[str, Meta(min_length=1, max_length=100)]
Text = Annotated[str, Meta(max_length=2000)]
Short = Annotated[str, Meta(max_length=50)]


def _dec(value: str | None, field: str) -> Decimal | None:
    return None if value is None else exact_decimal(value, field)


def _str(value: Decimal | Money | None) -> str | None:
    if value is None:
        return None
    return str(value.amount if isinstance(value, Money) else value)


class SourceBody(Input, frozen=True):
    """Where a line or item pulled from a PSA came from (CAT-2)."""

    system: Short
    kind: Short
    external_id: Annotated[str, Meta(min_length=1, max_length=100)]

    def to_domain(self) -> ItemSource:
        return ItemSource(self.system, self.kind, self.external_id)

    @classmethod
    def of(cls, source: ItemSource | None) -> SourceBody | None:
        return (
            None
            if source is None
            else cls(system=source.system, kind=source.kind, external_id=source.external_id)
        )


class DiscountBody(Input, frozen=True):
    kind: DiscountKind
    value: DecimalString

    def to_domain(self) -> Discount:
        return Discount(self.kind, exact_decimal(self.value, "discount.value"))

    @classmethod
    def of(cls, discount: Discount | None) -> DiscountBody | None:
        return None if discount is None else cls(kind=discount.kind, value=str(discount.value))


# --- catalog ------------------------------------------------------------------------------------


class CategoryCreate(Input, frozen=True):
    name: Name
    parent_id: UUID | None = None
    labor: bool = False
    kaseya_item_type: Short | None = None


class CategoryPatch(Input, frozen=True):
    name: Name | UnsetType = UNSET
    labor: bool | UnsetType = UNSET
    kaseya_item_type: Short | None | UnsetType = UNSET
    active: bool | UnsetType = UNSET


class CategoryOut(Output, frozen=True):
    id: UUID
    name: str
    parent_id: UUID | None
    labor: bool
    kaseya_item_type: str | None
    active: bool

    @classmethod
    def of(cls, c: Category) -> CategoryOut:
        return cls(
            id=c.id, name=c.name, parent_id=c.parent_id, labor=c.labor,
            kaseya_item_type=c.kaseya_item_type, active=c.active,
        )  # fmt: skip


class ItemBody(Input, frozen=True):
    kind: ItemKind
    sku: Short
    name: Name
    currency: CurrencyCode
    unit_price: DecimalString
    unit_cost: DecimalString | None = None
    mpn: Short | None = None
    description: Text | None = None
    customer_description: Text | None = None
    category_id: UUID | None = None
    subcategory_id: UUID | None = None
    period: Period | None = None
    taxable: bool = True
    unit_of_measure: Annotated[str, Meta(min_length=1, max_length=30)] = "each"
    source: SourceBody | None = None
    active: bool | None = None

    def to_details(self) -> ItemDetails:
        currency = Currency.parse(self.currency)
        return ItemDetails(
            kind=self.kind,
            sku=self.sku,
            name=self.name,
            unit_price=price_of(self.unit_price, currency, "unit_price", rule="CAT-1"),
            unit_cost=None
            if self.unit_cost is None
            else price_of(self.unit_cost, currency, "unit_cost", rule="CAT-1"),
            mpn=self.mpn,
            description=self.description,
            customer_description=self.customer_description,
            category_id=CategoryId(self.category_id) if self.category_id else None,
            subcategory_id=CategoryId(self.subcategory_id) if self.subcategory_id else None,
            period=self.period,
            taxable=self.taxable,
            unit_of_measure=self.unit_of_measure,
            source=self.source.to_domain() if self.source else None,
        )


class ItemOut(Output, frozen=True):
    id: UUID
    kind: ItemKind
    sku: str
    name: str
    currency: str
    unit_price: str
    unit_cost: str | None
    mpn: str | None
    description: str | None
    customer_description: str | None
    category_id: UUID | None
    subcategory_id: UUID | None
    period: Period | None
    recurring: bool
    taxable: bool
    unit_of_measure: str
    source: SourceBody | None
    active: bool

    @classmethod
    def of(cls, item: CatalogItem) -> ItemOut:
        d = item.details
        return cls(
            id=item.id, kind=d.kind, sku=d.sku, name=d.name,
            currency=d.unit_price.currency.value, unit_price=str(d.unit_price.amount),
            unit_cost=_str(d.unit_cost), mpn=d.mpn, description=d.description,
            customer_description=d.customer_description, category_id=d.category_id,
            subcategory_id=d.subcategory_id, period=d.period, recurring=d.recurring,
            taxable=d.taxable, unit_of_measure=d.unit_of_measure, source=SourceBody.of(d.source),
            active=item.active,
        )  # fmt: skip


# --- quotes -------------------------------------------------------------------------------------


class LineBody(Input, frozen=True):
    """A line from the catalog (``item_id``), from a PSA search (``source``), or ad hoc."""

    quantity: DecimalString
    item_id: UUID | None = None
    source: SourceBody | None = None
    name: Annotated[str, Meta(min_length=1, max_length=255)] | None = None
    kind: ItemKind | None = None
    unit_price: DecimalString | None = None
    unit_cost: DecimalString | None = None
    period: Period | None = None
    one_time: bool = False
    discount: DiscountBody | None = None
    taxable: bool | None = None
    tax_code: Short | None = None
    tax_rate: DecimalString | None = None
    sku: Short | None = None
    mpn: Short | None = None
    description: Text | None = None
    category: Name | None = None
    subcategory: Name | None = None
    position: Annotated[int, Meta(ge=1)] | None = None

    def to_spec(self) -> LineSpec:
        return LineSpec(
            quantity=exact_decimal(self.quantity, "lines[].quantity"),
            item_id=CatalogItemId(self.item_id) if self.item_id else None,
            source=self.source.to_domain() if self.source else None,
            name=self.name,
            kind=self.kind,
            unit_price=_dec(self.unit_price, "lines[].unit_price"),
            unit_cost=_dec(self.unit_cost, "lines[].unit_cost"),
            period=self.period,
            one_time=self.one_time,
            discount=self.discount.to_domain() if self.discount else None,
            taxable=self.taxable,
            tax_code=self.tax_code,
            tax_rate=_dec(self.tax_rate, "lines[].tax_rate"),
            sku=self.sku,
            mpn=self.mpn,
            description=self.description,
            category=self.category,
            subcategory=self.subcategory,
        )


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


class LineOut(Output, frozen=True):
    id: UUID
    position: int
    name: str
    kind: ItemKind
    quantity: str
    unit_price: str
    unit_cost: str | None
    period: Period | None
    discount: DiscountBody | None
    discount_amount: str
    gross: str
    net: str
    taxable: bool
    tax_code: str | None
    tax_rate: str
    tax: str
    sku: str | None
    mpn: str | None
    description: str | None
    category: str | None
    subcategory: str | None
    labor: bool
    item_id: UUID | None
    source: SourceBody | None

    @classmethod
    def of(cls, line: QuoteLine, tax: Money) -> LineOut:
        d = line.details
        return cls(
            id=line.id, position=line.position, name=d.name, kind=d.kind,
            quantity=str(d.quantity), unit_price=str(d.unit_price.amount),
            unit_cost=_str(d.unit_cost), period=d.period, discount=DiscountBody.of(d.discount),
            discount_amount=str(line.discount_amount.amount), gross=str(line.gross.amount),
            net=str(line.net.amount), taxable=d.taxable, tax_code=d.tax_code,
            tax_rate=str(d.tax_rate), tax=str(tax.amount), sku=d.sku, mpn=d.mpn,
            description=d.description, category=d.category, subcategory=d.subcategory,
            labor=d.labor, item_id=d.item_id, source=SourceBody.of(d.source),
        )  # fmt: skip


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
                margin_percent=_str(t.margin_percent), value=str(t.value.amount),
            ),
            psa=[PushOut.of(p) for p in view.pushes],
            published_at=q.published_at, decided_at=q.decided_at, lost_reason=q.lost_reason,
            created_at=q.created_at, updated_at=q.updated_at,
        )  # fmt: skip


# --- PSA searches -------------------------------------------------------------------------------


class PsaOpportunityOut(Output, frozen=True):
    external_id: str
    title: str
    company_ref: str | None
    company_name: str | None
    contact_ref: str | None
    amount: str | None
    status: str | None
    stage: str | None
    close_date: date | None
    quote_url: str | None

    @classmethod
    def of(cls, o: PsaOpportunity) -> PsaOpportunityOut:
        return cls(
            external_id=o.external_id, title=o.title, company_ref=o.company_ref,
            company_name=o.company_name, contact_ref=o.contact_ref, amount=_str(o.amount),
            status=o.status, stage=o.stage, close_date=o.close_date, quote_url=o.quote_url,
        )  # fmt: skip


class PsaContactOut(Output, frozen=True):
    external_id: str
    name: str
    company_ref: str | None
    company_name: str | None
    email: str | None
    phone: str | None

    @classmethod
    def of(cls, c: PsaContact) -> PsaContactOut:
        return cls(
            external_id=c.external_id, name=c.name, company_ref=c.company_ref,
            company_name=c.company_name, email=c.email, phone=c.phone,
        )  # fmt: skip


class PsaItemOut(Output, frozen=True):
    """A PSA item; ``source`` goes back in a line's body to add it to a quote (CAT-2)."""

    source: SourceBody
    kind: ItemKind
    name: str
    sku: str | None
    mpn: str | None
    description: str | None
    unit_price: str | None
    unit_cost: str | None
    period: Period | None
    category: str | None
    subcategory: str | None

    @classmethod
    def of(cls, system: str, i: PsaItem) -> PsaItemOut:
        return cls(
            source=SourceBody(system=system, kind=i.source_kind, external_id=i.external_id),
            kind=i.kind, name=i.name, sku=i.sku, mpn=i.mpn, description=i.description,
            unit_price=_str(i.unit_price), unit_cost=_str(i.unit_cost), period=i.period,
            category=i.category, subcategory=i.subcategory,
        )  # fmt: skip
