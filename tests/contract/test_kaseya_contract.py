"""Both sides held to Kaseya BMS's published OpenAPI file (``shared/contracts``).

One scenario drives the hub's own Kaseya adapter (the connection test, quote pushes, an outcome,
the searches; against the sandbox, and against instances lacking some unpublished calls, where
the fallbacks run) over HTTP while an httpx event hook records each exchange: no body is written
by hand. The tests then check every request the adapter sent (an operation of the file, query
and form fields the operation has, JSON bodies valid against its schema with the required
fields) and every answer the sandbox gave (valid against the operation's 200 schema, no unknown
fields, every field written; refusals in the envelope with an ErrorInfo, some under HTTP 200).
The five calls the file lacks are checked against the hub's declaration instead
(``unpublished.py``), NOT AGAINST THE PUBLISHED SPEC, and the sandbox's DTO declarations are
held to the file and to that declaration (INT-7, QUO-3..6, KBMS-3, KBMS-8, KBMS-9).
"""

from __future__ import annotations

import asyncio
import email
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.message import Message
from typing import Any
from uuid import uuid4

import httpx
import pytest

from adapters.sandboxes.kaseya_bms.app import create_kaseya_sandbox
from adapters.sandboxes.kaseya_bms.dtos import INPUTS, NOT_IN_SPEC, OUTPUTS
from adapters.sandboxes.kaseya_bms.schema import Field
from adapters.vendors.kaseya_bms import contract as api
from adapters.vendors.kaseya_bms import unpublished
from adapters.vendors.kaseya_bms.client import KaseyaClients
from adapters.vendors.kaseya_bms.quoting import KaseyaQuoting
from adapters.vendors.kaseya_bms.sync import KaseyaConnectionTester
from application.integrations.appliers import ORGANIZATION
from application.integrations.ports import VendorRejected
from application.quotes.ports import OpportunitySearch, Outcome
from domain.catalog.item import ItemSource
from tests.support.autotask import InMemoryExternalLinks, UnlimitedLimits
from tests.support.kaseya import (
    CONTOSO,
    WORKSHOP_WITHOUT_COST,
    KaseyaSandbox,
    OpenApi,
    kaseya_connection,
    kaseya_openapi,
)
from tests.support.quotes import sample_snapshot
from tests.support.sandboxes import serve_sandbox

# What the client sends that the published spec lacks, each named in the code (contract.py).
EXPECTED_NOT_IN_SPEC = {
    "POST /v2/crm/quotes",
    "PUT /v2/crm/quotes/{quotationId}",
    "GET /v2/crm/quotes/{quotationId}/lineItems",
    "DELETE /v2/crm/quotes/{quotationId}/lineItems/{lineItemId}",
    "POST /v2/inventory/products",
}
NAMED_AFTER = {"QuotationInputDto": "QuotationOutputDto"}
NAMED_AFTER |= {"ProductInputDto": "ProductsListSearchSelectOutputDto"}
SERVICE_QUOTATIONS = {"service_quotations": True, "default_warehouse": "Main Warehouse"}
# Instances without some of the unpublished calls (the sandbox answers them 404 or 405).
LACKING = (
    "GET /v2/crm/quotes/{quotationId}/lineItems",
    "PUT /v2/crm/quotes/{quotationId}",
    "POST /v2/inventory/products",
    "DELETE /v2/crm/quotes/{quotationId}/lineItems/{lineItemId}",
)
NO_QUOTES = ("POST /v2/crm/quotes",)
SEEDED_OPPORTUNITY = 4001  # Contoso network refresh: open, active
KINDS = {"integer": "int", "number": "num", "boolean": "bool", "array": "list", "object": "object"}


@dataclass(frozen=True)
class Exchange:
    op: api.Operation | None
    method: str
    path: str
    params: list[tuple[str, str]]
    headers: httpx.Headers
    sent: Any  # a JSON body, or a multipart form's fields (a file part as its file name)
    status: int
    answer: Any  # None for an empty body

    @property
    def kind(self) -> str:
        return str(self.headers.get("Content-Type", "")).split(";")[0]


def _operation(method: str, path: str) -> api.Operation | None:
    template = api.endpoint_of(path)
    return next((o for o in api.OPERATIONS if (o.method, o.path) == (method, template)), None)


