"""The customer-facing quote PDF (QUO-7), read back the way a customer's viewer reads it.

The PDF is rendered by ``ReportlabQuoteDocuments`` and parsed with pdfium: every assertion is on
the text a person would see, formatted as printed (``$11,180.89``), not on reportlab internals.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pypdfium2 as pdfium
import pytest

from adapters.documents.quote_pdf import ReportlabQuoteDocuments
from adapters.documents.quote_text import money
from application.quotes.ports import QuoteDocuments
from application.quotes.snapshot import QuoteSnapshot
from domain.catalog.item import ItemKind, Period
from tests.support.quotes import (
    CONTACT,
    ORGANIZATION,
    cents,
    many_lines,
    quote_line,
    sample_lines,
    sample_snapshot,
)

documents: QuoteDocuments = ReportlabQuoteDocuments()


def pages_of(pdf: bytes) -> list[str]:
    """Each page's text as pdfium extracts it."""
    document = pdfium.PdfDocument(pdf)
    try:
        return [str(page.get_textpage().get_text_range()) for page in document]
    finally:
        document.close()


def text_of(quote: QuoteSnapshot) -> str:
    return "\n".join(pages_of(documents.render(quote)))


def flat(text: str) -> str:
    """Extracted text with line breaks as spaces, for phrases that may wrap."""
    return " ".join(text.split())


def test_quo7_pdf_names_the_msp_the_quote_and_its_dates() -> None:
    text = text_of(sample_snapshot())

    for shown in (
        "Northwind IT Services",
        "QUOTE",
        "Q-2026-0042",
        "Office network refresh and managed services",
        "Date",
        "20 November 2026",
        "Valid until",
        "20 December 2026",
    ):
        assert shown in text


def test_quo7_pdf_shows_organization_contact_and_owner() -> None:
    text = text_of(sample_snapshot())

    for shown in (
        "PREPARED FOR",
        "Bayside Dental & Orthodontics",
        "1200 Harbor Blvd, Suite 300",
        "Oakland, CA 94607",
        "United States",
        "+1 (510) 555-0142",
        "CONTACT",
        "Dana Whitfield",
        "dana.whitfield@baysidedental.example",
        "+1 (510) 555-0187",
        "PREPARED BY",
        "Sam Rivera",
        "sam.rivera@northwind-it.example",
    ):
        assert shown in text


def test_quo7_pdf_lists_every_line_with_sku_quantity_price_discount_and_total() -> None:
    quote = sample_snapshot()
    text = text_of(quote)

    for line in quote.lines:
        assert line.name in text
        assert f"SKU {line.sku}" in text
        assert money(line.unit_price, "USD") in text
        assert money(line.net, "USD") in text
    assert "-$219.80" in text  # 10% off two appliances
    assert "10% off" in text
    assert "-$250.00" in text  # an amount off the laptops
    assert "hour" in text  # the labor line's unit
    assert "delivery." in text  # the end of a wrapped description


def test_quo7_pdf_groups_lines_one_time_first_then_by_period_with_subtotals() -> None:
    text = text_of(sample_snapshot())

    subtotals = [
        "One-time subtotal $11,049.20",
        "Monthly subtotal $1,475.00",
        "Quarterly subtotal $600.00",
        "Yearly subtotal $6,600.00",
    ]
    for subtotal in subtotals:
        assert subtotal in text
    positions = [text.index(subtotal) for subtotal in subtotals]
    assert positions == sorted(positions)
    assert text.index("Meraki MX68") < positions[0] < text.index("Managed workstation support")


def test_quo7_pdf_summary_has_discount_tax_and_totals_per_group_and_grand_total() -> None:
    text = text_of(sample_snapshot())
    summary = text[text.index("Summary") :]

    for shown in (
        "$11,049.20",  # one-time subtotal
        "-$552.46",  # the quote-level discount
        "5% quote discount",
        "$684.15",  # one-time tax
        "$11,180.89",  # one-time total
        "due on acceptance",
        "$73.75",  # monthly tax
        "$1,548.75",  # monthly total
        "billed every month",
        "$630.00",  # quarterly total
        "$544.50",  # yearly tax
        "$7,144.50",  # yearly total
        "Grand total",
        "$1,332.40",  # all tax
        "$20,504.14",
        "Line totals include item discounts of $469.80.",
        "All amounts are in USD.",
    ):
        assert shown in summary


