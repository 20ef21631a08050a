"""The sandbox's API routes: one per operation of ``contract.OPERATIONS``, at the same path.

Each route reads what Kaseya's would (path ids, ``Filter.*`` and paging query, a JSON DTO checked
against its declaration, a multipart form) and answers the envelope ``{Success, Error, Result}``
(with ``TotalRecords`` on paged lists), each record written with exactly its DTO's fields; the
two ``/summary/{id}`` reads answer the bare DTO, and DELETEs an empty 200, as the spec says.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from litestar import HttpMethod, Request, Response, route
from litestar.datastructures import UploadFile
from litestar.handlers import HTTPRouteHandler

from adapters.sandboxes.kaseya_bms.attachments import Attachments
from adapters.sandboxes.kaseya_bms.dtos import DTOS
from adapters.sandboxes.kaseya_bms.items import Items
from adapters.sandboxes.kaseya_bms.quotes import QuoteDesk
from adapters.sandboxes.kaseya_bms.schema import KaseyaRefusal, Schemas
from adapters.sandboxes.kaseya_bms.store import KaseyaStore
from adapters.vendors.kaseya_bms import contract as api

SCHEMAS = Schemas(DTOS)
_JSON_TYPES = ("application/json", "text/json", "application/json-patch+json")
_PARAM = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Call:
    """One request as the handlers need it."""

    ids: dict[str, int]
    query: dict[str, str]
    request: Request[Any, Any, Any]

    async def body(self, dto: str) -> dict[str, Any]:
        """The JSON body, refused unless it is an instance of ``dto``."""
        kind = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if kind not in _JSON_TYPES:
            raise KaseyaRefusal(415, f"Unsupported media type {kind or '(none)'}: send JSON")
        try:
            body = json.loads(await self.request.body())
        except ValueError:
            raise KaseyaRefusal(400, "The request body is not valid JSON") from None
        SCHEMAS.check(dto, body)
        assert isinstance(body, dict)
        return body

    async def form(self) -> dict[str, Any]:
        form = await self.request.form()
        return {key: form.get(key) for key in form}


Serve = Callable[[Call], Awaitable[Response[bytes]]]


def reply(payload: Any, status: int = 200) -> Response[bytes]:
    content = b"" if payload is None else json.dumps(payload).encode()
    return Response(content, status_code=status, media_type="application/json")


def ok(result: Any, total: int | None = None) -> Response[bytes]:
    envelope: dict[str, Any] = {"Success": True, "Error": None, "Result": result}
    if total is not None:
        envelope["TotalRecords"] = total
    return reply(envelope)


def one(dto: str, record: Mapping[str, Any]) -> Response[bytes]:
    return ok(SCHEMAS.write(dto, record))


def many(dto: str, records: list[dict[str, Any]], total: int | None = None) -> Response[bytes]:
    return ok([SCHEMAS.write(dto, r) for r in records], total)


def api_routes(store: KaseyaStore) -> dict[api.Operation, Serve]:
    """What each operation does, over the store."""
    return {
        **_security(store),
        **_crm(store),
        **_quotes(QuoteDesk(store)),
        **_items(Items(store)),
        **_attachments(Attachments(store)),
    }


def _security(store: KaseyaStore) -> dict[api.Operation, Serve]:
    async def authenticate(call: Call) -> Response[bytes]:
        return one("TokenOutputDto", store.tokens.authenticate(_text(await call.form())))

    async def refresh(call: Call) -> Response[bytes]:
        return one("TokenOutputDto", store.tokens.refresh(_text(await call.form())))

    async def user_info(_: Call) -> Response[bytes]:
        return one("UserInfoOutputDto", store.user_info())

    return {api.AUTHENTICATE: authenticate, api.REFRESH_TOKEN: refresh, api.USER_INFO: user_info}


def _crm(store: KaseyaStore) -> dict[api.Operation, Serve]:
    async def accounts(call: Call) -> Response[bytes]:
        return many("AccountSummaryOutputDto", *store.accounts(call.query))

    async def account(call: Call) -> Response[bytes]:
        return reply(SCHEMAS.write("AccountSummaryOutputDto", store.account(call.ids["id"])))

    async def create_account(call: Call) -> Response[bytes]:
        made = store.create_account(await call.body("AccountPostInputDto"))
        return one("AccountSummaryOutputDto", made)

    async def contacts(call: Call) -> Response[bytes]:
        return many("ContactsSummaryOutputDto", *store.contacts(call.query))

    async def create_contact(call: Call) -> Response[bytes]:
        made = store.create_contact(await call.body("ContactInputDto"))
        return one("ContactSummaryOutputDto", made)

    async def opportunities(call: Call) -> Response[bytes]:
        return many("OpportunityOutputDto", *store.opportunities(call.query))

    async def create_opportunity(call: Call) -> Response[bytes]:
        made = store.create_opportunity(await call.body("OpportunityInputDto"))
        return one("OpportunityOutputDto", made)

    async def opportunity(call: Call) -> Response[bytes]:
        return one("OpportunityOutputDto", store.opportunity(call.ids["id"]))

    async def update_opportunity(call: Call) -> Response[bytes]:
        body = await call.body("OpportunityInputDto")
        return one("OpportunityOutputDto", store.update_opportunity(call.ids["id"], body))

    async def statuses(_: Call) -> Response[bytes]:
        return many("OpportunityStatusLookupOutputDto", store.statuses())

    return {
        api.ACCOUNTS: accounts,
        api.ACCOUNT: account,
        api.CREATE_ACCOUNT: create_account,
        api.CONTACTS: contacts,
        api.CREATE_CONTACT: create_contact,
        api.OPPORTUNITIES: opportunities,
        api.CREATE_OPPORTUNITY: create_opportunity,
        api.OPPORTUNITY: opportunity,
        api.UPDATE_OPPORTUNITY: update_opportunity,
        api.OPPORTUNITY_STATUSES: statuses,
    }


def _quotes(desk: QuoteDesk) -> dict[api.Operation, Serve]:
    async def quotes(call: Call) -> Response[bytes]:
        return many("QuotationsListSummaryOutputDto", *desk.quotes(call.query))

    async def quote(call: Call) -> Response[bytes]:
        return one("QuotationOutputDto", desk.quote(call.ids["quotationId"]))

    async def create_quote(call: Call) -> Response[bytes]:
        made = desk.create_quote(await call.body("QuotationInputDto"))
        return one("QuotationOutputDto", made)

    async def update_quote(call: Call) -> Response[bytes]:
        body = await call.body("QuotationInputDto")
        return one("QuotationOutputDto", desk.update_quote(call.ids["quotationId"], body))

    async def line_items(call: Call) -> Response[bytes]:
        return many("QuotationLineItemOutputDto", desk.line_items(call.ids["quotationId"]))

    async def line_item(call: Call) -> Response[bytes]:
        found = desk.line_item(call.ids["quotationId"], call.ids["lineItemId"])
        return one("QuotationLineItemOutputDto", found)

    async def add_line_item(call: Call) -> Response[bytes]:
        body = await call.body("QuotationLineItemInputDto")
        i = call.ids
        made = desk.add_line_item(i["quotationId"], i["itemTypeId"], i["distributerTypeId"], body)
        return one("QuotationLineItemOutputDto", made)

    async def update_line_item(call: Call) -> Response[bytes]:
        body = await call.body("QuotationLineItemInputDto")
        changed = desk.update_line_item(call.ids["quotationId"], call.ids["lineItemId"], body)
        return one("QuotationLineItemOutputDto", changed)

    async def delete_line_item(call: Call) -> Response[bytes]:
        desk.delete_line_item(call.ids["quotationId"], call.ids["lineItemId"])
        return reply(None)

    return {
        api.QUOTES: quotes,
        api.QUOTE: quote,
        api.CREATE_QUOTE: create_quote,
        api.UPDATE_QUOTE: update_quote,
        api.LINE_ITEMS: line_items,
        api.LINE_ITEM: line_item,
        api.ADD_LINE_ITEM: add_line_item,
        api.UPDATE_LINE_ITEM: update_line_item,
        api.DELETE_LINE_ITEM: delete_line_item,
    }


def _items(items: Items) -> dict[api.Operation, Serve]:
    async def products(call: Call) -> Response[bytes]:
        return many("ProductsListSearchSelectOutputDto", *items.products(call.query))

    async def create_product(call: Call) -> Response[bytes]:
        made = items.create_product(await call.body("ProductInputDto"))
        return one("ProductsListSearchSelectOutputDto", made)

    async def services(call: Call) -> Response[bytes]:
        return many(
            "ServiceListOutputDto", *items.services(await call.body("ServicesListInputDto"))
        )

    async def create_service(call: Call) -> Response[bytes]:
        return one("ServiceOutputDto", items.create_service(await call.body("ServiceInputDto")))

    async def warehouses(_: Call) -> Response[bytes]:
        return many("WarehouseOutputDto", items.warehouses())

    async def lookup(call: Call) -> Response[bytes]:
        table = call.request.path_params["tableName"]
        return many("LookupOutputDto", items.lookup(str(table)))

    return {
        api.PRODUCTS: products,
        api.CREATE_PRODUCT: create_product,
        api.SERVICES: services,
        api.CREATE_SERVICE: create_service,
        api.WAREHOUSES: warehouses,
        api.LOOKUP: lookup,
    }


def _attachments(files: Attachments) -> dict[api.Operation, Serve]:
    async def attachments(call: Call) -> Response[bytes]:
        i = call.ids
        return many("AttachmentOutputDto", *files.listed(i["moduleId"], i["objectId"], call.query))

    async def upload(call: Call) -> Response[bytes]:
        upload = (await call.form()).get("formFile")
        if not isinstance(upload, UploadFile):
            raise KaseyaRefusal(400, "formFile: a file is required")
        i, content = call.ids, await upload.read()
        kind = upload.content_type or "application/octet-stream"
        made = files.add(i["moduleId"], i["objectId"], upload.filename, kind, content)
        return many("AttachmentOutputDto", [made])

    async def delete_attachment(call: Call) -> Response[bytes]:
        i = call.ids
        files.delete(i["moduleId"], i["objectId"], i["attachmentId"])
        return reply(None)

    return {
        api.ATTACHMENTS: attachments,
        api.UPLOAD_ATTACHMENT: upload,
        api.DELETE_ATTACHMENT: delete_attachment,
    }


def handler(op: api.Operation, serve: Serve, guards: list[Any]) -> HTTPRouteHandler:
    """A Litestar route for ``op``: ids typed ``int`` in the path (``tableName`` is text)."""

    def typed(match: re.Match[str]) -> str:
        name = match.group(1)
        return f"{{{name}:str}}" if name == "tableName" else f"{{{name}:int}}"

    async def handle(request: Request[Any, Any, Any]) -> Response[bytes]:
        ids = {k: v for k, v in request.path_params.items() if isinstance(v, int)}
        query = {k: ",".join(v) for k, v in request.query_params.dict().items()}
        return await serve(Call(ids, query, request))

    return route(
        _PARAM.sub(typed, op.path),
        http_method=[HttpMethod(op.method)],
        status_code=200,
        guards=guards,
        name=op.what,
    )(handle)


def _text(form: Mapping[str, Any]) -> dict[str, str]:
    return {key: value for key, value in form.items() if isinstance(value, str)}
