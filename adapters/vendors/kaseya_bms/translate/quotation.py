"""A quote → its Kaseya BMS service quotation, line items, items and PDF name: pure, no I/O.

KBMS-1 the item type comes from the category mapping; KBMS-3 a service line needs service
quotations on and a unit price and unit cost, or it is left out with a warning; KBMS-4 the item
discount is folded into the unit price and no discount is posted; KBMS-5 a service quotation
carries no tax; KBMS-6 its lines come from its one warehouse. Bodies are the published
``QuotationLineItemInputDto`` and ``ServiceInputDto``, and ``QuotationInputDto`` and
``ProductInputDto``, which are NOT IN THE PUBLISHED SPEC (named as the published outputs).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from adapters.vendors.kaseya_bms.settings import QuoteSettings
from adapters.vendors.kaseya_bms.translate.quotes import (
    NAME_LENGTH,
    decimal_of,
    midnight,
    money,
    number,
    same,
)
from application.integrations.ports import VendorRejected
from application.quotes.snapshot import QuoteSnapshot, SnapshotLine

SERVICE_TYPE = "service"
KASEYA = "kaseya_bms"  # ``System.KASEYA_BMS``: where a line pulled from Kaseya came from
DIGEST_LENGTH = 12
MARKER_PREFIX = "q2c:"


def quotation_name(quote: QuoteSnapshot) -> str:
    """Starts with the quote's number: how a retried push recognises its quotation."""
    return f"{quote.number} {quote.title}"[:NAME_LENGTH]


def is_quotation_of(quote: QuoteSnapshot, name: object) -> bool:
    return isinstance(name, str) and name.startswith(f"{quote.number} ")


def quotation_body(
    quote: QuoteSnapshot, opportunity: Mapping[str, Any], warehouse_id: int | None
) -> dict[str, Any]:
    """The quotation of an opportunity: NOT IN THE PUBLISHED SPEC (its ``QuotationInputDto`` is
    named as the published output). Every line comes from the one warehouse (KBMS-6)."""
    return {
        "Name": quotation_name(quote),
        "OpportunityId": opportunity["Id"],
        "AccountId": opportunity.get("AccountId"),
        "LocationId": opportunity.get("AccountLocationId"),
        "SalesRepresentativeUserId": opportunity.get("SalesRepresentativeUserId"),
        "ExpiryDate": midnight(quote.expires_on),
        "WarehouseId": warehouse_id,
    }


def quotation_changed(quote: QuoteSnapshot, current: Mapping[str, Any]) -> bool:
    """Whether the quotation's name or expiry date is not the quote's any more."""
    wanted = {"Name": quotation_name(quote), "ExpiryDate": midnight(quote.expires_on)}
    return not all(str(current.get(k) or "")[: len(v)] == v for k, v in wanted.items())


def quotation_update(
    quote: QuoteSnapshot, current: Mapping[str, Any], warehouse_id: int | None
) -> dict[str, Any]:
    """The whole body of a quotation's PUT, which is NOT IN THE PUBLISHED SPEC."""
    kept = ("OpportunityId", "AccountId", "LocationId", "StatusId", "SalesRepresentativeUserId")
    return {
        **{k: current.get(k) for k in kept},
        "Name": quotation_name(quote),
        "ExpiryDate": midnight(quote.expires_on),
        "WarehouseId": warehouse_id,
    }


def item_type(line: SnapshotLine, settings: QuoteSettings) -> str:
    """The line's Kaseya item type: an item pulled from Kaseya keeps its own; else a setting's
    override for its (sub)category, its category's Kaseya type, or the type for its kind."""
    if line.source is not None and line.source.system == KASEYA:
        return "Service" if line.source.kind == SERVICE_TYPE else "Product"
    overrides = settings.item_type_overrides
    for name in (line.subcategory, line.category):
        if name is not None and name in overrides:
            return overrides[name]
    if line.kaseya_item_type:
        return line.kaseya_item_type
    return settings.item_types.get(line.kind.value, "Product")


def is_service(type_name: str) -> bool:
    return type_name.casefold() == SERVICE_TYPE


