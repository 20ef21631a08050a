"""Small builders the tests share."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from application.identity.use_cases import CreateTenant, NewTenant
from domain.crm.organization import Organization, OrganizationId, OrganizationProfile
from domain.identity.tenant import TenantId
from domain.shared.ids import new_id
from domain.shared.money import Currency
from entrypoints.containers import Container

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


async def new_tenant(
    container: Container,
    currency: Currency | None = Currency.USD,
) -> NewTenant:
    create: CreateTenant = container.identity.create_tenant()
    return await create(f"MSP {uuid.uuid4().hex[:10]}", currency)


def organization(tenant_id: TenantId, name: str = "Contoso", **profile: object) -> Organization:
    return Organization(
        id=OrganizationId(new_id()),
        tenant_id=tenant_id,
        profile=OrganizationProfile(name=name, **profile),  # type: ignore[arg-type]
        now=NOW,
    )