def _sent(request: httpx.Request) -> Any:
    kind = request.headers.get("Content-Type", "")
    if not request.content:
        return None
    if "json" in kind:
        return json.loads(request.content)
    message = email.message_from_bytes(f"Content-Type: {kind}\r\n\r\n".encode() + request.content)
    return dict(_field(part) for part in message.walk() if not part.is_multipart())


def _field(part: Message) -> tuple[str, str]:
    """A multipart field: its name, and its value or (a file) its file name."""
    name = str(part.get_param("name", header="content-disposition"))
    payload = part.get_payload(decode=True)
    value = payload.decode() if isinstance(payload, bytes) else ""
    return name, part.get_filename() or value


@pytest.fixture(scope="module")
def spec() -> OpenApi:
    return kaseya_openapi()


@pytest.fixture(scope="module")
def exchanges() -> Iterator[list[Exchange]]:
    """Run the scenario once for the module; every request and answer is recorded."""
    with (
        serve_sandbox(KaseyaSandbox, create_kaseya_sandbox) as sandbox,
        serve_sandbox(KaseyaSandbox, create_kaseya_sandbox, without=LACKING) as lacking,
        serve_sandbox(KaseyaSandbox, create_kaseya_sandbox, without=NO_QUOTES) as no_quotes,
    ):
        yield asyncio.run(_scenario(sandbox, lacking, no_quotes))


async def _scenario(
    sandbox: KaseyaSandbox, lacking: KaseyaSandbox, no_quotes: KaseyaSandbox
) -> list[Exchange]:
    recorded: list[Exchange] = []

    async def record(response: httpx.Response) -> None:
        await response.aread()
        request = response.request
        await request.aread()  # a multipart body is streamed: read it again to record it
        answer = json.loads(response.content) if response.content else None
        method, path = request.method, request.url.path
        params = list(request.url.params.multi_items())
        recorded.append(
            Exchange(
                _operation(method, path),
                method,
                path,
                params,
                request.headers,
                _sent(request),
                response.status_code,
                answer,
            )
        )

    async with httpx.AsyncClient(event_hooks={"response": [record]}) as http:
        clients = KaseyaClients(UnlimitedLimits(), http=http)
        await _drive(sandbox, clients)
        await _drive_fallbacks(lacking, no_quotes, clients)
        await clients.aclose()
    return recorded


async def _drive(sandbox: KaseyaSandbox, clients: KaseyaClients) -> None:
    """The hub's own calls: the connection test, quote pushes (first, edited, onto a picked
    opportunity, for a linked account), an outcome, the searches; every body is the adapter's."""
    good = kaseya_connection(sandbox.url, settings=SERVICE_QUOTATIONS)
    tester = KaseyaConnectionTester(clients)
    assert await tester.test(good) is None
    bad = kaseya_connection(sandbox.url, credentials={**good.credentials, "password": "no"})
    assert await tester.test(bad) is not None
    links = InMemoryExternalLinks()
    quoting = KaseyaQuoting(clients, links)
    today = datetime.now(UTC).date()
    quote = sample_snapshot(issued_on=today, expires_on=today + timedelta(days=30))
    await quoting.publish(quote, b"%PDF-1.7 first", good)  # a new account, contact, items
    await sandbox.expire_tokens()  # a 401, a refresh, the call again
    lines = list(quote.lines[:-1])
    lines[0] = replace(lines[0], quantity=lines[0].quantity + 1)
    edited = replace(quote, lines=tuple(lines), title="Office network refresh, revised")
    await quoting.publish(edited, b"%PDF-1.7 second", good)  # an update, a delete, a new PDF
    await quoting.set_outcome(edited, Outcome.WON, good)
    picked = replace(
        quote, id=uuid4(), number="Q-2026-0043", opportunity_ref=str(SEEDED_OPPORTUNITY)
    )
    await quoting.publish(picked, b"%PDF-1.7 picked", good)  # finds no quotation: makes one
    contoso_id = uuid4()
    organization = replace(quote.organization, id=contoso_id, name="Contoso")
    await links.link(good.connection_id, ORGANIZATION, contoso_id, str(CONTOSO))
    ada = replace(quote.contact, id=uuid4(), email="ada@contoso.example") if quote.contact else None
    linked = replace(picked, id=uuid4(), opportunity_ref=None, organization=organization)
    linked = replace(linked, contact=ada)
    await quoting.publish(linked, b"%PDF-1.7 linked", good)  # reads the linked account
    gone = kaseya_connection(sandbox.url, settings={**SERVICE_QUOTATIONS, "account_manager_id": 9})
    stranger = replace(linked, id=uuid4(), organization=replace(organization, id=None, name="X"))
    with pytest.raises(VendorRejected):  # Kaseya refuses the unknown account manager
        await quoting.publish(stranger, b"%PDF-1.7 refused", gone)
    workshop = ItemSource("kaseya_bms", "service", str(WORKSHOP_WITHOUT_COST))
    costless = replace(linked, id=uuid4(), lines=(replace(quote.lines[-1], source=workshop),))
    with pytest.raises(VendorRejected, match="no unit price and unit cost"):  # under HTTP 200
        await quoting.publish(costless, b"%PDF-1.7 costless", good)
    await quoting.search_opportunities(OpportunitySearch(text="", company_ref=None), good)
    await quoting.search_contacts("ada@contoso.example", good)
    await quoting.search_items("switch", good)
    await quoting.open_opportunities(str(CONTOSO), good)


