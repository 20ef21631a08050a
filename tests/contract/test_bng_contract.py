"""Both sides held to BNG's published contract (``shared/contracts/README.md``, "BNG Payment
Gateway", a white label of the NMI Payment API).

One scenario drives the adapter against the sandbox over HTTP (and against a sandbox whose
answers leave empty fields out) while an httpx event hook records every exchange; the tests then
check each form the adapter sent against the declared call it is (``CALLS``: every BNG call the
hub makes) and each answer the sandbox gave: only the README's fields, or NMI's published ones
with their source named (the Payment API's extra fields, the Query API's variables and
elements), of the right shapes.
"""

from __future__ import annotations

import asyncio
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest

from adapters.sandboxes.bng.store import BngStore
from adapters.vendors.bng.gateway import BngGateway
from adapters.vendors.bng.sync import BngConnectionTester
from adapters.vendors.bng.translate import forms
from application.billing.ports import CredentialOnFile, GatewayOutcome, Initiator
from application.integrations.ports import VendorRejected
from domain.shared.money import Currency, Money
from tests.support.autotask import UnlimitedLimits, contracts_dir
from tests.support.bng import (
    CONTACT,
    MASTERCARD,
    VISA,
    BngSandbox,
    bng_connection,
    running_sandbox,
    tokenize_card,
    tokenize_check,
)

# transact.php request fields, as contracts/README.md ("BNG Payment Gateway") lists them.
TRANSACT_FIELDS = {
    "security_key",
    "type",
    "amount",
    "currency",
    "orderid",
    "orderdescription",
    "ponumber",
    "payment",
    "ccnumber",
    "ccexp",
    "cvv",
    "checkname",
    "checkaba",
    "checkaccount",
    "account_holder_type",
    "account_type",
    "sec_code",
    "firstname",
    "lastname",
    "company",
    "address1",
    "city",
    "state",
    "zip",
    "country",
    "email",
    "customer_vault",
    "customer_vault_id",
    "payment_token",
    "transactionid",
    *(f"merchant_defined_field_{n}" for n in range(1, 21)),
}
# Payment API fields the README leaves out, from NMI's published documentation (source each).
NMI_TRANSACT_FIELDS = {
    # "Sets the time in seconds for duplicate transaction checking ... Set to 0 to disable
    # duplicate checking. This value should not exceed 7862400."
    "dup_seconds": "https://support.nmi.com/hc/en-gb/articles/15002942676881-Duplicate-Transaction-Error",
    # Credential on file: who started the charge (customer | merchant), whether it stores the
    # credential or uses it (stored | used), and the first charge's transaction id.
    "initiated_by": "https://docs.nmi.com/docs/adding-digital-wallet-data-to-the-customer-vault",
    "stored_credential_indicator": "https://docs.nmi.com/docs/adding-digital-wallet-data-to-the-customer-vault",
    "initial_transaction_id": "https://support.nmi.com/hc/en-gb/articles/33211858912017-Carrying-Over-Network-Tokens",
}
SENDABLE_FIELDS = TRANSACT_FIELDS | set(NMI_TRANSACT_FIELDS)
STORED_CREDENTIAL_VALUES = {
    "initiated_by": {"customer", "merchant"},
    "stored_credential_indicator": {"stored", "used"},
}
# What the hub may never send: the numbers stay in the browser and the vault (PAY-8).
NUMBER_FIELDS = {"ccnumber", "ccexp", "cvv", "checkaba", "checkaccount"}
TRANSACTION_TYPES = {"sale", "auth", "capture", "void", "refund", "credit", "validate", "update"}
VAULT_ACTIONS = {"add_customer", "update_customer", "delete_customer"}
# transact.php answer fields, as the README lists them ("customer_vault_id on vault calls").
ANSWER_FIELDS = {
    "response",
    "responsetext",
    "authcode",
    "transactionid",
    "avsresponse",
    "cvvresponse",
    "orderid",
    "type",
    "response_code",
}
VAULT_ANSWER_FIELDS = ANSWER_FIELDS | {"customer_vault_id"}
# NMI's standard response also names these ("emv_auth_response_data: this will optionally come
# back when any chip card data is provided"); the hub ignores them (INT-7).
NMI_ANSWER_FIELDS = {"emv_auth_response_data", "merchant_advice_code"}
REQUIRED_ANSWER_FIELDS = {"response", "response_code"}  # INT-7: the rest may be missing

