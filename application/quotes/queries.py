"""Reads of quotes and the catalog for the API."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from application.catalog.ports import ItemFilter
from application.quotes.repositories import QuoteFilter, QuotePush
from application.shared.pagination import Page, PageRequest, page_of
from application.shared.ports import Clock
from application.shared.unit_of_work import UnitOfWorkFactory
from domain.catalog.item import CatalogItem, CatalogItemId, Category
from domain.identity.tenant import TenantId
from domain.quotes.quote import Quote, QuoteId, QuoteStatus
from domain.shared.time import utc_day


@dataclass(frozen=True)
class QuoteView:
    """A quote, where it landed in the PSA, and the day its status is read on (expiry)."""

    quote: Quote
    pushes: list[QuotePush]
    today: date

    @property
    def id(self) -> QuoteId:
        return self.quote.id


class QuoteQueries:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def one(self, tenant_id: TenantId, quote_id: QuoteId) -> QuoteView:
        async with self._uow(tenant_id) as uow:
            quote = await uow.quotes.get(quote_id)
            pushes = await uow.quote_pushes.of_quote(quote_id)
        return QuoteView(quote, pushes, utc_day(self._clock.now()))

    def view(self, quote: Quote) -> QuoteView:
        """A quote a use case just returned, without its pushes (it was just changed)."""
        return QuoteView(quote, [], utc_day(self._clock.now()))

    async def quotes(
        self, tenant_id: TenantId, where: QuoteFilter, page: PageRequest
    ) -> Page[QuoteView]:
        today = utc_day(self._clock.now())
        # Expired is read, not stored: a published quote whose expiry has passed (QUO-1).
        if where.status == QuoteStatus.EXPIRED:
            where = replace(where, status=QuoteStatus.PUBLISHED, expires_before=today)
        elif where.status == QuoteStatus.PUBLISHED:
            where = replace(where, expires_from=today)
        async with self._uow(tenant_id) as uow:
            rows = await uow.quotes.list(where, page)
        return page_of([QuoteView(q, [], today) for q in rows], page)

    async def categories(self, tenant_id: TenantId) -> list[Category]:
        async with self._uow(tenant_id) as uow:
            return await uow.categories.all()

    async def items(
        self, tenant_id: TenantId, where: ItemFilter, page: PageRequest
    ) -> Page[CatalogItem]:
        async with self._uow(tenant_id) as uow:
            return page_of(await uow.catalog_items.list(where, page), page)

    async def item(self, tenant_id: TenantId, item_id: CatalogItemId) -> CatalogItem:
        async with self._uow(tenant_id) as uow:
            return await uow.catalog_items.get(item_id)
