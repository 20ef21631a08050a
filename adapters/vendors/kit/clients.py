"""One vendor client per connection, made anew when the connection's config changes."""

from __future__ import annotations

import asyncio
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
    """Keeps each connection's client (its token cache, its zone) while the config holds.

    A client replaced because the config changed (new credentials, base URL or settings) is
    retired, not closed at once: a call already under way with it (a push, a search, a page of
    a pull) finishes on its connections. It is closed ``RETIRE_SECONDS`` later, longer than any
    call may take, or at shutdown, whichever comes first.
    """

    RETIRE_SECONDS = 120.0

    def __init__(self, make: Callable[[ConnectionConfig], C]) -> None:
        self._make = make
        self._clients: dict[ConnectionId, C] = {}
        self._retired: dict[C, asyncio.TimerHandle] = {}
        self._closing: set[asyncio.Task[None]] = set()

    async def client(self, connection: ConnectionConfig) -> C:
        cached = self._clients.get(connection.connection_id)
        if cached is not None and cached.connection == connection:
            return cached
        client = self._make(connection)
        self._clients[connection.connection_id] = client
        if cached is not None:  # new credentials or base URL: the old client goes, later
            self._retire(cached)
        return client

    def _retire(self, client: C) -> None:
        loop = asyncio.get_running_loop()
        self._retired[client] = loop.call_later(self.RETIRE_SECONDS, self._close_retired, client)

    def _close_retired(self, client: C) -> None:
        if self._retired.pop(client, None) is None:
            return
        task = asyncio.ensure_future(client.aclose())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        retired, self._retired = dict(self._retired), {}
        for timer in retired.values():
            timer.cancel()
        await asyncio.gather(*list(self._closing), return_exceptions=True)
        for client in [*clients, *retired]:
            await client.aclose()
