"""Read side of the identity context."""

from __future__ import annotations

from application.shared.unit_of_work import UnitOfWorkFactory
from domain.identity.access import ApiKey
from domain.identity.tenant import Tenant, TenantId


class IdentityQueries:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def tenant(self, tenant_id: TenantId) -> Tenant:
        async with self._uow(tenant_id) as uow:
            return await uow.tenants.get()

    async def api_keys(self, tenant_id: TenantId) -> list[ApiKey]:
        async with self._uow(tenant_id) as uow:
            return await uow.api_keys.list()
