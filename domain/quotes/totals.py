"""Quote totals (QUO-2): subtotals, discounts, tax, grand total and margin.

The quote-level discount comes off the one-time subtotal only. It is shared among the one-time
lines in proportion to their nets by the largest-remainder method, so the shares add up to the
discount to the cent; each taxable line is then taxed once, on its net less its share, rounded
half-up (MON-1). Every total is a sum of those rounded line amounts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from domain.catalog.item import Period
from domain.quotes.lines import Discount, LineId, QuoteLine
from domain.shared.money import Currency, Money


@dataclass(frozen=True)
class LineTotals:
    """One line's part of the totals."""

    line_id: LineId
    net: Money
    quote_discount_share: Money  # zero on recurring lines
    tax: Money

    @property
    def taxed_amount(self) -> Money:
        """What the line's tax is worked on (or would be, were it taxable)."""
        return self.net - self.quote_discount_share

    @property
    def total(self) -> Money:
        return self.taxed_amount + self.tax


@dataclass(frozen=True)
class RecurringTotals:
    """What one billing period of the recurring lines of that period comes to."""

    subtotal: Money
    tax: Money
    total: Money


@dataclass(frozen=True)
class QuoteTotals:
    """Every figure of QUO-2; ``value`` is what the PSA opportunity's amount gets (QUO-3)."""

    currency: Currency
    one_time_subtotal: Money
    line_discounts: Money
    quote_discount: Money
    one_time_tax: Money
    one_time_total: Money
    recurring: dict[Period, RecurringTotals]  # in Period order, only periods with lines
    tax_total: Money
    grand_total: Money  # the first billing of everything
    cost_total: Money
    margin: Money
    margin_percent: Decimal | None  # None when there is no revenue
    value: Money  # revenue: one-time after the quote discount plus recurring, without tax
    lines: tuple[LineTotals, ...]  # in line order

    @property
    def discount_total(self) -> Money:
        return self.line_discounts + self.quote_discount

    def line(self, line_id: LineId) -> LineTotals:
        return next(totals for totals in self.lines if totals.line_id == line_id)


def total_of(amounts: Iterable[Money], currency: Currency) -> Money:
    total = Money.zero(currency)
    for amount in amounts:
        total += amount
    return total


def one_time_subtotal(lines: Iterable[QuoteLine], currency: Currency) -> Money:
    """The one-time lines' nets: what a quote-level discount comes off (QUO-2)."""
    return total_of((line.net for line in lines if line.one_time), currency)


def split_by_largest_remainder(amount: Money, weights: Sequence[Money]) -> list[Money]:
    """``amount`` shared in proportion to ``weights``, adding up to it exactly (MON-1).

    Each share is first rounded down to the minor unit; the minor units left over go one each to
    the shares with the largest remainders, the first in order on a tie. No share exceeds its
    weight while ``0 <= amount <= sum(weights)``.
    """
    currency = amount.currency
    units = [weight.minor_units for weight in weights]
    whole, to_share = sum(units), amount.minor_units
    if not 0 <= to_share <= whole:
        raise ValueError(f"cannot share {amount} over weights adding up to less")
    if whole == 0:
        return [Money.zero(currency) for _ in weights]
    floors = [to_share * unit // whole for unit in units]
    left_over = to_share - sum(floors)
    by_remainder = sorted(range(len(units)), key=lambda i: (-(to_share * units[i] % whole), i))
    for i in by_remainder[:left_over]:
        floors[i] += 1
    return [Money.from_minor_units(share, currency) for share in floors]


def quote_totals(
    lines: Sequence[QuoteLine], discount: Discount | None, currency: Currency
) -> QuoteTotals:
    """Work out QUO-2 for these lines and quote-level discount."""
    zero = Money.zero(currency)
    subtotal = one_time_subtotal(lines, currency)
    quote_discount = zero if discount is None else discount.off(subtotal)
    per_line = _line_totals(lines, quote_discount)
    one_time_tax = total_of(
        (t.tax for line, t in zip(lines, per_line, strict=True) if line.one_time), currency
    )
    one_time_total = subtotal - quote_discount + one_time_tax
    recurring = _recurring(lines, per_line, currency)
    cost_total = total_of((line.cost or zero for line in lines), currency)
    value = subtotal - quote_discount + total_of((r.subtotal for r in recurring.values()), currency)
    margin = value - cost_total
    return QuoteTotals(
        currency=currency,
        one_time_subtotal=subtotal,
        line_discounts=total_of((line.discount_amount for line in lines), currency),
        quote_discount=quote_discount,
        one_time_tax=one_time_tax,
        one_time_total=one_time_total,
        recurring=recurring,
        tax_total=total_of((t.tax for t in per_line), currency),
        grand_total=one_time_total + total_of((r.total for r in recurring.values()), currency),
        cost_total=cost_total,
        margin=margin,
        margin_percent=_percent(margin, value),
        value=value,
        lines=per_line,
    )


def _line_totals(lines: Sequence[QuoteLine], quote_discount: Money) -> tuple[LineTotals, ...]:
    one_time = [line for line in lines if line.one_time]
    shared = split_by_largest_remainder(quote_discount, [line.net for line in one_time])
    shares = {line.id: share for line, share in zip(one_time, shared, strict=True)}
    zero = Money.zero(quote_discount.currency)
    return tuple(_line(line, shares.get(line.id, zero)) for line in lines)


def _line(line: QuoteLine, share: Money) -> LineTotals:
    details = line.details
    taxed = line.net - share
    tax = taxed.times(details.tax_rate / 100) if details.taxable else Money.zero(taxed.currency)
    return LineTotals(line_id=line.id, net=line.net, quote_discount_share=share, tax=tax)


def _recurring(
    lines: Sequence[QuoteLine], per_line: Sequence[LineTotals], currency: Currency
) -> dict[Period, RecurringTotals]:
    recurring: dict[Period, RecurringTotals] = {}
    for period in Period:
        of_period = [t for line, t in zip(lines, per_line, strict=True) if line.period is period]
        if of_period:
            subtotal = total_of((t.net for t in of_period), currency)
            tax = total_of((t.tax for t in of_period), currency)
            recurring[period] = RecurringTotals(subtotal=subtotal, tax=tax, total=subtotal + tax)
    return recurring


def _percent(part: Money, whole: Money) -> Decimal | None:
    if whole.is_zero():
        return None
    return (part.amount * 100 / whole.amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
