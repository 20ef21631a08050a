"""portal: API keys of the portal role are bound to one contact

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29

Batch mode lets SQLite add the foreign key (it rebuilds the table); PostgreSQL gets ALTERs.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("contact_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            "fk_api_keys_contact_id_contacts", "contacts", ["contact_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_constraint("fk_api_keys_contact_id_contacts", type_="foreignkey")
        batch.drop_column("contact_id")
