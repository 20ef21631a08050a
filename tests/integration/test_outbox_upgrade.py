"""Messages already in an outbox when the hub is upgraded still deliver (INT-5).

The rows below are what the version before typed messages wrote, key for key and value for
value (ids, dates and amounts as text, the revision as a number, a payment off any invoice as
the text "None"). They must decode into the typed messages and reach their deliverers.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import insert

from adapters.persistence import tables
from application.integrations.messages import (
    MESSAGE_KINDS,
    InvoicePaid,
    InvoicePush,
    Message,
    OrganizationPush,
    PaymentPush,
    QuoteOutcome,
    QuotePush,
    TicketOpen,
    decode,
    encode,
)
from application.integrations.sync_errors import SyncErrorFilter, SyncErrors
from application.integrations.worker import OutboxWorker, WorkerSettings
from application.shared.pagination import PageRequest
from domain.crm.organization import Address
from domain.identity.tenant import TenantId
from domain.integrations.connection import Connection, System
from entrypoints.containers import Container, build_container
from entrypoints.settings import Settings
from tests.support.sync import RecordingDeliverer, set_aside_leftovers, tenant_with_autotask

ORGANIZATION = UUID("0b7d2c4e-1f3a-4c5b-8d6e-7f8091a2b3c4")
QUOTE = UUID("1c8e3d5f-2a4b-4d6c-9e7f-8091a2b3c4d5")
INVOICE = UUID("2d9f4e6a-3b5c-4e7d-af80-91a2b3c4d5e6")
PAYMENT = UUID("3eaf5f7b-4c6d-4f8e-b091-a2b3c4d5e6f7")

# kind, aggregate type, aggregate id, the payload as stored, the message it holds
LEGACY: list[tuple[str, str, UUID, dict[str, Any], Message]] = [
    (
        "organization.push",
        "organization",
        ORGANIZATION,
        {
            "id": str(ORGANIZATION),
            "name": "Contoso",
            "phone": "555",
            "fax": None,
            "website": None,
            "account_number": "C-1",
            "status": "active",
            "billing_address": {
                "line1": "1 Main St",
                "line2": None,
                "city": "Seattle",
                "state": "WA",
                "postal_code": "98101",
                "country": None,
            },
            "changed": ["name", "phone"],
        },
        OrganizationPush(
            ORGANIZATION,
            "Contoso",
            "555",
            None,
            None,
            "C-1",
            "active",
            Address("1 Main St", None, "Seattle", "WA", "98101", None),
            ("name", "phone"),
        ),
    ),
    (
        "quote.push",
        "quote",
        QUOTE,
        {"quote_id": str(QUOTE), "revision": 2},
        QuotePush(QUOTE, 2),
    ),
    (
        "quote.outcome",
        "quote",
        QUOTE,
        {"quote_id": str(QUOTE), "outcome": "won"},
        QuoteOutcome(QUOTE, "won"),
    ),
    (
        "invoice.push",
        "invoice",
        INVOICE,
        {
            "void": False,
            "id": str(INVOICE),
            "psa_number": "INV-1001",
            "customer_name": "Contoso",
            "invoice_date": "2026-03-01",
            "due_date": None,
            "total": "125.50",
            "currency": "USD",
            "description": "",
        },
        InvoicePush(
            INVOICE,
            False,
            "INV-1001",
            "Contoso",
            date(2026, 3, 1),
            None,
            Decimal("125.50"),
            "USD",
            "",
        ),
    ),
    (
        "payment.push",
        "payment",
        PAYMENT,
        {"payment_id": str(PAYMENT), "invoice_id": "None"},
        PaymentPush(PAYMENT, None),
    ),
    (
        "invoice.paid",
        "invoice",
        INVOICE,
        {"invoice_id": str(INVOICE), "paid_date": "2026-03-15"},
        InvoicePaid(INVOICE, date(2026, 3, 15)),
    ),
    (
        "ticket.open",
        "payment",
        PAYMENT,
        {
            "organization_id": str(ORGANIZATION),
            "title": "Payment failed for invoice INV-1001",
            "description": "The card was declined.",
            "kind": "payment_failed",
        },
        TicketOpen(
            ORGANIZATION,
            "Payment failed for invoice INV-1001",
            "The card was declined.",
            "payment_failed",
        ),
    ),
]


def test_every_kind_has_a_row_written_before_the_upgrade() -> None:
    assert {kind for kind, *_ in LEGACY} == MESSAGE_KINDS


@pytest.mark.parametrize(("kind", "payload", "message"), [(r[0], r[3], r[4]) for r in LEGACY])
def test_a_stored_payload_decodes_and_encodes_back(
    kind: str, payload: dict[str, Any], message: Message
) -> None:
    assert decode(kind, payload) == message
    if kind != "payment.push":  # the text "None" is now written as null
        assert encode(message) == (kind, payload)


@pytest.fixture
async def container(database_url: str) -> AsyncIterator[Container]:
    container = build_container(Settings(database_url=database_url, secret_key="k" * 32))
    await set_aside_leftovers(container)
    yield container
    await container.persistence.probe().close()


async def insert_rows(
    container: Container,
    tenant: TenantId,
    connection: Connection,
    rows: list[tuple[str, str, UUID, dict[str, Any]]],
) -> None:
    now = datetime.now(UTC)
    async with container.persistence.sessions()() as session:
        for kind, aggregate_type, aggregate_id, payload in rows:
            await session.execute(
                insert(tables.outbox).values(
                    tenant_id=tenant,
                    connection_id=connection.id,
                    kind=kind,
                    aggregate_type=aggregate_type,
                    # one aggregate each: none waits behind another's message
                    aggregate_id=uuid.uuid5(aggregate_id, kind),
                    payload=payload,
                    status="pending",
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
        await session.commit()


def worker(container: Container, deliverer: RecordingDeliverer) -> OutboxWorker:
    return OutboxWorker(
        container.persistence.outbox(),
        container.integrations.configs(),
        deliverers={(System.AUTOTASK, kind): deliverer for kind in MESSAGE_KINDS},
        clock=container.core.clock(),
        settings=WorkerSettings(poll_seconds=0.02, max_attempts=3, lease_seconds=30),
        owner="upgrade-test",
    )


async def test_messages_written_before_the_upgrade_deliver_after_it_int_5(
    container: Container,
) -> None:
    tenant, connection = await tenant_with_autotask(container)
    await insert_rows(container, tenant, connection, [row[:4] for row in LEGACY])
    deliverer = RecordingDeliverer()
    await worker(container, deliverer).run_until_idle()
    mine = [m for m in deliverer.delivered if m.tenant_id == tenant]
    assert len(mine) == len(LEGACY)
    assert {(m.kind, m.body) for m in mine} == {(kind, message) for kind, *_, message in LEGACY}


async def test_an_unreadable_message_becomes_a_sync_error_and_the_others_deliver_int_7(
    container: Container,
) -> None:
    tenant, connection = await tenant_with_autotask(container)
    broken = {"invoice_id": str(INVOICE), "paid_date": "15/03/2026"}
    await insert_rows(
        container,
        tenant,
        connection,
        [("invoice.paid", "invoice", INVOICE, broken), LEGACY[1][:4]],
    )
    deliverer = RecordingDeliverer()
    await worker(container, deliverer).run_until_idle()
    assert [m.body for m in deliverer.delivered if m.tenant_id == tenant] == [QuotePush(QUOTE, 2)]
    errors: SyncErrors = container.integrations.sync_errors()
    listed = (
        await errors.page(tenant, SyncErrorFilter(connection_id=connection.id), PageRequest())
    ).items
    assert [e.message for e in listed] == [
        "the invoice.paid message has no valid paid_date: '15/03/2026'; "
        "it needs paid_date as YYYY-MM-DD"
    ]
