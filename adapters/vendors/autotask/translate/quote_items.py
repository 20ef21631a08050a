"""Hub quote lines → Autotask QuoteItems, Products and Services: pure rules, no I/O.

Which Autotask record a line refers to (AT-4, AT-5, AT-6):

- a line is Labor when its category or subcategory is flagged labor (the line's own flag, or
  the connection's item-category mapping), when it is a labor item, or when it was pulled from
  an Autotask labor code; it refers to a labor billing code (``laborID``), never a Product, and
  is one-time whatever its recurrence in the hub (AT-5);
- a line pulled from an Autotask Product refers to that Product as is, recurring or not;
- a line pulled from an Autotask Service refers to it while recurring; one-time on the quote,
  it becomes a Product;
- any other recurring line is a Service and any other one-time line a Product.

Products are matched by SKU (by name for a line without one), Services by name, else created
(``quote_refs.py``).

Each QuoteItem carries exactly one reference and at most one discount above 0: a percent item
discount as ``percentageDiscount``, an amount as ``lineDiscount``. The quote-level discount is
one more item, a Product (the ``quote_discount_product`` setting) with a negative unit price,
so the lines keep their own prices and discounts and editing a line touches one item.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from adapters.vendors.autotask.settings import QuoteSettings
from adapters.vendors.autotask.translate.catalog import (
    PERIOD_LABELS,
    by_label,
    category_candidates,
    label_key,
)
from application.integrations.ports import VendorRejected
from application.quotes.snapshot import QuoteSnapshot, SnapshotLine
from domain.catalog.item import ItemKind, Period

AUTOTASK = "autotask"  # ItemSource.system of a line pulled from Autotask (CAT-2)
REFERENCES = (
    "productID",
    "serviceID",
    "serviceBundleID",
    "laborID",
    "chargeID",
    "expenseID",
    "shippingID",
)
DISCOUNTS = ("unitDiscount", "lineDiscount", "percentageDiscount")
_DISCOUNT_KEY = "quote-discount"
NAME_LENGTH, DESCRIPTION_LENGTH, SKU_LENGTH = 100, 2000, 50  # Autotask's field lengths


class RefKind(StrEnum):
    """The Autotask record a QuoteItem refers to; the value is its quoteItemType label."""

    PRODUCT = "Product"
    SERVICE = "Service"
    LABOR = "Labor"

    @property
    def field(self) -> str:
        return {"Product": "productID", "Service": "serviceID", "Labor": "laborID"}[self.value]


@dataclass(frozen=True, kw_only=True)
class ItemPlan:
    """One QuoteItem to be: what it refers to and what it says."""

    key: uuid.UUID  # the hub line (the quote discount's own derived id)
    kind: RefKind
    ref_id: int | None  # a record pulled from Autotask, used as is; None: match or create
    catalog_name: str  # the Product or Service name matched or created
    name: str
    description: str | None
    sku: str | None
    mpn: str | None
    quantity: Decimal
    unit_price: Decimal
    unit_cost: Decimal | None
    period: Period | None  # None: One-Time (always for labor, AT-5)
    taxable: bool
    tax_code: str | None
    discount: tuple[str, Decimal] | None  # the one discount field above 0
    sort_order: int
    categories: tuple[str, ...] = ()  # productCategory labels to try, best first (AT-3)
    labor_code: str | None = None  # the labor billing code's name (AT-4)


@dataclass(frozen=True)
class ItemPicklists:
    """QuoteItems' quoteItemType and periodType values of this instance, by label."""

    types: Mapping[str, int]
    periods: Mapping[str, int]

    def type_of(self, kind: RefKind) -> int:
        return _required(self.types, kind.value, "QuoteItems quoteItemType")

    def period_of(self, period: Period | None) -> int:
        return _required(self.periods, PERIOD_LABELS[period], "QuoteItems periodType")


def item_picklists(fields: Iterable[Mapping[str, Any]]) -> ItemPicklists:
    fields = list(fields)
    return ItemPicklists(by_label(fields, "quoteItemType"), by_label(fields, "periodType"))


def plan_items(quote: QuoteSnapshot, settings: QuoteSettings) -> tuple[ItemPlan, ...]:
    """The QuoteItems a quote becomes, in line order, then its quote-level discount."""
    plans = [_line_plan(line, settings) for line in quote.lines]
    if quote.quote_discount > 0:
        plans.append(_discount_plan(quote, settings))
    return tuple(plans)


def is_labor(line: SnapshotLine, settings: QuoteSettings) -> bool:
    """AT-4: the line's category or subcategory is labor, or it is a labor item."""
    rule = settings.category_rule(line.category, line.subcategory)
    source = _autotask_source(line)
    return bool(line.labor or rule.labor or line.kind is ItemKind.LABOR or source == "labor")


def _line_plan(line: SnapshotLine, settings: QuoteSettings) -> ItemPlan:
    rule = settings.category_rule(line.category, line.subcategory)
    kind, ref_id = _reference(line, is_labor(line, settings))
    return ItemPlan(
        key=line.id,
        kind=kind,
        ref_id=ref_id,
        catalog_name=line.name,
        name=line.name,
        description=line.description,
        sku=line.sku,
        mpn=line.mpn,
        quantity=line.quantity,
        unit_price=line.unit_price,
        unit_cost=line.unit_cost,
        period=None if kind is RefKind.LABOR else line.period,  # AT-5
        taxable=line.taxable,
        tax_code=line.tax_code if line.taxable else None,
        discount=line_discount(line),
        sort_order=line.position,
        categories=category_candidates(line.category, line.subcategory, rule.autotask_category),
        labor_code=(
            (rule.labor_billing_code or settings.labor_billing_code)
            if kind is RefKind.LABOR
            else None
        ),
    )


