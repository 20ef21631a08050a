"""How quote lines are kept in the ``quotes.lines`` JSON column, exactly.

Money is stored as integer minor units with its currency (MON-1); quantities, rates and
percent discounts as decimal text, never floats. A line keeps its own copy of everything.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.catalog.item import CatalogItemId, ItemKind, ItemSource, Period
from domain.quotes.quote import Discount, DiscountKind, LineDetails, LineId, QuoteLine
from domain.shared.money import Money

_TEXT = ("sku", "mpn", "description", "category", "subcategory", "kaseya_item_type", "tax_code")


def _money(money: Money | None) -> int | None:
    return None if money is None else money.minor_units


def line_to_json(line: QuoteLine) -> dict[str, Any]:
    d = line.details
    source = d.source
    return {
        "id": str(line.id),
        "position": line.position,
        "name": d.name,
        "kind": d.kind.value,
        "quantity": str(d.quantity),
        "currency": d.unit_price.currency.value,
        "unit_price": _money(d.unit_price),
        "unit_cost": _money(d.unit_cost),
        "item_id": None if d.item_id is None else str(d.item_id),
        "source": None
        if source is None
        else {"system": source.system, "kind": source.kind, "external_id": source.external_id},
        "labor": d.labor,
        "period": None if d.period is None else d.period.value,
        "discount": None
        if d.discount is None
        else {"kind": d.discount.kind.value, "value": str(d.discount.value)},
        "taxable": d.taxable,
        "tax_rate": str(d.tax_rate),
        **{name: getattr(d, name) for name in _TEXT},
    }


def line_from_json(row: dict[str, Any]) -> QuoteLine:
    currency = row["currency"]
    cost = row["unit_cost"]
    source = row["source"]
    discount = row["discount"]
    details = LineDetails(
        name=row["name"],
        kind=ItemKind(row["kind"]),
        quantity=Decimal(row["quantity"]),
        unit_price=Money.from_minor_units(row["unit_price"], currency),
        unit_cost=None if cost is None else Money.from_minor_units(cost, currency),
        item_id=None if row["item_id"] is None else CatalogItemId(UUID(row["item_id"])),
        source=None if source is None else ItemSource(**source),
        labor=row["labor"],
        period=None if row["period"] is None else Period(row["period"]),
        discount=None
        if discount is None
        else Discount(DiscountKind(discount["kind"]), Decimal(discount["value"])),
        taxable=row["taxable"],
        tax_rate=Decimal(row["tax_rate"]),
        **{name: row.get(name) for name in _TEXT},
    )
    return QuoteLine(LineId(UUID(row["id"])), row["position"], details)
