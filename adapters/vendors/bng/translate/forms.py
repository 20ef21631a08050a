"""Hub ↔ BNG (NMI) payloads: pure functions, no I/O (DESIGN "Vendors").

Requests are the form fields of ``transact.php`` and ``query.php`` (``contracts/README.md``,
"BNG Payment Gateway"); answers are NMI's form-encoded result and the Query API's XML. Only
payment tokens and vault ids ever go out: card and account numbers stay in the vault (PAY-8).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from decimal import Decimal
from urllib.parse import parse_qsl

from adapters.vendors.bng.contract import (
    APPROVED_CODE,
    AUTHENTICATION_FAILED,
    DUPLICATE_TRANSACTION,
    OPTIONAL_ANSWER_FIELDS,
)
from application.billing.ports import (
    BillingContact,
    CredentialOnFile,
    GatewayOutcome,
    GatewayResult,
    RefundsMade,
    Settlement,
    SettlementStatus,
)
from application.integrations.ports import VendorRejected, VendorUnavailable
from domain.billing.methods import MethodDetails, MethodKind
from domain.shared.errors import InvalidValue
from domain.shared.money import Currency, Money
from domain.shared.numbers import exact_decimal

SHOWN_CHARS = 200  # of a malformed answer, in the error message
# NMI's duplicate check off for the hub's sales: two equal charges on one card are legitimate
# (two invoices of one amount), and the hub's idempotency keys (PAY-15) and order-id look-ups
# already keep one payment from being charged twice. Without the partner's "Allow Merchant
# Override" NMI ignores it, and a duplicate refusal is then its own outcome (``DUPLICATE``).
DUP_SECONDS = "0"
_CODE = re.compile(r"[1-9]\d\d")  # NMI's response codes: 100, 2xx, 3xx, 4xx

_OUTCOMES = {"1": GatewayOutcome.APPROVED, "2": GatewayOutcome.DECLINED, "3": GatewayOutcome.ERROR}
_CONDITIONS = {
    "complete": SettlementStatus.SETTLED,
    "pending": SettlementStatus.PENDING,
    "pendingsettlement": SettlementStatus.PENDING,
    "in_progress": SettlementStatus.PENDING,
    "failed": SettlementStatus.FAILED,
    "canceled": SettlementStatus.FAILED,
    "abandoned": SettlementStatus.FAILED,
}


def format_amount(money: Money) -> str:
    """The amount as NMI reads it: a plain decimal with the currency's minor digits."""
    return f"{money.amount:.{money.currency.minor_digits}f}"


# --- requests ----------------------------------------------------------------------------------


def vault_add_form(payment_token: str, contact: BillingContact) -> dict[str, str]:
    form = {
        "customer_vault": "add_customer",
        "payment_token": payment_token,
        "firstname": contact.first_name,
        "lastname": contact.last_name,
    }
    optional = {"company": contact.company, "email": contact.email}
    return form | {name: value for name, value in optional.items() if value}


def vault_delete_form(vault_id: str) -> dict[str, str]:
    return {"customer_vault": "delete_customer", "customer_vault_id": vault_id}


def sale_form(
    vault_id: str, amount: Money, order_id: str, credential: CredentialOnFile | None = None
) -> dict[str, str]:
    """A charge of a vaulted method; ``orderid`` lets a lost answer be found again."""
    form = {
        "type": "sale",
        "customer_vault_id": vault_id,
        "amount": format_amount(amount),
        "currency": amount.currency.value,
        "orderid": order_id,
        "dup_seconds": DUP_SECONDS,
    }
    return form if credential is None else form | stored_credential_fields(credential)


def stored_credential_fields(credential: CredentialOnFile) -> dict[str, str]:
    """NMI's credential-on-file fields for a vaulted card (``STORED_CREDENTIAL_FIELDS``).

    The first charge stores the credential (``stored``, started by the customer); later ones
    use it (``used``) and name the first charge's transaction id. The hub's charges are
    unscheduled, so ``billing_method`` (recurring | installment) is not sent.
    """
    first = credential.initial_transaction_id
    fields = {
        "initiated_by": credential.initiated_by.value,
        "stored_credential_indicator": "stored" if first is None else "used",
    }
    return fields if first is None else fields | {"initial_transaction_id": first}


def refund_form(transaction_id: str, amount: Money) -> dict[str, str]:
    return {"type": "refund", "transactionid": transaction_id, "amount": format_amount(amount)}


