"""How an MSP presents itself to its clients: on the quote and invoice PDFs, the portal and
the emails (QUO-7, PAY-13).

``Branding`` is a value object: every field is checked here and an error names its field.
``Logo`` is the uploaded image: PNG or JPEG, at most ``MAX_LOGO_BYTES``; that it decodes as
an image is checked by the application's image port (the domain reads only its signature).
The accent colour is the MSP's; what the pages and PDFs draw is ``readable_accent``, darkened
until white text on it (and it as text on white) meets WCAG AA's 4.5:1.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal

from domain.shared.errors import InvalidValue
from domain.shared.numbers import exact_decimal
from domain.shared.text import optional_email, optional_text, required_text

MAX_LOGO_BYTES = 512 * 1024
LOGO_TYPES = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}
DEFAULT_ACCENT = "#1D4ED8"
AA_CONTRAST = Decimal("4.5")
_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
_WEBSITE = re.compile(r"^https?://[^\s/]+\.[^\s]+$")
_TERMS = 4000
_RATE_PLACES = 4  # as a quote line's tax rate (domain/quotes/lines.py)


@dataclass(frozen=True, kw_only=True)
class Branding:
    name: str
    address: tuple[str, ...] = ()  # printable lines, at most five
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    quote_terms: str | None = None
    payment_terms: str | None = None
    accent_colour: str = DEFAULT_ACCENT
    default_tax_rate: Decimal = Decimal(0)  # percent, for quote lines that name none
    invoice_ready_emails: bool = False  # email the billing contact a pay link (PAY-13)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "name", required_text(self.name, "name", 100))
        set_(self, "address", _address(self.address))
        set_(self, "email", optional_email(self.email, "email"))
        set_(self, "phone", optional_text(self.phone, "phone", 40))
        set_(self, "website", _website(self.website))
        for terms in ("quote_terms", "payment_terms"):
            set_(self, terms, optional_text(getattr(self, terms), terms, _TERMS, multiline=True))
        set_(self, "accent_colour", _colour(self.accent_colour))
        set_(self, "default_tax_rate", _rate(self.default_tax_rate))

    @property
    def contact_lines(self) -> tuple[str, ...]:
        """Email, phone and website, those given, in that order."""
        return tuple(v for v in (self.email, self.phone, self.website) if v)

    @property
    def readable_accent(self) -> str:
        return readable_on_white(self.accent_colour)


def _address(lines: tuple[str, ...]) -> tuple[str, ...]:
    kept = tuple(
        text for i, line in enumerate(lines) if (text := optional_text(line, f"address[{i}]", 100))
    )
    if len(kept) > 5:
        raise InvalidValue("the address has at most five lines", field="address")
    return kept


def _website(value: str | None) -> str | None:
    website = optional_text(value, "website", 200)
    if website is not None and not _WEBSITE.match(website):
        raise InvalidValue("website must be an http(s) address", field="website")
    return website


def _colour(value: str) -> str:
    if not _HEX.match(value.strip()):
        raise InvalidValue("accent_colour must be a colour like #1D4ED8", field="accent_colour")
    return value.strip().upper()


def _rate(value: Decimal) -> Decimal:
    rate = exact_decimal(value, "default_tax_rate", places=_RATE_PLACES)
    if not 0 <= rate <= 100:
        raise InvalidValue("default_tax_rate must be 0 to 100 (percent)", field="default_tax_rate")
    return rate


def _luminance(colour: str) -> float:
    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(colour: str, other: str) -> float:
    """WCAG's contrast ratio of two ``#RRGGBB`` colours, 1 to 21."""
    lighter, darker = sorted((_luminance(colour), _luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def contrast_with_white(colour: str) -> float:
    return contrast(colour, "#FFFFFF")


def readable_on_white(colour: str, background: str = "#FFFFFF") -> str:
    """The colour itself when white text on it, and it as text on ``background`` (a light
    page), meet AA (4.5:1); else the nearest darker shade that does (each channel scaled down
    together, so the hue stays)."""
    scale = 1.0
    shade = colour.upper()
    while min(contrast_with_white(shade), contrast(shade, background)) < float(AA_CONTRAST):
        scale -= 0.02
        shade = "#" + "".join(f"{round(int(colour[i : i + 2], 16) * scale):02X}" for i in (1, 3, 5))
    return shade


@dataclass(frozen=True)
class Logo:
    """The MSP's logo as uploaded; ``content`` is left out of the repr (it keys caches)."""

    media_type: str
    content: bytes = field(repr=False)
    width: int = 0  # pixels, as the image port read them
    height: int = 0
    sha256: str = ""

    def __post_init__(self) -> None:
        signature = LOGO_TYPES.get(self.media_type)
        if signature is None:
            raise InvalidValue("the logo must be a PNG or JPEG image", field="logo")
        if not self.content:
            raise InvalidValue("the logo is empty", field="logo")
        if len(self.content) > MAX_LOGO_BYTES:
            raise InvalidValue(f"the logo is larger than {MAX_LOGO_BYTES // 1024} KB", field="logo")
        if not self.content.startswith(signature):
            raise InvalidValue(f"the logo is not a {self.media_type} file", field="logo")
        object.__setattr__(self, "sha256", hashlib.sha256(self.content).hexdigest())