def test_quo7_pdf_prints_semiannual_lines_under_their_own_heading() -> None:
    backup = quote_line(
        "Offsite backup archive", "480.00", 1, period=Period.SEMIANNUAL, kind=ItemKind.SERVICE
    )
    text = text_of(sample_snapshot(lines=(backup,)))

    assert "Semi-annual" in text
    assert "Semi-annual subtotal $480.00" in text
    assert "One-time" not in text


def test_quo7_pdf_notes_and_acceptance() -> None:
    text = flat(text_of(sample_snapshot()))

    assert "Notes" in text
    assert "Prices exclude shipping. Hardware lead time is 2\u20133 weeks" in text
    assert "sign below and return it by 20 December 2026" in text
    assert "Signature" in text


def test_quo7_long_quote_runs_over_pages_numbered_with_the_table_header_repeated() -> None:
    quote = sample_snapshot(lines=many_lines(60))
    pages = pages_of(documents.render(quote))

    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        if "Workstation accessory kit" in page:  # every page of lines has its headings
            assert "# Item Qty Unit price Discount Total" in page
    text = "\n".join(pages)
    for line in quote.lines:
        assert line.name in text
    assert f"Grand total {money(quote.tax_total, 'USD')} {money(quote.grand_total, 'USD')}" in text


def test_quo7_same_snapshot_gives_the_same_bytes() -> None:
    first = ReportlabQuoteDocuments().render(sample_snapshot())
    again = ReportlabQuoteDocuments().render(sample_snapshot())
    revised = documents.render(sample_snapshot(revision=2))

    assert first == again
    assert first.startswith(b"%PDF-")
    assert revised != first
    assert "Revision" in "\n".join(pages_of(revised))


def test_quo7_text_is_printed_literally_not_as_markup() -> None:
    organization = replace(ORGANIZATION, name='R&D <Lab> "West"')
    line = quote_line("Cables & <connectors>", "12.00", 3, description="Cat6 <b>not bold</b> & co")
    quote = sample_snapshot(
        organization=organization, lines=(line,), notes="a < b & c > d\nsecond line"
    )

    text = text_of(quote)

    for shown in (
        'R&D <Lab> "West"',
        "Cables & <connectors>",
        "Cat6 <b>not bold</b> & co",
        "a < b & c > d",
        "second line",
    ):
        assert shown in text


def test_quo7_characters_the_fonts_lack_are_folded_or_replaced_never_a_crash() -> None:
    organization = replace(ORGANIZATION, name="北京 Networks")
    contact = replace(CONTACT, name="Zoë Łukasiewicz-Øvergård")
    quote = sample_snapshot(
        tenant_name="Łódź Systemy IT",
        organization=organization,
        contact=contact,
        notes="Thanks \U0001f600 \u2212 see you",
    )

    text = text_of(quote)

    assert "Lódz Systemy IT" in text  # ó is in the font, ł and ź fold to l and z
    assert "?? Networks" in text
    assert "Zoë Lukasiewicz-Øvergård" in text  # Latin-1 letters stay as they are
    assert "Thanks ? - see you" in text
    assert "\u25a0" not in text  # no black boxes


@pytest.mark.parametrize(
    ("amount", "currency", "printed"),
    [
        (Decimal("1234.5"), "USD", "$1,234.50"),
        (Decimal("1234.50"), "CAD", "CA$1,234.50"),
        (Decimal("-552.46"), "EUR", "-€552.46"),
        (Decimal("0.005"), "GBP", "£0.01"),  # half-up, as MON-1 rounds
        (Decimal("1000000"), "AUD", "A$1,000,000.00"),
        (Decimal("-0.001"), "NZD", "NZ$0.00"),
        (Decimal("99.9"), "chf", "99.90 CHF"),
    ],
)
def test_quo7_money_is_printed_with_its_currency(
    amount: Decimal, currency: str, printed: str
) -> None:
    assert money(amount, currency) == printed


