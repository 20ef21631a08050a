"""How the QBO sandbox moves money: payments linked to invoices, voids, refund receipts.

QBO's rules as the hub meets them: a payment applies to invoices up to their balance and keeps
the rest unapplied; a sparse update that sends ``Line`` replaces every link (balances restored,
then taken again); voiding a payment keeps it with every amount at zero and "Voided" in its
note; voiding an invoice zeroes it and leaves its payments' money unapplied; a refund receipt
takes money out of a bank account for a customer and touches no invoice. Every function checks
all it needs before it changes anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from adapters.sandboxes.quickbooks.records import (
    TEXT_MAX,
    RecordRules,
    money_amount,
    note_text,
)
from adapters.sandboxes.quickbooks.schema import (
    business,
    invalid_reference,
    missing,
    reference,
)
from adapters.vendors.quickbooks.contract import PAYMENT_REF_MAX, VOIDED

ZERO = Decimal("0.00")
# A new company's accounts that a refund may be paid from (QBO's sample ids and names).
ACCOUNTS = (
    {"Id": "35", "Name": "Checking", "AccountType": "Bank", "AccountSubType": "Checking"},
    {
        "Id": "4",
        "Name": "Undeposited Funds",
        "AccountType": "Other Current Asset",
        "AccountSubType": "UndepositedFunds",
    },
)
_REFUND_FROM = ("Bank", "Other Current Asset")


class MoneyRules:
    """Payments, voids and refund receipts over one company's records."""

    def __init__(self, rules: RecordRules) -> None:
        self._rules = rules
        rules.makers.update(Payment=self.payment, RefundReceipt=self.refund_receipt)
        for account in ACCOUNTS:
            rules.records["Account"][account["Id"]] = {
                **rules.new_record("Account"),
                **account,
                "Active": True,
                "Id": account["Id"],
            }

    # --- payments ---------------------------------------------------------------------------

    def payment(self, values: Mapping[str, Any]) -> dict[str, Any]:
        rules = self._rules
        customer = rules.customer_of(values)
        currency = rules.transaction_currency(values, customer)
        if "TotalAmt" not in values:
            raise missing("TotalAmt")
        total = _total(values["TotalAmt"])
        links = self._links(values.get("Line", []), customer, total)
        texts = _texts(values)
        record = rules.new_record("Payment")  # nothing changes before every check has passed
        record.update(
            TxnDate=values.get("TxnDate") or rules.today(),
            CurrencyRef=currency,
            CustomerRef={"value": customer["Id"], "name": customer["DisplayName"]},
            TotalAmt=total,
            ProcessPayment=False,
            LinkedTxn=[],
            **texts,
        )
        self._link(record, links)
        customer["Balance"] -= total
        customer["BalanceWithJobs"] -= total
        return record

    def relink(self, payment: dict[str, Any], changes: Mapping[str, Any]) -> None:
        """A sparse update of ``Line`` and ``TotalAmt``: every link replaced, balances kept."""
        customer = self._rules.get("Customer", payment["CustomerRef"]["value"])
        total = _total(changes.get("TotalAmt", payment["TotalAmt"]))
        given = changes.get("Line", _given_lines(payment))
        undone = self._restored(payment)
        links = self._links(given, customer, total, restored=undone)
        texts = _texts(changes)
        self._unlink(payment)
        customer["Balance"] += payment["TotalAmt"] - total
        customer["BalanceWithJobs"] += payment["TotalAmt"] - total
        payment.update(TotalAmt=total, **texts)
        self._link(payment, links)
        self._rules.touch(payment)

    def void_payment(self, payment: dict[str, Any]) -> None:
        """Kept, every amount zero, "Voided" in its note; its invoices owe what they did before."""
        customer = self._rules.get("Customer", payment["CustomerRef"]["value"])
        self._unlink(payment)
        customer["Balance"] += payment["TotalAmt"]
        customer["BalanceWithJobs"] += payment["TotalAmt"]
        payment.update(TotalAmt=ZERO, UnappliedAmt=ZERO, PrivateNote=_voided(payment))
        self._rules.touch(payment)

    def _links(
        self,
        lines: object,
        customer: Mapping[str, Any],
        total: Decimal,
        *,
        restored: Mapping[str, Decimal] | None = None,
    ) -> list[tuple[Decimal, dict[str, Any]]]:
        """Each line's amount and invoice, capped at what the invoice owes (the rest stays
        unapplied); ``restored`` is what an update gives back to each invoice first."""
        if not isinstance(lines, list):
            raise business("Line must be a list of payment lines")
        links = [self._link_of(line, customer) for line in lines]
        if sum((amount for amount, _ in links), ZERO) > total:
            raise business("The amount applied to invoices is more than the payment's total")
        owed = {i["Id"]: i["Balance"] + (restored or {}).get(i["Id"], ZERO) for _, i in links}
        capped = []
        for amount, invoice in links:
            applied = min(amount, owed[invoice["Id"]])
            owed[invoice["Id"]] -= max(applied, ZERO)
            if applied > 0:
                capped.append((applied, invoice))
        return capped

    def _link_of(self, line: object, customer: Mapping[str, Any]) -> tuple[Decimal, dict[str, Any]]:
        if not isinstance(line, Mapping):
            raise business("a payment line must be an object")
        if "Amount" not in line:
            raise missing("Line.Amount")
        amount = money_amount(line["Amount"], "Line.Amount")
        links = line.get("LinkedTxn") or []
        if len(links) != 1 or links[0].get("TxnType") != "Invoice":
            raise business("each payment line links one invoice (TxnType Invoice)")
        invoice = self._rules.records["Invoice"].get(str(links[0].get("TxnId")))
        if invoice is None:
            raise invalid_reference("Invoice", links[0].get("TxnId"))
        if invoice["CustomerRef"]["value"] != customer["Id"]:
            raise business("The invoice linked to this payment belongs to another customer")
        if amount < 0:
            raise business("A payment line cannot be negative", element="Line.Amount")
        if VOIDED in (invoice.get("PrivateNote") or "") and invoice["TotalAmt"] == 0:
            raise business(f"Invoice {invoice['Id']} is void: no payment can be applied to it")
        return amount, invoice

    def _link(self, payment: dict[str, Any], links: list[tuple[Decimal, dict[str, Any]]]) -> None:
        lines: list[dict[str, Any]] = []
        for applied, invoice in links:
            invoice["Balance"] -= applied
            invoice["LinkedTxn"].append({"TxnId": payment["Id"], "TxnType": "Payment"})
            self._rules.touch(invoice)
            lines.append(
                {"Amount": applied, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}
            )
        applied_total = sum((line["Amount"] for line in lines), ZERO)
        payment.update(Line=lines, UnappliedAmt=payment["TotalAmt"] - applied_total)

    def _restored(self, payment: Mapping[str, Any]) -> dict[str, Decimal]:
        back: dict[str, Decimal] = {}
        for line in payment.get("Line", []):
            for link in line.get("LinkedTxn", []):
                back[link["TxnId"]] = back.get(link["TxnId"], ZERO) + line["Amount"]
        return back

    def _unlink(self, payment: dict[str, Any]) -> None:
        for invoice_id, amount in self._restored(payment).items():
            invoice = self._rules.records["Invoice"].get(invoice_id)
            if invoice is None:
                continue
            invoice["Balance"] += amount
            invoice["LinkedTxn"] = [
                link
                for link in invoice["LinkedTxn"]
                if not (link["TxnType"] == "Payment" and link["TxnId"] == payment["Id"])
            ]
            self._rules.touch(invoice)
        payment.update(Line=[], UnappliedAmt=payment["TotalAmt"])

    # --- invoices ---------------------------------------------------------------------------

    def void_invoice(self, invoice: dict[str, Any]) -> None:
        """Zeroed, "Voided" in its note; its payments keep their money, unapplied."""
        customer = self._rules.get("Customer", invoice["CustomerRef"]["value"])
        for link in list(invoice["LinkedTxn"]):
            if link["TxnType"] != "Payment":
                continue
            payment = self._rules.records["Payment"].get(link["TxnId"])
            if payment is None:
                continue
            kept = [
                line
                for line in payment["Line"]
                if all(t["TxnId"] != invoice["Id"] for t in line.get("LinkedTxn", []))
            ]
            applied = sum((line["Amount"] for line in kept), ZERO)
            payment.update(Line=kept, UnappliedAmt=payment["TotalAmt"] - applied)
            self._rules.touch(payment)
        customer["Balance"] -= invoice["Balance"]
        customer["BalanceWithJobs"] -= invoice["Balance"]
        for line in invoice["Line"]:
            line["Amount"] = ZERO
        invoice.update(TotalAmt=ZERO, Balance=ZERO, LinkedTxn=[], PrivateNote=_voided(invoice))
        self._rules.touch(invoice)

    # --- refund receipts --------------------------------------------------------------------

    def refund_receipt(self, values: Mapping[str, Any]) -> dict[str, Any]:
        rules = self._rules
        customer = rules.customer_of(values)
        currency = rules.transaction_currency(values, customer)
        account_id = reference(values, "DepositToAccountRef")
        if account_id is None:
            raise missing("DepositToAccountRef")
        account = rules.records["Account"].get(account_id)
        if account is None or account["AccountType"] not in _REFUND_FROM:
            raise invalid_reference("Account", account_id)
        given = values.get("Line")
        if not given:
            raise missing("Line")
        lines = [rules.sales_line(number, line) for number, line in enumerate(given, 1)]
        total = sum((line["Amount"] for line in lines), ZERO)
        if total <= 0:
            raise business("A refund receipt's total must be more than zero", element="Line")
        texts = _texts(values)
        record = rules.new_record("RefundReceipt")
        record.update(
            TxnDate=values.get("TxnDate") or rules.today(),
            CurrencyRef=currency,
            CustomerRef={"value": customer["Id"], "name": customer["DisplayName"]},
            DepositToAccountRef={"value": account_id, "name": account["Name"]},
            Line=lines,
            TotalAmt=total,
            Balance=ZERO,
            LinkedTxn=[],
            **texts,
        )
        return record


def _total(value: object) -> Decimal:
    total = money_amount(value, "TotalAmt")
    if total < 0:
        raise business("A payment amount cannot be negative", element="TotalAmt")
    return total


def _texts(values: Mapping[str, Any]) -> dict[str, str]:
    return {
        name: text
        for name, limit in (("PaymentRefNum", PAYMENT_REF_MAX), ("PrivateNote", TEXT_MAX))
        if (text := note_text(values, name, limit)) is not None
    }


def _given_lines(payment: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [dict(line) for line in payment.get("Line", [])]


def _voided(record: Mapping[str, Any]) -> str:
    note = record.get("PrivateNote") or ""
    return note if note.endswith(VOIDED) else (f"{note}\n{VOIDED}" if note else VOIDED)
