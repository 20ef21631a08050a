"""tenant branding: the MSP's name, address, contact details, terms, accent colour, default
tax rate and invoice-ready emails; its logo in a table of its own (read only by the PDFs and
the portal); the notifications' sender display name

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _tenant_key(table: str) -> list[sa.schema.SchemaItem]:
    return [
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=f"fk_{table}_tenant_id_tenants"
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=f"pk_{table}"),
    ]


def upgrade() -> None:
    op.create_table(
        "tenant_branding",
        *_tenant_key("tenant_branding"),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("address", sa.JSON(), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("phone", sa.String(40), nullable=True),
        sa.Column("website", sa.String(200), nullable=True),
        sa.Column("quote_terms", sa.Text(), nullable=True),
        sa.Column("payment_terms", sa.Text(), nullable=True),
        sa.Column("accent_colour", sa.String(7), nullable=False),
        sa.Column("default_tax_rate", sa.String(40), nullable=False),
        sa.Column("invoice_ready_emails", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "tenant_logos",
        *_tenant_key("tenant_logos"),
        sa.Column("media_type", sa.String(20), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
    )
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("sender_name", sa.String(100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("sender_name")
    op.drop_table("tenant_logos")
    op.drop_table("tenant_branding")
