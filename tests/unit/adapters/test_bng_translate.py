"""Hub ↔ BNG (NMI) payloads without I/O: forms, answers, Query API XML (PAY-7, PAY-8, PAY-9)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from adapters.vendors.bng.contract import STORED_CREDENTIAL_FIELDS
from adapters.vendors.bng.translate.forms import (
    format_amount,
    gateway_result,
    is_authentication_failure,
    last4,
    method_from,
    outcome_of_code,
    parse_answer,
    parse_query,
    refund_form,
    refunds_from,
    sale_form,
    sale_from,
    settlements_from,
    vault_add_form,
    vault_id_of,
    vaults,
)
from application.billing.ports import (
    BillingContact,
    CredentialOnFile,
    GatewayOutcome,
    GatewayResult,
    Initiator,
    RefundsMade,
    Settlement,
    SettlementStatus,
)
from application.integrations.ports import VendorRejected, VendorUnavailable
from domain.billing.methods import MethodDetails, MethodKind
from domain.shared.money import Currency, Money


def answer_body(**fields: str) -> str:
    """A transact.php answer as NMI writes it: every field, the code last."""
    base = {
        "response": "1",
        "responsetext": "SUCCESS",
        "authcode": "123456",
        "transactionid": "7100000001",
        "avsresponse": "N",
        "cvvresponse": "",
        "orderid": "order-1",
        "type": "sale",
        "response_code": "100",
    }
    return urlencode(base | fields)


def transaction_xml(
    transaction_id: str, order_id: str, condition: str, *actions: tuple[str, str, str]
) -> str:
    parts = "".join(
        f"<action><action_type>{kind}</action_type><amount>10.00</amount>"
        f"<response_code>{code}</response_code><response_text>{text}</response_text>"
        "<date>20250101120000</date></action>"
        for kind, code, text in actions
    )
    return (
        f"<transaction><transaction_id>{transaction_id}</transaction_id>"
        f"<order_id>{order_id}</order_id><condition>{condition}</condition>{parts}</transaction>"
    )


def nm_response(*inner: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><nm_response>{"".join(inner)}</nm_response>'


# --- amounts and request forms ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("125.5", "125.50"), ("3", "3.00"), ("0.07", "0.07"), ("1234567.89", "1234567.89")],
)
def test_amounts_are_sent_with_exactly_the_currencys_two_minor_digits(
    amount: str, expected: str
) -> None:
    assert format_amount(Money.of(amount, "USD")) == expected


def test_sale_charges_a_vaulted_method_with_amount_currency_and_order_id() -> None:
    form = sale_form("500000001", Money.of("125.50", "CAD"), "pay-42")

    assert form == {
        "type": "sale",
        "customer_vault_id": "500000001",
        "amount": "125.50",
        "currency": "CAD",
        "orderid": "pay-42",
        "dup_seconds": "0",  # equal charges are legitimate; the hub's keys stop repeats (PAY-15)
    }


def test_a_cards_first_charge_stores_the_credential_and_later_ones_name_it() -> None:
    first = sale_form("5", Money.of("9", "USD"), "p1", CredentialOnFile(Initiator.CUSTOMER))
    later = sale_form(
        "5", Money.of("9", "USD"), "p2", CredentialOnFile(Initiator.MERCHANT, "7100000001")
    )
    check = sale_form("6", Money.of("9", "USD"), "p3")

    assert {k: first[k] for k in ("initiated_by", "stored_credential_indicator")} == {
        "initiated_by": "customer",
        "stored_credential_indicator": "stored",
    }
    assert "initial_transaction_id" not in first
    assert {k: later[k] for k in STORED_CREDENTIAL_FIELDS if k in later} == {
        "initiated_by": "merchant",
        "stored_credential_indicator": "used",
        "initial_transaction_id": "7100000001",
    }
    assert not set(check) & set(STORED_CREDENTIAL_FIELDS)


def test_partial_refund_names_the_sale_and_the_amount() -> None:
    form = refund_form("7100000001", Money.of("25", "USD"))

    assert form == {"type": "refund", "transactionid": "7100000001", "amount": "25.00"}


def test_vaulting_sends_the_browsers_token_never_a_card_number_pay_8() -> None:
    form = vault_add_form("tok-1", BillingContact("Jane", "Doe"))

    assert form == {
        "customer_vault": "add_customer",
        "payment_token": "tok-1",
        "firstname": "Jane",
        "lastname": "Doe",
    }
    with_company = vault_add_form("tok-1", BillingContact("Jane", "Doe", "Contoso", "j@c.example"))
    assert with_company["company"] == "Contoso"
    assert with_company["email"] == "j@c.example"


# --- transact.php answers ----------------------------------------------------------------------


def test_approved_answer_carries_the_transaction_id_pay_9() -> None:
    result = gateway_result(parse_answer(answer_body(), "sale"))

    assert result == GatewayResult(GatewayOutcome.APPROVED, "7100000001", "SUCCESS", "100")
    assert result.approved


@pytest.mark.parametrize(
    ("code", "text"),
    [("200", "Transaction was declined by processor"), ("201", "Do not honor"), ("202", "NSF")],
)
def test_declines_are_answers_with_the_gateways_code_and_words(code: str, text: str) -> None:
    body = answer_body(response="2", responsetext=text, response_code=code, authcode="")

    result = gateway_result(parse_answer(body, "sale"))

    assert result.outcome is GatewayOutcome.DECLINED
    assert (result.code, result.message, result.transaction_id) == (code, text, "7100000001")


def test_duplicate_refusal_is_its_own_outcome_without_a_transaction_id_pay_15() -> None:
    text = "Duplicate transaction REFID:3100000001"
    body = answer_body(response="3", responsetext=text, response_code="300", transactionid="")
    other = answer_body(response="3", responsetext="Invalid amount", response_code="300")

    result = gateway_result(parse_answer(body, "sale"))

    assert result == GatewayResult(GatewayOutcome.DUPLICATE, None, text, "300")
    assert gateway_result(parse_answer(other, "sale")).outcome is GatewayOutcome.ERROR


def test_approval_without_a_transaction_id_is_a_malformed_answer() -> None:
    with pytest.raises(VendorUnavailable, match="without giving its transaction id"):
        gateway_result(parse_answer(answer_body(transactionid=""), "sale"))


@pytest.mark.parametrize(
    "body",
    [
        "",
        "<html><body>502 Bad Gateway</body></html>",
        '{"response": 1}',
        answer_body()[: len(answer_body()) // 2],  # cut off mid-answer
        answer_body(response="9"),
        "response=1",
    ],
    ids=["empty", "html", "json", "truncated", "unknown-response", "missing-fields"],
)
def test_malformed_answers_are_transient_with_the_vendors_text(body: str) -> None:
    with pytest.raises(VendorUnavailable, match="malformed answer to sale") as caught:
        parse_answer(body, "sale")

    assert len(caught.value.message) < 300


def test_only_response_and_response_code_are_required_unknown_fields_ignored_int_7() -> None:
    lean = "response=1&responsetext=Customer+Added&emv_auth_response_data=&response_code=100"

    answer = parse_answer(f"{lean}&customer_vault_id=500000001", "add_customer")

    assert vault_id_of(answer) == "500000001"
    assert (answer["transactionid"], answer["authcode"]) == ("", "")
    with pytest.raises(VendorUnavailable, match=r"add_customer \(Customer Added\): "):
        parse_answer("response=1&responsetext=Customer+Added&customer_vault_id=5", "add_customer")
    with pytest.raises(VendorUnavailable, match="malformed answer"):
        parse_answer("response=1&responsetext=SUCCESS&response_code=1", "sale")


def test_a_long_malformed_answer_is_shown_truncated() -> None:
    with pytest.raises(VendorUnavailable) as caught:
        parse_answer("x" * 5000, "sale")

    assert "…" in caught.value.message
    assert len(caught.value.message) < 300


def test_authentication_failure_is_told_apart_from_a_payment_error() -> None:
    failed = parse_answer(
        answer_body(response="3", responsetext="Authentication Failed", response_code="300"), "x"
    )
    duplicate = parse_answer(
        answer_body(response="3", responsetext="Duplicate transaction", response_code="300"), "x"
    )

    assert is_authentication_failure(failed)
    assert not is_authentication_failure(duplicate)


def test_vault_answer_gives_the_vault_id_or_the_gateways_refusal() -> None:
    added = parse_answer(answer_body(customer_vault_id="500000001", transactionid=""), "vault")
    refused = parse_answer(answer_body(response="3", responsetext="Invalid Payment Token"), "x")
    no_id = parse_answer(answer_body(transactionid=""), "vault")

    assert vault_id_of(added) == "500000001"
    with pytest.raises(VendorRejected, match="Invalid Payment Token"):
        vault_id_of(refused)
    with pytest.raises(VendorUnavailable, match="customer_vault_id"):
        vault_id_of(no_id)


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        ("100", GatewayOutcome.APPROVED),
        ("200", GatewayOutcome.DECLINED),
        ("201", GatewayOutcome.DECLINED),
        ("202", GatewayOutcome.DECLINED),
        ("253", GatewayOutcome.DECLINED),
        ("300", GatewayOutcome.ERROR),
        ("400", GatewayOutcome.ERROR),
        ("461", GatewayOutcome.ERROR),
    ],
)
def test_response_codes_map_to_outcomes(code: str, outcome: GatewayOutcome) -> None:
    assert outcome_of_code(code) is outcome


# --- query.php answers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "status"),
    [
        ("pending", SettlementStatus.PENDING),
        ("pendingsettlement", SettlementStatus.PENDING),
        ("complete", SettlementStatus.SETTLED),
        ("failed", SettlementStatus.FAILED),
        ("canceled", SettlementStatus.FAILED),
        ("", SettlementStatus.UNKNOWN),
    ],
)
def test_conditions_map_to_settlement_status(condition: str, status: SettlementStatus) -> None:
    root = parse_query(nm_response(transaction_xml("1", "o", condition, ("sale", "100", "OK"))))

    [settlement] = settlements_from(root, ["1"])

    assert (settlement.transaction_id, settlement.status) == ("1", status)


def test_a_failed_settlement_carries_the_banks_reason_and_absent_ids_are_unknown_pay_7() -> None:
    failed = transaction_xml(
        "1", "o", "failed", ("sale", "100", "SUCCESS"), ("check_return", "300", "R01 NSF")
    )

    settlements = settlements_from(parse_query(nm_response(failed)), ["1", "2"])

    assert settlements == [
        Settlement("1", SettlementStatus.FAILED, "R01 NSF"),
        Settlement("2", SettlementStatus.UNKNOWN),
    ]


def test_sale_lookup_prefers_the_approved_attempt_and_ignores_refunds() -> None:
    root = parse_query(
        nm_response(
            transaction_xml("1", "pay-1", "failed", ("sale", "200", "DECLINE")),
            transaction_xml("2", "pay-1", "pendingsettlement", ("sale", "100", "SUCCESS")),
            transaction_xml("3", "pay-1", "pendingsettlement", ("refund", "100", "SUCCESS")),
            transaction_xml("4", "pay-2", "pendingsettlement", ("sale", "100", "SUCCESS")),
        )
    )

    assert sale_from(root, "pay-1") == GatewayResult(GatewayOutcome.APPROVED, "2", "SUCCESS", "100")
    assert sale_from(root, "pay-9") is None


def test_the_refunds_made_on_a_sale_are_its_approved_refund_transactions_pay_6() -> None:
    root = parse_query(
        nm_response(
            transaction_xml("1", "pay-1", "complete", ("sale", "100", "SUCCESS")),
            transaction_xml("2", "pay-1", "pendingsettlement", ("refund", "100", "SUCCESS")),
            transaction_xml("3", "pay-1", "complete", ("refund", "100", "SUCCESS")),
            transaction_xml("4", "pay-1", "canceled", ("refund", "100", "SUCCESS")),  # voided
            transaction_xml("5", "pay-1", "failed", ("refund", "300", "Refund refused")),
            transaction_xml("6", "pay-2", "complete", ("refund", "100", "SUCCESS")),
        )
    )

    made = refunds_from(root, "pay-1", Currency.USD)

    assert (made.total, made.last_transaction_id) == (Money.of("20.00", "USD"), "3")
    assert refunds_from(root, "pay-9", Currency.USD) == RefundsMade(Money.of("0", "USD"), None)


def test_declined_sale_is_found_as_declined() -> None:
    root = parse_query(nm_response(transaction_xml("1", "p", "failed", ("sale", "200", "DECL"))))

    assert sale_from(root, "p") == GatewayResult(GatewayOutcome.DECLINED, "1", "DECL", "200")


def test_authentication_failure_of_a_query_is_rejected_in_the_gateways_words() -> None:
    body = nm_response("<error_response>Authentication Failed</error_response>")

    with pytest.raises(VendorRejected, match=r"^Authentication Failed$"):
        parse_query(body)


@pytest.mark.parametrize(
    "body",
    [
        nm_response(transaction_xml("1", "o", "complete"))[:60],
        "",
        "<html><body>oops</body></html>",
        '<!DOCTYPE x [<!ENTITY a "aaaa">]><nm_response>&a;</nm_response>',
        "response=1&responsetext=SUCCESS",
    ],
    ids=["truncated", "empty", "html", "dtd", "form"],
)
def test_malformed_query_answers_are_transient_never_a_crash(body: str) -> None:
    with pytest.raises(VendorUnavailable, match="BNG"):
        parse_query(body)


def vault_xml(**fields: str) -> str:
    inner = "".join(f"<{name}>{value}</{name}>" for name, value in fields.items())
    return nm_response(f"<customer_vault><customer>{inner}</customer></customer_vault>")


def test_vaulted_card_keeps_brand_and_last_four_only_pay_8() -> None:
    root = parse_query(
        vault_xml(customer_vault_id="5", cc_number="4xxxxxxxxxxx1111", cc_type="visa")
    )

    assert method_from(root, "5") == MethodDetails("5", MethodKind.CARD, "visa", "1111")
    assert vaults(root, "5")
    assert not vaults(root, "6")


def test_vaulted_account_keeps_account_type_and_last_four_only_pay_8() -> None:
    root = parse_query(
        vault_xml(customer_vault_id="5", check_account="xxxxx3123", account_type="savings")
    )

    assert method_from(root, "5") == MethodDetails("5", MethodKind.ECHECK, "savings", "3123")


def test_vault_answers_without_the_customer_or_its_digits_are_malformed() -> None:
    with pytest.raises(VendorUnavailable, match="no customer 6"):
        method_from(parse_query(vault_xml(customer_vault_id="5", cc_number="4xx1111")), "6")
    with pytest.raises(VendorUnavailable, match="no card or account"):
        method_from(parse_query(vault_xml(customer_vault_id="5")), "5")
    with pytest.raises(VendorUnavailable, match="last four"):
        last4("4xxxxxxxxxxxx")
