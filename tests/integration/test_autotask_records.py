"""Contacts, contracts, tickets and invoices against the Autotask sandbox over real HTTP:
the puller (PAY-12), tickets opened from notifications (PAY-13), paid invoices, INT-4."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import httpx
import pytest

from adapters.sandboxes.autotask.app import (
    SANDBOX_CREDENTIALS,
    api_headers,
    create_autotask_sandbox,
)
from adapters.vendors.autotask.client import AutotaskClients
from adapters.vendors.autotask.sync import (
    AutotaskInvoicePaid,
    AutotaskPuller,
    AutotaskTicketOpen,
)
from application.integrations.ports import (
    ConnectionConfig,
    Deliverer,
    Puller,
    PullRequest,
    VendorRejected,
)
from tests.support.autotask import (
    AutotaskSandbox,
    InMemoryExternalLinks,
    UnlimitedLimits,
    autotask_connection,
    company_body,
    contact_body,
    contract_body,
    invoice_body,
    outbox_message,
    ticket_body,
)
from tests.support.records import record_dict
from tests.support.sandboxes import sandbox_starter

HEADERS = api_headers(SANDBOX_CREDENTIALS)
TICKET_SETTINGS = {"ticket_queue_id": 29683481, "ticket_issue_type": 9, "ticket_sub_issue_type": 91}


@dataclass(frozen=True)
class Sandbox(AutotaskSandbox):
    def company(self) -> int:
        return self.store.create("Companies", company_body())

    def seed(self, entity: str, company_id: int, count: int) -> list[int]:
        """Records entered in Autotask itself, as its users and its billing make them."""
        return [self.make(entity, company_id, n) for n in range(count)]

    def make(self, entity: str, company_id: int, n: int = 0) -> int:
        if entity == "contact":
            body = contact_body(lastName=f"Lovelace {n}")
            return self.store.create_child("Companies", company_id, "Contacts", body)
        if entity == "contract":
            return self.store.create("Contracts", contract_body(company_id))
        if entity == "ticket":
            return self.store.create("Tickets", ticket_body(company_id, title=f"Ticket {n}"))
        return self.store.seed("Invoices", invoice_body(company_id, invoiceNumber=f"INV-{n}"))

    def change(self, entity: str, company_id: int, item_id: int) -> None:
        """What a user does in Autotask to a record after it was pulled."""
        if entity == "contact":
            body = {"id": item_id, "title": "CFO"}
            self.store.update_child("Companies", company_id, "Contacts", body)
        elif entity == "contract":
            self.store.update("Contracts", {"id": item_id, "status": 0})
        elif entity == "ticket":
            self.store.update("Tickets", {"id": item_id, "status": 5})
        else:
            self.store.void_invoice(item_id)


StartSandbox = Callable[..., Sandbox]
ENTITIES = ["contact", "contract", "ticket", "invoice"]
AUTOTASK_NAMES = {
    "contact": "Contacts",
    "contract": "Contracts",
    "ticket": "Tickets",
    "invoice": "Invoices",
}


@pytest.fixture
def start_sandbox() -> Iterator[StartSandbox]:
    with sandbox_starter(Sandbox, create_autotask_sandbox) as start:
        yield start


@pytest.fixture
def sent() -> list[httpx.Request]:
    return []


@pytest.fixture
async def clients(sent: list[httpx.Request]) -> AsyncIterator[AutotaskClients]:
    async def record(request: httpx.Request) -> None:
        sent.append(request)

    async with httpx.AsyncClient(event_hooks={"request": [record]}) as http:
        clients = AutotaskClients(UnlimitedLimits(), http=http, timeout=5)
        yield clients
        await clients.aclose()


async def pulled(
    puller: Puller, request: PullRequest, connection: ConnectionConfig
) -> list[dict[str, Any]]:
    return [
        record_dict(r) async for page in puller.pages(request, connection) for r in page.records
    ]


# --- the puller (PAY-12) ------------------------------------------------------------------------


@pytest.mark.parametrize("entity", ENTITIES)
async def test_first_sync_pages_through_more_than_500_records_by_next_page_url_pay_12(
    start_sandbox: StartSandbox, clients: AutotaskClients, entity: str
) -> None:
    sandbox = start_sandbox()
    company = sandbox.company()
    ids = sandbox.seed(entity, company, 503)
    connection = autotask_connection(sandbox.url)
    puller: Puller = AutotaskPuller(clients)

    pages = [p async for p in puller.pages(PullRequest(entity), connection)]

    assert [len(p.records) for p in pages] == [500, 3]
    records = [record_dict(r) for p in pages for r in p.records]
    assert [r["external_id"] for r in records] == [str(i) for i in ids]
    assert {r["organization_external_id"] for r in records} == {str(company)}
    assert not any("invalid" in r for r in records)
    assert f"/v1.0/{AUTOTASK_NAMES[entity]}/query" in str(pages[0].next_checkpoint)
    assert pages[-1].next_checkpoint is None
    # A pull that crashed after the first page resumes on the second (its checkpoint).
    resumed = PullRequest(entity, checkpoint=pages[0].next_checkpoint)
    rest = await pulled(puller, resumed, connection)
    assert [r["external_id"] for r in rest] == [str(i) for i in ids[500:]]


@pytest.mark.parametrize("entity", ENTITIES)
async def test_later_syncs_pull_only_what_changed_since_pay_12(
    start_sandbox: StartSandbox, clients: AutotaskClients, entity: str
) -> None:
    sandbox = start_sandbox()
    company = sandbox.company()
    _, second, _ = sandbox.seed(entity, company, 3)
    await asyncio.sleep(0.01)
    since = datetime.now(UTC)
    await asyncio.sleep(0.01)
    sandbox.change(entity, company, second)
    connection = autotask_connection(sandbox.url)

    records = await pulled(AutotaskPuller(clients), PullRequest(entity, since), connection)

    assert [r["external_id"] for r in records] == [str(second)]


async def test_pulled_records_read_as_the_hub_wants_them_pay_12(
    start_sandbox: StartSandbox, clients: AutotaskClients
) -> None:
    sandbox = start_sandbox()
    company = sandbox.company()
    for entity in ENTITIES:
        sandbox.make(entity, company)
    [invoice_id] = [i["id"] for i in (await sandbox.state())["entities"]["Invoices"]]
    sandbox.store.void_invoice(invoice_id)
    connection = autotask_connection(sandbox.url)
    puller = AutotaskPuller(clients)

    [contact] = await pulled(puller, PullRequest("contact"), connection)
    [contract] = await pulled(puller, PullRequest("contract"), connection)
    [ticket] = await pulled(puller, PullRequest("ticket"), connection)
    [invoice] = await pulled(puller, PullRequest("invoice"), connection)

    assert (contact["first_name"], contact["last_name"], contact["active"]) == (
        "Ada",
        "Lovelace 0",
        True,
    )
    assert (contract["title"], contract["status"]) == ("Managed services 2026", "Active")
    assert (ticket["title"], ticket["status"]) == ("Ticket 0", "New")
    assert invoice == {
        "external_id": str(invoice_id),
        "organization_external_id": str(company),
        "psa_number": "INV-0",
        "total": "0.30",  # seeded as 0.1 + 0.2
        "invoice_date": "2026-03-01",
        "due_date": "2026-03-31",
        "description": "March services",
        "voided": True,
        "paid_date": None,
    }


async def test_status_labels_are_read_once_per_connection(
    start_sandbox: StartSandbox, clients: AutotaskClients, sent: list[httpx.Request]
) -> None:
    sandbox = start_sandbox()
    company = sandbox.company()
    sandbox.seed("ticket", company, 2)
    connection = autotask_connection(sandbox.url)
    puller = AutotaskPuller(clients)

    for _ in range(3):
        await pulled(puller, PullRequest("ticket"), connection)

    reads = [r for r in sent if r.url.path.endswith("/Tickets/entityInformation/fields")]
    assert len(reads) == 1


async def test_a_malformed_record_is_reported_invalid_and_the_pull_goes_on_int_7_pay_12(
    start_sandbox: StartSandbox, clients: AutotaskClients
) -> None:
    sandbox = start_sandbox()
    company = sandbox.company()
    first = sandbox.make("invoice", company)
    orphan = sandbox.store.seed("Invoices", invoice_body(company, companyID=None))
    last = sandbox.make("invoice", company)
    connection = autotask_connection(sandbox.url)

    records = await pulled(AutotaskPuller(clients), PullRequest("invoice"), connection)

    assert [r["external_id"] for r in records] == [str(first), str(orphan), str(last)]
    assert records[1] == {
        "external_id": str(orphan),
        "invalid": f"Autotask invoice {orphan} has no companyID",
    }


async def test_an_invoice_paid_today_is_pulled_again_though_autotask_keeps_only_the_date(
    start_sandbox: StartSandbox, clients: AutotaskClients
) -> None:
    sandbox = start_sandbox()
    invoice = sandbox.make("invoice", sandbox.company())
    await asyncio.sleep(0.01)
    since = datetime.now(UTC)
    today = datetime.now(UTC).date().isoformat()
    sandbox.store.update("Invoices", {"id": invoice, "paidDate": f"{today}T00:00:00"})
    connection = autotask_connection(sandbox.url)

    records = await pulled(AutotaskPuller(clients), PullRequest("invoice", since), connection)

    assert [(r["external_id"], r["paid_date"]) for r in records] == [(str(invoice), today)]


async def test_an_entity_the_puller_does_not_know_is_refused(
    start_sandbox: StartSandbox, clients: AutotaskClients
) -> None:
    connection = autotask_connection(start_sandbox().url)

    with pytest.raises(VendorRejected, match="cannot pull 'opportunity'"):
        await pulled(AutotaskPuller(clients), PullRequest("opportunity"), connection)


# --- tickets from notifications (PAY-13) --------------------------------------------------------


def ticket_message(
    connection: ConnectionConfig, organization_id: UUID, aggregate_id: UUID | None = None
) -> Any:
    payload = {
        "organization_id": str(organization_id),
        "title": "Payment failed for INV-1001",
        "description": "The card ending 4242 was declined.",
    }
    return outbox_message(connection, "ticket.open", payload, aggregate_id=aggregate_id)


async def linked_organization(
    sandbox: Sandbox, links: InMemoryExternalLinks, connection: ConnectionConfig
) -> tuple[UUID, int]:
    company = sandbox.company()
    organization_id = uuid.uuid4()
    await links.link(connection.connection_id, "organization", organization_id, str(company))
    return organization_id, company


async def test_notification_opens_a_ticket_on_the_chosen_queue_issue_and_priority_pay_13(
    start_sandbox: StartSandbox, clients: AutotaskClients
) -> None:
    sandbox = start_sandbox()
    connection = autotask_connection(
        sandbox.url, settings={**TICKET_SETTINGS, "ticket_priority": 4}
    )
    links = InMemoryExternalLinks()
    organization_id, company = await linked_organization(sandbox, links, connection)
    deliverer: Deliverer = AutotaskTicketOpen(clients, links)
    message = ticket_message(connection, organization_id)

    await deliverer.deliver(message, connection)

    [ticket] = (await sandbox.state())["entities"]["Tickets"]
    assert ticket["companyID"] == company
    assert ticket["title"] == "Payment failed for INV-1001"
    assert ticket["description"] == "The card ending 4242 was declined."
    assert (ticket["queueID"], ticket["issueType"], ticket["subIssueType"]) == (29683481, 9, 91)
    assert (ticket["priority"], ticket["status"]) == (4, 1)  # chosen priority; status New
    assert ticket["externalID"] == f"q2c:{message.aggregate_id}"


async def test_without_chosen_priority_and_status_the_picklists_medium_and_new_are_used(
    start_sandbox: StartSandbox, clients: AutotaskClients
) -> None:
    sandbox = start_sandbox()
    connection = autotask_connection(sandbox.url, settings={"ticket_queue_id": 5})
    links = InMemoryExternalLinks()
    organization_id, _ = await linked_organization(sandbox, links, connection)

    await AutotaskTicketOpen(clients, links).deliver(
        ticket_message(connection, organization_id), connection
    )

    [ticket] = (await sandbox.state())["entities"]["Tickets"]
    assert (ticket["priority"], ticket["status"], ticket["issueType"]) == (2, 1, None)


async def test_a_retried_delivery_opens_no_second_ticket_int_4_pay_13(
    start_sandbox: StartSandbox, clients: AutotaskClients
) -> None:
    """The worker died after Autotask's create and before the acknowledgement: it retries."""
    sandbox = start_sandbox()
    connection = autotask_connection(sandbox.url, settings=TICKET_SETTINGS)
    links = InMemoryExternalLinks()
    organization_id, _ = await linked_organization(sandbox, links, connection)
    deliverer = AutotaskTicketOpen(clients, links)
    message = ticket_message(connection, organization_id)

    await deliverer.deliver(message, connection)
    await deliverer.deliver(message, connection)
    await deliverer.deliver(ticket_message(connection, organization_id), connection)

    assert (await sandbox.state())["counts"]["Tickets"] == 2  # one per notification