async def _drive_fallbacks(
    lacking: KaseyaSandbox, no_quotes: KaseyaSandbox, clients: KaseyaClients
) -> None:
    """Instances without some unpublished calls: the probe, and the published fallbacks."""
    tester = KaseyaConnectionTester(clients)
    connection = kaseya_connection(lacking.url, settings=SERVICE_QUOTATIONS)
    said = await tester.test(connection)
    assert said is not None
    assert all(what in said for what in LACKING)
    quoting = KaseyaQuoting(clients, InMemoryExternalLinks())
    today = datetime.now(UTC).date()
    quote = sample_snapshot(issued_on=today, expires_on=today + timedelta(days=30))
    first = await quoting.publish(quote, b"%PDF-1.7 first", connection)
    assert first.warnings  # the new products are left out
    lines = (*quote.lines[1:], replace(quote.lines[0], id=uuid4(), position=9))
    edited = replace(quote, lines=lines, title="Revised")
    await quoting.publish(edited, b"%PDF-1.7 second", connection)  # reads line items by id
    none = kaseya_connection(no_quotes.url, settings=SERVICE_QUOTATIONS)
    assert await tester.test(none) is not None
    result = await quoting.publish(quote, b"%PDF-1.7 first", none)
    assert (result.quote_ref, result.attachment_ref is not None) == ("", True)


# --- the client's requests ---------------------------------------------------------------------


def test_the_operation_table_marks_exactly_what_the_spec_lacks(spec: OpenApi) -> None:
    for op in api.OPERATIONS:
        assert (spec.operation(op.method, op.path) is not None) == op.published, op.what
    assert {op.what for op in api.NOT_IN_SPEC} == EXPECTED_NOT_IN_SPEC
    for op in api.OPERATIONS:  # the spec's bare answers are the ones marked so
        schema = spec.response_schema(op.method, op.path)
        bare = schema is not None and not schema.get("$ref", "").endswith("Response")
        assert bare == (not op.enveloped), op.what


def test_every_call_is_an_operation_the_scenario_covers_whole(
    exchanges: list[Exchange], spec: OpenApi
) -> None:
    unknown = [f"{x.method} {x.path}" for x in exchanges if x.op is None]

    assert unknown == []
    assert {x.op for x in exchanges} == set(api.OPERATIONS)
    for x in exchanges:
        assert x.op is not None
        assert (spec.operation(x.method, x.op.path) is not None) == x.op.published


def test_every_call_but_the_sign_in_carries_a_bearer_token(exchanges: list[Exchange]) -> None:
    for x in exchanges:
        signing_in = x.op in (api.AUTHENTICATE, api.REFRESH_TOKEN)
        assert ("Authorization" in x.headers) != signing_in, x.path
        if not signing_in:
            assert re.fullmatch(r"Bearer \S+", x.headers["Authorization"])
        assert x.headers["Accept"] == "application/json"


def test_query_parameters_are_the_operations_own_and_of_their_type(
    exchanges: list[Exchange], spec: OpenApi
) -> None:
    sent = [x for x in exchanges if x.params]

    assert {x.op for x in sent} >= {api.ACCOUNTS, api.CONTACTS, api.OPPORTUNITIES, api.PRODUCTS}
    for x in sent:
        assert x.op is not None
        assert x.op.published
        declared = spec.parameters(x.method, x.op.path, "query")
        for name, value in x.params:
            assert name in declared, f"{x.op.what}: {name}"
            kind = declared[name]["schema"].get("type")
            if kind == "integer":
                assert re.fullmatch(r"-?\d+", value), f"{name}={value}"
            elif kind == "boolean":
                assert value in ("true", "false"), f"{name}={value}"


