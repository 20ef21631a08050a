"""The query string at the edge: no NUL character anywhere (PostgreSQL stores none), and dates
as the OpenAPI document writes them (Litestar alone reads ``created_to=0.5`` as a timestamp)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qsl

from litestar.params import ParameterKwarg
from litestar.types import Scope

from entrypoints.http.raw import Refused

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def check_query(scope: Scope) -> None:
    raw: bytes = scope["query_string"]
    if not raw:
        return
    given = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
    if b"%00" in raw.lower():
        for name, value in given:
            no_nul(name, "query")
            no_nul(value, name)
    for name, kind in _dated(scope.get("route_handler")).items():
        for value in (v for n, v in given if n == name):
            _check_date(name, value, kind)


def no_nul(text: str, field: str) -> None:
    if "\x00" in text:
        raise Refused(
            400, "invalid_character", "Invalid character", "text may not hold NUL (\\u0000)", field
        )


def _dated(handler: Any) -> dict[str, type]:
    """The handler's query parameters that are dates or date-times, by their query name."""
    found: dict[str, type] = {}
    if handler is None:
        return found
    for name, field in handler.parsed_fn_signature.parameters.items():
        if not isinstance(field.kwarg_definition, ParameterKwarg):
            continue
        types = {t.annotation for t in field.inner_types} or {field.annotation}
        kind = datetime if datetime in types else date if date in types else None
        if kind is not None:
            found[field.kwarg_definition.query or name] = kind
    return found


def _check_date(name: str, value: str, kind: type) -> None:
    shape, example = (
        (_DATE_TIME, "2026-11-01T00:00:00Z") if kind is datetime else (_DATE, "2026-11-01")
    )
    try:
        ok = bool(shape.fullmatch(value)) and bool(kind.fromisoformat(value))  # type: ignore[attr-defined]
    except ValueError:
        ok = False
    if not ok:
        raise Refused(
            400, "validation", "The request is not valid", f"{name} is not like {example}", name
        )
