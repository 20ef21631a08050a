"""The one exact-decimal parser, the one price check and the rule-naming block (MON-1)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.shared.errors import InvalidValue, naming_rule
from domain.shared.money import Currency, Money, check_price, price_of
from domain.shared.numbers import exact_decimal
from domain.shared.text import required_text

USD = Currency.USD


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12.50", "12.50"), ("-3", "-3"), (7, "7"), (Decimal("1E+3"), "1E+3"), ("0.1", "0.1")],
)
def test_plain_numbers_are_read_exactly(value: Decimal | int | str, expected: str) -> None:
    assert str(exact_decimal(value, "quantity")) == expected


@pytest.mark.parametrize("value", ["1e3", " 1.00", "1_000", "+1", ".5", "1.", "\uff11", "NaN", ""])
def test_text_other_than_ascii_digits_is_refused_naming_field_and_rule(value: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        exact_decimal(value, "lines[].quantity", rule="QUO-1")
    assert (caught.value.field, caught.value.rule) == ("lines[].quantity", "QUO-1")
    assert "ASCII digits" in caught.value.message


@pytest.mark.parametrize("value", [0.1, 1.5, True])
def test_a_float_or_bool_from_our_own_code_is_a_programming_error(value: object) -> None:
    with pytest.raises(TypeError, match="never float"):
        exact_decimal(value, "amount")


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity")])
def test_non_finite_decimals_are_refused(value: Decimal) -> None:
    with pytest.raises(InvalidValue, match="tax_rate must be a finite number"):
        exact_decimal(value, "tax_rate", rule="QUO-1")


def test_places_are_counted_without_trailing_zeros() -> None:
    assert exact_decimal("2.50000", "quantity", places=4) == Decimal("2.5")
    with pytest.raises(InvalidValue, match="quantity has more than 4 decimals"):
        exact_decimal("1.00001", "quantity", places=4)


@pytest.mark.parametrize(
    ("value", "places"),
    [("0.000", 0), ("100", 0), ("2.50000", 1), ("12345678901234567890123456789.5", 1)],
)
def test_places_are_counted_exactly(value: str, places: int) -> None:
    assert exact_decimal(value, "quantity", places=places) == Decimal(value)
    if places:
        with pytest.raises(InvalidValue, match="more than"):
            exact_decimal(value, "quantity", places=places - 1)


def test_a_huge_exponent_is_a_number_and_money_refuses_it_as_too_large() -> None:
    huge = exact_decimal("1e1000000", "amount", from_json=True, places=2)
    assert huge == Decimal("1E+1000000")
    with pytest.raises(InvalidValue, match="too large") as caught:
        Money.of(huge, USD)
    assert caught.value.field == "amount"


def test_negative_numbers_are_numbers() -> None:
    assert exact_decimal("-0.01", "amount", places=2) == Decimal("-0.01")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.1, "0.1"),  # its shortest text, not 0.1000000000000000055511151231257827…
        (0.1 + 0.2, "0.30000000000000004"),
        (1e-05, "0.00001"),
        (1e3, "1000.0"),
        ("1e3", "1E+3"),
        (" 12.5 ", "12.5"),
        (42, "42"),
        (Decimal("9.99"), "9.99"),
    ],
)
def test_json_numbers_are_read_through_their_text(value: object, expected: str) -> None:
    assert exact_decimal(value, "amount", from_json=True) == Decimal(expected)


@pytest.mark.parametrize(
    "value",
    [float("nan"), float("inf"), "NaN", "Infinity", "-inf", True, None, "ten", [], "\uff11"],
)
def test_json_values_that_are_not_finite_numbers_are_refused(value: object) -> None:
    with pytest.raises(InvalidValue) as caught:
        exact_decimal(value, "amount", rule="MON-1", from_json=True)
    assert (caught.value.field, caught.value.rule) == ("amount", "MON-1")


def test_a_price_is_never_negative() -> None:
    check_price(None, "unit_cost", rule="CAT-1")
    check_price(Money.zero(USD), "unit_price", rule="CAT-1")
    with pytest.raises(InvalidValue, match=r"^unit_price must not be negative$") as caught:
        check_price(Money.of("-0.01", USD), "unit_price", rule="CAT-1")
    assert (caught.value.field, caught.value.rule) == ("unit_price", "CAT-1")


def test_a_price_someone_wrote_is_exact_to_the_currency_and_names_its_field() -> None:
    assert price_of("125.50", "USD", "unit_price", rule="CAT-1") == Money.of("125.50", USD)
    with pytest.raises(InvalidValue, match="more decimals than USD allows") as caught:
        price_of("1.005", USD, "lines[].unit_price", rule="QUO-1")
    assert (caught.value.field, caught.value.rule) == ("lines[].unit_price", "MON-1")
    with pytest.raises(InvalidValue) as caught:
        price_of("-1.00", USD, "unit_cost", rule="CAT-1")
    assert (caught.value.field, caught.value.rule) == ("unit_cost", "CAT-1")
    with pytest.raises(InvalidValue) as caught:
        price_of("1e3", USD, "unit_price", rule="CAT-1")
    assert caught.value.field == "unit_price"


def test_naming_rule_names_the_rule_only_where_none_is_named() -> None:
    with pytest.raises(InvalidValue) as caught, naming_rule("CAT-1"):
        required_text("", "name", 10)
    assert (caught.value.field, caught.value.rule) == ("name", "CAT-1")
    with pytest.raises(InvalidValue) as caught, naming_rule("CAT-1"):
        exact_decimal("x", "amount", rule="MON-1")
    assert caught.value.rule == "MON-1"
