"""Fake databases for use-case tests that name their tenants rather than create them."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.persistence.memory import InMemoryDatabase
from domain.identity.tenant import Tenant, TenantId


def with_tenants(db: InMemoryDatabase, *tenant_ids: TenantId) -> InMemoryDatabase:
    """``db`` with a committed row for each tenant: every row refers to its tenant's, as in SQL."""
    for tenant_id in tenant_ids:
        db.table(Tenant)[tenant_id] = Tenant(
            id=tenant_id,
            name=f"MSP {tenant_id.hex[-6:]}",
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
    return db
