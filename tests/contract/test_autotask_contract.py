"""Both sides held to Autotask's published contract (``shared/contracts``).

One scenario drives the adapters against the sandbox over HTTP while an httpx event hook
records every exchange; the tests then check each request the adapters sent and each answer
the sandbox gave: operations of ``autotask_operations.tsv``, fields and types of
``autotask_entities.json`` (non-nullable = required) for Companies, Contacts and Invoices, and of
the sandbox's own declaration, taken from Autotask's REST docs, for Contracts and Tickets, which
that file lacks (PAY-12, PAY-13, INT-4).
"""

from __future__ import annotations

import asyncio
import csv
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from adapters.sandboxes.autotask.app import (
    SANDBOX_CREDENTIALS,
    api_headers,
    create_autotask_sandbox,
)
from adapters.sandboxes.autotask.entities import RULES
from adapters.sandboxes.autotask.store import AutotaskStore
from adapters.sandboxes.kit.base import Faults
from adapters.vendors.autotask.client import AutotaskClients
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
from tests.support.autotask import (
    InMemoryExternalLinks,
    UnlimitedLimits,
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
PAGE_DETAILS = {"count", "requestCount", "prevPageUrl", "nextPageUrl"}
FROM_CONTRACT = ("Companies", "Contacts", "Invoices")
FROM_DOCS = ("Contracts", "Tickets")  # not in autotask_entities.json: the sandbox declares them
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
        return self.path.split("/")[2]

    @property
    def is_entity_write(self) -> bool:
        return self.method in ("POST", "PATCH", "PUT") and self.path.count("/") == 2

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
def declared(contract_entities: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each entity's fields as the contract writes them: from the file, or from the docs."""
    from_docs = {
        entity: {
            name: {"php_type": AS_PHP[spec.data_type.value], "nullable": not spec.required}
            for name, spec in RULES[entity].fields.items()
        }
        for entity in FROM_DOCS
    }
    return {**{e: contract_entities[e] for e in FROM_CONTRACT}, **from_docs}


@pytest.fixture(scope="module")
def operations() -> list[tuple[str, re.Pattern[str]]]:
    with (contracts_dir() / "autotask_operations.tsv").open() as tsv:
        rows = list(csv.DictReader(tsv, delimiter="\t"))
    return [(row["method"], _path_pattern(row["path"])) for row in rows]


def _path_pattern(path: str) -> re.Pattern[str]:
    parts = [("[^/]+" if part.startswith(":") else re.escape(part)) for part in path.split("/")]
    return re.compile("/".join(parts), re.IGNORECASE)


@pytest.fixture(scope="module")
def exchanges() -> Iterator[list[Exchange]]:
    """Run the scenario once for the module; every request and answer is recorded."""
    app = create_autotask_sandbox(Faults())
    with serve_asgi(app) as url:
        store = app.state.sandbox.state
        assert isinstance(store, AutotaskStore)
        yield asyncio.run(_scenario(url, store))


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
        clients = AutotaskClients(UnlimitedLimits(), http=http)
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
                organization_push(organization_payload()), company_settings({})
            ),
        )
    company = _seed_records(store)
    puller = AutotaskPuller(clients)
    for entity in PULLED:
        for request in (PullRequest(entity), PullRequest(entity, changed_since=since)):
            assert [p async for p in puller.pages(request, good)]
    await _deliver_ticket_and_payment(url, clients, company, store)


def _seed_records(store: AutotaskStore) -> int:
    """What Autotask's users and billing entered: a company's contacts, contract, ticket,
    invoices."""
    company = store.create("Companies", company_body())
    store.create_child("Companies", company, "Contacts", contact_body())
    store.create("Contracts", contract_body(company))
    store.create("Tickets", ticket_body(company))
    for n in range(2):
        store.seed("Invoices", invoice_body(company, invoiceNumber=f"INV-{n}"))
    return company


