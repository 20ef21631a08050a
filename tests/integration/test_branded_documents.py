"""The quote and invoice PDFs carry the MSP's branding (QUO-7): its logo, name, address and
contacts, the quote's terms or the invoice's payment terms, and its accent colour, darkened
where white text on it would miss WCAG AA. Read back with pdfium, as a viewer reads them; page
one of each is saved as a PNG in ``test-artifacts/documents/`` to be looked at."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
from PIL import Image

from adapters.documents.invoice_pdf import ReportlabInvoiceDocuments
from adapters.documents.quote_pdf import ReportlabQuoteDocuments
from application.billing.documents import InvoicePaymentLine, InvoiceSnapshot
from domain.identity.branding import Branding, Logo
from entrypoints.cli.demo_branding import demo_branding, demo_logo
from tests.support.quotes import sample_snapshot

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "documents"
BRAND = demo_branding("Northwind IT Services")
LOGO = Logo("image/png", demo_logo(), 360, 120)


def invoice(**changes: Any) -> InvoiceSnapshot:
    values: dict[str, Any] = {
        "tenant_name": "Northwind IT Services",
        "number": "1042",
        "psa_number": "T20261120.0007",
        "status": "open",
        "invoice_date": date(2026, 11, 20),
        "due_date": date(2026, 12, 20),
        "description": "Managed services, November 2026",
        "organization": "Bayside Dental & Orthodontics",
        "address": ("1200 Harbor Blvd, Suite 300", "Oakland, CA 94607"),
        "currency": "USD",
        "total": Decimal("1250.00"),
        "paid": Decimal("250.00"),
        "balance": Decimal("1000.00"),
        "payments": (
            InvoicePaymentLine(
                datetime(2026, 11, 25, tzinfo=UTC), "Visa ending 1111", Decimal(250)
            ),
        ),
        "branding": BRAND,
        "logo": LOGO,
    }
    return InvoiceSnapshot(**(values | changes))


def text_and_page_one(pdf: bytes, name: str | None = None) -> tuple[str, Any, int]:
    """The document's text, page one as an RGB image, and how many images page one draws."""
    document = pdfium.PdfDocument(pdf)
    try:
        text = "\n".join(str(page.get_textpage().get_text_range()) for page in document)
        first = document[0]
        images = sum(1 for o in first.get_objects() if o.type == pdfium.raw.FPDF_PAGEOBJ_IMAGE)
        picture = first.render(scale=110 / 72).to_pil().convert("RGB")
    finally:
        document.close()
    if name is not None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        picture.save(ARTIFACTS / name)
    return " ".join(text.split()), picture, images


def share_of(picture: Any, colour: str) -> float:
    """The share of the page's pixels within a few steps of ``colour``."""
    wanted = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    counted = picture.getcolors(maxcolors=2**24)  # (count, colour) per colour drawn, in C
    near = sum(
        n for n, rgb in counted if all(abs(a - b) <= 6 for a, b in zip(rgb, wanted, strict=True))
    )
    return float(near) / float(picture.width * picture.height)


def test_quo7_the_quote_pdf_carries_the_logo_sender_contacts_and_terms() -> None:
    pdf = ReportlabQuoteDocuments().render(sample_snapshot(branding=BRAND, logo=LOGO))
    text, picture, images = text_and_page_one(pdf, "quote-branded.png")
    for shown in (
        "400 Harbour Road, Suite 12",
        "Portland, OR 97201",
        "billing@demo-msp.example",
        "+1 503 555 0100",
        "https://demo-msp.example",
        "Terms",
        "Hardware is ordered on acceptance",
    ):
        assert shown in text
    assert images == 1  # the logo
    assert share_of(picture, BRAND.accent_colour) > 0.002  # the headings' and rows' colour


def test_quo7_the_invoice_pdf_carries_the_logo_sender_contacts_and_payment_terms() -> None:
    pdf = ReportlabInvoiceDocuments().render(invoice())
    text, picture, images = text_and_page_one(pdf, "invoice-branded.png")
    for shown in ("Portland, OR 97201", "billing@demo-msp.example", "Payment terms"):
        assert shown in text
    assert "Payment is due within 30 days of the invoice date." in text
    assert images == 1
    assert share_of(picture, BRAND.accent_colour) > 0.002


def test_a_light_accent_is_drawn_darkened_so_white_headings_on_it_stay_readable() -> None:
    light = Branding(name="Sunny IT", accent_colour="#FFCC00")
    quote = sample_snapshot(branding=light, tenant_name="Sunny IT")
    _, picture, images = text_and_page_one(ReportlabQuoteDocuments().render(quote))
    assert images == 0
    assert share_of(picture, "#FFCC00") == 0
    assert share_of(picture, light.readable_accent) > 0.002  # #8F7200: 4.6:1 under white


def test_without_branding_the_documents_print_the_tenant_name_as_before() -> None:
    text, _, images = text_and_page_one(ReportlabQuoteDocuments().render(sample_snapshot()))
    assert ("Northwind IT Services" in text, "Terms" in text, images) == (True, False, 0)
    text, _, _ = text_and_page_one(ReportlabInvoiceDocuments().render(invoice(branding=None)))
    assert "Payment terms" not in text
    assert Image.open(BytesIO(demo_logo())).format == "PNG"
