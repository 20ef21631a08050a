"""billing: invoices, payment methods, payments and their history

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

Amounts are integer minor units (MinorUnits in the mapping); enums and currencies are strings.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invoices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("psa_number", sa.String(length=50), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("number", sa.String(length=50), nullable=True),
        sa.Column("accounting_id", sa.String(length=100), nullable=True),
        sa.Column("total_amount", sa.BigInteger(), nullable=False),
        sa.Column("applied_amount", sa.BigInteger(), nullable=False),
        sa.Column("held_amount", sa.BigInteger(), nullable=False),
        sa.Column("invoice_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("date_paid", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_invoices_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_invoices_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("tenant_id", "psa_number", name="uq_invoices_tenant_psa_number"),
    )
    op.create_index("ix_invoices_tenant_id", "invoices", ["tenant_id", "id"], unique=False)
    op.create_index(
        "ix_invoices_tenant_organization",
        "invoices",
        ["tenant_id", "organization_id", "id"],
        unique=False,
    )
    op.create_index(
        "ix_invoices_tenant_status", "invoices", ["tenant_id", "status", "id"], unique=False
    )
    op.create_table(
        "payment_methods",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("vault_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("brand", sa.String(length=30), nullable=False),
        sa.Column("last4", sa.String(length=4), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_payment_methods_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_payment_methods_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_methods")),
    )
    op.create_index(
        "ix_payment_methods_tenant_organization",
        "payment_methods",
        ["tenant_id", "organization_id", "id"],
        unique=False,
    )
    op.create_table(
        "payments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=True),
        sa.Column("original_invoice_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("environment", sa.String(length=32), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("method_id", sa.Uuid(), nullable=False),
        sa.Column("method_kind", sa.String(length=32), nullable=False),
        sa.Column("method_brand", sa.String(length=30), nullable=False),
        sa.Column("method_last4", sa.String(length=4), nullable=False),
        sa.Column("vault_id", sa.String(length=100), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("settlement", sa.String(length=32), nullable=False),
        sa.Column("transaction_id", sa.String(length=100), nullable=True),
        sa.Column("gateway_message", sa.Text(), nullable=False),
        sa.Column("gateway_code", sa.String(length=10), nullable=False),
        sa.Column("requested_amount", sa.BigInteger(), nullable=False),
        sa.Column("sale_amount", sa.BigInteger(), nullable=False),
        sa.Column("refund_amount", sa.BigInteger(), nullable=False),
        sa.Column("applied_amount", sa.BigInteger(), nullable=False),
        sa.Column("unapplied_amount", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_payments_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_payments_invoice_id_invoices")
        ),
        sa.ForeignKeyConstraint(
            ["method_id"],
            ["payment_methods.id"],
            name=op.f("fk_payments_method_id_payment_methods"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_payments_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["original_invoice_id"],
            ["invoices.id"],
            name=op.f("fk_payments_original_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_payments_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint(
            "tenant_id", "idempotency_key", name="uq_payments_tenant_idempotency_key"
        ),
    )
    op.create_index("ix_payments_tenant_id", "payments", ["tenant_id", "id"], unique=False)
    op.create_index(
        "ix_payments_tenant_invoice", "payments", ["tenant_id", "invoice_id"], unique=False
    )
    op.create_index(
        "ix_payments_tenant_status", "payments", ["tenant_id", "status", "settlement"], unique=False
    )
    op.create_table(
        "payment_history",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("payment_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("before_sale", sa.BigInteger(), nullable=False),
        sa.Column("before_refund", sa.BigInteger(), nullable=False),
        sa.Column("before_applied", sa.BigInteger(), nullable=False),
        sa.Column("before_unapplied", sa.BigInteger(), nullable=False),
        sa.Column("after_sale", sa.BigInteger(), nullable=False),
        sa.Column("after_refund", sa.BigInteger(), nullable=False),
        sa.Column("after_applied", sa.BigInteger(), nullable=False),
        sa.Column("after_unapplied", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_payment_history_payment_id_payments")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_payment_history_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_history")),
    )
    op.create_index(
        "ix_payment_history_tenant_payment",
        "payment_history",
        ["tenant_id", "payment_id", "id"],
        unique=False,
    )


def downgrade() -> None:
    for table in ("payment_history", "payments", "payment_methods", "invoices"):
        op.drop_table(table)
