"""The transactional outbox: what use cases record, and what the worker takes (INT-5, INT-6)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from application.integrations.messages import Message
from application.integrations.ports import OutboxMessage
from domain.identity.tenant import TenantId
from domain.integrations.connection import ConnectionId


@dataclass(frozen=True)
class NewOutboxMessage:
    """A message for one connection about one aggregate; stored as ``encode(body)``."""

    connection_id: ConnectionId
    aggregate_type: str
    aggregate_id: UUID
    body: Message

    @property
    def kind(self) -> str:
        return self.body.kind


class OutboxWriter(Protocol):
    """Adds messages to the unit of work's transaction: they commit with the change, or not."""

    async def add(self, message: NewOutboxMessage) -> None: ...


@dataclass(frozen=True)
class SyncErrorRecord:
    id: UUID
    tenant_id: TenantId
    connection_id: ConnectionId
    outbox_id: int | None
    kind: str
    entity_type: str
    entity_id: UUID
    message: str
    status: str  # open | dismissed | resolved
    attempts: int
    created_at: datetime
    updated_at: datetime


class OutboxQueue(Protocol):
    """The worker's side of the outbox. Leases make a crashed worker's claims come back."""

    async def claim(self, owner: str, limit: int, lease_seconds: float) -> list[OutboxMessage]:
        """Due messages, at most one per aggregate (the oldest), leased to ``owner``."""
        ...

    async def extend(self, owner: str, ids: Sequence[int], lease_seconds: float) -> set[int]:
        """Renew the leases ``owner`` still holds (a heartbeat); returns their ids."""
        ...

    async def complete(self, owner: str, messages: Sequence[OutboxMessage]) -> None:
        """Mark delivered, and resolve open sync errors of the same entities (INT-6, CW-8)."""
        ...

    async def retry(
        self,
        owner: str,
        message: OutboxMessage,
        at: datetime,
        error: str,
        *,
        count_attempt: bool = True,
    ) -> None: ...

    async def fail(self, owner: str, message: OutboxMessage, error: str) -> None:
        """Give up: the message becomes (or updates) a sync error with the vendor's message."""
        ...

    async def requeue(self, tenant_id: TenantId, outbox_id: int) -> bool:
        """A sync error's retry: deliver the message again, now. False when there is none."""
        ...

    async def pending(self) -> int: ...