# The Query API, from NMI's published reference: the README names only the endpoint and the
# <nm_response> root. Request variables (the hub sends a few), and the elements of an answer.
QUERY_API = "https://docs.nmi.com/reference/query"  # also https://docs.nmi.dev/reference/query
QUERY_VARIABLES = {
    "security_key",
    "condition",
    "transaction_type",
    "action_type",
    "source",
    "transaction_id",
    "subscription_id",
    "order_id",
    "first_name",
    "last_name",
    "email",
    "cc_number",
    "start_date",
    "end_date",
    "report_type",
    "customer_vault_id",
    "result_limit",
    "page_number",
    "result_order",
}
REPORT_TYPES = {"customer_vault", "recurring", "recurring_plans", "receipt", "invoicing"}
CONDITIONS = {
    "pending",
    "pendingsettlement",
    "in_progress",
    "abandoned",
    "failed",
    "canceled",
    "complete",
    "unknown",
}
# <transaction> in the reference's example answer (report_type absent or "transaction").
TRANSACTION_ELEMENTS = {
    "transaction_id", "partial_payment_id", "partial_payment_balance", "platform_id",
    "transaction_type", "condition", "order_id", "authorization_code", "ponumber",
    "order_description", "first_name", "last_name", "address_1", "address_2", "company",
    "city", "state", "postal_code", "country", "email", "phone", "fax", "cell_phone",
    "customertaxid", "customerid", "website", "shipping_first_name", "shipping_last_name",
    "shipping_address_1", "shipping_address_2", "shipping_company", "shipping_city",
    "shipping_state", "shipping_postal_code", "shipping_country", "shipping_email",
    "shipping_carrier", "tracking_number", "shipping_date", "shipping", "shipping_phone",
    "cc_number", "cc_hash", "cc_exp", "cavv", "cavv_result", "xid", "eci",
    "directory_server_id", "three_ds_version", "avs_response", "csc_response",
    "cardholder_auth", "cc_start_date", "cc_issue_number", "check_account", "check_hash",
    "check_aba", "check_name", "account_holder_type", "account_type", "sec_code",
    "drivers_license_number", "drivers_license_state", "drivers_license_dob",
    "social_security_number", "processor_id", "tax", "currency", "surcharge",
    "cash_discount", "tip", "card_balance", "card_available_balance", "entry_mode", "cc_bin",
    "cc_type", "signature_image", "product", "action",
}  # fmt: skip
# <action> inside a <transaction>: one per sale, refund, void, settle, return ...
ACTION_ELEMENTS = {
    "amount", "action_type", "date", "success", "ip_address", "source", "api_method",
    "username", "response_text", "batch_id", "processor_batch_id", "response_code",
    "processor_response_text", "processor_response_code", "requested_amount",
    "device_license_number", "device_nickname",
}  # fmt: skip
# <customer> of report_type=customer_vault (inside <customer_vault>): the billing fields of
# a transaction, the stored card or account (masked), and the vault id. ``cc_type`` is in the
# reference's transaction but not in older vault reports: the adapter then says "card".
CUSTOMER_ELEMENTS = {
    "customer_vault_id", "first_name", "last_name", "address_1", "address_2", "company",
    "city", "state", "postal_code", "country", "email", "phone", "fax", "cell_phone",
    "customertaxid", "website", "cc_number", "cc_hash", "cc_exp", "cc_start_date",
    "cc_issue_number", "cc_bin", "cc_type", "check_account", "check_hash", "check_aba",
    "check_name", "account_holder_type", "account_type", "sec_code", "processor_id",
    "created", "updated",
}  # fmt: skip
ROOT_ELEMENTS = {"transaction", "customer_vault", "error_response"}
AMOUNT = re.compile(r"\d+\.\d{2}")
MASKED = re.compile(r"(\d|x)x+\d{4}")


@dataclass(frozen=True)
class Call:
    """One call the hub makes: its endpoint, what tells it apart, the fields it must send and
    those it may send, and the adapter method that sends it."""

    endpoint: str
    kind: str  # transact: ``type`` or ``customer_vault``; query: the constraint it sends
    required: frozenset[str]
    optional: frozenset[str]
    sent_by: str


def _call(endpoint: str, kind: str, required: str, optional: str, by: str) -> Call:
    return Call(endpoint, kind, frozenset(required.split()), frozenset(optional.split()), by)


