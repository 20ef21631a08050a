"""SQLAlchemy repositories. Each is bound to one tenant and filters every query by it."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Collection
from typing import Any, Generic, Protocol, TypeVar
from uuid import UUID

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence import tables
from application.crm.ports import ContactFilter, OrganizationFilter
from application.shared.errors import NotFound
from application.shared.pagination import PageRequest
from domain.crm.contact import Contact
from domain.crm.organization import ContactId, Organization, OrganizationId
from domain.identity.access import ApiKey, ApiKeyId
from domain.identity.invitation import PortalInvitation, PortalInvitationId
from domain.identity.tenant import Tenant, TenantId
from domain.quotes.acceptance import QuoteAcceptance
from domain.quotes.quote import QuoteId
from domain.shared.events import DomainEvent


class Tracked(Protocol):
    """What the unit of work keeps of each aggregate it saw: its events."""

    def pull_events(self) -> list[DomainEvent]: ...


class _Owned(Tracked, Protocol):
    @property
    def id(self) -> UUID: ...

    @property
    def tenant_id(self) -> TenantId: ...


A = TypeVar("A", bound=_Owned)
Seen = Callable[[Tracked], None]
IN_CHUNK = (
    1000  # ids in one ``IN (...)``: a pulled page's at most, well inside both databases' limits
)


def contains(column: Any, text: str) -> ColumnElement[bool]:
    """Case-insensitive substring match with LIKE's wildcards escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern: ColumnElement[bool] = func.lower(column).like(f"%{escaped.lower()}%", escape="\\")
    return pattern


class _TenantRepository(Generic[A]):
    """Shared mechanics: tenant scoping, tracking what was seen, keyset paging."""

    entity: type[A]
    table: Any
    noun: str

    def __init__(self, session: AsyncSession, tenant_id: TenantId, seen: Seen) -> None:
        self._session = session
        self._tenant_id = tenant_id
        self._seen = seen

    def _select(self) -> Select[tuple[A]]:
        return select(self.entity).where(self.table.c.tenant_id == self._tenant_id)

    async def add(self, item: A) -> None:
        if item.tenant_id != self._tenant_id:
            raise ValueError(f"this unit of work belongs to another tenant than the {self.noun}")
        self._session.add(item)
        self._seen(item)

    def _tracked(self, item: A) -> A:
        self._seen(item)
        return item

    async def _get(self, item_id: UUID, *, lock: bool = False) -> A:
        """``lock`` holds the row until commit (PostgreSQL; SQLite has one writer anyway).

        Without a lock, an aggregate this unit of work already loaded is served from the
        session without another query (the sync policy reads what the commit is writing).
        """
        if lock:
            query = self._select().where(self.table.c.id == item_id).with_for_update()
            found = (await self._session.scalars(query)).one_or_none()
        else:
            found = await self._session.get(self.entity, item_id)
        if found is None or found.tenant_id != self._tenant_id:
            raise NotFound(f"{self.noun} {item_id} not found")
        if lock:
            await self._session.refresh(found)  # a locked read must see the newest row
        self._seen(found)
        return found

    async def _get_many(self, item_ids: Collection[UUID]) -> dict[Any, A]:
        """The tenant's rows of these ids, one query for every ``IN_CHUNK`` of them."""
        wanted = list(dict.fromkeys(item_ids))
        found: dict[Any, A] = {}
        for start in range(0, len(wanted), IN_CHUNK):
            chunk = wanted[start : start + IN_CHUNK]
            for item in (
                await self._session.scalars(self._select().where(self.table.c.id.in_(chunk)))
            ).all():
                found[item.id] = self._tracked(item)
        return found

    async def _page(self, conditions: list[ColumnElement[bool]], page: PageRequest) -> list[A]:
        query = self._select().where(*conditions)
        if page.after is not None:
            query = query.where(self.table.c.id > page.after)
        rows = list(
            (
                await self._session.scalars(query.order_by(self.table.c.id).limit(page.limit + 1))
            ).all()
        )
        for row in rows:
            self._seen(row)
        return rows


