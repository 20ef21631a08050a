"""Use cases of the catalog (CAT-1): categories with the vendors' flags, and items."""

from __future__ import annotations

from application.shared.errors import NotFound
from application.shared.ports import Clock, IdGenerator
from application.shared.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.catalog.item import (
    CatalogItem,
    CatalogItemId,
    Category,
    CategoryId,
    ItemDetails,
)
from domain.identity.tenant import TenantId
from domain.shared.errors import InvalidValue
from domain.shared.unset import UNSET, Maybe


class _CatalogUseCase:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, ids: IdGenerator) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids


async def _category(uow: UnitOfWork, category_id: CategoryId, field: str) -> Category:
    try:
        return await uow.categories.get(category_id)
    except NotFound:
        raise InvalidValue("no such category", rule="CAT-1", field=field) from None


async def _check_categories(uow: UnitOfWork, details: ItemDetails) -> None:
    """The category is a top-level one and the subcategory belongs to it (CAT-1)."""
    if details.category_id is not None:
        category = await _category(uow, details.category_id, "category_id")
        if category.parent_id is not None:
            raise InvalidValue(
                "category_id names a subcategory; give its parent",
                rule="CAT-1",
                field="category_id",
            )
    if details.subcategory_id is not None:
        sub = await _category(uow, details.subcategory_id, "subcategory_id")
        if sub.parent_id != details.category_id:
            raise InvalidValue(
                "the subcategory does not belong to the category",
                rule="CAT-1",
                field="subcategory_id",
            )


class CreateCategory(_CatalogUseCase):
    async def __call__(
        self,
        tenant_id: TenantId,
        *,
        name: str,
        parent_id: CategoryId | None = None,
        labor: bool = False,
        kaseya_item_type: str | None = None,
    ) -> Category:
        async with self._uow(tenant_id) as uow:
            if parent_id is not None:
                parent = await _category(uow, parent_id, "parent_id")
                if parent.parent_id is not None:
                    raise InvalidValue(
                        "subcategories have one level: the parent must be a category",
                        rule="CAT-1",
                        field="parent_id",
                    )
            category = Category(
                id=CategoryId(self._ids()),
                tenant_id=tenant_id,
                name=name,
                parent_id=parent_id,
                labor=labor,
                kaseya_item_type=kaseya_item_type,
                now=self._clock.now(),
            )
            await uow.categories.add(category)
            await uow.commit()
        return category


class ReviseCategory(_CatalogUseCase):
    async def __call__(
        self,
        tenant_id: TenantId,
        category_id: CategoryId,
        *,
        name: Maybe[str] = UNSET,
        labor: Maybe[bool] = UNSET,
        kaseya_item_type: Maybe[str | None] = UNSET,
        active: Maybe[bool] = UNSET,
    ) -> Category:
        async with self._uow(tenant_id) as uow:
            category = await uow.categories.get(category_id)
            category.revise(
                name=name,
                labor=labor,
                kaseya_item_type=kaseya_item_type,
                active=active,
                now=self._clock.now(),
            )
            await uow.commit()
        return category


class CreateItem(_CatalogUseCase):
    async def __call__(self, tenant_id: TenantId, details: ItemDetails) -> CatalogItem:
        item = CatalogItem(
            id=CatalogItemId(self._ids()),
            tenant_id=tenant_id,
            details=details,
            now=self._clock.now(),
        )
        async with self._uow(tenant_id) as uow:
            await _check_categories(uow, details)
            await uow.catalog_items.add(item)
            await uow.commit()
        return item


class ReviseItem(_CatalogUseCase):
    async def __call__(
        self,
        tenant_id: TenantId,
        item_id: CatalogItemId,
        details: ItemDetails,
        *,
        active: bool | None = None,
    ) -> CatalogItem:
        async with self._uow(tenant_id) as uow:
            item = await uow.catalog_items.get(item_id)
            await _check_categories(uow, details)
            now = self._clock.now()
            item.revise(details, now)
            if active is False and item.active:
                item.deactivate(now)
            elif active is True and not item.active:
                item.activate(now)
            await uow.commit()
        return item
