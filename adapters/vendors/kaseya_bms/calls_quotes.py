"""The published Kaseya BMS calls of a service quotation: the quotation, its line items, the items
they name (products without prices, priced services: KBMS-9), warehouses, and the quote PDF
attached to the opportunity (QUO-3, QUO-6). The unpublished ones (creating and changing a
quotation, listing and deleting line items, creating a product) are in ``unpublished.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from adapters.vendors.kaseya_bms import contract as api
from adapters.vendors.kaseya_bms.calls import PAGE_SIZE, Page, records, total
from adapters.vendors.kaseya_bms.settings import read_settings
from adapters.vendors.kaseya_bms.unpublished import KaseyaUnpublishedCalls
from application.integrations.ports import VendorRejected, VendorUnavailable


class KaseyaQuoteCalls(KaseyaUnpublishedCalls):
    """Quotations, line items, items, warehouses and attachments, over ``call``."""

    # --- service quotations and their line items (QUO-3, QUO-6) --------------------------------

    async def quotes(
        self, *, account_id: int | None = None, status_ids: Sequence[int] = (), page: int = 1
    ) -> Page:
        """``GET /v2/crm/quotes/summary`` (``Filter.StatusIds`` comma-separated)."""
        statuses = ",".join(str(s) for s in status_ids) or None
        filters = {"Filter.AccountId": account_id, "Filter.StatusIds": statuses}
        return await self._page(api.QUOTES, filters, page)

    async def quote(self, quotation_id: int) -> dict[str, Any]:
        """``GET /v2/crm/quotes/{quotationId}``."""
        return await self._one(api.QUOTE, path={"quotationId": quotation_id})

    async def line_item(self, quotation_id: int, line_item_id: int) -> dict[str, Any]:
        """``GET /v2/crm/quotes/{quotationId}/lineItems/{lineItemId}``."""
        path = {"quotationId": quotation_id, "lineItemId": line_item_id}
        return await self._one(api.LINE_ITEM, path=path)

    async def add_line_item(
        self,
        quotation_id: int,
        item_type_id: int,
        body: Mapping[str, Any],
        *,
        distributer_type_id: int = api.NO_DISTRIBUTOR,
    ) -> dict[str, Any]:
        """``POST /v2/crm/quotes/{quotationId}/lineItems/{itemTypeId}/{distributerTypeId}`` with
        a ``QuotationLineItemInputDto``; ``Id`` is the product's ``ProductIndexId`` or the
        service's ``Id`` (see ``item_types``)."""
        path = {
            "quotationId": quotation_id,
            "itemTypeId": item_type_id,
            "distributerTypeId": distributer_type_id,
        }
        return await self._one(api.ADD_LINE_ITEM, path=path, json=dict(body))

    async def update_line_item(
        self, quotation_id: int, line_item_id: int, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        """``PUT /v2/crm/quotes/{quotationId}/lineItems/{lineItemId}``."""
        path = {"quotationId": quotation_id, "lineItemId": line_item_id}
        return await self._one(api.UPDATE_LINE_ITEM, path=path, json=dict(body))

    # --- items: products (no prices, KBMS-9), services (priced), warehouses ---------------------

    async def products(
        self,
        *,
        name: str | None = None,
        number: str | None = None,
        warehouse_ids: Sequence[int] = (),
        page: int = 1,
    ) -> Page:
        """``GET /v2/inventory/products/searchselect``: one record per product and warehouse,
        without a price (KBMS-9)."""
        filters = {
            "Filter.ProductName": name,
            "Filter.ProductNumber": number,
            "Filter.WarehouseIds": ",".join(str(w) for w in warehouse_ids) or None,
        }
        return await self._page(api.PRODUCTS, filters, page)

    async def services(
        self, *, name: str | None = None, active: bool | None = True, page: int = 1
    ) -> Page:
        """``POST /v2/admin/finance/services/search``: services with ``UnitPrice`` and
        ``UnitCost`` (KBMS-9; KBMS-3 leaves out a line whose service lacks either)."""
        flag = None if active is None else int(active)
        body = {
            "PageSize": PAGE_SIZE,
            "PageNumber": page,
            "Filter": {"Name": name, "IsActive": flag},
        }
        answer = await self.call(api.SERVICES, json=body)
        return Page(records(answer, api.SERVICES), total(answer))

    async def create_service(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /v2/admin/finance/services/services`` with a ``ServiceInputDto``."""
        return await self._one(api.CREATE_SERVICE, json=dict(body))

    async def warehouses(self) -> list[dict[str, Any]]:
        """``GET /v2/inventory/warehouses/lookup``: id and name (KBMS-2, KBMS-6)."""
        return records(await self.call(api.WAREHOUSES), api.WAREHOUSES)

    async def item_types(self) -> list[dict[str, Any]]:
        """``GET /v2/system/lookup/{tableName}`` for the line items' item types (KBMS-1). The
        operation is published, the table's name is not: the ``item_types_table`` setting."""
        table = read_settings(self.connection.settings).quote.item_types_table
        answer = await self.call(api.LOOKUP, path={"tableName": table})
        return records(answer, api.LOOKUP)

    # --- attachments: the quote PDF on the opportunity (QUO-3, QUO-6) --------------------------

    def module_id(self, module: str) -> int:
        """The ``moduleId`` of ``module`` (``"opportunity"``): the connection's
        ``attachment_module_ids`` setting, as Kaseya publishes no numbering."""
        found = read_settings(self.connection.settings).attachment_module_ids.get(module)
        if found is None:
            raise VendorRejected(
                f"the Kaseya BMS setting attachment_module_ids names no {module} module: set it "
                "to the module id your Kaseya BMS instance gives that module"
            )
        return found

    async def attachments(self, module_id: int, object_id: int) -> list[dict[str, Any]]:
        """``GET /v2/system/attachments/{moduleId}/{objectId}``, every page."""
        path = {"moduleId": module_id, "objectId": object_id}
        return await self._every(api.ATTACHMENTS, {}, path=path)

    async def upload_attachment(
        self,
        module_id: int,
        object_id: int,
        file_name: str,
        content: bytes,
        content_type: str = "application/pdf",
    ) -> dict[str, Any]:
        """``POST /v2/system/attachments/{moduleId}/{objectId}``, multipart ``formFile``."""
        path = {"moduleId": module_id, "objectId": object_id}
        files = {"formFile": (file_name, content, content_type)}
        made = records(
            await self.call(api.UPLOAD_ATTACHMENT, path=path, files=files), api.UPLOAD_ATTACHMENT
        )
        if not made:
            raise VendorUnavailable("Kaseya BMS answered the upload without the attachment")
        return made[0]

    async def delete_attachment(self, module_id: int, object_id: int, attachment_id: int) -> None:
        """``DELETE /v2/system/attachments/{moduleId}/{objectId}/{attachmentId}``."""
        path = {"moduleId": module_id, "objectId": object_id, "attachmentId": attachment_id}
        await self.call(api.DELETE_ATTACHMENT, path=path)
