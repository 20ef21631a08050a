"""The unit of work: one transaction over the repositories of one tenant."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import Protocol, Self

from application.billing.repositories import (
    InvoiceRepository,
    PaymentMethodRepository,
    PaymentRepository,
)
from application.catalog.ports import CatalogItemRepository, CategoryRepository
from application.crm.ports import ContactRepository, OrganizationRepository, PsaRecordRepository
from application.identity.ports import (
    ApiKeyRepository,
    BrandingRepository,
    PortalInvitationRepository,
    TenantRepository,
)
from application.integrations.outbox import NewOutboxMessage, OutboxWriter
from application.integrations.repositories import (
    ConnectionRepository,
    LinkRepository,
    SyncJobCheckpoints,
)
from application.notifications.ports import NotificationRepository
from application.quotes.repositories import (
    QuoteAcceptanceRepository,
    QuotePushRepository,
    QuoteRepository,
)
from domain.identity.tenant import TenantId
from domain.integrations.connection import ConnectionId
from domain.shared.events import DomainEvent


class UnitOfWork(Protocol):
    """Rolls back unless committed. Every repository sees only ``tenant_id``'s rows."""

    # Read-only members, so each adapter may expose its own repository classes.
    @property
    def tenant_id(self) -> TenantId: ...

    @property
    def tenants(self) -> TenantRepository: ...

    @property
    def api_keys(self) -> ApiKeyRepository: ...

    @property
    def branding(self) -> BrandingRepository: ...

    @property
    def portal_invitations(self) -> PortalInvitationRepository: ...

    @property
    def organizations(self) -> OrganizationRepository: ...

    @property
    def contacts(self) -> ContactRepository: ...

    @property
    def connections(self) -> ConnectionRepository: ...

    @property
    def links(self) -> LinkRepository: ...

    @property
    def sync_jobs(self) -> SyncJobCheckpoints: ...

    @property
    def invoices(self) -> InvoiceRepository: ...

    @property
    def payments(self) -> PaymentRepository: ...

    @property
    def payment_methods(self) -> PaymentMethodRepository: ...

    @property
    def psa_records(self) -> PsaRecordRepository: ...

    @property
    def notifications(self) -> NotificationRepository: ...

    @property
    def categories(self) -> CategoryRepository: ...

    @property
    def catalog_items(self) -> CatalogItemRepository: ...

    @property
    def quotes(self) -> QuoteRepository: ...

    @property
    def quote_acceptances(self) -> QuoteAcceptanceRepository: ...

    @property
    def quote_pushes(self) -> QuotePushRepository: ...

    @property
    def outbox(self) -> OutboxWriter: ...

    @property
    def origin(self) -> ConnectionId | None:
        """The connection a pulled change came from, so policies do not echo it back."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None:
        """Make every change durable at once, with the outbox messages the sync policy asks
        for (INT-5); raises Conflict on a concurrent edit."""
        ...

    async def rollback(self) -> None: ...

    def collect_events(self) -> list[DomainEvent]:
        """Events recorded by the aggregates this unit of work saw, once committed."""
        ...


class UnitOfWorkFactory(Protocol):
    def __call__(
        self, tenant_id: TenantId, *, origin: ConnectionId | None = None
    ) -> UnitOfWork: ...


# Called inside commit with the events of the aggregates the unit of work saw.
SyncPolicy = Callable[[UnitOfWork, Sequence[DomainEvent]], Awaitable[list[NewOutboxMessage]]]
