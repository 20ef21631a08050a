"""The sandbox's items and look-ups: products (searched without prices, one row per warehouse
that stocks them, KBMS-9), services with unit price and unit cost, warehouses (KBMS-2, KBMS-6)
and the quotation line items' item types (KBMS-1).

Creating a product is NOT IN THE PUBLISHED SPEC (``POST /v2/inventory/products``, see
``contract.py``); creating a service is (``POST /v2/admin/finance/services/services``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.sandboxes.kaseya_bms.query import Query, contains, number, page
from adapters.sandboxes.kaseya_bms.schema import KaseyaRefusal
from adapters.sandboxes.kaseya_bms.seed import (
    API_USER,
    DEFAULT_WAREHOUSE,
    WAREHOUSES,
    Record,
)
from adapters.sandboxes.kaseya_bms.store import KaseyaStore


class Items:
    """Products, services, warehouses and item types, over the store's tables and lock."""

    def __init__(self, store: KaseyaStore) -> None:
        self._store = store

    def products(self, query: Query) -> tuple[list[Record], int]:
        wanted = {int(w) for w in (query.get("Filter.WarehouseIds") or "").split(",") if w.strip()}
        excluded = number(query, "Filter.ExcludedId")
        with self._store.lock:
            rows = [
                row
                for product in self._store.db.products.values()
                if product_matches(product, query) and product["ProductIndexId"] != excluded
                for row in product_rows(product, wanted)
            ]
            return page(rows, query)

    def create_product(self, body: Mapping[str, Any]) -> Record:
        """NOT IN THE PUBLISHED SPEC: a product, stocked nowhere yet (its default warehouse)."""
        with self._store.lock:
            db = self._store.db
            taken = {p["ProductNumber"].casefold() for p in db.products.values()}
            if body["ProductNumber"].casefold() in taken:
                raise KaseyaRefusal(400, f"The product number {body['ProductNumber']} is taken")
            index_id = db.next_id()
            db.products[index_id] = product = {
                "ProductIndexId": index_id,
                "ProductNumber": body["ProductNumber"],
                "ProductName": body["ProductName"],
                "ProductDescription": body.get("ProductDescription"),
                "UPC": body.get("UPC"),
                "IsSerialized": False,
                "Stock": {DEFAULT_WAREHOUSE: 0},
            }
            return product_rows(product, set())[0]

    def services(self, body: Mapping[str, Any]) -> tuple[list[Record], int]:
        """``POST /v2/admin/finance/services/search`` with a ``ServicesListInputDto``."""
        wanted = body.get("Filter") or {}
        active = wanted.get("IsActive")
        categories = wanted.get("CategoryIds") or []
        with self._store.lock:
            found = [
                s
                for s in self._store.db.services.values()
                if contains(s.get("Name"), wanted.get("Name"))
                and contains(s.get("Description"), wanted.get("Description"))
                and (active is None or s.get("IsActive") == bool(active))
                and (not categories or s.get("CategoryId") in categories)
            ]
            paging = {k: str(body[k]) for k in ("PageSize", "PageNumber") if body.get(k)}
            return page(found, paging)

    def create_service(self, body: Mapping[str, Any]) -> Record:
        name = (body.get("Name") or "").strip()
        if not name:
            raise KaseyaRefusal(400, "One or more validation errors occurred.", ["Name: required"])
        with self._store.lock:
            db = self._store.db
            if any(s["Name"].casefold() == name.casefold() for s in db.services.values()):
                raise KaseyaRefusal(400, f"A service named {name!r} already exists")
            service_id, now = db.next_id(), self._store.now()
            made = {"Id": service_id, "CreatedOn": now, "CreatedBy": API_USER["Id"]}
            made |= {"ModifiedOn": now, "ModifiedBy": API_USER["Id"]}
            given = {k: v for k, v in body.items() if k != "Id" and v is not None}
            defaults = {"UnitPrice": 0.0, "UnitCost": 0.0, "IsActive": True, "IsTaxable": False}
            db.services[service_id] = service = {**defaults, **given, **made}
            return service

    def lookup(self, table: str) -> list[Record]:
        instance = self._store.instance
        if table.casefold() != instance.item_types_table.casefold():
            raise KaseyaRefusal(404, f"The lookup table {table} does not exist")
        return instance.item_types()

    @staticmethod
    def warehouses() -> list[Record]:
        return [dict(w) for w in WAREHOUSES]

    @staticmethod
    def default_warehouse() -> int:
        return DEFAULT_WAREHOUSE


def product_rows(product: Record, warehouse_ids: set[int]) -> list[Record]:
    """A product as the search answers it: a row per stocking warehouse, no price (KBMS-9)."""
    stock: dict[int, int] = product["Stock"] or {DEFAULT_WAREHOUSE: 0}
    names = {w["Id"]: w["Name"] for w in WAREHOUSES}
    return [
        {
            **{k: v for k, v in product.items() if k != "Stock"},
            "Id": f"{product['ProductIndexId']}-{warehouse_id}",
            "Warehouse": names[warehouse_id],
            "WarehouseId": warehouse_id,
            "QTYInStock": float(count),
            "QTYAvailable": float(count),
            "QTYCommitted": 0.0,
            "QTYOnOrder": 0.0,
        }
        for warehouse_id, count in sorted(stock.items())
        if not warehouse_ids or warehouse_id in warehouse_ids
    ]


def product_matches(product: Record, query: Query) -> bool:
    return (
        contains(product["ProductNumber"], query.get("Filter.ProductNumber"))
        and contains(product["ProductName"], query.get("Filter.ProductName"))
        and contains(product["ProductDescription"], query.get("Filter.ProductDescription"))
        and contains(product["UPC"], query.get("Filter.UPC"))
    )
