"""A per-process cache in front of the external links store.

A link, once made, never changes (the hub has no way to unlink), so a found link can be kept;
only misses go to the database. Bounded, least recently used out first.
"""

from __future__ import annotations

from collections import OrderedDict
from uuid import UUID

from application.integrations.ports import ExternalLinks
from domain.integrations.connection import ConnectionId

Key = tuple[ConnectionId, str, UUID]


class CachedExternalLinks:
    def __init__(self, store: ExternalLinks, capacity: int = 100_000) -> None:
        self._store = store
        self._capacity = capacity
        self._found: OrderedDict[Key, str] = OrderedDict()

    async def find(
        self, connection_id: ConnectionId, entity_type: str, entity_id: UUID
    ) -> str | None:
        key = (connection_id, entity_type, entity_id)
        if (cached := self._found.get(key)) is not None:
            self._found.move_to_end(key)
            return cached
        found = await self._store.find(connection_id, entity_type, entity_id)
        if found is not None:
            self._remember(key, found)
        return found

    async def find_entity(
        self, connection_id: ConnectionId, entity_type: str, external_id: str
    ) -> UUID | None:
        return await self._store.find_entity(connection_id, entity_type, external_id)

    async def link(
        self, connection_id: ConnectionId, entity_type: str, entity_id: UUID, external_id: str
    ) -> None:
        await self._store.link(connection_id, entity_type, entity_id, external_id)
        # What is stored wins (a concurrent delivery may have linked first): ask once.
        stored = await self._store.find(connection_id, entity_type, entity_id)
        if stored is not None:
            self._remember((connection_id, entity_type, entity_id), stored)

    def _remember(self, key: Key, external_id: str) -> None:
        self._found[key] = external_id
        if len(self._found) > self._capacity:
            self._found.popitem(last=False)
