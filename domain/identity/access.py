"""Who may call the hub: API keys of a tenant, each with one role."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import NewType
from uuid import UUID

from domain.crm.organization import ContactId
from domain.identity.tenant import TenantId
from domain.shared.errors import DomainError
from domain.shared.events import Aggregate
from domain.shared.text import required_text

ApiKeyId = NewType("ApiKeyId", UUID)
# A portal session (the key a sign-in link is exchanged for) works this long, on the server as
# in its cookie; keys made otherwise do not expire.
PORTAL_SESSION_LIFETIME = timedelta(hours=12)


class Role(StrEnum):
    """Roles inside a tenant (SPEC §0)."""

    ADMIN = "admin"  # connects and configures integrations, manages keys
    MANAGER = "manager"  # processes payments, refunds, cancels
    SALES = "sales"  # quotes
    PORTAL = "portal"  # a client contact in the portal: its own organization only


STAFF_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.SALES})


class ApiKey(Aggregate):
    """A bearer credential. Only a hash of the secret is kept; the secret is shown once.

    A portal token is a key with the portal role bound to one contact, and through it to the
    contact's organization; a staff key is bound to no contact. A key may expire
    (``expires_at``, a portal session's); once past it, it is refused as a revoked one is.
    """

    def __init__(
        self,
        *,
        id: ApiKeyId,
        tenant_id: TenantId,
        name: str,
        role: Role,
        prefix: str,
        secret_hash: str,
        created_at: datetime,
        contact_id: ContactId | None = None,
        expires_at: datetime | None = None,
    ) -> None:
        if (role is Role.PORTAL) != (contact_id is not None):
            raise DomainError(
                "a portal token is issued for one contact, from that contact; "
                "a staff key belongs to no contact",
                code="portal_token_contact",
                field="role",
            )
        self.id = id
        self.tenant_id = tenant_id
        self.name = required_text(name, "name", 100)
        self.role = role
        self.contact_id = contact_id
        self.prefix = prefix
        self.secret_hash = secret_hash
        self.created_at = created_at
        self.expires_at = expires_at
        self.revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def usable(self, now: datetime) -> bool:
        """Neither revoked nor past its expiry."""
        return self.active and (self.expires_at is None or now < self.expires_at)

    def revoke(self, now: datetime) -> None:
        if self.revoked_at is not None:
            raise DomainError("the key is already revoked", code="key_revoked")
        self.revoked_at = now
