"""Ports of the catalog context: categories and items (CAT-1)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from application.shared.pagination import PageRequest
from domain.catalog.item import CatalogItem, CatalogItemId, Category, CategoryId, ItemKind


@dataclass(frozen=True, kw_only=True)
class ItemFilter:
    kind: ItemKind | None = None
    active: bool | None = None
    category_id: CategoryId | None = None
    search: str | None = None  # SKU, MPN or name contains, case-insensitive


class CategoryRepository(Protocol):
    async def add(self, category: Category) -> None: ...

    async def get(self, category_id: CategoryId) -> Category:
        """Raises NotFound when the id is unknown to this tenant."""
        ...

    async def all(self) -> list[Category]:
        """Every category and subcategory of the tenant, by name."""
        ...


class CatalogItemRepository(Protocol):
    async def add(self, item: CatalogItem) -> None: ...

    async def get(self, item_id: CatalogItemId) -> CatalogItem: ...

    async def list(self, where: ItemFilter, page: PageRequest) -> list[CatalogItem]:
        """Up to ``page.limit + 1`` rows after ``page.after``, ids ascending."""
        ...
