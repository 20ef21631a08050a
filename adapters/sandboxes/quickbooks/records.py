"""How QBO makes and changes each record: the rules behind the sandbox store (not locked here).

Amounts are ``Decimal`` throughout; totals and balances are QuickBooks' to compute.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from adapters.sandboxes.quickbooks.company import US_TAX_CODES, CompanyProfile
from adapters.sandboxes.quickbooks.schema import (
    STORED,
    SandboxFault,
    business,
    invalid_reference,
    missing,
    not_found,
    reference,
    too_long,
)
from adapters.vendors.quickbooks.contract import (
    DUPLICATE_DOC_NUMBER,
    DUPLICATE_NAME,
    OBJECT_NOT_FOUND,
)

CENT = Decimal("0.01")
DOC_NUMBER_MAX = 21
NAME_MAX = 500
TEXT_MAX = 4000
FIRST_DOC_NUMBER = 1001
_CURRENCY_NAMES = {
    "USD": "United States Dollar",
    "CAD": "Canadian Dollar",
    "AUD": "Australian Dollar",
    "NZD": "New Zealand Dollar",
    "EUR": "Euro",
    "GBP": "British Pound Sterling",
}
_DUPLICATE_NAME = (
    "Duplicate Name Exists Error",
    "The name supplied already exists. : Another customer, vendor or employee is already "
    "using this name. Please use a different name.",
    DUPLICATE_NAME,
)


def numeric_id(record: Mapping[str, Any]) -> tuple[int, str]:
    value = str(record.get("Id", ""))
    return (int(value), value) if value.isdigit() else (0, value)


def first_note_line(record: Mapping[str, Any]) -> str | None:
    note = record.get("PrivateNote")
    return note.splitlines()[0] if isinstance(note, str) and note.strip() else None


def money_amount(value: object, element: str) -> Decimal:
    amount = Decimal(str(value))
    if amount != amount.quantize(CENT):
        raise business(f"{element} {amount} has more than two decimals", element=element)
    return amount.quantize(CENT)


def note_text(values: Mapping[str, Any], element: str, limit: int) -> str | None:
    text = values.get(element)
    if isinstance(text, str) and len(text) > limit:
        raise too_long(element, text, limit)
    return text if isinstance(text, str) else None


class RecordRules:
    """The company's records by entity and Id, and how QBO creates and changes them."""

    def __init__(self, company: CompanyProfile, clock: Callable[[], datetime]) -> None:
        self.company = company
        self.home_currency = company.home_currency
        self._clock = clock
        self.records: dict[str, dict[str, dict[str, Any]]] = {e: {} for e in STORED}
        self.other_names: set[str] = set()  # vendors' and employees' DisplayNames
        self._next_id = dict.fromkeys(STORED, 1)
        # How each entity is made; the money rules (``sandbox_money``) add theirs.
        self.makers: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
            "Customer": self._customer,
            "Invoice": self._invoice,
            "Item": self._item,
        }
        self._next_doc_number = FIRST_DOC_NUMBER
        self.create("Item", {"Name": "Services", "Type": "Service"})  # as in a new company
        for code_id, name in company.tax_codes.items():
            self.records["TaxCode"][code_id] = {
                **self.new_record("TaxCode"),
                "Id": code_id,
                "Name": name,
                "Description": name,
                "Active": True,
                "Taxable": name not in ("Exempt", "No VAT"),
                "TaxGroup": True,
            }

    def timestamp(self) -> str:
        return self._clock().isoformat(timespec="seconds")

    def get(self, entity: str, entity_id: str) -> dict[str, Any]:
        record = self.records[entity].get(entity_id)
        if record is None:
            raise not_found(entity, entity_id)
        return record

    def touch(self, record: dict[str, Any]) -> None:
        """A saved change: the next SyncToken, a new LastUpdatedTime."""
        record["SyncToken"] = str(int(record["SyncToken"]) + 1)
        record["MetaData"]["LastUpdatedTime"] = self.timestamp()

    def today(self) -> str:
        return self._clock().date().isoformat()

    def create(self, entity: str, values: Mapping[str, Any]) -> dict[str, Any]:
        record = self.makers[entity](values)
        self.records[entity][record["Id"]] = record
        return record

    def change(self, entity: str, record: dict[str, Any], changes: Mapping[str, Any]) -> None:
        if entity == "Customer" and "DisplayName" in changes:
            name = self._unique_name(changes["DisplayName"], record["Id"])
            changes = {**changes, "FullyQualifiedName": name, "PrintOnCheckName": name}
        record.update(changes)
        self.touch(record)

    def new_record(self, entity: str) -> dict[str, Any]:
        entity_id = str(self._next_id[entity])
        self._next_id[entity] += 1
        now = self.timestamp()
        return {
            "Id": entity_id,
            "SyncToken": "0",
            "domain": "QBO",
            "sparse": False,
            "MetaData": {"CreateTime": now, "LastUpdatedTime": now},
        }

    def _currency(self, values: Mapping[str, Any], default: str) -> dict[str, str]:
        code = reference(values, "CurrencyRef") or default
        if len(code) != 3 or not code.isalpha() or not code.isupper():
            raise invalid_reference("Currency", code)
        if code != self.home_currency and not self.company.multicurrency:
            raise business(
                f"Multicurrency is not enabled in this company: {code} cannot be used, only "
                f"the home currency {self.home_currency}",
                element="CurrencyRef",
            )
        return {"value": code, "name": _CURRENCY_NAMES.get(code, code)}

    def _unique_name(self, given: object, own_id: str | None = None) -> str:
        name = given.strip() if isinstance(given, str) else ""
        if not name:
            raise missing("DisplayName")
        if len(name) > NAME_MAX:
            raise too_long("DisplayName", name, NAME_MAX)
        folded = name.casefold()
        taken = any(
            c["DisplayName"].casefold() == folded and c["Id"] != own_id
            for c in self.records["Customer"].values()
        )
        if taken or folded in self.other_names:
            raise SandboxFault(*_DUPLICATE_NAME)
        return name

    def _customer(self, values: Mapping[str, Any]) -> dict[str, Any]:
        given = " ".join(str(values.get(k, "")) for k in ("GivenName", "FamilyName")).strip()
        name = self._unique_name(values.get("DisplayName") or given or values.get("CompanyName"))
        kept = {k: values[k] for k in ("GivenName", "FamilyName", "CompanyName") if k in values}
        return {
            **self.new_record("Customer"),
            **kept,
            "DisplayName": name,
            "FullyQualifiedName": name,
            "PrintOnCheckName": name,
            "Active": values.get("Active", True),
            "Taxable": values.get("Taxable", False),
            "Job": False,
            "BillWithParent": False,
            "CurrencyRef": self._currency(values, self.home_currency),
            "Balance": Decimal("0.00"),
            "BalanceWithJobs": Decimal("0.00"),
        }

    def customer_of(self, values: Mapping[str, Any]) -> dict[str, Any]:
        customer_id = reference(values, "CustomerRef")
        if customer_id is None:
            raise missing("CustomerRef")
        customer = self.records["Customer"].get(customer_id)
        if customer is None:
            raise invalid_reference("Customer", customer_id)
        if not customer["Active"]:
            raise SandboxFault(
                "Object Not Found",
                "Object Not Found : Something you're trying to use has been made inactive. "
                "Check the fields with accounts, customers, items, vendors or employees.",
                OBJECT_NOT_FOUND,
            )
        return customer

    def transaction_currency(
        self, values: Mapping[str, Any], customer: Mapping[str, Any]
    ) -> dict[str, str]:
        currency = self._currency(values, customer["CurrencyRef"]["value"])
        if currency["value"] != customer["CurrencyRef"]["value"]:
            raise business(
                f"The currency of the transaction ({currency['value']}) must match the "
                f"customer's currency ({customer['CurrencyRef']['value']})",
                element="CurrencyRef",
            )
        return currency

    def _invoice(self, values: Mapping[str, Any]) -> dict[str, Any]:
        customer = self.customer_of(values)
        currency = self.transaction_currency(values, customer)
        given = values.get("Line")
        if not given:
            raise missing("Line")
        lines = [self.sales_line(number, line) for number, line in enumerate(given, 1)]
        total = sum((line["Amount"] for line in lines), Decimal("0.00"))
        if total < 0:
            raise business("An invoice total cannot be negative", element="Line")
        note = note_text(values, "PrivateNote", TEXT_MAX)
        doc_number = self._doc_number(values)
        record = self.new_record("Invoice")
        txn_date = values.get("TxnDate") or self._clock().date().isoformat()
        subtotal: dict[str, Any] = {
            "Amount": total,
            "DetailType": "SubTotalLineDetail",
            "SubTotalLineDetail": {},
        }
        record.update(
            DocNumber=doc_number,
            TxnDate=txn_date,
            DueDate=values.get("DueDate") or txn_date,
            CurrencyRef=currency,
            CustomerRef={"value": customer["Id"], "name": customer["DisplayName"]},
            Line=[*lines, subtotal],
            LinkedTxn=[],
            TotalAmt=total,
            Balance=total,
            PrintStatus="NotSet",
            EmailStatus="NotSet",
        )
        record.update({k: values[k] for k in ("CustomerMemo", "BillEmail") if k in values})
        if note is not None:
            record["PrivateNote"] = note
        customer["Balance"] += total
        customer["BalanceWithJobs"] += total
        return record

    def sales_line(self, number: int, line: Mapping[str, Any]) -> dict[str, Any]:
        kind = line.get("DetailType")
        if kind is None:
            raise missing("Line.DetailType")
        if kind != "SalesItemLineDetail":
            raise business(f"this sandbox takes SalesItemLineDetail lines, not {kind}")
        detail = line.get("SalesItemLineDetail")
        if "Amount" not in line:
            raise missing("Line.Amount")
        if not isinstance(detail, Mapping):
            raise missing("Line.SalesItemLineDetail")
        amount = money_amount(line["Amount"], "Line.Amount")
        item_id = reference(detail, "ItemRef")
        if item_id is None:
            raise missing("Line.SalesItemLineDetail.ItemRef")
        item = self.records["Item"].get(item_id)
        if item is None or not item["Active"]:
            raise invalid_reference("Item", item_id)
        kept = {k: Decimal(str(detail[k])) for k in ("Qty", "UnitPrice") if k in detail}
        if len(kept) == 2:
            computed = (kept["Qty"] * kept["UnitPrice"]).quantize(CENT, rounding=ROUND_HALF_UP)
            if computed != amount:
                raise business(
                    f"Amount is not equal to UnitPrice * Qty. Supplied value:{amount}",
                    element="Line.Amount",
                )
        shown = {"ItemRef": {"value": item_id, "name": item["Name"]}, **kept}
        tax_code = self._tax_code(detail)
        if tax_code is not None:
            shown["TaxCodeRef"] = {"value": tax_code}
        description = note_text(line, "Description", TEXT_MAX)
        return {
            "Id": str(number),
            "LineNum": number,
            **({"Description": description} if description is not None else {}),
            "Amount": amount,
            "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": shown,
        }

    def _tax_code(self, detail: Mapping[str, Any]) -> str | None:
        """Outside the US every sales line names an active tax code (a VAT rate); a US line
        may say TAX or NON."""
        code = reference(detail, "TaxCodeRef")
        if self.company.requires_tax_code:
            if code is None:
                raise business(
                    "Make sure all your transactions have a VAT rate before you save.",
                    element="Line.SalesItemLineDetail.TaxCodeRef",
                )
            found = self.records["TaxCode"].get(code)
            if found is None or not found["Active"]:
                raise invalid_reference("TaxCode", code)
        elif code is not None and code not in US_TAX_CODES:
            raise invalid_reference("TaxCode", code)
        return code

    def _doc_number(self, values: Mapping[str, Any]) -> str:
        given = values.get("DocNumber")
        used = {
            r["DocNumber"]: r["Id"] for r in self.records["Invoice"].values() if r.get("DocNumber")
        }
        if values.get("AutoDocNumber") is True or not given:
            while str(self._next_doc_number) in used:
                self._next_doc_number += 1
            self._next_doc_number += 1
            return str(self._next_doc_number - 1)
        if len(given) > DOC_NUMBER_MAX:
            raise too_long("DocNumber", given, DOC_NUMBER_MAX)
        if given in used:
            raise SandboxFault(
                "Duplicate Document Number Error",
                "Duplicate Document Number Error : You must specify a different number. This "
                f"number has already been used. DocNumber={given} is assigned to "
                f"TxnType=Invoice with TxnId={used[given]}",
                DUPLICATE_DOC_NUMBER,
                element="DocNumber",
            )
        return str(given)

    def _item(self, values: Mapping[str, Any]) -> dict[str, Any]:
        name = values.get("Name")
        if not isinstance(name, str) or not name.strip():
            raise missing("Name")
        name = name.strip()
        if any(i["Name"].casefold() == name.casefold() for i in self.records["Item"].values()):
            raise SandboxFault(*_DUPLICATE_NAME)
        return {
            **self.new_record("Item"),
            "Name": name,
            "FullyQualifiedName": name,
            "Type": values.get("Type", "Service"),
            "Active": values.get("Active", True),
            "Taxable": values.get("Taxable", False),
            "UnitPrice": Decimal(str(values.get("UnitPrice", 0))),
            "IncomeAccountRef": values.get("IncomeAccountRef")
            or {"value": "1", "name": "Services"},
        }