def test_json_bodies_fit_the_request_schema_with_its_required_fields(
    exchanges: list[Exchange], spec: OpenApi
) -> None:
    writes = [x for x in exchanges if x.kind == "application/json"]

    assert {x.op for x in writes} >= {api.CREATE_OPPORTUNITY, api.ADD_LINE_ITEM, api.CREATE_QUOTE}
    for x in writes:
        assert x.op is not None
        if x.status != 200:  # probes and the refused one lack fields on purpose
            continue
        if not x.op.published:  # NOT PUBLISHED: held to the hub's declaration (unpublished.py)
            schema = {"$ref": f"#/components/schemas/{unpublished.REQUESTS[x.op]}"}
            assert _declared(spec).problems(schema, x.sent) == [], x.op.what
        else:
            schema = spec.request_schema(x.method, x.op.path, "application/json")
            assert spec.problems(schema, x.sent) == [], x.op.what


def test_multipart_forms_carry_the_operations_fields(
    exchanges: list[Exchange], spec: OpenApi
) -> None:
    forms = [x for x in exchanges if x.kind == "multipart/form-data"]

    assert {x.op for x in forms} == {api.AUTHENTICATE, api.REFRESH_TOKEN, api.UPLOAD_ATTACHMENT}
    for x in forms:
        assert x.op is not None
        schema = spec.request_schema(x.method, x.op.path, "multipart/form-data")
        assert set(x.sent) <= set(schema["properties"]), x.op.what
        assert set(schema.get("required", [])) <= set(x.sent), x.op.what
    signing_in = [x.sent for x in forms if x.op == api.AUTHENTICATE]
    assert all(form["GrantType"] == "password" for form in signing_in)
    uploaded = {x.sent["formFile"] for x in forms if x.op == api.UPLOAD_ATTACHMENT}
    assert uploaded
    assert all(re.fullmatch(r"Q-2026-004[23] \w+\.pdf", name) for name in uploaded)


# --- the sandbox's answers ---------------------------------------------------------------------


def _declared(spec: OpenApi) -> OpenApi:
    """The published schemas with the hub's declaration of the unpublished ones."""
    schemas = {**spec.schemas, **unpublished.SCHEMAS}
    return OpenApi({"paths": spec.paths, "components": {"schemas": schemas}})


def _lacks_route(x: Exchange) -> bool:
    """An unpublished call answered as by an instance without it: 404 or 405, no body."""
    return x.op is not None and not x.op.published and x.answer is None and x.status != 200


def _refused(x: Exchange) -> bool:
    """Kaseya refusing: an error status, or ``Success: false`` under HTTP 200."""
    refused_200 = isinstance(x.answer, dict) and x.answer.get("Success") is False
    return (x.status != 200 or refused_200) and not _lacks_route(x)


def _answer_schema(x: Exchange, spec: OpenApi) -> dict[str, Any] | None:
    assert x.op is not None
    if _refused(x):
        return _envelope({"nullable": True})
    if x.op.published:
        return spec.response_schema(x.method, x.op.path)
    answer = unpublished.ANSWERS[x.op]  # NOT PUBLISHED: the hub's declaration
    if answer is None:
        return None  # the DELETE, answered as the spec's DeleteAttachment: no content
    dto, listed = answer
    ref = {"$ref": f"#/components/schemas/{dto}"}
    return _envelope({"type": "array", "items": ref, "nullable": True} if listed else ref)


def _envelope(result: dict[str, Any]) -> dict[str, Any]:
    properties = {
        "Success": {"type": "boolean"},
        "Error": {"$ref": "#/components/schemas/ErrorInfo"},
    }
    return {
        "type": "object",
        "properties": {**properties, "Result": result},
        "additionalProperties": False,
    }


def _unwritten(spec: OpenApi, schema: dict[str, Any], value: object, where: str = "$") -> list[str]:
    """The properties of objects in ``value`` that the sandbox left out (ASP.NET writes all)."""
    resolved = spec.resolve(schema)
    if isinstance(value, list):
        items = resolved.get("items", {})
        return [m for n, v in enumerate(value) for m in _unwritten(spec, items, v, f"{where}[{n}]")]
    if not isinstance(value, dict):
        return []
    properties: dict[str, Any] = resolved.get("properties", {})
    missing = [f"{where}.{name}" for name in properties if name not in value]
    for name, item in value.items():
        if name in properties:
            missing += _unwritten(spec, properties[name], item, f"{where}.{name}")
    return missing


