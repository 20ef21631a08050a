"""Hub invoices and payments ↔ QuickBooks Online objects: pure functions, no I/O (DESIGN "Vendors").

Element names are QBO's (``contracts/quickbooks_xsd``). Amounts leave as ``Decimal`` (written as
JSON numbers) and come back parsed as ``Decimal``, never through float arithmetic (MON-1).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from adapters.vendors.quickbooks.contract import PAYMENT_REF_MAX, REQUEST_ID_MAX
from application.billing.ports import (
    AccountingInvoice,
    AccountingLine,
    InvoiceForAccounting,
)
from application.integrations.ports import VendorRejected, VendorUnavailable
from domain.shared.errors import DomainError, InvalidValue
from domain.shared.money import Currency, Money
from domain.shared.numbers import exact_decimal

DEFAULT_ITEM_ID = "1"  # "Services", the item every new QuickBooks Online company starts with
DISPLAY_NAME_MAX = 500
DESCRIPTION_MAX = 4000
QUERY_PAGE_MAX = 1000
UNIT_PRICE_PLACES = Decimal("0.0000001")
_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]+")

# The PSA's invoice number travels in the invoice's PrivateNote. Of the places the XSD allows,
# DocNumber is QuickBooks' own number (PAY-1), CustomerMemo is printed on what the customer
# sees, and custom fields must first be defined per company (three at most, 31 characters):
# PrivateNote is internal, free, and on every company. QBO cannot filter on it, so invoices are
# queried by customer and the note is matched here.
PSA_NOTE = "PSA invoice {number}"
HUB_INVOICE_NOTE = "Q2C invoice {hub_id}"


@dataclass(frozen=True)
class CustomerRef:
    id: str
    name: str


@dataclass(frozen=True)
class FaultError:
    message: str
    detail: str
    code: str
    element: str

    def text(self) -> str:
        words = ": ".join(part for part in (self.message, self.detail) if part)
        return f"{words} ({self.code})" if self.code else words


@dataclass(frozen=True)
class Fault:
    """A QBO ``Fault``: no errors means its shape was not QBO's (a malformed answer)."""

    type: str
    errors: tuple[FaultError, ...]

    @property
    def malformed(self) -> bool:
        return not self.errors

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(error.code.lstrip("0") for error in self.errors)

    def message(self) -> str:
        return "; ".join(error.text() for error in self.errors)


# --- requests ---------------------------------------------------------------------------------


def request_id(kind: str, hub_id: str) -> str:
    """QBO's ``requestid`` for a write: stable per hub record, so a replay gets the first answer.

    Readable when it fits QBO's 50 characters, else a digest of the hub id.
    """
    readable = f"q2c-{kind}-{hub_id}"
    if len(readable) <= REQUEST_ID_MAX and _SAFE_ID.fullmatch(hub_id):
        return readable
    digest = hashlib.sha256(hub_id.encode()).hexdigest()
    return f"q2c-{kind}-{digest}"[:REQUEST_ID_MAX]


def quoted(value: str) -> str:
    """A string literal of QBO's query language: backslash escapes quotes and itself."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def display_name(name: str) -> str:
    """The customer's DisplayName: QuickBooks trims it and keeps it unique and short."""
    trimmed = name.strip()
    if not trimmed:
        raise VendorRejected("a QuickBooks customer needs a name; the organization has none")
    if len(trimmed) > DISPLAY_NAME_MAX:
        raise VendorRejected(
            f"the organization name is longer than QuickBooks allows ({DISPLAY_NAME_MAX})"
        )
    return trimmed


def customer_query(name: str, *, active: bool = True) -> str:
    """QBO answers active customers only unless asked for inactive ones."""
    where = f"DisplayName = {quoted(display_name(name))}"
    if not active:
        where += " AND Active = false"
    return f"SELECT * FROM Customer WHERE {where}"  # noqa: S608 - values go through quoted()


def invoices_of_customer_query(customer_id: str, start: int = 1) -> str:
    return (
        f"SELECT * FROM Invoice WHERE CustomerRef = {quoted(customer_id)}"  # noqa: S608
        f" STARTPOSITION {start} MAXRESULTS {QUERY_PAGE_MAX}"
    )


def customer_body(name: str, currency: Currency) -> dict[str, Any]:
    shown = display_name(name)
    return {"DisplayName": shown, "CompanyName": shown, "CurrencyRef": {"value": currency.value}}


def invoice_body(invoice: InvoiceForAccounting, item_id: str) -> dict[str, Any]:
    """The invoice to create, but for its customer (``for_customer``); built before any call.

    QuickBooks numbers it (AutoDocNumber, PAY-1) and computes its total from the lines.
    """
    if not invoice.lines:
        raise VendorRejected("an invoice without lines cannot be sent to QuickBooks")
    currency = invoice.total.currency
    body: dict[str, Any] = {
        "AutoDocNumber": True,
        "CurrencyRef": {"value": currency.value},
        "TxnDate": invoice.invoice_date.isoformat(),
        "PrivateNote": "\n".join(
            [
                PSA_NOTE.format(number=invoice.psa_number),
                HUB_INVOICE_NOTE.format(hub_id=invoice.hub_id),
            ]
        ),
        "Line": [sales_line(line, item_id, currency) for line in invoice.lines],
    }
    if invoice.due_date is not None:
        body["DueDate"] = invoice.due_date.isoformat()
    return body


def for_customer(body: Mapping[str, Any], customer: CustomerRef) -> dict[str, Any]:
    return {"CustomerRef": {"value": customer.id}, **body}


