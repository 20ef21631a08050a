"""Imperative mapping: the domain classes stay plain, SQLAlchemy learns their shape here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Composite, composite, registry

from adapters.persistence import tables
from adapters.persistence.quote_mapping import map_quotes
from domain.billing.invoice import Invoice
from domain.billing.methods import PaymentMethod
from domain.billing.payment import Payment
from domain.crm.contact import Contact
from domain.crm.organization import Address, Organization
from domain.crm.records import PsaRecord
from domain.identity.access import ApiKey
from domain.identity.invitation import PortalInvitation
from domain.identity.tenant import Tenant
from domain.integrations.connection import Connection, SealedCredentials
from domain.notifications.notification import Notification
from domain.quotes.acceptance import QuoteAcceptance
from domain.shared.money import Money

mapper_registry = registry(metadata=tables.metadata)


def _optional_money(amount: Any, currency: Any) -> Money | None:
    return None if amount is None else Money(amount, currency)


def _money_columns(money: Money | None) -> tuple[Any, Any]:
    return (None, None) if money is None else (money.amount, money.currency)


class _Built(Composite[Any]):
    """A value object over flat columns, built by ``build`` and read back by ``values``.

    SQLAlchemy builds a composite from its columns even when all are NULL, and reads it back
    by its attributes in column order; value objects with keyword-only fields, nested values
    or an optional whole need both directions spelled out.
    """

    def __init__(
        self, build: Callable[..., Any], values: Callable[[Any], tuple[Any, ...]], *columns: Any
    ) -> None:
        self._values = values
        super().__init__(build, *columns)

    def _init_accessor(self) -> None:
        self._generated_composite_accessor = self._values


def _optional_money_of(*columns: Any) -> _Built:
    """An optional Money over (minor units, currency) columns: NULLs load as ``None``."""
    return _Built(_optional_money, _money_columns, *columns)


def start_mappers() -> None:
    """Map once per process; later calls are no-ops."""
    if mapper_registry.mappers:
        return
    org = tables.organizations.c
    mapper_registry.map_imperatively(Tenant, tables.tenants)
    mapper_registry.map_imperatively(ApiKey, tables.api_keys)
    mapper_registry.map_imperatively(PortalInvitation, tables.portal_invitations)
    mapper_registry.map_imperatively(QuoteAcceptance, tables.quote_acceptances)
    mapper_registry.map_imperatively(
        Organization,
        tables.organizations,
        version_id_col=org.version,
        properties={
            "billing_address": composite(
                Address,
                org.address_line1,
                org.address_line2,
                org.city,
                org.state,
                org.postal_code,
                org.country,
            ),
            "credit_limit": _optional_money_of(org.credit_limit_minor, org.credit_limit_currency),
        },
    )
    mapper_registry.map_imperatively(
        Contact, tables.contacts, version_id_col=tables.contacts.c.version
    )
    conn = tables.connections.c
    mapper_registry.map_imperatively(
        Connection,
        tables.connections,
        version_id_col=conn.version,
        properties={
            "credentials": composite(
                SealedCredentials, conn.credentials_ciphertext, conn.credentials_masked
            ),
        },
    )
    mapper_registry.map_imperatively(
        Invoice, tables.invoices, version_id_col=tables.invoices.c.version
    )
    mapper_registry.map_imperatively(
        Payment, tables.payments, version_id_col=tables.payments.c.version
    )
    mapper_registry.map_imperatively(PaymentMethod, tables.payment_methods)
    mapper_registry.map_imperatively(PsaRecord, tables.psa_records)
    n = tables.notifications.c
    mapper_registry.map_imperatively(
        Notification, tables.notifications, exclude_properties=[n.lease_owner, n.lease_until]
    )
    quoting = map_quotes(mapper_registry, _Built)
    loaded = (Organization, Contact, Tenant, ApiKey, Connection, Invoice, Payment, PaymentMethod)
    for cls in (*loaded, *quoting):
        event.listen(cls, "load", _init_events)


def _init_events(target: Any, _context: Any) -> None:
    target.__dict__["_events"] = []
