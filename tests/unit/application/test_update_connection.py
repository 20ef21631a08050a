"""A person's change to a connection while the worker writes it (INT-3).

The worker writes a connection as it works (a test's status, a pull's time, a rotated token).
A change asked for meanwhile ("turn it off", "these settings") depends on nothing it read, so
``UpdateConnection`` reads the connection again and applies it, rather than answer "someone else
changed this record" (the demo's switch to ConnectWise met it right after ``q2c serve``'s first
pull). A change that keeps meeting one gives up after a few tries, with that conflict.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from application.integrations.connections import ConnectionChanges, UpdateConnection
from application.shared.errors import ChangedMeanwhile
from domain.identity.tenant import TenantId
from domain.integrations.connection import ConnectionId
from entrypoints.containers import Container
from tests.support.factories import NOW
from tests.support.sync import tenant_with_autotask


class _RacedConnections:
    """The unit of work's connections, with the worker writing the one read right after."""

    def __init__(self, inner: Any, race: Any) -> None:
        self._inner, self._race = inner, race

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def get(self, connection_id: ConnectionId) -> Any:
        found = await self._inner.get(connection_id)
        await self._race(connection_id)
        return found


class _RacedUnitOfWork:
    def __init__(self, inner: Any, race: Any) -> None:
        self._inner = inner
        self.connections = _RacedConnections(inner.connections, race)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class Racing:
    """A unit of work factory over the real one: the first ``races`` reads of a connection are
    each followed by the worker's write of it, committed before the reader commits."""

    def __init__(self, factory: Any, races: int) -> None:
        self._factory, self.races = factory, races

    @asynccontextmanager
    async def __call__(self, tenant_id: TenantId) -> AsyncIterator[Any]:
        async def race(connection_id: ConnectionId) -> None:
            if self.races == 0:
                return
            self.races -= 1
            async with self._factory(tenant_id) as worker:
                connection = await worker.connections.get(connection_id)
                connection.record_test(False, f"the worker, {self.races} more to go", NOW)
                await worker.commit()

        async with self._factory(tenant_id) as uow:
            yield _RacedUnitOfWork(uow, race)


def _update(container: Container, races: int) -> tuple[UpdateConnection, Racing]:
    racing = Racing(container.persistence.uow(), races)
    update = UpdateConnection(
        racing,  # type: ignore[arg-type]
        container.security.vault(),
        container.core.clock(),
    )
    return update, racing


async def test_a_change_made_while_the_worker_writes_the_connection_is_applied(
    memory_container: Container,
) -> None:  # INT-3
    tenant, connection = await tenant_with_autotask(memory_container)
    update, racing = _update(memory_container, races=1)
    changed = await update(tenant, connection.id, ConnectionChanges(enabled=False))
    assert racing.races == 0  # the worker did write it meanwhile
    assert changed.enabled is False
    async with memory_container.persistence.uow()(tenant) as uow:
        assert (await uow.connections.get(connection.id)).enabled is False


async def test_a_change_that_keeps_meeting_the_worker_gives_up_with_the_conflict(
    memory_container: Container,
) -> None:  # INT-3
    tenant, connection = await tenant_with_autotask(memory_container)
    update, _ = _update(memory_container, races=UpdateConnection.TRIES)
    with pytest.raises(ChangedMeanwhile, match="someone else changed this record"):
        await update(tenant, connection.id, ConnectionChanges(enabled=False))
    async with memory_container.persistence.uow()(tenant) as uow:
        assert (await uow.connections.get(connection.id)).enabled is True
