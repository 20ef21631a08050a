"""Both sides held to QuickBooks Online's published schema (``shared/contracts/quickbooks_xsd``).

One scenario drives the adapter against the sandbox over HTTP while an httpx event hook records
every exchange; the tests then check each request the adapter sent and each answer the sandbox
gave against the XSD (extension chains followed: Invoice → SalesTransaction → Transaction →
IntuitEntity), and the sandbox's own element table against it too.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from adapters.sandboxes.quickbooks.app import SANDBOX_CLIENT, create_quickbooks_sandbox
from adapters.sandboxes.quickbooks.schema import ENTITIES, TYPES, Kind
from adapters.sandboxes.quickbooks.store import QuickBooksStore
from adapters.vendors.quickbooks.accounting import QuickBooksAccounting, QuickBooksClients
from adapters.vendors.quickbooks.authorize import QuickBooksAuthorizer
from adapters.vendors.quickbooks.contract import MINOR_VERSION
from adapters.vendors.quickbooks.sync import QuickBooksConnectionTester
from application.billing.ports import AccountingLine, InvoiceForAccounting
from application.integrations.ports import ConnectionConfig, VendorRejected
from domain.shared.money import Money
from tests.support.autotask import UnlimitedLimits
from tests.support.quickbooks import (
    QuickBooksSandbox,
    QuickBooksSchema,
    gateway_payment,
    psa_invoice,
    quickbooks_connection,
    quickbooks_schema,
)
from tests.support.sandboxes import serve_sandbox

TOKEN_ANSWER = {
    "token_type",
    "access_token",
    "expires_in",
    "refresh_token",
    "x_refresh_token_expires_in",
}
# What QBO's documentation requires on create, beyond the XSD (where every element is optional).
REQUIRED_ON_CREATE = {
    "Customer": {"DisplayName"},
    "Invoice": {"CustomerRef", "Line"},
    "Payment": {"CustomerRef", "TotalAmt"},
    "RefundReceipt": {"Line", "DepositToAccountRef"},
}
# Every call the hub makes to QuickBooks Online (method, path); each is exercised below.
OPERATIONS = [
    ("POST", re.compile(r"/oauth2/v1/tokens/bearer")),
    ("POST", re.compile(r"/v3/company/\d+/query")),
    ("POST", re.compile(r"/v3/company/\d+/(customer|invoice|payment|refundreceipt|item)")),
    ("GET", re.compile(r"/v3/company/\d+/(customer|invoice|payment|item)/\d+")),
    ("GET", re.compile(r"/v3/company/(\d+)/companyinfo/\1")),
    ("GET", re.compile(r"/v3/company/\d+/preferences")),
]
_KIND_OF_BUILTIN = {
    "string": Kind.STRING,
    "decimal": Kind.DECIMAL,
    "int": Kind.INTEGER,
    "positiveInteger": Kind.INTEGER,
    "boolean": Kind.BOOLEAN,
    "date": Kind.DATE,
    "dateTime": Kind.DATETIME,
}


@dataclass(frozen=True)
class Exchange:
    method: str
    path: str
    params: dict[str, str]
    headers: httpx.Headers
    sent: Any  # JSON (Decimal numbers), a query's text or a token request's form
    status: int
    answer: Any

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/v3/company/")

    @property
    def is_query(self) -> bool:
        return self.is_api and self.path.endswith("/query")

    @property
    def entity_written(self) -> str | None:
        """The entity a POST creates or updates (``Invoice``), None for other calls."""
        if self.method != "POST" or not self.is_api or self.is_query:
            return None
        name = self.path.rsplit("/", 1)[-1]
        return next((e for e in ENTITIES if e.lower() == name.lower()), name.capitalize())


def _decoded(content: bytes, content_type: str) -> Any:
    if not content:
        return None
    if "json" in content_type:
        return json.loads(content, parse_float=Decimal)
    if "form" in content_type:
        return {k: v[0] for k, v in parse_qs(content.decode()).items()}
    return content.decode()


@pytest.fixture(scope="module")
def schema() -> QuickBooksSchema:
    return quickbooks_schema()


REDIRECT_URI = "https://hub.example/oauth/callback"
# Intuit's documented authorization request (developer.intuit.com, "Implement OAuth 2.0"):
# https://appcenter.intuit.com/connect/oauth2?client_id&redirect_uri&response_type=code&scope&state
AUTHORIZE_PARAMS = {"client_id", "redirect_uri", "response_type", "scope", "state"}


@dataclass
class Scenario:
    exchanges: list[Exchange]
    authorize_urls: list[str]


@pytest.fixture(scope="module")
def scenario() -> Iterator[Scenario]:
    """Run the scenario once for the module, on three companies (the default US one, one
    without multicurrency, a UK one); every request and answer is recorded."""
    with (
        serve_sandbox(QuickBooksSandbox, create_quickbooks_sandbox) as sandbox,
        serve_sandbox(
            QuickBooksSandbox, create_quickbooks_sandbox, company="us-single-currency"
        ) as single,
        serve_sandbox(QuickBooksSandbox, create_quickbooks_sandbox, company="uk") as uk,
    ):
        yield asyncio.run(_scenario(sandbox.url, sandbox.store, single.url, uk.url))


@pytest.fixture(scope="module")
def exchanges(scenario: Scenario) -> list[Exchange]:
    return scenario.exchanges


async def _scenario(url: str, store: QuickBooksStore, single: str, uk: str) -> Scenario:
    recorded: list[Exchange] = []
    authorize_urls: list[str] = []

    async def record(response: httpx.Response) -> None:
        await response.aread()
        request = response.request
        sent = _decoded(request.content, request.headers.get("Content-Type", ""))
        answer = _decoded(response.content, response.headers.get("Content-Type", ""))
        path = request.url.path
        params = dict(request.url.params)
        recorded.append(
            Exchange(
                request.method, path, params, request.headers, sent, response.status_code, answer
            )
        )

    async with httpx.AsyncClient(event_hooks={"response": [record]}) as http:
        clients = QuickBooksClients(UnlimitedLimits(), http=http)
        authorize_urls += await _connect(url, http, clients)
        await _drive(url, clients, store)
        await _other_companies(single, uk, clients)
        await clients.aclose()
    return Scenario(recorded, authorize_urls)


async def _connect(url: str, http: httpx.AsyncClient, clients: QuickBooksClients) -> list[str]:
    """An admin connects at the consent page (the browser's calls are not the hub's: not
    recorded); the hub exchanges the code, once, and uses the refresh token it got."""
    authorizer = QuickBooksAuthorizer(http=http)
    keys = quickbooks_connection(url, credentials=SANDBOX_CLIENT)
    authorize_url = authorizer.authorize_url(keys, redirect_uri=REDIRECT_URI, state="t.c.secret")
    async with httpx.AsyncClient() as browser:
        query = {k: v[0] for k, v in parse_qs(authorize_url.split("?", 1)[1]).items()}
        approved = await browser.post(
            f"{url}/connect/oauth2/approve", data={**query, "decision": "approve"}
        )
    answer = {k: v[0] for k, v in parse_qs(approved.headers["location"].split("?")[1]).items()}
    issued = await authorizer.exchange(keys, redirect_uri=REDIRECT_URI, answer=answer)
    with pytest.raises(VendorRejected, match="invalid_grant"):  # a code works once
        await authorizer.exchange(keys, redirect_uri=REDIRECT_URI, answer=answer)
    connected = quickbooks_connection(url, credentials={**SANDBOX_CLIENT, **issued})
    tester = QuickBooksConnectionTester(UnlimitedLimits(), clients=clients)
    assert await tester.test(connected) is None
    return [authorize_url]


async def _other_companies(single: str, uk: str, clients: QuickBooksClients) -> None:
    """What differs by company: no CurrencyRef without multicurrency, TaxCodeRef in the UK."""
    accounting = QuickBooksAccounting(UnlimitedLimits(), clients=clients)
    tester = QuickBooksConnectionTester(UnlimitedLimits(), clients=clients)
    one_currency = quickbooks_connection(single)
    pushed = await accounting.push_invoice(one_currency, psa_invoice())
    await accounting.record_payment(one_currency, gateway_payment(pushed.accounting_id))
    unready = quickbooks_connection(uk)
    assert await tester.test(unready) is not None  # no VAT code set: its codes listed
    british = quickbooks_connection(uk, settings={"tax_code_id": "2"})
    invoice = _in_pounds(psa_invoice(customer_name="Tesco PLC"))
    pushed = await accounting.push_invoice(british, invoice)
    paid = gateway_payment(
        pushed.accounting_id,
        customer_name="Tesco PLC",
        sale=Money.of("150.30", "GBP"),
        applied=Money.of("140.30", "GBP"),
        refunded=Money.of("10.00", "GBP"),
    )
    await accounting.record_payment(british, paid)


def _in_pounds(invoice: InvoiceForAccounting) -> InvoiceForAccounting:
    lines = [replace(line, amount=Money.of(line.amount.amount, "GBP")) for line in invoice.lines]
    return replace(invoice, total=Money.of(invoice.total.amount, "GBP"), lines=lines)


async def _drive(url: str, clients: QuickBooksClients, store: QuickBooksStore) -> None:
    good = quickbooks_connection(url)
    tester = QuickBooksConnectionTester(UnlimitedLimits(), clients=clients)
    assert await tester.test(good) is None
    for wrong in ({"client_secret": "wrong"}, {"realm_id": "4620816365000000000"}):
        refused = quickbooks_connection(url, credentials={**good.credentials, **wrong})
        assert await tester.test(refused) is not None
    accounting = QuickBooksAccounting(UnlimitedLimits(), clients=clients)
    invoice = psa_invoice(customer_name="O'Brien's Pub")
    pushed = await accounting.push_invoice(good, invoice)  # query, create customer and invoice
    await accounting.push_invoice(good, invoice)  # queries, matched
    await accounting.record_payment(good, gateway_payment(pushed.accounting_id))
    await accounting.record_payment(good, gateway_payment(pushed.accounting_id, "500.00"))
    await _move_money(accounting, good)
    store.tokens.expire_all()
    await accounting.invoice(good, pushed.accounting_id)  # 401, refresh, retried
    bad_item = quickbooks_connection(url, settings={"item_id": "999"})
    with pytest.raises(VendorRejected):
        await accounting.push_invoice(bad_item, psa_invoice())
    # A customer made inactive in QuickBooks is reactivated by a sparse update (5010 once).
    [customer] = [c for c in store.snapshot()["customers"] if c["DisplayName"] == "O'Brien's Pub"]
    store.deactivate_customer(customer["Id"])
    store.meddle_before_next_update("Customer", customer["Id"])
    lines = [AccountingLine("Onboarding", Money.of("99.99", "USD"), "0.5")]
    await accounting.push_invoice(good, psa_invoice(customer_name="O'Brien's Pub", lines=lines))
    client = await clients.client(good)
    item = await client.create("Item", {"Name": "Hardware", "Type": "NonInventory"}, "q2c-item-1")
    await client.read("Item", item["Id"])
    await client.query("SELECT COUNT(*) FROM Invoice")
    await client.query("SELECT * FROM Item WHERE Name LIKE 'Hard%' STARTPOSITION 1 MAXRESULTS 10")


async def _move_money(accounting: QuickBooksAccounting, good: ConnectionConfig) -> None:
    """PAY-3..7: a payment re-linked to another invoice, refunded, voided; an invoice voided."""
    first = await accounting.push_invoice(good, psa_invoice(customer_name="Fabrikam"))
    other = await accounting.push_invoice(good, psa_invoice(customer_name="Fabrikam"))
    taken = gateway_payment(first.accounting_id, "150.30", customer_name="Fabrikam")
    held = await accounting.record_payment(good, taken)
    await accounting.void_invoice(good, first.accounting_id)  # its payment is unapplied
    moved = replace(
        taken,
        accounting_id=held,
        applied_to=other.accounting_id,
        applied=Money.of("100.30", "USD"),
        refunded=Money.of("50.00", "USD"),
    )
    await accounting.record_payment(good, moved)  # re-linked, and a RefundReceipt
    await accounting.record_payment(good, moved)  # nothing more
    cancelled = replace(moved, cancelled=True, sale=Money.of("0", "USD"))
    await accounting.record_payment(good, cancelled)  # voided


def test_every_call_is_an_operation_of_the_qbo_api(exchanges: list[Exchange]) -> None:
    unknown = [
        f"{x.method} {x.path}"
        for x in exchanges
        if not any(m == x.method and p.fullmatch(x.path) for m, p in OPERATIONS)
    ]

    assert unknown == []
    api = [x for x in exchanges if x.is_api]
    assert {x.params.get("minorversion") for x in api} == {str(MINOR_VERSION)}
    assert MINOR_VERSION >= 75
    assert all(x.headers["Accept"] == "application/json" for x in api)
    assert all(x.headers["Authorization"].startswith("Bearer ") for x in api)
    queries = [x for x in api if x.is_query]
    assert queries
    assert all(x.headers["Content-Type"] == "application/text" for x in queries)


def test_every_write_carries_a_request_id_qbo_accepts(exchanges: list[Exchange]) -> None:
    writes = [x for x in exchanges if x.entity_written]

    assert writes
    for write in writes:
        assert write.headers["Content-Type"] == "application/json"
        assert 0 < len(write.params["requestid"]) <= 50


def test_the_adapter_sends_only_xsd_elements_and_what_a_create_requires(
    exchanges: list[Exchange], schema: QuickBooksSchema
) -> None:
    writes = [x for x in exchanges if x.entity_written]

    assert {x.entity_written for x in writes} >= {"Customer", "Invoice", "Payment", "RefundReceipt"}
    for write in writes:
        entity = str(write.entity_written)
        assert entity in schema.entities
        assert schema.problems(entity, write.sent) == []
        if write.params.get("operation") == "void":  # an invoice voided
            assert set(write.sent) == {"Id", "SyncToken"}
        elif "Id" in write.sent:  # a sparse update (a payment voided: include=void)
            assert {"Id", "SyncToken", "sparse"} <= set(write.sent)
        else:
            assert REQUIRED_ON_CREATE.get(entity, set()) <= set(write.sent)
    sales_lines = [
        line
        for x in writes
        if x.entity_written in ("Invoice", "RefundReceipt")
        for line in x.sent.get("Line", [])
    ]
    assert sales_lines
    for line in sales_lines:
        assert {"Amount", "DetailType", line["DetailType"]} <= set(line)
        assert line["SalesItemLineDetail"]["ItemRef"]["value"]


def test_queries_name_xsd_entities_and_their_elements(
    exchanges: list[Exchange], schema: QuickBooksSchema
) -> None:
    statements = [x.sent for x in exchanges if x.is_query]

    assert any("\\'" in statement for statement in statements)  # O\'Brien\'s Pub, escaped
    for statement in statements:
        entity = re.search(r"\bFROM (\w+)", statement)
        assert entity is not None
        assert entity.group(1) in schema.entities
        paging = re.search(r"STARTPOSITION (\d+) MAXRESULTS (\d+)$", statement)
        if paging is not None:  # QBO pages from 1, at most 1000 a page
            assert int(paging.group(1)) >= 1
            assert 1 <= int(paging.group(2)) <= 1000
        unquoted = re.sub(r"'(?:[^'\\]|\\.)*'", "''", statement)
        for field in re.findall(r"(\w[\w.]*)\s*(?:=|<|>|\bIN\b|\bLIKE\b)", unquoted):
            assert field.split(".")[0] in schema.fields(entity.group(1))


def test_every_answer_of_the_api_is_an_intuit_response(
    exchanges: list[Exchange], schema: QuickBooksSchema
) -> None:
    answers = [x for x in exchanges if x.is_api]

    for x in answers:
        assert schema.problems("IntuitResponse", x.answer) == [], x.path
    faults = [x for x in answers if "Fault" in x.answer]
    assert {x.status for x in faults} == {400, 401, 403}
    assert all(x.answer["Fault"]["Error"] for x in faults)
    entities = {key for x in answers for key in x.answer if key in schema.entities}
    assert entities == {
        "CompanyInfo",
        "Preferences",
        "Customer",
        "Invoice",
        "Payment",
        "RefundReceipt",
        "Item",
    }


def test_invoices_and_payments_carry_what_the_hub_reads_as_numbers(
    exchanges: list[Exchange],
) -> None:
    invoices = [x.answer["Invoice"] for x in exchanges if x.is_api and "Invoice" in x.answer]
    invoices += [
        item
        for x in exchanges
        if x.is_query
        for item in x.answer["QueryResponse"].get("Invoice", [])
    ]
    payments = [x.answer["Payment"] for x in exchanges if x.is_api and "Payment" in x.answer]

    assert invoices
    assert payments
    kept = {"Id", "SyncToken", "DocNumber", "TxnDate", "DueDate", "CustomerRef", "Line"}
    for invoice in invoices:
        assert kept | {"TotalAmt", "Balance", "CurrencyRef", "MetaData"} <= set(invoice)
        assert isinstance(invoice["TotalAmt"], Decimal)
        assert isinstance(invoice["Balance"], Decimal)
    for payment in payments:
        assert {"CustomerRef", "TotalAmt", "UnappliedAmt", "TxnDate", "Line"} <= set(payment)


def test_token_calls_are_oauth2_as_intuit_takes_them(exchanges: list[Exchange]) -> None:
    """Intuit's token endpoint: a form with the grant, the app's keys as HTTP Basic, JSON
    back; the code exchange names the same redirect_uri as the authorization request."""
    calls = [x for x in exchanges if x.path.endswith("/oauth2/v1/tokens/bearer")]
    grants = {x.sent["grant_type"] for x in calls}

    assert grants == {"authorization_code", "refresh_token"}
    assert {x.status for x in calls} == {200, 400, 401}
    for x in calls:
        assert x.headers["Authorization"].startswith("Basic ")
        assert x.headers["Content-Type"] == "application/x-www-form-urlencoded"
        assert x.headers["Accept"] == "application/json"
        if x.sent["grant_type"] == "authorization_code":
            assert set(x.sent) == {"grant_type", "code", "redirect_uri"}
            assert x.sent["redirect_uri"] == REDIRECT_URI
        else:
            assert set(x.sent) == {"grant_type", "refresh_token"}
            assert x.sent["refresh_token"]
        if x.status == 200:
            assert set(x.answer) == TOKEN_ANSWER
            assert x.answer["token_type"] == "bearer"
            assert all(
                isinstance(x.answer[k], int) for k in ("expires_in", "x_refresh_token_expires_in")
            )
        else:
            assert {"error"} <= set(x.answer) <= {"error", "error_description"}
            assert x.answer["error"] in ("invalid_grant", "invalid_client")


def test_the_authorize_url_is_intuits_documented_request(scenario: Scenario) -> None:
    [url] = scenario.authorize_urls
    base, _, query = url.partition("?")
    params = {k: v[0] for k, v in parse_qs(query).items()}

    assert base.endswith("/connect/oauth2")  # appcenter.intuit.com/connect/oauth2 at Intuit
    assert set(params) == AUTHORIZE_PARAMS
    assert params["response_type"] == "code"
    assert params["scope"] == "com.intuit.quickbooks.accounting"
    assert params["redirect_uri"] == REDIRECT_URI
    assert params["client_id"] == SANDBOX_CLIENT["client_id"]


def test_every_operation_of_the_hub_is_exercised_here(exchanges: list[Exchange]) -> None:
    """A call the adapter gains must join OPERATIONS, and so be checked by this module."""
    unused = [
        f"{method} {pattern.pattern}"
        for method, pattern in OPERATIONS
        if not any(x.method == method and pattern.fullmatch(x.path) for x in exchanges)
    ]
    assert unused == []


def test_company_reads_answer_what_the_adapter_reads(
    exchanges: list[Exchange], schema: QuickBooksSchema
) -> None:
    """CompanyInfo.Country and Preferences.CurrencyPrefs, as the XSD names them."""
    infos = [x.answer["CompanyInfo"] for x in exchanges if x.is_api and "CompanyInfo" in x.answer]
    prefs = [x.answer["Preferences"] for x in exchanges if x.is_api and "Preferences" in x.answer]

    assert {info["Country"] for info in infos} == {"US", "GB"}
    assert {p["CurrencyPrefs"]["MultiCurrencyEnabled"] for p in prefs} == {True, False}
    assert {p["CurrencyPrefs"]["HomeCurrency"]["value"] for p in prefs} == {"USD", "GBP"}
    assert {"CurrencyPrefs", "TaxPrefs"} <= set(schema.fields("Preferences"))
    assert {"MultiCurrencyEnabled", "HomeCurrency"} <= set(schema.fields("CurrencyPrefs"))
    assert "Country" in schema.fields("CompanyInfo")


def test_each_company_gets_the_currency_and_tax_elements_it_takes(
    exchanges: list[Exchange], schema: QuickBooksSchema
) -> None:
    """No CurrencyRef to a company without multicurrency; TaxCodeRef on every UK sales line."""
    companies = _companies(exchanges)
    writes = [x for x in exchanges if x.entity_written and "Id" not in x.sent]

    for write in writes:
        company = companies[_realm_and_port(write)]
        if not company["CurrencyPrefs"]["MultiCurrencyEnabled"]:
            assert "CurrencyRef" not in write.sent, write.path
        for line in write.sent.get("Line", []):
            if line.get("DetailType") != "SalesItemLineDetail":
                continue
            detail = line["SalesItemLineDetail"]
            assert ("TaxCodeRef" in detail) == (company["Country"] != "US"), write.path
            assert schema.problems("SalesItemLineDetail", detail) == []
    uk = [w for w in writes if companies[_realm_and_port(w)]["Country"] == "GB"]
    assert {w.entity_written for w in uk} >= {"Customer", "Invoice", "Payment", "RefundReceipt"}


def _realm_and_port(x: Exchange) -> str:
    return f"{x.headers['host']}{x.path.split('/')[3]}"


def _companies(exchanges: list[Exchange]) -> dict[str, dict[str, Any]]:
    """Each company (host and realm) as its CompanyInfo and Preferences answers show it."""
    found: dict[str, dict[str, Any]] = {}
    for x in exchanges:
        if x.is_api and x.status == 200:
            for name in ("CompanyInfo", "Preferences"):
                if name in x.answer:
                    found.setdefault(_realm_and_port(x), {}).update(x.answer[name])
    return found


def test_the_sandbox_keeps_only_elements_of_the_xsd_of_the_right_kind(
    schema: QuickBooksSchema,
) -> None:
    for type_name, specs in TYPES.items():
        fields = schema.fields(type_name)
        for name, spec in specs.items():
            field = fields.get(name)
            assert field is not None, f"{type_name}.{name} is not in the XSD"
            assert field.many == spec.many, f"{type_name}.{name}"
            if spec.kind is Kind.OBJECT:
                assert field.type == spec.of, f"{type_name}.{name}"
            else:
                builtin = schema.builtin(field.type)
                assert _KIND_OF_BUILTIN.get(builtin) == spec.kind, f"{type_name}.{name}"
