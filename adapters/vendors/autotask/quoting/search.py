"""Real-time look-ups in Autotask: the opportunity selector (QUO-5, AT-2), contacts, the
product cloud (CAT-2, AT-7) and a portal company's open opportunities (PAY-14); and the
query helpers the publish shares (every page, ``in`` conditions kept under Autotask's limit).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from adapters.vendors.autotask.client import MAX_RECORDS, AutotaskClient
from adapters.vendors.autotask.contract import udf_value
from adapters.vendors.autotask.settings import QuoteSettings
from adapters.vendors.autotask.translate.catalog import (
    decimal_or_none,
    labor_item,
    product_item,
    service_item,
)
from adapters.vendors.autotask.translate.companies import text_or_none
from adapters.vendors.autotask.translate.records import picklist_labels, picklist_value
from application.integrations.ports import VendorRejected
from application.quotes.ports import OpportunitySearch, PsaContact, PsaItem, PsaOpportunity

OPPORTUNITIES, COMPANIES, CONTACTS = "Opportunities", "Companies", "Contacts"
PRODUCTS, SERVICES, BILLING_CODES = "Products", "Services", "BillingCodes"
WORK_TYPE = "Work Type"  # the billing code use type of labor
ACTIVE_LABEL = "Active"  # the Opportunity status the selector and the portal show (AT-2)
IN_CHUNK = 200  # values per query: Autotask takes at most 500 OR conditions a query

Filter = list[dict[str, Any]]


async def query_all(
    client: AutotaskClient,
    entity: str,
    filter: Sequence[Mapping[str, Any]],
    *,
    limit: int | None = None,
    include: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Every record the filter matches (up to ``limit``), following ``nextPageUrl``."""
    body: dict[str, Any] = {"filter": [dict(f) for f in filter], "MaxRecords": MAX_RECORDS}
    if limit is not None:
        body["MaxRecords"] = max(1, min(limit, MAX_RECORDS))
    if include:
        body["IncludeFields"] = list(include)
    items: list[dict[str, Any]] = []
    url: str | None = None
    while True:
        page = await client.query_page(entity, body, url)
        items += page.items
        if page.next_page_url is None or (limit is not None and len(items) >= limit):
            return items if limit is None else items[:limit]
        url = page.next_page_url


def in_conditions(values: Mapping[str, Iterable[str | int]]) -> list[dict[str, Any]]:
    """``field in [...]`` conditions (OR-ed across fields), at most ``IN_CHUNK`` values each."""
    pairs = [(field, value) for field in sorted(values) for value in sorted(set(values[field]))]
    conditions = []
    for start in range(0, len(pairs), IN_CHUNK):
        grouped: dict[str, list[str | int]] = {}
        for field, value in pairs[start : start + IN_CHUNK]:
            grouped.setdefault(field, []).append(value)
        items = [{"op": "in", "field": f, "value": v} for f, v in grouped.items()]
        conditions.append(items[0] if len(items) == 1 else {"op": "or", "items": items})
    return conditions


async def active_status(client: AutotaskClient) -> int:
    value = picklist_value(await client.fields_of(OPPORTUNITIES), "status", ACTIVE_LABEL)
    if value is None:
        raise VendorRejected(f"Autotask has no Opportunity status labelled {ACTIVE_LABEL!r}")
    return value


async def search_opportunities(
    client: AutotaskClient, settings: QuoteSettings, search: OpportunitySearch, today: date
) -> list[PsaOpportunity]:
    """AT-2: active opportunities whose projected close date is after today."""
    tomorrow = datetime.combine(today + timedelta(days=1), datetime.min.time()).isoformat()
    conditions: Filter = [
        {"op": "eq", "field": "status", "value": await active_status(client)},
        {"op": "gte", "field": "projectedCloseDate", "value": tomorrow},
    ]
    if text_or_none(search.text):
        conditions.append({"op": "contains", "field": "title", "value": str(search.text).strip()})
    if search.company_ref:
        conditions.append({"op": "eq", "field": "companyID", "value": _int(search.company_ref)})
    items = await query_all(client, OPPORTUNITIES, conditions, limit=search.limit)
    return await _opportunities(client, settings, items)


async def open_opportunities(
    client: AutotaskClient, settings: QuoteSettings, company_ref: str
) -> list[PsaOpportunity]:
    """PAY-14: the company's active opportunities, each with its quote URL if it has one."""
    conditions: Filter = [
        {"op": "eq", "field": "companyID", "value": _int(company_ref)},
        {"op": "eq", "field": "status", "value": await active_status(client)},
    ]
    return await _opportunities(
        client, settings, await query_all(client, OPPORTUNITIES, conditions)
    )


