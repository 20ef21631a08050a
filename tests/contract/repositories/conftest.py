"""One repository contract for every persistence family: the fakes, SQLite and PostgreSQL.

Each test gets a ``World``: a fresh tenant with an organization, a contact and a PSA
connection committed, and builders for every other aggregate, so a test states only what it
checks. Rows the database would refuse (a missing parent) are never built.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import count
from typing import Any

import pytest
from sqlalchemy import update

from adapters.persistence import tables
from adapters.persistence.memory import InMemoryUnitOfWorkFactory
from application.shared.unit_of_work import UnitOfWork
from domain.billing import ledger
from domain.billing.invoice import Invoice, InvoiceDetails, InvoiceId
from domain.billing.methods import (
    Environment,
    MethodDetails,
    MethodKind,
    PaymentMethod,
    PaymentMethodId,
)
from domain.billing.payment import Payment, PaymentId, PaymentRequest
from domain.catalog.item import (
    CatalogItem,
    CatalogItemId,
    Category,
    CategoryId,
    ItemDetails,
    ItemKind,
)
from domain.crm.contact import Contact, ContactProfile
from domain.crm.organization import ContactId, Organization
from domain.crm.records import PsaRecord, RecordKind
from domain.identity.tenant import TenantId
from domain.integrations.connection import Connection, ConnectionId, SealedCredentials, System
from domain.notifications.notification import (
    Notification,
    NotificationKind,
    NotificationStatus,
)
from domain.quotes.quote import Quote, QuoteHeader, QuoteId
from domain.shared.ids import new_id
from domain.shared.money import Currency, Money
from entrypoints.containers import Container, build_container
from entrypoints.settings import Settings
from tests.conftest import settings_for
from tests.support.factories import NOW, new_tenant, organization
from tests.support.sync import set_aside_leftovers

FAMILIES = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
EVERYTHING = 1000
_numbers = count(1)


@pytest.fixture(params=FAMILIES)
async def stack(request: pytest.FixtureRequest) -> AsyncIterator[Container]:
    """The persistence family under test: the fake, or the real one on either database."""
    if request.param == "memory":
        yield build_container(Settings(), persistence="memory")
        return
    url: str = request.getfixturevalue(f"{request.param}_url")
    container = build_container(settings_for(url))
    yield container
    await container.persistence.probe().close()


@dataclass
class World:
    """One tenant's committed parents, and builders for the rest."""

    stack: Container
    tenant: TenantId
    org: Organization
    contact: Contact
    psa: Connection
    card: PaymentMethod

    def uow(self, tenant: TenantId | None = None) -> UnitOfWork:
        uow: UnitOfWork = self.stack.persistence.uow()(tenant or self.tenant)
        return uow

    async def save(self, *items: Any) -> None:
        """Add and commit, each to its repository."""
        async with self.uow(items[0].tenant_id if items else None) as uow:
            for item in items:
                await repository(uow, item).add(item)
            await uow.commit()

    def organization(self, name: str = "Contoso", **profile: object) -> Organization:
        return organization(self.tenant, name, **profile)

    def new_contact(self, first: str = "Ada", last: str = "Lovelace") -> Contact:
        return Contact(
            id=ContactId(new_id()),
            tenant_id=self.tenant,
            organization_id=self.org.id,
            profile=ContactProfile(first_name=first, last_name=last, email="ada@contoso.test"),
            now=NOW,
        )

    def connection(self, system: System = System.QUICKBOOKS) -> Connection:
        return Connection(
            id=ConnectionId(new_id()),
            tenant_id=self.tenant,
            system=system,
            name=system.value,
            base_url="http://127.0.0.1:9/unused",
            credentials=SealedCredentials(b"sealed", {"key": "****"}),
            settings={},
            now=NOW,
        )

    def invoice(self, total: str = "100.00", *, psa_number: str | None = None) -> Invoice:
        made = Invoice(
            id=InvoiceId(new_id()),
            tenant_id=self.tenant,
            details=InvoiceDetails(
                psa_number=psa_number or f"T-{next(_numbers)}",
                organization_id=self.org.id,
                total=Money.of(total, "USD"),
                invoice_date=date(2026, 11, 1),
            ),
            now=NOW,
        )
        made.numbered(f"{next(_numbers)}", f"qb-{made.id.hex[-8:]}", NOW)
        return made

    def method(self) -> PaymentMethod:
        return PaymentMethod(
            id=PaymentMethodId(new_id()),
            tenant_id=self.tenant,
            organization_id=self.org.id,
            details=MethodDetails(f"vault-{next(_numbers)}", MethodKind.CARD, "visa", "1111"),
            now=NOW,
        )

    def payment(self, on: Invoice, amount: str, *, key: str | None = None) -> Payment:
        """A pending payment, its amount held on ``on`` (PAY-2)."""
        return ledger.start_payment(
            on,
            PaymentRequest(
                invoice_id=on.id,
                organization_id=self.org.id,
                contact_id=self.contact.id,
                amount=Money.of(amount, "USD"),
                method_id=self.card.id,
                method=self.card.details,
                environment=Environment.STAFF,
                idempotency_key=key or f"key-{next(_numbers)}",
            ),
            payment_id=PaymentId(new_id()),
            tenant_id=self.tenant,
            actor="key:contract",
            now=NOW,
        )

    def record(self, external_id: str, kind: RecordKind = RecordKind.TICKET) -> PsaRecord:
        return PsaRecord(
            id=new_id(),
            tenant_id=self.tenant,
            connection_id=self.psa.id,
            kind=kind,
            external_id=external_id,
            organization_id=self.org.id,
            title=f"Record {external_id}",
            status="open",
            updated_at=NOW,
        )

    def category(self, name: str, parent: Category | None = None) -> Category:
        return Category(
            id=CategoryId(new_id()),
            tenant_id=self.tenant,
            name=name,
            parent_id=None if parent is None else parent.id,
            now=NOW,
        )

    def item(self, sku: str, name: str = "Widget", **details: Any) -> CatalogItem:
        return CatalogItem(
            id=CatalogItemId(new_id()),
            tenant_id=self.tenant,
            details=ItemDetails(
                kind=details.pop("kind", ItemKind.PRODUCT),
                sku=sku,
                name=name,
                unit_price=Money.of("10.00", "USD"),
                **details,
            ),
            now=NOW,
        )

    def quote(self, number: str, title: str = "Servers", expires_on: date | None = None) -> Quote:
        return Quote(
            id=QuoteId(new_id()),
            tenant_id=self.tenant,
            number=number,
            header=QuoteHeader(
                organization_id=self.org.id,
                owner_name="Sam Rivera",
                title=title,
                currency=Currency.USD,
                expires_on=expires_on or date(2026, 12, 31),
            ),
            now=NOW,
        )

    def notification(self, subject: str = "Payment received") -> Notification:
        return Notification(
            id=new_id(),
            tenant_id=self.tenant,
            kind=NotificationKind.PAYMENT_RECEIVED,
            subject_id=new_id(),
            to_address="ada@contoso.test",
            title=subject,
            body="Thank you.",
            created_at=datetime.now(UTC),
        )