def test_every_answer_fits_the_operations_schema_with_every_field(
    exchanges: list[Exchange], spec: OpenApi
) -> None:
    for x in exchanges:
        if _lacks_route(x):
            assert x.status in (404, 405), x.path
            continue
        schema = _answer_schema(x, spec)
        if schema is None:
            assert (x.status, x.answer) == (200, None), x.path
            continue
        assert spec.problems(schema, x.answer) == [], x.path
        if x.status == 200 and not _refused(x):
            assert _unwritten(spec, schema, x.answer) == [], x.path
            if x.op is not None and x.op.enveloped:
                assert x.answer["Success"] is True


def test_refusals_are_envelopes_with_kaseyas_error(exchanges: list[Exchange]) -> None:
    refusals = [x for x in exchanges if _refused(x)]

    assert {x.status for x in refusals} == {200, 400, 401, 404}  # 200: a business rule (KBMS-3)
    for x in refusals:
        assert x.answer["Success"] is False
        assert x.answer["Error"]["Code"] == (400 if x.status == 200 else x.status)
        assert x.answer["Error"]["Message"]
        assert x.answer["Result"] is None


def test_products_are_answered_without_prices_and_services_with_them_kbms_9(
    exchanges: list[Exchange],
) -> None:
    products = [p for x in exchanges if x.op == api.PRODUCTS for p in x.answer["Result"]]
    services = [s for x in exchanges if x.op == api.SERVICES for s in x.answer["Result"]]

    assert products
    assert all(p["WeightedLandedCost"] is None for p in products)
    assert all(s["UnitPrice"] > 0 and s["UnitCost"] > 0 for s in services)


# --- the sandbox's declarations ----------------------------------------------------------------


def _kind(spec: OpenApi, prop: dict[str, Any]) -> tuple[str, str | None]:
    if "$ref" in prop:
        target = spec.resolve(prop)
        if "enum" in target:
            return ("int" if target["type"] == "integer" else "str"), None
        return "object", str(prop["$ref"]).rsplit("/", 1)[-1]
    if prop.get("type") == "array":
        items = prop["items"]
        if "$ref" in items:
            return "list", str(items["$ref"]).rsplit("/", 1)[-1]
        return "list", _kind(spec, items)[0]
    if prop.get("type") == "string":
        return ("datetime" if prop.get("format") == "date-time" else "str"), None
    return KINDS[prop["type"]], None


def test_the_sandbox_declares_each_dto_as_the_spec_defines_it(spec: OpenApi) -> None:
    declared: dict[str, dict[str, Field]] = {**OUTPUTS, **INPUTS}
    for name, fields in declared.items():
        schema = spec.schemas[name]
        properties: dict[str, Any] = schema["properties"]
        writable = {p for p, v in properties.items() if not (name in INPUTS and v.get("readOnly"))}
        assert set(fields) == writable, name
        for field_name, field in fields.items():
            prop = properties[field_name]
            assert (field.kind, field.of) == _kind(spec, prop), f"{name}.{field_name}"
            assert field.nullable == bool(prop.get("nullable")), f"{name}.{field_name}"
            assert field.required == (field_name in schema.get("required", [])), field_name


def test_the_hubs_own_dtos_are_not_in_the_spec_and_named_after_its_outputs(
    spec: OpenApi,
) -> None:
    assert set(NOT_IN_SPEC) == set(unpublished.SCHEMAS)
    assert set(unpublished.OPERATIONS) == set(api.NOT_IN_SPEC)
    for name, fields in NOT_IN_SPEC.items():
        assert name not in spec.schemas
        declared = unpublished.SCHEMAS[name]  # the sandbox reads what the hub declares
        assert set(fields) == set(declared["properties"]), name
        for field_name, field in fields.items():
            prop = declared["properties"][field_name]
            assert (field.kind, field.of) == _kind(spec, prop), f"{name}.{field_name}"
            assert field.nullable == bool(prop.get("nullable")), f"{name}.{field_name}"
            assert field.required == (field_name in declared["required"]), field_name
        output = OUTPUTS[NAMED_AFTER[name]]
        borrowed = {f for f in fields if f != "WarehouseId"}  # an output with no warehouse
        assert borrowed <= set(output), name
        for field_name in borrowed:
            assert fields[field_name].kind == output[field_name].kind, f"{name}.{field_name}"
