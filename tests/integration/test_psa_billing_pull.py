"""A PSA pull over every entity (PAY-12), invoices voided with the PSA (PAY-3), and what the
sync policy sends on (PAY-1: every imported invoice goes to the accounting system).

The puller here is scripted (the Autotask puller is tested against its sandbox elsewhere), so
each test states exactly what the PSA holds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, update

from adapters.persistence import tables
from application.billing.imports import pull_appliers
from application.billing.payments import TakePaymentCommand
from application.billing.repositories import InvoiceFilter
from application.crm.ports import ContactFilter
from application.integrations.appliers import pulled_id
from application.integrations.ports import ConnectionConfig, PulledPage, PullRequest
from application.integrations.pulls import PullRunner, SyncJob, SyncNow
from application.shared.pagination import PageRequest
from domain.billing.invoice import Invoice, InvoiceId, InvoiceStatus
from domain.billing.methods import Environment
from domain.billing.payment import PaymentStatus
from domain.crm.organization import ContactId
from domain.crm.records import RecordKind
from domain.identity.tenant import TenantId
from domain.integrations.connection import Connection, System
from domain.shared.money import Money
from entrypoints.containers import Container
from tests.support.billing import billing
from tests.support.records import record_of
from tests.support.sync import tenant_with_autotask


class Crash(Exception):
    pass


@dataclass
class ScriptedPsa:
    """A Puller over in-memory records per entity, two records a page, checkpoint = offset."""

    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    crash_after_pages: int | None = None
    pages_served: int = 0
    requests: list[PullRequest] = field(default_factory=list)

    async def pages(
        self,
        request: PullRequest,
        connection: ConnectionConfig,  # noqa: ARG002 - the Puller port's
    ) -> AsyncIterator[PulledPage]:
        self.requests.append(request)
        rows = self.records.get(request.entity, [])
        start = int(request.checkpoint or 0)
        for offset in range(start, max(len(rows), 1), 2):
            if self.crash_after_pages is not None and self.pages_served >= self.crash_after_pages:
                raise Crash
            self.pages_served += 1
            following = offset + 2 if offset + 2 < len(rows) else None
            page = [record_of(request.entity, row) for row in rows[offset : offset + 2]]
            yield PulledPage(page, None if following is None else str(following))


def psa_data() -> dict[str, list[dict[str, Any]]]:
    return {
        "organization": [
            {"external_id": "100", "name": "Contoso Ltd", "phone": "555-0100", "active": True},
            {"external_id": "101", "name": "Fabrikam Inc", "phone": "555-0101", "active": True},
        ],
        "contact": [
            {
                "external_id": "200",
                "organization_external_id": "100",
                "first_name": "Jane",
                "last_name": "Doe",
                "email": "jane@contoso.example",
                "active": True,
            },
            {
                "external_id": "201",
                "organization_external_id": "999",  # not pulled: skipped with the reason
                "first_name": "Lost",
                "last_name": "Person",
                "active": True,
            },
        ],
        "contract": [
            {
                "external_id": "300",
                "organization_external_id": "100",
                "title": "Managed services 2026",
                "status": "Active",
            }
        ],
        "ticket": [
            {
                "external_id": "400",
                "organization_external_id": "101",
                "title": "Printer offline",
                "status": "New",
            }
        ],
        "invoice": [
            {
                "external_id": "500",
                "organization_external_id": "100",
                "psa_number": "INV-500",
                "total": "1250.40",
                "invoice_date": "2026-11-01",
                "due_date": "2026-12-01",
                "description": "November services",
                "voided": False,
                "paid_date": None,
            },
            {
                "external_id": "501",
                "organization_external_id": "101",
                "psa_number": "INV-501",
                "total": "99.99",
                "invoice_date": "2026-10-01",
                "due_date": None,
                "description": "",
                "voided": True,
                "paid_date": None,
            },
            {"external_id": "502", "invalid": "its companyID is missing"},
        ],
    }


def runner(container: Container, psa: ScriptedPsa) -> PullRunner:
    return PullRunner(
        container.persistence.uow(),
        container.integrations.configs(),
        pullers={System.AUTOTASK: psa},
        appliers=pull_appliers(),
        jobs=container.persistence.jobs(),
        clock=container.core.clock(),
    )


async def sync(
    container: Container, tenant: TenantId, connection: Connection, psa: ScriptedPsa
) -> SyncJob:
    sync_now: SyncNow = container.integrations.sync_now()
    (job,) = await sync_now(tenant, connection.id, full=True)
    claimed = await container.persistence.jobs().claim("test", 60, job.id)
    assert claimed is not None
    return await runner(container, psa).run(claimed, "test")


async def invoices(container: Container, tenant: TenantId) -> dict[str, Invoice]:
    async with container.persistence.uow()(tenant) as uow:
        found = await uow.invoices.list(InvoiceFilter(), PageRequest(limit=200))
    return {i.psa_number: i for i in found}


async def outbox_kinds(container: Container, tenant: TenantId) -> list[tuple[str, str]]:
    engine = container.persistence.engine()
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(tables.outbox.c.kind, tables.outbox.c.aggregate_id)
            .where(tables.outbox.c.tenant_id == tenant)
            .order_by(tables.outbox.c.id)
        )
        return [(r.kind, str(r.aggregate_id)) for r in rows]


@pytest.fixture
async def psa_tenant(container: Container) -> tuple[TenantId, Connection]:
    return await tenant_with_autotask(container, pull_invoices=True)


async def test_the_first_sync_pulls_organizations_contacts_contracts_tickets_and_invoices_pay_12(
    container: Container, psa_tenant: tuple[TenantId, Connection]
) -> None:
    tenant, connection = psa_tenant
    psa = ScriptedPsa(psa_data())
    done = await sync(container, tenant, connection, psa)
    assert done.status == "done"
    assert [r.entity for r in psa.requests] == [
        "organization",
        "contact",
        "contract",
        "ticket",
        "invoice",
    ]
    assert all(r.changed_since is None for r in psa.requests)  # the whole history
    assert done.error is not None
    assert "contact 201: its organization 999 has not been pulled" in done.error
    assert "invoice 502: its companyID is missing" in done.error
    contoso = pulled_id(connection.id, "100")
    async with container.persistence.uow()(tenant) as uow:
        contact = await uow.contacts.get(pulled_id(connection.id, "200", "contact"))
        mirrors = await uow.psa_records.of_organization(contoso)
    assert (contact.email, contact.organization_id) == ("jane@contoso.example", contoso)
    assert [(m.kind, m.title, m.status) for m in mirrors] == [
        (RecordKind.CONTRACT, "Managed services 2026", "Active")
    ]
    pulled = await invoices(container, tenant)
    november = pulled["INV-500"]
    assert november.total == Money.of("1250.40", "USD")
    assert november.organization_id == contoso
    # PAY-1: pulled, not yet numbered by the accounting system, so not payable.
    assert november.number is None
    assert not november.payable
    assert pulled["INV-501"].status is InvoiceStatus.VOID


async def test_pulling_again_changes_nothing_and_sends_nothing_twice_pay_12(
    container: Container, psa_tenant: tuple[TenantId, Connection]
) -> None:
    tenant, connection = psa_tenant
    await billing(container, tenant=tenant)  # connects QuickBooks (and BNG)
    psa = ScriptedPsa(psa_data())
    await sync(container, tenant, connection, psa)
    first = await outbox_kinds(container, tenant)
    before = await invoices(container, tenant)
    await sync(container, tenant, connection, ScriptedPsa(psa_data()))
    assert await outbox_kinds(container, tenant) == first
    after = await invoices(container, tenant)
    assert {k: v.id for k, v in after.items()} == {k: v.id for k, v in before.items()}
    november = str(pulled_id(connection.id, "500", "invoice"))
    # The open invoice went to the accounting system once; the void one not at all (PAY-1).
    assert [k for k, a in first if a == november] == ["invoice.push"]
    voided = str(pulled_id(connection.id, "501", "invoice"))
    assert all(a != voided for _, a in first)


async def test_a_changed_psa_invoice_is_revised_and_pushed_again(
    container: Container, psa_tenant: tuple[TenantId, Connection]
) -> None:
    tenant, connection = psa_tenant
    await billing(container, tenant=tenant)
    data = psa_data()
    await sync(container, tenant, connection, ScriptedPsa(data))
    data["invoice"][0]["total"] = "1300.00"
    await sync(container, tenant, connection, ScriptedPsa(data))
    assert (await invoices(container, tenant))["INV-500"].total == Money.of("1300.00", "USD")
    november = str(pulled_id(connection.id, "500", "invoice"))
    pushes = [k for k, a in await outbox_kinds(container, tenant) if a == november]
    assert pushes == ["invoice.push", "invoice.push"]


async def test_an_invoice_voided_in_the_psa_is_voided_here_and_its_payments_unapplied_pay_3(
    container: Container, psa_tenant: tuple[TenantId, Connection]
) -> None:
    tenant, connection = psa_tenant
    setup = await billing(container, tenant=tenant)
    data = psa_data()
    await sync(container, tenant, connection, ScriptedPsa(data))
    invoice_id = InvoiceId(pulled_id(connection.id, "500", "invoice"))
    async with container.persistence.uow()(tenant) as uow:  # numbered by accounting (PAY-1)
        invoice = await uow.invoices.get(invoice_id)
        invoice.numbered("1042", "qb-1042", invoice.created_at)
        await uow.commit()
    # Jane (pulled) pays with a method of her organization.
    async with container.persistence.uow()(tenant) as uow:
        method = await uow.payment_methods.get(setup.method)
        method.organization_id = invoice.organization_id
        await uow.commit()
    payment = await setup.take(
        tenant,
        TakePaymentCommand(
            invoice_id=invoice_id,
            method_id=setup.method,
            contact_id=ContactId(pulled_id(connection.id, "200", "contact")),
            environment=Environment.STAFF,
            idempotency_key="void-test",
            actor="test",
            amount=Money.of("250.40", "USD"),
        ),
    )
    assert payment.status is PaymentStatus.APPROVED
    data["invoice"][0]["voided"] = True
    await sync(container, tenant, connection, ScriptedPsa(data))
    async with container.persistence.uow()(tenant) as uow:
        voided = await uow.invoices.get(invoice_id)
        moved = await uow.payments.get(payment.id)
        history = await uow.payments.history(payment.id)
    assert voided.status is InvoiceStatus.VOID
    assert voided.applied.amount == 0
    assert (moved.applied_amount, moved.unapplied_amount) == (Decimal("0.00"), Decimal("250.40"))
    assert history[-1].actor == f"psa:{connection.id}"


async def test_a_crashed_pull_resumes_at_the_entity_and_page_it_was_on_pay_12(
    container: Container, psa_tenant: tuple[TenantId, Connection]
) -> None:
    tenant, connection = psa_tenant
    data = psa_data()
    data["contact"] += [
        {
            "external_id": str(210 + i),
            "organization_external_id": "101",
            "first_name": f"C{i}",
            "last_name": "Fabrikam",
            "active": True,
        }
        for i in range(5)
    ]
    psa = ScriptedPsa(data, crash_after_pages=3)  # organizations (1 page), contacts 2 of 4
    sync_now: SyncNow = container.integrations.sync_now()
    (job,) = await sync_now(tenant, connection.id, full=True)
    jobs = container.persistence.jobs()
    claimed = await jobs.claim("first", 60, job.id)
    assert claimed is not None
    with pytest.raises(Crash):
        await runner(container, psa).run(claimed, "first")
    await _expire(container, job)
    again = await jobs.claim("second", 60, job.id)
    assert again is not None
    assert again.checkpoint == "1|4"
    resumed = ScriptedPsa(data)
    done = await runner(container, resumed).run(again, "second")
    assert done.status == "done"
    assert (resumed.requests[0].entity, resumed.requests[0].checkpoint) == ("contact", "4")
    async with container.persistence.uow()(tenant) as uow:
        fabrikam = await uow.organizations.get(pulled_id(connection.id, "101"))
    async with container.persistence.uow()(tenant) as uow:
        contacts = await uow.contacts.list(
            ContactFilter(organization_id=fabrikam.id), PageRequest()
        )
    assert sorted(c.first_name for c in contacts) == [f"C{i}" for i in range(5)]


async def _expire(container: Container, job: SyncJob) -> None:
    engine = container.persistence.engine()
    async with engine.begin() as connection:
        await connection.execute(
            update(tables.sync_jobs)
            .where(tables.sync_jobs.c.id == job.id)
            .values(lease_until=datetime(2000, 1, 1, tzinfo=UTC))
        )
