"""The hub's catalog ↔ Autotask's Products, Services and labor codes: pure rules, no I/O.

Categories (AT-3, AT-7): Autotask's API cannot create product categories, so a hub category and
subcategory are matched to the Products ``productCategory`` picklist, any case, trying in
order the item-category mapping's label, "Category - Subcategory", "Subcategory", "Category";
with no match the field stays unset. Pulled back, a label the mapping names becomes that hub
category (and subcategory); any other is split at " - ".

Periods: the hub's periods are Autotask's ``periodType`` labels; labels are compared without
case or punctuation ("Semi-Annual" ~ "semiannual"), since picklists are per instance.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from adapters.vendors.autotask.settings import QuoteSettings
from adapters.vendors.autotask.translate.companies import text_or_none
from adapters.vendors.autotask.translate.records import picklist_labels
from application.quotes.ports import PsaItem
from domain.catalog.item import ItemKind, Period
from domain.shared.errors import InvalidValue
from domain.shared.numbers import exact_decimal

PERIOD_LABELS: dict[Period | None, str] = {
    None: "One-Time",
    Period.MONTHLY: "Monthly",
    Period.QUARTERLY: "Quarterly",
    Period.SEMIANNUAL: "Semi-Annual",
    Period.YEARLY: "Yearly",
}


def label_key(label: str) -> str:
    return re.sub(r"[^0-9a-z]", "", label.casefold())


def by_label(fields: Iterable[Mapping[str, Any]], name: str) -> dict[str, int]:
    """A picklist's values keyed by their normalised label."""
    return {
        label_key(label): int(value)
        for value, label in picklist_labels(fields, name).items()
        if value.lstrip("-").isdigit()
    }


def period_of_label(label: str | None) -> Period | None:
    """The hub period of an Autotask periodType label; One-Time and unknown are None (AT-7)."""
    wanted = label_key(label or "")
    return next((p for p, text in PERIOD_LABELS.items() if label_key(text) == wanted), None)


def category_candidates(
    category: str | None, subcategory: str | None, mapped: str | None
) -> tuple[str, ...]:
    """AT-3: the productCategory labels a line may match, best first."""
    found = [mapped] if mapped else []
    if category and subcategory:
        found.append(f"{category} - {subcategory}")
    found += [name for name in (subcategory, category) if name]
    return tuple(dict.fromkeys(found))


def product_category(labels: Mapping[str, str], candidates: Sequence[str]) -> int | None:
    """AT-3: the value of the first candidate that is a productCategory label; None: unset."""
    by_text = {text.strip().casefold(): value for value, text in labels.items()}
    for candidate in candidates:
        value = by_text.get(candidate.strip().casefold())
        if value is not None and value.lstrip("-").isdigit():
            return int(value)
    return None


def hub_category(label: str | None, settings: QuoteSettings) -> tuple[str | None, str | None]:
    """AT-7: an Autotask product category as the hub's category and subcategory."""
    if not label:
        return None, None
    wanted = label.casefold()
    for category, (rule, subcategories) in settings.categories.items():
        for subcategory, sub in subcategories.items():
            if (sub.autotask_category or "").casefold() == wanted:
                return category, subcategory
        if (rule.autotask_category or "").casefold() == wanted:
            return category, None
    category, _, subcategory = label.partition(" - ")
    return category.strip() or None, subcategory.strip() or None


def product_item(
    item: Mapping[str, Any],
    settings: QuoteSettings,
    categories: Mapping[str, str],
    periods: Mapping[str, str],
) -> PsaItem:
    """A pulled Product with its prices, period and hub category (CAT-2, AT-7)."""
    label = categories.get(str(item.get("productCategory")))
    category, subcategory = hub_category(label, settings)
    return PsaItem(
        external_id=str(item["id"]),
        kind=ItemKind.PRODUCT,
        source_kind="product",
        name=str(item.get("name") or ""),
        sku=text_or_none(item.get("sku")),
        mpn=text_or_none(item.get("manufacturerProductName")),
        description=text_or_none(item.get("description")),
        unit_price=decimal_or_none(item.get("unitPrice")),
        unit_cost=decimal_or_none(item.get("unitCost")),
        period=period_of_label(periods.get(str(item.get("periodType")))),
        category=category,
        subcategory=subcategory,
        active=item.get("isActive") is not False,
    )


def service_item(item: Mapping[str, Any], periods: Mapping[str, str]) -> PsaItem:
    """A pulled Service: always recurring, with its prices (CAT-2)."""
    return PsaItem(
        external_id=str(item["id"]),
        kind=ItemKind.SERVICE,
        source_kind="service",
        name=str(item.get("name") or ""),
        description=text_or_none(item.get("description")),
        unit_price=decimal_or_none(item.get("unitPrice")),
        unit_cost=decimal_or_none(item.get("unitCost")),
        period=period_of_label(periods.get(str(item.get("periodType")))),
        active=item.get("isActive") is not False,
    )


def labor_item(item: Mapping[str, Any]) -> PsaItem:
    """A pulled labor billing code (a work type): a one-time labor item at its rate (AT-4)."""
    return PsaItem(
        external_id=str(item["id"]),
        kind=ItemKind.LABOR,
        source_kind="labor",
        name=str(item.get("name") or ""),
        description=text_or_none(item.get("description")),
        unit_price=decimal_or_none(item.get("unitPrice")),
        unit_cost=decimal_or_none(item.get("unitCost")),
        active=item.get("isActive") is not False,
    )


def decimal_or_none(value: object) -> Decimal | None:
    """An amount Autotask sent as a JSON number; None when it sent none or garbage (INT-7)."""
    if value is None:
        return None
    try:
        return exact_decimal(value, "amount", from_json=True)
    except InvalidValue:
        return None
