"""NOT IN KASEYA'S PUBLISHED API: the five calls the hub uses that Kaseya BMS's OpenAPI file
(``contracts/kaseya_bms_openapi.json``) lacks, their shapes as the hub declares them, how the
connection test probes them, and what the hub does on an instance that lacks one.

Kaseya publishes reading a service quotation and adding or changing one line item, but not:

- ``POST /v2/crm/quotes`` (create a quotation) and ``PUT /v2/crm/quotes/{quotationId}``
  (change one), body ``QuotationInputDto``, answer ``QuotationOutputDto``;
- ``GET /v2/crm/quotes/{quotationId}/lineItems`` (list a quotation's line items), answer a list
  of ``QuotationLineItemOutputDto``;
- ``DELETE /v2/crm/quotes/{quotationId}/lineItems/{lineItemId}``, answered like the published
  ``DeleteAttachment`` (a bare 200);
- ``POST /v2/inventory/products`` (create a product), body ``ProductInputDto``, answer
  ``ProductsListSearchSelectOutputDto``.

They follow the spec's conventions (REST collections beside the published reads, PascalCase
bodies named after the published output, the ``{Success, Error, Result}`` envelope). An instance
may not have them: one that lacks a route answers 405 (the path serves other methods) or a 404
that is not Kaseya's envelope. ``probe`` asks each with a request that changes nothing (an empty
body, record id 0: an instance with the route refuses it in its envelope); the client also
learns it from a real call's answer (``missing``). Then:

- listing line items: each line item the hub linked is read by id (published ``GET .../
  lineItems/{lineItemId}``);
- deleting a line item: the line item is set to quantity 0 (published ``PUT``), with a warning;
- changing a quotation: its name and expiry stay as they were, with a warning;
- creating a quotation: the quote goes on the opportunity (amount and PDF) without a service
  quotation, with a warning;
- creating a product: a line whose product Kaseya lacks is left out, with a warning.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from adapters.vendors.kaseya_bms import contract as api
from adapters.vendors.kaseya_bms.calls import KaseyaCalls, records
from application.integrations.ports import VendorRejected

OPERATIONS: tuple[api.Operation, ...] = (
    api.CREATE_QUOTE,
    api.UPDATE_QUOTE,
    api.LINE_ITEMS,
    api.DELETE_LINE_ITEM,
    api.CREATE_PRODUCT,
)

# --- the declaration: request bodies and answers, as OpenAPI 3.0 would write them ------------

_INT = {"type": "integer", "format": "int32"}
_NULLABLE_INT = {**_INT, "nullable": True}
_DATE_TIME = {"type": "string", "format": "date-time"}
SCHEMAS: dict[str, dict[str, Any]] = {
    "QuotationInputDto": {
        "type": "object",
        "required": ["Name", "OpportunityId", "ExpiryDate"],
        "properties": {
            "Name": {"type": "string"},
            "OpportunityId": _INT,
            "AccountId": _NULLABLE_INT,
            "LocationId": _NULLABLE_INT,
            "StatusId": _NULLABLE_INT,
            "SalesRepresentativeUserId": _NULLABLE_INT,
            "ExpiryDate": _DATE_TIME,
            "WarehouseId": _NULLABLE_INT,  # the warehouse the lines come from (KBMS-6)
        },
        "additionalProperties": False,
    },
    "ProductInputDto": {
        "type": "object",
        "required": ["ProductNumber", "ProductName"],
        "properties": {
            "ProductNumber": {"type": "string"},
            "ProductName": {"type": "string"},
            "ProductDescription": {"type": "string", "nullable": True},
            "UPC": {"type": "string", "nullable": True},
        },
        "additionalProperties": False,
    },
}
REQUESTS: dict[api.Operation, str] = {
    api.CREATE_QUOTE: "QuotationInputDto",
    api.UPDATE_QUOTE: "QuotationInputDto",
    api.CREATE_PRODUCT: "ProductInputDto",
}
# The answer's ``Result``: a published DTO, and whether it is a list; None: a bare 200.
ANSWERS: dict[api.Operation, tuple[str, bool] | None] = {
    api.CREATE_QUOTE: ("QuotationOutputDto", False),
    api.UPDATE_QUOTE: ("QuotationOutputDto", False),
    api.LINE_ITEMS: ("QuotationLineItemOutputDto", True),
    api.DELETE_LINE_ITEM: None,
    api.CREATE_PRODUCT: ("ProductsListSearchSelectOutputDto", False),
}
WITHOUT: dict[api.Operation, str] = {
    api.CREATE_QUOTE: "quotes go on the opportunity (amount and PDF) without a service quotation",
    api.UPDATE_QUOTE: "a quotation's name and expiry are not changed",
    api.LINE_ITEMS: "line items are read one by one through their links",
    api.DELETE_LINE_ITEM: "removed lines are set to quantity 0",
    api.CREATE_PRODUCT: "lines whose product Kaseya lacks are left out",
}
WHAT: dict[api.Operation, str] = {
    api.CREATE_QUOTE: "create a quotation",
    api.UPDATE_QUOTE: "change a quotation",
    api.LINE_ITEMS: "list a quotation's line items",
    api.DELETE_LINE_ITEM: "delete a line item",
    api.CREATE_PRODUCT: "create a product",
}


@dataclass(frozen=True)
class Probe:
    path: Mapping[str, int]
    json: Any


# Requests that change nothing: an instance with the route refuses them in its envelope.
PROBES: dict[api.Operation, Probe] = {
    api.CREATE_QUOTE: Probe({}, {}),
    api.UPDATE_QUOTE: Probe({"quotationId": 0}, {}),
    api.LINE_ITEMS: Probe({"quotationId": 0}, None),
    api.DELETE_LINE_ITEM: Probe({"quotationId": 0, "lineItemId": 0}, None),
    api.CREATE_PRODUCT: Probe({}, {}),
}


class Unavailable(VendorRejected):
    """This Kaseya BMS instance does not offer ``op`` (not in the published API)."""

    def __init__(self, op: api.Operation) -> None:
        super().__init__(
            f"this Kaseya BMS instance does not offer {op.what} ({WHAT[op]}; not in Kaseya's "
            f"published API): {WITHOUT[op]}",
            status=405,
        )
        self.op = op


def lacks_route(response: httpx.Response) -> bool:
    """The answer of an instance without the route: 405, or a 404 outside Kaseya's envelope."""
    if response.status_code == 405:
        return True
    if response.status_code != 404:
        return False
    try:
        body = response.json()
    except ValueError:
        return True
    return not (isinstance(body, dict) and isinstance(body.get("Success"), bool))


