"""Both sides held to Kaseya BMS's published OpenAPI file (``shared/contracts``).

One scenario drives every client call against the sandbox over HTTP while an httpx event hook
records each exchange; the tests then check every request the client sent (an operation of the
file, or one of the client's explicit NOT_IN_SPEC list; query and form fields the operation has,
JSON bodies valid against its schema with the required fields) and every answer the sandbox gave
(valid against the operation's 200 schema, no unknown fields, every field written; refusals in the
envelope with an ErrorInfo). The sandbox's own DTO declarations are held to the file too
(INT-7, QUO-3..6, KBMS-8, KBMS-9).
"""

from __future__ import annotations

import asyncio
import email
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from typing import Any

import httpx
import pytest

from adapters.sandboxes.kaseya_bms.app import create_kaseya_sandbox
from adapters.sandboxes.kaseya_bms.dtos import INPUTS, NOT_IN_SPEC, OUTPUTS
from adapters.sandboxes.kaseya_bms.routes import SCHEMAS
from adapters.sandboxes.kaseya_bms.schema import Field
from adapters.vendors.kaseya_bms import contract as api
from adapters.vendors.kaseya_bms.client import KaseyaClients
from adapters.vendors.kaseya_bms.sync import KaseyaConnectionTester
from application.integrations.ports import VendorRejected
from tests.support.autotask import UnlimitedLimits
from tests.support.kaseya import (
    CONTOSO,
    MANAGED_SERVICES,
    PRODUCT,
    SERVICE,
    SWITCH,
    KaseyaSandbox,
    OpenApi,
    kaseya_connection,
    kaseya_openapi,
    line_body,
    opportunity_body,
    quotation_body,
)
from tests.support.sandboxes import serve_sandbox

# What the client sends that the published spec lacks, each named in the code (contract.py).
EXPECTED_NOT_IN_SPEC = {
    "POST /v2/crm/quotes",
    "PUT /v2/crm/quotes/{quotationId}",
    "GET /v2/crm/quotes/{quotationId}/lineItems",
    "DELETE /v2/crm/quotes/{quotationId}/lineItems/{lineItemId}",
    "POST /v2/inventory/products",
}
# The bodies and answers of those calls, as the hub defines them after the published DTOs.
UNPUBLISHED_BODY = {api.CREATE_QUOTE: "QuotationInputDto", api.UPDATE_QUOTE: "QuotationInputDto"}
UNPUBLISHED_BODY |= {api.CREATE_PRODUCT: "ProductInputDto"}
UNPUBLISHED_ANSWER = {
    api.CREATE_QUOTE: ("QuotationOutputDto", False),
    api.UPDATE_QUOTE: ("QuotationOutputDto", False),
    api.LINE_ITEMS: ("QuotationLineItemOutputDto", True),
    api.CREATE_PRODUCT: ("ProductsListSearchSelectOutputDto", False),
}
NAMED_AFTER = {"QuotationInputDto": "QuotationOutputDto"}
NAMED_AFTER |= {"ProductInputDto": "ProductsListSearchSelectOutputDto"}
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
    with serve_sandbox(KaseyaSandbox, create_kaseya_sandbox) as sandbox:
        yield asyncio.run(_scenario(sandbox))


async def _scenario(sandbox: KaseyaSandbox) -> list[Exchange]:
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
        await clients.aclose()
    return recorded


