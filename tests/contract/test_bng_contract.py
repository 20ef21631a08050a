"""Both sides held to BNG's published contract (``shared/contracts/README.md``, "BNG Payment
Gateway", a white label of the NMI Payment API).

One scenario drives the adapter against the sandbox over HTTP while an httpx event hook records
every exchange; the tests then check each form the adapter sent and each answer the sandbox
gave: only the README's fields (plus the Query API's, listed below), of the right shapes.
"""

from __future__ import annotations

import asyncio
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qsl

import httpx
import pytest

from adapters.sandboxes.bng.store import BngStore
from adapters.vendors.bng.gateway import BngGateway
from adapters.vendors.bng.sync import BngConnectionTester
from application.integrations.ports import VendorRejected
from domain.shared.money import Money
from tests.support.autotask import UnlimitedLimits, contracts_dir
from tests.support.bng import (
    CONTACT,
    MASTERCARD,
    VISA,
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
}
SENDABLE_FIELDS = TRANSACT_FIELDS | set(NMI_TRANSACT_FIELDS)
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
# The README names the Query API (POST /api/query.php, XML <nm_response>) but not its fields;
# these are NMI's Query API names the adapter uses and the sandbox answers, and no others.
QUERY_FIELDS = {"security_key", "transaction_id", "order_id", "report_type", "customer_vault_id"}
QUERY_ELEMENTS = {
    "nm_response",
    "error_response",
    "transaction",
    "transaction_id",
    "order_id",
    "condition",
    "action",
    "action_type",
    "amount",
    "date",
    "response_code",
    "response_text",
    "customer_vault",
    "customer",
    "customer_vault_id",
    "first_name",
    "last_name",
    "company",
    "email",
    "cc_number",
    "cc_type",
    "check_account",
    "account_type",
}
CONDITIONS = {"pending", "pendingsettlement", "in_progress", "complete", "failed", "canceled"}
AMOUNT = re.compile(r"\d+\.\d{2}")
MASKED = re.compile(r"(\d|x)x+\d{4}")


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


@pytest.fixture(scope="module")
def exchanges() -> Iterator[list[Exchange]]:
    """Run the scenario once for the module; every request and answer is recorded."""
    with running_sandbox() as sandbox:
        yield asyncio.run(_scenario(sandbox.url, sandbox.store))


async def _scenario(url: str, store: BngStore) -> list[Exchange]:
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
        await _drive(url, store, BngGateway(UnlimitedLimits(), http=http), http)
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
    sale = await gateway.sale(
        good, vault_id=card.vault_id, amount=Money.of("125.50", "USD"), order_id="o1"
    )
    assert sale.transaction_id is not None
    await gateway.sale(
        good, vault_id=card.vault_id, amount=Money.of("125.50", "USD"), order_id="o2"
    )
    await gateway.sale(good, vault_id=card.vault_id, amount=Money.of("0.50", "USD"), order_id="o3")
    await gateway.sale(good, vault_id=check.vault_id, amount=Money.of("80", "USD"), order_id="o4")
    for amount in ("25", "500"):
        await gateway.refund(
            good, transaction_id=sale.transaction_id, amount=Money.of(amount, "USD")
        )
    await gateway.find_sale(good, "o1")
    await gateway.find_sale(good, "never")
    store.settle()
    await gateway.settlements(good, [sale.transaction_id, "404"])
    other = await gateway.add_method(
        good, payment_token=await tokenize_card(url, MASTERCARD), contact=CONTACT
    )
    for _ in range(2):  # the second is refused, then looked up in the vault
        await gateway.delete_method(good, other.vault_id)


def _readme_section() -> str:
    text = (contracts_dir() / "README.md").read_text()
    start = text.index("## BNG Payment Gateway")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def test_the_allowed_request_and_answer_fields_are_the_readmes() -> None:
    section = _readme_section()
    named = set(re.findall(r"`([a-z_0-9]+)`", section))
    named |= set(re.findall(r"[`&]([a-z_0-9]+)=", section))  # `payment=creditcard`, `&x=…`
    named |= {f"merchant_defined_field_{n}" for n in range(1, 21)}
    for choices in re.findall(r"`(?:[a-z_]+=)?([a-z_]+(?: \| [a-z_]+)+)`", section):
        named |= set(choices.split(" | "))

    assert TRANSACT_FIELDS - named == set()
    assert VAULT_ANSWER_FIELDS - named == set()
    assert named >= TRANSACTION_TYPES | VAULT_ACTIONS
    assert "/api/query.php" in section
    assert "nm_response" in section


def test_every_call_is_a_post_to_transact_or_query(exchanges: list[Exchange]) -> None:
    assert {x.endpoint for x in exchanges} == {"transact.php", "query.php"}
    assert all(x.status == 200 for x in exchanges)  # declines and errors too, as at NMI


def test_transact_requests_send_only_readme_fields_and_never_a_number_pay_8(
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
    assert {f.get("type") for f in sent} >= {"sale", "refund"}
    assert {f.get("customer_vault") for f in sent} >= {"add_customer", "delete_customer"}


def test_transact_answers_are_form_encoded_with_the_readmes_fields(
    exchanges: list[Exchange],
) -> None:
    answers = [x.form for x in exchanges if x.endpoint == "transact.php"]

    for answer in answers:
        assert ANSWER_FIELDS <= set(answer) <= VAULT_ANSWER_FIELDS
        assert answer["response"] in {"1", "2", "3"}
        assert re.fullmatch(r"[1-4]\d\d", answer["response_code"])
        assert (answer["response"] == "1") == (answer["response_code"] == "100")
    assert {a["response"] for a in answers} == {"1", "2", "3"}
    assert {a["response_code"] for a in answers} >= {"100", "200", "300"}
    assert any(a.get("customer_vault_id") for a in answers)


def test_query_requests_send_only_query_api_fields(exchanges: list[Exchange]) -> None:
    sent = [x.sent for x in exchanges if x.endpoint == "query.php"]

    assert sent
    for form in sent:
        assert set(form) <= QUERY_FIELDS
        assert form.get("report_type", "customer_vault") == "customer_vault"
    assert {name for form in sent for name in form} == QUERY_FIELDS


def test_query_answers_are_nm_response_xml_of_known_elements_pay_8(
    exchanges: list[Exchange],
) -> None:
    roots = [x.xml for x in exchanges if x.endpoint == "query.php"]

    assert all(root.tag == "nm_response" for root in roots)
    elements = [element for root in roots for element in root.iter()]
    assert {e.tag for e in elements} <= QUERY_ELEMENTS
    assert {e.tag for e in elements} >= {"transaction", "action", "customer", "error_response"}
    for element in elements:
        text = (element.text or "").strip()
        if element.tag == "condition":
            assert text in CONDITIONS
        elif element.tag == "amount":
            assert AMOUNT.fullmatch(text)
        elif element.tag in ("cc_number", "check_account") and text:
            assert MASKED.fullmatch(text)
        elif element.tag == "date":
            assert re.fullmatch(r"\d{14}", text)