# Every BNG call the hub makes, each checked below against what the adapter really sends.
CALLS = (
    _call("transact.php", "add_customer", "security_key customer_vault payment_token "
          "firstname lastname", "company email", "BngGateway.add_method"),
    _call("transact.php", "delete_customer", "security_key customer_vault customer_vault_id",
          "", "BngGateway.delete_method"),
    _call("transact.php", "sale", "security_key type customer_vault_id amount currency "
          "orderid dup_seconds", "initiated_by stored_credential_indicator "
          "initial_transaction_id", "BngGateway.sale"),
    _call("transact.php", "refund", "security_key type transactionid amount", "",
          "BngGateway.refund"),
    _call("query.php", "customer_vault", "security_key report_type customer_vault_id", "",
          "BngGateway.add_method, .delete_method (vault look-up)"),
    _call("query.php", "order_id", "security_key order_id", "",
          "BngGateway.find_sale, .refunds_made"),
    _call("query.php", "transaction_id", "security_key transaction_id", "",
          "BngGateway.settlements, BngConnectionTester.test"),
)  # fmt: skip


@dataclass(frozen=True)
class Exchange:
    endpoint: str  # transact.php or query.php
    sent: dict[str, str]
    status: int
    content_type: str
    answer: str

    @property
    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.answer, keep_blank_values=True, strict_parsing=True))

    @property
    def xml(self) -> ET.Element:
        return ET.fromstring(self.answer)  # noqa: S314 - our own sandbox's answer

    @property
    def call(self) -> Call:
        """The declared call this request is: exactly one must match."""
        if self.endpoint == "transact.php":
            kind = self.sent.get("type") or self.sent.get("customer_vault", "")
        elif "report_type" in self.sent:
            kind = self.sent["report_type"]
        else:
            kind = next((k for k in ("order_id", "transaction_id") if k in self.sent), "")
        [call] = [c for c in CALLS if (c.endpoint, c.kind) == (self.endpoint, kind)]
        return call


@pytest.fixture(scope="module")
def exchanges() -> Iterator[list[Exchange]]:
    """Run the scenario once for the module; every request and answer is recorded."""
    with running_sandbox() as sandbox, running_sandbox(lean_answers=True) as lean:
        yield asyncio.run(_scenario(sandbox, lean))


async def _scenario(sandbox: BngSandbox, lean: BngSandbox) -> list[Exchange]:
    recorded: list[Exchange] = []

    async def record(response: httpx.Response) -> None:
        await response.aread()
        request = response.request
        recorded.append(
            Exchange(
                endpoint=request.url.path.rsplit("/", 1)[-1],
                sent=dict(parse_qsl(request.content.decode(), keep_blank_values=True)),
                status=response.status_code,
                content_type=response.headers.get("content-type", ""),
                answer=response.text,
            )
        )

    async with httpx.AsyncClient(event_hooks={"response": [record]}) as http:
        gateway = BngGateway(UnlimitedLimits(), http=http)
        await _drive(sandbox.url, sandbox.store, gateway, http)
        await _drive_lean(lean.url, gateway)
    return recorded


async def _drive(url: str, store: BngStore, gateway: BngGateway, http: httpx.AsyncClient) -> None:
    good = bng_connection(url)
    wrong = bng_connection(url, security_key="wrong")
    tester = BngConnectionTester(UnlimitedLimits(), http=http)
    assert await tester.test(good) is None
    assert await tester.test(wrong) == "Authentication Failed"
    with pytest.raises(VendorRejected):
        await gateway.sale(wrong, vault_id="1", amount=Money.of("5", "USD"), order_id="x")
    card = await gateway.add_method(
        good, payment_token=await tokenize_card(url, VISA), contact=CONTACT
    )
    check = await gateway.add_method(good, payment_token=await tokenize_check(url), contact=CONTACT)
    first = CredentialOnFile(Initiator.CUSTOMER)
    sale = await gateway.sale(
        good, vault_id=card.vault_id, amount=Money.of("125.50", "USD"), order_id="o1",
        credential=first,
    )  # fmt: skip
    assert sale.transaction_id is not None
    for order_id, initiator in (("o2", Initiator.MERCHANT), ("o3", Initiator.CUSTOMER)):
        later = CredentialOnFile(initiator, sale.transaction_id)
        again = await gateway.sale(
            good, vault_id=card.vault_id, amount=Money.of("125.50", "USD"),
            order_id=order_id, credential=later,
        )  # fmt: skip
        assert again.approved
    await gateway.sale(good, vault_id=card.vault_id, amount=Money.of("0.50", "USD"), order_id="o4")
    await gateway.sale(good, vault_id=check.vault_id, amount=Money.of("80", "USD"), order_id="o5")
    store.duplicate_override = False  # NMI ignores dup_seconds: the duplicate refusal
    duplicate = await gateway.sale(
        good, vault_id=check.vault_id, amount=Money.of("80", "USD"), order_id="o6"
    )
    assert duplicate.outcome is GatewayOutcome.DUPLICATE
    for amount in ("25", "500"):
        await gateway.refund(
            good, transaction_id=sale.transaction_id, amount=Money.of(amount, "USD")
        )
    await gateway.refunds_made(good, order_id="o1", currency=Currency.USD)
    await gateway.find_sale(good, "o1")
    await gateway.find_sale(good, "never")
    store.settle()
    await gateway.settlements(good, [sale.transaction_id, "404"])
    other = await gateway.add_method(
        good, payment_token=await tokenize_card(url, MASTERCARD), contact=CONTACT
    )
    for _ in range(2):  # the second is refused, then looked up in the vault
        await gateway.delete_method(good, other.vault_id)