def transactions_query(transaction_ids: Sequence[str]) -> dict[str, str]:
    return {"transaction_id": ",".join(transaction_ids)}


def order_query(order_id: str) -> dict[str, str]:
    return {"order_id": order_id}


def vault_query(vault_id: str) -> dict[str, str]:
    return {"report_type": "customer_vault", "customer_vault_id": vault_id}


# --- transact.php answers ------------------------------------------------------------------------


def parse_answer(body: str, what: str) -> dict[str, str]:
    """The fields of a form-encoded answer, read leniently (INT-7).

    ``response`` and ``response_code`` are required: without them (or with values NMI never
    sends) the answer is malformed, a transient error in the gateway's own words. Every other
    field may be missing and reads as empty; fields the hub does not know are ignored.
    """
    try:
        answer = dict(parse_qsl(body.strip(), keep_blank_values=True, strict_parsing=True))
    except ValueError:
        answer = {}
    if answer.get("response") not in _OUTCOMES or not _CODE.fullmatch(
        answer.get("response_code", "")
    ):
        said = answer.get("responsetext", "").strip()
        words = f" ({said})" if said else ""
        raise VendorUnavailable(f"BNG sent a malformed answer to {what}{words}: {_shown(body)}")
    return {name: answer.get(name, "") for name in OPTIONAL_ANSWER_FIELDS} | answer


def is_authentication_failure(answer: dict[str, str]) -> bool:
    """A wrong security key is the connection's fault, not the payment's."""
    return answer["response"] == "3" and answer["responsetext"].startswith(AUTHENTICATION_FAILED)


def is_duplicate(answer: dict[str, str]) -> bool:
    """NMI refused the sale as a repeat of one within its duplicate window."""
    return answer["responsetext"].strip().lower().startswith(DUPLICATE_TRANSACTION.lower())


def gateway_result(answer: dict[str, str]) -> GatewayResult:
    """The outcome, transaction id (PAY-9) and own words of a transaction's answer; NMI's
    duplicate refusal is told apart from other errors."""
    outcome = _OUTCOMES[answer["response"]]
    if outcome is GatewayOutcome.ERROR and is_duplicate(answer):
        outcome = GatewayOutcome.DUPLICATE
    transaction_id = answer["transactionid"].strip() or None
    if outcome is GatewayOutcome.APPROVED and transaction_id is None:
        raise VendorUnavailable("BNG approved a transaction without giving its transaction id")
    return GatewayResult(outcome, transaction_id, answer["responsetext"], answer["response_code"])


def vault_id_of(answer: dict[str, str]) -> str:
    """The vault id of an approved ``add_customer``; a refusal is permanent for its token."""
    if answer["response"] != "1":  # the token's fault: a wrong security key is caught before
        message = answer["responsetext"] or "BNG refused to vault the method"
        raise VendorRejected(message, field="payment_token")
    vault_id = answer.get("customer_vault_id", "").strip()
    if not vault_id:
        raise VendorUnavailable("BNG vaulted a method without giving its customer_vault_id")
    return vault_id


def outcome_of_code(code: str) -> GatewayOutcome:
    """NMI's response codes: 100 approved, 2xx declined, 3xx and 4xx errors."""
    if code == APPROVED_CODE:
        return GatewayOutcome.APPROVED
    return GatewayOutcome.DECLINED if code.startswith("2") else GatewayOutcome.ERROR


# --- query.php answers -----------------------------------------------------------------------


def parse_query(body: str) -> ET.Element:
    """The ``<nm_response>`` root, or the port error its text stands for.

    Entities and DTDs are refused before parsing (NMI sends none), which is what makes the
    standard library's parser safe for this peer.
    """
    shout = body.upper()
    if "<!DOCTYPE" in shout or "<!ENTITY" in shout:
        raise VendorUnavailable(f"BNG's query answer declares a DTD: {_shown(body)}")
    try:
        root = ET.fromstring(body.strip())  # noqa: S314 - no DTD, checked above
    except ET.ParseError:
        raise VendorUnavailable(f"BNG sent malformed XML to a query: {_shown(body)}") from None
    if root.tag != "nm_response":
        raise VendorUnavailable(f"BNG answered a query without <nm_response>: {_shown(body)}")
    error = root.findtext("error_response")
    if error is not None:
        raise VendorRejected(error.strip() or "BNG refused the query")
    return root


