"""Catalog items and categories: what an item has, and the checks on it (CAT-1, CAT-2, AT-4)."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from domain.catalog.item import (
    CatalogItem,
    CatalogItemId,
    Category,
    CategoryId,
    ItemDetails,
    ItemKind,
    ItemSource,
    Period,
)
from domain.identity.tenant import TenantId
from domain.shared.errors import DomainError, InvalidValue
from domain.shared.money import Currency, Money

TENANT_ID = TenantId(UUID(int=1))
ITEM_ID = CatalogItemId(UUID(int=10))
HARDWARE = CategoryId(UUID(int=20))
FIREWALLS = CategoryId(UUID(int=21))
NOW = datetime(2025, 1, 2, 3, 4, tzinfo=UTC)
LATER = datetime(2025, 2, 3, 4, 5, tzinfo=UTC)


def own_state(aggregate: object) -> dict[str, object]:
    """The aggregate's own attributes; once SQLAlchemy has mapped the class (another test
    used the database), instances also carry its ``_sa_instance_state``, which is not ours."""
    return {k: v for k, v in vars(aggregate).items() if not k.startswith("_sa_")}


def usd(amount: str) -> Money:
    return Money.of(amount, Currency.USD)


def details(**fields: Any) -> ItemDetails:
    given: dict[str, Any] = {
        "kind": ItemKind.PRODUCT,
        "sku": "FW-100",
        "name": "Firewall 100",
        "unit_price": usd("499.99"),
    }
    return ItemDetails(**{**given, **fields})


def new_item(**fields: Any) -> CatalogItem:
    return CatalogItem(id=ITEM_ID, tenant_id=TENANT_ID, details=details(**fields), now=NOW)


def new_category(**fields: Any) -> Category:
    given: dict[str, Any] = {"id": HARDWARE, "tenant_id": TENANT_ID, "name": "Hardware", "now": NOW}
    return Category(**{**given, **fields})


def refused(call: Any, *args: Any, **kwargs: Any) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    return caught.value


# --- item details (CAT-1) -----------------------------------------------------------------------


def test_item_details_hold_everything_cat_1_lists() -> None:  # CAT-1
    made = details(
        kind=ItemKind.SERVICE,
        mpn="MPN-1",
        description="internal notes",
        customer_description="What the customer reads",
        category_id=HARDWARE,
        subcategory_id=FIREWALLS,
        unit_cost=usd("350.00"),
        period=Period.MONTHLY,
        taxable=False,
        unit_of_measure="seat",
    )
    assert (made.kind, made.sku, made.mpn, made.name) == (
        ItemKind.SERVICE,
        "FW-100",
        "MPN-1",
        "Firewall 100",
    )
    assert (made.category_id, made.subcategory_id) == (HARDWARE, FIREWALLS)
    assert (made.unit_price, made.unit_cost) == (usd("499.99"), usd("350.00"))
    assert (made.period, made.taxable, made.unit_of_measure) == (Period.MONTHLY, False, "seat")
    assert made.recurring


def test_item_defaults_are_one_time_taxable_each() -> None:  # CAT-1
    made = details()
    assert (made.period, made.taxable, made.unit_of_measure) == (None, True, "each")
    assert not made.recurring
    assert (made.unit_cost, made.source, made.category_id) == (None, None, None)


def test_item_text_is_trimmed_and_blank_optional_text_becomes_none() -> None:  # CAT-1
    made = details(sku="  FW-100 ", name=" Firewall ", mpn="   ", description="")
    assert (made.sku, made.name, made.mpn, made.description) == ("FW-100", "Firewall", None, None)


@pytest.mark.parametrize("field", ["sku", "name", "unit_of_measure"])
def test_blank_required_text_is_refused(field: str) -> None:  # CAT-1
    with pytest.raises(InvalidValue) as caught:
        details(**{field: "  "})
    assert (caught.value.field, caught.value.rule) == (field, "CAT-1")


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("sku", 50),
        ("name", 100),
        ("unit_of_measure", 30),
        ("mpn", 50),
        ("description", 2000),
        ("customer_description", 2000),
    ],
)
def test_text_longer_than_its_limit_is_refused_at_the_limit_accepted(
    field: str, limit: int
) -> None:  # CAT-1
    assert getattr(details(**{field: "x" * limit}), field) == "x" * limit
    with pytest.raises(InvalidValue) as caught:
        details(**{field: "x" * (limit + 1)})
    assert (caught.value.field, caught.value.rule) == (field, "CAT-1")


@pytest.mark.parametrize("field", ["unit_price", "unit_cost"])
def test_negative_price_or_cost_is_refused(field: str) -> None:  # CAT-1
    with pytest.raises(InvalidValue) as caught:
        details(**{field: usd("-0.01")})
    assert (caught.value.field, caught.value.rule) == (field, "CAT-1")


def test_free_item_is_allowed() -> None:  # CAT-1
    assert details(unit_price=usd("0"), unit_cost=usd("0")).unit_price.is_zero()


def test_cost_in_another_currency_than_price_is_refused() -> None:  # CAT-1
    with pytest.raises(InvalidValue) as caught:
        details(unit_cost=Money.of("1.00", Currency.EUR))
    assert (caught.value.field, caught.value.rule) == ("unit_cost", "CAT-1")


def test_subcategory_without_category_is_refused() -> None:  # CAT-1
    with pytest.raises(InvalidValue) as caught:
        details(subcategory_id=FIREWALLS)
    assert (caught.value.field, caught.value.rule) == ("subcategory_id", "CAT-1")


# --- item source (CAT-2) ------------------------------------------------------------------------


def test_source_records_where_a_pulled_item_came_from() -> None:  # CAT-2
    source = ItemSource(" autotask ", "service", " 29683 ")
    assert source == ItemSource("autotask", "service", "29683")
    assert details(source=source).source == source


@pytest.mark.parametrize(
    ("given", "field"),
    [
        (("", "product", "1"), "source.system"),
        (("autotask", " ", "1"), "source.kind"),
        (("autotask", "product", ""), "source.external_id"),
        (("autotask", "product", "x" * 101), "source.external_id"),
    ],
)
def test_source_parts_are_required(given: tuple[str, str, str], field: str) -> None:  # CAT-2
    with pytest.raises(InvalidValue) as caught:
        ItemSource(*given)
    assert (caught.value.field, caught.value.rule) == (field, "CAT-2")


# --- the item aggregate (CAT-1) -----------------------------------------------------------------


def test_new_item_is_active() -> None:  # CAT-1
    item = new_item(period=Period.YEARLY)
    assert (item.id, item.tenant_id, item.details) == (
        ITEM_ID,
        TENANT_ID,
        details(period=Period.YEARLY),
    )
    assert item.active
    assert item.recurring
    assert (item.created_at, item.updated_at) == (NOW, NOW)


def test_revise_replaces_the_details() -> None:  # CAT-1
    item = new_item()
    item.revise(details(name="Firewall 200"), LATER)
    assert (item.details.name, item.updated_at) == ("Firewall 200", LATER)


def test_revise_to_the_same_details_changes_nothing() -> None:  # CAT-1
    item = new_item()
    item.revise(details(), LATER)
    assert item.updated_at == NOW


def test_deactivate_then_activate() -> None:  # CAT-1
    item = new_item()
    item.deactivate(LATER)
    assert (item.active, item.updated_at) == (False, LATER)
    item.activate(NOW)
    assert item.active


def test_deactivating_twice_is_refused_and_changes_nothing() -> None:  # CAT-1
    item = new_item()
    item.deactivate(NOW)
    before = copy.deepcopy(own_state(item))
    error = refused(item.deactivate, LATER)
    assert (error.code, error.field) == ("already_inactive", "active")
    assert own_state(item) == before


def test_activating_an_active_item_is_refused_and_changes_nothing() -> None:  # CAT-1
    item = new_item()
    before = copy.deepcopy(own_state(item))
    error = refused(item.activate, LATER)
    assert (error.code, error.field) == ("already_active", "active")
    assert own_state(item) == before


# --- categories (CAT-1, AT-4, KBMS-1) -----------------------------------------------------------


def test_new_category_is_active_top_level_and_not_labor() -> None:  # CAT-1
    category = new_category(name="  Hardware ")
    assert (category.name, category.parent_id, category.labor) == ("Hardware", None, False)
    assert (category.active, category.kaseya_item_type) == (True, None)
    assert not category.is_subcategory
    assert (category.created_at, category.updated_at) == (NOW, NOW)


def test_subcategory_names_its_category_and_carries_labor_and_kaseya_type() -> None:  # AT-4
    sub = new_category(
        id=FIREWALLS, parent_id=HARDWARE, name="Installs", labor=True, kaseya_item_type="Labor"
    )
    assert sub.is_subcategory
    assert (sub.parent_id, sub.labor, sub.kaseya_item_type) == (HARDWARE, True, "Labor")


def test_category_cannot_be_its_own_parent() -> None:  # CAT-1
    with pytest.raises(InvalidValue) as caught:
        new_category(parent_id=HARDWARE)
    assert (caught.value.field, caught.value.rule) == ("parent_id", "CAT-1")


@pytest.mark.parametrize(
    ("fields", "field", "rule"),
    [
        ({"name": " "}, "name", "CAT-1"),
        ({"name": "x" * 101}, "name", "CAT-1"),
        ({"kaseya_item_type": "x" * 51}, "kaseya_item_type", "KBMS-1"),
    ],
)
def test_category_text_is_checked(fields: dict[str, Any], field: str, rule: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        new_category(**fields)
    assert (caught.value.field, caught.value.rule) == (field, rule)


def test_revise_changes_only_what_is_given() -> None:  # CAT-1, AT-4
    category = new_category(kaseya_item_type="Product")
    category.revise(labor=True, now=LATER)
    assert (category.name, category.labor, category.kaseya_item_type) == (
        "Hardware",
        True,
        "Product",
    )
    assert category.updated_at == LATER
    category.revise(name="Devices", kaseya_item_type=None, active=False, now=NOW)
    assert (category.name, category.kaseya_item_type, category.active) == ("Devices", None, False)


def test_revise_with_nothing_new_changes_nothing() -> None:  # CAT-1
    category = new_category()
    category.revise(name="Hardware", now=LATER)
    category.revise(now=LATER)
    assert category.updated_at == NOW


def test_refused_revise_changes_nothing_even_what_was_valid() -> None:  # CAT-1
    category = new_category()
    before = copy.deepcopy(own_state(category))
    with pytest.raises(InvalidValue):
        category.revise(labor=True, kaseya_item_type="x" * 51, now=LATER)
    assert own_state(category) == before


def test_details_are_frozen_and_replace_rechecks() -> None:  # CAT-1
    made = details()
    with pytest.raises(InvalidValue):
        replace(made, sku="")
