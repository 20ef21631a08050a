"""The sender's block of a quote or invoice: the MSP's logo, name, address and contacts, from
its branding (QUO-7); a document without branding prints the tenant's name alone."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Image, Spacer

from adapters.documents.quote_styles import MSP, SMALL, Palette, palette, text
from domain.identity.branding import Branding, Logo

_LOGO_HEIGHT = 16 * mm
_LOGO_WIDTH = 60 * mm


def look_of(branding: Branding | None) -> Palette:
    return palette(None if branding is None else branding.readable_accent)


def sender_block(name: str, branding: Branding | None, logo: Logo | None) -> list[Any]:
    """Logo, name, then address and contact lines in the muted small type."""
    block: list[Any] = []
    if logo is not None:
        block += [_logo(logo), Spacer(1, 2 * mm)]
    shown = branding.name if branding is not None else name
    if shown:
        block.append(text(shown, MSP))
    if branding is not None:
        block += [text(line, SMALL) for line in (*branding.address, *branding.contact_lines)]
    return block


def footer_line(name: str, branding: Branding | None, document: str) -> str:
    """``Northwind IT · billing@… · +1 503… · Quote Q-1001``: who to ask, on every page."""
    parts = [branding.name if branding is not None else name]
    if branding is not None:
        parts += [v for v in (branding.email, branding.phone) if v]
    return " \u00b7 ".join([p for p in parts if p] + [document])


def _logo(logo: Logo) -> Any:
    """The logo scaled into 60 x 16 mm, its proportions kept, flush left."""
    width, height = ImageReader(BytesIO(logo.content)).getSize()
    scale = min(_LOGO_WIDTH / width, _LOGO_HEIGHT / height)
    image = Image(BytesIO(logo.content), width=width * scale, height=height * scale)
    image.hAlign = "LEFT"
    return image
