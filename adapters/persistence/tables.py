"""The schema. Every table carries ``tenant_id``; Alembic migrations create it."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)

from adapters.persistence.types import (
    CurrencyCode,
    DecimalText,
    MinorUnits,
    QuoteLines,
    StrEnumType,
    UtcDateTime,
)
from domain.billing.invoice import InvoiceStatus
from domain.billing.methods import Environment, MethodKind
from domain.billing.payment import PaymentStatus, SettlementState
from domain.catalog.item import ItemKind, Period
from domain.crm.organization import OrganizationStatus, OrganizationType
from domain.crm.records import RecordKind
from domain.identity.access import Role
from domain.integrations.connection import ConnectionStatus, Family, System
from domain.notifications.notification import NotificationKind, NotificationStatus
from domain.quotes.quote import DiscountKind, QuoteStatus

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _tenant() -> Column[object]:
    return Column("tenant_id", Uuid, ForeignKey("tenants.id"), nullable=False)


tenants = Table(
    "tenants",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("currency", CurrencyCode, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
)

tenant_branding = Table(
    "tenant_branding",
    metadata,
    Column("tenant_id", Uuid, ForeignKey("tenants.id"), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("address", JSON, nullable=False),  # printable lines
    Column("email", String(254)),
    Column("phone", String(40)),
    Column("website", String(200)),
    Column("quote_terms", Text),
    Column("payment_terms", Text),
    Column("accent_colour", String(7), nullable=False),
    Column("default_tax_rate", DecimalText, nullable=False),
    Column("invoice_ready_emails", Boolean, nullable=False),
)

tenant_logos = Table(
    "tenant_logos",
    metadata,
    Column("tenant_id", Uuid, ForeignKey("tenants.id"), primary_key=True),
    Column("media_type", String(20), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Uuid, primary_key=True),
    _tenant(),
    Column("name", String(100), nullable=False),
    Column("role", StrEnumType(Role), nullable=False),
    Column("prefix", String(32), nullable=False, unique=True),
    Column("secret_hash", String(128), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
    Column("contact_id", Uuid, ForeignKey("contacts.id"), nullable=True),  # portal tokens
    Column("expires_at", UtcDateTime, nullable=True),  # portal sessions
    Index("ix_api_keys_tenant", "tenant_id", "id"),
)

quote_acceptances = Table(
    "quote_acceptances",
    metadata,
    Column("id", Uuid, primary_key=True),
    _tenant(),
    Column("quote_id", Uuid, ForeignKey("quotes.id"), nullable=False),
    Column("contact_id", Uuid, ForeignKey("contacts.id"), nullable=False),
    Column("signed_name", String(100), nullable=False),
    Column("ip_address", String(64), nullable=False),
    Column("pdf_sha256", String(64), nullable=False),
    Column("accepted_at", UtcDateTime, nullable=False),
    Index("ix_quote_acceptances_tenant", "tenant_id", "quote_id"),
)

portal_invitations = Table(
    "portal_invitations",
    metadata,
    Column("id", Uuid, primary_key=True),
    _tenant(),
    Column("contact_id", Uuid, ForeignKey("contacts.id"), nullable=False),
    Column("secret_hash", String(128), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime, nullable=True),
    Column("invited_by", String(100), nullable=False),
    Index("ix_portal_invitations_tenant", "tenant_id", "id"),
)

organizations = Table(
    "organizations",
    metadata,
    Column("id", Uuid, primary_key=True),
    _tenant(),
    Column("name", String(100), nullable=False),
    Column("type", StrEnumType(OrganizationType), nullable=False),
    Column("status", StrEnumType(OrganizationStatus), nullable=False),
    Column("account_number", String(50)),
    Column("address_line1", String(100)),
    Column("address_line2", String(100)),
    Column("city", String(100)),
    Column("state", String(100)),
    Column("postal_code", String(100)),
    Column("country", String(100)),
    Column("phone", String(30)),
    Column("fax", String(30)),
    Column("website", String(255)),
    Column("parent_id", Uuid),
    Column("bill_to_id", Uuid),
    Column("default_contact_id", Uuid),
    Column("currency", CurrencyCode),
    Column("credit_limit_minor", MinorUnits),
    Column("credit_limit_currency", CurrencyCode),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_organizations_tenant_id", "tenant_id", "id"),
    Index("ix_organizations_tenant_status", "tenant_id", "status", "id"),
)

contacts = Table(
    "contacts",
    metadata,
    Column("id", Uuid, primary_key=True),
    _tenant(),
    Column("organization_id", Uuid, ForeignKey("organizations.id"), nullable=False),
    Column("first_name", String(50), nullable=False),
    Column("last_name", String(50), nullable=False),
    Column("title", String(100)),
    Column("email", String(254)),
    Column("phone", String(30)),
    Column("mobile", String(30)),
    Column("fax", String(30)),
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_contacts_tenant_id", "tenant_id", "id"),
    Index("ix_contacts_tenant_organization", "tenant_id", "organization_id", "id"),
)

# PAY-15: one row per key of one API key (a portal token is one too); ``body`` is sealed.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("tenant_id", Uuid, ForeignKey("tenants.id"), primary_key=True),
    Column("api_key_id", Uuid, ForeignKey("api_keys.id"), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("token", String(32), nullable=False),  # the claim's holder
    Column("lease_until", UtcDateTime, nullable=False),  # an unanswered claim is dead after
    Column("status_code", Integer),
    Column("content_type", String(100)),
    Column("body", LargeBinary),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Index("ix_idempotency_keys_expires_at", "expires_at"),
)


# --- integrations: connections, outbox, sync errors, external links, vendor limits ---

connections = Table(
    "connections",
    metadata,
    Column("id", Uuid, primary_key=True),
    _tenant(),
    Column("system", StrEnumType(System), nullable=False),
    Column("family", StrEnumType(Family), nullable=False),
    Column("name", String(100), nullable=False),
    Column("base_url", String(500), nullable=False),
    Column("credentials_ciphertext", LargeBinary, nullable=False),
    Column("credentials_masked", JSON, nullable=False),
    Column("settings", JSON, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("status", StrEnumType(ConnectionStatus), nullable=False),
    Column("status_reason", Text),
    Column("checked_at", UtcDateTime),
    Column("sync_interval_minutes", Integer, nullable=False),
    Column("last_sync_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_connections_tenant_id", "tenant_id", "id"),
    # One PSA, one accounting system and one payment gateway enabled per tenant (PAY-10).
    Index(
        "uq_connections_enabled_family",
        "tenant_id",
        "family",
        unique=True,
        postgresql_where=text("enabled"),
        sqlite_where=text("enabled"),
    ),
)

outbox = Table(
    "outbox",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    _tenant(),
    Column("connection_id", Uuid, ForeignKey("connections.id"), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("aggregate_type", String(32), nullable=False),
    Column("aggregate_id", Uuid, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("status", String(16), nullable=False),  # pending | delivered | failed
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("lease_owner", String(64)),
    Column("lease_until", UtcDateTime),
    Column("last_error", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("delivered_at", UtcDateTime),
    Index(
        "ix_outbox_due",
        "next_attempt_at",
        "id",
        postgresql_where=text("status = 'pending'"),
        sqlite_where=text("status = 'pending'"),
    ),
    Index(
        "ix_outbox_aggregate",
        "aggregate_id",
        "id",
        postgresql_where=text("status = 'pending'"),
        sqlite_where=text("status = 'pending'"),
    ),
)

sync_errors = Table(
    "sync_errors",
    metadata,
    Column("id", Uuid, primary_key=True),
    _tenant(),
    Column("connection_id", Uuid, ForeignKey("connections.id"), nullable=False),
    Column("outbox_id", BigInteger().with_variant(Integer, "sqlite"), nullable=True, unique=True),
    Column("kind", String(64), nullable=False),
    Column("entity_type", String(32), nullable=False),
    Column("entity_id", Uuid, nullable=False),
    Column("message", Text, nullable=False),
    Column("status", String(16), nullable=False),  # open | dismissed | resolved
    Column("attempts", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_sync_errors_tenant", "tenant_id", "status", "id"),
    Index("ix_sync_errors_entity", "connection_id", "entity_type", "entity_id"),
)

external_links = Table(
    "external_links",
    metadata,
    _tenant(),
    Column("connection_id", Uuid, ForeignKey("connections.id"), primary_key=True),
    Column("entity_type", String(32), primary_key=True),
    Column("entity_id", Uuid, primary_key=True),
    Column("external_id", String(100), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint(
        "connection_id", "entity_type", "external_id", name="uq_external_links_external"
    ),
)

sync_jobs = Table(
    "sync_jobs",
    metadata,
    Column("id", Uuid, primary_key=True),
    _tenant(),
    Column("connection_id", Uuid, ForeignKey("connections.id"), nullable=False),
    Column("entity", String(200), nullable=False),  # one entity, or several joined by "+"
    Column("full", Boolean, nullable=False),
    Column("status", String(16), nullable=False),  # requested | running | done | failed
    Column("checkpoint", Text),
    Column("changed_since", UtcDateTime),
    Column("records", Integer, nullable=False),
    Column("error", Text),
    Column("lease_owner", String(64)),
    Column("lease_until", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Index("ix_sync_jobs_tenant", "tenant_id", "id"),
)

# Shared by every worker process on PostgreSQL: slots are leases, budgets are counted windows.
vendor_slots = Table(
    "vendor_slots",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("slot", Integer, primary_key=True),
    Column("holder", String(64)),
    Column("expires_at", UtcDateTime),
)

vendor_budgets = Table(
    "vendor_budgets",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("window_start", UtcDateTime, primary_key=True),
    Column("used", Integer, nullable=False),
)

vendor_pauses = Table(
    "vendor_pauses",
    metadata,
    Column("connection_id", Uuid, primary_key=True),
    Column("until", UtcDateTime, nullable=False),
)


# --- billing: invoices, payments and their history, payment methods ---

invoices = Table(
    "invoices",
    metadata,
    Column("id", Uuid, primary_key=True),
    _tenant(),
    Column("organization_id", Uuid, ForeignKey("organizations.id"), nullable=False),
    Column("psa_number", String(50), nullable=False),
    Column("currency", CurrencyCode, nullable=False),
    Column("status", StrEnumType(InvoiceStatus), nullable=False),
    Column("number", String(50)),
    Column("accounting_id", String(100)),
    Column("total_amount", MinorUnits, nullable=False),
    Column("applied_amount", MinorUnits, nullable=False),
    Column("held_amount", MinorUnits, nullable=False),
    Column("invoice_date", Date, nullable=False),
    Column("due_date", Date),
    Column("description", Text, nullable=False),
    Column("date_paid", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    UniqueConstraint("tenant_id", "psa_number", name="uq_invoices_tenant_psa_number"),
    Index("ix_invoices_tenant_id", "tenant_id", "id"),
    Index("ix_invoices_tenant_organization", "tenant_id", "organization_id", "id"),
    Index("ix_invoices_tenant_status", "tenant_id", "status", "id"),
)

payment_methods = Table(
    "payment_methods",
    metadata,
    Column("id", Uuid, primary_key=True),
    _tenant(),
    Column("organization_id", Uuid, ForeignKey("organizations.id"), nullable=False),
    Column("vault_id", String(100), nullable=False),
    Column("kind", StrEnumType(MethodKind), nullable=False),
    Column("brand", String(30), nullable=False),
    Column("last4", String(4), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("initial_transaction_id", String(100)),  # the charge that stored the card
    Index("ix_payment_methods_tenant_organization", "tenant_id", "organization_id", "id"),
)

payments = Table(
    "payments",
    metadata,
    Column("id", Uuid, primary_key=True),
    _tenant(),
    Column("invoice_id", Uuid, ForeignKey("invoices.id")),
    Column("original_invoice_id", Uuid, ForeignKey("invoices.id"), nullable=False),
    Column("organization_id", Uuid, ForeignKey("organizations.id"), nullable=False),
    Column("contact_id", Uuid, ForeignKey("contacts.id"), nullable=False),
    Column("environment", StrEnumType(Environment), nullable=False),
    Column("idempotency_key", String(200), nullable=False),
    Column("method_id", Uuid, ForeignKey("payment_methods.id"), nullable=False),
    Column("method_kind", StrEnumType(MethodKind), nullable=False),
    Column("method_brand", String(30), nullable=False),
    Column("method_last4", String(4), nullable=False),
    Column("vault_id", String(100), nullable=False),
    Column("currency", CurrencyCode, nullable=False),
    Column("status", StrEnumType(PaymentStatus), nullable=False),
    Column("settlement", StrEnumType(SettlementState), nullable=False),
    Column("transaction_id", String(100)),
    Column("gateway_message", Text, nullable=False),
    Column("gateway_code", String(10), nullable=False),
    Column("requested_amount", MinorUnits, nullable=False),
    Column("sale_amount", MinorUnits, nullable=False),
    Column("refund_amount", MinorUnits, nullable=False),
    Column("applied_amount", MinorUnits, nullable=False),
    Column("unapplied_amount", MinorUnits, nullable=False),
    Column("refunded_at_gateway", MinorUnits, nullable=False),
    # A refund sent to the gateway, not answered yet (PAY-6): its money moves once it is.
    Column("pending_refund_amount", MinorUnits, nullable=False),
    Column("pending_refund_invoice_id", Uuid, ForeignKey("invoices.id")),
    Column("pending_refund_since", UtcDateTime),
    Column("pending_refund_baseline", MinorUnits, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    # PAY-15: one payment per idempotency key, whatever races the requests run.
    UniqueConstraint("tenant_id", "idempotency_key", name="uq_payments_tenant_idempotency_key"),
    Index("ix_payments_tenant_id", "tenant_id", "id"),
    Index("ix_payments_tenant_invoice", "tenant_id", "invoice_id"),
    Index("ix_payments_tenant_status", "tenant_id", "status", "settlement"),
    Index("ix_payments_pending_refund", "pending_refund_since"),
)

_AMOUNTS = ("sale", "refund", "applied", "unapplied")

payment_history = Table(
    "payment_history",
    metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    _tenant(),
    Column("payment_id", Uuid, ForeignKey("payments.id"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(40), nullable=False),
    Column("status", StrEnumType(PaymentStatus), nullable=False),
    Column("note", Text, nullable=False),
    *(Column(f"before_{name}", MinorUnits, nullable=False) for name in _AMOUNTS),
    *(Column(f"after_{name}", MinorUnits, nullable=False) for name in _AMOUNTS),
    Index("ix_payment_history_tenant_payment", "tenant_id", "payment_id", "id"),
)


# --- PSA mirrors (contracts, tickets) and notifications ---

psa_records = Table(
    "psa_records",
    metadata,
    Column("id", Uuid, primary_key=True),
    _tenant(),
    Column("connection_id", Uuid, ForeignKey("connections.id"), nullable=False),
    Column("kind", StrEnumType(RecordKind), nullable=False),
    Column("external_id", String(100), nullable=False),
    Column("organization_id", Uuid, ForeignKey("organizations.id"), nullable=False),
    Column("title", String(255), nullable=False),
    Column("status", String(100), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint(
        "tenant_id", "connection_id", "kind", "external_id", name="uq_psa_records_external"
    ),
    Index("ix_psa_records_tenant_organization", "tenant_id", "organization_id", "kind", "id"),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Uuid, primary_key=True),
    _tenant(),
    Column("kind", StrEnumType(NotificationKind), nullable=False),
    Column("subject_id", Uuid, nullable=False),
    Column("to_address", String(254), nullable=False),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("sender_name", String(100)),  # the MSP's name, the email's From display name
    Column("status", StrEnumType(NotificationStatus), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime),
    Column("error", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime),
    Column("lease_owner", String(64)),
    Column("lease_until", UtcDateTime),
    Index("ix_notifications_due", "status", "next_attempt_at"),
    Index("ix_notifications_tenant", "tenant_id", "id"),
)

# Quotes: the catalog, quotes with their lines, and where each quote landed in a PSA.

categories = Table(
    "categories",
    metadata,
    Column("id", Uuid, primary_key=True),
    _tenant(),
    Column("name", String(100), nullable=False),
    Column("parent_id", Uuid, ForeignKey("categories.id")),
    Column("labor", Boolean, nullable=False),
    Column("kaseya_item_type", String(50)),
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_categories_tenant_id", "tenant_id", "id"),
)

catalog_items = Table(
    "catalog_items",
    metadata,
    Column("id", Uuid, primary_key=True),
    _tenant(),
    Column("kind", StrEnumType(ItemKind), nullable=False),
    Column("sku", String(50), nullable=False),
    Column("name", String(100), nullable=False),
    Column("currency", CurrencyCode, nullable=False),
    Column("unit_price", MinorUnits, nullable=False),
    Column("unit_cost", MinorUnits),
    Column("mpn", String(50)),
    Column("description", Text),
    Column("customer_description", Text),
    Column("category_id", Uuid, ForeignKey("categories.id")),
    Column("subcategory_id", Uuid, ForeignKey("categories.id")),
    Column("period", StrEnumType(Period)),
    Column("taxable", Boolean, nullable=False),
    Column("unit_of_measure", String(30), nullable=False),
    Column("source_system", String(30)),
    Column("source_kind", String(30)),
    Column("source_external_id", String(100)),
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    UniqueConstraint("tenant_id", "sku", name="uq_catalog_items_tenant_sku"),
    Index("ix_catalog_items_tenant_id", "tenant_id", "id"),
)

quotes = Table(
    "quotes",
    metadata,
    Column("id", Uuid, primary_key=True),
    _tenant(),
    Column("number", String(30), nullable=False),
    Column("organization_id", Uuid, ForeignKey("organizations.id"), nullable=False),
    Column("contact_id", Uuid, ForeignKey("contacts.id")),
    Column("owner_name", String(100), nullable=False),
    Column("owner_email", String(254)),
    Column("title", String(200), nullable=False),
    Column("currency", CurrencyCode, nullable=False),
    Column("expires_on", Date, nullable=False),
    Column("notes", Text),
    Column("opportunity_ref", String(50)),
    # The lines, in order, as JSON: money in minor units, quantities and rates as text.
    Column("lines", QuoteLines, nullable=False),
    Column("discount_kind", StrEnumType(DiscountKind)),
    Column("discount_value", DecimalText),
    Column("status", StrEnumType(QuoteStatus), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("changed_since_publish", Boolean, nullable=False),
    Column("published_at", UtcDateTime),
    Column("decided_at", UtcDateTime),
    Column("lost_reason", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    UniqueConstraint("tenant_id", "number", name="uq_quotes_tenant_number"),
    Index("ix_quotes_tenant_id", "tenant_id", "id"),
    Index("ix_quotes_tenant_organization", "tenant_id", "organization_id", "id"),
)

quote_pushes = Table(
    "quote_pushes",
    metadata,
    Column("quote_id", Uuid, ForeignKey("quotes.id"), primary_key=True),
    Column("connection_id", Uuid, ForeignKey("connections.id"), primary_key=True),
    _tenant(),
    Column("revision", Integer, nullable=False),
    Column("opportunity_ref", String(100), nullable=False),
    Column("quote_ref", String(100), nullable=False),
    Column("warnings", JSON, nullable=False),
    Column("outcome", String(10)),
    Column("pushed_at", UtcDateTime, nullable=False),
)
