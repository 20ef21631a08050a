"""Hub invoices and payments ↔ QuickBooks Online objects, without I/O (PAY-1, PAY-9, MON-1)."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.sandboxes.quickbooks.query import parse
from adapters.vendors.quickbooks.client import QuickBooksRejected, decode
from adapters.vendors.quickbooks.oauth import INTUIT_TOKEN_URL, token_url
from adapters.vendors.quickbooks.translate.invoices import (
    CustomerRef,
    accounting_invoice,
    carries_psa_number,
    customer_body,
    customer_query,
    fault,
    for_customer,
    invoice_body,
    linked_ids,
    payment_ref_num,
    request_id,
    unit_price,
)
from adapters.vendors.quickbooks.translate.payments import (
    payment_body,
    records_hub_payment,
    wanted_links,
)
from application.billing.ports import AccountingInvoice, AccountingLine
from application.integrations.ports import VendorRejected, VendorUnavailable
from domain.shared.money import Currency, Money
from tests.support.quickbooks import gateway_payment, psa_invoice, quickbooks_connection

# --- invoices ---------------------------------------------------------------------------------


def test_invoice_is_numbered_by_quickbooks_and_carries_the_psa_number_privately_pay_1() -> None:
    invoice = psa_invoice(psa_number="T1042", hub_id="inv-7")

    body = for_customer(invoice_body(invoice, "1"), CustomerRef("58", "Contoso Ltd"))

    assert body["CustomerRef"] == {"value": "58"}
    assert body["AutoDocNumber"] is True  # QuickBooks assigns the DocNumber
    assert "DocNumber" not in body
    assert body["PrivateNote"] == "PSA invoice T1042\nQ2C invoice inv-7"
    assert body["TxnDate"] == "2026-03-02"
    assert body["DueDate"] == "2026-04-01"
    assert body["CurrencyRef"] == {"value": "USD"}
    assert "TotalAmt" not in body  # QuickBooks computes it from the lines


def test_lines_are_sales_item_lines_with_exact_decimal_amounts() -> None:
    body = invoice_body(psa_invoice(), "7")

    assert body["Line"] == [
        {
            "DetailType": "SalesItemLineDetail",
            "Amount": Decimal("100.10"),
            "Description": "Managed services, March",
            "SalesItemLineDetail": {
                "ItemRef": {"value": "7"},
                "Qty": Decimal(1),
                "UnitPrice": Decimal("100.1"),
            },
        },
        {
            "DetailType": "SalesItemLineDetail",
            "Amount": Decimal("50.20"),
            "Description": "Backup seats",
            "SalesItemLineDetail": {
                "ItemRef": {"value": "7"},
                "Qty": Decimal(4),
                "UnitPrice": Decimal("12.55"),
            },
        },
    ]


@pytest.mark.parametrize(
    ("amount", "quantity"),
    [("100.00", "3"), ("0.01", "7"), ("99.99", "0.5"), ("-25.00", "1"), ("1234.57", "13.25")],
)
def test_unit_price_times_quantity_rounds_back_to_the_amount(amount: str, quantity: str) -> None:
    price = unit_price(Decimal(amount), Decimal(quantity))

    assert (price * Decimal(quantity)).quantize(Decimal("0.01")) == Decimal(amount)
    assert -price.as_tuple().exponent <= 7  # type: ignore[operator]


def test_a_line_of_zero_quantity_sends_no_unit_price() -> None:
    line = AccountingLine("Courtesy visit", Money.of("0.00", "USD"), "0")

    [sent] = invoice_body(psa_invoice(lines=[line]), "1")["Line"]

    assert sent["SalesItemLineDetail"] == {"ItemRef": {"value": "1"}}


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"lines": []}, "without lines"),
        ({"lines": [AccountingLine("x", Money.of("1.00", "USD"), "a few")]}, "not a number"),
        ({"lines": [AccountingLine("x", Money.of("1.00", "CAD"), "1")]}, "CAD"),
    ],
    ids=["no-lines", "bad-quantity", "mixed-currencies"],
)
def test_an_invoice_quickbooks_would_refuse_is_refused_before_any_call(
    changes: dict[str, object], words: str
) -> None:
    with pytest.raises(VendorRejected, match=words):
        invoice_body(psa_invoice(**changes), "1")


def test_a_psa_number_matches_its_own_note_line_only() -> None:
    record = {"PrivateNote": "PSA invoice 123\nQ2C invoice x\nchecked by Ann"}

    assert carries_psa_number(record, "123")
    assert not carries_psa_number(record, "12")
    assert not carries_psa_number({"PrivateNote": None}, "123")


# --- customers and queries --------------------------------------------------------------------


def test_customer_is_named_after_the_organization_in_the_invoice_currency() -> None:
    assert customer_body("  Contoso Ltd ", Currency.CAD) == {
        "DisplayName": "Contoso Ltd",
        "CompanyName": "Contoso Ltd",
        "CurrencyRef": {"value": "CAD"},
    }


def test_customer_query_escapes_apostrophes_and_backslashes() -> None:
    assert customer_query("O'Brien's \\ Sons") == (
        "SELECT * FROM Customer WHERE DisplayName = 'O\\'Brien\\'s \\\\ Sons'"
    )
    assert customer_query("Acme", active=False) == (
        "SELECT * FROM Customer WHERE DisplayName = 'Acme' AND Active = false"
    )


@given(st.text(min_size=1, max_size=60).filter(lambda name: name.strip()))
def test_any_name_reads_back_whole_through_the_query_language(name: str) -> None:
    query = parse(customer_query(name))

    [by_name, active] = query.conditions
    assert by_name.values == (name.strip(),)
    assert (active.field, active.values) == ("Active", (True,))


def test_a_customer_without_a_name_is_refused() -> None:
    with pytest.raises(VendorRejected, match="needs a name"):
        customer_query("   ")


# --- payments ---------------------------------------------------------------------------------


def test_payment_is_linked_to_its_invoice_pay_9() -> None:
    payment = gateway_payment("130", "50.00", hub_id="pay-1", reference="10584532231")

    body = payment_body(payment, "58", wanted_links(payment, Decimal("50.00")))

    assert body == {
        "CustomerRef": {"value": "58"},
        "TotalAmt": Decimal("50.00"),
        "CurrencyRef": {"value": "USD"},
        "TxnDate": "2026-03-09",
        "PaymentRefNum": "10584532231",
        "PrivateNote": "Q2C payment pay-1\nGateway transaction 10584532231",
        "Line": [
            {"Amount": Decimal("50.00"), "LinkedTxn": [{"TxnId": "130", "TxnType": "Invoice"}]}
        ],
    }
    assert records_hub_payment(body, "pay-1")


def test_a_payment_beyond_the_balance_applies_what_is_due_and_leaves_the_rest() -> None:
    payment = gateway_payment("130", "80.00")
    body = payment_body(payment, "58", wanted_links(payment, Decimal("30.00")))

    assert body["TotalAmt"] == Decimal("80.00")
    assert body["Line"][0]["Amount"] == Decimal("30.00")
    paid_up = gateway_payment("130")
    assert "Line" not in payment_body(paid_up, "58", wanted_links(paid_up, Decimal(0)))


def test_a_long_gateway_id_keeps_its_last_21_characters_in_the_reference() -> None:
    reference = "txn-2026-03-09-000000000123456789"

    assert payment_ref_num(reference) == "09-000000000123456789"
    assert payment_ref_num(" 1058 ") == "1058"


def test_request_ids_are_stable_per_hub_record_and_fit_50_characters() -> None:
    hub_id = "0b5c2f44-6a55-4a8e-9d3f-2f1b8f3c9a10"
    long_id = "x" * 80

    assert request_id("inv", hub_id) == f"q2c-inv-{hub_id}"
    assert request_id("inv", hub_id) != request_id("pay", hub_id)
    assert request_id("inv", long_id) == request_id("inv", long_id)
    assert len(request_id("inv", long_id)) == 50
    assert request_id("inv", "a b") != request_id("inv", "a_b")


# --- answers ----------------------------------------------------------------------------------

INVOICE_JSON = """{"Invoice": {"Id": "130", "SyncToken": "2", "DocNumber": "1001",
  "CurrencyRef": {"value": "USD"}, "TotalAmt": 0.30, "Balance": 0.10,
  "LinkedTxn": [{"TxnId": "7", "TxnType": "Payment"}, {"TxnId": "3", "TxnType": "Estimate"}]}}"""


def test_invoice_answer_is_read_in_exact_decimals() -> None:
    record = json.loads(INVOICE_JSON, parse_float=Decimal)["Invoice"]

    assert accounting_invoice(record) == AccountingInvoice(
        accounting_id="130",
        number="1001",
        total=Money.of("0.30", "USD"),
        balance=Money.of("0.10", "USD"),
    )
    assert linked_ids(record, "Payment") == ["7"]


def test_a_float_amount_is_read_through_its_text_not_its_binary_value() -> None:
    record = {"Id": "1", "CurrencyRef": {"value": "USD"}, "TotalAmt": 0.1 + 0.2, "Balance": 0.3}

    with pytest.raises(VendorUnavailable, match="TotalAmt"):
        accounting_invoice(record)  # 0.30000000000000004 is not an amount
    assert accounting_invoice({**record, "TotalAmt": 0.3}).total == Money.of("0.30", "USD")


@pytest.mark.parametrize(
    "record",
    [
        {"CurrencyRef": {"value": "USD"}, "TotalAmt": 1, "Balance": 1},
        {"Id": "1", "TotalAmt": 1, "Balance": 1},
        {"Id": "1", "CurrencyRef": {"value": "USD"}, "TotalAmt": "lots", "Balance": 1},
    ],
    ids=["no-id", "no-currency", "amount-not-a-number"],
)
def test_a_malformed_invoice_answer_is_unavailable_not_a_crash(record: dict[str, object]) -> None:
    with pytest.raises(VendorUnavailable):
        accounting_invoice(record)


# --- faults and the port errors they become ---------------------------------------------------

DUPLICATE = {
    "Fault": {
        "Error": [
            {
                "Message": "Duplicate Name Exists Error",
                "Detail": "The name supplied already exists.",
                "code": "6240",
                "element": "",
            }
        ],
        "type": "ValidationFault",
    },
    "time": "2026-03-02T10:00:00.000-08:00",
}


def test_fault_reads_as_message_detail_and_code() -> None:
    found = fault(DUPLICATE)

    assert found is not None
    assert (
        found.message() == "Duplicate Name Exists Error: The name supplied already exists. (6240)"
    )
    assert found.codes == {"6240"}
    assert fault({"Invoice": {}}) is None


def test_faults_without_detail_with_several_errors_or_lowercase_keys_read_too() -> None:
    auth = {"Fault": {"Error": [{"Message": "message=AuthenticationFailed", "code": "3200"}]}}
    several = {"Fault": {"Error": [{"Message": "A", "code": "1"}, {"Detail": "B", "code": "2"}]}}
    lower = {"fault": {"error": [{"message": "ThrottleExceeded", "code": "003001"}]}}

    assert fault(auth).message() == "message=AuthenticationFailed (3200)"  # type: ignore[union-attr]
    assert fault(several).message() == "A (1); B (2)"  # type: ignore[union-attr]
    assert fault(lower).codes == {"3001"}  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "body",
    [{"Fault": "boom"}, {"Fault": {"Error": "boom"}}, {"Fault": {"Error": [{"code": "1"}]}}],
)
def test_a_fault_not_in_qbos_shape_is_malformed(body: dict[str, object]) -> None:
    found = fault(body)

    assert found is not None
    assert found.malformed


def _response(status: int, body: object, content_type: str = "application/json") -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.Response(status, content=content, headers={"Content-Type": content_type})


@pytest.mark.parametrize("status", [200, 400])
def test_a_fault_is_a_refusal_with_quickbooks_words_even_with_http_200(status: int) -> None:
    with pytest.raises(QuickBooksRejected) as caught:
        decode(_response(status, DUPLICATE), "POST Customer")

    assert caught.value.message.startswith("Duplicate Name Exists Error")
    assert caught.value.status == status
    assert caught.value.codes == {"6240"}


@pytest.mark.parametrize(
    ("response", "words"),
    [
        (_response(503, DUPLICATE), r"HTTP 503 .*: Duplicate Name"),
        (_response(502, b"<html>Bad Gateway</html>", "text/html"), r"HTTP 502"),
        (_response(200, b'{"Invoice": {"Id": "1', "application/json"), r"malformed body"),
        (_response(400, b'{"Fault": {"Err', "application/json"), r"malformed body .*Fault"),
        (_response(400, {"Fault": {"Error": "x"}}), r"malformed body"),
        (_response(200, [1, 2]), r"malformed body"),
    ],
    ids=["5xx-fault", "5xx-html", "cut-json", "cut-fault", "odd-fault", "not-an-object"],
)
def test_server_errors_and_malformed_bodies_are_unavailable(
    response: httpx.Response, words: str
) -> None:
    with pytest.raises(VendorUnavailable, match=words):
        decode(response, "GET Invoice")


def test_a_4xx_without_a_fault_is_a_refusal() -> None:
    with pytest.raises(VendorRejected, match="HTTP 404"):
        decode(_response(404, b"<html>Not Found</html>", "text/html"), "GET Invoice")


# --- where the tokens come from ---------------------------------------------------------------


def test_token_url_is_intuits_for_intuit_hosts_else_beside_the_base_url() -> None:
    assert token_url(quickbooks_connection("https://quickbooks.api.intuit.com")) == (
        INTUIT_TOKEN_URL
    )
    assert token_url(quickbooks_connection("https://sandbox-quickbooks.api.intuit.com/")) == (
        INTUIT_TOKEN_URL
    )
    assert token_url(quickbooks_connection("http://hub:8000/sandbox/quickbooks/")) == (
        "http://hub:8000/sandbox/quickbooks/oauth2/v1/tokens/bearer"
    )
    configured = quickbooks_connection("https://x.example", settings={"token_url": "https://t"})
    assert token_url(configured) == "https://t"
