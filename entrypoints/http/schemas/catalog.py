"""HTTP shapes of the catalog (CAT-1) and of where an item pulled from a PSA came from (CAT-2)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from msgspec import UNSET, Meta, UnsetType

from domain.catalog.item import (
    CatalogItem,
    Category,
    CategoryId,
    ItemDetails,
    ItemKind,
    ItemSource,
    Period,
)
from domain.shared.money import Currency, price_of
from entrypoints.http.schemas.common import CurrencyCode, DecimalString, Input, Output, decimal_text

Name = Annotated[str, Meta(min_length=1, max_length=100)]
Text = Annotated[str, Meta(max_length=2000)]
Short = Annotated[str, Meta(max_length=50)]


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
            unit_cost=decimal_text(d.unit_cost), mpn=d.mpn, description=d.description,
            customer_description=d.customer_description, category_id=d.category_id,
            subcategory_id=d.subcategory_id, period=d.period, recurring=d.recurring,
            taxable=d.taxable, unit_of_measure=d.unit_of_measure, source=SourceBody.of(d.source),
            active=item.active,
        )  # fmt: skip
