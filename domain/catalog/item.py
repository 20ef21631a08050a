"""Catalog items and categories (CAT-1), and where an item pulled from a PSA came from (CAT-2).

Items are deactivated, never deleted: quote lines keep pointing at them. A category with a
``parent_id`` is a subcategory; its labor flag (AT-4) and Kaseya item type (KBMS-1) are copied
onto the quote lines filed under it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import NewType
from uuid import UUID

from domain.identity.tenant import TenantId
from domain.shared.errors import DomainError, InvalidValue, naming_rule
from domain.shared.events import Aggregate
from domain.shared.money import Money, check_price
from domain.shared.text import optional_text, required_text
from domain.shared.unset import UNSET, Maybe

CatalogItemId = NewType("CatalogItemId", UUID)
CategoryId = NewType("CategoryId", UUID)


class ItemKind(StrEnum):
    PRODUCT = "product"
    SERVICE = "service"
    LABOR = "labor"


class Period(StrEnum):
    """How often a recurring item bills, shortest first; an item with no period is one-time."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SEMIANNUAL = "semiannual"
    YEARLY = "yearly"


@dataclass(frozen=True)
class ItemSource:
    """The PSA record an item was pulled from (CAT-2): its system, its kind there, its id there."""

    system: str
    kind: str  # the PSA's own kind: "product" | "service" (| "labor")
    external_id: str

    def __post_init__(self) -> None:
        with naming_rule("CAT-2"):
            for name, limit in (("system", 30), ("kind", 30), ("external_id", 100)):
                value = required_text(getattr(self, name), f"source.{name}", limit)
                object.__setattr__(self, name, value)


_REQUIRED_TEXT = (("sku", 50), ("name", 100), ("unit_of_measure", 30))
_OPTIONAL_TEXT = (("mpn", 50), ("description", 2000), ("customer_description", 2000))


@dataclass(frozen=True, kw_only=True)
class ItemDetails:
    """Everything staff edit on a catalog item (CAT-1)."""

    kind: ItemKind
    sku: str
    name: str
    unit_price: Money
    unit_cost: Money | None = None
    mpn: str | None = None
    description: str | None = None
    customer_description: str | None = None
    category_id: CategoryId | None = None
    subcategory_id: CategoryId | None = None
    period: Period | None = None  # None: one-time
    taxable: bool = True
    unit_of_measure: str = "each"
    source: ItemSource | None = None

    def __post_init__(self) -> None:
        with naming_rule("CAT-1"):
            for name, limit in _REQUIRED_TEXT:
                object.__setattr__(self, name, required_text(getattr(self, name), name, limit))
            for name, limit in _OPTIONAL_TEXT:
                text = optional_text(getattr(self, name), name, limit, multiline=limit > 100)
                object.__setattr__(self, name, text)
        self._check_prices()
        if self.subcategory_id is not None and self.category_id is None:
            raise InvalidValue(
                "a subcategory needs its category", rule="CAT-1", field="subcategory_id"
            )

    def _check_prices(self) -> None:
        for name in ("unit_price", "unit_cost"):
            check_price(getattr(self, name), name, rule="CAT-1")
        cost = self.unit_cost
        if cost is not None and cost.currency is not self.unit_price.currency:
            raise InvalidValue(
                f"unit_cost is in {cost.currency} but unit_price in {self.unit_price.currency}",
                rule="CAT-1",
                field="unit_cost",
            )

    @property
    def recurring(self) -> bool:
        return self.period is not None


class CatalogItem(Aggregate):
    """A product, service or labor item a quote line may refer to (CAT-1)."""

    def __init__(
        self, *, id: CatalogItemId, tenant_id: TenantId, details: ItemDetails, now: datetime
    ) -> None:
        self.id = id
        self.tenant_id = tenant_id
        self.details = details
        self.active = True
        self.created_at = now
        self.updated_at = now

    @property
    def recurring(self) -> bool:
        """Billed every period rather than once (CAT-1)."""
        return self.details.recurring

    def revise(self, details: ItemDetails, now: datetime) -> None:
        """Replace what staff edit; the details were checked when they were built."""
        if details == self.details:
            return
        self.details = details
        self.updated_at = now

    def deactivate(self, now: datetime) -> None:
        """Hidden from new quotes; existing lines keep their copy (CAT-1)."""
        if not self.active:
            raise DomainError(
                "the item is already inactive",
                code="already_inactive",
                rule="CAT-1",
                field="active",
            )
        self.active = False
        self.updated_at = now

    def activate(self, now: datetime) -> None:
        if self.active:
            raise DomainError(
                "the item is already active", code="already_active", rule="CAT-1", field="active"
            )
        self.active = True
        self.updated_at = now


def _category_name(name: str) -> str:
    with naming_rule("CAT-1"):
        return required_text(name, "name", 100)


def _kaseya_item_type(value: str | None) -> str | None:
    with naming_rule("KBMS-1"):
        return optional_text(value, "kaseya_item_type", 50)


class Category(Aggregate):
    """A category, or with a ``parent_id`` a subcategory of one, items are filed under (CAT-1).

    ``labor`` makes lines under it Labor items (AT-4); ``kaseya_item_type`` overrides the Kaseya
    item type its items get (KBMS-1), free text such as "Product", "Service" or "Labor".
    """

    def __init__(
        self,
        *,
        id: CategoryId,
        tenant_id: TenantId,
        name: str,
        parent_id: CategoryId | None = None,
        labor: bool = False,
        kaseya_item_type: str | None = None,
        now: datetime,
    ) -> None:
        if parent_id == id:
            raise InvalidValue(
                "a category cannot be its own parent", rule="CAT-1", field="parent_id"
            )
        self.id = id
        self.tenant_id = tenant_id
        self.name = _category_name(name)
        self.parent_id = parent_id
        self.labor = labor
        self.kaseya_item_type = _kaseya_item_type(kaseya_item_type)
        self.active = True
        self.created_at = now
        self.updated_at = now

    @property
    def is_subcategory(self) -> bool:
        return self.parent_id is not None

    def revise(
        self,
        *,
        name: Maybe[str] = UNSET,
        labor: Maybe[bool] = UNSET,
        kaseya_item_type: Maybe[str | None] = UNSET,
        active: Maybe[bool] = UNSET,
        now: datetime,
    ) -> None:
        """A partial update: what is left ``UNSET`` keeps its value; all checks run first."""
        new = {
            "name": self.name if name is UNSET else _category_name(name),
            "labor": self.labor if labor is UNSET else labor,
            "kaseya_item_type": (
                self.kaseya_item_type
                if kaseya_item_type is UNSET
                else _kaseya_item_type(kaseya_item_type)
            ),
            "active": self.active if active is UNSET else active,
        }
        if all(getattr(self, key) == value for key, value in new.items()):
            return
        for key, value in new.items():
            setattr(self, key, value)
        self.updated_at = now