async def _drive_lean(url: str, gateway: BngGateway) -> None:
    """The same calls where the gateway leaves empty fields out and adds unknown ones (INT-7)."""
    connection = bng_connection(url)
    card = await gateway.add_method(
        connection, payment_token=await tokenize_card(url, VISA), contact=CONTACT
    )
    sale = await gateway.sale(
        connection, vault_id=card.vault_id, amount=Money.of("9", "USD"), order_id="l1"
    )
    assert sale.transaction_id is not None
    await gateway.refund(
        connection, transaction_id=sale.transaction_id, amount=Money.of("1", "USD")
    )
    await gateway.delete_method(connection, card.vault_id)


def _readme_section() -> str:
    text = (contracts_dir() / "README.md").read_text()
    start = text.index("## BNG Payment Gateway")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def test_the_allowed_request_and_answer_fields_are_the_readmes_or_sourced() -> None:
    section = _readme_section()
    named = set(re.findall(r"`([a-z_0-9]+)`", section))
    named |= set(re.findall(r"[`&]([a-z_0-9]+)=", section))  # `payment=creditcard`, `&x=…`
    named |= {f"merchant_defined_field_{n}" for n in range(1, 21)}
    for choices in re.findall(r"`(?:[a-z_]+=)?([a-z_]+(?: \| [a-z_]+)+)`", section):
        named |= set(choices.split(" | "))

    assert TRANSACT_FIELDS - named == set()
    assert VAULT_ANSWER_FIELDS - named == set()
    assert named >= TRANSACTION_TYPES | VAULT_ACTIONS
    assert not set(NMI_TRANSACT_FIELDS) & named  # beyond the README: each with its source
    assert all(url.startswith("https://") for url in NMI_TRANSACT_FIELDS.values())
    assert "/api/query.php" in section
    assert "nm_response" in section
    for call in CALLS:
        allowed = SENDABLE_FIELDS if call.endpoint == "transact.php" else QUERY_VARIABLES
        assert call.required | call.optional <= allowed, call


def test_every_call_is_a_post_to_transact_or_query(exchanges: list[Exchange]) -> None:
    assert {x.endpoint for x in exchanges} == {"transact.php", "query.php"}
    assert all(x.status == 200 for x in exchanges)  # declines and errors too, as at NMI


def test_every_request_is_a_declared_call_with_its_fields_and_every_call_is_made(
    exchanges: list[Exchange],
) -> None:
    made = set()
    for x in exchanges:
        call = x.call
        made.add(call)
        assert call.required <= set(x.sent) <= call.required | call.optional, (call, x.sent)

    assert made == set(CALLS)  # the scenario covers every call the hub makes


