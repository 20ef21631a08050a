"""A quote line's catalog item, looked up by MPN and made when missing (CW-7, BSS-3).

The link (hub item, or the line for an ad-hoc one → catalog item) is asked first; then the
catalog by manufacturer part number: every unlinked line's MPN in one ``in (…)`` query (an
item without one by its identifier, likewise), in chunks that keep the URL short, the active
items only, answers checked to match (a filter a server ignored would answer everything);
then a new item, made only for what is still missing, with the configured type, class,
recurrence and category mapping (unmapped categories take the default). The hub never
changes a catalog item after that: there is no PATCH here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote
from uuid import UUID

from adapters.vendors.connectwise import lookups
from adapters.vendors.connectwise.client import ConnectWiseClient
from adapters.vendors.connectwise.contract import linked_id, quoted, shared_link
from adapters.vendors.connectwise.settings import ConnectWiseSettings
from adapters.vendors.connectwise.translate.quotes import (
    CatalogIds,
    catalog_identifier,
    catalog_item_body,
)
from application.integrations.ports import ExternalLinks, VendorRejected
from application.quotes.snapshot import SnapshotLine

CATALOG = "procurement/catalog"
CATALOG_LINK = "catalog_item"  # ExternalLinks: hub item (or ad-hoc line) → catalog item


MPN, IDENTIFIER = "manufacturerPartNumber", "identifier"
MPNS_PER_QUERY = 50  # one ``manufacturerPartNumber in (…)`` query's list …
MAX_CONDITIONS = 1500  # … and its characters as sent, URL-encoded: the URL stays under 2,000


def mpn_of(line: SnapshotLine) -> str | None:
    """The manufacturer part number a line's catalog item is looked up by (its SKU when the
    hub item has none); None when it has neither (then by its identifier)."""
    found = (line.mpn or line.sku or "").strip()
    return found or None


async def catalog_items(
    client: ConnectWiseClient,
    links: ExternalLinks,
    settings: ConnectWiseSettings,
    lines: Sequence[SnapshotLine],
) -> dict[UUID, int]:
    """Each line's catalog item id, by line id. Linked lines ask nothing of ConnectWise; the
    others' MPNs are looked up together (``in (…)``, ``find_by``; the identifiers of those
    without one likewise), and only the items still missing are made (BSS-3), each once
    however many lines use it."""
    connection_id = client.connection.connection_id
    found: dict[UUID, int] = {}
    unlinked: list[SnapshotLine] = []
    for line in lines:
        linked = await links.find(connection_id, CATALOG_LINK, line.item_id or line.id)
        if linked is not None:
            found[line.id] = linked_id(linked)
        else:
            unlinked.append(line)
    found_by = {MPN: dict[str, int](), IDENTIFIER: dict[str, int]()}

    async def look_up(among: Sequence[SnapshotLine]) -> None:
        """The catalog items of these lines, one ``in (…)`` query per field (and chunk)."""
        wanted = [_wanted(line) for line in among if not _picked(line)]
        for field, known in found_by.items():
            values = [v for f, v in wanted if f == field and _folded(v) not in known]
            known.update(await find_by(client, field, values))

    await look_up(unlinked)
    for at, line in enumerate(unlinked):
        key = line.item_id or line.id
        field, wanted = _wanted(line)
        known = found_by[field]
        if _picked(line) and line.source is not None:
            item_id: int | None = int(line.source.external_id)  # picked in the product search
        else:
            item_id = known.get(_folded(wanted))
        if item_id is None:
            if not settings.syncs.products:
                raise VendorRejected(
                    f"ConnectWise has no catalog item with MPN {mpn_of(line)!r} for "
                    f"{line.name!r}, and the products sync that would make it is off"
                )
            body = await new_item_body(client, settings, line)
            try:
                item_id = int((await client.create(CATALOG, body))["id"])
            except VendorRejected:
                # Made meanwhile by another quote's publish (its identifier taken): the
                # lines still to come are looked up again at once, and this one adopted.
                await look_up(unlinked[at:])
                item_id = known.get(_folded(wanted))
                if item_id is None:
                    raise
            known[_folded(wanted)] = item_id  # a second line of this item uses it
        await links.link(connection_id, CATALOG_LINK, key, shared_link(str(item_id), key))
        found[line.id] = item_id
    return found


def _wanted(line: SnapshotLine) -> tuple[str, str]:
    """The field and value a line's catalog item is looked up by: its MPN, else (an item
    without one) its identifier."""
    mpn = mpn_of(line)
    return (MPN, mpn) if mpn else (IDENTIFIER, catalog_identifier(line))


async def find_by(client: ConnectWiseClient, field: str, values: Sequence[str]) -> dict[str, int]:
    """The active catalog items whose ``field`` (the MPN, CW-7; the identifier of an item
    without one) is one of ``values``: their ids by folded value, the first (lowest id) of
    each. One ``field in (…)`` query per chunk that keeps the URL short, each answer paged by
    its ``Link`` and checked to match (a filter a server ignored would answer everything)."""
    wanted = list(dict.fromkeys(v.strip() for v in values if v.strip()))
    keys = {_folded(v) for v in wanted}
    found: dict[str, int] = {}
    for chunk in _chunks(wanted):
        listed = ", ".join(quoted(v) for v in chunk)
        rows = await client.all(
            CATALOG, conditions=f"{field} in ({listed}) and inactiveFlag=false", order_by="id asc"
        )
        for row in rows:
            key = _folded(str(row.get(field) or ""))
            if key in keys and key not in found:
                found[key] = int(row["id"])
    return found


def _picked(line: SnapshotLine) -> bool:
    """A line made from a ConnectWise catalog item picked in the product search (CAT-2)."""
    return line.source is not None and line.source.system == "connectwise"


def _chunks(mpns: Sequence[str]) -> list[list[str]]:
    chunks: list[list[str]] = []
    size = 0
    for mpn in mpns:
        # As the URL carries it: a quote, comma, space, slash, # or + is three characters there.
        length = len(quote(f"{quoted(mpn)}, ", safe=""))
        if not chunks or len(chunks[-1]) >= MPNS_PER_QUERY or size + length > MAX_CONDITIONS:
            chunks.append([])
            size = 0
        chunks[-1].append(mpn)
        size += length
    return chunks


def _folded(mpn: str) -> str:
    return mpn.strip().casefold()


async def new_item_body(
    client: ConnectWiseClient, settings: ConnectWiseSettings, line: SnapshotLine
) -> dict[str, Any]:
    products = settings.products
    place = products.place(line.category)
    category = await lookups.resolve(client, "categories", place.category, "category_mapping")
    subcategory = await lookups.entry(
        client, "subcategories", place.subcategory, "category_mapping"
    )
    parent = (subcategory.get("category") or {}).get("id")
    if parent is not None and parent != category:
        raise VendorRejected(
            f"the ConnectWise subcategory {place.subcategory!r} is not under {place.category!r}"
        )
    ids = CatalogIds(
        type=await lookups.resolve(client, "product_types", products.type, "product_type"),
        category=category,
        subcategory=int(subcategory["id"]),
    )
    return catalog_item_body(
        line,
        ids,
        product_class=products.product_class,
        recurrence_cycle=products.recurrence_cycle,
    )
