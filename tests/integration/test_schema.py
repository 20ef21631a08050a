"""Migrations and mappings agree, and every adapter satisfies its port (checked by mypy too)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from adapters.persistence.billing import SqlAlchemyPaymentWatchlist
from adapters.persistence.database import SqlAlchemyProbe, create_engine, session_factory
from adapters.persistence.directory import SqlAlchemyDirectory
from adapters.persistence.idempotency import SqlAlchemyIdempotencyStore
from adapters.persistence.links import SqlAlchemyExternalLinks
from adapters.persistence.memory import (
    InMemoryDatabase,
    InMemoryDirectory,
    InMemoryProbe,
    InMemoryUnitOfWorkFactory,
)
from adapters.persistence.memory_idempotency import InMemoryIdempotencyStore
from adapters.persistence.memory_sync import (
    InMemoryExternalLinks,
    InMemoryNotificationQueue,
    InMemoryOutboxQueue,
    InMemoryPaymentWatchlist,
    InMemorySyncErrors,
    InMemorySyncJobs,
)
from adapters.persistence.outbox import SqlAlchemyOutboxQueue
from adapters.persistence.records import SqlAlchemyNotificationQueue
from adapters.persistence.sync_errors import SqlAlchemySyncErrors
from adapters.persistence.sync_jobs import SqlAlchemySyncJobs
from adapters.persistence.tables import metadata
from adapters.persistence.unit_of_work import SqlAlchemyUnitOfWorkFactory
from adapters.security.api_keys import Sha256ApiKeySecrets
from adapters.system import SystemClock, uuid7
from application.billing.watch import PaymentWatchlist
from application.identity.ports import ApiKeySecrets, Directory
from application.integrations.outbox import OutboxQueue
from application.integrations.policies import sync_policy
from application.integrations.ports import ExternalLinks
from application.integrations.pulls import SyncJobStore
from application.integrations.sync_errors import SyncErrorStore
from application.notifications.ports import NotificationQueue
from application.shared.idempotency import IdempotencyStore
from application.shared.ports import Clock, DatabaseProbe
from application.shared.unit_of_work import UnitOfWorkFactory


async def test_migrations_create_exactly_the_mapped_schema(database_url: str) -> None:
    engine = create_engine(database_url)

    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(differences) == []
    finally:
        await engine.dispose()


async def test_real_and_fake_adapters_implement_the_ports() -> None:
    engine = create_engine("sqlite+aiosqlite://")
    sessions, db, clock = session_factory(engine), InMemoryDatabase(), SystemClock()
    unit_of_work: list[UnitOfWorkFactory] = [
        SqlAlchemyUnitOfWorkFactory(sessions, sync_policy, clock),
        InMemoryUnitOfWorkFactory(db, sync_policy),
    ]
    directories: list[Directory] = [SqlAlchemyDirectory(sessions), InMemoryDirectory(db)]
    stores: list[IdempotencyStore] = [
        SqlAlchemyIdempotencyStore(sessions),
        InMemoryIdempotencyStore(),
    ]
    probes: list[DatabaseProbe] = [SqlAlchemyProbe(engine), InMemoryProbe()]
    secrets: ApiKeySecrets = Sha256ApiKeySecrets()
    clocks: list[Clock] = [clock]
    assert all(isinstance(p, DatabaseProbe) for p in probes)
    queues: list[OutboxQueue] = [
        SqlAlchemyOutboxQueue(sessions, clock, uuid7),
        InMemoryOutboxQueue(db, clock, uuid7),
    ]
    errors: list[SyncErrorStore] = [
        SqlAlchemySyncErrors(sessions, clock),
        InMemorySyncErrors(db, clock),
    ]
    links: list[ExternalLinks] = [
        SqlAlchemyExternalLinks(sessions, clock),
        InMemoryExternalLinks(db),
    ]
    jobs: list[SyncJobStore] = [
        SqlAlchemySyncJobs(sessions, clock, uuid7),
        InMemorySyncJobs(db, clock, uuid7),
    ]
    notifications: list[NotificationQueue] = [
        SqlAlchemyNotificationQueue(sessions, clock),
        InMemoryNotificationQueue(db, clock),
    ]
    watchlists: list[PaymentWatchlist] = [
        SqlAlchemyPaymentWatchlist(sessions),
        InMemoryPaymentWatchlist(db),
    ]
    assert len(unit_of_work) == len(directories) == len(stores) == 2
    assert all(isinstance(j, SyncJobStore) for j in jobs)
    assert len(queues) == len(errors) == len(links) == len(notifications) == len(watchlists)
    assert secrets.prefix_of(secrets.issue().plaintext) is not None
    assert clocks[0].now().tzinfo is not None
    await engine.dispose()
