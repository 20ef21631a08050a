"""The quote's money on paper (QUO-7, QUO-2): a table per billing group, then the summary.

Lines are grouped as a customer pays them: one-time first, then each recurring period. Each
group's table repeats its title and column headings on every page it runs over, and ends with
the group's subtotal (the sum of its line totals, after item discounts). The summary then takes
each group from subtotal through the quote-level discount and tax to its total, and ends with
the grand total. Every amount printed is the snapshot's own: nothing is added up here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table

from adapters.documents.quote_styles import (
    ACCENT,
    BOLD,
    GRAND,
    NAME,
    PADDING,
    RIGHT,
    RIGHT_SMALL,
    RULE,
    SMALL,
    STRIPE,
    WHITE,
    Palette,
    caption,
    header_row,
    heading,
    text,
    titled,
)
from adapters.documents.quote_text import money, percent, quantity
from application.quotes.snapshot import QuoteSnapshot, SnapshotLine
from domain.catalog.item import Period

PERIODS: dict[Period, tuple[str, str]] = {
    Period.MONTHLY: ("Monthly", "billed every month"),
    Period.QUARTERLY: ("Quarterly", "billed every quarter"),
    Period.SEMIANNUAL: ("Semi-annual", "billed every six months"),
    Period.YEARLY: ("Yearly", "billed every year"),
}
ONE_TIME = ("One-time", "due on acceptance")
_NUMBER, _QTY, _UNIT, _DISCOUNT, _TOTAL = 20, 44, 70, 66, 76
_AMOUNT = 84  # each money column of the summary


@dataclass(frozen=True)
class _Group:
    title: str
    note: str
    lines: tuple[SnapshotLine, ...]
    subtotal: Decimal | None


def line_groups(quote: QuoteSnapshot, width: float, look: Palette) -> list[Any]:
    """A table for each group that has lines, numbered 1..n down the quote.

    The group's title is the table's first row, so it repeats with the column headings on
    every page the table runs over, and is never left alone at the foot of a page.
    """
    flowables: list[Any] = []
    first = 1
    for group in _groups(quote):
        flowables += [Spacer(1, 5 * mm), _table(group, first, quote.currency, width, look)]
        first += len(group.lines)
    return flowables


def summary(quote: QuoteSnapshot, width: float, look: Palette) -> Any:
    """Subtotal, discount, tax and total per group, then the grand total; kept on one page."""
    rows: list[list[Any]] = [["", "Subtotal", "Discount", "Tax", "Total"]]
    if quote.one_time_lines:
        rows.append(_one_time_totals(quote))
    for recurring in sorted(quote.recurring, key=lambda r: list(PERIODS).index(r.period)):
        title, note = PERIODS[recurring.period]
        label = caption(title, note)
        amounts = (recurring.subtotal, None, recurring.tax, recurring.total)
        rows.append(_row(label, amounts, quote.currency))
    rows.append(
        [
            text("Grand total", GRAND),
            "",
            "",
            money(quote.tax_total, quote.currency),
            money(quote.grand_total, quote.currency),
        ]
    )
    table = Table(rows, colWidths=[width - 4 * _AMOUNT] + [_AMOUNT] * 4)
    table.setStyle(look.table(PADDING + header_row(0) + _SUMMARY))
    return KeepTogether([*heading("Summary", style=look.heading), table, *_footnotes(quote)])


def _footnotes(quote: QuoteSnapshot) -> list[Any]:
    notes = []
    if quote.recurring:
        notes.append(
            "The grand total is the one-time total plus the first billing of each recurring charge."
        )
    if quote.line_discounts:
        saved = money(quote.line_discounts, quote.currency)
        notes.append(f"Line totals include item discounts of {saved}.")
    notes.append(f"All amounts are in {quote.currency.upper()}.")
    return [Spacer(1, 1.5 * mm)] + [text(note, SMALL) for note in notes]


def _groups(quote: QuoteSnapshot) -> list[_Group]:
    groups = []
    if quote.one_time_lines:
        groups.append(_Group(*ONE_TIME, _ordered(quote.one_time_lines), quote.one_time_subtotal))
    subtotals = {recurring.period: recurring.subtotal for recurring in quote.recurring}
    for period, (title, note) in PERIODS.items():
        lines = tuple(line for line in quote.recurring_lines if line.period == period)
        if lines:
            groups.append(_Group(title, note, _ordered(lines), subtotals.get(period)))
    return groups


def _ordered(lines: Sequence[SnapshotLine]) -> tuple[SnapshotLine, ...]:
    return tuple(sorted(lines, key=lambda line: line.position))


def _table(group: _Group, first: int, currency: str, width: float, look: Palette) -> Any:
    title = Paragraph(titled(group.title, group.note), look.group)
    rows: list[list[Any]] = [[title, "", "", "", "", ""]]
    rows.append(["#", "Item", "Qty", "Unit price", "Discount", "Total"])
    rows += [_line(first + i, line, currency) for i, line in enumerate(group.lines)]
    style = PADDING + _TITLE_ROW + header_row(1) + _LINES
    if group.subtotal is not None:
        rows.append([f"{group.title} subtotal", "", "", "", "", money(group.subtotal, currency)])
        style = style + _SUBTOTAL
    item = width - (_NUMBER + _QTY + _UNIT + _DISCOUNT + _TOTAL)
    table = Table(rows, colWidths=[_NUMBER, item, _QTY, _UNIT, _DISCOUNT, _TOTAL], repeatRows=2)
    table.setStyle(look.table(style))
    return table


def _line(number: int, line: SnapshotLine, currency: str) -> list[Any]:
    item = [text(line.name, NAME)]
    if line.sku:
        item.append(text(f"SKU {line.sku}", SMALL))
    if line.description:
        item.append(text(line.description))
    amount = [Paragraph(quantity(line.quantity), RIGHT)]
    if line.unit_of_measure:
        amount.append(text(line.unit_of_measure, RIGHT_SMALL))
    return [
        str(number),
        item,
        amount,
        money(line.unit_price, currency),
        _discount(line, currency),
        money(line.net, currency),
    ]


def _discount(line: SnapshotLine, currency: str) -> Any:
    if not line.discount_amount:
        return ""
    parts = [Paragraph(money(-line.discount_amount, currency), RIGHT)]
    if line.discount_percent:
        parts.append(Paragraph(f"{percent(line.discount_percent)} off", RIGHT_SMALL))
    return parts


def _one_time_totals(quote: QuoteSnapshot) -> list[Any]:
    title, note = ONE_TIME
    discount: Any = None
    if quote.quote_discount:
        discount = [Paragraph(money(-quote.quote_discount, quote.currency), RIGHT)]
        if quote.quote_discount_percent:
            off = f"{percent(quote.quote_discount_percent)} quote discount"
            discount.append(Paragraph(off, RIGHT_SMALL))
    amounts = (quote.one_time_subtotal, discount, quote.one_time_tax, quote.one_time_total)
    return _row(caption(title, note), amounts, quote.currency)


def _row(label: Any, amounts: tuple[Decimal, Any, Decimal, Decimal], currency: str) -> list[Any]:
    """A summary row: subtotal, the discount cell (``None`` when none), tax and total."""
    subtotal, discount, tax, total = amounts
    return [
        label,
        money(subtotal, currency),
        discount if discount is not None else "",
        money(tax, currency),
        money(total, currency),
    ]


_TITLE_ROW: list[tuple[Any, ...]] = [
    ("SPAN", (0, 0), (-1, 0)),
    ("LEFTPADDING", (0, 0), (-1, 0), 0),
    ("BOTTOMPADDING", (0, 0), (-1, 0), 5),
]
_LINES: list[tuple[Any, ...]] = [
    ("FONT", (0, 2), (-1, -1), "Helvetica", 8.5),
    ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
    ("ROWBACKGROUNDS", (0, 2), (-1, -1), [WHITE, STRIPE]),
    ("LINEBELOW", (0, 2), (-1, -1), 0.25, RULE),
]
_SUBTOTAL: list[tuple[Any, ...]] = [
    ("SPAN", (0, -1), (4, -1)),
    ("ALIGN", (0, -1), (-1, -1), "RIGHT"),
    ("FONT", (0, -1), (-1, -1), BOLD, 8.5),
    ("BACKGROUND", (0, -1), (-1, -1), WHITE),
    ("LINEABOVE", (0, -1), (-1, -1), 0.8, ACCENT),
]
_SUMMARY: list[tuple[Any, ...]] = [
    ("FONT", (0, 1), (-1, -1), "Helvetica", 8.5),
    ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
    ("LINEBELOW", (0, 1), (-1, -2), 0.25, RULE),
    ("FONT", (0, -1), (-1, -1), BOLD, 9.5),
    ("LINEABOVE", (0, -1), (-1, -1), 0.8, ACCENT),
    ("BACKGROUND", (0, -1), (-1, -1), STRIPE),
    ("VALIGN", (0, -1), (-1, -1), "MIDDLE"),
]
