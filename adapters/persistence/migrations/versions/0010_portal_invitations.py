"""portal invitations: single-use, expiring sign-in links for the client portal's pages

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "portal_invitations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("secret_hash", sa.String(128), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("expires_at", UTC_TIME, nullable=False),
        sa.Column("used_at", UTC_TIME, nullable=True),
        sa.Column("invited_by", sa.String(100), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name="fk_portal_invitations_tenant_id_tenants"
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name="fk_portal_invitations_contact_id_contacts"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_portal_invitations"),
    )
    op.create_index("ix_portal_invitations_tenant", "portal_invitations", ["tenant_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_portal_invitations_tenant", table_name="portal_invitations")
    op.drop_table("portal_invitations")
