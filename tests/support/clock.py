"""A clock that says what the test tells it (the Clock port)."""

from __future__ import annotations

from datetime import datetime


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now