def test_quo7_pdf_prints_the_quote_currency_on_a4_outside_north_america() -> None:
    pdf = documents.render(sample_snapshot(currency="EUR"))
    document = pdfium.PdfDocument(pdf)
    try:
        width, height = document[0].get_size()
        text = document[0].get_textpage().get_text_range()
    finally:
        document.close()

    assert (round(width), round(height)) == (595, 842)
    assert "€1,978.20" in text
    assert "$" not in text


def test_quo7_expired_quote_is_stamped_on_every_page_and_not_offered_for_signature() -> None:
    quote = sample_snapshot(
        status="expired", issued_on=date(2026, 10, 1), expires_on=date(2026, 10, 31)
    )
    pages = pages_of(documents.render(quote))

    assert all("EXPIRED" in page for page in pages)
    text = flat("\n".join(pages))
    assert "Expired on 31 October 2026" in text
    assert "This quote expired on 31 October 2026. Please ask Sam Rivera" in text
    assert "Signature" not in text


def test_quo7_only_draft_and_expired_quotes_carry_a_stamp() -> None:
    assert "DRAFT" in text_of(sample_snapshot(status="draft"))
    for status in ("published", "won"):
        text = text_of(sample_snapshot(status=status))
        assert "EXPIRED" not in text
        assert "DRAFT" not in text


def test_quo7_quote_without_contact_lines_or_msp_name_still_renders() -> None:
    quote = sample_snapshot(lines=(), contact=None, notes=None, tenant_name="")

    text = text_of(quote)

    assert "Q-2026-0042" in text
    assert "CONTACT" not in text
    assert "Grand total $0.00 $0.00" in text


def test_quo7_page_one_is_a_page_with_something_on_it() -> None:
    """A sanity check for blank or black pages; the layout itself is checked by looking."""
    document = pdfium.PdfDocument(documents.render(sample_snapshot()))
    try:
        image: Any = document[0].render(scale=100 / 72).to_pil().convert("L")
    finally:
        document.close()

    histogram = image.histogram()
    inked = sum(histogram[:200]) / sum(histogram)
    assert 0.02 < inked < 0.35


def test_sample_snapshot_money_adds_up() -> None:
    """Other tests lean on the factory's figures: they follow QUO-2 the way the domain does."""
    for quote in (sample_snapshot(), sample_snapshot(lines=many_lines(60))):
        _assert_adds_up(quote)
    quote = sample_snapshot()
    taxed = {line.tax_rate for line in quote.lines if line.taxable}
    assert taxed == {Decimal("8.25"), Decimal("5.00")}
    assert any(not line.taxable for line in quote.lines)
    assert any(line.discount_percent for line in quote.lines)
    assert any(line.discount_amount and not line.discount_percent for line in quote.lines)
    assert quote.quote_discount == Decimal("552.46")
    assert quote.grand_total == Decimal("20504.14")
    assert len(sample_lines()) == 8


def _assert_adds_up(quote: QuoteSnapshot) -> None:
    one_time = quote.one_time_lines
    for line in quote.lines:
        assert line.gross == cents(line.unit_price * line.quantity)
        assert line.net == line.gross - line.discount_amount
        assert line.tax == cents((line.net - line.quote_discount_share) * line.tax_rate / 100)
    assert quote.one_time_subtotal == sum(line.net for line in one_time)
    assert quote.quote_discount == sum(line.quote_discount_share for line in one_time)
    assert quote.one_time_tax == sum(line.tax for line in one_time)
    assert quote.one_time_total == quote.one_time_subtotal - quote.quote_discount + (
        quote.one_time_tax
    )
    for recurring in quote.recurring:
        of_period = [line for line in quote.lines if line.period == recurring.period]
        assert recurring.subtotal == sum(line.net for line in of_period)
        assert recurring.tax == sum(line.tax for line in of_period)
        assert recurring.total == recurring.subtotal + recurring.tax
    assert quote.tax_total == sum(line.tax for line in quote.lines)
    assert quote.line_discounts == sum(line.discount_amount for line in quote.lines)
    assert quote.grand_total == quote.one_time_total + sum(r.total for r in quote.recurring)
    assert quote.value == quote.grand_total - quote.tax_total
    assert quote.margin == quote.value - quote.cost_total
