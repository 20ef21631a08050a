"""How the sandbox reads a list's query as ASP.NET binds it: ``Filter.*`` values of their
type (a bad one refused as Kaseya refuses it), text filters matching a part of the field,
case-insensitively, and ``PageSize`` (at most 100) records of page ``PageNumber`` (from 1).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from adapters.sandboxes.kaseya_bms.schema import KaseyaRefusal

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
Query = Mapping[str, str]
Record = dict[str, Any]


def page(records: list[Record], query: Query) -> tuple[list[Record], int]:
    """``PageSize`` (at most 100) records of page ``PageNumber`` (from 1), and the total."""
    size = min(number(query, "PageSize") or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    at = max(number(query, "PageNumber") or 1, 1)
    return records[(at - 1) * size : at * size], len(records)


def number(query: Query, name: str) -> int | None:
    text = query.get(name)
    if text is None or text == "":
        return None
    try:
        return int(text)
    except ValueError:
        raise KaseyaRefusal(400, f"The value '{text}' is not valid for {name}.") from None


def flag(query: Query, name: str) -> bool | None:
    text = query.get(name)
    if text is None or text == "":
        return None
    if text.lower() not in ("true", "false"):
        raise KaseyaRefusal(400, f"The value '{text}' is not valid for {name}.")
    return text.lower() == "true"


def matches(value: object, wanted: object) -> bool:
    return wanted is None or value == wanted


def contains(value: str | None, wanted: str | None) -> bool:
    return not wanted or wanted.casefold() in (value or "").casefold()


def any_contains(values: Iterable[str | None], wanted: str | None) -> bool:
    return not wanted or any(contains(value, wanted) for value in values)
