"""The SQLAlchemy unit of work: one session, one transaction, one tenant."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from adapters.persistence.billing import (
    SqlAlchemyInvoiceRepository,
    SqlAlchemyPaymentMethodRepository,
    SqlAlchemyPaymentRepository,
    write_history,
)
from adapters.persistence.branding import SqlAlchemyBrandingRepository
from adapters.persistence.integrations import (
    SqlAlchemyConnectionRepository,
    SqlAlchemyOutboxWriter,
)
from adapters.persistence.links import SqlAlchemyLinkRepository
from adapters.persistence.quotes import (
    SqlAlchemyCatalogItemRepository,
    SqlAlchemyCategoryRepository,
    SqlAlchemyQuotePushRepository,
    SqlAlchemyQuoteRepository,
)
from adapters.persistence.records import (
    SqlAlchemyNotificationRepository,
    SqlAlchemyPsaRecordRepository,
)
from adapters.persistence.repositories import (
    SqlAlchemyApiKeyRepository,
    SqlAlchemyContactRepository,
    SqlAlchemyOrganizationRepository,
    SqlAlchemyPortalInvitationRepository,
    SqlAlchemyQuoteAcceptanceRepository,
    SqlAlchemyTenantRepository,
    Tracked,
)
from adapters.persistence.sync_jobs import SqlAlchemySyncJobCheckpoints
from application.shared.errors import ChangedMeanwhile, Conflict, StorageError
from application.shared.ports import Clock
from application.shared.unit_of_work import SyncPolicy
from domain.billing.payment import Payment
from domain.identity.tenant import TenantId
from domain.integrations.connection import ConnectionId
from domain.shared.events import DomainEvent


class SqlAlchemyUnitOfWork:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        tenant_id: TenantId,
        policy: SyncPolicy,
        clock: Clock,
        origin: ConnectionId | None = None,
    ) -> None:
        self._sessions = sessions
        self._policy = policy
        self._clock = clock
        self.tenant_id = tenant_id
        self.origin = origin
        self._seen: dict[int, Tracked] = {}
        self._events: list[DomainEvent] = []

    async def __aenter__(self) -> Self:
        self._session = self._sessions()
        args = (self._session, self.tenant_id, self._track)
        self.tenants = SqlAlchemyTenantRepository(*args)
        self.api_keys = SqlAlchemyApiKeyRepository(*args)
        self.portal_invitations = SqlAlchemyPortalInvitationRepository(*args)
        self.quote_acceptances = SqlAlchemyQuoteAcceptanceRepository(*args)
        self.organizations = SqlAlchemyOrganizationRepository(*args)
        self.contacts = SqlAlchemyContactRepository(*args)
        self.connections = SqlAlchemyConnectionRepository(*args)
        self.links = SqlAlchemyLinkRepository(self._session, self.tenant_id, self._clock)
        self.sync_jobs = SqlAlchemySyncJobCheckpoints(self._session, self.tenant_id)
        self.invoices = SqlAlchemyInvoiceRepository(*args)
        self.payments = SqlAlchemyPaymentRepository(*args)
        self.payment_methods = SqlAlchemyPaymentMethodRepository(*args)
        self.psa_records = SqlAlchemyPsaRecordRepository(*args)
        self.notifications = SqlAlchemyNotificationRepository(*args)
        self.categories = SqlAlchemyCategoryRepository(*args)
        self.catalog_items = SqlAlchemyCatalogItemRepository(*args)
        self.quotes = SqlAlchemyQuoteRepository(*args)
        self.quote_pushes = SqlAlchemyQuotePushRepository(self._session, self.tenant_id)
        self.branding = SqlAlchemyBrandingRepository(self._session, self.tenant_id)
        self.outbox = SqlAlchemyOutboxWriter(self._session, self.tenant_id, self._clock)
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
        # The repositories hold our ``_track``: a cycle. Drop what it keeps alive now rather
        # than at the next full garbage collection (a pull's pages would pile up until then).
        self._seen.clear()

    def _track(self, item: Tracked) -> None:
        self._seen[id(item)] = item

    async def commit(self) -> None:
        events = [event for item in self._seen.values() for event in item.pull_events()]
        payments = [item for item in self._seen.values() if isinstance(item, Payment)]
        try:
            if events or payments:
                # Written first so the policy reads what is being committed; the outbox
                # messages then join the same transaction (INT-5), as does payment history.
                await self._session.flush()
                for payment in payments:
                    entries = payment.pull_history()
                    await write_history(self._session, self.tenant_id, payment.id, entries)
                for message in await self._policy(self, events):
                    await self.outbox.add(message)
            await self._session.commit()
        except StaleDataError:
            await self._session.rollback()
            raise ChangedMeanwhile() from None
        except IntegrityError as error:
            await self._session.rollback()
            raise Conflict(f"the change conflicts with existing data: {error.orig}") from None
        except DBAPIError as error:
            await self._session.rollback()
            raise StorageError("the database could not save the change") from error
        self._events.extend(events)

    async def rollback(self) -> None:
        await self._session.rollback()

    def collect_events(self) -> list[DomainEvent]:
        events, self._events = self._events, []
        return events


class SqlAlchemyUnitOfWorkFactory:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], policy: SyncPolicy, clock: Clock
    ) -> None:
        self._sessions = sessions
        self._policy = policy
        self._clock = clock

    def __call__(
        self, tenant_id: TenantId, *, origin: ConnectionId | None = None
    ) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(self._sessions, tenant_id, self._policy, self._clock, origin)
