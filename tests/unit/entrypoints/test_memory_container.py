"""The in-memory persistence family provides every port the hub asks of a family."""

from __future__ import annotations

import pytest

from adapters.persistence.memory import InMemoryDatabase
from entrypoints.containers import PERSISTENCE_PORTS, Container


@pytest.mark.parametrize("port", PERSISTENCE_PORTS)
def test_the_memory_family_has_no_none_port(memory_container: Container, port: str) -> None:
    provided = getattr(memory_container.persistence, port)()
    assert provided is not None
    name = type(provided).__name__
    assert name.startswith(("InMemory", "Cached")), name  # no database behind it


def test_the_memory_stores_share_one_database(memory_container: Container) -> None:
    persistence = memory_container.persistence
    databases = {
        id(getattr(persistence.uow(), "db", None)),
        id(getattr(persistence.outbox(), "_db", None)),
        id(getattr(persistence.sync_errors(), "_db", None)),
        id(getattr(persistence.notification_queue(), "_db", None)),
        id(getattr(persistence.payment_watchlist(), "_db", None)),
    }
    assert len(databases) == 1
    assert isinstance(persistence.uow().db, InMemoryDatabase)