def item_type_ids(settings: QuoteSettings, lookup: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Item type name (any case) → ``itemTypeId``: the setting, else Kaseya's look-up."""
    pairs = settings.item_type_ids.items() or (
        (r.get("Name"), r.get("Id")) for r in lookup if r.get("IsActive") is not False
    )
    return {n.casefold(): i for n, i in pairs if isinstance(n, str) and isinstance(i, int)}


def item_type_id(type_name: str, ids: Mapping[str, int]) -> int:
    found = ids.get(type_name.casefold())
    if found is None:
        raise VendorRejected(
            f"Kaseya BMS has no item type {type_name!r}: map the category to one of "
            f"{sorted(ids)} (item_types, item_type_overrides or item_type_ids settings)"
        )
    return found


def skipped_line(line: SnapshotLine, type_name: str, settings: QuoteSettings) -> str | None:
    """Why a service line is left out of the quotation, or None: service line items need
    service quotations on (KBMS-2) and a unit price and unit cost (KBMS-3). Kaseya reads a
    zero price or cost as none set."""
    if not is_service(type_name):
        return None
    where = f"line {line.position} {line.name!r}"
    if not settings.service_quotations:
        return f"{where}: Kaseya takes service items on service quotations only; not added"
    if line.unit_price > 0 and line.unit_cost is not None and line.unit_cost > 0:
        return None
    return priceless(where)


def priceless(where: str) -> str:
    return f"{where}: Kaseya needs a unit price and unit cost for service items; not added"


def priced_service(record: Mapping[str, Any]) -> bool:
    """KBMS-3, KBMS-9: a Kaseya service with both a unit price and a unit cost."""
    price, cost = decimal_of(record.get("UnitPrice")), decimal_of(record.get("UnitCost"))
    return price is not None and price > 0 and cost is not None and cost > 0


def product_body(line: SnapshotLine) -> dict[str, Any]:
    """A product for a line Kaseya has none for: NOT IN THE PUBLISHED SPEC (``ProductInputDto``
    named as ``ProductsListSearchSelectOutputDto``)."""
    return {
        "ProductNumber": product_number(line),
        "ProductName": line.name[:NAME_LENGTH],
        "ProductDescription": line.description,
    }


def product_number(line: SnapshotLine) -> str:
    """The line's SKU, else its MPN, else a number made from the hub's id (found again later)."""
    return line.sku or line.mpn or f"Q2C-{str(line.item_id or line.id)[:8].upper()}"


def service_body(line: SnapshotLine, quote: QuoteSnapshot) -> dict[str, Any]:
    """A ``ServiceInputDto`` for a service line Kaseya has none for, priced as the line."""
    return {
        "Name": line.name[:NAME_LENGTH],
        "Description": line.description,
        "UnitPrice": money(line.unit_price, quote.currency),
        "UnitCost": money(line.unit_cost or Decimal(0), quote.currency),
        "IsActive": True,
        "IsTaxable": line.taxable,
    }


def line_marker(line: SnapshotLine) -> str:
    """What marks a line item as this hub line's, so a retried push finds it (QUO-6)."""
    return f"{MARKER_PREFIX}{line.id}"


def is_pushed(record: Mapping[str, Any]) -> bool:
    """Whether a line item was made by a push (a line a Kaseya user added is left alone)."""
    return str(record.get("ExtDistReference") or "").startswith(MARKER_PREFIX)


def line_item_body(
    line: SnapshotLine, quote: QuoteSnapshot, settings: QuoteSettings
) -> dict[str, Any]:
    """A ``QuotationLineItemInputDto``: the item discount folded into the unit price (KBMS-4),
    no discount of its own, and no tax on a service quotation (KBMS-5).

    ``ExtDistReference`` (a distributor's reference, unused by the tenant's own items) carries
    the hub line's marker: the published API lists no line items, so nothing else could tell
    a line the push made after its answer was lost.
    """
    period = f" ({line.period.value})" if line.period is not None else ""
    return {
        "Name": f"{line.name}{period}"[:NAME_LENGTH],
        "Description": line.description or "",
        "ExtDistReference": line_marker(line),
        "UnitPrice": money(line.net_unit_price, quote.currency),
        "UnitCost": money(line.unit_cost or Decimal(0), quote.currency),
        "Quantity": number(line.quantity),
        "Discount": 0.0,
        "Taxable": line.taxable and not settings.service_quotations,
    }


def line_changes(wanted: Mapping[str, Any], current: Mapping[str, Any]) -> bool:
    """Whether a line item as read differs from the one the quote wants."""
    return not all(same(current.get(name), value) for name, value in wanted.items())


def pdf_name(quote: QuoteSnapshot, pdf: bytes) -> str:
    """The attachment's file name: the quote's number and a digest of the PDF, so a push sees
    whether the PDF on the opportunity is this one without downloading it (QUO-6)."""
    return f"{quote.number} {hashlib.sha256(pdf).hexdigest()[:DIGEST_LENGTH]}.pdf"


def is_pdf_of(quote: QuoteSnapshot, name: object) -> bool:
    """Whether an attachment is a PDF a push left for this quote (a user's own files are not)."""
    if not isinstance(name, str) or not name.startswith(f"{quote.number} "):
        return False
    digest, _, extension = name.removeprefix(f"{quote.number} ").partition(".")
    return extension == "pdf" and len(digest) == DIGEST_LENGTH and _hex(digest)


def _hex(text: str) -> bool:
    return all(c in "0123456789abcdef" for c in text)


def digest(value: object) -> str:
    """A short digest of what a push sent (a body, a set of ids), kept in a link so the next
    push knows what Kaseya holds without reading it (QUO-6)."""
    text = json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:DIGEST_LENGTH]


def header_digest(quote: QuoteSnapshot) -> str:
    """The digest of what ``quotation_changed`` compares: the quotation's name and expiry."""
    return digest([quotation_name(quote), midnight(quote.expires_on)])


def zero_quantity(item: Mapping[str, Any]) -> dict[str, Any]:
    """A ``QuotationLineItemInputDto`` of a listed line item at quantity 0: how a line the quote
    lost is taken off a quotation on an instance that cannot delete line items."""
    texts = {k: item.get(k) for k in ("Name", "Description", "ExtDistReference")}
    prices = {k: float(item.get(k) or 0) for k in ("UnitPrice", "UnitCost")}
    return {**texts, **prices, "Taxable": item.get("Taxable") is True, "Quantity": 0.0}