async def test_a_connection_without_a_queue_is_refused_before_any_call_pay_13(
    start_sandbox: StartSandbox, clients: AutotaskClients
) -> None:
    sandbox = start_sandbox()
    connection = autotask_connection(sandbox.url)
    links = InMemoryExternalLinks()
    organization_id, _ = await linked_organization(sandbox, links, connection)

    with pytest.raises(VendorRejected, match="ticket_queue_id"):
        await AutotaskTicketOpen(clients, links).deliver(
            ticket_message(connection, organization_id), connection
        )

    assert (await sandbox.state())["requests"] == {}


async def test_a_ticket_for_an_organization_not_in_autotask_is_refused(
    start_sandbox: StartSandbox, clients: AutotaskClients
) -> None:
    sandbox = start_sandbox()
    connection = autotask_connection(sandbox.url, settings=TICKET_SETTINGS)

    with pytest.raises(VendorRejected, match="not linked to an Autotask company"):
        await AutotaskTicketOpen(clients, InMemoryExternalLinks()).deliver(
            ticket_message(connection, uuid.uuid4()), connection
        )


async def test_a_queue_autotask_does_not_have_is_refused_in_autotasks_words(
    start_sandbox: StartSandbox, clients: AutotaskClients
) -> None:
    sandbox = start_sandbox()
    connection = autotask_connection(sandbox.url, settings={"ticket_queue_id": 12345})
    links = InMemoryExternalLinks()
    organization_id, _ = await linked_organization(sandbox, links, connection)

    with pytest.raises(VendorRejected, match="queueID: 12345 is not a value of its picklist"):
        await AutotaskTicketOpen(clients, links).deliver(
            ticket_message(connection, organization_id), connection
        )


