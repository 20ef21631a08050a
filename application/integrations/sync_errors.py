"""Sync errors: listed with the vendor's message, retried or dismissed by a user (INT-6, CW-8)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from application.integrations.outbox import OutboxQueue, SyncErrorRecord
from application.shared.errors import Conflict, NotFound
from application.shared.pagination import Page, PageRequest, page_of
from domain.identity.tenant import TenantId
from domain.integrations.connection import ConnectionId


@dataclass(frozen=True, kw_only=True)
class SyncErrorFilter:
    connection_id: ConnectionId | None = None
    kind: str | None = None
    entity_id: UUID | None = None
    status: str | None = "open"


class SyncErrorStore(Protocol):
    async def list(
        self, tenant_id: TenantId, where: SyncErrorFilter, page: PageRequest
    ) -> list[SyncErrorRecord]: ...

    async def get(self, tenant_id: TenantId, error_id: UUID) -> SyncErrorRecord | None: ...

    async def set_status(self, tenant_id: TenantId, error_id: UUID, status: str) -> None: ...


class SyncErrors:
    def __init__(self, store: SyncErrorStore, queue: OutboxQueue) -> None:
        self._store = store
        self._queue = queue

    async def page(
        self, tenant_id: TenantId, where: SyncErrorFilter, page: PageRequest
    ) -> Page[SyncErrorRecord]:
        return page_of(await self._store.list(tenant_id, where, page), page)

    async def _open(self, tenant_id: TenantId, error_id: UUID) -> SyncErrorRecord:
        found = await self._store.get(tenant_id, error_id)
        if found is None:
            raise NotFound(f"sync error {error_id} not found")
        return found

    async def retry(self, tenant_id: TenantId, error_id: UUID) -> SyncErrorRecord:
        """Deliver again now; the error stays listed until a delivery succeeds (CW-8)."""
        error = await self._open(tenant_id, error_id)
        if error.status != "open" or error.outbox_id is None:
            raise Conflict(f"only an open sync error can be retried; this one is {error.status}")
        if not await self._queue.requeue(tenant_id, error.outbox_id):
            raise Conflict("this sync error is being retried already")
        return error

    async def dismiss(self, tenant_id: TenantId, error_id: UUID) -> SyncErrorRecord:
        error = await self._open(tenant_id, error_id)
        await self._store.set_status(tenant_id, error_id, "dismissed")
        return await self._open(tenant_id, error.id)
