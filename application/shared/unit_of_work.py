"""The unit of work: one transaction over the repositories of one tenant."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from application.crm.ports import ContactRepository, OrganizationRepository
from application.identity.ports import ApiKeyRepository, TenantRepository
from domain.identity.tenant import TenantId
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
    def organizations(self) -> OrganizationRepository: ...

    @property
    def contacts(self) -> ContactRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None:
        """Make every change durable at once; raises Conflict on a concurrent edit."""
        ...

    async def rollback(self) -> None: ...

    def collect_events(self) -> list[DomainEvent]:
        """Events recorded by the aggregates this unit of work saw, once committed."""
        ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, tenant_id: TenantId) -> UnitOfWork: ...