def repository(uow: UnitOfWork, item: object) -> Any:
    """The unit of work's repository for ``item``'s kind."""
    kinds: dict[type[Any], Any] = {
        Organization: uow.organizations,
        Contact: uow.contacts,
        Connection: uow.connections,
        Invoice: uow.invoices,
        Payment: uow.payments,
        PaymentMethod: uow.payment_methods,
        PsaRecord: uow.psa_records,
        Notification: uow.notifications,
        Category: uow.categories,
        CatalogItem: uow.catalog_items,
        Quote: uow.quotes,
    }
    return kinds[type(item)]


async def world_of(stack: Container) -> World:
    tenant = (await new_tenant(stack)).tenant.id
    org = organization(tenant, "Home Org")
    draft = World(stack, tenant, org, None, None, None)  # type: ignore[arg-type]
    draft.contact = draft.new_contact()
    draft.psa = draft.connection(System.AUTOTASK)
    draft.card = draft.method()
    await draft.save(org)
    await draft.save(draft.contact, draft.psa, draft.card)
    return draft


@pytest.fixture
async def world(stack: Container) -> World:
    return await world_of(stack)


@pytest.fixture
async def alone(stack: Container) -> None:
    """Claims span tenants: on a database earlier tests share, what they left pending (outbox
    messages, notifications) is set aside first, as the outbox tests do."""
    if isinstance(stack.persistence.uow(), InMemoryUnitOfWorkFactory):
        return
    await set_aside_leftovers(stack)
    n = tables.notifications.c
    async with stack.persistence.sessions()() as session:
        await session.execute(
            update(tables.notifications)
            .where(n.status == NotificationStatus.PENDING)
            .values(status=NotificationStatus.FAILED, error="left by an earlier test")
        )
        await session.commit()


@pytest.fixture
async def elsewhere(stack: Container) -> World:
    """Another tenant on the same database, with the same parents."""
    return await world_of(stack)
