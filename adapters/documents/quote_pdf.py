"""The customer-facing quote PDF (QUO-7), rendered by the hub with reportlab.

Deterministic: reportlab's invariant mode fixes the creation date and the document id, so one
snapshot always gives the same bytes (a PSA attachment is not re-sent for nothing, an ETag
holds). "Page x of y" needs the page count before the first page is finished, so the document
is laid out twice: the first pass counts the pages, the second prints them. The footer takes
no room from the story, so both passes break the pages at the same places.
"""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from typing import Any

from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

from adapters.documents.letterhead import footer_line
from adapters.documents.quote_layout import stamp, story
from adapters.documents.quote_styles import BOLD, FONT, MUTED, RULE, STAMP
from adapters.documents.quote_text import plain
from application.quotes.snapshot import QuoteSnapshot

_LETTER_CURRENCIES = frozenset({"USD", "CAD"})  # North America prints on Letter, the rest on A4
_MARGIN = 16 * mm
_BOTTOM = 22 * mm  # room for the footer
PageHook = Callable[[Any, Any], None]


class ReportlabQuoteDocuments:
    """``QuoteDocuments`` with reportlab and its built-in Helvetica; no files, no network."""

    def render(self, quote: QuoteSnapshot) -> bytes:
        pages = _layout(quote, pages=None)[1]
        return _layout(quote, pages=pages)[0]


def _layout(quote: QuoteSnapshot, *, pages: int | None) -> tuple[bytes, int]:
    """The document's bytes and its page count; ``pages`` is the count to print, when known."""
    buffer = BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=LETTER if quote.currency.upper() in _LETTER_CURRENCIES else A4,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=_MARGIN,
        bottomMargin=_BOTTOM,
        title=plain(f"Quote {quote.number}: {quote.title}"),
        author=plain(quote.tenant_name),
        subject=plain(quote.title),
        creator="q2c-hub",
        invariant=1,
    )
    body = Frame(
        doc.leftMargin,
        doc.bottomMargin,
        doc.width,
        doc.height,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    page = PageTemplate(
        "quote", [body], onPage=_footer_hook(quote, pages), onPageEnd=_stamp_hook(quote)
    )
    doc.addPageTemplates([page])
    doc.build(story(quote, doc.width))
    return buffer.getvalue(), doc.page


def _footer_hook(quote: QuoteSnapshot, pages: int | None) -> PageHook:
    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        _footer(canvas, doc, quote, pages)
        canvas.restoreState()

    return footer


def _stamp_hook(quote: QuoteSnapshot) -> PageHook:
    word = stamp(quote)

    def over_the_page(canvas: Any, doc: Any) -> None:
        if word:
            canvas.saveState()
            _stamp(canvas, doc, word)
            canvas.restoreState()

    return over_the_page


def _footer(canvas: Any, doc: Any, quote: QuoteSnapshot, pages: int | None) -> None:
    left, right = doc.leftMargin, doc.pagesize[0] - doc.rightMargin
    y = doc.bottomMargin - 9 * mm
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.line(left, y + 4 * mm, right, y + 4 * mm)
    canvas.setFont(FONT, 7.5)
    canvas.setFillColor(MUTED)
    line = footer_line(quote.tenant_name, quote.branding, f"Quote {quote.number}")
    canvas.drawString(left, y, plain(line))
    page = canvas.getPageNumber()
    canvas.drawRightString(right, y, f"Page {page} of {pages}" if pages else f"Page {page}")


def _stamp(canvas: Any, doc: Any, word: str) -> None:
    """The status across the page, over the content and faint enough to read it through."""
    width, height = doc.pagesize
    canvas.translate(width / 2, height / 2)
    canvas.rotate(35)
    canvas.setFillColor(STAMP, alpha=0.16)
    canvas.setFont(BOLD, 96)
    canvas.drawCentredString(0, -34, word)