def _reference(line: SnapshotLine, labor: bool) -> tuple[RefKind, int | None]:
    """AT-4 and AT-6: the kind of record and, for one pulled from Autotask, its id."""
    source = _autotask_source(line)
    pulled = _source_id(line) if source else None
    if labor:
        return RefKind.LABOR, pulled if source == "labor" else None
    if source == "product":
        return RefKind.PRODUCT, pulled
    if source == "service" and not line.one_time:
        return RefKind.SERVICE, pulled
    return (RefKind.PRODUCT if line.one_time else RefKind.SERVICE), None


def _autotask_source(line: SnapshotLine) -> str | None:
    source = line.source
    if source is None or source.system.casefold() != AUTOTASK:
        return None
    return source.kind.casefold()


def _source_id(line: SnapshotLine) -> int:
    assert line.source is not None
    try:
        return int(line.source.external_id)
    except ValueError:
        raise VendorRejected(
            f"the line {line.name!r} came from Autotask with the id "
            f"{line.source.external_id!r}, which is not an Autotask id"
        ) from None


def line_discount(line: SnapshotLine) -> tuple[str, Decimal] | None:
    """The one discount field of a line: a percent as entered, else the amount off the line."""
    if line.discount_percent:
        return "percentageDiscount", line.discount_percent
    if line.discount_amount > 0:
        return "lineDiscount", line.discount_amount
    return None


def _discount_plan(quote: QuoteSnapshot, settings: QuoteSettings) -> ItemPlan:
    percent = quote.quote_discount_percent
    name = f"Quote discount ({percent.normalize():f}%)" if percent else "Quote discount"
    return ItemPlan(
        key=uuid.uuid5(quote.id, _DISCOUNT_KEY),
        kind=RefKind.PRODUCT,
        ref_id=None,
        catalog_name=settings.discount_product,
        name=name,
        description=None,
        sku=None,
        mpn=None,
        quantity=Decimal(1),
        unit_price=-quote.quote_discount,
        unit_cost=Decimal(0),
        period=None,
        taxable=False,
        tax_code=None,
        discount=None,
        sort_order=max((line.position for line in quote.lines), default=0) + 1,
    )


def item_body(
    plan: ItemPlan,
    *,
    ref_id: int,
    quote_id: int,
    picklists: ItemPicklists,
    tax_category_id: int | None,
) -> dict[str, Any]:
    """The QuoteItem: exactly one reference, at most one discount above 0 (contract rules)."""
    discounts = dict.fromkeys(DISCOUNTS, 0.0)
    if plan.discount is not None:
        discounts[plan.discount[0]] = float(plan.discount[1])
    body = {
        "quoteID": quote_id,
        "quoteItemType": picklists.type_of(plan.kind),
        plan.kind.field: ref_id,
        "name": plan.name[:NAME_LENGTH],
        "description": _clip(plan.description, DESCRIPTION_LENGTH),
        "quantity": float(plan.quantity),
        "unitPrice": float(plan.unit_price),
        **discounts,
        "isOptional": False,
        "isTaxable": plan.taxable,
        "taxCategoryID": tax_category_id,
        "periodType": picklists.period_of(plan.period),
        "sortOrderID": plan.sort_order,
    }
    if plan.unit_cost is not None:  # without one, Autotask takes the Product's or Service's
        body["unitCost"] = float(plan.unit_cost)
    return body


def item_reference(item: Mapping[str, Any]) -> tuple[str, int] | None:
    """The one reference a QuoteItem read from Autotask carries."""
    for name in REFERENCES:
        value = item.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            return name, value
    return None


def product_body(plan: ItemPlan, *, billing_code_id: int, category: int | None) -> dict[str, Any]:
    """A Product for a one-time line (or the quote discount); never a category (AT-3)."""
    body: dict[str, Any] = {
        "name": plan.catalog_name[:NAME_LENGTH],
        "description": plan.description,
        "sku": _clip(plan.sku, SKU_LENGTH),
        "manufacturerProductName": plan.mpn,
        "unitPrice": max(float(plan.unit_price), 0.0),
        "unitCost": None if plan.unit_cost is None else float(plan.unit_cost),
        "productBillingCodeID": billing_code_id,
        "isActive": True,
        "isSerialized": False,
    }
    if category is not None:
        body["productCategory"] = category
    return body


def service_body(plan: ItemPlan, *, billing_code_id: int, period_type: int) -> dict[str, Any]:
    """A Service for a recurring line that did not come from Autotask (AT-6)."""
    return {
        "name": plan.catalog_name[:NAME_LENGTH],
        "description": plan.description,
        "billingCodeID": billing_code_id,
        "periodType": period_type,
        "unitPrice": float(plan.unit_price),
        "unitCost": None if plan.unit_cost is None else float(plan.unit_cost),
        "isActive": True,
    }


def _clip(text: str | None, length: int) -> str | None:
    return None if text is None else text[:length]


def _required(values: Mapping[str, int], label: str, what: str) -> int:
    value = values.get(label_key(label))
    if value is None:
        raise VendorRejected(f"Autotask has no {what} labelled {label!r}")
    return value
