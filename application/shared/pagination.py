"""Keyset pagination with opaque cursors: every row is seen exactly once, even under inserts."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar
from uuid import UUID

from application.shared.errors import ApplicationError


class HasId(Protocol):
    @property
    def id(self) -> UUID: ...


T = TypeVar("T", bound=HasId)

MAX_LIMIT = 200
DEFAULT_LIMIT = 50


class InvalidCursor(ApplicationError):
    code = "invalid_cursor"


@dataclass(frozen=True)
class PageRequest:
    """Rows after ``after`` (ids ascending), at most ``limit`` of them."""

    limit: int = DEFAULT_LIMIT
    after: UUID | None = None

    @classmethod
    def parse(cls, limit: int | None, cursor: str | None) -> PageRequest:
        size = DEFAULT_LIMIT if limit is None else limit
        if not 1 <= size <= MAX_LIMIT:
            raise InvalidCursor(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
        return cls(limit=size, after=decode_cursor(cursor) if cursor else None)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    next_cursor: str | None


def encode_cursor(last_id: UUID) -> str:
    return base64.urlsafe_b64encode(last_id.bytes).decode().rstrip("=")


def decode_cursor(cursor: str) -> UUID:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return UUID(bytes=raw)
    except (binascii.Error, ValueError):
        raise InvalidCursor("cursor is not one this API returned", field="cursor") from None


def page_of(rows: Sequence[T], request: PageRequest) -> Page[T]:
    """Build a page from ``limit + 1`` fetched rows: the extra row only says there is more."""
    items = rows[: request.limit]
    more = len(rows) > request.limit
    return Page(items=items, next_cursor=encode_cursor(items[-1].id) if more else None)
