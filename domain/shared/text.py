"""Checks for text fields that every context shares; each error names its field.

Text is shown to people: on the portal, in PDFs, in the PSA. Control characters and the
characters that reorder text (bidi controls, the "Trojan Source" trick: ``Invoice\u202eFDP.exe``)
are refused in it; free text that may span lines (descriptions, notes) keeps its line breaks
and tabs. Text pulled from a vendor is cleaned with ``cleaned`` rather than refused.
"""

from __future__ import annotations

import re

from domain.shared.errors import InvalidValue

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
# Every control character (Cc), the line and paragraph separators, and the bidi controls.
_INVISIBLE = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]")
_BIDI_CONTROLS = re.compile(f"[{_BIDI}]")
_INVISIBLE_IN_LINES = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]")


def required_text(value: str, field: str, max_length: int, *, multiline: bool = False) -> str:
    """Trimmed, non-blank, at most ``max_length`` characters, nothing invisible."""
    text = value.strip()
    if not text:
        raise InvalidValue(f"{field} must not be blank", field=field)
    return optional_text(text, field, max_length, multiline=multiline) or text


def optional_text(
    value: str | None, field: str, max_length: int, *, multiline: bool = False
) -> str | None:
    """Trimmed text or ``None``; blank becomes ``None``."""
    if value is None:
        return None
    text = value.strip()
    if len(text) > max_length:
        raise InvalidValue(f"{field} is longer than {max_length} characters", field=field)
    found = (_INVISIBLE_IN_LINES if multiline else _INVISIBLE).search(text)
    if found:
        code = f"U+{ord(found.group()):04X}"
        raise InvalidValue(
            f"{field} holds a control or bidi character ({code}); type it as plain text",
            field=field,
        )
    return text or None


def optional_email(value: str | None, field: str) -> str | None:
    email = optional_text(value, field, 254)
    if email is not None and not _EMAIL.match(email):
        raise InvalidValue(f"{field} is not an email address", field=field)
    return email


def cleaned(text: str) -> str:
    """Text from elsewhere (a vendor) fit for a field: breaks and controls become spaces,
    bidi controls go."""
    return _INVISIBLE.sub(" ", _BIDI_CONTROLS.sub("", text))
