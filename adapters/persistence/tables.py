"""The schema. Every table carries ``tenant_id``; Alembic migrations create it."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Uuid,
)

from adapters.persistence.types import CurrencyCode, MinorUnits, StrEnumType, UtcDateTime
from domain.crm.organization import OrganizationStatus, OrganizationType
from domain.identity.access import Role

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _tenant() -> Column[object]:
    return Column("tenant_id", Uuid, ForeignKey("tenants.id"), nullable=False)


tenants = Table(
    "tenants",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("currency", CurrencyCode, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Uuid, primary_key=True),
    _tenant(),
    Column("name", String(100), nullable=False),
    Column("role", StrEnumType(Role), nullable=False),
    Column("prefix", String(32), nullable=False, unique=True),
    Column("secret_hash", String(128), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
    Index("ix_api_keys_tenant", "tenant_id", "id"),
)

organizations = Table(
    "organizations",
    metadata,
    Column("id", Uuid, primary_key=True),
    _tenant(),
    Column("name", String(100), nullable=False),
    Column("type", StrEnumType(OrganizationType), nullable=False),
    Column("status", StrEnumType(OrganizationStatus), nullable=False),
    Column("account_number", String(50)),
    Column("address_line1", String(100)),
    Column("address_line2", String(100)),
    Column("city", String(100)),
    Column("state", String(100)),
    Column("postal_code", String(100)),
    Column("country", String(100)),
    Column("phone", String(30)),
    Column("fax", String(30)),
    Column("website", String(255)),
    Column("parent_id", Uuid),
    Column("bill_to_id", Uuid),
    Column("default_contact_id", Uuid),
    Column("currency", CurrencyCode),
    Column("credit_limit_minor", MinorUnits),
    Column("credit_limit_currency", CurrencyCode),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_organizations_tenant_id", "tenant_id", "id"),
    Index("ix_organizations_tenant_status", "tenant_id", "status", "id"),
)

contacts = Table(
    "contacts",
    metadata,
    Column("id", Uuid, primary_key=True),
    _tenant(),
    Column("organization_id", Uuid, ForeignKey("organizations.id"), nullable=False),
    Column("first_name", String(50), nullable=False),
    Column("last_name", String(50), nullable=False),
    Column("title", String(100)),
    Column("email", String(254)),
    Column("phone", String(30)),
    Column("mobile", String(30)),
    Column("fax", String(30)),
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_contacts_tenant_id", "tenant_id", "id"),
    Index("ix_contacts_tenant_organization", "tenant_id", "organization_id", "id"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("tenant_id", Uuid, ForeignKey("tenants.id"), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("status_code", Integer),
    Column("content_type", String(100)),
    Column("body", LargeBinary),
    Column("created_at", UtcDateTime, nullable=False),
)
