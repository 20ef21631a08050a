"""Money: an exact amount in one currency (MON-1, MON-2).

Amounts are ``Decimal`` held at the currency's minor unit. The one rounding rule is half-up to the
minor unit (``Money.rounded``); every other constructor refuses amounts that would need rounding,
so no operation loses a fraction silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Self

from domain.shared.errors import CurrencyMismatch, InvalidValue, UnsupportedCurrency


class Currency(StrEnum):
    """The currencies the hub takes payments in (MON-2)."""

    USD = "USD"
    CAD = "CAD"
    AUD = "AUD"
    NZD = "NZD"
    EUR = "EUR"
    GBP = "GBP"

    @property
    def minor_digits(self) -> int:
        """Digits after the decimal point; every supported currency has two."""
        return 2

    @property
    def minor_unit(self) -> Decimal:
        return Decimal(1).scaleb(-self.minor_digits)

    @classmethod
    def parse(cls, code: str, *, field: str = "currency") -> Currency:
        """The currency for an ISO 4217 code as MON-2 lists it (upper case), or a MON-2 error
        naming the field."""
        try:
            return cls(code)
        except ValueError:
            supported = ", ".join(c.value for c in cls)
            raise UnsupportedCurrency(
                f"currency {code!r} is not supported; use one of {supported}",
                rule="MON-2",
                field=field,
            ) from None


# A decimal as people and the API write it, in ASCII digits only: Decimal() alone would also
# take full-width digits ("\uff11.\uff10\uff10"), "1_000", " 1e3 " and "NaN".
_PLAIN_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def _as_decimal(value: Decimal | int | str, field: str) -> Decimal:
    if isinstance(value, float | bool):
        raise TypeError("money amounts are Decimal, int or str, never float (MON-1)")
    if isinstance(value, str) and not _PLAIN_DECIMAL.fullmatch(value):
        raise InvalidValue(
            f"{value!r} is not a decimal number in ASCII digits", rule="MON-1", field=field
        )
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise InvalidValue(f"{value!r} is not a number", rule="MON-1", field=field) from None
    if not amount.is_finite():
        raise InvalidValue("amount must be a finite number", rule="MON-1", field=field)
    return amount


@dataclass(frozen=True, slots=True)
class Money:
    """An amount of one currency, exact to the currency's minor unit."""

    amount: Decimal
    currency: Currency

    def __post_init__(self) -> None:
        amount = _as_decimal(self.amount, "amount")
        try:
            exact = amount.quantize(self.currency.minor_unit, rounding=ROUND_HALF_UP)
        except InvalidOperation:
            raise InvalidValue(
                f"{amount} is too large an amount", rule="MON-1", field="amount"
            ) from None
        if amount != exact:
            raise InvalidValue(
                f"{amount} has more decimals than {self.currency} allows "
                f"({self.currency.minor_digits})",
                rule="MON-1",
                field="amount",
            )
        # Zero has no sign: "-0.00" would be shown, stored and sent to vendors as such.
        object.__setattr__(self, "amount", exact.copy_abs() if exact.is_zero() else exact)

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: Currency | str) -> Self:
        return cls(_as_decimal(amount, "amount"), _currency(currency))

    @classmethod
    def rounded(cls, amount: Decimal | int | str, currency: Currency | str) -> Self:
        """The one rounding rule: half-up to the currency's minor unit (MON-1)."""
        cur = _currency(currency)
        exact = _as_decimal(amount, "amount")
        try:
            return cls(exact.quantize(cur.minor_unit, rounding=ROUND_HALF_UP), cur)
        except InvalidOperation:
            raise InvalidValue(
                f"{amount} is too large an amount", rule="MON-1", field="amount"
            ) from None

    @classmethod
    def zero(cls, currency: Currency | str) -> Self:
        return cls(Decimal(0), _currency(currency))

    @classmethod
    def from_minor_units(cls, units: int, currency: Currency | str) -> Self:
        cur = _currency(currency)
        return cls(Decimal(units).scaleb(-cur.minor_digits), cur)

    @property
    def minor_units(self) -> int:
        return int(self.amount.scaleb(self.currency.minor_digits))

    def is_zero(self) -> bool:
        return self.amount == 0

    def is_negative(self) -> bool:
        return self.amount < 0

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._same(other).amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._same(other).amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def times(self, factor: Decimal | int) -> Money:
        """Multiply (a quantity, a rate) and round half-up once, at this line (MON-1)."""
        return Money.rounded(self.amount * _as_decimal(factor, "factor"), self.currency)

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same(other).amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same(other).amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same(other).amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same(other).amount

    def _same(self, other: Money) -> Money:
        if other.currency is not self.currency:
            raise CurrencyMismatch(
                f"cannot combine {self.currency} with {other.currency}",
                rule="MON-1",
            )
        return other

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def _currency(value: Currency | str) -> Currency:
    return value if isinstance(value, Currency) else Currency.parse(value)