async def _deliver_ticket_and_payment(
    url: str, clients: AutotaskClients, company: int, store: AutotaskStore
) -> None:
    """PAY-13's ticket, delivered twice (INT-4), and a payment on a pulled invoice."""
    settings = {"ticket_queue_id": 29683481, "ticket_issue_type": 9, "ticket_sub_issue_type": 91}
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


def test_every_call_is_an_operation_of_autotasks_api(
    exchanges: list[Exchange], operations: list[tuple[str, re.Pattern[str]]]
) -> None:
    unknown = [
        f"{x.method} {x.path}"
        for x in exchanges
        if not any(m == x.method and p.fullmatch(x.path) for m, p in operations)
    ]

    assert unknown == []
    used = {(x.method, re.sub(r"/\d+$", "/:id", x.path)) for x in exchanges}
    assert used == {
        ("GET", "/v1.0/zoneInformation"),
        ("GET", "/v1.0/Companies/entityInformation/fields"),
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
    }


def test_creates_and_updates_send_only_fields_of_their_entity_of_the_right_types(
    exchanges: list[Exchange], declared: dict[str, dict[str, Any]]
) -> None:
    writes = [x for x in exchanges if x.is_entity_write]

    assert {(x.method, x.entity) for x in writes} == {
        ("POST", "Companies"),
        ("PATCH", "Companies"),
        ("POST", "Tickets"),  # once: the retried delivery found its ticket (INT-4)
        ("PATCH", "Invoices"),
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

    assert {x.entity for x in queries} == set(FROM_CONTRACT + FROM_DOCS)
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
    records = [
        (x.entity, x.answer["item"]) for x in exchanges if x.status == 200 and "item" in x.answer
    ]
    records += [
        (x.entity, item)
        for x in exchanges
        if x.is_query and x.status == 200
        for item in x.answer["items"]
    ]

    assert len([r for e, r in records if e == "Companies"]) > 500
    assert {entity for entity, _ in records} == set(FROM_CONTRACT + FROM_DOCS)
    for entity, record in records:
        assert _type_errors(declared[entity], record) == []
        assert all(record[name] is not None for name in _required(declared[entity]))
        assert all(set(udf) == {"name", "value"} for udf in record["userDefinedFields"])


def test_sandbox_answers_ids_pages_fields_and_errors_in_autotasks_shapes(
    exchanges: list[Exchange], declared: dict[str, dict[str, Any]]
) -> None:
    for x in exchanges:
        if x.status >= 400:
            assert set(x.answer) == {"errors"}
            assert x.answer["errors"]
            assert all(isinstance(e, str) for e in x.answer["errors"])
        elif x.is_entity_write:
            assert set(x.answer) == {"itemId"}
            assert isinstance(x.answer["itemId"], int)
        elif x.is_query:
            assert set(x.answer) == {"items", "pageDetails"}
            assert set(x.answer["pageDetails"]) == PAGE_DETAILS
        elif x.path.lower().endswith("/entityinformation/fields"):
            assert {f["name"] for f in x.answer["fields"]} <= set(declared[x.entity])
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


def test_quote_locations_come_from_autotasks_docs_as_the_file_lacks_them(
    contract_entities: dict[str, dict[str, Any]],
) -> None:
    """A Quote's bill-to, ship-to and sold-to locations are QuoteLocations, which the file
    lacks: the sandbox declares Autotask's address fields, none required."""
    assert "QuoteLocations" not in contract_entities
    fields = RULES["QuoteLocations"].fields
    assert set(fields) == {"id", "address1", "address2", "city", "state", "postalCode"}
    assert not any(spec.required for spec in fields.values())
    quote_fields = RULES["Quotes"].fields
    locations = ("billToLocationID", "shipToLocationID", "soldToLocationID")
    assert {quote_fields[name].reference for name in locations} == {"QuoteLocations"}


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # as the contract writes paths: /v1.0/..., ids as numbers
    status: int
    answer: Any


@pytest.fixture(scope="module")
def quoting_calls() -> Iterator[list[Call]]:
    """A quote publish's calls and the ones Autotask lacks, each made once, with valid bodies:
    only the operation itself can make the sandbox refuse."""
    with serve_asgi(create_autotask_sandbox(Faults())) as url:
        yield asyncio.run(_quoting_calls(url))


async def _quoting_calls(url: str) -> list[Call]:
    calls: list[Call] = []
    api = f"{url}/atservicesrest/v1.0"

    async def call(method: str, path: str, body: Any = None) -> Any:
        response = await http.request(method, f"{api}{path}", json=body)
        calls.append(Call(method, f"/v1.0{path}", response.status_code, response.json()))
        return response.json()

    async with httpx.AsyncClient(headers=api_headers(SANDBOX_CREDENTIALS)) as http:
        company = (await call("POST", "/Companies", company_body()))["itemId"]
        ids = await _publish(call, company)
        await _refused_operations(call, ids)
    return calls


async def _publish(call: Any, company: int) -> dict[str, int]:
    """What publishing a quote does: catalog look-ups, opportunity, quote, items, the PDF."""
    for entity in ("Products", "Services", "BillingCodes", "TaxCategories", "ServiceBundles"):
        await call("GET", f"/{entity}/entityInformation/fields")
        await call("POST", f"/{entity}/query", {"filter": [{"op": "exist", "field": "id"}]})
    code = (await call("POST", "/BillingCodes/query", _named("Hardware")))["items"][0]["id"]
    await call("GET", f"/BillingCodes/{code}")
    product = await _created(call, "/Products", _product(code))
    await call("PATCH", "/Products", {"id": product, "unitPrice": 1250})
    opportunity = await _created(call, "/Opportunities", _opportunity(company))
    await call("PATCH", "/Opportunities", {"id": opportunity, "amount": 2500})
    await call(
        "POST",
        "/Opportunities/query/count",
        {"filter": [{"op": "eq", "field": "status", "value": 1}]},
    )
    await call("GET", "/Opportunities/entityInformation/userDefinedFields")
    location = await _created(call, "/QuoteLocations", {"address1": "1 Main St", "city": "Nome"})
    quote = await _created(call, "/Quotes", _quote(opportunity, location))
    await call("PATCH", "/Quotes", {"id": quote, "description": "Refresh"})
    item = await _created(call, f"/Quotes/{quote}/Items", _item(product))
    await call("PATCH", f"/Quotes/{quote}/Items", {"id": item, "quantity": 3})
    await call("GET", f"/Quotes/{quote}/Items")
    await call(
        "POST", "/QuoteItems/query", {"filter": [{"op": "eq", "field": "quoteID", "value": quote}]}
    )
    attachment = await _created(call, f"/Opportunities/{opportunity}/Attachments", _pdf())
    await call(
        "POST",
        "/OpportunityAttachments/query",
        {"filter": [{"op": "eq", "field": "opportunityID", "value": opportunity}]},
    )
    await call("GET", f"/OpportunityAttachments/{attachment}")
    for entity, item_id in (
        ("Opportunities", opportunity),
        ("Quotes", quote),
        ("QuoteItems", item),
    ):
        await call("GET", f"/{entity}/{item_id}")
    await call("GET", f"/Opportunities/{opportunity}/Attachments/{attachment}")
    await call("DELETE", f"/Opportunities/{opportunity}/Attachments/{attachment}")
    await call("DELETE", f"/Quotes/{quote}/Items/{item}")
    return {"code": code, "product": product, "opportunity": opportunity, "quote": quote}


async def _refused_operations(call: Any, ids: dict[str, int]) -> None:
    """Operations the contract does not have, with bodies that would otherwise be accepted."""
    quote, opportunity = ids["quote"], ids["opportunity"]
    await call("POST", "/QuoteItems", {**_item(ids["product"]), "quoteID": quote})
    await call(
        "POST", "/BillingCodes", {"name": "X", "isActive": True, "unitCost": 0, "unitPrice": 0}
    )
    await call("PATCH", "/BillingCodes", {"id": ids["code"], "name": "X"})
    await call("POST", "/OpportunityAttachments", {**_pdf(), "opportunityID": opportunity})
    await call("DELETE", f"/Products/{ids['product']}")
    await call("DELETE", f"/Quotes/{quote}")
    await call("DELETE", f"/Opportunities/{opportunity}")
    attachment = await _created(call, f"/Opportunities/{opportunity}/Attachments", _pdf())
    await call(
        "PATCH", f"/Opportunities/{opportunity}/Attachments", {"id": attachment, "title": "v2"}
    )


async def _created(call: Any, path: str, body: dict[str, Any]) -> int:
    item_id: int = (await call("POST", path, body))["itemId"]
    return item_id


def _named(name: str) -> dict[str, Any]:
    return {"filter": [{"op": "eq", "field": "name", "value": name}]}


def _product(code: int) -> dict[str, Any]:
    return {
        "name": "ThinkPad X1",
        "productBillingCodeID": code,
        "productCategory": 2,
        "isActive": True,
        "isSerialized": False,
        "unitPrice": 1300,
    }


def _opportunity(company: int) -> dict[str, Any]:
    return {
        "companyID": company,
        "title": "Refresh",
        "amount": 0,
        "cost": 0,
        "probability": 50,
        "projectedCloseDate": "2030-01-01T00:00:00",
        "startDate": "2026-01-01T00:00:00",
        "ownerResourceID": 29682885,
        "status": 1,
        "stage": 3,
        "useQuoteTotals": False,
    }


def _quote(opportunity: int, location: int) -> dict[str, Any]:
    locations = ("billToLocationID", "shipToLocationID", "soldToLocationID")
    return {
        "opportunityID": opportunity,
        "name": "Q-1",
        "effectiveDate": "2026-01-01T00:00:00",
        "expirationDate": "2026-02-01T00:00:00",
        **dict.fromkeys(locations, location),
    }


def _item(product: int) -> dict[str, Any]:
    discounts = ("unitDiscount", "lineDiscount", "percentageDiscount")
    return {
        "quoteItemType": 1,
        "productID": product,
        "quantity": 2,
        "isOptional": False,
        **dict.fromkeys(discounts, 0),
    }


def _pdf() -> dict[str, Any]:
    return {
        "id": 0,
        "title": "Quote Q-1",
        "fullPath": "Q-1.pdf",
        "attachmentType": "FILE_ATTACHMENT",
        "publish": 1,
        "data": "JVBERi0xLjc=",  # %PDF-1.7
    }


def test_the_sandbox_serves_a_quoting_call_exactly_when_autotask_offers_it(
    quoting_calls: list[Call], operations: list[tuple[str, re.Pattern[str]]]
) -> None:
    def offered(call: Call) -> bool:
        return any(m == call.method and p.fullmatch(call.path) for m, p in operations)

    wrong = [
        f"{c.method} {c.path} -> {c.status}"
        for c in quoting_calls
        if offered(c) != (c.status == 200)
    ]

    assert wrong == []
    assert len([c for c in quoting_calls if c.status != 200]) == 8
    for c in quoting_calls:
        if c.status != 200:
            assert c.status == 405
            assert set(c.answer) == {"errors"}
        elif c.method in ("POST", "PATCH", "DELETE") and not c.path.endswith(("/query", "/count")):
            assert set(c.answer) == {"itemId"}


def test_the_sandbox_answers_quoting_records_with_the_contracts_fields(
    quoting_calls: list[Call], contract_entities: dict[str, dict[str, Any]]
) -> None:
    records = [  # GET /{Entity}/{id}; a child read under its parent is the same record
        (c.path.split("/")[2], c.answer["item"])
        for c in quoting_calls
        if "item" in c.answer and c.path.count("/") == 3
    ]
    records += [
        (c.path.split("/")[2], item)
        for c in quoting_calls
        if c.path.endswith("/query") and c.status == 200
        for item in c.answer["items"]
    ]

    assert {entity for entity, _ in records} == set(QUOTING)
    for entity, record in records:
        fields = contract_entities[entity]
        assert _type_errors(fields, record) == []
        assert all(record[name] is not None for name in _required(fields))
