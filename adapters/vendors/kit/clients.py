"""One vendor client per connection, made anew when the connection's config changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

from application.integrations.ports import ConnectionConfig
from domain.integrations.connection import ConnectionId


class _Client(Protocol):
    @property
    def connection(self) -> ConnectionConfig: ...

    async def aclose(self) -> None: ...


C = TypeVar("C", bound=_Client)


class PerConnection(Generic[C]):
    """Keeps each connection's client (its token cache, its zone) while the config holds."""

    def __init__(self, make: Callable[[ConnectionConfig], C]) -> None:
        self._make = make
        self._clients: dict[ConnectionId, C] = {}

    async def client(self, connection: ConnectionConfig) -> C:
        cached = self._clients.get(connection.connection_id)
        if cached is not None and cached.connection == connection:
            return cached
        client = self._make(connection)
        self._clients[connection.connection_id] = client
        if cached is not None:  # new credentials or base URL: the old client goes
            await cached.aclose()
        return client

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()
