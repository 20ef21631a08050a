"""Catalog use cases against the in-memory persistence fakes: categories and items (CAT-1)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.persistence.memory import InMemoryDatabase, InMemoryUnitOfWorkFactory
from application.catalog.ports import ItemFilter
from application.catalog.use_cases import (
    CreateCategory,
    CreateItem,
    ReviseCategory,
    ReviseItem,
)
from application.quotes.queries import QuoteQueries
from application.shared.errors import NotFound
from application.shared.pagination import PageRequest
from application.shared.unit_of_work import UnitOfWorkFactory
from domain.catalog.item import (
    CatalogItem,
    CatalogItemId,
    Category,
    CategoryId,
    ItemDetails,
    ItemKind,
    Period,
)
from domain.identity.tenant import TenantId
from domain.shared.errors import InvalidValue
from domain.shared.money import Currency, Money
from tests.support.clock import FixedClock
from tests.support.memory import with_tenants

TENANT_A = TenantId(uuid.UUID(int=0xA))
TENANT_B = TenantId(uuid.UUID(int=0xB))
NOW = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
LATER = datetime(2025, 3, 2, 9, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Catalog:
    db: InMemoryDatabase
    uow: UnitOfWorkFactory
    create_category: CreateCategory
    revise_category: ReviseCategory
    create_item: CreateItem
    revise_item: ReviseItem
    queries: QuoteQueries


@pytest.fixture
def catalog() -> Catalog:
    db = with_tenants(InMemoryDatabase(), TENANT_A, TENANT_B)
    uow: UnitOfWorkFactory = InMemoryUnitOfWorkFactory(db)  # checked against the port
    clock = FixedClock(NOW)
    args = (uow, clock, uuid.uuid4)
    return Catalog(
        db,
        uow,
        CreateCategory(*args),
        ReviseCategory(*args),
        CreateItem(*args),
        ReviseItem(*args),
        QuoteQueries(uow, clock),
    )


def usd(amount: str) -> Money:
    return Money.of(amount, Currency.USD)


def details(**fields: Any) -> ItemDetails:
    given: dict[str, Any] = {
        "kind": ItemKind.PRODUCT,
        "sku": "FW-100",
        "name": "Firewall",
        "unit_price": usd("499.00"),
        "unit_cost": usd("320.00"),
    }
    return ItemDetails(**{**given, **fields})


async def category_tree(catalog: Catalog) -> tuple[Category, Category]:
    """Services, with its subcategory Onsite labor."""
    services = await catalog.create_category(TENANT_A, name="Services")
    onsite = await catalog.create_category(
        TENANT_A, name="Onsite labor", parent_id=services.id, labor=True
    )
    return services, onsite


async def item_of(catalog: Catalog, item_id: CatalogItemId) -> CatalogItem:
    return await catalog.queries.item(TENANT_A, item_id)


def stored_items(catalog: Catalog) -> list[CatalogItem]:
    return list(catalog.db.table(CatalogItem).values())


# --- categories ---------------------------------------------------------------------------------


async def test_create_category_and_subcategory_with_vendor_flags(catalog: Catalog) -> None:
    services, onsite = await category_tree(catalog)  # CAT-1, AT-4
    read = {c.id: c for c in await catalog.queries.categories(TENANT_A)}
    assert (read[services.id].parent_id, read[services.id].labor) == (None, False)
    assert (read[onsite.id].parent_id, read[onsite.id].labor) == (services.id, True)
    assert read[onsite.id].is_subcategory
    assert read[onsite.id].created_at == NOW


async def test_a_subcategory_of_a_subcategory_is_refused_naming_parent_id(
    catalog: Catalog,
) -> None:
    _, onsite = await category_tree(catalog)
    with pytest.raises(InvalidValue) as caught:  # CAT-1: one level of subcategories
        await catalog.create_category(TENANT_A, name="Weekend", parent_id=onsite.id)
    assert (caught.value.rule, caught.value.field) == ("CAT-1", "parent_id")
    assert len(await catalog.queries.categories(TENANT_A)) == 2


@pytest.mark.parametrize("known_elsewhere", [True, False], ids=["other-tenant", "unknown"])
async def test_a_parent_outside_the_tenant_is_refused_naming_parent_id(
    catalog: Catalog, known_elsewhere: bool
) -> None:
    foreign = await catalog.create_category(TENANT_B, name="Foreign")
    parent = foreign.id if known_elsewhere else CategoryId(uuid.uuid4())
    with pytest.raises(InvalidValue) as caught:  # CAT-1; SPEC §0: nothing crosses tenants
        await catalog.create_category(TENANT_A, name="Child", parent_id=parent)
    assert (caught.value.rule, caught.value.field) == ("CAT-1", "parent_id")


async def test_revise_category_changes_only_what_is_given(catalog: Catalog) -> None:
    services, _ = await category_tree(catalog)
    revised = await catalog.revise_category(
        TENANT_A, services.id, labor=True, kaseya_item_type="Service"
    )
    assert (revised.name, revised.labor, revised.kaseya_item_type) == ("Services", True, "Service")
    read = {c.id: c for c in await catalog.queries.categories(TENANT_A)}
    assert (read[services.id].labor, read[services.id].kaseya_item_type) == (True, "Service")


# --- items --------------------------------------------------------------------------------------


async def test_create_item_with_a_category_and_its_subcategory(catalog: Catalog) -> None:
    services, onsite = await category_tree(catalog)
    made = await catalog.create_item(
        TENANT_A,
        details(
            kind=ItemKind.LABOR,
            sku="LAB-ON",
            name="Onsite hour",
            category_id=services.id,
            subcategory_id=onsite.id,
            period=None,
        ),
    )
    read = await item_of(catalog, made.id)  # CAT-1
    assert (read.details.category_id, read.details.subcategory_id) == (services.id, onsite.id)
    assert (read.details.sku, read.details.kind, read.active) == ("LAB-ON", ItemKind.LABOR, True)
    assert read.created_at == NOW


async def test_a_subcategory_of_another_category_is_refused_naming_subcategory_id(
    catalog: Catalog,
) -> None:
    _, onsite = await category_tree(catalog)
    hardware = await catalog.create_category(TENANT_A, name="Hardware")
    with pytest.raises(InvalidValue) as caught:  # CAT-1: the subcategory belongs to the category
        await catalog.create_item(
            TENANT_A, details(category_id=hardware.id, subcategory_id=onsite.id)
        )
    assert (caught.value.rule, caught.value.field) == ("CAT-1", "subcategory_id")
    assert stored_items(catalog) == []


async def test_a_subcategory_given_as_the_category_is_refused_naming_category_id(
    catalog: Catalog,
) -> None:
    _, onsite = await category_tree(catalog)
    with pytest.raises(InvalidValue) as caught:  # CAT-1
        await catalog.create_item(TENANT_A, details(category_id=onsite.id))
    assert (caught.value.rule, caught.value.field) == ("CAT-1", "category_id")
    assert stored_items(catalog) == []


async def test_another_tenants_category_is_unknown(catalog: Catalog) -> None:
    foreign = await catalog.create_category(TENANT_B, name="Foreign")
    with pytest.raises(InvalidValue) as caught:  # CAT-1; SPEC §0
        await catalog.create_item(TENANT_A, details(category_id=foreign.id))
    assert caught.value.field == "category_id"
    assert stored_items(catalog) == []


async def test_revise_item_replaces_its_details(catalog: Catalog) -> None:
    services, _ = await category_tree(catalog)
    made = await catalog.create_item(TENANT_A, details())
    new = details(
        name="Firewall (managed)",
        unit_price=usd("59.00"),
        period=Period.MONTHLY,
        category_id=services.id,
    )
    await ReviseItem(catalog.uow, FixedClock(LATER), uuid.uuid4)(TENANT_A, made.id, new)
    read = await item_of(catalog, made.id)  # CAT-1
    assert read.details == new
    assert (read.recurring, read.updated_at, read.created_at) == (True, LATER, NOW)


async def test_revise_item_checks_its_categories_and_changes_nothing_when_refused(
    catalog: Catalog,
) -> None:
    _, onsite = await category_tree(catalog)
    hardware = await catalog.create_category(TENANT_A, name="Hardware")
    made = await catalog.create_item(TENANT_A, details(category_id=hardware.id))
    bad = details(name="Renamed", category_id=hardware.id, subcategory_id=onsite.id)
    with pytest.raises(InvalidValue) as caught:  # CAT-1
        await catalog.revise_item(TENANT_A, made.id, bad)
    assert caught.value.field == "subcategory_id"
    assert (await item_of(catalog, made.id)).details == made.details


async def test_revise_item_with_active_false_deactivates_it(catalog: Catalog) -> None:
    made = await catalog.create_item(TENANT_A, details())
    returned = await catalog.revise_item(TENANT_A, made.id, made.details, active=False)
    assert returned.active is False  # CAT-1: deactivated, never deleted
    assert (await item_of(catalog, made.id)).active is False
    listed = await catalog.queries.items(TENANT_A, ItemFilter(active=True), PageRequest(limit=10))
    assert listed.items == []
    everything = await catalog.queries.items(TENANT_A, ItemFilter(), PageRequest(limit=10))
    assert [i.id for i in everything.items] == [made.id]


async def test_revise_item_with_active_true_reactivates_it(catalog: Catalog) -> None:
    made = await catalog.create_item(TENANT_A, details())
    await catalog.revise_item(TENANT_A, made.id, made.details, active=False)
    await catalog.revise_item(TENANT_A, made.id, made.details, active=True)
    assert (await item_of(catalog, made.id)).active is True  # CAT-1


async def test_revise_item_without_active_leaves_an_inactive_item_inactive(
    catalog: Catalog,
) -> None:
    made = await catalog.create_item(TENANT_A, details())
    await catalog.revise_item(TENANT_A, made.id, made.details, active=False)
    renamed = replace(made.details, name="Firewall v2")
    await catalog.revise_item(TENANT_A, made.id, renamed)
    read = await item_of(catalog, made.id)
    assert (read.details.name, read.active) == ("Firewall v2", False)


async def test_an_item_of_another_tenant_is_not_found(catalog: Catalog) -> None:
    made = await catalog.create_item(TENANT_B, details())
    with pytest.raises(NotFound):  # SPEC §0
        await catalog.revise_item(TENANT_A, made.id, made.details, active=False)
    with pytest.raises(NotFound):
        await catalog.queries.item(TENANT_A, made.id)