# --- paid invoices -------------------------------------------------------------------------------


async def test_a_payment_marks_the_linked_autotask_invoice_paid(
    start_sandbox: StartSandbox, clients: AutotaskClients
) -> None:
    sandbox = start_sandbox()
    invoice = sandbox.make("invoice", sandbox.company())
    connection = autotask_connection(sandbox.url)
    links = InMemoryExternalLinks()
    hub_invoice = uuid.uuid4()
    await links.link(connection.connection_id, "invoice", hub_invoice, str(invoice))
    deliverer: Deliverer = AutotaskInvoicePaid(clients, links)
    payload = {"invoice_id": str(hub_invoice), "paid_date": "2026-03-15"}

    await deliverer.deliver(outbox_message(connection, "invoice.paid", payload), connection)
    await deliverer.deliver(outbox_message(connection, "invoice.paid", payload), connection)

    state = await sandbox.state()
    [record] = state["entities"]["Invoices"]
    assert record["paidDate"] == "2026-03-15T00:00:00"
    assert [u["fields"] for u in state["updates"]["Invoices"][str(invoice)]] == [
        {"paidDate": "2026-03-15T00:00:00"}
    ] * 2


async def test_paying_an_invoice_not_pulled_from_autotask_is_refused(
    start_sandbox: StartSandbox, clients: AutotaskClients
) -> None:
    sandbox = start_sandbox()
    connection = autotask_connection(sandbox.url)
    payload = {"invoice_id": str(uuid.uuid4()), "paid_date": date(2026, 3, 15).isoformat()}

    with pytest.raises(VendorRejected, match="not linked to an Autotask invoice"):
        await AutotaskInvoicePaid(clients, InMemoryExternalLinks()).deliver(
            outbox_message(connection, "invoice.paid", payload), connection
        )


