"""The MSP's branding: every field checked and named; the accent readable under white text
at WCAG AA (4.5:1) whatever colour the MSP picks; a logo is a PNG or JPEG within 512 KB."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from domain.identity.branding import (
    MAX_LOGO_BYTES,
    Branding,
    Logo,
    contrast_with_white,
    readable_on_white,
)
from domain.shared.errors import InvalidValue


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"accent_colour": "#1D4ED"}, "accent_colour"),
        ({"accent_colour": "red"}, "accent_colour"),
        ({"email": "billing at northwind"}, "email"),
        ({"website": "ftp://northwind.example"}, "website"),
        ({"default_tax_rate": Decimal("-1")}, "default_tax_rate"),
        ({"default_tax_rate": Decimal("100.5")}, "default_tax_rate"),
        ({"default_tax_rate": Decimal("8.123456")}, "default_tax_rate"),
        ({"address": ("a", "b", "c", "d", "e", "f")}, "address"),
        ({"address": ("Main St\u202e",)}, "address[0]"),
        ({"quote_terms": "x" * 4001}, "quote_terms"),
        ({"name": " "}, "name"),
    ],
)
def test_each_bad_value_names_its_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        Branding(**{"name": "Northwind IT", **changes})
    assert refused.value.field == field


def test_values_are_tidied_and_terms_keep_their_lines() -> None:
    brand = Branding(
        name=" Northwind IT ",
        address=(" 12 Harbour Road ", "", "Portland"),
        accent_colour="#0f766e",
        quote_terms="Line one.\nLine two.",
    )
    assert (brand.name, brand.address) == ("Northwind IT", ("12 Harbour Road", "Portland"))
    assert (brand.accent_colour, brand.quote_terms) == ("#0F766E", "Line one.\nLine two.")
    assert brand.default_tax_rate == 0
    assert brand.invoice_ready_emails is False  # PAY-13: off until the MSP turns it on


@pytest.mark.parametrize("accent", ["#FFCC00", "#7DD3FC", "#FFFFFF", "#22C55E", "#F97316"])
def test_a_light_accent_is_darkened_until_white_text_on_it_meets_aa(accent: str) -> None:
    assert contrast_with_white(accent) < 4.5
    used = readable_on_white(accent)
    assert contrast_with_white(used) >= 4.5
    assert contrast_with_white(used) < 5.2  # the nearest shade that passes, not black


@pytest.mark.parametrize("accent", ["#1D4ED8", "#0F766E", "#000000"])
def test_an_accent_that_passes_is_kept(accent: str) -> None:
    assert readable_on_white(accent) == accent


def test_a_logo_is_a_png_or_jpeg_within_the_limit() -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(10)
    assert len(Logo("image/png", png).sha256) == 64
    refused = [
        ("image/gif", b"GIF89a"),
        ("image/png", b"\xff\xd8\xff" + bytes(10)),
        ("image/png", b""),
        ("image/png", png + bytes(MAX_LOGO_BYTES)),
    ]
    for media_type, content in refused:
        with pytest.raises(InvalidValue) as error:
            Logo(media_type, content)
        assert error.value.field == "logo"
