"""The invoice PDF a portal contact downloads where no vendor PDF is available.

The same library and style as the quote PDF (``quote_pdf.py``: reportlab, Helvetica, the accent
colour, the masthead and the footer), deterministic in the same way (reportlab's invariant mode).
A paid or void invoice is stamped so across the page.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from adapters.documents.letterhead import footer_line, look_of, sender_block
from adapters.documents.quote_styles import (
    ACCENT,
    BOLD,
    FONT,
    GRAND,
    LABEL,
    MUTED,
    NAME,
    NO_PADDING,
    RIGHT,
    RIGHT_BOLD,
    RULE,
    STAMP,
    Palette,
    header_row,
    heading,
    text,
)
from adapters.documents.quote_text import long_date, money, plain
from application.billing.documents import InvoiceSnapshot

_LETTER_CURRENCIES = frozenset({"USD", "CAD"})
_MARGIN = 16 * mm
_STAMPS = {"paid": "PAID", "void": "VOID"}


class ReportlabInvoiceDocuments:
    """``InvoiceDocuments`` with reportlab and its built-in fonts; no files, no network."""

    def render(self, invoice: InvoiceSnapshot) -> bytes:
        buffer = BytesIO()
        doc = SimpleDocTemplate(
            buffer,
            pagesize=LETTER if invoice.currency.upper() in _LETTER_CURRENCIES else A4,
            leftMargin=_MARGIN,
            rightMargin=_MARGIN,
            topMargin=_MARGIN,
            bottomMargin=22 * mm,
            title=plain(f"Invoice {invoice.number}"),
            author=plain(invoice.tenant_name),
            creator="q2c-hub",
            invariant=1,
        )
        page = _page_hook(invoice)
        doc.build(_story(invoice, doc.width), onFirstPage=page, onLaterPages=page)
        return buffer.getvalue()


def _story(invoice: InvoiceSnapshot, width: float) -> list[Any]:
    look = look_of(invoice.branding)
    flowables: list[Any] = [_masthead(invoice, width, look), Spacer(1, 5 * mm)]
    flowables += [text("BILL TO", LABEL), text(invoice.organization, NAME)]
    flowables += [text(line) for line in invoice.address]
    flowables += [Spacer(1, 6 * mm), _amounts(invoice, width, look)]
    if invoice.payments:
        payments = heading("Payments", room=25 * mm, style=look.heading)
        flowables += [*payments, _payments(invoice, width, look)]
    terms = invoice.branding.payment_terms if invoice.branding else None
    if terms:
        flowables += [*heading("Payment terms", room=25 * mm, style=look.heading), text(terms)]
    return flowables


def _masthead(invoice: InvoiceSnapshot, width: float, look: Palette) -> Any:
    facts = [("Invoice no.", invoice.number), ("Date", long_date(invoice.invoice_date))]
    if invoice.due_date:
        facts.append(("Due", long_date(invoice.due_date)))
    rows = [[text(label, RIGHT), text(value, RIGHT_BOLD)] for label, value in facts]
    facts_table = Table(rows, colWidths=[28 * mm, 42 * mm])
    facts_table.setStyle(TableStyle([*NO_PADDING, ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]))
    sender = sender_block(invoice.tenant_name, invoice.branding, invoice.logo)
    right = [Paragraph("INVOICE", look.document), Spacer(1, 2 * mm), facts_table]
    table = Table([[sender, right]], colWidths=[width - 70 * mm, 70 * mm])
    table.setStyle(
        look.table(
            [
                *NO_PADDING,
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, 0), 1.2, ACCENT),
                ("BOTTOMPADDING", (0, 0), (-1, 0), 4 * mm),
            ]
        )
    )
    return table


def _amounts(invoice: InvoiceSnapshot, width: float, look: Palette) -> Any:
    cur = invoice.currency
    description = invoice.description or f"Services, invoice {invoice.psa_number}"
    rows = [
        ["Description", "Amount"],
        [text(description), text(money(invoice.total, cur), RIGHT)],
        [text("Total", RIGHT), text(money(invoice.total, cur), RIGHT_BOLD)],
        [text("Paid", RIGHT), text(money(invoice.paid, cur), RIGHT)],
        [text("Balance due", GRAND), text(money(invoice.balance, cur), RIGHT_BOLD)],
    ]
    table = Table(rows, colWidths=[width - 40 * mm, 40 * mm])
    table.setStyle(
        look.table(
            [
                *header_row(0),
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                ("LINEBELOW", (0, 1), (-1, 1), 0.5, RULE),
                ("LINEABOVE", (0, 4), (-1, 4), 1, ACCENT),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def _payments(invoice: InvoiceSnapshot, width: float, look: Palette) -> Any:
    rows: list[list[Any]] = [["Date", "Method", "Amount"]]
    rows += [
        [
            text(long_date(p.on.date())),
            text(p.method.capitalize()),
            text(money(p.amount, invoice.currency), RIGHT),
        ]
        for p in invoice.payments
    ]
    table = Table(rows, colWidths=[45 * mm, width - 85 * mm, 40 * mm])
    table.setStyle(
        look.table(
            [
                *header_row(0),
                ("ALIGN", (2, 0), (2, 0), "RIGHT"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _page_hook(invoice: InvoiceSnapshot) -> Any:
    word = _STAMPS.get(invoice.status)

    def on_page(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        left, right = doc.leftMargin, doc.pagesize[0] - doc.rightMargin
        y = doc.bottomMargin - 9 * mm
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(left, y + 4 * mm, right, y + 4 * mm)
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(MUTED)
        line = footer_line(invoice.tenant_name, invoice.branding, f"Invoice {invoice.number}")
        canvas.drawString(left, y, plain(line))
        canvas.drawRightString(right, y, f"Page {canvas.getPageNumber()}")
        if word:
            width, height = doc.pagesize
            canvas.translate(width / 2, height / 2)
            canvas.rotate(35)
            canvas.setFillColor(STAMP, alpha=0.16)
            canvas.setFont(BOLD, 96)
            canvas.drawCentredString(0, -34, word)
        canvas.restoreState()

    return on_page