def settlements_from(root: ET.Element, transaction_ids: Sequence[str]) -> list[Settlement]:
    """One settlement per asked id, in order; an id the gateway lacks is unknown."""
    found = {_text(t, "transaction_id"): t for t in root.iter("transaction")}
    return [_settlement(tid, found.get(tid)) for tid in transaction_ids]


def _settlement(transaction_id: str, transaction: ET.Element | None) -> Settlement:
    if transaction is None:
        return Settlement(transaction_id, SettlementStatus.UNKNOWN)
    status = _CONDITIONS.get(_text(transaction, "condition"), SettlementStatus.UNKNOWN)
    actions = transaction.findall("action")
    reason = _text(actions[-1], "response_text") if actions else ""
    return Settlement(transaction_id, status, reason if status is SettlementStatus.FAILED else "")


def sale_from(root: ET.Element, order_id: str) -> GatewayResult | None:
    """The sale sent with ``order_id``: the approved one if any, else the latest attempt."""
    sales = [
        result
        for transaction in root.iter("transaction")
        if _text(transaction, "order_id") == order_id
        and (result := _sale_result(transaction)) is not None
    ]
    approved = [result for result in sales if result.approved]
    if approved:
        return approved[0]
    return sales[-1] if sales else None


def _sale_result(transaction: ET.Element) -> GatewayResult | None:
    action = transaction.find("action")
    if action is None or _text(action, "action_type") != "sale":
        return None
    code = _text(action, "response_code")
    transaction_id = _text(transaction, "transaction_id") or None
    return GatewayResult(
        outcome_of_code(code), transaction_id, _text(action, "response_text"), code
    )


def refunds_from(root: ET.Element, order_id: str, currency: Currency) -> RefundsMade:
    """The approved refunds of the sale sent with ``order_id``, the latest last (PAY-6).

    NMI makes each refund a transaction of its own, under the sale's order id, whose first
    action is the refund; a voided refund (condition ``canceled``) gave nothing back.
    """
    made = [
        (transaction, action)
        for transaction in root.iter("transaction")
        if _text(transaction, "order_id") == order_id
        and (action := transaction.find("action")) is not None
        and _text(action, "action_type") == "refund"
        and _text(action, "response_code") == APPROVED_CODE
        and _text(transaction, "condition") not in ("canceled", "failed")
    ]
    total = sum((_amount(action) for _, action in made), start=Decimal(0))
    last = _text(made[-1][0], "transaction_id") if made else ""
    return RefundsMade(Money.rounded(total, currency), last or None)


def _amount(action: ET.Element) -> Decimal:
    try:
        return exact_decimal(_text(action, "amount"), "amount", from_json=True)
    except InvalidValue:
        raise VendorUnavailable(
            f"BNG's query answered a refund without a readable amount: {_text(action, 'amount')!r}"
        ) from None


def method_from(root: ET.Element, vault_id: str) -> MethodDetails:
    """What the hub keeps of a vaulted method: brand or account type and last four (PAY-8)."""
    customer = _customer(root, vault_id)
    if customer is None:
        raise VendorUnavailable(f"BNG's vault has no customer {vault_id} just after adding it")
    card, account = _text(customer, "cc_number"), _text(customer, "check_account")
    if card:
        brand = _text(customer, "cc_type") or "card"
        return MethodDetails(vault_id, MethodKind.CARD, brand, last4(card))
    if account:
        brand = _text(customer, "account_type") or "checking"
        return MethodDetails(vault_id, MethodKind.ECHECK, brand, last4(account))
    raise VendorUnavailable(f"BNG's vault customer {vault_id} has no card or account")


def vaults(root: ET.Element, vault_id: str) -> bool:
    """Whether the vault holds a customer with this id."""
    return _customer(root, vault_id) is not None


def _customer(root: ET.Element, vault_id: str) -> ET.Element | None:
    return next(
        (c for c in root.iter("customer") if _text(c, "customer_vault_id") == vault_id), None
    )


def last4(masked: str) -> str:
    """The last four digits of a masked number (``4xxxxxxxxxxx1111``), nothing more."""
    tail = masked.strip()[-4:]
    if len(tail) != 4 or not tail.isdigit():
        raise VendorUnavailable("BNG's vault answered a number without its last four digits")
    return tail


def _text(element: ET.Element, tag: str) -> str:
    return (element.findtext(tag) or "").strip()


def _shown(body: str) -> str:
    text = body.strip()
    return repr(text if len(text) <= SHOWN_CHARS else f"{text[:SHOWN_CHARS]}…")
