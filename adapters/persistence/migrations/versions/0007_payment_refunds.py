"""payment refunds: the part the gateway confirmed, and a refund waiting for the gateway

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode: SQLite adds a foreign key only by rebuilding the table.
    with op.batch_alter_table("payments") as batch:
        for name in ("refunded_at_gateway", "pending_refund_amount", "pending_refund_baseline"):
            batch.add_column(sa.Column(name, sa.BigInteger(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("pending_refund_invoice_id", sa.Uuid(), nullable=True))
        batch.add_column(
            sa.Column("pending_refund_since", sa.DateTime(timezone=True), nullable=True)
        )
        batch.create_foreign_key(
            op.f("fk_payments_pending_refund_invoice_id_invoices"),
            "invoices",
            ["pending_refund_invoice_id"],
            ["id"],
        )
        batch.create_index("ix_payments_pending_refund", ["pending_refund_since"])


def downgrade() -> None:
    with op.batch_alter_table("payments") as batch:
        batch.drop_index("ix_payments_pending_refund")
        batch.drop_constraint(
            op.f("fk_payments_pending_refund_invoice_id_invoices"), type_="foreignkey"
        )
        for name in (
            "pending_refund_since",
            "pending_refund_invoice_id",
            "pending_refund_baseline",
            "pending_refund_amount",
            "refunded_at_gateway",
        ):
            batch.drop_column(name)
