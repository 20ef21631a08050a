"""quote acceptances: a quote accepted in the client portal, by whom, when, from where, and
the SHA-256 of the PDF they saw

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quote_acceptances",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("quote_id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("signed_name", sa.String(100), nullable=False),
        sa.Column("ip_address", sa.String(64), nullable=False),
        sa.Column("pdf_sha256", sa.String(64), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name="fk_quote_acceptances_tenant_id_tenants"
        ),
        sa.ForeignKeyConstraint(
            ["quote_id"], ["quotes.id"], name="fk_quote_acceptances_quote_id_quotes"
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name="fk_quote_acceptances_contact_id_contacts"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_quote_acceptances"),
    )
    op.create_index("ix_quote_acceptances_tenant", "quote_acceptances", ["tenant_id", "quote_id"])


def downgrade() -> None:
    op.drop_index("ix_quote_acceptances_tenant", table_name="quote_acceptances")
    op.drop_table("quote_acceptances")
