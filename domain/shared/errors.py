"""Errors raised when a business rule is broken.

Each error carries a stable ``code`` (used as the problem type of the HTTP API), the SPEC rule it
protects where there is one, and the field it concerns where the rule is about one input.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class DomainError(Exception):
    """A rule of the domain refused an operation; nothing was changed."""

    code: str = "domain_rule"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        rule: str | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.rule = rule
        self.field = field


class InvalidValue(DomainError):
    """An input value is malformed or out of range; ``field`` names it."""

    code = "invalid_value"


class CurrencyMismatch(DomainError):
    """Arithmetic or comparison across two currencies (MON-1)."""

    code = "currency_mismatch"


class UnsupportedCurrency(InvalidValue):
    """A currency outside the supported list (MON-2)."""

    code = "unsupported_currency"


class CurrencyAlreadySet(DomainError):
    """A tenant's internal currency is set once and never changed (MON-3)."""

    code = "currency_already_set"


@contextmanager
def naming_rule(rule: str) -> Iterator[None]:
    """Inside this block an InvalidValue that names no rule names ``rule``: the shared checks
    (text, numbers) name the field, the aggregate using them knows which rule it keeps."""
    try:
        yield
    except InvalidValue as error:
        error.rule = error.rule or rule
        raise
