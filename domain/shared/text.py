"""Checks for text fields that every context shares; each error names its field."""

from __future__ import annotations

import re

from domain.shared.errors import InvalidValue

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def required_text(value: str, field: str, max_length: int) -> str:
    """Trimmed, non-blank, at most ``max_length`` characters."""
    text = value.strip()
    if not text:
        raise InvalidValue(f"{field} must not be blank", field=field)
    return optional_text(text, field, max_length) or text


def optional_text(value: str | None, field: str, max_length: int) -> str | None:
    """Trimmed text or ``None``; blank becomes ``None``."""
    if value is None:
        return None
    text = value.strip()
    if len(text) > max_length:
        raise InvalidValue(f"{field} is longer than {max_length} characters", field=field)
    return text or None


def optional_email(value: str | None, field: str) -> str | None:
    email = optional_text(value, field, 254)
    if email is not None and not _EMAIL.match(email):
        raise InvalidValue(f"{field} is not an email address", field=field)
    return email
