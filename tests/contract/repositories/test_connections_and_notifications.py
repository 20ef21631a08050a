"""Connections (one enabled per family, PAY-10) and notifications written with their change."""

from __future__ import annotations

import pytest

from application.shared.errors import Conflict
from domain.integrations.connection import Family, System
from domain.notifications.notification import NotificationStatus
from tests.contract.repositories.conftest import World
from tests.support.factories import NOW

pytestmark = pytest.mark.usefixtures("alone")


async def test_connections_all_enabled_and_by_family(world: World) -> None:  # PAY-10
    books, gateway = world.connection(System.QUICKBOOKS), world.connection(System.BNG)
    old_books = world.connection(System.QUICKBOOKS)
    old_books.disable(NOW)
    await world.save(books, gateway, old_books)
    async with world.uow() as uow:
        assert [c.id for c in await uow.connections.all()] == sorted(
            [world.psa.id, books.id, gateway.id, old_books.id]
        )
        assert [c.id for c in await uow.connections.enabled()] == sorted(
            [world.psa.id, books.id, gateway.id]
        )
        found = await uow.connections.enabled_of(Family.ACCOUNTING)
        assert found is not None
        assert found.id == books.id
        assert (await uow.connections.get(old_books.id)).enabled is False


async def test_one_enabled_connection_per_family(world: World) -> None:  # PAY-10
    await world.save(world.connection(System.BNG))
    with pytest.raises(Conflict):
        await world.save(world.connection(System.BNG))
    async with world.uow() as uow:
        assert await uow.connections.enabled_of(Family.PAYMENTS) is not None
        assert await uow.connections.enabled_of(Family.PAYMENTS) is not None
        assert len([c for c in await uow.connections.all() if c.family is Family.PAYMENTS]) == 1


async def test_enabling_a_second_connection_of_a_family_is_a_conflict(world: World) -> None:
    other = world.connection(System.KASEYA_BMS)
    other.disable(NOW)
    await world.save(other)
    async with world.uow() as uow:
        (await uow.connections.get(other.id)).enable(NOW)
        with pytest.raises(Conflict):
            await uow.commit()
    async with world.uow() as uow:
        assert (await uow.connections.enabled_of(Family.PSA)).id == world.psa.id  # type: ignore[union-attr]


async def test_notifications_are_queued_with_their_commit_only(world: World) -> None:  # PAY-13
    queue = world.stack.persistence.notification_queue()
    kept, dropped = world.notification("Kept"), world.notification("Dropped")
    await world.save(kept)
    async with world.uow() as uow:
        await uow.notifications.add(dropped)
    claimed = await queue.claim("sender-1", 1000, 30.0)
    mine = [n for n in claimed if n.tenant_id == world.tenant]
    assert [n.title for n in mine] == ["Kept"]
    assert mine[0].status is NotificationStatus.PENDING
