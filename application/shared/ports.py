"""Ports every context uses: time and identifiers."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable
from uuid import UUID


class Clock(Protocol):
    """The current time, always timezone-aware UTC."""

    def now(self) -> datetime: ...


class IdGenerator(Protocol):
    def __call__(self) -> UUID: ...


@runtime_checkable
class DatabaseProbe(Protocol):
    """The health check's question to the database; raises when it cannot answer."""

    async def ping(self) -> None: ...

    async def close(self) -> None:
        """Release connections at shutdown."""
        ...
