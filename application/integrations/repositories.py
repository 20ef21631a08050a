"""Repository ports of the integrations context."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.integrations.connection import Connection, ConnectionId, Family


class ConnectionRepository(Protocol):
    async def add(self, connection: Connection) -> None: ...

    async def get(self, connection_id: ConnectionId) -> Connection: ...

    async def all(self) -> list[Connection]: ...

    async def enabled(self) -> list[Connection]: ...

    async def enabled_of(self, family: Family) -> Connection | None:
        """The family's enabled connection: one PSA, one accounting system, one gateway."""
        ...


class LinkRepository(Protocol):
    """External links (INT-4) inside the unit of work: a pulled page reads its links and writes
    new ones in the transaction that writes what they link, so neither is kept without the other.
    """

    async def linked(
        self, connection_id: ConnectionId, entity_type: str, external_ids: Collection[str]
    ) -> dict[str, UUID]:
        """The hub ids of those external ids that are linked, by external id, in one query."""
        ...

    async def external_ids(
        self, connection_id: ConnectionId, entity_type: str, entity_ids: Collection[UUID]
    ) -> dict[UUID, str]:
        """The other way: the external ids of those hub ids that are linked, by hub id, in one
        query (a pulled organization's references the PSA may not know yet)."""
        ...

    async def add(
        self, connection_id: ConnectionId, links: Sequence[tuple[str, UUID, str]]
    ) -> None:
        """(entity type, hub id, external id) each; one linked already, on either side, is left
        as it is (a concurrent delivery may have linked it first)."""
        ...


class SyncJobCheckpoints(Protocol):
    """A pull's checkpoint, written in the transaction of the page it follows (PAY-12): a pull
    killed between pages resumes after the last page applied, and applies it only once."""

    async def checkpoint(
        self,
        job_id: UUID,
        owner: str,
        checkpoint: str | None,
        records: int,
        lease_until: datetime,
    ) -> None:
        """Ignored when ``owner`` no longer holds the job (its lease was taken)."""
        ...
