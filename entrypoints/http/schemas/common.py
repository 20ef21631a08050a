"""Shapes every resource shares: money as decimal strings, pages with an opaque cursor and their
``limit``."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Generic, TypeVar

import msgspec
from litestar.params import QueryParameter

from application.shared.pagination import HasId, Page
from domain.shared.errors import DomainError
from domain.shared.money import Currency, Money
from domain.shared.unset import UNSET as DOMAIN_UNSET
from domain.shared.unset import Unset as DomainUnset

T = TypeVar("T")
R = TypeVar("R")
Row = TypeVar("Row", bound=HasId)

DecimalString = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^-?[0-9]{1,15}(\.[0-9]{1,15})?$",
        description='a decimal number as a string in ASCII digits, e.g. "125.50"',
        examples=["125.50"],
    ),
]
Limit = Annotated[int | None, QueryParameter(ge=1, le=200, description="rows per page (1-200)")]
CurrencyCode = Annotated[
    str,
    msgspec.Meta(
        min_length=3,
        max_length=3,
        description="ISO 4217 code; one of " + ", ".join(c.value for c in Currency),
        examples=["USD"],
    ),
]


class Input(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Request bodies: unknown fields are an error, never silently dropped."""


class Output(msgspec.Struct, frozen=True, kw_only=True):
    pass


class MoneyBody(Input, frozen=True):
    amount: DecimalString
    currency: CurrencyCode

    def to_money(self, field: str) -> Money:
        try:
            return Money.of(self.amount, self.currency)
        except DomainError as error:
            inner = "currency" if error.field == "currency" else "amount"
            error.field = f"{field}.{inner}"
            raise


class MoneyOut(Output, frozen=True):
    amount: str
    currency: str

    @classmethod
    def of(cls, money: Money | None) -> MoneyOut | None:
        return (
            None if money is None else cls(amount=str(money.amount), currency=money.currency.value)
        )


class PageOut(Output, Generic[T], frozen=True):
    items: list[T]
    next_cursor: str | None

    @classmethod
    def of(cls, page: Page[Row], item: Callable[[Row], T]) -> PageOut[T]:
        return cls(items=[item(row) for row in page.items], next_cursor=page.next_cursor)


def decimal_text(value: Decimal | Money | None) -> str | None:
    """A decimal or an amount as the API writes it; None stays null."""
    if value is None:
        return None
    return str(value.amount if isinstance(value, Money) else value)


def unset_to_domain(value: T | msgspec.UnsetType) -> T | DomainUnset:
    """msgspec's UNSET (field absent from the JSON) becomes the domain's UNSET."""
    return DOMAIN_UNSET if isinstance(value, msgspec.UnsetType) else value


def convert_given(
    value: T | None | msgspec.UnsetType, convert: Callable[[T], R]
) -> R | None | DomainUnset:
    """Convert a field of a partial update when given; absent and null pass through."""
    if isinstance(value, msgspec.UnsetType):
        return DOMAIN_UNSET
    return None if value is None else convert(value)


def parse_currency(code: str | None, field: str = "currency") -> Currency | None:
    return None if code is None else Currency.parse(code, field=field)
