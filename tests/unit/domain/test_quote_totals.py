"""Quote totals (QUO-2): line amounts, the quote discount's largest-remainder split, tax, margin.

The worked examples were done by hand (figures in the comments); the properties check the
identities the totals must keep for any quote (MON-1: totals are sums of rounded lines).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.catalog.item import ItemKind, Period
from domain.crm.organization import OrganizationId
from domain.identity.tenant import TenantId
from domain.quotes.lines import QuoteLine
from domain.quotes.quote import (
    Discount,
    LineDetails,
    LineId,
    Quote,
    QuoteHeader,
    QuoteId,
    QuoteTotals,
    RecurringTotals,
)
from domain.quotes.totals import split_by_largest_remainder
from domain.shared.money import Currency, Money

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
HEADER = QuoteHeader(
    organization_id=OrganizationId(UUID(int=3)),
    owner_name="Dana Seller",
    title="Network refresh",
    currency=Currency.USD,
    expires_on=date(2025, 3, 31),
)


def usd(amount: str) -> Money:
    return Money.of(amount, Currency.USD)


def sum_of(amounts: Iterable[Money]) -> Money:
    total = usd("0")
    for amount in amounts:
        total += amount
    return total


def line_id(n: int) -> LineId:
    return LineId(UUID(int=n))


def quote_of(*lines: LineDetails, discount: Discount | None = None) -> Quote:
    quote = Quote(
        id=QuoteId(UUID(int=2)),
        tenant_id=TenantId(UUID(int=1)),
        number="Q-1",
        header=HEADER,
        now=NOW,
    )
    for n, details in enumerate(lines, start=1):
        quote.add_line(line_id(n), details, NOW)
    quote.set_discount(discount, NOW)
    return quote


def line(quantity: str, price: str, **fields: Any) -> LineDetails:
    return LineDetails(name="Item", quantity=Decimal(quantity), unit_price=usd(price), **fields)


def quote_line(details: LineDetails) -> QuoteLine:
    return QuoteLine(line_id(1), 1, details)


# --- one line (QUO-1, MON-1) --------------------------------------------------------------------


def test_gross_is_price_times_quantity_rounded_half_up_once() -> None:  # MON-1
    assert quote_line(line("1.5", "33.33")).gross == usd("50.00")  # 49.995
    assert quote_line(line("0.0001", "0.01")).gross == usd("0.00")


def test_percent_item_discount_is_rounded_half_up_on_the_gross() -> None:  # QUO-1, MON-1
    priced = quote_line(line("1", "0.30", discount=Discount.percent(5)))  # 0.015
    assert (priced.discount_amount, priced.net) == (usd("0.02"), usd("0.28"))


def test_amount_item_discount_comes_off_the_line() -> None:  # QUO-1
    priced = quote_line(line("3", "10.00", discount=Discount.amount("7.50")))
    assert (priced.gross, priced.discount_amount, priced.net) == (
        usd("30.00"),
        usd("7.50"),
        usd("22.50"),
    )


def test_line_without_discount_has_a_zero_discount() -> None:  # QUO-1
    priced = quote_line(line("2", "10.00"))
    assert (priced.discount_amount, priced.net) == (usd("0"), usd("20.00"))


def test_cost_is_unit_cost_times_quantity_or_none() -> None:  # QUO-2
    assert quote_line(line("1.5", "10", unit_cost=usd("3.33"))).cost == usd("5.00")  # 4.995
    assert quote_line(line("1", "10")).cost is None


def test_one_time_is_a_line_without_period() -> None:  # QUO-1
    assert quote_line(line("1", "1")).one_time
    assert not quote_line(line("1", "1", period=Period.QUARTERLY)).one_time


# --- largest-remainder split (QUO-2, MON-1) -----------------------------------------------------


def test_split_gives_left_over_cents_to_the_largest_remainders() -> None:  # QUO-2
    # 10.00 over 1:1:1 is 3.333… each: the floors leave 0.01, the first of the tie takes it
    shares = split_by_largest_remainder(usd("10.00"), [usd("5.00")] * 3)
    assert shares == [usd("3.34"), usd("3.33"), usd("3.33")]


def test_split_over_nothing_is_all_zero() -> None:  # QUO-2
    assert split_by_largest_remainder(usd("0"), [usd("0"), usd("0")]) == [usd("0"), usd("0")]
    assert split_by_largest_remainder(usd("0"), []) == []


def test_split_of_more_than_the_weights_is_a_programming_error() -> None:  # QUO-2
    with pytest.raises(ValueError, match="cannot share"):
        split_by_largest_remainder(usd("1.01"), [usd("1.00")])


# --- a mixed quote worked by hand (QUO-2) -------------------------------------------------------

MIXED = (
    # 2 x 499.99 = 999.98, less 5% (49.999 -> 50.00) = 949.98; cost 700.00; tax 8.25%
    line(
        "2",
        "499.99",
        unit_cost=usd("350.00"),
        discount=Discount.percent(5),
        tax_rate=Decimal("8.25"),
    ),
    # 3.5 x 125.00 = 437.50, less 37.50 = 400.00; cost 210.00; not taxable
    line(
        "3.5",
        "125.00",
        kind=ItemKind.LABOR,
        unit_cost=usd("60.00"),
        discount=Discount.amount("37.50"),
        taxable=False,
    ),
    # 10 x 4.99 = 49.90; no cost; tax 5%
    line("10", "4.99", tax_rate=Decimal(5)),
    # monthly: 25 x 45.00 = 1125.00, less 10% = 1012.50; cost 500.00; tax 8.25%
    line(
        "25",
        "45.00",
        period=Period.MONTHLY,
        unit_cost=usd("20.00"),
        discount=Discount.percent(10),
        tax_rate=Decimal("8.25"),
    ),
    # monthly: 1.5 x 33.33 = 49.995 -> 50.00; no cost; not taxable
    line("1.5", "33.33", period=Period.MONTHLY, taxable=False),
    # yearly: 12 x 199.00 = 2388.00, less 88.00 = 2300.00; cost 1800.00; tax 5%
    line(
        "12",
        "199.00",
        period=Period.YEARLY,
        unit_cost=usd("150.00"),
        discount=Discount.amount("88.00"),
        tax_rate=Decimal(5),
    ),
)


def test_mixed_quote_with_a_percent_quote_discount() -> None:  # QUO-2, MON-1
    totals = quote_of(*MIXED, discount=Discount.percent(10)).totals()
    # one-time nets 949.98 + 400.00 + 49.90 = 1399.88; 10% = 139.988 -> 139.99
    assert totals.one_time_subtotal == usd("1399.88")
    assert totals.quote_discount == usd("139.99")
    # 13999 cents over 94998 : 40000 : 4990 -> floors 9499, 4000, 499 (13998);
    # remainders 130990, 8000, 998 of 139988: the first line takes the cent left over
    assert [t.quote_discount_share for t in totals.lines] == [
        usd("95.00"),
        usd("40.00"),
        usd("4.99"),
        usd("0"),
        usd("0"),
        usd("0"),
    ]
    # taxes: (949.98 - 95.00) x 8.25% = 70.53585 -> 70.54; (49.90 - 4.99) x 5% = 2.2455 -> 2.25;
    # 1012.50 x 8.25% = 83.53125 -> 83.53; 2300.00 x 5% = 115.00
    assert [t.tax for t in totals.lines] == [
        usd("70.54"),
        usd("0"),
        usd("2.25"),
        usd("83.53"),
        usd("0"),
        usd("115.00"),
    ]
    assert totals == QuoteTotals(
        currency=Currency.USD,
        one_time_subtotal=usd("1399.88"),
        line_discounts=usd("288.00"),  # 50.00 + 37.50 + 112.50 + 88.00
        quote_discount=usd("139.99"),
        one_time_tax=usd("72.79"),
        one_time_total=usd("1332.68"),  # 1399.88 - 139.99 + 72.79
        recurring={
            Period.MONTHLY: RecurringTotals(usd("1062.50"), usd("83.53"), usd("1146.03")),
            Period.YEARLY: RecurringTotals(usd("2300.00"), usd("115.00"), usd("2415.00")),
        },
        tax_total=usd("271.32"),  # 72.79 + 83.53 + 115.00
        grand_total=usd("4893.71"),  # 1332.68 + 1146.03 + 2415.00
        cost_total=usd("3210.00"),  # 700 + 210 + 500 + 1800; the cable has no cost
        margin=usd("1412.39"),  # 4622.39 - 3210.00
        margin_percent=Decimal("30.56"),  # 30.5554…
        value=usd("4622.39"),  # 1399.88 - 139.99 + 1062.50 + 2300.00
        lines=totals.lines,
    )
    assert totals.discount_total == usd("427.99")


def test_mixed_quote_with_an_amount_quote_discount() -> None:  # QUO-2, MON-1
    totals = quote_of(*MIXED, discount=Discount.amount("100.00")).totals()
    # 10000 cents over 94998 : 40000 : 4990 -> floors 6786, 2857, 356 (9999);
    # remainders 21432, 54284, 64272: the cent goes to the smallest line
    assert [t.quote_discount_share for t in totals.lines[:3]] == [
        usd("67.86"),
        usd("28.57"),
        usd("3.57"),
    ]
    # (949.98 - 67.86) x 8.25% = 72.7749 -> 72.77; (49.90 - 3.57) x 5% = 2.3165 -> 2.32
    assert (totals.line(line_id(1)).tax, totals.line(line_id(3)).tax) == (usd("72.77"), usd("2.32"))
    assert totals.quote_discount == usd("100.00")
    assert totals.one_time_tax == usd("75.09")
    assert totals.one_time_total == usd("1374.97")
    assert totals.tax_total == usd("273.62")
    assert totals.grand_total == usd("4936.00")
    assert (totals.value, totals.margin) == (usd("4662.38"), usd("1452.38"))


def test_periods_come_in_period_order_and_only_when_present() -> None:  # QUO-2
    totals = quote_of(
        line("1", "10", period=Period.YEARLY),
        line("1", "20", period=Period.QUARTERLY),
        line("1", "30", period=Period.YEARLY),
    ).totals()
    assert list(totals.recurring) == [Period.QUARTERLY, Period.YEARLY]
    assert totals.recurring[Period.YEARLY].subtotal == usd("40.00")


def test_quote_discount_spares_recurring_lines() -> None:  # QUO-2
    totals = quote_of(
        line("1", "50", period=Period.MONTHLY), discount=Discount.percent(50)
    ).totals()
    assert (totals.quote_discount, totals.lines[0].quote_discount_share) == (usd("0"), usd("0"))
    assert totals.value == usd("50.00")


def test_empty_quote_totals_are_zero_with_no_margin_percent() -> None:  # QUO-2
    totals = quote_of().totals()
    assert (totals.grand_total, totals.tax_total, totals.value) == (usd("0"), usd("0"), usd("0"))
    assert (totals.recurring, totals.lines, totals.margin_percent) == ({}, (), None)


def test_free_lines_with_a_cost_have_a_negative_margin_and_no_percent() -> None:  # QUO-2
    totals = quote_of(line("2", "0", unit_cost=usd("5.00"))).totals()
    assert (totals.value, totals.margin, totals.margin_percent) == (usd("0"), usd("-10.00"), None)


def test_margin_percent_is_rounded_half_up_to_two_places() -> None:  # QUO-2, MON-1
    # revenue 8.00, cost 7.99: 0.125% -> 0.13 (half-even would give 0.12)
    assert quote_of(line("1", "8", unit_cost=usd("7.99"))).totals().margin_percent == Decimal(
        "0.13"
    )
    # revenue 3.00, cost 1.00: 66.666…% -> 66.67
    assert quote_of(line("1", "3", unit_cost=usd("1"))).totals().margin_percent == Decimal("66.67")


# --- identities for any quote (QUO-2, MON-1) ----------------------------------------------------


@st.composite
def line_details(draw: st.DrawFn) -> LineDetails:
    price = usd(str(Decimal(draw(st.integers(0, 10**6))) / 100))
    quantity = draw(st.decimals(Decimal("0.0001"), Decimal(500), places=4))
    gross = price.times(quantity)
    discount = draw(
        st.none()
        | st.decimals(Decimal("0.01"), Decimal(100), places=2).map(Discount.percent)
        | st.integers(1, max(1, gross.minor_units)).map(lambda c: Discount.amount(Decimal(c) / 100))
    )
    if discount is not None and discount.off(gross) > gross:
        discount = None
    cost = draw(st.none() | st.integers(0, 10**6).map(lambda c: usd(str(Decimal(c) / 100))))
    return LineDetails(
        name="Item",
        quantity=quantity,
        unit_price=price,
        unit_cost=cost,
        discount=discount,
        period=draw(st.sampled_from([None, *Period])),
        taxable=draw(st.booleans()),
        tax_rate=draw(st.decimals(Decimal(0), Decimal(30), places=3)),
    )


@st.composite
def quotes(draw: st.DrawFn) -> Quote:
    quote = quote_of(*draw(st.lists(line_details(), max_size=12)))
    subtotal = quote.totals().one_time_subtotal.minor_units
    amounts = st.integers(1, max(1, subtotal)).map(lambda c: Discount.amount(Decimal(c) / 100))
    percents = st.decimals(Decimal("0.0001"), Decimal(100), places=4).map(Discount.percent)
    discount = draw(st.none() | percents | (amounts if subtotal else st.none()))
    quote.set_discount(discount, NOW)
    return quote


@given(quotes())
def test_quote_discount_shares_add_up_exactly_and_stay_within_each_line(quote: Quote) -> None:
    """QUO-2: the largest-remainder shares sum to the quote discount, none beyond its line."""
    totals = quote.totals()
    shares = [t.quote_discount_share for t in totals.lines]
    assert sum((s.amount for s in shares), Decimal(0)) == totals.quote_discount.amount
    subtotal = totals.one_time_subtotal.amount
    for each, share in zip(quote.lines, shares, strict=True):
        assert Decimal(0) <= share.amount <= each.net.amount
        if not each.one_time:
            assert share.is_zero()
        elif subtotal:
            exact = totals.quote_discount.amount * each.net.amount / subtotal
            assert abs(share.amount - exact) < Decimal("0.01")


@given(quotes())
def test_totals_are_sums_of_rounded_lines(quote: Quote) -> None:  # QUO-2, MON-1
    totals = quote.totals()
    recurring = totals.recurring.values()
    assert totals.grand_total == totals.one_time_total + sum_of(r.total for r in recurring)
    assert totals.tax_total == sum_of(t.tax for t in totals.lines)
    assert totals.one_time_total == (
        totals.one_time_subtotal - totals.quote_discount + totals.one_time_tax
    )
    assert totals.value == totals.one_time_subtotal - totals.quote_discount + sum_of(
        r.subtotal for r in recurring
    )
    assert totals.margin == totals.value - totals.cost_total
    assert totals.line_discounts == sum_of(each.discount_amount for each in quote.lines)
    for each, line_totals in zip(quote.lines, totals.lines, strict=True):
        assert line_totals.line_id == each.id
        if not each.details.taxable:
            assert line_totals.tax.is_zero()
