"""Money and Currency: exact Decimal amounts, half-up at the minor unit (MON-1, MON-2)."""

from __future__ import annotations

import operator
from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.shared.errors import CurrencyMismatch, InvalidValue, UnsupportedCurrency
from domain.shared.money import Currency, Money

USD = Currency.USD
EUR = Currency.EUR

# Comfortably inside Decimal's default 28-digit context.
_BOUND = Decimal(10) ** 15
amounts = st.decimals(
    min_value=-_BOUND, max_value=_BOUND, places=2, allow_nan=False, allow_infinity=False
)
monies = st.builds(Money.of, amounts, st.sampled_from(Currency))


# --- rounding (MON-1) ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exact", "expected"),
    [
        ("1.005", "1.01"),
        ("-1.005", "-1.01"),
        ("2.675", "2.68"),
        ("1.0049", "1.00"),
        ("0.125", "0.13"),
        ("-0.004", "0.00"),
    ],
)
def test_rounded_is_half_up_to_the_minor_unit(exact: str, expected: str) -> None:  # MON-1
    assert Money.rounded(exact, USD).amount == Decimal(expected)


def test_rounded_gets_2_675_right_where_float_does_not() -> None:  # MON-1
    assert round(2.675, 2) == 2.67  # the binary float sits just below 2.675
    assert Money.rounded(Decimal("2.675"), USD) == Money.of("2.68", USD)


@given(
    st.decimals(
        min_value=-_BOUND, max_value=_BOUND, places=4, allow_nan=False, allow_infinity=False
    )
)
def test_rounding_moves_at_most_half_a_minor_unit_symmetrically(exact: Decimal) -> None:  # MON-1
    rounded = Money.rounded(exact, USD)
    assert abs(rounded.amount - exact) <= Decimal("0.005")
    assert Money.rounded(-exact, USD) == -rounded


def test_amount_is_held_at_the_minor_unit() -> None:  # MON-1
    assert str(Money.of(7, USD)) == "7.00 USD"
    assert Money.of("1.5000", USD).amount.as_tuple().exponent == -2


# --- refused amounts (MON-1) --------------------------------------------------------------------


@pytest.mark.parametrize("amount", ["1.005", "0.001", "-12.345"])
def test_of_refuses_more_decimals_than_the_currency_has(amount: str) -> None:  # MON-1
    with pytest.raises(InvalidValue) as caught:
        Money.of(amount, USD)
    assert (caught.value.field, caught.value.rule) == ("amount", "MON-1")


@pytest.mark.parametrize("amount", [1.5, 0.1, 2.0, True])
def test_float_and_bool_amounts_are_refused(amount: object) -> None:  # MON-1
    with pytest.raises(TypeError, match="never float"):
        Money.of(amount, USD)  # type: ignore[arg-type]


@pytest.mark.parametrize("amount", ["NaN", "sNaN", "Infinity", "-Infinity", "ten", ""])
def test_non_finite_or_non_numeric_amounts_are_refused(amount: str) -> None:  # MON-1
    with pytest.raises(InvalidValue) as caught:
        Money.of(amount, USD)
    assert (caught.value.field, caught.value.rule) == ("amount", "MON-1")


def test_amount_beyond_decimal_precision_is_refused_as_invalid_value() -> None:  # MON-1
    with pytest.raises(InvalidValue) as caught:
        Money.of("1e30", USD)
    assert caught.value.field == "amount"


# --- one currency at a time (MON-1) -------------------------------------------------------------


@pytest.mark.parametrize(
    "combine",
    [
        operator.add,
        operator.sub,
        operator.lt,
        operator.le,
        operator.gt,
        operator.ge,
    ],
)
def test_arithmetic_and_ordering_refuse_two_currencies(
    combine: Callable[[Money, Money], object],
) -> None:  # MON-1
    with pytest.raises(CurrencyMismatch) as caught:
        combine(Money.of(1, USD), Money.of(1, EUR))
    assert caught.value.rule == "MON-1"


def test_same_amount_in_two_currencies_is_not_equal() -> None:  # MON-1
    assert Money.of(1, USD) != Money.of(1, EUR)


def test_ordering_within_one_currency() -> None:
    small, large = Money.of("9.99", USD), Money.of("10.00", USD)
    assert small < large
    assert large > small
    assert small <= Money.of("9.99", USD)
    assert large >= Money.of("10.00", USD)


def test_negation_and_sign_checks() -> None:
    assert (-Money.of("3.10", USD)).amount == Decimal("-3.10")
    assert Money.of("-0.01", USD).is_negative()
    assert Money.zero(USD).is_zero()
    assert not Money.zero(USD).is_negative()


# --- exactness (MON-1) --------------------------------------------------------------------------


def test_ten_dimes_make_exactly_one_dollar() -> None:  # MON-1
    dime = Money.of("0.10", USD)
    total = sum([dime] * 10, Money.zero(USD))
    assert sum([0.1] * 10) != 1.0  # what float would have done
    assert total == Money.of("1.00", USD)
    assert total.amount == Decimal("1.00")


