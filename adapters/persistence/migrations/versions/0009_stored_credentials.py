"""payment methods keep the gateway's transaction id of the charge that stored the card

Card networks ask charges of a stored card to name the first one (NMI's
``initial_transaction_id``). Existing methods have none: their next charge stores it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payment_methods") as batch:
        batch.add_column(sa.Column("initial_transaction_id", sa.String(100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payment_methods") as batch:
        batch.drop_column("initial_transaction_id")
