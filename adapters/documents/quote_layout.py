"""The quote PDF's story, top to bottom (QUO-7).

Who sends it and which quote (the MSP, number, dates), who it is for and who prepared it, the
lines and totals (``quote_lines``), the notes, and a place to sign. Page furniture (footer, page
numbers, the status stamp) is drawn on each page by ``quote_pdf``.
"""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from adapters.documents.letterhead import look_of, sender_block
from adapters.documents.quote_lines import line_groups, summary
from adapters.documents.quote_styles import (
    ACCENT,
    ALERT,
    BODY,
    LABEL,
    MUTED,
    NAME,
    NO_PADDING,
    RIGHT,
    RIGHT_BOLD,
    SMALL,
    TITLE,
    Palette,
    heading,
    text,
)
from adapters.documents.quote_text import long_date
from application.quotes.snapshot import QuoteSnapshot, SnapshotParty

_STAMPS = {"expired": "EXPIRED", "draft": "DRAFT"}


def stamp(quote: QuoteSnapshot) -> str | None:
    """The word stamped across each page when the quote cannot be accepted as it stands."""
    return _STAMPS.get(quote.status)


def story(quote: QuoteSnapshot, width: float) -> list[Any]:
    """Every flowable of the document, in reading order."""
    look = look_of(quote.branding)
    flowables = [_masthead(quote, width, look), Spacer(1, 5 * mm), _parties(quote, width)]
    flowables += [Spacer(1, 6 * mm), text(quote.title, TITLE)]
    flowables += line_groups(quote, width, look)
    flowables.append(summary(quote, width, look))
    if quote.notes:
        flowables += [*heading("Notes", room=25 * mm, style=look.heading), text(quote.notes)]
    terms = quote.branding.quote_terms if quote.branding else None
    if terms:
        flowables += [*heading("Terms", room=25 * mm, style=look.heading), text(terms, SMALL)]
    flowables.append(_acceptance(quote, width, look))
    return flowables


def _masthead(quote: QuoteSnapshot, width: float, look: Palette) -> Any:
    facts = [("Quote no.", quote.number)]
    if quote.revision > 1:
        facts.append(("Revision", str(quote.revision)))
    facts += [("Date", long_date(quote.issued_on)), ("Valid until", long_date(quote.expires_on))]
    rows = [[text(label, RIGHT), text(value, RIGHT_BOLD)] for label, value in facts]
    if quote.expired:
        rows.append(["", text(f"Expired on {long_date(quote.expires_on)}", ALERT)])
    facts_table = Table(rows, colWidths=[28 * mm, 42 * mm])
    facts_table.setStyle(TableStyle([*NO_PADDING, ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]))
    sender = sender_block(quote.tenant_name, quote.branding, quote.logo)
    right = [Paragraph("QUOTE", look.document), Spacer(1, 2 * mm), facts_table]
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


def _parties(quote: QuoteSnapshot, width: float) -> Any:
    columns = [_party("Prepared for", quote.organization, address=True)]
    columns.append(_party("Contact", quote.contact) if quote.contact else [])
    columns.append(_party("Prepared by", quote.owner))
    table = Table([columns], colWidths=[width / 3] * 3)
    table.setStyle(TableStyle([*NO_PADDING, ("RIGHTPADDING", (0, 0), (-1, -1), 4 * mm)]))
    return table


def _party(label: str, party: SnapshotParty, *, address: bool = False) -> list[Any]:
    cell = [text(label.upper(), LABEL), text(party.name, NAME)]
    if address:
        cell += [text(line) for line in party.address]
    cell += [text(value, BODY) for value in (party.email, party.phone) if value]
    return cell


def _acceptance(quote: QuoteSnapshot, width: float, look: Palette) -> Any:
    if quote.expired:
        ask = f"This quote expired on {long_date(quote.expires_on)}."
        lead = f"{ask} Please ask {quote.owner.name} for an updated quote."
        return KeepTogether([*heading("Acceptance", style=look.heading), text(lead)])
    lead = f"To accept this quote, sign below and return it by {long_date(quote.expires_on)}."
    gap = 8 * mm
    field = (width - 2 * gap) / 4
    blanks = Table(
        [["", "", "", "", ""], ["Signature", "", "Name", "", "Date"]],
        colWidths=[field * 1.6, gap, field * 1.6, gap, field * 0.8],
        rowHeights=[14 * mm, None],
    )
    blanks.setStyle(TableStyle([*NO_PADDING, *_SIGNATURE]))
    return KeepTogether([*heading("Acceptance", style=look.heading), text(lead), blanks])


_SIGNATURE: list[tuple[Any, ...]] = [
    *(("LINEBELOW", (col, 0), (col, 0), 0.6, MUTED) for col in (0, 2, 4)),
    ("FONT", (0, 1), (-1, 1), SMALL.fontName, SMALL.fontSize),
    ("TEXTCOLOR", (0, 1), (-1, 1), SMALL.textColor),
    ("TOPPADDING", (0, 1), (-1, 1), 3),
]
