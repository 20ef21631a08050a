"""The imperative mapping of the catalog and quotes: nested value objects over flat columns."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import registry

from adapters.persistence import tables
from domain.catalog.item import CatalogItem, Category, ItemDetails, ItemSource
from domain.quotes.quote import Discount, DiscountKind, Quote, QuoteHeader
from domain.shared.money import Money

_DETAILS = (
    "kind", "sku", "name", "currency", "unit_price", "unit_cost", "mpn", "description",
    "customer_description", "category_id", "subcategory_id", "period", "taxable",
    "unit_of_measure", "source_system", "source_kind", "source_external_id",
)  # fmt: skip


def _details(*values: Any) -> ItemDetails:
    row = dict(zip(_DETAILS, values, strict=True))
    system, kind, external = (
        row.pop("source_system"),
        row.pop("source_kind"),
        row.pop("source_external_id"),
    )
    currency = row.pop("currency")
    cost = row.pop("unit_cost")
    price = row.pop("unit_price")
    return ItemDetails(
        **row,
        unit_price=Money(price, currency),
        unit_cost=None if cost is None else Money(cost, currency),
        source=ItemSource(system, kind, external) if system and kind and external else None,
    )


def _details_columns(d: ItemDetails) -> tuple[Any, ...]:
    s = d.source
    cost = None if d.unit_cost is None else d.unit_cost.amount
    return (
        *(d.kind, d.sku, d.name, d.unit_price.currency, d.unit_price.amount, cost),
        *(d.mpn, d.description, d.customer_description, d.category_id, d.subcategory_id),
        *(d.period, d.taxable, d.unit_of_measure),
        *((s.system, s.kind, s.external_id) if s else (None, None, None)),
    )


_HEADER = (
    "organization_id",
    "contact_id",
    "owner_name",
    "owner_email",
    "title",
    "currency",
    "expires_on",
    "notes",
    "opportunity_ref",
)


def _header(*values: Any) -> QuoteHeader:
    return QuoteHeader(**dict(zip(_HEADER, values, strict=True)))


def _header_columns(header: QuoteHeader) -> tuple[Any, ...]:
    return tuple(getattr(header, name) for name in _HEADER)


def _discount(kind: DiscountKind | None, value: Decimal | None) -> Discount | None:
    return None if kind is None or value is None else Discount(kind, value)


def _discount_columns(discount: Discount | None) -> tuple[Any, Any]:
    return (None, None) if discount is None else (discount.kind, discount.value)


def map_quotes(mapper: registry, built: Callable[..., Any]) -> tuple[type[Any], ...]:
    """Maps Category, CatalogItem and Quote; returns them for the load hooks."""
    mapper.map_imperatively(Category, tables.categories, version_id_col=tables.categories.c.version)
    item = tables.catalog_items.c
    detail_columns = [item[name] for name in _DETAILS]
    mapper.map_imperatively(
        CatalogItem,
        tables.catalog_items,
        version_id_col=item.version,
        properties={"details": built(_details, _details_columns, *detail_columns)},
    )
    q = tables.quotes.c
    mapper.map_imperatively(
        Quote,
        tables.quotes,
        version_id_col=q.version,
        properties={
            # Quote.currency is the header's; the column is mapped under another name.
            "_currency": q.currency,
            "header": built(_header, _header_columns, *(q[name] for name in _HEADER)),
            "discount": built(_discount, _discount_columns, q.discount_kind, q.discount_value),
        },
    )
    return (Category, CatalogItem, Quote)
