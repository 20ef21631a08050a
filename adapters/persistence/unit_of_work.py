"""The SQLAlchemy unit of work: one session, one transaction, one tenant."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from adapters.persistence.repositories import (
    SqlAlchemyApiKeyRepository,
    SqlAlchemyContactRepository,
    SqlAlchemyOrganizationRepository,
    SqlAlchemyTenantRepository,
    Tracked,
)
from application.shared.errors import Conflict, StorageError
from domain.identity.tenant import TenantId
from domain.shared.events import DomainEvent


class SqlAlchemyUnitOfWork:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], tenant_id: TenantId) -> None:
        self._sessions = sessions
        self.tenant_id = tenant_id
        self._seen: dict[int, Tracked] = {}
        self._events: list[DomainEvent] = []

    async def __aenter__(self) -> Self:
        self._session = self._sessions()
        args = (self._session, self.tenant_id, self._track)
        self.tenants = SqlAlchemyTenantRepository(*args)
        self.api_keys = SqlAlchemyApiKeyRepository(*args)
        self.organizations = SqlAlchemyOrganizationRepository(*args)
        self.contacts = SqlAlchemyContactRepository(*args)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed and detaches the loaded aggregates
        # without expiring them, so results stay readable after the unit of work ends.
        await self._session.close()

    def _track(self, item: Tracked) -> None:
        self._seen[id(item)] = item

    async def commit(self) -> None:
        try:
            await self._session.commit()
        except StaleDataError:
            await self._session.rollback()
            raise Conflict("someone else changed this record; reload and try again") from None
        except IntegrityError as error:
            await self._session.rollback()
            raise Conflict(f"the change conflicts with existing data: {error.orig}") from None
        except DBAPIError as error:
            await self._session.rollback()
            raise StorageError("the database could not save the change") from error
        for item in self._seen.values():
            self._events.extend(item.pull_events())

    async def rollback(self) -> None:
        await self._session.rollback()

    def collect_events(self) -> list[DomainEvent]:
        events, self._events = self._events, []
        return events


class SqlAlchemyUnitOfWorkFactory:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    def __call__(self, tenant_id: TenantId) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(self._sessions, tenant_id)