async def search_contacts(client: AutotaskClient, text: str, limit: int) -> list[PsaContact]:
    """Active contacts whose first or last name or email contains the text."""
    words = text.split()
    matches: Filter = [
        {"op": "contains", "field": field, "value": text.strip()}
        for field in ("firstName", "lastName", "emailAddress")
    ]
    if len(words) > 1:  # "Ada Lovelace": first and last name
        both = [
            {"op": "contains", "field": "firstName", "value": words[0]},
            {"op": "contains", "field": "lastName", "value": " ".join(words[1:])},
        ]
        matches.append({"op": "and", "items": both})
    conditions: Filter = [{"op": "eq", "field": "isActive", "value": 1}]
    if words:
        conditions.append({"op": "or", "items": matches})
    items = await query_all(client, CONTACTS, conditions, limit=limit)
    names = await company_names(client, (item.get("companyID") for item in items))
    return [_contact(item, names) for item in items]


async def search_items(
    client: AutotaskClient, settings: QuoteSettings, text: str, limit: int
) -> list[PsaItem]:
    """CAT-2: active Products, Services and labor codes (work-type billing codes) whose name
    (or a Product's SKU or MPN) contains the text, with prices and periods; a Product's
    category mapped to the hub's (AT-7)."""
    needle = text.strip()
    product_fields = ("name", "sku", "manufacturerProductName")
    products = await query_all(
        client, PRODUCTS, _active_containing(needle, product_fields), limit=limit
    )
    services = await query_all(client, SERVICES, _active_containing(needle, ("name",)), limit=limit)
    categories = picklist_labels(await client.fields_of(PRODUCTS), "productCategory")
    product_periods = picklist_labels(await client.fields_of(PRODUCTS), "periodType")
    service_periods = picklist_labels(await client.fields_of(SERVICES), "periodType")
    found = [product_item(item, settings, categories, product_periods) for item in products]
    found += [service_item(item, service_periods) for item in services]
    found += [labor_item(item) for item in await _labor_codes(client, needle, limit)]
    return found[:limit]


async def _labor_codes(client: AutotaskClient, text: str, limit: int) -> list[dict[str, Any]]:
    """Work-type billing codes: what a Labor quote item refers to (AT-4)."""
    work_type = picklist_value(await client.fields_of(BILLING_CODES), "useType", WORK_TYPE)
    if work_type is None:
        return []
    conditions = _active_containing(text, ("name",))
    conditions.append({"op": "eq", "field": "useType", "value": work_type})
    return await query_all(client, BILLING_CODES, conditions, limit=limit)


async def company_names(client: AutotaskClient, ids: Iterable[object]) -> dict[int, str]:
    wanted = {i for i in ids if isinstance(i, int) and not isinstance(i, bool)}
    names: dict[int, str] = {}
    for condition in in_conditions({"id": wanted}):
        for item in await query_all(client, COMPANIES, [condition], include=("companyName",)):
            names[item["id"]] = str(item.get("companyName") or "")
    return names


async def _opportunities(
    client: AutotaskClient, settings: QuoteSettings, items: Sequence[Mapping[str, Any]]
) -> list[PsaOpportunity]:
    fields = await client.fields_of(OPPORTUNITIES)
    statuses, stages = picklist_labels(fields, "status"), picklist_labels(fields, "stage")
    names = await company_names(client, (item.get("companyID") for item in items))
    return [
        PsaOpportunity(
            external_id=str(item["id"]),
            title=str(item.get("title") or ""),
            company_ref=_ref(item.get("companyID")),
            company_name=_name_of(item, names),
            contact_ref=_ref(item.get("contactID")),
            amount=decimal_or_none(item.get("amount")),
            status=statuses.get(str(item.get("status"))),
            stage=stages.get(str(item.get("stage"))),
            close_date=_date(item.get("projectedCloseDate")),
            quote_url=text_or_none(udf_value(item, settings.quote_url_udf)),
        )
        for item in items
    ]


def _active_containing(text: str, fields: Sequence[str]) -> Filter:
    conditions: Filter = [{"op": "eq", "field": "isActive", "value": True}]
    if text:
        contains = [{"op": "contains", "field": f, "value": text} for f in fields]
        conditions.append(contains[0] if len(contains) == 1 else {"op": "or", "items": contains})
    return conditions


def _contact(item: Mapping[str, Any], companies: Mapping[int, str]) -> PsaContact:
    name = " ".join(
        part
        for part in (text_or_none(item.get("firstName")), text_or_none(item.get("lastName")))
        if part
    )
    return PsaContact(
        external_id=str(item["id"]),
        name=name,
        company_ref=_ref(item.get("companyID")),
        company_name=_name_of(item, companies),
        email=text_or_none(item.get("emailAddress")),
        phone=text_or_none(item.get("phone")) or text_or_none(item.get("mobilePhone")),
    )


def _name_of(item: Mapping[str, Any], companies: Mapping[int, str]) -> str | None:
    company = item.get("companyID")
    return companies.get(company) if isinstance(company, int) else None


def _int(ref: str) -> int:
    try:
        return int(ref)
    except ValueError:
        raise VendorRejected(f"{ref!r} is not an Autotask id") from None


def _ref(value: object) -> str | None:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else None


def _date(value: object) -> date | None:
    try:
        return datetime.fromisoformat(str(value)).date() if value else None
    except ValueError:
        return None