async def _drive(sandbox: KaseyaSandbox, clients: KaseyaClients) -> None:
    good = kaseya_connection(sandbox.url)
    tester = KaseyaConnectionTester(clients)
    assert await tester.test(good) is None
    bad = kaseya_connection(sandbox.url, credentials={**good.credentials, "password": "no"})
    assert await tester.test(bad) is not None
    client = await clients.client(good)
    await client.find_accounts("contoso")
    await client.account(CONTOSO)
    address = {"City": "Seattle", "IsMain": True, "IsBilling": True}
    location = {"LocationName": "Main", "IsMain": True, "IsActive": True, "Addresses": [address]}
    account = {"AccountName": "Woodgrove", "AccountTypeId": 1, "BusinessTypeId": 1}
    await client.create_account({**account, "AccountManagerId": 101, "Locations": [location]})
    await client.find_contacts(account_id=CONTOSO, email="ada")
    await client.create_contact({"FirstName": "Mary", "AccountId": CONTOSO, "LocationId": 2001})
    await client.open_active_opportunities(account_id=CONTOSO)  # statuses, then a list each
    opportunity = await client.create_opportunity(opportunity_body())
    await sandbox.expire_tokens()  # a 401, a refresh, the call again
    await client.change_opportunity(opportunity["Id"], {"Amount": 99.5})
    with pytest.raises(VendorRejected):
        await client.create_opportunity({"Subject": "incomplete"})
    with pytest.raises(VendorRejected):
        await client.opportunity(1)
    quote = await client.create_quote(quotation_body(opportunity["Id"]))
    await client.update_quote(quote["Id"], quotation_body(opportunity["Id"], Name="v2"))
    await client.quotes_of_opportunity(CONTOSO, opportunity["Id"])
    line = await client.add_line_item(quote["Id"], SERVICE, line_body(MANAGED_SERVICES))
    other = await client.add_line_item(quote["Id"], PRODUCT, line_body(SWITCH))
    await client.update_line_item(quote["Id"], line["Id"], line_body(MANAGED_SERVICES))
    await client.line_item(quote["Id"], line["Id"])
    await client.delete_line_item(quote["Id"], other["Id"])
    await client.line_items(quote["Id"])
    await client.products(name="switch", warehouse_ids=[1, 2])
    await client.create_product({"ProductNumber": "Q2C-1", "ProductName": "Rack shelf"})
    service = await client.create_service({"Name": "Q2C Backup", "UnitPrice": 9.0, "UnitCost": 4.0})
    await client.services(name="backup")
    await client.service(service["Id"])
    await client.warehouses()
    await client.item_types()
    module = client.module_id(api.Module.OPPORTUNITY)
    await client.replace_attachment(module, opportunity["Id"], "Q-1.pdf", b"%PDF-1.4 v1")
    await client.replace_attachment(module, opportunity["Id"], "Q-1.pdf", b"%PDF-1.4 v2")


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
        if not x.op.published:  # the hub's own DTO, declared in the sandbox and held below
            assert SCHEMAS.problems(UNPUBLISHED_BODY[x.op], x.sent) == []
        elif x.status == 200:  # the refused one lacks fields on purpose
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
    assert {x.sent["formFile"] for x in forms if x.op == api.UPLOAD_ATTACHMENT} == {"Q-1.pdf"}


# --- the sandbox's answers ---------------------------------------------------------------------


def _answer_schema(x: Exchange, spec: OpenApi) -> dict[str, Any] | None:
    assert x.op is not None
    if x.status != 200:
        return _envelope({"nullable": True})
    if x.op.published:
        return spec.response_schema(x.method, x.op.path)
    if x.op not in UNPUBLISHED_ANSWER:
        return None  # the DELETE, answered as the spec's DeleteAttachment: no content
    dto, listed = UNPUBLISHED_ANSWER[x.op]
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
        schema = _answer_schema(x, spec)
        if schema is None:
            assert (x.status, x.answer) == (200, None), x.path
            continue
        assert spec.problems(schema, x.answer) == [], x.path
        if x.status == 200:
            assert _unwritten(spec, schema, x.answer) == [], x.path
            if x.op is not None and x.op.enveloped:
                assert x.answer["Success"] is True


def test_refusals_are_envelopes_with_kaseyas_error(exchanges: list[Exchange]) -> None:
    refusals = [x for x in exchanges if x.status != 200]

    assert {x.status for x in refusals} == {400, 401, 404}
    for x in refusals:
        assert x.answer["Success"] is False
        assert x.answer["Error"]["Code"] == x.status
        assert x.answer["Error"]["Message"]
        assert x.answer["Result"] is None


def test_products_are_answered_without_prices_and_services_with_them_kbms_9(
    exchanges: list[Exchange],
) -> None:
    [products] = [x.answer["Result"] for x in exchanges if x.op == api.PRODUCTS]
    [services] = [x.answer["Result"] for x in exchanges if x.op == api.SERVICES]

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
    for name, fields in NOT_IN_SPEC.items():
        assert name not in spec.schemas
        output = OUTPUTS[NAMED_AFTER[name]]
        borrowed = {f for f in fields if f != "WarehouseId"}  # an output with no warehouse
        assert borrowed <= set(output), name
        for field_name in borrowed:
            assert fields[field_name].kind == output[field_name].kind, f"{name}.{field_name}"
