"""sync engine: connections, outbox, sync errors, external links, sync jobs, vendor limits

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
PENDING = sa.text("status = 'pending'")


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id"], ["tenants.id"], name=f"fk_{table}_tenant_id_tenants"
    )


def _connection_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["connection_id"], ["connections.id"], name=f"fk_{table}_connection_id_connections"
    )


def upgrade() -> None:
    op.create_table(
        "connections",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("system", sa.String(32), nullable=False),
        sa.Column("family", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("base_url", sa.String(500), nullable=False),
        sa.Column("credentials_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("credentials_masked", sa.JSON(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("checked_at", UTC_TIME, nullable=True),
        sa.Column("sync_interval_minutes", sa.Integer(), nullable=False),
        sa.Column("last_sync_at", UTC_TIME, nullable=True),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _tenant_fk("connections"),
        sa.PrimaryKeyConstraint("id", name="pk_connections"),
    )
    op.create_index("ix_connections_tenant_id", "connections", ["tenant_id", "id"])
    op.create_index(
        "uq_connections_enabled_family",
        "connections",
        ["tenant_id", "family"],
        unique=True,
        postgresql_where=sa.text("enabled"),
        sqlite_where=sa.text("enabled"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("aggregate_type", sa.String(32), nullable=False),
        sa.Column("aggregate_id", sa.Uuid(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTC_TIME, nullable=False),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_until", UTC_TIME, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("delivered_at", UTC_TIME, nullable=True),
        _tenant_fk("outbox"),
        _connection_fk("outbox"),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
    )
    op.create_index(
        "ix_outbox_due",
        "outbox",
        ["next_attempt_at", "id"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )
    op.create_index(
        "ix_outbox_aggregate",
        "outbox",
        ["aggregate_id", "id"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )
    op.create_table(
        "sync_errors",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("outbox_id", BIG_ID, nullable=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("entity_type", sa.String(32), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        _tenant_fk("sync_errors"),
        _connection_fk("sync_errors"),
        sa.PrimaryKeyConstraint("id", name="pk_sync_errors"),
        sa.UniqueConstraint("outbox_id", name="uq_sync_errors_outbox_id"),
    )
    op.create_index("ix_sync_errors_tenant", "sync_errors", ["tenant_id", "status", "id"])
    op.create_index(
        "ix_sync_errors_entity", "sync_errors", ["connection_id", "entity_type", "entity_id"]
    )
    op.create_table(
        "external_links",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("entity_type", sa.String(32), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(100), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        _tenant_fk("external_links"),
        _connection_fk("external_links"),
        sa.PrimaryKeyConstraint(
            "connection_id", "entity_type", "entity_id", name="pk_external_links"
        ),
        sa.UniqueConstraint(
            "connection_id", "entity_type", "external_id", name="uq_external_links_external"
        ),
    )
    op.create_table(
        "sync_jobs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("entity", sa.String(32), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("checkpoint", sa.Text(), nullable=True),
        sa.Column("changed_since", UTC_TIME, nullable=True),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_until", UTC_TIME, nullable=True),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("finished_at", UTC_TIME, nullable=True),
        _tenant_fk("sync_jobs"),
        _connection_fk("sync_jobs"),
        sa.PrimaryKeyConstraint("id", name="pk_sync_jobs"),
    )
    op.create_index("ix_sync_jobs_tenant", "sync_jobs", ["tenant_id", "id"])
    op.create_table(
        "vendor_slots",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(64), nullable=True),
        sa.Column("expires_at", UTC_TIME, nullable=True),
        sa.PrimaryKeyConstraint("key", "slot", name="pk_vendor_slots"),
    )
    op.create_table(
        "vendor_budgets",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("window_start", UTC_TIME, nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window_start", name="pk_vendor_budgets"),
    )
    op.create_table(
        "vendor_pauses",
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("until", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("connection_id", name="pk_vendor_pauses"),
    )


def downgrade() -> None:
    for table in (
        "vendor_pauses",
        "vendor_budgets",
        "vendor_slots",
        "sync_jobs",
        "external_links",
        "sync_errors",
        "outbox",
        "connections",
    ):
        op.drop_table(table)
