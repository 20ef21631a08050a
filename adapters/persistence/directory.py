"""Look-ups that come before a tenant is known: authenticating a key, finding a tenant by name."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.persistence import tables
from application.identity.ports import FoundKey, PortalHolder
from domain.crm.organization import OrganizationStatus
from domain.identity.access import ApiKey
from domain.identity.tenant import Tenant, TenantId


class SqlAlchemyDirectory:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def find_api_key(self, prefix: str) -> FoundKey | None:
        """One query: the key and, for a portal token, its contact of the same tenant and
        whether both the contact and its organization are active."""
        keys, contacts, organizations = (
            tables.api_keys.c,
            tables.contacts.c,
            tables.organizations.c,
        )
        query = (
            select(ApiKey, contacts.organization_id, contacts.active, organizations.status)
            .outerjoin(
                tables.contacts,
                (contacts.id == keys.contact_id) & (contacts.tenant_id == keys.tenant_id),
            )
            .outerjoin(
                tables.organizations,
                (organizations.id == contacts.organization_id)
                & (organizations.tenant_id == contacts.tenant_id),
            )
            .where(keys.prefix == prefix)
        )
        async with self._sessions() as session:
            row = (await session.execute(query)).one_or_none()
        if row is None:
            return None
        key, organization_id, active, status = row
        if organization_id is None:
            return FoundKey(key)
        both = bool(active) and status == OrganizationStatus.ACTIVE
        return FoundKey(key, PortalHolder(organization_id, both))

    async def find_tenant(self, name: str) -> Tenant | None:
        async with self._sessions() as session:
            return (
                await session.scalars(select(Tenant).where(tables.tenants.c.name == name))
            ).one_or_none()

    async def tenant_of_connection(self, connection_id: UUID) -> TenantId | None:
        async with self._sessions() as session:
            found = await session.scalar(
                select(tables.connections.c.tenant_id).where(
                    tables.connections.c.id == connection_id
                )
            )
            return None if found is None else TenantId(found)

    async def any_tenant(self) -> bool:
        async with self._sessions() as session:
            return (await session.scalar(select(tables.tenants.c.id).limit(1))) is not None
