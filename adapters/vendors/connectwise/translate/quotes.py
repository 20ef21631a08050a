"""A hub quote as a ConnectWise opportunity, its product items and catalog items (CW-4, CW-7,
BSS-3, QUO-3..6). Pure functions, no I/O: ids the instance gives are passed in.

- The opportunity: ``name`` (the quote's number and title, at most 100), ``company``,
  ``contact``, ``primarySalesRep`` (2025.1 requires all four), the new-quote defaults (stage,
  status, type, probability, location, department) and ``expectedCloseDate`` (the quote's
  expiry, UTC ``…T00:00:00Z``). ConnectWise has no amount field: the value is its product items.
- A product item per quote line, marked ``integrationXRef = "q2c:" + line id`` so the hub knows
  its own: only changed lines are written; items a person added in ConnectWise (no mark) are
  never changed or deleted.
- A catalog item for an item with no match by MPN (CW-7, BSS-3): identifier, description and
  customer description from the name, ``inactiveFlag`` not enabled, type, class, category and
  subcategory from the settings, price, cost, taxable flag, MPN; never changed afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID

from adapters.vendors.connectwise.contract import api_time
from application.quotes.snapshot import QuoteSnapshot, SnapshotLine

XREF_PREFIX = "q2c:"
NAME_LIMIT = 100
DESCRIPTION_LIMIT = 60


@dataclass(frozen=True)
class OpportunityIds:
    company: int
    contact: int
    owner: int
    stage: int
    status: int
    type: int
    probability: int
    location: int
    department: int


def opportunity_name(quote: QuoteSnapshot) -> str:
    return f"{quote.number} {quote.title}".strip()[:NAME_LIMIT]


def close_date(quote: QuoteSnapshot) -> str:
    return api_time(datetime.combine(quote.expires_on, time(), tzinfo=UTC))


def opportunity_body(quote: QuoteSnapshot, ids: OpportunityIds) -> dict[str, Any]:
    """A new opportunity with the new-quote defaults and its owner (CW-4)."""
    return {
        "name": opportunity_name(quote),
        "company": {"id": ids.company},
        "contact": {"id": ids.contact},
        "primarySalesRep": {"id": ids.owner},
        "stage": {"id": ids.stage},
        "status": {"id": ids.status},
        "type": {"id": ids.type},
        "probability": {"id": ids.probability},
        "locationId": ids.location,
        "businessUnitId": ids.department,
        "expectedCloseDate": close_date(quote),
    }


def opportunity_update(quote: QuoteSnapshot) -> list[dict[str, Any]]:
    """What a republish writes on the opportunity: its name and close date (the stage and
    status are the tenant's to move, or won and lost's)."""
    return [
        {"op": "replace", "path": "name", "value": opportunity_name(quote)},
        {"op": "replace", "path": "expectedCloseDate", "value": close_date(quote)},
    ]


def line_xref(line_id: UUID) -> str:
    return f"{XREF_PREFIX}{line_id}"


def _money(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def product_item_body(line: SnapshotLine, catalog_id: int, opportunity_id: int) -> dict[str, Any]:
    """A quote line as a product item on the opportunity (QUO-3): the net unit price."""
    return {
        "catalogItem": {"id": catalog_id},
        "opportunity": {"id": opportunity_id},
        "description": line.name[:2000],
        "customerDescription": (line.description or line.name)[:6000],
        "quantity": float(line.quantity),
        "price": float(line.net_unit_price),
        "cost": _money(line.unit_cost),
        "billableOption": "Billable",
        "taxableFlag": line.taxable,
        "sequenceNumber": line.position,
        "integrationXRef": line_xref(line.id),
    }


# What a product item's update may change; its parent and catalog item are fixed.
UPDATABLE = (
    "description",
    "customerDescription",
    "quantity",
    "price",
    "cost",
    "taxableFlag",
    "sequenceNumber",
)


@dataclass(frozen=True)
class ItemPlan:
    """The writes that make the opportunity's items the quote's lines (QUO-6)."""

    create: tuple[dict[str, Any], ...]
    update: tuple[tuple[int, tuple[dict[str, Any], ...]], ...]  # item id, JSON Patch
    delete: tuple[int, ...]


def plan_items(
    wanted: Sequence[Mapping[str, Any]], existing: Sequence[Mapping[str, Any]]
) -> ItemPlan:
    """Only changed lines are written; a twin of a line (a retried create) is deleted; items
    without the hub's mark are left alone."""
    by_xref: dict[str, list[Mapping[str, Any]]] = {}
    for item in existing:
        xref = str(item.get("integrationXRef") or "")
        if xref.startswith(XREF_PREFIX):
            by_xref.setdefault(xref, []).append(item)
    create, update, delete = [], [], []
    for body in wanted:
        found = sorted(by_xref.pop(body["integrationXRef"], []), key=lambda i: int(i["id"]))
        if not found:
            create.append(dict(body))
            continue
        keep, *twins = found
        delete += [int(t["id"]) for t in twins]
        ops = tuple(
            {"op": "replace", "path": name, "value": body[name]}
            for name in UPDATABLE
            if not _same(keep.get(name), body[name])
        )
        if ops:
            update.append((int(keep["id"]), ops))
    delete += [int(i["id"]) for items in by_xref.values() for i in items]
    return ItemPlan(tuple(create), tuple(update), tuple(sorted(delete)))


def _same(current: object, wanted: object) -> bool:
    if isinstance(wanted, float) and isinstance(current, int | float):
        return abs(float(current) - wanted) < 1e-9
    return current == wanted or (current in (None, "") and wanted in (None, ""))


@dataclass(frozen=True)
class CatalogIds:
    type: int
    category: int
    subcategory: int


def catalog_identifier(line: SnapshotLine) -> str:
    return (line.sku or line.mpn or line.name)[:75]


def catalog_item_body(
    line: SnapshotLine,
    ids: CatalogIds,
    *,
    product_class: str,
    recurrence_cycle: str | None,
) -> dict[str, Any]:
    """A new catalog item (CW-7, BSS-3); ``inactiveFlag`` from "enabled", negated."""
    body: dict[str, Any] = {
        "identifier": catalog_identifier(line),
        "description": line.name[:DESCRIPTION_LIMIT],
        "customerDescription": (line.description or line.name)[:6000],
        "type": {"id": ids.type},
        "category": {"id": ids.category},
        "subcategory": {"id": ids.subcategory},
        "productClass": product_class,
        "price": float(line.unit_price),
        "cost": _money(line.unit_cost),
        "taxableFlag": line.taxable,
        "inactiveFlag": False,  # an item quoted is enabled
        "manufacturerPartNumber": line.mpn or line.sku,
    }
    if line.period is not None and recurrence_cycle is not None:
        body["recurringFlag"] = True
        body["recurringCycleType"] = recurrence_cycle
    return body