def test_minor_units_round_trip_a_large_amount_exactly() -> None:  # MON-1
    money = Money.of("12345678901234.56", USD)
    assert money.minor_units == 1234567890123456
    assert Money.from_minor_units(1234567890123456, USD) == money


def test_negative_minor_units() -> None:
    assert Money.of("-0.07", USD).minor_units == -7
    assert Money.from_minor_units(-7, USD) == Money.of("-0.07", USD)


@given(monies)
def test_from_minor_units_inverts_minor_units(money: Money) -> None:  # MON-1
    assert Money.from_minor_units(money.minor_units, money.currency) == money


@given(amounts, amounts, st.sampled_from(Currency))
def test_adding_then_subtracting_returns_the_original(
    a: Decimal, b: Decimal, currency: Currency
) -> None:  # MON-1
    first, second = Money.of(a, currency), Money.of(b, currency)
    assert (first + second) - second == first


# --- times: one rounding per line (MON-1) -------------------------------------------------------


def test_times_rounds_half_up_once_at_the_line() -> None:  # MON-1
    assert Money.of("1.15", USD).times(Decimal("0.5")) == Money.of("0.58", USD)
    assert Money.of("19.99", USD).times(Decimal("0.0825")) == Money.of("1.65", USD)


def test_times_an_integer_quantity_is_exact() -> None:  # MON-1
    assert Money.of("0.10", USD).times(3) == Money.of("0.30", USD)


def test_totals_are_sums_of_rounded_lines() -> None:  # MON-1
    lines = [Money.of("0.01", USD).times(Decimal("0.5")) for _ in range(3)]
    assert lines == [Money.of("0.01", USD)] * 3  # 0.005 rounds up on each line
    assert sum(lines, Money.zero(USD)) == Money.of("0.03", USD)  # not round(0.015) = 0.02


def test_times_refuses_a_float_factor() -> None:  # MON-1
    with pytest.raises(TypeError):
        Money.of(1, USD).times(1.5)  # type: ignore[arg-type]


def test_times_refuses_a_non_finite_factor() -> None:  # MON-1
    with pytest.raises(InvalidValue) as caught:
        Money.of(1, USD).times(Decimal("NaN"))
    assert caught.value.field == "factor"


# --- currencies (MON-2) -------------------------------------------------------------------------


def test_the_supported_currencies_are_exactly_the_six_of_the_spec() -> None:  # MON-2
    assert {c.value for c in Currency} == {"USD", "CAD", "AUD", "NZD", "EUR", "GBP"}
    assert all(c.minor_unit == Decimal("0.01") for c in Currency)


@pytest.mark.parametrize("code", ["USD", "CAD", "AUD", "NZD", "EUR", "GBP"])
def test_parse_takes_the_codes_as_the_spec_lists_them(code: str) -> None:  # MON-2
    assert Currency.parse(code) is Currency(code)


@pytest.mark.parametrize("code", ["JPY", "XBT", "US", "", "dollar", "usd", " USD", "Gbp"])
def test_unsupported_currency_is_refused_naming_field_and_rule(code: str) -> None:  # MON-2
    with pytest.raises(UnsupportedCurrency) as caught:
        Currency.parse(code)
    assert (caught.value.field, caught.value.rule) == ("currency", "MON-2")
    assert isinstance(caught.value, InvalidValue)


def test_unsupported_currency_names_the_callers_field() -> None:  # MON-2
    with pytest.raises(UnsupportedCurrency) as caught:
        Currency.parse("JPY", field="credit_limit.currency")
    assert caught.value.field == "credit_limit.currency"
    assert "USD" in caught.value.message


def test_money_of_an_unsupported_currency_code_is_refused() -> None:  # MON-2
    with pytest.raises(UnsupportedCurrency) as caught:
        Money.of("1.00", "JPY")
    assert caught.value.field == "currency"


def test_money_of_refuses_a_lower_case_code() -> None:  # MON-2 lists the codes in upper case
    with pytest.raises(UnsupportedCurrency):
        Money.of("1.00", "eur")
    assert Money.of("1.00", "EUR") == Money.of("1.00", EUR)


# --- what an amount may look like (MON-1) --------------------------------------------------------


@pytest.mark.parametrize(
    "amount", ["\uff11.\uff10\uff10", "1_000", " 1.00", "1e3", "NaN", "+1", "1.", ".5", "\u0663"]
)
def test_an_amount_is_ascii_digits_with_an_optional_sign_and_fraction(amount: str) -> None:
    with pytest.raises(InvalidValue) as caught:  # full-width digits once took a real payment
        Money.of(amount, USD)
    assert (caught.value.field, caught.value.rule) == ("amount", "MON-1")


@pytest.mark.parametrize("amount", ["-0.00", "-0", "0.00"])
def test_zero_has_no_sign(amount: str) -> None:  # MON-1
    zero = Money.of(amount, USD)
    assert str(zero.amount) == "0.00"
    assert str(Money.of("1.00", USD) - Money.of("1.00", USD)) == "0.00 USD"
    assert str(-Money.zero(USD)) == "0.00 USD"
