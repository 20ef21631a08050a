"""HTTP shapes of the tenant and its API keys."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from msgspec import Meta

from application.identity.use_cases import IssuedKey
from domain.identity.access import ApiKey, Role
from domain.identity.tenant import Tenant
from entrypoints.http.schemas.common import CurrencyCode, Input, Output


class TenantOut(Output, frozen=True):
    id: UUID
    name: str
    currency: str | None
    created_at: datetime

    @classmethod
    def of(cls, tenant: Tenant) -> TenantOut:
        return cls(
            id=tenant.id,
            name=tenant.name,
            created_at=tenant.created_at,
            currency=tenant.currency.value if tenant.currency else None,
        )


class CurrencyBody(Input, frozen=True):
    currency: CurrencyCode


class ApiKeyCreate(Input, frozen=True):
    name: Annotated[str, Meta(min_length=1, max_length=100)]
    role: Role


class ApiKeyOut(Output, frozen=True):
    id: UUID
    name: str
    role: Role
    prefix: str
    created_at: datetime
    revoked_at: datetime | None
    contact_id: UUID | None  # a portal token's contact; None for staff keys

    @classmethod
    def of(cls, key: ApiKey) -> ApiKeyOut:
        return cls(
            id=key.id,
            name=key.name,
            role=key.role,
            contact_id=key.contact_id,
            prefix=key.prefix,
            created_at=key.created_at,
            revoked_at=key.revoked_at,
        )


class ApiKeyCreated(ApiKeyOut, frozen=True):
    """The only answer that ever carries the key itself: store it now, it is not kept."""

    key: str

    @classmethod
    def issued(cls, issued: IssuedKey) -> ApiKeyCreated:
        k = issued.key
        return cls(
            id=k.id,
            name=k.name,
            role=k.role,
            contact_id=k.contact_id,
            prefix=k.prefix,
            created_at=k.created_at,
            revoked_at=k.revoked_at,
            key=issued.plaintext,
        )