def sales_line(line: AccountingLine, item_id: str, currency: Currency) -> dict[str, Any]:
    """A SalesItemLineDetail line: QBO checks Amount = UnitPrice x Qty to the cent."""
    if line.amount.currency is not currency:
        raise VendorRejected(f"a line in {line.amount.currency} on an invoice in {currency}")
    quantity = _quantity(line.quantity)
    detail: dict[str, Any] = {"ItemRef": {"value": item_id}}
    if quantity != 0:
        detail["Qty"] = plain(quantity)
        detail["UnitPrice"] = unit_price(line.amount.amount, quantity)
    return {
        "DetailType": "SalesItemLineDetail",
        "Amount": line.amount.amount,
        "Description": line.description[:DESCRIPTION_MAX],
        "SalesItemLineDetail": detail,
    }


def unit_price(amount: Decimal, quantity: Decimal) -> Decimal:
    """Amount / quantity to QBO's 7 places; times the quantity it rounds back to the amount."""
    return plain((amount / quantity).quantize(UNIT_PRICE_PLACES, rounding=ROUND_HALF_UP))


def plain(value: Decimal) -> Decimal:
    """Without trailing zeros or an exponent (``50``, not ``5E+1``)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def payment_ref_num(reference: str) -> str:
    """QBO keeps 21 characters: a longer gateway id keeps its end, where ids tend to differ.

    The whole id is in the payment's PrivateNote.
    """
    trimmed = reference.strip()
    return trimmed[-PAYMENT_REF_MAX:]


# --- answers ----------------------------------------------------------------------------------


def has_note_line(record: Mapping[str, Any], line: str) -> bool:
    note = record.get("PrivateNote")
    return isinstance(note, str) and line in (part.strip() for part in note.splitlines())


def carries_psa_number(record: Mapping[str, Any], psa_number: str) -> bool:
    return has_note_line(record, PSA_NOTE.format(number=psa_number))


def accounting_invoice(record: Mapping[str, Any]) -> AccountingInvoice:
    currency = currency_of(record)
    number = record.get("DocNumber")
    return AccountingInvoice(
        accounting_id=entity_id(record, "Invoice"),
        number=number if isinstance(number, str) else "",
        total=money(record.get("TotalAmt"), currency, "Invoice TotalAmt"),
        balance=money(record.get("Balance"), currency, "Invoice Balance"),
    )


def customer_ref(record: Mapping[str, Any]) -> CustomerRef:
    name = record.get("DisplayName")
    return CustomerRef(entity_id(record, "Customer"), name if isinstance(name, str) else "")


def invoice_customer_id(record: Mapping[str, Any]) -> str:
    ref = record.get("CustomerRef")
    value = ref.get("value") if isinstance(ref, Mapping) else None
    if not isinstance(value, str) or not value:
        raise VendorUnavailable("QuickBooks answered an invoice without a CustomerRef")
    return value


def linked_ids(record: Mapping[str, Any], txn_type: str) -> list[str]:
    """Ids of the transactions of ``txn_type`` linked to this one (an invoice's payments)."""
    links = record.get("LinkedTxn")
    if not isinstance(links, list):
        return []
    return [
        str(link["TxnId"])
        for link in links
        if isinstance(link, Mapping) and link.get("TxnType") == txn_type and link.get("TxnId")
    ]


def entity_id(record: Mapping[str, Any], entity: str) -> str:
    value = record.get("Id")
    if not isinstance(value, str) or not value:
        raise VendorUnavailable(f"QuickBooks answered a {entity} without an Id")
    return value


def currency_of(record: Mapping[str, Any]) -> Currency:
    ref = record.get("CurrencyRef")
    code = ref.get("value") if isinstance(ref, Mapping) else None
    if not isinstance(code, str):
        raise VendorUnavailable("QuickBooks answered a transaction without a CurrencyRef")
    try:
        return Currency.parse(code)
    except DomainError as exc:
        raise VendorRejected(f"QuickBooks keeps this transaction in {exc.message}") from None


def money(value: object, currency: Currency, what: str) -> Money:
    try:
        return Money.of(exact_decimal(value, "amount", from_json=True), currency)
    except DomainError as exc:
        raise VendorUnavailable(f"QuickBooks answered {what} {value!r}: {exc}") from None


def fault(body: object) -> Fault | None:
    """The Fault of an answer (QBO sends some with HTTP 200), or None when there is none."""
    if not isinstance(body, Mapping):
        return None
    raw = body.get("Fault", body.get("fault"))
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        return Fault("", ())
    errors = raw.get("Error", raw.get("error"))
    kind = raw.get("type")
    if not isinstance(errors, list) or not all(isinstance(e, Mapping) for e in errors):
        return Fault(str(kind or ""), ())
    found = (_fault_error(error) for error in errors)
    return Fault(str(kind or ""), tuple(error for error in found if error is not None))


def _fault_error(error: Mapping[str, Any]) -> FaultError | None:
    def text(*names: str) -> str:
        found = next((error[n] for n in names if n in error), "")
        return found if isinstance(found, str) else str(found)

    found = FaultError(
        message=text("Message", "message"),
        detail=text("Detail", "detail"),
        code=text("code"),
        element=text("element"),
    )
    return found if found.message or found.detail else None


def _quantity(text: str) -> Decimal:
    try:
        return exact_decimal(text, "quantity", from_json=True)
    except InvalidValue:
        raise VendorRejected(f"the line quantity {text!r} is not a number") from None
