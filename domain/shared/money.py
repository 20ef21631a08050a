"""Money: an exact amount in one currency (MON-1, MON-2).

Amounts are ``Decimal`` held at the currency's minor unit. The one rounding rule is half-up to the
minor unit (``Money.rounded``); every other constructor refuses amounts that would need rounding,
so no operation loses a fraction silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Self

from domain.shared.errors import CurrencyMismatch, InvalidValue, UnsupportedCurrency
from domain.shared.numbers import exact_decimal


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


@dataclass(frozen=True, slots=True)
class Money:
    """An amount of one currency, exact to the currency's minor unit."""

    amount: Decimal
    currency: Currency

    def __post_init__(self) -> None:
        amount = exact_decimal(self.amount, "amount", rule="MON-1")
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
        return cls(exact_decimal(amount, "amount", rule="MON-1"), _currency(currency))

    @classmethod
    def rounded(cls, amount: Decimal | int | str, currency: Currency | str) -> Self:
        """The one rounding rule: half-up to the currency's minor unit (MON-1)."""
        cur = _currency(currency)
        exact = exact_decimal(amount, "amount", rule="MON-1")
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
        return Money.rounded(
            self.amount * exact_decimal(factor, "factor", rule="MON-1"), self.currency
        )

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


def check_price(price: Money | None, field: str, *, rule: str) -> None:
    """A price, a cost or a limit is never negative; ``Money`` already holds it to its currency's
    minor unit (MON-1). The error names ``field`` and the rule the caller keeps."""
    if price is not None and price.is_negative():
        raise InvalidValue(f"{field} must not be negative", rule=rule, field=field)


def price_of(
    amount: Decimal | int | str, currency: Currency | str, field: str, *, rule: str
) -> Money:
    """A price or a cost as someone wrote it: exact to the currency's minor unit (MON-1) and
    never negative (``rule``); each error names ``field``, not the ``amount`` inside it."""
    try:
        price = Money.of(amount, currency)
    except InvalidValue as error:
        if error.field == "amount":
            error.field = field
        raise
    check_price(price, field, rule=rule)
    return price


def _currency(value: Currency | str) -> Currency:
    return value if isinstance(value, Currency) else Currency.parse(value)