def test_transact_requests_send_only_documented_fields_and_never_a_number_pay_8(
    exchanges: list[Exchange],
) -> None:
    sent = [x.sent for x in exchanges if x.endpoint == "transact.php"]

    assert len(sent) >= 10
    for form in sent:
        assert set(form) <= SENDABLE_FIELDS
        assert not set(form) & NUMBER_FIELDS
        assert form["security_key"]
        assert form.get("type", "sale") in TRANSACTION_TYPES
        assert form.get("customer_vault", "add_customer") in VAULT_ACTIONS
        assert "type" in form or "customer_vault" in form
        if "amount" in form:
            assert AMOUNT.fullmatch(form["amount"])
        if "currency" in form:
            assert re.fullmatch(r"[A-Z]{3}", form["currency"])
        if "dup_seconds" in form:
            assert form["dup_seconds"].isdigit()
            assert int(form["dup_seconds"]) <= 7_862_400
        for name, values in STORED_CREDENTIAL_VALUES.items():
            assert form.get(name, next(iter(values))) in values
        if form.get("stored_credential_indicator") == "used":
            assert form["initial_transaction_id"].isdigit()
    assert {f.get("type") for f in sent} >= {"sale", "refund"}
    assert {f.get("customer_vault") for f in sent} >= {"add_customer", "delete_customer"}
    assert {f.get("stored_credential_indicator") for f in sent} >= {"stored", "used"}


def test_transact_answers_are_form_encoded_with_documented_fields_int_7(
    exchanges: list[Exchange],
) -> None:
    answers = [(x.sent, x.form) for x in exchanges if x.endpoint == "transact.php"]

    for sent, answer in answers:
        assert REQUIRED_ANSWER_FIELDS <= set(answer) <= VAULT_ANSWER_FIELDS | NMI_ANSWER_FIELDS
        assert answer["response"] in {"1", "2", "3"}
        assert re.fullmatch(r"[1-4]\d\d", answer["response_code"])
        assert (answer["response"] == "1") == (answer["response_code"] == "100")
        approved = answer["response"] == "1"
        if approved and sent.get("type") in ("sale", "refund"):
            assert answer["transactionid"].isdigit()
        if approved and sent.get("customer_vault") == "add_customer":
            assert answer["customer_vault_id"]
    assert {a["response"] for _, a in answers} == {"1", "2", "3"}
    assert {a["response_code"] for _, a in answers} >= {"100", "200", "300"}
    assert any(a["responsetext"].startswith("Duplicate transaction REFID:") for _, a in answers)
    assert any(not set(a) >= ANSWER_FIELDS for _, a in answers)  # lean: empty ones left out
    assert any(set(a) & NMI_ANSWER_FIELDS for _, a in answers)


def test_query_requests_send_only_query_api_variables(exchanges: list[Exchange]) -> None:
    sent = [x.sent for x in exchanges if x.endpoint == "query.php"]

    assert sent
    for form in sent:
        assert set(form) <= QUERY_VARIABLES
        assert form.get("report_type", "customer_vault") in REPORT_TYPES
        assert form["security_key"]


def test_query_answers_are_nm_response_xml_of_documented_elements_pay_8(
    exchanges: list[Exchange],
) -> None:
    roots = [x.xml for x in exchanges if x.endpoint == "query.php"]

    assert all(root.tag == "nm_response" for root in roots)
    assert {child.tag for root in roots for child in root} == ROOT_ELEMENTS
    transactions = [t for root in roots for t in root.iter("transaction")]
    actions = [a for t in transactions for a in t.iter("action")]
    customers = [c for root in roots for c in root.iter("customer")]
    assert transactions
    assert actions
    assert customers
    for transaction in transactions:
        assert {e.tag for e in transaction} <= TRANSACTION_ELEMENTS
        assert (transaction.findtext("condition") or "") in CONDITIONS
    for action in actions:
        assert {e.tag for e in action} <= ACTION_ELEMENTS
        assert AMOUNT.fullmatch(action.findtext("amount") or "")
        assert re.fullmatch(r"\d{14}", action.findtext("date") or "")
        assert re.fullmatch(r"[1-4]\d\d", action.findtext("response_code") or "")
    for customer in customers:
        assert {e.tag for e in customer} <= CUSTOMER_ELEMENTS
        for tag in ("cc_number", "check_account"):
            text = customer.findtext(tag) or ""
            assert not text or MASKED.fullmatch(text)


def test_the_adapter_reads_only_documented_query_elements() -> None:
    """What ``translate/forms.py`` reads from a Query API answer is in the declaration."""
    source = (Path(forms.__file__)).read_text()
    read = set(re.findall(r"_text\([a-z_]+, \"([a-z_]+)\"\)", source))
    read |= set(re.findall(r"\.(?:iter|find|findall|findtext)\(\"([a-z_]+)\"\)", source))

    assert read
    assert read <= TRANSACTION_ELEMENTS | ACTION_ELEMENTS | CUSTOMER_ELEMENTS | ROOT_ELEMENTS | {
        "customer",
        "error_response",
    }
