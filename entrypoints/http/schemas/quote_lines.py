"""HTTP shapes of a quote's lines and discounts (QUO-1)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated
from uuid import UUID

from msgspec import Meta

from application.quotes.use_cases import LineSpec
from domain.catalog.item import CatalogItemId, ItemKind, Period
from domain.quotes.quote import Discount, DiscountKind, QuoteLine
from domain.shared.money import Money
from domain.shared.numbers import exact_decimal
from entrypoints.http.schemas.catalog import Name, Short, SourceBody, Text
from entrypoints.http.schemas.common import DecimalString, Input, Output, decimal_text


def _dec(value: str | None, field: str) -> Decimal | None:
    return None if value is None else exact_decimal(value, field)


class DiscountBody(Input, frozen=True):
    kind: DiscountKind
    value: DecimalString

    def to_domain(self) -> Discount:
        return Discount(self.kind, exact_decimal(self.value, "discount.value"))

    @classmethod
    def of(cls, discount: Discount | None) -> DiscountBody | None:
        return None if discount is None else cls(kind=discount.kind, value=str(discount.value))


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
            unit_cost=decimal_text(d.unit_cost), period=d.period,
            discount=DiscountBody.of(d.discount),
            discount_amount=str(line.discount_amount.amount), gross=str(line.gross.amount),
            net=str(line.net.amount), taxable=d.taxable, tax_code=d.tax_code,
            tax_rate=str(d.tax_rate), tax=str(tax.amount), sku=d.sku, mpn=d.mpn,
            description=d.description, category=d.category, subcategory=d.subcategory,
            labor=d.labor, item_id=d.item_id, source=SourceBody.of(d.source),
        )  # fmt: skip