# --- the sandbox keeps Autotask's rules for these entities --------------------------------------


async def test_the_api_cannot_create_invoices_only_the_sandboxs_control_can(
    start_sandbox: StartSandbox, clients: AutotaskClients
) -> None:
    sandbox = start_sandbox()
    company = sandbox.company()
    client = await clients.client(autotask_connection(sandbox.url))

    with pytest.raises(VendorRejected) as caught:
        await client.create("Invoices", {"invoiceDateTime": "2026-03-01T00:00:00"})

    assert caught.value.status == 405
    seeded = await sandbox.control("autotask/invoices", invoice_body(company))
    voided = await sandbox.control(f"autotask/invoices/{seeded['itemId']}/void")
    assert seeded["item"]["invoiceNumber"] == "INV-1001"
    assert voided["item"]["isVoided"] is True
    assert voided["item"]["voidedDate"] is not None
    assert (await sandbox.state())["counts"]["Invoices"] == 1


async def test_contacts_are_made_under_their_company_and_their_stamp_moves_on_change(
    start_sandbox: StartSandbox, clients: AutotaskClients
) -> None:
    sandbox = start_sandbox()
    company = sandbox.company()
    client = await clients.client(autotask_connection(sandbox.url))
    with pytest.raises(VendorRejected) as caught:
        await client.create("Contacts", contact_body(companyID=company))
    assert caught.value.status == 405

    contact = sandbox.make("contact", company)
    created = await client.get("Contacts", contact)
    await asyncio.sleep(0.01)
    sandbox.change("contact", company, contact)
    changed = await client.get("Contacts", contact)

    assert created is not None
    assert changed is not None
    assert changed["lastModifiedDate"] > created["lastModifiedDate"]
    assert (changed["title"], changed["companyID"], changed["isActive"]) == ("CFO", company, 1)


async def test_invoices_take_a_put_and_refuse_a_query_on_due_date(
    start_sandbox: StartSandbox, clients: AutotaskClients
) -> None:
    sandbox = start_sandbox()
    invoice = sandbox.make("invoice", sandbox.company())
    client = await clients.client(autotask_connection(sandbox.url))
    url = f"{await client.zone_url()}v1.0/Invoices"

    async with httpx.AsyncClient(headers=HEADERS) as http:
        put = await http.put(url, json={"id": invoice, "webServiceDate": "2026-03-02T10:00:00Z"})
        query = {"filter": [{"op": "gte", "field": "dueDate", "value": "2026-01-01"}]}
        refused = await http.post(f"{url}/query", json=query)

    assert put.json() == {"itemId": invoice}
    record = await client.get("Invoices", invoice)
    assert record is not None
    assert (record["webServiceDate"], record["comments"]) == ("2026-03-02T10:00:00Z", None)
    assert record["invoiceNumber"] == "INV-0"  # read-only: a PUT leaves it be
    assert refused.status_code == 500
    assert refused.json() == {
        "errors": ["The field dueDate of the Invoice entity cannot be queried"]
    }
