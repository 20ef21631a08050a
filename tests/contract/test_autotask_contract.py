"""Both sides held to Autotask's published contract (``shared/contracts``).

One scenario drives the adapters against the sandbox over HTTP while an httpx event hook
records every exchange: organizations pushed, records pulled, a ticket opened, an invoice paid,
and a quote published, edited, won and searched for (QUO-3..6). The tests then check each
request the adapters sent and each answer the sandbox gave: operations of
``autotask_operations.tsv``, fields and types of ``autotask_entities.json`` (non-nullable =
required), and for Tickets and QuoteLocations, which that file lacks, of
``autotask_docs_entities.json`` beside this test, taken from Autotask's REST documentation
(its ``_source`` names the pages). Contracts are still held to the sandbox's own declaration
(PAY-12, PAY-13, INT-4)."""

from __future__ import annotations

import asyncio
import csv
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.sandboxes.autotask.app import (
    SANDBOX_CREDENTIALS,
    api_headers,
    create_autotask_sandbox,
)
from adapters.sandboxes.autotask.entities import RULES
from adapters.sandboxes.autotask.instance import shifted_values
from adapters.sandboxes.autotask.seed import seeded_id
from adapters.sandboxes.autotask.store import AutotaskStore
from adapters.sandboxes.kit.base import Faults
from adapters.vendors.autotask.client import AutotaskClients
from adapters.vendors.autotask.quoting import AutotaskQuoting
from adapters.vendors.autotask.sync import (
    AutotaskConnectionTester,
    AutotaskInvoicePaid,
    AutotaskOrganizationPush,
    AutotaskPuller,
    AutotaskTicketOpen,
)
from adapters.vendors.autotask.translate.companies import (
    company_from_organization,
    company_settings,
)
from application.integrations.ports import PullRequest, VendorRejected
from application.quotes.ports import OpportunitySearch, Outcome
from tests.support.autotask import (
    InMemoryExternalLinks,
    autotask_connection,
    company_body,
    contact_body,
    contract_body,
    contracts_dir,
    invoice_body,
    organization_payload,
    organization_push,
    outbox_message,
    push_message,
    ticket_body,
)
from tests.support.quotes import sample_snapshot
from tests.support.sandboxes import SemaphoreLimits
from tests.support.servers import serve_asgi

QUERY_KEYS = {"filter", "MaxRecords", "IncludeFields"}
QUERY_OPS = {
    "eq",
    "noteq",
    "gt",
    "gte",
    "lt",
    "lte",
    "beginsWith",
    "endsWith",
    "contains",
    "exist",
    "notExist",
    "in",
    "notIn",
}
TODAY = date(2026, 11, 20)
OFFSET = 1000  # this instance's picklist values are its own: the hub must read labels
OWNER = seeded_id("Resources", "morgan.hale@msp.example")
PAGE_DETAILS = {"count", "requestCount", "prevPageUrl", "nextPageUrl"}
FROM_CONTRACT = ("Companies", "Contacts", "Invoices")
QUOTING = (
    "Opportunities",
    "Quotes",
    "QuoteItems",
    "Products",
    "Services",
    "TaxCategories",
    "OpportunityAttachments",
    "ServiceBundles",
    "BillingCodes",
)
# Not in autotask_entities.json: declared in autotask_docs_entities.json beside this test, from
# Autotask's REST documentation (the source of each is named in that file's ``_source``).
FROM_DOCS = ("Tickets", "QuoteLocations", "Resources")
FROM_SANDBOX = ("Contracts",)  # not in either file yet: the sandbox's own declaration
# What the hub reads: all but ServiceBundles, which it never uses.
READ = {*FROM_CONTRACT, *QUOTING, "Contracts", "Tickets", "Resources"} - {"ServiceBundles"}
CHILDREN = {  # (parent, child collection) → the child's entity, as Autotask's URLs name them
    ("Companies", "Contacts"): "Contacts",
    ("Quotes", "Items"): "QuoteItems",
    ("Opportunities", "Attachments"): "OpportunityAttachments",
}
DOCS_ENTITIES = Path(__file__).with_name("autotask_docs_entities.json")
PULLED = ("organization", "contact", "contract", "ticket", "invoice")
# The sandbox's data types in the contract's (PHP) terms, to check both kinds alike.
AS_PHP = {
    "string": "string",
    "integer": "int",
    "long": "int",
    "double": "float",
    "boolean": "bool",
    "datetime": "Carbon",
    "list": "array",
}
PHP_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "int": int,
    "float": (int, float),
    "bool": bool,
    "array": list,
    "Carbon": str,
    "mixed": object,
}


