"""Text shown to people (portal, PDFs, the PSA) holds no control or bidi characters."""

from __future__ import annotations

import pytest

from domain.crm.contact import ContactProfile
from domain.crm.organization import OrganizationProfile
from domain.shared.errors import InvalidValue
from domain.shared.text import cleaned, optional_text, required_text

INVISIBLE = [
    "\u202e",
    "\u202d",
    "\u2066",
    "\u2069",
    "\u200f",
    "\u061c",
    "\x00",
    "\x07",
    "\x1b",
    "\n",
    "\t",
    "\x85",
    "\u2028",
]


@pytest.mark.parametrize("char", INVISIBLE)
def test_a_name_holding_a_control_or_bidi_character_is_refused(char: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        OrganizationProfile(name=f"Acme{char}Corp")
    assert caught.value.field == "name"
    assert f"U+{ord(char):04X}" in caught.value.message
    with pytest.raises(InvalidValue) as caught:
        ContactProfile(first_name="Pat", last_name=f"Doe{char}x")
    assert caught.value.field == "last_name"


def test_free_text_keeps_its_line_breaks_but_not_the_rest() -> None:
    assert optional_text("line 1\nline 2\ttab", "notes", 100, multiline=True) == (
        "line 1\nline 2\ttab"
    )
    for char in ("\u202e", "\x00", "\x1b"):
        with pytest.raises(InvalidValue):
            optional_text(f"a{char}b", "notes", 100, multiline=True)


def test_ordinary_text_in_any_script_passes() -> None:
    for name in ("Müller & Söhne GmbH", "株式会社", "שלום", "مرحبا", "Zoë 👩‍💻"):
        assert required_text(name, "name", 100) == name


def test_pulled_text_is_cleaned_rather_than_refused() -> None:
    assert cleaned("Acme\u202e Corp\nLtd\x00") == "Acme Corp Ltd "
