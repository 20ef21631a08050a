"""What new QuoteItems refer to: Products and Services matched or created, labor billing codes
and tax categories looked up by name (AT-3, AT-4, AT-6, AT-8).

Each kind is read with one query per publish (values grouped into ``in`` conditions), never
one per line. Matching rule: a line with a SKU matches the active Product with that SKU; a
line without one (and the quote-discount Product) matches by name; a Service matches by name;
all without case. Whatever is not found is created once per SKU or name, with the billing code
the settings name and, for Products, the category AT-3 matches.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from uuid import UUID

from adapters.vendors.autotask.client import AutotaskClient
from adapters.vendors.autotask.quoting.search import in_conditions, query_all
from adapters.vendors.autotask.settings import QuoteSettings
from adapters.vendors.autotask.translate.catalog import (
    PERIOD_LABELS,
    by_label,
    label_key,
    product_category,
)
from adapters.vendors.autotask.translate.quote_items import (
    ItemPlan,
    RefKind,
    product_body,
    service_body,
)
from adapters.vendors.autotask.translate.records import picklist_labels
from application.integrations.ports import VendorRejected

PRODUCTS, SERVICES = "Products", "Services"
BILLING_CODES, TAX_CATEGORIES = "BillingCodes", "TaxCategories"
ACTIVE = {"op": "eq", "field": "isActive", "value": True}


async def resolve_references(
    client: AutotaskClient, settings: QuoteSettings, plans: Sequence[ItemPlan]
) -> dict[UUID, int]:
    """The Product, Service or labor code id of each plan that has none yet."""
    products = [p for p in plans if p.kind is RefKind.PRODUCT]
    services = [p for p in plans if p.kind is RefKind.SERVICE]
    labor = [p for p in plans if p.kind is RefKind.LABOR]
    refs = await _match(client, PRODUCTS, products) | await _match(client, SERVICES, services)
    new_products = [p for p in products if p.key not in refs]
    new_services = [p for p in services if p.key not in refs]
    names = {p.labor_code or settings.labor_billing_code for p in labor}
    names |= {settings.product_billing_code} if new_products else set()
    names |= {settings.service_billing_code} if new_services else set()
    codes = await billing_codes(client, names)
    refs |= {p.key: codes[(p.labor_code or settings.labor_billing_code).casefold()] for p in labor}
    if new_products:
        code = codes[settings.product_billing_code.casefold()]
        refs |= await _create_products(client, new_products, code)
    if new_services:
        code = codes[settings.service_billing_code.casefold()]
        refs |= await _create_services(client, new_services, code)
    return refs


async def billing_codes(client: AutotaskClient, names: Iterable[str]) -> dict[str, int]:
    """Active billing codes by name (lower case); a name Autotask lacks is refused."""
    wanted = sorted(set(names))
    if not wanted:
        return {}
    found = await _by_name(client, BILLING_CODES, wanted)
    missing = [name for name in wanted if name.casefold() not in found]
    if missing:
        raise VendorRejected(
            f"Autotask has no active billing code named {missing[0]!r}: "
            "check the products-and-services settings (AT-9)"
        )
    return found


async def tax_category_ids(
    client: AutotaskClient, settings: QuoteSettings, plans: Iterable[ItemPlan]
) -> dict[str, int]:
    """AT-8: hub tax code (lower case) → the id of the Autotask tax category it maps to."""
    codes = {p.tax_code.casefold() for p in plans if p.tax_code}
    names = {
        code: settings.tax_categories[code] for code in codes if code in settings.tax_categories
    }
    if not names:
        return {}
    found = await _by_name(client, TAX_CATEGORIES, sorted(set(names.values())))
    for code, name in names.items():
        if name.casefold() not in found:
            raise VendorRejected(
                f"Autotask has no active tax category named {name!r}, which the tax-code "
                f"mapping gives the tax code {code!r} (AT-8)"
            )
    return {code: found[name.casefold()] for code, name in names.items()}


def _match_key(entity: str, plan: ItemPlan) -> tuple[str, str]:
    """What identifies a plan's Product or Service: its SKU if a Product has one, else name."""
    if entity == PRODUCTS and plan.sku:
        return "sku", plan.sku.casefold()
    return "name", plan.catalog_name.casefold()


async def _match(client: AutotaskClient, entity: str, plans: Sequence[ItemPlan]) -> dict[UUID, int]:
    keys = {plan.key: _match_key(entity, plan) for plan in plans}
    if not keys:
        return {}
    by_field: dict[str, set[str]] = {}
    for field, value in keys.values():
        by_field.setdefault(field, set()).add(value)
    found: dict[tuple[str, str], int] = {}
    for condition in in_conditions(by_field):
        for item in await query_all(client, entity, [ACTIVE, condition]):
            for field, wanted in by_field.items():
                text = str(item.get(field) or "").casefold()
                if text in wanted:
                    key = (field, text)
                    found[key] = min(found.get(key, item["id"]), item["id"])
    return {plan_key: found[key] for plan_key, key in keys.items() if key in found}


async def _by_name(client: AutotaskClient, entity: str, names: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for condition in in_conditions({"name": {name.casefold() for name in names}}):
        for item in await query_all(client, entity, [ACTIVE, condition]):
            name = str(item.get("name") or "").casefold()
            found[name] = min(found.get(name, item["id"]), item["id"])
    return found


async def _create_products(
    client: AutotaskClient, plans: Sequence[ItemPlan], billing_code_id: int
) -> dict[UUID, int]:
    labels = picklist_labels(await client.fields_of(PRODUCTS), "productCategory")
    firsts = _first_per_key(PRODUCTS, plans)

    async def create(plan: ItemPlan) -> int:
        category = product_category(labels, plan.categories)  # AT-3
        body = product_body(plan, billing_code_id=billing_code_id, category=category)
        return await client.create(PRODUCTS, body)

    return await _create_each(PRODUCTS, plans, firsts, create)


async def _create_services(
    client: AutotaskClient, plans: Sequence[ItemPlan], billing_code_id: int
) -> dict[UUID, int]:
    periods = by_label(await client.fields_of(SERVICES), "periodType")

    async def create(plan: ItemPlan) -> int:
        label = PERIOD_LABELS[plan.period]
        period_type = periods.get(label_key(label))
        if period_type is None:
            raise VendorRejected(f"Autotask has no Services periodType labelled {label!r}")
        body = service_body(plan, billing_code_id=billing_code_id, period_type=period_type)
        return await client.create(SERVICES, body)

    return await _create_each(SERVICES, plans, _first_per_key(SERVICES, plans), create)


def _first_per_key(entity: str, plans: Sequence[ItemPlan]) -> dict[tuple[str, str], ItemPlan]:
    firsts: dict[tuple[str, str], ItemPlan] = {}
    for plan in plans:
        firsts.setdefault(_match_key(entity, plan), plan)
    return firsts


async def _create_each(
    entity: str,
    plans: Sequence[ItemPlan],
    firsts: Mapping[tuple[str, str], ItemPlan],
    create: Callable[[ItemPlan], Awaitable[int]],
) -> dict[UUID, int]:
    """One record per SKU or name, created side by side within the limits."""
    keys = list(firsts)
    results = await asyncio.gather(*(create(firsts[key]) for key in keys), return_exceptions=True)
    ids: dict[tuple[str, str], int] = {}
    for key, result in zip(keys, results, strict=True):
        if isinstance(result, BaseException):
            raise result
        ids[key] = result
    return {plan.key: ids[_match_key(entity, plan)] for plan in plans}
