"""A quote line's catalog item, looked up by MPN and made when missing (CW-7, BSS-3).

The link (hub item, or the line for an ad-hoc one → catalog item) is asked first; then the
catalog by manufacturer part number (the active items; answers checked to match, since a
filter a server ignored would answer everything); then a new item with the configured type,
class, recurrence and category mapping (unmapped categories take the default). The hub never
changes a catalog item after that: there is no PATCH here.
"""

from __future__ import annotations

from typing import Any

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


async def catalog_item(
    client: ConnectWiseClient,
    links: ExternalLinks,
    settings: ConnectWiseSettings,
    line: SnapshotLine,
) -> int:
    connection_id = client.connection.connection_id
    key = line.item_id or line.id
    linked = await links.find(connection_id, CATALOG_LINK, key)
    if linked is not None:
        return linked_id(linked)
    if line.source is not None and line.source.system == "connectwise":
        found_id: int | None = int(line.source.external_id)  # picked in the product search
    else:
        found = await find_item(client, line.mpn or line.sku, catalog_identifier(line))
        found_id = int(found["id"]) if found else None
    if found_id is None:
        if not settings.syncs.products:
            raise VendorRejected(
                f"ConnectWise has no catalog item with MPN {line.mpn or line.sku!r} for "
                f"{line.name!r}, and the products sync that would make it is off"
            )
        body = await new_item_body(client, settings, line)
        found_id = await create_item(client, body, line.mpn or line.sku)
    await links.link(connection_id, CATALOG_LINK, key, shared_link(str(found_id), key))
    return found_id


async def create_item(client: ConnectWiseClient, body: dict[str, Any], mpn: str | None) -> int:
    """A new catalog item; when its identifier is taken meanwhile by the same item (two quotes
    with it at once), that one is adopted."""
    try:
        made = await client.create(CATALOG, body)
    except VendorRejected:
        found = await find_item(client, mpn, str(body["identifier"]))
        if found is None:
            raise
        return int(found["id"])
    return int(made["id"])


async def find_item(
    client: ConnectWiseClient, mpn: str | None, identifier: str
) -> dict[str, Any] | None:
    """The active catalog item of this MPN (CW-7), or of this identifier for an item that
    has no part number; the answer checked to match."""
    field, wanted = ("manufacturerPartNumber", mpn) if mpn else ("identifier", identifier)
    page = await client.first_page(
        CATALOG,
        conditions=f"{field}={quoted(wanted)} and inactiveFlag=false",
        order_by="id asc",
        page_size=10,
    )
    key = wanted.strip().casefold()
    matching = [i for i in page.items if str(i.get(field) or "").strip().casefold() == key]
    return matching[0] if matching else None


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
