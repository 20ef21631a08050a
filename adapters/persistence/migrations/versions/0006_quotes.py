"""quotes: categories, catalog items, quotes with their lines, and their PSA pushes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _stamps() -> list[sa.Column[Any]]:
    return [
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "categories",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("labor", sa.Boolean(), nullable=False),
        sa.Column("kaseya_item_type", sa.String(50), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_stamps(),
        _fk("categories", "tenant_id", "tenants"),
        _fk("categories", "parent_id", "categories"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
    )
    op.create_index("ix_categories_tenant_id", "categories", ["tenant_id", "id"])
    op.create_table(
        "catalog_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("sku", sa.String(50), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.Column("unit_cost", sa.BigInteger(), nullable=True),
        sa.Column("mpn", sa.String(50), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("customer_description", sa.Text(), nullable=True),
        sa.Column("category_id", sa.Uuid(), nullable=True),
        sa.Column("subcategory_id", sa.Uuid(), nullable=True),
        sa.Column("period", sa.String(32), nullable=True),
        sa.Column("taxable", sa.Boolean(), nullable=False),
        sa.Column("unit_of_measure", sa.String(30), nullable=False),
        sa.Column("source_system", sa.String(30), nullable=True),
        sa.Column("source_kind", sa.String(30), nullable=True),
        sa.Column("source_external_id", sa.String(100), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_stamps(),
        _fk("catalog_items", "tenant_id", "tenants"),
        _fk("catalog_items", "category_id", "categories"),
        _fk("catalog_items", "subcategory_id", "categories"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_items")),
        sa.UniqueConstraint("tenant_id", "sku", name="uq_catalog_items_tenant_sku"),
    )
    op.create_index("ix_catalog_items_tenant_id", "catalog_items", ["tenant_id", "id"])
    op.create_table(
        "quotes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(30), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=True),
        sa.Column("owner_name", sa.String(100), nullable=False),
        sa.Column("owner_email", sa.String(254), nullable=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("opportunity_ref", sa.String(50), nullable=True),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("discount_kind", sa.String(32), nullable=True),
        sa.Column("discount_value", sa.String(40), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("changed_since_publish", sa.Boolean(), nullable=False),
        sa.Column("published_at", UTC_TIME, nullable=True),
        sa.Column("decided_at", UTC_TIME, nullable=True),
        sa.Column("lost_reason", sa.Text(), nullable=True),
        *_stamps(),
        _fk("quotes", "tenant_id", "tenants"),
        _fk("quotes", "organization_id", "organizations"),
        _fk("quotes", "contact_id", "contacts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotes")),
        sa.UniqueConstraint("tenant_id", "number", name="uq_quotes_tenant_number"),
    )
    op.create_index("ix_quotes_tenant_id", "quotes", ["tenant_id", "id"])
    op.create_index(
        "ix_quotes_tenant_organization", "quotes", ["tenant_id", "organization_id", "id"]
    )
    op.create_table(
        "quote_pushes",
        sa.Column("quote_id", sa.Uuid(), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("opportunity_ref", sa.String(100), nullable=False),
        sa.Column("quote_ref", sa.String(100), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(10), nullable=True),
        sa.Column("pushed_at", UTC_TIME, nullable=False),
        _fk("quote_pushes", "quote_id", "quotes"),
        _fk("quote_pushes", "connection_id", "connections"),
        _fk("quote_pushes", "tenant_id", "tenants"),
        sa.PrimaryKeyConstraint("quote_id", "connection_id", name=op.f("pk_quote_pushes")),
    )


def downgrade() -> None:
    op.drop_table("quote_pushes")
    op.drop_index("ix_quotes_tenant_organization", table_name="quotes")
    op.drop_index("ix_quotes_tenant_id", table_name="quotes")
    op.drop_table("quotes")
    op.drop_index("ix_catalog_items_tenant_id", table_name="catalog_items")
    op.drop_table("catalog_items")
    op.drop_index("ix_categories_tenant_id", table_name="categories")
    op.drop_table("categories")
