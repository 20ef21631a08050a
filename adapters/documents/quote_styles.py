"""The quote PDF's look: colours, paragraph styles and the table styles its layouts share.

``ACCENT`` is the hub's own colour; a document for a tenant is drawn in its ``Palette``: the
tenant's accent as ``Branding.readable_accent`` gives it (white text on it meets WCAG AA), put
in place of ``ACCENT`` wherever a style names it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Paragraph, TableStyle

from adapters.documents.quote_text import markup

ACCENT = colors.HexColor("#1F3A5F")
MUTED = colors.HexColor("#5B6573")
RULE = colors.HexColor("#C9D1DB")
STRIPE = colors.HexColor("#F3F5F8")
WHITE = colors.white
STAMP = colors.HexColor("#C62828")

FONT = "Helvetica"
BOLD = "Helvetica-Bold"

BODY = ParagraphStyle("q2c-body", fontName=FONT, fontSize=8.5, leading=11)
NAME = ParagraphStyle("q2c-name", parent=BODY, fontName=BOLD)
GRAND = ParagraphStyle("q2c-grand", parent=NAME, fontSize=9.5, leading=12)
SMALL = ParagraphStyle("q2c-small", parent=BODY, fontSize=7.5, leading=9.5, textColor=MUTED)
LABEL = ParagraphStyle("q2c-label", parent=SMALL, fontName=BOLD, fontSize=7, spaceAfter=2)
RIGHT = ParagraphStyle("q2c-right", parent=BODY, alignment=TA_RIGHT)
RIGHT_BOLD = ParagraphStyle("q2c-right-bold", parent=RIGHT, fontName=BOLD)
ALERT = ParagraphStyle("q2c-alert", parent=RIGHT_BOLD, textColor=STAMP)
RIGHT_SMALL = ParagraphStyle("q2c-right-small", parent=SMALL, alignment=TA_RIGHT)
MSP = ParagraphStyle("q2c-msp", parent=BODY, fontName=BOLD, fontSize=16, leading=20)
DOCUMENT = ParagraphStyle(
    "q2c-document", parent=MSP, fontSize=20, leading=24, textColor=ACCENT, alignment=TA_RIGHT
)
TITLE = ParagraphStyle("q2c-title", parent=BODY, fontName=BOLD, fontSize=13, leading=17)
HEADING = ParagraphStyle(
    "q2c-heading",
    parent=BODY,
    fontName=BOLD,
    fontSize=11,
    leading=14,
    textColor=ACCENT,
    spaceBefore=12,
    spaceAfter=5,
)
GROUP = ParagraphStyle("q2c-group", parent=HEADING, spaceBefore=0, spaceAfter=0)

PADDING: list[tuple[Any, ...]] = [
    ("LEFTPADDING", (0, 0), (-1, -1), 4),
    ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ("TOPPADDING", (0, 0), (-1, -1), 3.5),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
]
NO_PADDING: list[tuple[Any, ...]] = [
    ("LEFTPADDING", (0, 0), (-1, -1), 0),
    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ("TOPPADDING", (0, 0), (-1, -1), 0),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
]


@dataclass(frozen=True)
class Palette:
    """The styles that carry the accent colour, in one tenant's accent."""

    accent: Any
    document: ParagraphStyle
    heading: ParagraphStyle
    group: ParagraphStyle

    def table(self, commands: list[tuple[Any, ...]]) -> Any:
        """A TableStyle of ``commands`` with ``ACCENT`` drawn in this palette's accent."""
        return TableStyle(
            [tuple(self.accent if c is ACCENT else c for c in cmd) for cmd in commands]
        )


@lru_cache(maxsize=64)
def palette(accent: str | None = None) -> Palette:
    """The palette of an accent ``#RRGGBB`` already readable under white text; ``None``: the
    hub's own."""
    colour = ACCENT if accent is None else colors.HexColor(accent)
    tag = (accent or "hub").lstrip("#")
    return Palette(
        accent=colour,
        document=ParagraphStyle(f"q2c-document-{tag}", parent=DOCUMENT, textColor=colour),
        heading=ParagraphStyle(f"q2c-heading-{tag}", parent=HEADING, textColor=colour),
        group=ParagraphStyle(f"q2c-group-{tag}", parent=GROUP, textColor=colour),
    )


def header_row(row: int) -> list[tuple[Any, ...]]:
    """A table's column headings: white on the accent colour."""
    return [
        ("BACKGROUND", (0, row), (-1, row), ACCENT),
        ("TEXTCOLOR", (0, row), (-1, row), WHITE),
        ("FONT", (0, row), (-1, row), BOLD, 7.5),
        ("VALIGN", (0, row), (-1, row), "MIDDLE"),
    ]


def text(value: str, style: ParagraphStyle = BODY) -> Any:
    """A paragraph of the given text, printed literally (escaped, safe for the fonts)."""
    return Paragraph(markup(value), style)


def heading(
    title: str,
    note: str | None = None,
    *,
    room: float = 40 * mm,
    style: ParagraphStyle = HEADING,
) -> list[Any]:
    """A section heading that starts a new page unless ``room`` is left for what follows it.

    (reportlab's keepWithNext would move a whole long table to the next page instead.)
    """
    return [CondPageBreak(room), Paragraph(titled(title, note), style)]


def titled(title: str, note: str | None) -> str:
    """Paragraph markup for a heading with an optional muted note after it."""
    return markup(title) + (f" &nbsp;{muted(note, 8)}" if note else "")


def muted(value: str, size: float = 7.5) -> str:
    """Paragraph markup for a note in the muted colour, printed literally."""
    return f"<font name={FONT} size={size} color='#{MUTED.hexval()[2:]}'>{markup(value)}</font>"


def caption(title: str, note: str) -> Any:
    """A bold label with a muted note under it: ``Monthly`` / ``billed every month``."""
    return Paragraph(f"<b>{markup(title)}</b><br/>{muted(note)}", BODY)
