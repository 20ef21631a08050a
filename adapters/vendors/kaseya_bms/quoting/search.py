"""The real-time Kaseya BMS look-ups of quoting: the opportunity selector (QUO-5, KBMS-8), the
contact search, the product cloud (CAT-2, KBMS-9) and a portal organization's open
opportunities (PAY-14); with the Kaseya records they read mapped to the port's shapes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from adapters.vendors.kaseya_bms.client import KaseyaClient
from adapters.vendors.kaseya_bms.translate.quotation import priced_service
from adapters.vendors.kaseya_bms.translate.quotes import decimal_of, quote_url
from application.integrations.ports import VendorRejected
from application.quotes.ports import OpportunitySearch, PsaContact, PsaItem, PsaOpportunity
from domain.catalog.item import ItemKind


async def opportunities(client: KaseyaClient, search: OpportunitySearch) -> list[PsaOpportunity]:
    """KBMS-8: open, active opportunities (whatever the push-side status mapping says), by
    account and by words of their subject."""
    account = None if search.company_ref is None else kaseya_id(search.company_ref, "company")
    found = await client.open_active_opportunities(account_id=account)
    words = (search.text or "").casefold().split()
    matching = (r for r in found if all(w in str(r.get("Subject") or "").casefold() for w in words))
    return [psa_opportunity(record) for record in _unique(matching)][: search.limit]


async def open_opportunities(client: KaseyaClient, company_ref: str) -> list[PsaOpportunity]:
    """PAY-14: the account's open, active opportunities, with the quote URL a push wrote."""
    found = await client.open_active_opportunities(account_id=kaseya_id(company_ref, "company"))
    return [psa_opportunity(record) for record in _unique(found)]


async def contacts(client: KaseyaClient, text: str, limit: int) -> list[PsaContact]:
    """Contacts by email (text with an @), by first and last name, or by either name."""
    text = text.strip()
    words = text.split()
    if "@" in text:
        queries: list[dict[str, Any]] = [{"email": text}]
    elif len(words) > 1:
        queries = [{"first_name": words[0], "last_name": " ".join(words[1:])}]
    else:
        queries = [{"first_name": text}, {"last_name": text}]
    found: list[dict[str, Any]] = []
    for query in queries:
        found += (await client.find_contacts(**query)).items
    return [psa_contact(record) for record in _unique(found)][:limit]


async def items(client: KaseyaClient, text: str, limit: int) -> list[PsaItem]:
    """The product cloud: products by name or number (no prices) and services by name."""
    products = (await client.products(name=text)).items + (await client.products(number=text)).items
    services = (await client.services(name=text)).items
    unique_products = _unique(products, key="ProductIndexId")
    found = [product_item(r) for r in unique_products] + [service_item(r) for r in services]
    return found[:limit]


def psa_opportunity(record: Mapping[str, Any]) -> PsaOpportunity:
    return PsaOpportunity(
        external_id=str(record["Id"]),
        title=str(record.get("Subject") or ""),
        company_ref=_ref(record.get("AccountId")),
        company_name=record.get("AccountName"),
        contact_ref=_ref(record.get("ContactId")),
        amount=decimal_of(record.get("Amount")),
        status=record.get("Status"),
        close_date=_date(record.get("CloseDate")),
        quote_url=quote_url(record.get("Description")),
    )


def psa_contact(record: Mapping[str, Any]) -> PsaContact:
    name = " ".join(str(record.get(k) or "").strip() for k in ("FirstName", "LastName"))
    return PsaContact(
        external_id=str(record["Id"]),
        name=name.strip(),
        company_ref=_ref(record.get("AccountId")),
        company_name=record.get("AccountName"),
        email=_default(record.get("Emails"), "EmailAddress"),
        phone=_default(record.get("Phones"), "Phone"),
    )


def product_item(record: Mapping[str, Any]) -> PsaItem:
    """KBMS-9: Kaseya's API gives no product pricing, so a product comes without a price."""
    return PsaItem(
        external_id=str(record["ProductIndexId"]),
        kind=ItemKind.PRODUCT,
        source_kind="product",
        name=str(record.get("ProductName") or record.get("ProductNumber") or ""),
        sku=record.get("ProductNumber"),
        description=record.get("ProductDescription"),
    )


def service_item(record: Mapping[str, Any]) -> PsaItem:
    """KBMS-9: a service comes with its unit price and unit cost, when Kaseya has both."""
    price, cost = decimal_of(record.get("UnitPrice")), decimal_of(record.get("UnitCost"))
    priced = priced_service(record)  # Kaseya reads a zero price or cost as none set
    return PsaItem(
        external_id=str(record["Id"]),
        kind=ItemKind.SERVICE,
        source_kind="service",
        name=str(record.get("Name") or ""),
        description=record.get("Description"),
        unit_price=price if priced else None,
        unit_cost=cost if priced else None,
        category=record.get("Category"),
        subcategory=record.get("SubCategory"),
        active=record.get("IsActive") is not False,
    )


def kaseya_id(ref: str, what: str) -> int:
    """A Kaseya record id the hub holds as text."""
    try:
        return int(ref)
    except ValueError:
        raise VendorRejected(f"{ref!r} is not a Kaseya BMS {what} id") from None


def _unique(records: Iterable[Mapping[str, Any]], key: str = "Id") -> list[Mapping[str, Any]]:
    seen: dict[object, Mapping[str, Any]] = {}
    for record in records:
        seen.setdefault(record.get(key), record)
    return list(seen.values())


def _default(entries: object, field: str) -> str | None:
    found = [e for e in entries if isinstance(e, Mapping)] if isinstance(entries, list) else []
    found.sort(key=lambda e: e.get("IsDefault") is not True)
    values = [str(e[field]) for e in found if e.get(field)]
    return values[0] if values else None


def _ref(value: object) -> str | None:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) and value else None


def _date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None
