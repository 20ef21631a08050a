"""Repository port of the integrations context."""

from __future__ import annotations

from typing import Protocol

from domain.integrations.connection import Connection, ConnectionId, Family


class ConnectionRepository(Protocol):
    async def add(self, connection: Connection) -> None: ...

    async def get(self, connection_id: ConnectionId) -> Connection: ...

    async def all(self) -> list[Connection]: ...

    async def enabled(self) -> list[Connection]: ...

    async def enabled_of(self, family: Family) -> Connection | None:
        """The family's enabled connection: one PSA, one accounting system, one gateway."""
        ...
