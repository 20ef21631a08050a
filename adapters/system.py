"""The real clock and id generator."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from domain.shared.ids import new_id


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def uuid7() -> UUID:
    return new_id()
