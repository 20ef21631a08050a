"""Who may call the hub: API keys of a tenant, each with one role."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import NewType
from uuid import UUID

from domain.identity.tenant import TenantId
from domain.shared.errors import DomainError
from domain.shared.events import Aggregate
from domain.shared.text import required_text

ApiKeyId = NewType("ApiKeyId", UUID)


class Role(StrEnum):
    """Roles inside a tenant (SPEC §0)."""

    ADMIN = "admin"  # connects and configures integrations, manages keys
    MANAGER = "manager"  # processes payments, refunds, cancels
    SALES = "sales"  # quotes


STAFF_ROLES = frozenset(Role)


class ApiKey(Aggregate):
    """A bearer credential. Only a hash of the secret is kept; the secret is shown once."""

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
    ) -> None:
        self.id = id
        self.tenant_id = tenant_id
        self.name = required_text(name, "name", 100)
        self.role = role
        self.prefix = prefix
        self.secret_hash = secret_hash
        self.created_at = created_at
        self.revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def revoke(self, now: datetime) -> None:
        if self.revoked_at is not None:
            raise DomainError("the key is already revoked", code="key_revoked")
        self.revoked_at = now
