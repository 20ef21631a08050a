"""``/v1/catalog``: categories with the vendors' flags, and items (CAT-1).

Everyone on staff reads the catalog; managers and admins change it.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, KwargDefinition, QueryParameter

from application.catalog.ports import ItemFilter
from application.catalog.use_cases import CreateCategory, CreateItem, ReviseCategory, ReviseItem
from application.identity.ports import Principal
from application.quotes.queries import QuoteQueries
from application.shared.pagination import PageRequest
from domain.catalog.item import CatalogItemId, CategoryId, ItemKind
from entrypoints.http.auth import ANY_STAFF, MANAGERS
from entrypoints.http.schemas.catalog import (
    CategoryCreate,
    CategoryOut,
    CategoryPatch,
    ItemBody,
    ItemOut,
)
from entrypoints.http.schemas.common import Limit, PageOut, unset_to_domain

# The component's name as the OpenAPI document has always published it (clients generated from the
# document know it); left to Litestar, it would follow the module ItemOut is defined in.
ITEM_PAGE_COMPONENT = "PageOut_entrypoints.http.schemas.quotes.ItemOut_"


class CatalogController(Controller):
    path = "/v1/catalog"
    tags = ["catalog"]  # noqa: RUF012
    guards = [ANY_STAFF]  # noqa: RUF012

    @get("/categories", summary="Every category and subcategory")
    async def categories(
        self, principal: NamedDependency[Principal], quote_queries: NamedDependency[QuoteQueries]
    ) -> list[CategoryOut]:
        return [CategoryOut.of(c) for c in await quote_queries.categories(principal.tenant_id)]

    @post("/categories", guards=[MANAGERS], summary="Create a category or subcategory")
    async def create_category(
        self,
        data: JSONBody[CategoryCreate],
        principal: NamedDependency[Principal],
        create_category: NamedDependency[CreateCategory],
    ) -> CategoryOut:
        category = await create_category(
            principal.tenant_id,
            name=data.name,
            parent_id=CategoryId(data.parent_id) if data.parent_id else None,
            labor=data.labor,
            kaseya_item_type=data.kaseya_item_type,
        )
        return CategoryOut.of(category)

    @patch("/categories/{category_id:uuid}", guards=[MANAGERS], summary="Change a category")
    async def revise_category(
        self,
        category_id: FromPath[UUID],
        data: JSONBody[CategoryPatch],
        principal: NamedDependency[Principal],
        revise_category: NamedDependency[ReviseCategory],
    ) -> CategoryOut:
        category = await revise_category(
            principal.tenant_id,
            CategoryId(category_id),
            name=unset_to_domain(data.name),
            labor=unset_to_domain(data.labor),
            kaseya_item_type=unset_to_domain(data.kaseya_item_type),
            active=unset_to_domain(data.active),
        )
        return CategoryOut.of(category)

    @get("/items", summary="List catalog items, filtered, one page at a time")
    async def items(
        self,
        principal: NamedDependency[Principal],
        quote_queries: NamedDependency[QuoteQueries],
        kind: FromQuery[ItemKind | None] = None,
        active: FromQuery[bool | None] = None,
        category_id: FromQuery[UUID | None] = None,
        q: Annotated[
            str | None, QueryParameter(max_length=100, description="SKU, MPN or name contains")
        ] = None,
        limit: Limit = None,
        cursor: FromQuery[str | None] = None,
    ) -> Annotated[PageOut[ItemOut], KwargDefinition(schema_component_key=ITEM_PAGE_COMPONENT)]:
        where = ItemFilter(
            kind=kind,
            active=active,
            category_id=CategoryId(category_id) if category_id else None,
            search=q,
        )
        page = await quote_queries.items(
            principal.tenant_id, where, PageRequest.parse(limit, cursor)
        )
        return PageOut.of(page, ItemOut.of)

    @post("/items", guards=[MANAGERS], summary="Create a catalog item")
    async def create_item(
        self,
        data: JSONBody[ItemBody],
        principal: NamedDependency[Principal],
        create_item: NamedDependency[CreateItem],
    ) -> ItemOut:
        return ItemOut.of(await create_item(principal.tenant_id, data.to_details()))

    @get("/items/{item_id:uuid}", summary="Read a catalog item")
    async def item(
        self,
        item_id: FromPath[UUID],
        principal: NamedDependency[Principal],
        quote_queries: NamedDependency[QuoteQueries],
    ) -> ItemOut:
        return ItemOut.of(await quote_queries.item(principal.tenant_id, CatalogItemId(item_id)))

    @put("/items/{item_id:uuid}", guards=[MANAGERS], summary="Replace a catalog item's details")
    async def revise_item(
        self,
        item_id: FromPath[UUID],
        data: JSONBody[ItemBody],
        principal: NamedDependency[Principal],
        revise_item: NamedDependency[ReviseItem],
    ) -> ItemOut:
        item = await revise_item(
            principal.tenant_id, CatalogItemId(item_id), data.to_details(), active=data.active
        )
        return ItemOut.of(item)
