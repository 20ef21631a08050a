"""The sandbox's service quotations, their line items, the items they name, and attachments.

Kaseya's rules the hub must live with are enforced here as refusals in the envelope: a quotation
cannot be backdated (KBMS-7); service line items need the quotation's warehouse (KBMS-2) and a
service with both unit price and unit cost (KBMS-3); products are answered without prices, one
row per warehouse that stocks them (KBMS-9); only items of the tenant's own catalog
(``distributerTypeId`` 0) are quoted.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from adapters.sandboxes.kaseya_bms.query import Query, matches, number, page
from adapters.sandboxes.kaseya_bms.schema import (
    KaseyaRefusal,
    not_found,
    parse_datetime,
    refused_under_200,
)
from adapters.sandboxes.kaseya_bms.seed import (
    API_USER,
    QUOTE_STATUSES,
    WAREHOUSES,
    Record,
)
from adapters.sandboxes.kaseya_bms.store import KaseyaStore
from adapters.vendors.kaseya_bms.contract import NO_DISTRIBUTOR

TAX_RATE = 10.0  # percent, on taxable lines: the sandbox's one sales tax
LINE_FIELDS = [
    "Name",
    "Description",
    "ExtDistReference",
    "Image",
    "UnitPrice",
    "UnitCost",
    "Quantity",
    "Margin",
    "MarginType",
    "Discount",
    "Taxable",
]


class QuoteDesk:
    """Quotations and what hangs on them, over the store's tables and lock."""

    def __init__(self, store: KaseyaStore) -> None:
        self._store = store

    # --- quotations -----------------------------------------------------------------------------

    def quotes(self, query: Query) -> tuple[list[Record], int]:
        statuses = {int(s) for s in (query.get("Filter.StatusIds") or "").split(",") if s.strip()}
        with self._store.lock:
            found = [
                q
                for q in self._store.db.quotes.values()
                if matches(q["AccountId"], number(query, "Filter.AccountId"))
                and (not statuses or q["StatusId"] in statuses)
            ]
            return page(found, query)

    def quote(self, quotation_id: int) -> Record:
        with self._store.lock:
            found = self._store.db.quotes.get(quotation_id)
            if found is None:
                raise not_found("Quotation", quotation_id)
            return found

    def create_quote(self, body: Mapping[str, Any]) -> Record:
        """NOT IN THE PUBLISHED SPEC: ``POST /v2/crm/quotes`` (see contract.py)."""
        with self._store.lock:
            db = self._store.db
            quotation_id = db.next_id()
            made = {"Id": quotation_id, "QuotationNumber": f"QT-{len(db.quotes) + 1001}"}
            made |= {"CreatedOn": self._store.now(), "CreatedById": API_USER["Id"]}
            made |= {"CreatedByName": API_USER["Name"]}
            db.quotes[quotation_id] = record = self._quotation(body, made)
            return record

    def update_quote(self, quotation_id: int, body: Mapping[str, Any]) -> Record:
        """NOT IN THE PUBLISHED SPEC: ``PUT /v2/crm/quotes/{quotationId}``, a whole input."""
        with self._store.lock:
            current = self.quote(quotation_id)
            kept = {k: current[k] for k in ("Id", "QuotationNumber", "CreatedOn", "CreatedById")}
            record = self._quotation(body, {**kept, "CreatedByName": current["CreatedByName"]})
            self._store.db.quotes[quotation_id] = record
            return record

    def _quotation(self, body: Mapping[str, Any], made: Record) -> Record:
        opportunity = self._store.db.opportunities.get(body["OpportunityId"])
        if opportunity is None:
            raise KaseyaRefusal(400, f"The opportunity {body['OpportunityId']} does not exist")
        expiry = _not_backdated(body["ExpiryDate"])
        account = self._store.account(body.get("AccountId") or opportunity["AccountId"])
        if account["Id"] != opportunity["AccountId"]:
            raise KaseyaRefusal(400, "The quotation's account must be its opportunity's account")
        location_id = body.get("LocationId") or opportunity["AccountLocationId"]
        location = self._store.location(account, location_id)
        status_id = body.get("StatusId") or 1
        rep_id = body.get("SalesRepresentativeUserId") or opportunity["SalesRepresentativeUserId"]
        warehouse_id = body.get("WarehouseId")
        _check_references(status_id, rep_id, warehouse_id, self._store.instance.all_users())
        return {
            **made,
            "Name": body["Name"],
            "StatusId": status_id,
            "StatusName": QUOTE_STATUSES[status_id],
            "ExpiryDate": expiry,
            "OpportunityId": opportunity["Id"],
            "OpportunityTitle": opportunity["Subject"],
            "AccountId": account["Id"],
            "AccountName": account["AccountName"],
            "LocationId": location_id,
            "LocationName": location["LocationName"],
            "SalesRepresentativeUserId": rep_id,
            "SalesRepresentativeFirstName": self._store.instance.all_users()[rep_id][0],
            "SalesRepresentativeLastName": self._store.instance.all_users()[rep_id][1],
            "WarehouseId": warehouse_id,  # the sandbox's: QuotationOutputDto has no warehouse
        }

    # --- line items -----------------------------------------------------------------------------

    def line_items(self, quotation_id: int) -> list[Record]:
        with self._store.lock:
            self.quote(quotation_id)
            lines = self._store.db.line_items.values()
            return [line for line in lines if line["QuotationId"] == quotation_id]

    def line_item(self, quotation_id: int, line_item_id: int) -> Record:
        with self._store.lock:
            self.quote(quotation_id)
            found = self._store.db.line_items.get(line_item_id)
            if found is None or found["QuotationId"] != quotation_id:
                raise not_found("Line item", line_item_id)
            return found

    def add_line_item(
        self,
        quotation_id: int,
        item_type_id: int,
        distributer_type_id: int,
        body: Mapping[str, Any],
    ) -> Record:
        with self._store.lock:
            quote = self.quote(quotation_id)
            if distributer_type_id != NO_DISTRIBUTOR:
                raise KaseyaRefusal(
                    400, f"The distributor type {distributer_type_id} is not integrated"
                )
            item = self._item(quote, item_type_id, body.get("Id"))
            line_id = self._store.db.next_id()
            line: Record = {"Id": line_id, "QuotationId": quotation_id, "ItemTypeId": item_type_id}
            line |= {"ItemId": body.get("Id"), "CreatedOn": self._store.now()}
            line |= {"CreatedBy": API_USER["Id"], "IsDistributerItem": False}
            line |= {"OriginalUnitPrice": item.get("UnitPrice"), "Quantity": 1.0}
            line |= {"Name": item.get("Name"), "Description": item.get("Description")}
            line |= {"UnitPrice": item.get("UnitPrice") or 0.0, "UnitCost": item.get("UnitCost")}
            self._store.db.line_items[line_id] = priced(line, body)
            return self._store.db.line_items[line_id]

    def update_line_item(
        self, quotation_id: int, line_item_id: int, body: Mapping[str, Any]
    ) -> Record:
        with self._store.lock:
            line = self.line_item(quotation_id, line_item_id)
            changed = {**line, "ModifiedOn": self._store.now(), "ModifiedBy": API_USER["Id"]}
            self._store.db.line_items[line_item_id] = priced(changed, body)
            return self._store.db.line_items[line_item_id]

    def delete_line_item(self, quotation_id: int, line_item_id: int) -> None:
        """NOT IN THE PUBLISHED SPEC: ``DELETE /v2/crm/quotes/{id}/lineItems/{lineItemId}``."""
        with self._store.lock:
            self.line_item(quotation_id, line_item_id)
            del self._store.db.line_items[line_item_id]

    def _item(self, quote: Record, item_type_id: int, item_id: object) -> Record:
        db = self._store.db
        if item_type_id == self._store.instance.product_type:
            product = db.products.get(item_id) if isinstance(item_id, int) else None
            if product is None:
                raise KaseyaRefusal(400, f"The product {item_id} does not exist")
            return {"Name": product["ProductName"], "Description": product["ProductDescription"]}
        if item_type_id != self._store.instance.service_type:
            raise KaseyaRefusal(400, f"The item type {item_type_id} does not exist")
        if quote["WarehouseId"] is None:  # KBMS-2
            raise KaseyaRefusal(400, "A default warehouse is required to create service line items")
        service = db.services.get(item_id) if isinstance(item_id, int) else None
        if service is None:
            raise KaseyaRefusal(400, f"The service {item_id} does not exist")
        if not (service["UnitPrice"] > 0 and service["UnitCost"] > 0):  # KBMS-3, under a 200
            raise refused_under_200(
                f"The service {service['Name']!r} has no unit price and unit cost: "
                "it cannot be associated with the quotation"
            )
        return service


