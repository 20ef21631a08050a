"""Exact decimals (MON-1): the one parser for numbers people, the API and vendors write.

``Decimal()`` alone takes too much: full-width digits ("\uff11.\uff10\uff10"), "1_000", " 1e3 ",
"NaN"; and a float handed to it keeps its binary error (``Decimal(0.1)`` is
0.1000000000000000055511151231257827…). Every number that becomes a price, a quantity, a rate or
an amount goes through ``exact_decimal``.
"""

from __future__ import annotations

import re
from decimal import Decimal

from domain.shared.errors import InvalidValue

# As people and the API write a number: ASCII digits, an optional minus and fraction.
_PLAIN = re.compile(r"-?[0-9]+(\.[0-9]+)?")
# As JSON writes one (vendors' answers): an exponent allowed too.
_JSON_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")


def exact_decimal(
    value: object,
    field: str,
    *,
    rule: str | None = None,
    places: int | None = None,
    from_json: bool = False,
) -> Decimal:
    """``value`` as a finite Decimal with at most ``places`` decimals, or an InvalidValue naming
    ``field`` and ``rule``.

    Our own code passes Decimal, int or plain ASCII text; a float or bool there is a programming
    error (TypeError). ``from_json`` reads what a vendor's JSON or XML carries: a float through
    its shortest text (0.1 is 0.1), text with an exponent or surrounding spaces; anything else
    is an InvalidValue.
    """
    read = _from_json if from_json else _from_code
    number = read(value, field, rule)
    if not number.is_finite():
        raise InvalidValue(f"{field} must be a finite number", rule=rule, field=field)
    if places is not None and _decimals(number) > places:
        raise InvalidValue(f"{field} has more than {places} decimals", rule=rule, field=field)
    return number


def _decimals(number: Decimal) -> int:
    """Digits after the point, trailing zeros aside, counted exactly: ``normalize()`` would round
    to the context's 28 digits, and overflow on an exponent as large as "1e1000000"."""
    _, digits, exponent = number.as_tuple()
    text = "".join(map(str, digits)).rstrip("0")
    if not text or not isinstance(exponent, int):
        return 0  # zero (or not finite, refused before)
    return -exponent - (len(digits) - len(text))


def _from_code(value: object, field: str, rule: str | None) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise TypeError(f"{field} is Decimal, int or str, never float (MON-1)")
    if isinstance(value, str) and not _PLAIN.fullmatch(value):
        raise InvalidValue(
            f"{value!r} is not a decimal number in ASCII digits", rule=rule, field=field
        )
    return Decimal(value)


def _from_json(value: object, field: str, rule: str | None) -> Decimal:
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return Decimal(value)
    text = repr(value) if isinstance(value, float) else value
    if not isinstance(text, str) or not _JSON_NUMBER.fullmatch(text.strip()):
        raise InvalidValue(f"{value!r} is not a number", rule=rule, field=field)
    return Decimal(text.strip())
