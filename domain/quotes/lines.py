"""Quote lines and discounts (QUO-1): what a line is worth before the quote-level discount.

A line refers to a catalog item or is ad hoc; either way it carries its own copy of everything a
quote needs (price, cost, category names, labor flag, tax), so editing the catalog later does not
change a quote. Every amount is rounded once, half-up, at the line (MON-1).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import NewType
from uuid import UUID

from domain.catalog.item import CatalogItemId, ItemKind, ItemSource, Period
from domain.shared.errors import InvalidValue, naming_rule
from domain.shared.money import Money, check_price
from domain.shared.numbers import exact_decimal
from domain.shared.text import optional_text, required_text

LineId = NewType("LineId", UUID)

QUANTITY_PLACES = 4
RATE_PLACES = 4
_CENT_PLACES = 2


def _discount_value(value: Decimal | int | str, places: int) -> Decimal:
    return exact_decimal(value, "discount.value", rule="QUO-1", places=places)


class DiscountKind(StrEnum):
    PERCENT = "percent"
    AMOUNT = "amount"


@dataclass(frozen=True)
class Discount:
    """A percent off (0 < value ≤ 100) or an amount off, exact to cents (QUO-1)."""

    kind: DiscountKind
    value: Decimal

    def __post_init__(self) -> None:
        places = RATE_PLACES if self.kind is DiscountKind.PERCENT else _CENT_PLACES
        value = _discount_value(self.value, places)
        if value <= 0 or (self.kind is DiscountKind.PERCENT and value > 100):
            most = " and at most 100" if self.kind is DiscountKind.PERCENT else ""
            raise InvalidValue(
                f"a {self.kind} discount must be more than 0{most}",
                rule="QUO-1",
                field="discount.value",
            )
        object.__setattr__(self, "value", value)

    @classmethod
    def percent(cls, value: Decimal | int | str) -> Discount:
        return cls(DiscountKind.PERCENT, _discount_value(value, RATE_PLACES))

    @classmethod
    def amount(cls, value: Decimal | int | str) -> Discount:
        return cls(DiscountKind.AMOUNT, _discount_value(value, _CENT_PLACES))

    def off(self, base: Money) -> Money:
        """What this discount takes off ``base``: a percent rounded half-up once (MON-1)."""
        if self.kind is DiscountKind.PERCENT:
            return base.times(self.value / 100)
        return Money.of(self.value, base.currency)


_OPTIONAL_TEXT = (
    ("sku", 50),
    ("mpn", 50),
    ("description", 2000),
    ("category", 100),
    ("subcategory", 100),
    ("kaseya_item_type", 50),
    ("tax_code", 50),
)


@dataclass(frozen=True, kw_only=True)
class LineDetails:
    """What a quote line says (QUO-1); errors name the field as ``lines[].<field>``."""

    name: str
    quantity: Decimal
    unit_price: Money
    unit_cost: Money | None = None
    kind: ItemKind = ItemKind.PRODUCT
    item_id: CatalogItemId | None = None  # None: an ad-hoc line
    source: ItemSource | None = None
    sku: str | None = None
    mpn: str | None = None
    description: str | None = None
    category: str | None = None
    subcategory: str | None = None
    labor: bool = False  # copied from the category's flag (AT-4)
    kaseya_item_type: str | None = None
    period: Period | None = None  # None: one-time
    discount: Discount | None = None  # the item discount, never more than the line
    taxable: bool = True
    tax_code: str | None = None
    tax_rate: Decimal = Decimal(0)  # percent

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        with naming_rule("QUO-1"):
            set_(self, "name", required_text(self.name, "lines[].name", 255))
            for name, limit in _OPTIONAL_TEXT:
                multiline = limit > 255  # the description
                text = optional_text(
                    getattr(self, name), f"lines[].{name}", limit, multiline=multiline
                )
                set_(self, name, text)
            set_(
                self,
                "quantity",
                exact_decimal(self.quantity, "lines[].quantity", places=QUANTITY_PLACES),
            )
            set_(
                self,
                "tax_rate",
                exact_decimal(self.tax_rate, "lines[].tax_rate", places=RATE_PLACES),
            )
        _check_range(self.quantity > 0, "lines[].quantity", "must be more than 0")
        _check_range(0 <= self.tax_rate <= 100, "lines[].tax_rate", "must be 0 to 100")
        self._check_prices()
        self._check_discount()

    def _check_prices(self) -> None:
        for name in ("unit_price", "unit_cost"):
            check_price(getattr(self, name), f"lines[].{name}", rule="QUO-1")
        cost = self.unit_cost
        if cost is not None and cost.currency is not self.unit_price.currency:
            raise InvalidValue(
                f"unit_cost is in {cost.currency} but unit_price in {self.unit_price.currency}",
                rule="QUO-1",
                field="lines[].unit_cost",
            )

    def _check_discount(self) -> None:
        if self.discount is not None and self.discount.off(self.gross) > self.gross:
            raise InvalidValue(
                f"the item discount {self.discount.value} is more than the line's {self.gross}",
                code="discount_exceeds_line",
                rule="QUO-1",
                field="lines[].discount",
            )

    @property
    def gross(self) -> Money:
        """Unit price times quantity, rounded once (MON-1)."""
        return self.unit_price.times(self.quantity)

    @property
    def discount_amount(self) -> Money:
        if self.discount is None:
            return Money.zero(self.unit_price.currency)
        return self.discount.off(self.gross)

    @property
    def one_time(self) -> bool:
        return self.period is None


def _check_range(ok: bool, field: str, says: str) -> None:
    if not ok:
        raise InvalidValue(f"{field} {says}", rule="QUO-1", field=field)


@dataclass(frozen=True)
class QuoteLine:
    """A line at its place on the quote (positions run 1, 2, 3 …)."""

    id: LineId
    position: int
    details: LineDetails

    @property
    def gross(self) -> Money:
        return self.details.gross

    @property
    def discount_amount(self) -> Money:
        """The item discount (QUO-1)."""
        return self.details.discount_amount

    @property
    def net(self) -> Money:
        """Gross less the item discount; the quote-level discount is shared later (QUO-2)."""
        return self.gross - self.discount_amount

    @property
    def cost(self) -> Money | None:
        """Unit cost times quantity, rounded once; None when the line has no cost (QUO-2)."""
        cost = self.details.unit_cost
        return None if cost is None else cost.times(self.details.quantity)

    @property
    def one_time(self) -> bool:
        return self.details.one_time

    @property
    def period(self) -> Period | None:
        return self.details.period
