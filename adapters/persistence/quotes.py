"""SQLAlchemy repositories of the catalog and quotes; each filters every query by tenant."""

from __future__ import annotations

from sqlalchemy import ColumnElement, delete, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence import tables
from adapters.persistence.repositories import _TenantRepository, contains
from application.catalog.ports import ItemFilter
from application.quotes.repositories import QuoteFilter, QuotePush
from application.shared.pagination import PageRequest
from domain.catalog.item import CatalogItem, CatalogItemId, Category, CategoryId
from domain.identity.tenant import TenantId
from domain.integrations.connection import ConnectionId
from domain.quotes.quote import Quote, QuoteId


class SqlAlchemyCategoryRepository(_TenantRepository[Category]):
    entity = Category
    table = tables.categories
    noun = "category"

    async def get(self, category_id: CategoryId) -> Category:
        return await self._get(category_id)

    async def all(self) -> list[Category]:
        rows = await self._session.scalars(self._select().order_by(self.table.c.name))
        return [self._tracked(row) for row in rows]


class SqlAlchemyCatalogItemRepository(_TenantRepository[CatalogItem]):
    entity = CatalogItem
    table = tables.catalog_items
    noun = "catalog item"

    async def get(self, item_id: CatalogItemId) -> CatalogItem:
        return await self._get(item_id)

    async def list(self, where: ItemFilter, page: PageRequest) -> list[CatalogItem]:
        c = self.table.c
        conditions: list[ColumnElement[bool]] = []
        if where.kind is not None:
            conditions.append(c.kind == where.kind)
        if where.active is not None:
            conditions.append(c.active == where.active)
        if where.category_id is not None:
            conditions.append(c.category_id == where.category_id)
        if where.search:
            conditions.append(
                or_(contains(c.sku, where.search), contains(c.mpn, where.search),
                    contains(c.name, where.search))
            )  # fmt: skip
        return await self._page(conditions, page)


class SqlAlchemyQuoteRepository(_TenantRepository[Quote]):
    entity = Quote
    table = tables.quotes
    noun = "quote"

    async def get(self, quote_id: QuoteId, *, lock: bool = False) -> Quote:
        return await self._get(quote_id, lock=lock)

    async def list(self, where: QuoteFilter, page: PageRequest) -> list[Quote]:
        c = self.table.c
        conditions: list[ColumnElement[bool]] = []
        if where.organization_id is not None:
            conditions.append(c.organization_id == where.organization_id)
        if where.status is not None:
            conditions.append(c.status == where.status)
        if where.search:
            conditions.append(
                or_(contains(c.number, where.search), contains(c.title, where.search))
            )
        if where.expires_before is not None:
            conditions.append(c.expires_on < where.expires_before)
        if where.expires_from is not None:
            conditions.append(c.expires_on >= where.expires_from)
        return await self._page(conditions, page)

    async def count(self) -> int:
        query = select(func.count()).where(self.table.c.tenant_id == self._tenant_id)
        return int((await self._session.execute(query)).scalar_one())


class SqlAlchemyQuotePushRepository:
    """Plain rows, not an aggregate: the worker records each push; a new one replaces it."""

    def __init__(self, session: AsyncSession, tenant_id: TenantId) -> None:
        self._session = session
        self._tenant_id = tenant_id

    async def save(self, push: QuotePush) -> None:
        values = {
            "quote_id": push.quote_id,
            "connection_id": push.connection_id,
            "tenant_id": self._tenant_id,
            "revision": push.revision,
            "opportunity_ref": push.opportunity_ref,
            "quote_ref": push.quote_ref,
            "warnings": list(push.warnings),
            "outcome": push.outcome,
            "pushed_at": push.pushed_at,
        }
        t = tables.quote_pushes
        mine = (t.c.quote_id == push.quote_id) & (t.c.connection_id == push.connection_id)
        await self._session.execute(delete(t).where(mine, t.c.tenant_id == self._tenant_id))
        await self._session.execute(insert(t).values(**values))

    async def of_quote(self, quote_id: QuoteId) -> list[QuotePush]:
        c = tables.quote_pushes.c
        query = (
            select(tables.quote_pushes)
            .where(c.tenant_id == self._tenant_id, c.quote_id == quote_id)
            .order_by(c.pushed_at)
        )
        return [
            QuotePush(
                quote_id=QuoteId(row.quote_id),
                connection_id=ConnectionId(row.connection_id),
                revision=row.revision,
                opportunity_ref=row.opportunity_ref,
                quote_ref=row.quote_ref,
                warnings=tuple(row.warnings),
                pushed_at=row.pushed_at,
                outcome=row.outcome,
            )
            for row in await self._session.execute(query)
        ]
