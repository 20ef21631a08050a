"""Bodies of ``/v1/tenant/branding``: what the PDFs, the portal and the emails show."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from msgspec import Meta

from application.identity.branding import TenantBranding
from domain.identity.branding import Branding, Logo, readable_on_white
from entrypoints.http.schemas.common import DecimalString, Input, Output

Line = Annotated[str, Meta(max_length=100)]
Terms = Annotated[str, Meta(max_length=4000)]
Colour = Annotated[str, Meta(max_length=7, examples=["#1D4ED8"])]


class BrandingIn(Input, frozen=True):
    name: Annotated[str, Meta(min_length=1, max_length=100)]
    address: Annotated[list[Line], Meta(max_length=5)] = []  # noqa: RUF012
    email: Annotated[str, Meta(max_length=254)] | None = None
    phone: Annotated[str, Meta(max_length=40)] | None = None
    website: Annotated[str, Meta(max_length=200)] | None = None
    quote_terms: Terms | None = None
    payment_terms: Terms | None = None
    accent_colour: Colour = "#1D4ED8"
    default_tax_rate: DecimalString = "0"  # percent, for quote lines that name no rate
    invoice_ready_emails: bool = False  # PAY-13: email a pay link when an invoice is payable

    def to_branding(self) -> Branding:
        return Branding(
            name=self.name,
            address=tuple(self.address),
            email=self.email,
            phone=self.phone,
            website=self.website,
            quote_terms=self.quote_terms,
            payment_terms=self.payment_terms,
            accent_colour=self.accent_colour,
            default_tax_rate=Decimal(self.default_tax_rate),
            invoice_ready_emails=self.invoice_ready_emails,
        )


class LogoIn(Input, frozen=True):
    content: bytes  # the PNG or JPEG file, base64 in JSON; at most 512 KB


class LogoOut(Output, frozen=True):
    media_type: str
    width: int
    height: int
    bytes: int
    sha256: str

    @classmethod
    def of(cls, logo: Logo) -> LogoOut:
        return cls(logo.media_type, logo.width, logo.height, len(logo.content), logo.sha256)


class BrandingOut(Output, frozen=True):
    name: str
    address: list[str]
    email: str | None
    phone: str | None
    website: str | None
    quote_terms: str | None
    payment_terms: str | None
    accent_colour: str
    accent_colour_used: str  # darkened where white text on it would miss WCAG AA (4.5:1)
    default_tax_rate: str
    invoice_ready_emails: bool
    logo: LogoOut | None

    @classmethod
    def of(cls, found: TenantBranding) -> BrandingOut:
        b = found.branding
        return cls(
            name=b.name,
            address=list(b.address),
            email=b.email,
            phone=b.phone,
            website=b.website,
            quote_terms=b.quote_terms,
            payment_terms=b.payment_terms,
            accent_colour=b.accent_colour,
            accent_colour_used=readable_on_white(b.accent_colour),
            default_tax_rate=str(b.default_tax_rate),
            invoice_ready_emails=b.invoice_ready_emails,
            logo=None if found.logo is None else LogoOut.of(found.logo),
        )