@dataclass(frozen=True)
class Exchange:
    method: str
    path: str  # without the /atservicesrest prefix, as the contract writes paths
    sent: Any
    status: int
    answer: Any

    @property
    def entity(self) -> str:
        """The entity a path is about; a child collection names its own entity."""
        parts = self.path.split("/")
        if len(parts) >= 5 and parts[3].isdigit():
            return CHILDREN[(parts[2], parts[4])]
        return parts[2]

    @property
    def is_entity_write(self) -> bool:
        """A create or update at the entity's path or under its parent's."""
        child = self.path.count("/") == 4 and self.path.split("/")[3].isdigit()
        return self.method in ("POST", "PATCH", "PUT") and (self.path.count("/") == 2 or child)

    @property
    def is_query(self) -> bool:
        return self.method == "POST" and self.path.lower().endswith("/query")


def _json(content: bytes) -> Any:
    return json.loads(content) if content else None


@pytest.fixture(scope="module")
def contract_entities() -> dict[str, dict[str, Any]]:
    entities: dict[str, dict[str, Any]] = json.loads(
        (contracts_dir() / "autotask_entities.json").read_text()
    )["entities"]
    return entities


@pytest.fixture(scope="module")
def company_fields(contract_entities: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return contract_entities["Companies"]


@pytest.fixture(scope="module")
def docs_entities() -> dict[str, dict[str, Any]]:
    entities: dict[str, dict[str, Any]] = json.loads(DOCS_ENTITIES.read_text())["entities"]
    return entities


@pytest.fixture(scope="module")
def declared(
    contract_entities: dict[str, dict[str, Any]], docs_entities: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Each entity's fields as the contract writes them: from the file, or from the docs."""
    from_sandbox = {
        entity: {
            name: {"php_type": AS_PHP[spec.data_type.value], "nullable": not spec.required}
            for name, spec in RULES[entity].fields.items()
        }
        for entity in FROM_SANDBOX
    }
    return {**contract_entities, **docs_entities, **from_sandbox}


@pytest.fixture(scope="module")
def operations() -> list[tuple[str, re.Pattern[str]]]:
    with (contracts_dir() / "autotask_operations.tsv").open() as tsv:
        rows = list(csv.DictReader(tsv, delimiter="\t"))
    return [(row["method"], _path_pattern(row["path"])) for row in rows]


def _path_pattern(path: str) -> re.Pattern[str]:
    parts = [("[^/]+" if part.startswith(":") else re.escape(part)) for part in path.split("/")]
    return re.compile("/".join(parts), re.IGNORECASE)


@dataclass(frozen=True)
class Scenario:
    url: str
    exchanges: list[Exchange]


@pytest.fixture(scope="module")
def scenario() -> Iterator[Scenario]:
    """Run the scenario once for the module; every request and answer is recorded."""
    app = create_autotask_sandbox(Faults(), picklist_offset=OFFSET)  # not the usual numbers
    with serve_asgi(app) as url:
        store = app.state.sandbox.state
        assert isinstance(store, AutotaskStore)
        yield Scenario(url, asyncio.run(_scenario(url, store)))


@pytest.fixture(scope="module")
def exchanges(scenario: Scenario) -> list[Exchange]:
    return scenario.exchanges


async def _scenario(url: str, store: AutotaskStore) -> list[Exchange]:
    recorded: list[Exchange] = []

    async def record(response: httpx.Response) -> None:
        await response.aread()
        path = re.sub(r"^/atservicesrest", "", response.request.url.path, flags=re.IGNORECASE)
        sent = _json(response.request.content)
        recorded.append(
            Exchange(response.request.method, path, sent, response.status_code, response.json())
        )

    async with httpx.AsyncClient(event_hooks={"response": [record]}) as http:
        clients = AutotaskClients(SemaphoreLimits(), http=http)  # Autotask's 3 at once (AT-10)
        await _drive(url, clients, store)
        await clients.aclose()
    return recorded


async def _drive(url: str, clients: AutotaskClients, store: AutotaskStore) -> None:
    good = autotask_connection(url)
    wrong = autotask_connection(url, credentials={**good.credentials, "secret": "wrong"})
    tester = AutotaskConnectionTester(clients)
    assert await tester.test(good) is None
    assert await tester.test(wrong) is not None
    links = InMemoryExternalLinks()
    push = AutotaskOrganizationPush(clients, links)
    payload = organization_payload()
    await push.deliver(push_message(good, payload), good)  # query by hub id, create
    changed = dict(payload, phone="+1 206 555 0199", status="inactive", version=2)
    await push.deliver(push_message(good, changed), good)  # get, patch
    refused = autotask_connection(url, settings={"company_type": 5})
    with pytest.raises(VendorRejected):
        await push.deliver(push_message(refused, organization_payload()), refused)
    since = datetime.now(UTC)
    for _ in range(501):
        store.create(
            "Companies",
            company_from_organization(
                organization_push(organization_payload()),
                company_settings({"default_owner_resource_id": OWNER}),
            ),
        )
    company = _seed_records(store)
    puller = AutotaskPuller(clients)
    for entity in PULLED:
        for request in (PullRequest(entity), PullRequest(entity, changed_since=since)):
            assert [p async for p in puller.pages(request, good)]
    await _deliver_ticket_and_payment(url, clients, company, store)
    await _publish_a_quote(url, clients, store)


async def _publish_a_quote(url: str, clients: AutotaskClients, store: AutotaskStore) -> None:
    """QUO-3..6: a quote published, edited, published again, won; the selector's look-ups."""
    connection = autotask_connection(url, settings={"tax_code_mapping": {"TAX": "Standard"}})
    quoting = AutotaskQuoting(clients, InMemoryExternalLinks(), today=lambda: TODAY)
    quote = sample_snapshot()
    published = await quoting.publish(quote, b"%PDF-1.7 v1", connection)
    lines = list(quote.lines)[:-1]  # a line removed: its item deleted
    lines[0] = replace(lines[0], quantity=lines[0].quantity + 1)
    edited = sample_snapshot(lines=tuple(lines), title="Office network refresh, revised")
    await quoting.publish(edited, b"%PDF-1.7 v2", connection)
    # Links and marks lost (a restored backup): everything is found again by reading.
    found_again = AutotaskQuoting(clients, InMemoryExternalLinks(), today=lambda: TODAY)
    await found_again.publish(edited, b"%PDF-1.7 v2", connection)
    await quoting.set_outcome(edited, Outcome.WON, connection)
    opportunity = store.get("Opportunities", int(published.opportunity_ref))
    assert opportunity is not None
    assert await quoting.search_opportunities(OpportunitySearch(text="refresh"), connection) == []
    assert await quoting.search_contacts("dana", connection)
    assert await quoting.search_items("managed", connection)
    assert await quoting.search_items("latitude", connection)
    assert await quoting.search_items("remote", connection)
    await quoting.open_opportunities(str(opportunity["companyID"]), connection)


def _seed_records(store: AutotaskStore) -> int:
    """What Autotask's users and billing entered: a company's contacts, contract, ticket,
    invoices."""
    company = store.create("Companies", company_body())
    store.create_child("Companies", company, "Contacts", contact_body())
    store.create("Contracts", contract_body(company))
    store.create("Tickets", shifted_values("Tickets", ticket_body(company), OFFSET))
    for n in range(2):
        store.seed("Invoices", invoice_body(company, invoiceNumber=f"INV-{n}"))
    return company


async def _deliver_ticket_and_payment(
    url: str, clients: AutotaskClients, company: int, store: AutotaskStore
) -> None:
    """PAY-13's ticket, delivered twice (INT-4), and a payment on a pulled invoice."""
    chosen = {"ticket_queue_id": 29683481, "ticket_issue_type": 9, "ticket_sub_issue_type": 91}
    settings = {key: value + OFFSET for key, value in chosen.items()}  # ids the tenant picked
    connection = autotask_connection(url, settings=settings)
    links = InMemoryExternalLinks()
    organization_id = uuid.uuid4()
    await links.link(connection.connection_id, "organization", organization_id, str(company))
    payload = {"organization_id": str(organization_id), "title": "Payment failed"}
    message = outbox_message(connection, "ticket.open", payload)
    for _ in range(2):
        await AutotaskTicketOpen(clients, links).deliver(message, connection)
    invoice_id = uuid.uuid4()
    [invoice, _] = store.snapshot()["entities"]["Invoices"]
    await links.link(connection.connection_id, "invoice", invoice_id, str(invoice["id"]))
    paid = {"invoice_id": str(invoice_id), "paid_date": "2026-03-15"}
    await AutotaskInvoicePaid(clients, links).deliver(
        outbox_message(connection, "invoice.paid", paid), connection
    )


def _conditions(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for item in items:
        if item["op"] in ("and", "or"):
            yield from _conditions(item["items"])
        else:
            yield item


def _type_errors(fields: dict[str, Any], record: dict[str, Any]) -> list[str]:
    errors = [f"unknown field {name}" for name in record if name not in fields]
    for name, value in record.items():
        spec = fields.get(name)
        if spec is None or value is None:
            continue
        expected = PHP_TYPES[spec["php_type"]]
        wrong_bool = isinstance(value, bool) and spec["php_type"] in ("int", "float")
        if not isinstance(value, expected) or wrong_bool:
            errors.append(f"{name}={value!r} is not {spec['php_type']}")
        elif spec["php_type"] == "Carbon":
            datetime.fromisoformat(str(value))
    return errors


def _required(fields: dict[str, Any]) -> set[str]:
    return {name for name, spec in fields.items() if not spec["nullable"]}


# Every call the hub makes to Autotask, as the scenario above drives it (method, path).
EVERY_CALL = {
    ("GET", "/v1.0/zoneInformation"),
    # Organizations pushed and pulled with their records, tickets opened, invoices paid.
    ("GET", "/v1.0/Companies/entityInformation/fields"),
    ("GET", "/v1.0/Companies/entityInformation/userDefinedFields"),  # the hub-id field
    ("POST", "/v1.0/Resources/query"),  # owners among the instance's resources (AT-9)
    ("POST", "/v1.0/Companies/query"),
    ("POST", "/v1.0/Companies"),
    ("GET", "/v1.0/Companies/:id"),
    ("PATCH", "/v1.0/Companies"),
    ("POST", "/v1.0/Contacts/query"),
    ("POST", "/v1.0/Contracts/query"),
    ("GET", "/v1.0/Contracts/entityInformation/fields"),
    ("POST", "/v1.0/Tickets/query"),
    ("GET", "/v1.0/Tickets/entityInformation/fields"),
    ("POST", "/v1.0/Tickets"),
    ("POST", "/v1.0/Invoices/query"),
    ("PATCH", "/v1.0/Invoices"),
    # Quotes published, won or lost, and the look-ups of the selector.
    ("POST", "/v1.0/Companies/:id/Contacts"),
    ("GET", "/v1.0/Opportunities/entityInformation/fields"),
    ("POST", "/v1.0/Opportunities/query"),
    ("POST", "/v1.0/Opportunities"),
    ("GET", "/v1.0/Opportunities/:id"),
    ("PATCH", "/v1.0/Opportunities"),
    ("POST", "/v1.0/QuoteLocations"),
    ("POST", "/v1.0/Quotes/query"),
    ("POST", "/v1.0/Quotes"),
    ("PATCH", "/v1.0/Quotes"),
    ("GET", "/v1.0/QuoteItems/entityInformation/fields"),
    ("POST", "/v1.0/QuoteItems/query"),
    ("POST", "/v1.0/Quotes/:id/Items"),
    ("PATCH", "/v1.0/Quotes/:id/Items"),
    ("DELETE", "/v1.0/Quotes/:id/Items/:id"),
    ("GET", "/v1.0/Products/entityInformation/fields"),
    ("POST", "/v1.0/Products/query"),
    ("POST", "/v1.0/Products"),
    ("GET", "/v1.0/Services/entityInformation/fields"),
    ("POST", "/v1.0/Services/query"),
    ("POST", "/v1.0/Services"),
    ("GET", "/v1.0/BillingCodes/entityInformation/fields"),
    ("POST", "/v1.0/BillingCodes/query"),
    ("POST", "/v1.0/TaxCategories/query"),
    ("GET", "/v1.0/OpportunityAttachments/entityInformation/fields"),
    ("POST", "/v1.0/OpportunityAttachments/query"),
    ("POST", "/v1.0/Opportunities/:id/Attachments"),
    ("DELETE", "/v1.0/Opportunities/:id/Attachments/:id"),
}


def test_every_call_is_an_operation_of_autotasks_api(
    exchanges: list[Exchange], operations: list[tuple[str, re.Pattern[str]]]
) -> None:
    unknown = [
        f"{x.method} {x.path}"
        for x in exchanges
        if not any(m == x.method and p.fullmatch(x.path) for m, p in operations)
    ]

    assert unknown == []
    used = {(x.method, re.sub(r"/\d+(?=/|$)", "/:id", x.path)) for x in exchanges}
    assert used == EVERY_CALL


def test_creates_and_updates_send_only_fields_of_their_entity_of_the_right_types(
    exchanges: list[Exchange], declared: dict[str, dict[str, Any]]
) -> None:
    writes = [x for x in exchanges if x.is_entity_write]

    assert {(x.method, x.entity) for x in writes} == {
        ("POST", "Companies"),
        ("PATCH", "Companies"),
        ("POST", "Tickets"),  # once: the retried delivery found its ticket (INT-4)
        ("PATCH", "Invoices"),
        ("POST", "Contacts"),
        ("POST", "Opportunities"),
        ("PATCH", "Opportunities"),
        ("POST", "QuoteLocations"),
        ("POST", "Quotes"),
        ("PATCH", "Quotes"),
        ("POST", "QuoteItems"),
        ("PATCH", "QuoteItems"),
        ("POST", "Products"),
        ("POST", "Services"),
        ("POST", "OpportunityAttachments"),
    }
    assert len([x for x in writes if x.entity == "Tickets"]) == 1
    for write in writes:
        fields = declared[write.entity]
        assert _type_errors(fields, write.sent) == []
        if write.method == "POST":
            given = {name for name, value in write.sent.items() if value is not None}
            assert _required(fields) <= given
        else:
            assert isinstance(write.sent["id"], int)
            assert set(write.sent) - {"id"}  # an update sends what changed, nothing idle
    writable = {n for n, spec in RULES["Invoices"].fields.items() if not spec.read_only}
    [paid] = [x for x in writes if x.entity == "Invoices"]
    assert set(paid.sent) - {"id"} <= writable  # paidDate: what the API lets us write


def test_queries_filter_on_queryable_fields_of_their_entity_or_named_udfs(
    exchanges: list[Exchange], declared: dict[str, dict[str, Any]]
) -> None:
    queries = [x for x in exchanges if x.is_query]

    assert {x.entity for x in queries} == READ
    # Company hub-id look-ups, two pages of a full pull, a pull since a time.
    assert len([x for x in queries if x.entity == "Companies"]) >= 4
    for query in queries:
        assert set(query.sent) <= QUERY_KEYS
        assert 1 <= query.sent["MaxRecords"] <= 500
        for condition in _conditions(query.sent["filter"]):
            assert condition["op"] in QUERY_OPS
            if condition.get("udf") is not True:
                assert condition["field"] in declared[query.entity]
                assert RULES[query.entity].fields[condition["field"]].queryable


def test_sandbox_answers_records_with_the_declared_fields_and_types(
    exchanges: list[Exchange], declared: dict[str, dict[str, Any]]
) -> None:
    # (entity, record, the fields asked for: None for all of them)
    records: list[tuple[str, dict[str, Any], set[str] | None]] = [
        (x.entity, x.answer["item"], None)
        for x in exchanges
        if x.status == 200 and "item" in x.answer
    ]
    records += [
        (
            x.entity,
            item,
            set(x.sent["IncludeFields"]) | {"id"} if "IncludeFields" in x.sent else None,
        )
        for x in exchanges
        if x.is_query and x.status == 200
        for item in x.answer["items"]
    ]

    assert len([r for e, r, _ in records if e == "Companies"]) > 500
    assert {entity for entity, _, _ in records} == READ
    for entity, record, asked in records:
        assert _type_errors(declared[entity], record) == []
        if asked is None:
            assert all(record[name] is not None for name in _required(declared[entity]))
            udfs = record.get("userDefinedFields", [])
            assert all(set(udf) == {"name", "value"} for udf in udfs)
        else:  # IncludeFields: the fields asked for, and nothing else
            assert set(record) == asked


def test_sandbox_answers_ids_pages_fields_and_errors_in_autotasks_shapes(
    exchanges: list[Exchange], declared: dict[str, dict[str, Any]]
) -> None:
    for x in exchanges:
        if x.status >= 400:
            assert set(x.answer) == {"errors"}
            assert x.answer["errors"]
            assert all(isinstance(e, str) for e in x.answer["errors"])
        elif x.is_entity_write or x.method == "DELETE":
            assert set(x.answer) == {"itemId"}
            assert isinstance(x.answer["itemId"], int)
        elif x.is_query:
            assert set(x.answer) == {"items", "pageDetails"}
            assert set(x.answer["pageDetails"]) == PAGE_DETAILS
        elif x.path.lower().endswith("/entityinformation/fields"):
            assert {f["name"] for f in x.answer["fields"]} <= set(declared[x.entity])
        elif x.path.lower().endswith("/entityinformation/userdefinedfields"):
            assert all({"name", "dataType", "isRequired"} <= set(f) for f in x.answer["fields"])
        elif x.path.lower().endswith("/zoneinformation"):
            assert x.answer["url"].endswith("/atservicesrest/")
    assert {x.status for x in exchanges} == {200, 401, 500}
    pages = [x.answer["pageDetails"]["nextPageUrl"] for x in exchanges if x.is_query]
    assert any(pages)  # the full pull went past one page


@pytest.mark.parametrize("entity", FROM_CONTRACT)
def test_sandbox_serves_exactly_the_contracts_fields(
    entity: str, contract_entities: dict[str, dict[str, Any]]
) -> None:
    served = RULES[entity].fields
    fields = contract_entities[entity]

    assert set(served) == set(fields)
    assert {name for name, spec in served.items() if spec.required} == _required(fields)
    assert all(
        AS_PHP[spec.data_type.value] == fields[name]["php_type"]
        for name, spec in served.items()
        if fields[name]["php_type"] != "mixed"
    )


def test_contracts_and_tickets_come_from_autotasks_docs_as_the_file_lacks_them(
    contract_entities: dict[str, dict[str, Any]],
) -> None:
    assert not set(FROM_DOCS) & set(contract_entities)  # else: hold them to the file instead
    contracts, tickets = RULES["Contracts"].fields, RULES["Tickets"].fields
    assert {"id", "contractName", "status", "companyID", "startDate", "endDate"} <= set(contracts)
    assert contracts["status"].picklist == ((0, "Inactive"), (1, "Active"))
    assert RULES["Contracts"].modified == "lastModifiedDateTime"
    required = {name for name, spec in tickets.items() if spec.required}
    assert required == {"companyID", "title", "status", "priority"}
    assert {(1, "New"), (5, "Complete")} <= set(tickets["status"].picklist)
    assert tickets["priority"].picklist == ((1, "High"), (2, "Medium"), (3, "Low"), (4, "Critical"))
    assert RULES["Tickets"].modified == "lastTrackedModificationDateTime"


def test_invoices_and_contacts_cannot_be_created_at_their_own_path_as_in_autotasks_api(
    operations: list[tuple[str, re.Pattern[str]]],
) -> None:
    """The contract has no Invoices_CreateEntity, and Contacts are made under a Company."""

    def offered(method: str, path: str) -> bool:
        return any(m == method and p.fullmatch(path) for m, p in operations)

    assert not offered("POST", "/v1.0/Invoices")
    assert offered("PATCH", "/v1.0/Invoices")
    assert offered("PUT", "/v1.0/Invoices")
    assert not offered("POST", "/v1.0/Contacts")
    assert offered("POST", "/v1.0/Companies/1/Contacts")
    with serve_asgi(create_autotask_sandbox(Faults())) as url:
        answers = asyncio.run(_posts(url))

    invoice, contact, child = answers
    assert (invoice.status_code, contact.status_code, child.status_code) == (405, 405, 200)
    assert set(invoice.json()) == {"errors"}
    assert set(child.json()) == {"itemId"}


async def _posts(url: str) -> list[httpx.Response]:
    api = f"{url}/atservicesrest/v1.0"
    async with httpx.AsyncClient(headers=api_headers(SANDBOX_CREDENTIALS)) as http:
        company = (await http.post(f"{api}/Companies", json=company_body())).json()["itemId"]
        return [
            await http.post(f"{api}/Invoices", json=invoice_body(company)),
            await http.post(f"{api}/Contacts", json=contact_body(companyID=company)),
            await http.post(f"{api}/Companies/{company}/Contacts", json=contact_body()),
        ]


# --- the quoting entities (QUO-3, AT-3..AT-8): fields and operations as the contract has them ---


@pytest.mark.parametrize("entity", QUOTING)
def test_sandbox_serves_exactly_the_contracts_fields_of_the_quoting_entities(
    entity: str, contract_entities: dict[str, dict[str, Any]]
) -> None:
    served = RULES[entity].fields
    fields = contract_entities[entity]

    assert set(served) == set(fields)
    assert {name for name, spec in served.items() if spec.required} == _required(fields)
    wrong = [
        name
        for name, spec in served.items()
        if fields[name]["php_type"] != "mixed"
        and AS_PHP[spec.data_type.value] != fields[name]["php_type"]
    ]
    assert wrong == []


@pytest.mark.parametrize("entity", FROM_DOCS)
def test_sandbox_serves_exactly_the_documented_fields_of_the_entities_the_file_lacks(
    entity: str,
    contract_entities: dict[str, dict[str, Any]],
    docs_entities: dict[str, dict[str, Any]],
) -> None:
    """The file lacks them; autotask_docs_entities.json holds them as Autotask's REST docs
    publish them (TicketsEntity.htm, QuoteLocationEntity.htm: URLs in its ``_source``)."""
    assert entity not in contract_entities  # else: hold it to the file instead
    served = RULES[entity].fields
    fields = docs_entities[entity]

    assert set(served) == set(fields)
    assert {name for name, spec in served.items() if spec.required} == _required(fields)
    assert [
        n
        for n, spec in served.items()
        if AS_PHP[spec.data_type.value] != fields[n]["php_type"]
        and not (fields[n]["php_type"] == "int" and spec.data_type.value == "long")
    ] == []
    if entity == "QuoteLocations":
        quote_fields = RULES["Quotes"].fields
        locations = ("billToLocationID", "shipToLocationID", "soldToLocationID")
        assert {quote_fields[name].reference for name in locations} == {"QuoteLocations"}


def test_a_quote_publishes_calls_autotask_offers_and_the_sandbox_refuses_the_rest(
    scenario: Scenario, operations: list[tuple[str, re.Pattern[str]]]
) -> None:
    """Each refused call takes a body the adapter itself sent (captured above) at a path the
    contract lacks: only the operation can make the sandbox refuse it."""
    captured = _captured_quote_bodies(scenario.exchanges)
    calls = asyncio.run(_refused_operations(scenario.url, captured))

    def offered(method: str, path: str) -> bool:
        return any(m == method and p.fullmatch(path) for m, p in operations)

    assert [(m, p) for m, p, _, _ in calls if offered(m, p)] == []
    assert [(m, p, status) for m, p, status, _ in calls if status != 405] == []
    assert all(set(answer) == {"errors"} for _, _, _, answer in calls)
    refused_by_adapter = [x for x in scenario.exchanges if not offered(x.method, x.path)]
    assert refused_by_adapter == []


def _captured_quote_bodies(exchanges: list[Exchange]) -> dict[str, Any]:
    """The adapter's own quote item and attachment bodies, and the ids the sandbox gave."""

    def first(method: str, entity: str) -> Exchange:
        return next(
            x
            for x in exchanges
            if x.method == method and x.entity == entity and x.is_entity_write and x.status == 200
        )

    code = next(
        x for x in exchanges if x.is_query and x.entity == "BillingCodes" and x.answer["items"]
    )

    item, attachment = first("POST", "QuoteItems"), first("POST", "OpportunityAttachments")
    return {
        "item": item.sent,
        "attachment": attachment.sent,
        "attachment_id": attachment.answer["itemId"],
        "quote": first("POST", "Quotes").answer["itemId"],
        "opportunity": first("POST", "Opportunities").answer["itemId"],
        "product": first("POST", "Products").answer["itemId"],
        "billing_code": code.answer["items"][0],
    }


async def _refused_operations(
    url: str, captured: dict[str, Any]
) -> list[tuple[str, str, int, Any]]:
    api = f"{url}/atservicesrest/v1.0"
    code = {k: v for k, v in captured["billing_code"].items() if k != "id"}
    opportunity, quote = captured["opportunity"], captured["quote"]
    requests: list[tuple[str, str, Any]] = [
        ("POST", "/QuoteItems", {**captured["item"], "quoteID": quote}),
        ("POST", "/BillingCodes", code),
        ("PATCH", "/BillingCodes", {**code, "id": captured["billing_code"]["id"]}),
        ("POST", "/OpportunityAttachments", captured["attachment"]),
        ("DELETE", f"/Products/{captured['product']}", None),
        ("DELETE", f"/Quotes/{quote}", None),
        ("DELETE", f"/Opportunities/{opportunity}", None),
        (
            "PATCH",
            f"/Opportunities/{opportunity}/Attachments",
            {**captured["attachment"], "id": captured["attachment_id"]},
        ),
    ]
    async with httpx.AsyncClient(headers=api_headers(SANDBOX_CREDENTIALS)) as http:
        calls = []
        for method, path, body in requests:
            response = await http.request(method, f"{api}{path}", json=body)
            calls.append((method, f"/v1.0{path}", response.status_code, response.json()))
        return calls


def test_the_hub_writes_this_instances_picklist_values_read_from_its_field_information(
    exchanges: list[Exchange],
) -> None:
    """Picklist ids differ between Autotask databases: the scenario's instance has its own
    (``OFFSET``), and every value the hub wrote is the one that instance labels so."""

    def value(entity: str, field: str, label: str) -> int:
        [fields] = [
            x.answer["fields"]
            for x in exchanges
            if x.method == "GET" and x.path == f"/v1.0/{entity}/entityInformation/fields"
        ][:1]
        [spec] = [f for f in fields if f["name"] == field]
        return next(int(v["value"]) for v in spec["picklistValues"] if v["label"] == label)

    def created(entity: str) -> dict[str, Any]:
        sent: dict[str, Any] = next(
            x.sent for x in exchanges if x.method == "POST" and x.path == f"/v1.0/{entity}"
        )
        return sent

    opportunity, ticket = created("Opportunities"), created("Tickets")
    assert opportunity["stage"] == value("Opportunities", "stage", "Proposal") == OFFSET + 3
    assert ticket["priority"] == value("Tickets", "priority", "Medium") == OFFSET + 2
    assert ticket["status"] == value("Tickets", "status", "New") == OFFSET + 1
    won = [x.sent for x in exchanges if x.method == "PATCH" and x.entity == "Opportunities"][-1]
    assert won["stage"] == value("Opportunities", "stage", "Closed Won") == OFFSET + 5
