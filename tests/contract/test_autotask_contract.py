"""Both sides held to Autotask's published contract (``shared/contracts``).

One scenario drives the adapters against the sandbox over HTTP while an httpx event hook
records every exchange; the tests then check each request the adapters sent and each answer
the sandbox gave: operations of ``autotask_operations.tsv``, fields and types of
``autotask_entities.json`` (non-nullable = required).
"""

from __future__ import annotations

import asyncio
import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from adapters.psa.autotask.adapter import (
    AutotaskClients,
    AutotaskCompanies,
    AutotaskConnectionTester,
    AutotaskOrganizationPush,
)
from adapters.psa.autotask.sandbox import create_autotask_sandbox
from adapters.psa.autotask.sandbox_fields import ENTITIES
from adapters.psa.autotask.sandbox_store import AutotaskStore
from adapters.psa.autotask.translate import company_from_organization
from adapters.sandbox.base import Faults
from application.integrations.ports import PullRequest, VendorRejected
from tests.support.autotask import (
    InMemoryExternalLinks,
    UnlimitedLimits,
    autotask_connection,
    contracts_dir,
    organization_payload,
    push_message,
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
    def is_entity_write(self) -> bool:
        return self.method in ("POST", "PATCH") and _same_path(self.path, "/v1.0/Companies")

    @property
    def is_query(self) -> bool:
        return self.method == "POST" and _same_path(self.path, "/v1.0/Companies/query")


def _same_path(path: str, expected: str) -> bool:
    return path.lower() == expected.lower()


def _json(content: bytes) -> Any:
    return json.loads(content) if content else None


@pytest.fixture(scope="module")
def company_fields() -> dict[str, Any]:
    entities = json.loads((contracts_dir() / "autotask_entities.json").read_text())
    fields: dict[str, Any] = entities["entities"]["Companies"]
    return fields


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
        store.create("Companies", company_from_organization(organization_payload(), {}))
    puller = AutotaskCompanies(clients)
    for request in (PullRequest("organization"), PullRequest("organization", changed_since=since)):
        assert [p async for p in puller.pages(request, good)]


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
    }


def test_creates_and_updates_send_only_company_fields_of_the_right_types(
    exchanges: list[Exchange], company_fields: dict[str, Any]
) -> None:
    writes = [x for x in exchanges if x.is_entity_write]

    assert {x.method for x in writes} == {"POST", "PATCH"}
    for write in writes:
        assert _type_errors(company_fields, write.sent) == []
        if write.method == "POST":
            given = {name for name, value in write.sent.items() if value is not None}
            assert _required(company_fields) <= given
        else:
            assert isinstance(write.sent["id"], int)
            assert set(write.sent) - {"id"}  # an update sends what changed, nothing idle


def test_queries_filter_on_company_fields_or_named_user_defined_fields(
    exchanges: list[Exchange], company_fields: dict[str, Any]
) -> None:
    queries = [x for x in exchanges if x.is_query]

    assert len(queries) >= 4  # hub-id look-ups, two pages of a full pull, a pull since a time
    for query in queries:
        assert set(query.sent) <= QUERY_KEYS
        assert 1 <= query.sent["MaxRecords"] <= 500
        for condition in query.sent["filter"]:
            assert condition["op"] in QUERY_OPS
            assert condition.get("udf") is True or condition["field"] in company_fields


def test_sandbox_answers_company_records_with_contract_fields_and_types(
    exchanges: list[Exchange], company_fields: dict[str, Any]
) -> None:
    records = [x.answer["item"] for x in exchanges if x.status == 200 and "item" in x.answer]
    records += [
        item for x in exchanges if x.is_query and x.status == 200 for item in x.answer["items"]
    ]

    assert len(records) > 500
    for record in records:
        assert _type_errors(company_fields, record) == []
        assert all(record[name] is not None for name in _required(company_fields))
        assert all(set(udf) == {"name", "value"} for udf in record["userDefinedFields"])


def test_sandbox_answers_ids_pages_fields_and_errors_in_autotasks_shapes(
    exchanges: list[Exchange], company_fields: dict[str, Any]
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
            assert {f["name"] for f in x.answer["fields"]} <= set(company_fields)
        elif x.path.lower().endswith("/zoneinformation"):
            assert x.answer["url"].endswith("/atservicesrest/")
    assert {x.status for x in exchanges} == {200, 401, 500}
    pages = [x.answer["pageDetails"]["nextPageUrl"] for x in exchanges if x.is_query]
    assert any(pages)  # the full pull went past one page


def test_sandbox_serves_companies_with_exactly_the_contracts_fields(
    company_fields: dict[str, Any],
) -> None:
    served = ENTITIES["Companies"]

    assert set(served) == set(company_fields)
    assert {name for name, spec in served.items() if spec.required} == _required(company_fields)
