"""Ports of the identity context."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from domain.crm.organization import ContactId, OrganizationId
from domain.identity.access import ApiKey, ApiKeyId
from domain.identity.branding import Branding, Logo
from domain.identity.invitation import PortalInvitation, PortalInvitationId
from domain.identity.tenant import Tenant, TenantId


@dataclass(frozen=True)
class IssuedSecret:
    """A freshly made API key: ``plaintext`` is shown once and never stored."""

    plaintext: str
    prefix: str
    secret_hash: str


class ApiKeySecrets(Protocol):
    """Makes API key secrets and checks presented ones against stored hashes."""

    def issue(self) -> IssuedSecret: ...

    def prefix_of(self, presented: str) -> str | None:
        """The lookup prefix of a presented key, or None when it is not shaped like one."""
        ...

    def matches(self, presented: str, secret_hash: str) -> bool: ...


class TenantRepository(Protocol):
    async def add(self, tenant: Tenant) -> None: ...

    async def get(self) -> Tenant:
        """The unit of work's own tenant."""
        ...


class BrandingRepository(Protocol):
    """The unit of work's tenant's branding and logo: one of each, or none set yet."""

    async def get(self) -> Branding | None: ...

    async def save(self, branding: Branding) -> None:
        """Insert or replace the tenant's branding."""
        ...

    async def logo(self) -> Logo | None: ...

    async def save_logo(self, logo: Logo | None) -> None:
        """Insert or replace the logo; ``None`` removes it."""
        ...


@dataclass(frozen=True)
class ImageFacts:
    media_type: str  # image/png | image/jpeg
    width: int
    height: int


class ImageProbe(Protocol):
    """Reads an uploaded image: its real format and size in pixels."""

    def probe(self, content: bytes) -> ImageFacts:
        """Raises InvalidValue naming ``logo`` when the bytes are not a PNG or JPEG image."""
        ...


class PortalInvitationRepository(Protocol):
    async def add(self, invitation: PortalInvitation) -> None: ...

    async def get(self, invitation_id: PortalInvitationId) -> PortalInvitation: ...

    async def of_contact(self, contact_id: ContactId) -> list[PortalInvitation]: ...


class ApiKeyRepository(Protocol):
    async def add(self, key: ApiKey) -> None: ...

    async def get(self, key_id: ApiKeyId) -> ApiKey: ...

    async def list(self) -> list[ApiKey]: ...

    async def of_contact(self, contact_id: ContactId) -> builtins.list[ApiKey]:
        """The portal tokens and sessions of ``contact_id``, revoked and expired ones too."""
        ...


@dataclass(frozen=True)
class PortalHolder:
    """The contact a portal token belongs to, read with the key in one look-up."""

    organization_id: OrganizationId
    active: bool  # the contact and its organization both: either one inactive shuts the portal


@dataclass(frozen=True)
class FoundKey:
    key: ApiKey
    holder: PortalHolder | None = None  # None for staff keys, or a contact that is gone


class Directory(Protocol):
    """The only look-ups that precede knowing the tenant: authentication and tenant names.

    Everything else goes through a unit of work scoped to one tenant.
    """

    async def find_api_key(self, prefix: str) -> FoundKey | None:
        """The key with this prefix and, for a portal token, its contact's standing."""
        ...

    async def find_tenant(self, name: str) -> Tenant | None: ...

    async def any_tenant(self) -> bool: ...

    async def tenant_of_connection(self, connection_id: UUID) -> TenantId | None:
        """For commands that name a connection alone (``q2c sync``)."""
        ...


@dataclass(frozen=True)
class Principal:
    """Who is calling: a tenant's key and its role.

    A portal token also names its contact and that contact's organization, the only one it may
    see; staff keys have neither.
    """

    tenant_id: TenantId
    key_id: ApiKeyId
    role: str
    contact_id: ContactId | None = None
    organization_id: OrganizationId | None = None
