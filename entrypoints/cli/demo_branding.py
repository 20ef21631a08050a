"""The demo tenant's branding: a made-up MSP with an address, contacts, terms and a logo
drawn here (no file to ship), so the PDFs, portal and emails show what branding does."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

from PIL import Image, ImageDraw

from domain.identity.branding import Branding

ACCENT = "#0F766E"


def demo_branding(name: str) -> Branding:
    return Branding(
        name=name,
        address=("400 Harbour Road, Suite 12", "Portland, OR 97201", "United States"),
        email="billing@demo-msp.example",
        phone="+1 503 555 0100",
        website="https://demo-msp.example",
        quote_terms=(
            "Prices are valid until the date above. Hardware is ordered on acceptance and is "
            "non-refundable once shipped. Recurring services renew monthly until cancelled "
            "with 30 days' notice."
        ),
        payment_terms="Payment is due within 30 days of the invoice date.",
        accent_colour=ACCENT,
        default_tax_rate=Decimal("8.25"),
        invoice_ready_emails=True,
    )


def demo_logo() -> bytes:
    """A 360 x 120 PNG: a teal badge with a white chevron, and the name beside it."""
    image = Image.new("RGB", (360, 120), "white")
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((8, 8, 112, 112), radius=22, fill=ACCENT)
    draw.line([(38, 36), (70, 60), (38, 84)], fill="white", width=14, joint="curve")
    draw.text((128, 30), "DEMO", fill=ACCENT, font_size=40)
    draw.text((128, 74), "managed services", fill="#334155", font_size=20)
    buffer = BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()
