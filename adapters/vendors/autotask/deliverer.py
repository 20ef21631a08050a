"""What every Autotask deliverer shares: its one message kind, the connections' clients, links.

The clients are shared by every Autotask adapter and closed by their owner, the composition root.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from adapters.vendors.autotask.client import AutotaskClients
from application.integrations.ports import (
    ConnectionConfig,
    ExternalLinks,
    OutboxMessage,
    VendorRejected,
)


class AutotaskDeliverer(ABC):
    """A deliverer of ``kind`` messages; any other kind is refused before any call."""

    kind: ClassVar[str]

    def __init__(self, clients: AutotaskClients, links: ExternalLinks) -> None:
        self._clients = clients
        self._links = links

    async def deliver(self, message: OutboxMessage, connection: ConnectionConfig) -> None:
        if message.kind != self.kind:
            raise VendorRejected(f"Autotask cannot deliver {message.kind!r} messages here")
        await self._deliver(message, connection)

    @abstractmethod
    async def _deliver(self, message: OutboxMessage, connection: ConnectionConfig) -> None: ...
