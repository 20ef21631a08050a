"""A system's callback about a changed record: an immediate pull (CW-8).

Optional per connection: a connection takes callbacks only when an admin gave it a
``callback_key`` (a write-only credential, sealed like the others) and the system posts to the
hook with that key. The payload is not trusted: it only says which kind of record changed; the
pull then reads the connection's changes from the system itself (``lastUpdated``), as polling
does, which stays the source of truth. A wrong key, an unknown or disabled connection, or one
that takes no callbacks, all answer the same ``NotFound``: nothing to probe.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from application.integrations.ports import CredentialVault
from application.integrations.pulls import ENTITY_SEPARATOR, SyncJob, SyncNow, pull_plan
from application.shared.errors import NotFound
from application.shared.unit_of_work import UnitOfWorkFactory
from domain.identity.tenant import TenantId
from domain.integrations.connection import (
    CALLBACK_KEY,  # the credential a key must match
    ConnectionId,
    System,
)


class ConnectionTenants(Protocol):
    async def tenant_of_connection(self, connection_id: UUID) -> TenantId | None: ...


@dataclass(frozen=True)
class Callback:
    """What a callback says: to which connection, with which key, and which of the hub's
    entities changed (None: a kind of record the hub does not pull)."""

    system: System
    connection_id: UUID
    key: str
    entity: str | None


class ReceiveCallback:
    def __init__(
        self,
        tenants: ConnectionTenants,
        uow: UnitOfWorkFactory,
        vault: CredentialVault,
        sync_now: SyncNow,
    ) -> None:
        self._tenants, self._uow, self._vault, self._sync_now = tenants, uow, vault, sync_now

    async def __call__(self, callback: Callback) -> list[SyncJob]:
        """The pull requested (an open one is reused), or none for a record the connection
        does not pull."""
        unknown = NotFound("no such hook")
        tenant = await self._tenants.tenant_of_connection(callback.connection_id)
        if tenant is None:
            raise unknown
        async with self._uow(tenant) as uow:
            try:
                connection = await uow.connections.get(ConnectionId(callback.connection_id))
            except NotFound:
                raise unknown from None
        key = self._vault.open(connection.credentials).get(CALLBACK_KEY, "")
        if (
            connection.system is not callback.system
            or not connection.enabled
            or not key
            or not hmac.compare_digest(key.encode(), callback.key.encode())
        ):
            raise unknown
        plan = pull_plan(connection)
        if callback.entity is None or plan is None:
            return []
        if callback.entity not in plan.split(ENTITY_SEPARATOR):
            return []
        return await self._sync_now(tenant, connection.id)
