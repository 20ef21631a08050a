"""Use cases of the crm context (BSS-1, BSS-2): load, call one aggregate method, commit."""

from __future__ import annotations

from application.shared.errors import NotFound
from application.shared.ports import Clock, IdGenerator
from application.shared.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.crm.contact import Contact, ContactChanges, ContactProfile
from domain.crm.organization import (
    ContactId,
    Organization,
    OrganizationChanges,
    OrganizationId,
    OrganizationProfile,
)
from domain.identity.tenant import TenantId
from domain.shared.errors import InvalidValue


class _CrmUseCase:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, ids: IdGenerator) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids


async def _linked_organization(uow: UnitOfWork, ref: OrganizationId | None, field: str) -> None:
    if ref is None:
        return
    try:
        await uow.organizations.get(ref)
    except NotFound:
        raise InvalidValue("no such organization", field=field) from None


async def _check_links(
    uow: UnitOfWork, organization_id: OrganizationId, profile: OrganizationProfile
) -> None:
    """Linked organizations and the default contact exist in the same tenant (BSS-1)."""
    for field in ("parent_id", "bill_to_id"):
        ref: OrganizationId | None = getattr(profile, field)
        if ref != organization_id:
            await _linked_organization(uow, ref, field)
    if profile.default_contact_id is None:
        return
    try:
        contact = await uow.contacts.get(profile.default_contact_id)
    except NotFound:
        raise InvalidValue("no such contact", field="default_contact_id") from None
    if contact.organization_id != organization_id:
        raise InvalidValue(
            "the default contact must belong to this organization", field="default_contact_id"
        )


class CreateOrganization(_CrmUseCase):
    async def __call__(self, tenant_id: TenantId, profile: OrganizationProfile) -> Organization:
        org_id = OrganizationId(self._ids())
        organization = Organization(
            id=org_id, tenant_id=tenant_id, profile=profile, now=self._clock.now()
        )
        async with self._uow(tenant_id) as uow:
            await _check_links(uow, org_id, organization.profile)
            await uow.organizations.add(organization)
            await uow.commit()
        return organization


class UpdateOrganization(_CrmUseCase):
    async def __call__(
        self, tenant_id: TenantId, organization_id: OrganizationId, changes: OrganizationChanges
    ) -> Organization:
        async with self._uow(tenant_id) as uow:
            organization = await uow.organizations.get(organization_id)
            organization.revise(changes, self._clock.now())
            await _check_links(uow, organization_id, organization.profile)
            await uow.commit()
        return organization


class DeactivateOrganization(_CrmUseCase):
    async def __call__(self, tenant_id: TenantId, organization_id: OrganizationId) -> Organization:
        async with self._uow(tenant_id) as uow:
            organization = await uow.organizations.get(organization_id)
            organization.deactivate(self._clock.now())
            await uow.commit()
        return organization


class CreateContact(_CrmUseCase):
    async def __call__(
        self, tenant_id: TenantId, organization_id: OrganizationId, profile: ContactProfile
    ) -> Contact:
        async with self._uow(tenant_id) as uow:
            await _linked_organization(uow, organization_id, "organization_id")
            contact = Contact(
                id=ContactId(self._ids()),
                tenant_id=tenant_id,
                organization_id=organization_id,
                profile=profile,
                now=self._clock.now(),
            )
            await uow.contacts.add(contact)
            await uow.commit()
        return contact


class UpdateContact(_CrmUseCase):
    async def __call__(
        self, tenant_id: TenantId, contact_id: ContactId, changes: ContactChanges
    ) -> Contact:
        async with self._uow(tenant_id) as uow:
            contact = await uow.contacts.get(contact_id)
            contact.revise(changes, self._clock.now())
            await uow.commit()
        return contact


class DeactivateContact(_CrmUseCase):
    async def __call__(self, tenant_id: TenantId, contact_id: ContactId) -> Contact:
        async with self._uow(tenant_id) as uow:
            contact = await uow.contacts.get(contact_id)
            contact.deactivate(self._clock.now())
            await uow.commit()
        return contact
