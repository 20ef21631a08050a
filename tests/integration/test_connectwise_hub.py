"""A tenant connected to the ConnectWise sandbox, through the hub's own use cases and outbox
(CW-1, CW-2, CW-4, CW-8, INT-2, INT-5, QUO-3..6): the connection reads Connected, a new
organization is pushed, a quote lands as an opportunity with its product items and PDF,
editing one line writes one product item, won moves the opportunity, and a rejection is a
sync error with ConnectWise's own message that a retry clears after the fix."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from adapters.sandboxes.connectwise.app import SANDBOX_CREDENTIALS
from application.crm.use_cases import CreateOrganization, UpdateOrganization
from application.integrations.connections import ConnectSystem, NewConnection
from application.integrations.sync_errors import SyncErrorFilter
from application.integrations.worker import OutboxWorker, WorkerSettings
from application.quotes.use_cases import ChangeLine, LineSpec, PublishQuote
from application.shared.pagination import PageRequest
from domain.crm.contact import ContactProfile
from domain.crm.organization import Address, OrganizationChanges, OrganizationProfile
from domain.identity.tenant import TenantId
from domain.integrations.connection import ConnectionStatus, System
from domain.quotes.quote import QuoteHeader
from domain.shared.money import Currency
from entrypoints.containers import Container
from tests.support.connectwise import ConnectWiseSandbox, served_connectwise
from tests.support.factories import new_tenant
from tests.support.sync import set_aside_leftovers

FAST = WorkerSettings(poll_seconds=0.02, backoff_base_seconds=0.02, backoff_cap_seconds=0.2)
SETTINGS = {
    "push_organizations": True,
    "sync_opportunities": True,
    "sync_products": True,
    "new_quote": {"default_employee": "asmith"},
}


@pytest.fixture
def cw() -> Iterator[ConnectWiseSandbox]:
    yield from served_connectwise()


@pytest.fixture(autouse=True)
async def _leftovers_set_aside(container: Container) -> None:
    await set_aside_leftovers(container)


async def _connected(container: Container, cw: ConnectWiseSandbox) -> tuple[TenantId, Any]:
    tenant = (await new_tenant(container)).tenant.id
    connect: ConnectSystem = container.integrations.connect_system()
    connection = await connect(
        tenant,
        NewConnection(
            system=System.CONNECTWISE,
            name="ConnectWise",
            base_url=cw.url,
            credentials=SANDBOX_CREDENTIALS,
            settings=SETTINGS,
        ),
    )
    return tenant, connection


async def _drain(container: Container) -> None:
    worker: OutboxWorker = container.integrations.worker(settings=FAST)
    await worker.run_until_idle()


async def test_a_tenant_pushes_an_organization_and_publishes_a_quote_to_connectwise(
    container: Container, cw: ConnectWiseSandbox
) -> None:
    tenant, connection = await _connected(container, cw)
    tested = await container.integrations.test_connection()(tenant, connection.id)
    assert tested.status is ConnectionStatus.CONNECTED  # CW-1
    create: CreateOrganization = container.crm.create_organization()
    address = Address(line1="1 Main St", city="Seattle", state="Atlantis", country="United States")
    organization = await create(
        tenant, OrganizationProfile(name="Harbor Clinic", phone="555", billing_address=address)
    )
    await _drain(container)
    errors = await container.integrations.sync_errors().page(tenant, *_all_errors())
    assert ["no state named 'Atlantis'" in e.message for e in errors.items] == [True]  # CW-8
    assert cw.store.records["company/companies"] == {}
    update: UpdateOrganization = container.crm.update_organization()
    fixed = Address(line1="1 Main St", city="Seattle", state="Washington", country="United States")
    await update(tenant, organization.id, OrganizationChanges(billing_address=fixed))
    await _drain(container)
    [company] = cw.store.records["company/companies"].values()
    assert company["state"] == "WA"
    errors = await container.integrations.sync_errors().page(tenant, *_all_errors())
    assert errors.items == []  # the correction delivered, the error cleared
    contact = await container.crm.create_contact()(
        tenant,
        organization.id,
        ContactProfile(first_name="Dana", last_name="Lee", email="dana@harbor.example"),
    )
    lines = [
        LineSpec(quantity=Decimal(2), name="Firewall", sku="FW-1", unit_price=Decimal("499")),
        LineSpec(quantity=Decimal(1), name="Switch", sku="SW-1", unit_price=Decimal("220")),
    ]
    quote = await container.quotes.create_quote()(
        tenant,
        QuoteHeader(
            organization_id=organization.id,
            contact_id=contact.id,
            owner_name="Sam Seller",
            title="Clinic network",
            currency=Currency.USD,
            expires_on=container.core.clock().now().date() + timedelta(days=30),
        ),
        lines,
    )
    publish: PublishQuote = container.quotes.publish()
    await publish(tenant, quote.id)
    await _drain(container)
    [opportunity] = cw.store.records["sales/opportunities"].values()
    assert opportunity["company"] == {"id": company["id"]}
    assert len(cw.store.records["procurement/products"]) == 2
    assert len(cw.store.records["system/documents"]) == 1
    # A second quote with the same items: its lines use the catalog items the first made.
    second = await container.quotes.create_quote()(
        tenant, replace(quote.header, title="Two"), lines
    )
    await publish(tenant, second.id)
    await _drain(container)
    assert len(cw.store.records["procurement/catalog"]) == 2
    change: ChangeLine = container.quotes.change_line()
    changed = LineSpec(quantity=Decimal(3), name="Firewall", sku="FW-1", unit_price=Decimal("499"))
    for edited in (quote, second):
        start = len(cw.journal())
        await change(tenant, edited.id, edited.lines[0].id, changed)
        await publish(tenant, edited.id)
        await _drain(container)
        calls = cw.journal()[start:]
        writes = [(e["method"], e["path"].split("/")[1]) for e in calls if e["method"] != "GET"]
        # One product item, the new PDF in, the old out; at most 5 calls in all.
        assert writes == [("PATCH", "products"), ("POST", "documents"), ("DELETE", "documents")]
        assert len(calls) <= 5
    assert len(cw.store.records["system/documents"]) == 2
    await container.quotes.win()(tenant, quote.id)
    await _drain(container)
    won = cw.call("GET", f"sales/opportunities/{opportunity['id']}").json()
    assert won["stage"]["name"] == "Closed Won"
    assert (await cw.state())["duplicates"] == {k: [] for k in (await cw.state())["duplicates"]}


def _all_errors() -> tuple[SyncErrorFilter, PageRequest]:
    return SyncErrorFilter(), PageRequest(limit=50)
