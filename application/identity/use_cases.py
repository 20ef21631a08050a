"""Use cases of the identity context: tenants, API keys, authentication."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from application.identity.ports import ApiKeySecrets, Directory, Principal
from application.shared.errors import Conflict
from application.shared.ports import Clock, IdGenerator
from application.shared.unit_of_work import UnitOfWorkFactory
from domain.crm.organization import ContactId
from domain.identity.access import ApiKey, ApiKeyId, Role
from domain.identity.tenant import Tenant, TenantId
from domain.shared.errors import DomainError
from domain.shared.money import Currency


@dataclass(frozen=True)
class IssuedKey:
    """An API key as created; ``plaintext`` exists only in this answer."""

    key: ApiKey
    plaintext: str


@dataclass(frozen=True)
class NewTenant:
    tenant: Tenant
    admin_key: IssuedKey


class _KeyMaker:
    def __init__(self, secrets: ApiKeySecrets, clock: Clock, ids: IdGenerator) -> None:
        self._secrets = secrets
        self._clock = clock
        self._ids = ids

    def make(
        self,
        tenant_id: TenantId,
        name: str,
        role: Role,
        contact_id: ContactId | None = None,
        *,
        expires_at: datetime | None = None,
    ) -> IssuedKey:
        secret = self._secrets.issue()
        key = ApiKey(
            id=ApiKeyId(self._ids()),
            tenant_id=tenant_id,
            name=name,
            role=role,
            prefix=secret.prefix,
            secret_hash=secret.secret_hash,
            created_at=self._clock.now(),
            contact_id=contact_id,
            expires_at=expires_at,
        )
        return IssuedKey(key=key, plaintext=secret.plaintext)


class CreateTenant(_KeyMaker):
    """A new MSP with its currency (MON-3) and a first admin key, in one commit."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        directory: Directory,
        secrets: ApiKeySecrets,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        super().__init__(secrets, clock, ids)
        self._uow = uow
        self._directory = directory

    async def __call__(self, name: str, currency: Currency | None) -> NewTenant:
        if await self._directory.find_tenant(name.strip()) is not None:
            raise Conflict(f"a tenant named {name.strip()!r} exists already", field="name")
        now = self._clock.now()
        tenant = Tenant(id=TenantId(self._ids()), name=name, created_at=now)
        if currency is not None:
            tenant.set_currency(currency, now)
        issued = self.make(tenant.id, "first admin key", Role.ADMIN)
        async with self._uow(tenant.id) as uow:
            await uow.tenants.add(tenant)
            await uow.api_keys.add(issued.key)
            await uow.commit()
        return NewTenant(tenant=tenant, admin_key=issued)


class IssueApiKey(_KeyMaker):
    def __init__(
        self, uow: UnitOfWorkFactory, secrets: ApiKeySecrets, clock: Clock, ids: IdGenerator
    ) -> None:
        super().__init__(secrets, clock, ids)
        self._uow = uow

    async def __call__(self, tenant_id: TenantId, name: str, role: Role) -> IssuedKey:
        issued = self.make(tenant_id, name, role)
        async with self._uow(tenant_id) as uow:
            await uow.api_keys.add(issued.key)
            await uow.commit()
        return issued


class IssuePortalToken(_KeyMaker):
    """A portal token for an active contact: it sees the contact's organization and nothing else.

    It is an API key of the portal role, revoked like any other key.
    """

    def __init__(
        self, uow: UnitOfWorkFactory, secrets: ApiKeySecrets, clock: Clock, ids: IdGenerator
    ) -> None:
        super().__init__(secrets, clock, ids)
        self._uow = uow

    async def __call__(self, tenant_id: TenantId, contact_id: ContactId) -> IssuedKey:
        async with self._uow(tenant_id) as uow:
            contact = await uow.contacts.get(contact_id)  # another tenant's: not found
            if not contact.active:
                raise DomainError(
                    "an inactive contact gets no portal token",
                    code="contact_inactive",
                    field="contact_id",
                )
            organization = await uow.organizations.get(contact.organization_id)
            if not organization.active:
                raise DomainError(
                    "a contact of an inactive organization gets no portal token",
                    code="organization_inactive",
                    field="contact_id",
                )
            issued = self.make(
                tenant_id, f"portal: {contact.full_name}"[:100], Role.PORTAL, contact.id
            )
            await uow.api_keys.add(issued.key)
            await uow.commit()
        return issued


class RevokeApiKey:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, tenant_id: TenantId, key_id: ApiKeyId) -> ApiKey:
        async with self._uow(tenant_id) as uow:
            key = await uow.api_keys.get(key_id)
            key.revoke(self._clock.now())
            await uow.commit()
        return key


class SetTenantCurrency:
    """MON-3: the internal currency is set once; a second set is refused."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, tenant_id: TenantId, currency: Currency) -> Tenant:
        async with self._uow(tenant_id) as uow:
            tenant = await uow.tenants.get()
            tenant.set_currency(currency, self._clock.now())
            await uow.commit()
        return tenant


class Authenticate:
    """Resolves a bearer key to its tenant and role; revoked, expired or unknown keys get nothing.

    A portal token resolves to its contact's organization too, and stops working when the
    contact or its organization is deactivated, or the contact is gone (SPEC section 0: a portal
    contact acts for its organization, which an MSP deactivates when it is no longer a client).
    """

    def __init__(self, directory: Directory, secrets: ApiKeySecrets, clock: Clock) -> None:
        self._directory = directory
        self._secrets = secrets
        self._clock = clock

    async def __call__(self, presented: str) -> Principal | None:
        prefix = self._secrets.prefix_of(presented)
        if prefix is None:
            return None
        found = await self._directory.find_api_key(prefix)
        if found is None:
            return None
        key, holder = found.key, found.holder
        if not key.usable(self._clock.now()) or not self._secrets.matches(
            presented, key.secret_hash
        ):
            return None
        if key.contact_id is None:
            return Principal(tenant_id=key.tenant_id, key_id=key.id, role=key.role.value)
        if holder is None or not holder.active:  # the contact is gone or deactivated
            return None
        return Principal(
            tenant_id=key.tenant_id,
            key_id=key.id,
            role=key.role.value,
            contact_id=key.contact_id,
            organization_id=holder.organization_id,
        )
