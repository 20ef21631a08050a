"""Read side of the crm context: one object, or a filtered page of them."""

from __future__ import annotations

from application.crm.ports import ContactFilter, OrganizationFilter
from application.shared.pagination import Page, PageRequest, page_of
from application.shared.unit_of_work import UnitOfWorkFactory
from domain.crm.contact import Contact
from domain.crm.organization import ContactId, Organization, OrganizationId
from domain.identity.tenant import TenantId


class CrmQueries:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def organization(
        self,
        tenant_id: TenantId,
        organization_id: OrganizationId,
    ) -> Organization:
        async with self._uow(tenant_id) as uow:
            return await uow.organizations.get(organization_id)

    async def organizations(
        self, tenant_id: TenantId, where: OrganizationFilter, page: PageRequest
    ) -> Page[Organization]:
        async with self._uow(tenant_id) as uow:
            return page_of(await uow.organizations.list(where, page), page)

    async def contact(self, tenant_id: TenantId, contact_id: ContactId) -> Contact:
        async with self._uow(tenant_id) as uow:
            return await uow.contacts.get(contact_id)

    async def contacts(
        self, tenant_id: TenantId, where: ContactFilter, page: PageRequest
    ) -> Page[Contact]:
        async with self._uow(tenant_id) as uow:
            return page_of(await uow.contacts.list(where, page), page)
