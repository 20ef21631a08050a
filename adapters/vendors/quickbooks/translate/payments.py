"""Hub payments ↔ QuickBooks Payments and RefundReceipts: pure functions, no I/O.

How the hub's payment reads in QuickBooks (PAY-4, PAY-5, PAY-7, PAY-9): a Payment of the
amount collected (``TotalAmt`` = sale), linked to the invoice its money is applied to (its
``Line``), the rest unapplied; each refund a RefundReceipt for the customer, noted with the
payment it gives back from; a cancelled payment voided (kept, every amount zero).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from adapters.vendors.quickbooks.contract import VOIDED
from adapters.vendors.quickbooks.translate.invoices import (
    QUERY_PAGE_MAX,
    has_note_line,
    payment_ref_num,
    quoted,
)
from application.billing.ports import PaymentForAccounting
from application.integrations.ports import VendorUnavailable
from domain.shared.errors import InvalidValue
from domain.shared.numbers import exact_decimal

HUB_PAYMENT_NOTE = "Q2C payment {hub_id}"
HUB_REFUND_NOTE = "Q2C refund of payment {hub_id}"
GATEWAY_NOTE = "Gateway transaction {reference}"
REFUND_ACCOUNT_TYPE = "Bank"


def _number(value: object, what: str) -> Decimal:
    try:
        return exact_decimal(value, what, from_json=True)
    except InvalidValue:
        raise VendorUnavailable(
            f"QuickBooks answered a {what} that is not a number: {value!r}"
        ) from None


def records_hub_payment(record: Mapping[str, Any], hub_id: str) -> bool:
    return has_note_line(record, HUB_PAYMENT_NOTE.format(hub_id=hub_id))


def records_hub_refund(record: Mapping[str, Any], hub_id: str) -> bool:
    return has_note_line(record, HUB_REFUND_NOTE.format(hub_id=hub_id))


def is_voided(record: Mapping[str, Any]) -> bool:
    """QBO keeps a voided transaction with a zero total and "Voided" in its note."""
    return has_note_line(record, VOIDED) and _number(record.get("TotalAmt", 0), "TotalAmt") == 0


def wanted_links(payment: PaymentForAccounting, owed: Decimal) -> dict[str, Decimal]:
    """Invoice id → amount the payment should apply there: what the hub applies, up to what
    the invoice owes (``owed`` counts back what this payment already applies to it)."""
    if payment.applied_to is None or payment.applied.amount <= 0:
        return {}
    applied = min(payment.applied.amount, max(owed, Decimal(0)))
    return {payment.applied_to: applied} if applied > 0 else {}


def links_of(record: Mapping[str, Any]) -> dict[str, Decimal]:
    """Invoice id → amount a QBO Payment applies to it now."""
    found: dict[str, Decimal] = {}
    lines = record.get("Line")
    for line in lines if isinstance(lines, list) else []:
        if not isinstance(line, Mapping):
            raise VendorUnavailable("QuickBooks answered a Payment with a malformed Line")
        for link in line.get("LinkedTxn") or []:
            if isinstance(link, Mapping) and link.get("TxnType") == "Invoice":
                txn = str(link.get("TxnId"))
                found[txn] = found.get(txn, Decimal(0)) + _number(line.get("Amount"), "Line.Amount")
    return found


def payment_lines(links: Mapping[str, Decimal]) -> list[dict[str, Any]]:
    return [
        {"Amount": amount, "LinkedTxn": [{"TxnId": invoice_id, "TxnType": "Invoice"}]}
        for invoice_id, amount in links.items()
    ]


def payment_body(
    payment: PaymentForAccounting, customer_id: str, links: Mapping[str, Decimal]
) -> dict[str, Any]:
    """A Payment of what was collected, ``links`` of it applied, the rest unapplied."""
    body: dict[str, Any] = {
        "CustomerRef": {"value": customer_id},
        "TotalAmt": payment.sale.amount,
        "CurrencyRef": {"value": payment.sale.currency.value},
        "TxnDate": payment.paid_on.isoformat(),
        "PaymentRefNum": payment_ref_num(payment.reference),
        "PrivateNote": "\n".join(
            [
                HUB_PAYMENT_NOTE.format(hub_id=payment.hub_id),
                GATEWAY_NOTE.format(reference=payment.reference),
            ]
        ),
    }
    if links:
        body["Line"] = payment_lines(links)
    return body


def payment_changes(
    record: Mapping[str, Any], payment: PaymentForAccounting, links: Mapping[str, Decimal]
) -> dict[str, Any]:
    """What a sparse update must send so the Payment holds what the hub holds (or nothing)."""
    total = _number(record.get("TotalAmt"), "TotalAmt")
    if total == payment.sale.amount and links_of(record) == links:
        return {}
    return {"TotalAmt": payment.sale.amount, "Line": payment_lines(links)}


def refund_receipt_body(
    payment: PaymentForAccounting,
    customer_id: str,
    amount: Decimal,
    *,
    account_id: str,
    item_id: str,
) -> dict[str, Any]:
    """A refund of ``amount`` to the customer, paid from ``account_id`` (PAY-4, PAY-5)."""
    return {
        "CustomerRef": {"value": customer_id},
        "CurrencyRef": {"value": payment.sale.currency.value},
        "DepositToAccountRef": {"value": account_id},
        "PaymentRefNum": payment_ref_num(payment.reference),
        "PrivateNote": "\n".join(
            [
                HUB_REFUND_NOTE.format(hub_id=payment.hub_id),
                GATEWAY_NOTE.format(reference=payment.reference),
            ]
        ),
        "Line": [
            {
                "Amount": amount,
                "DetailType": "SalesItemLineDetail",
                "Description": f"Refund from payment {payment.reference}",
                "SalesItemLineDetail": {"ItemRef": {"value": item_id}},
            }
        ],
    }


def refund_receipts_query(customer_id: str, start: int = 1) -> str:
    return (
        f"SELECT * FROM RefundReceipt WHERE CustomerRef = {quoted(customer_id)}"  # noqa: S608
        f" STARTPOSITION {start} MAXRESULTS {QUERY_PAGE_MAX}"
    )


def bank_accounts_query() -> str:
    return (
        f"SELECT * FROM Account WHERE AccountType = {quoted(REFUND_ACCOUNT_TYPE)}"  # noqa: S608
        " AND Active = true"
    )
