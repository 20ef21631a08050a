"""portal session expiry: the key a sign-in link is exchanged for expires on the server

Sessions made before it get the expiry they would have had: 12 hours after their sign-in.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    keys = sa.table(
        "api_keys",
        sa.column("id", sa.Uuid()),
        sa.column("name", sa.String()),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("expires_at", sa.DateTime(timezone=True)),
    )
    bind = op.get_bind()
    sessions = bind.execute(
        sa.select(keys.c.id, keys.c.created_at).where(keys.c.name.like("portal session:%"))
    ).all()
    for key_id, created_at in sessions:
        bind.execute(
            sa.update(keys)
            .where(keys.c.id == key_id)
            .values(expires_at=created_at + timedelta(hours=12))
        )


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("expires_at")