def report(missing: list[api.Operation]) -> str | None:
    """What the connection test says about the unpublished calls; None when all are there."""
    if not missing:
        return None
    each = "; ".join(f"{op.what} ({WHAT[op]}): {WITHOUT[op]}" for op in missing)
    return (
        "Kaseya BMS accepts the credentials, but this instance lacks calls the hub uses that "
        f"Kaseya does not publish: {each}"
    )


class KaseyaUnpublishedCalls(KaseyaCalls):
    """The unpublished calls, over ``call``; ``missing`` holds those this instance lacks (the
    client raises ``Unavailable`` for them without calling)."""

    missing: set[api.Operation]

    async def probe_unpublished(self) -> list[api.Operation]:
        """Asks each unpublished call with ``PROBES``; the ones this instance lacks."""
        raise NotImplementedError

    async def create_quote(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /v2/crm/quotes``: ``Name``, ``OpportunityId`` and ``ExpiryDate`` (not in the
        past: Kaseya cannot backdate, KBMS-7) required; ``AccountId``, ``LocationId``,
        ``StatusId``, ``SalesRepresentativeUserId`` default to the opportunity's;
        ``WarehouseId`` (the output has none) is the warehouse the lines come from (KBMS-6),
        which service line items need (KBMS-2)."""
        return await self._one(api.CREATE_QUOTE, json=dict(body))

    async def update_quote(self, quotation_id: int, body: Mapping[str, Any]) -> dict[str, Any]:
        """``PUT /v2/crm/quotes/{quotationId}``: a whole ``QuotationInputDto``, as the spec's
        PUTs replace."""
        path = {"quotationId": quotation_id}
        return await self._one(api.UPDATE_QUOTE, path=path, json=dict(body))

    async def line_items(self, quotation_id: int) -> list[dict[str, Any]]:
        """``GET /v2/crm/quotes/{quotationId}/lineItems``: every line item of the quotation."""
        answer = await self.call(api.LINE_ITEMS, path={"quotationId": quotation_id})
        return records(answer, api.LINE_ITEMS)

    async def delete_line_item(self, quotation_id: int, line_item_id: int) -> None:
        """``DELETE /v2/crm/quotes/{quotationId}/lineItems/{lineItemId}``."""
        path = {"quotationId": quotation_id, "lineItemId": line_item_id}
        await self.call(api.DELETE_LINE_ITEM, path=path)

    async def create_product(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /v2/inventory/products``: ``ProductNumber`` and ``ProductName`` required,
        ``ProductDescription`` and ``UPC`` optional."""
        return await self._one(api.CREATE_PRODUCT, json=dict(body))
