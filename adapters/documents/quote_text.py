"""Text for the quote PDF: money, quantities, percents and dates as a customer reads them.

Everything printed goes through ``plain`` (or ``markup`` for reportlab's Paragraph markup). The
built-in PDF fonts encode only Windows-1252, and reportlab draws a black box for any other
character; ``plain`` folds accented letters to their base letter (``ł`` → ``l``, ``ź`` → ``z``)
and prints ``?`` for what has no such letter, so a name in another script stays readable where
it can and never breaks the document.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape

_CENT = Decimal("0.01")
_SYMBOLS = {"USD": "$", "CAD": "CA$", "AUD": "A$", "NZD": "NZ$", "EUR": "€", "GBP": "£"}
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# Letters NFKD does not take apart; a minus, spaces and returns the fonts would draw as boxes.
_FOLDS = str.maketrans({"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "\u0131": "i"})
_FOLDS.update(str.maketrans({"\u2212": "-", "\u00a0": " ", "\t": " ", "\r": ""}))


def money(amount: Decimal, currency: str) -> str:
    """``$1,234.50``, ``-€12.00``; a currency without a symbol here: ``1,234.50 CHF``."""
    cents = amount.quantize(_CENT, rounding=ROUND_HALF_UP)
    digits = f"{abs(cents):,.2f}"
    sign = "-" if cents < 0 else ""
    symbol = _SYMBOLS.get(currency.upper())
    return f"{sign}{symbol}{digits}" if symbol else f"{sign}{digits} {currency.upper()}"


def quantity(value: Decimal) -> str:
    """``16``, ``2.5``, ``1,200``: no trailing zeros, no exponent."""
    return f"{value.normalize():,f}"


def percent(value: Decimal) -> str:
    """``10%``, ``12.5%``."""
    return f"{value.normalize():f}%"


def long_date(value: date) -> str:
    """``20 December 2026``: the month spelled out, so no reader mistakes day for month."""
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def plain(text: str) -> str:
    """The text the built-in fonts can draw: other characters folded or replaced by ``?``."""
    return "".join(_drawable(char) for char in text.translate(_FOLDS))


def markup(text: str) -> str:
    """``plain`` text escaped for a Paragraph: ``R&D <Lab>`` prints as written; newlines kept."""
    return escape(plain(text)).replace("\n", "<br/>")


def _drawable(char: str) -> str:
    if _encodable(char) or char == "\n":
        return char
    base = "".join(
        part
        for part in unicodedata.normalize("NFKD", char)
        if not unicodedata.combining(part) and _encodable(part)
    )
    return base or "?"


def _encodable(char: str) -> bool:
    if unicodedata.category(char) == "Cc":  # control characters have no glyph
        return False
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True