def _check_references(
    status_id: int, rep_id: int, warehouse_id: int | None, users: Mapping[int, object]
) -> None:
    problems = []
    if status_id not in QUOTE_STATUSES:
        problems.append(f"StatusId: {status_id} is not a quotation status")
    if rep_id not in users:
        problems.append(f"SalesRepresentativeUserId: no user {rep_id}")
    if warehouse_id is not None and warehouse_id not in {w["Id"] for w in WAREHOUSES}:
        problems.append(f"WarehouseId: no warehouse {warehouse_id}")
    if problems:
        raise KaseyaRefusal(400, "The quotation is not valid", problems)


def priced(line: Record, body: Mapping[str, Any]) -> Record:
    """The line with the body's fields, and its total: quantity x unit price - discount."""
    line = {**line, **{k: body[k] for k in LINE_FIELDS if body.get(k) is not None}}
    price, quantity = float(line["UnitPrice"] or 0), float(line["Quantity"] or 0)
    total = round(price * quantity - float(line.get("Discount") or 0), 2)
    rate = TAX_RATE if line.get("Taxable") else 0.0
    return {**line, "Total": total, "TaxRate": rate, "TTC": round(total * (1 + rate / 100), 2)}


def _not_backdated(text: str) -> str:
    """KBMS-7: Kaseya cannot backdate a quotation; an expiry before today is refused."""
    expiry = parse_datetime(text)
    if expiry is None:
        raise KaseyaRefusal(400, f"ExpiryDate: {text!r} is not a date")
    if expiry.date() < datetime.now(UTC).date():
        raise refused_under_200(  # KBMS-7, under a 200 as Kaseya answers it
            f"The expiry date {expiry.date()} is in the past: quotations cannot be backdated"
        )
    return text