class SqlAlchemyOrganizationRepository(_TenantRepository[Organization]):
    entity = Organization
    table = tables.organizations
    noun = "organization"

    async def get(self, organization_id: OrganizationId) -> Organization:
        return await self._get(organization_id)

    async def get_many(
        self, organization_ids: Collection[OrganizationId]
    ) -> dict[OrganizationId, Organization]:
        return await self._get_many(organization_ids)

    async def list(self, where: OrganizationFilter, page: PageRequest) -> list[Organization]:
        c = self.table.c
        conditions: list[ColumnElement[bool]] = []
        if where.status is not None:
            conditions.append(c.status == where.status)
        if where.type is not None:
            conditions.append(c.type == where.type)
        if where.parent_id is not None:
            conditions.append(c.parent_id == where.parent_id)
        if where.search:
            conditions.append(
                or_(contains(c.name, where.search), contains(c.account_number, where.search))
            )
        if where.created_from is not None:
            conditions.append(c.created_at >= where.created_from)
        if where.created_to is not None:
            conditions.append(c.created_at < where.created_to)
        return await self._page(conditions, page)


class SqlAlchemyContactRepository(_TenantRepository[Contact]):
    entity = Contact
    table = tables.contacts
    noun = "contact"

    async def get(self, contact_id: ContactId) -> Contact:
        return await self._get(contact_id)

    async def get_many(self, contact_ids: Collection[ContactId]) -> dict[ContactId, Contact]:
        return await self._get_many(contact_ids)

    async def list(self, where: ContactFilter, page: PageRequest) -> list[Contact]:
        c = self.table.c
        conditions: list[ColumnElement[bool]] = []
        if where.organization_id is not None:
            conditions.append(c.organization_id == where.organization_id)
        if where.active is not None:
            conditions.append(c.active == where.active)
        if where.search:
            conditions.append(
                or_(
                    contains(c.first_name, where.search),
                    contains(c.last_name, where.search),
                    contains(c.email, where.search),
                )
            )
        return await self._page(conditions, page)


class SqlAlchemyApiKeyRepository(_TenantRepository[ApiKey]):
    entity = ApiKey
    table = tables.api_keys
    noun = "API key"

    async def get(self, key_id: ApiKeyId) -> ApiKey:
        return await self._get(key_id)

    async def list(self) -> list[ApiKey]:
        return list((await self._session.scalars(self._select().order_by(self.table.c.id))).all())

    async def of_contact(self, contact_id: ContactId) -> builtins.list[ApiKey]:
        query = self._select().where(self.table.c.contact_id == contact_id)
        return list((await self._session.scalars(query.order_by(self.table.c.id))).all())


class SqlAlchemyPortalInvitationRepository(_TenantRepository[PortalInvitation]):
    entity = PortalInvitation
    table = tables.portal_invitations
    noun = "portal invitation"

    async def get(self, invitation_id: PortalInvitationId) -> PortalInvitation:
        # Locked: a link is redeemed once, so two sign-ins with it at once (a double click, a
        # mail scanner and a person) must not both read it unused (PostgreSQL's READ COMMITTED).
        return await self._get(invitation_id, lock=True)

    async def of_contact(self, contact_id: ContactId) -> list[PortalInvitation]:
        query = self._select().where(self.table.c.contact_id == contact_id)
        return list((await self._session.scalars(query.order_by(self.table.c.id))).all())


class SqlAlchemyQuoteAcceptanceRepository(_TenantRepository[QuoteAcceptance]):
    entity = QuoteAcceptance
    table = tables.quote_acceptances
    noun = "quote acceptance"

    async def of_quote(self, quote_id: QuoteId) -> list[QuoteAcceptance]:
        query = self._select().where(self.table.c.quote_id == quote_id)
        return list((await self._session.scalars(query.order_by(self.table.c.id))).all())


class SqlAlchemyTenantRepository:
    """The unit of work's own tenant row, and nothing else."""

    def __init__(self, session: AsyncSession, tenant_id: TenantId, seen: Seen) -> None:
        self._session = session
        self._tenant_id = tenant_id
        self._seen = seen

    async def add(self, tenant: Tenant) -> None:
        if tenant.id != self._tenant_id:
            raise ValueError("this unit of work belongs to another tenant")
        self._session.add(tenant)
        # Rows of the new tenant reference it; write it first (no ORM relationship orders it).
        await self._session.flush()
        self._seen(tenant)

    async def get(self) -> Tenant:
        tenant = await self._session.get(Tenant, self._tenant_id)
        if tenant is None:
            raise NotFound(f"tenant {self._tenant_id} not found")
        self._seen(tenant)
        return tenant
