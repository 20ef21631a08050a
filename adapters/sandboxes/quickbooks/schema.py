"""The QBO objects the sandbox keeps, element by element, and its Faults.

Copied from the vendor's schema (``contracts/quickbooks_xsd``, the subset the sandbox serves);
a contract test keeps every name and kind here in the XSD. A request naming an element missing
here is refused as QBO refuses an unknown property (2010); read-only elements are ignored, as
QBO ignores them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from adapters.vendors.quickbooks.contract import OBJECT_NOT_FOUND

_JAVA_CLASS = "com.intuit.schema.finance.v3"


class Kind(StrEnum):
    STRING = "string"
    DECIMAL = "decimal"
    INTEGER = "int"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "dateTime"
    OBJECT = "object"


@dataclass(frozen=True)
class Spec:
    kind: Kind
    of: str = ""  # the complex type of an OBJECT
    many: bool = False
    read_only: bool = False


def _all(kind: Kind, names: str, *, read_only: bool = False) -> dict[str, Spec]:
    return {name: Spec(kind, read_only=read_only) for name in names.split()}


def _obj(of: str, *, many: bool = False, read_only: bool = False) -> Spec:
    return Spec(Kind.OBJECT, of, many, read_only)


REF = _obj("ReferenceType")
_ENTITY = {
    **_all(Kind.STRING, "Id SyncToken"),
    **_all(Kind.STRING, "domain", read_only=True),
    "sparse": Spec(Kind.BOOLEAN),
    "MetaData": _obj("ModificationMetaData", read_only=True),
}
_TRANSACTION = {
    **_ENTITY,
    **_all(Kind.STRING, "DocNumber PrivateNote"),
    "TxnDate": Spec(Kind.DATE),
    "CurrencyRef": REF,
    "LinkedTxn": _obj("LinkedTxn", many=True, read_only=True),
    "Line": _obj("Line", many=True),
}

TYPES: dict[str, dict[str, Spec]] = {
    "ReferenceType": _all(Kind.STRING, "value name type"),
    "MemoRef": _all(Kind.STRING, "value"),
    "EmailAddress": _all(Kind.STRING, "Address"),
    "ModificationMetaData": _all(Kind.DATETIME, "CreateTime LastUpdatedTime"),
    "LinkedTxn": _all(Kind.STRING, "TxnId TxnType TxnLineId"),
    "SalesItemLineDetail": {
        "ItemRef": REF,
        "TaxCodeRef": REF,
        **_all(Kind.DECIMAL, "UnitPrice Qty"),
        "ServiceDate": Spec(Kind.DATE),
    },
    "SubTotalLineDetail": {"ItemRef": REF},
    "Line": {
        **_all(Kind.STRING, "Id Description DetailType"),
        "LineNum": Spec(Kind.INTEGER),
        "Amount": Spec(Kind.DECIMAL),
        "LinkedTxn": _obj("LinkedTxn", many=True),
        "SalesItemLineDetail": _obj("SalesItemLineDetail"),
        "SubTotalLineDetail": _obj("SubTotalLineDetail"),
    },
    "Customer": {
        **_ENTITY,
        **_all(Kind.STRING, "DisplayName CompanyName GivenName FamilyName Notes"),
        **_all(Kind.STRING, "FullyQualifiedName PrintOnCheckName", read_only=True),
        **_all(Kind.BOOLEAN, "Active Taxable"),
        **_all(Kind.BOOLEAN, "Job BillWithParent", read_only=True),
        "PrimaryEmailAddr": _obj("EmailAddress"),
        "CurrencyRef": REF,
        **_all(Kind.DECIMAL, "Balance BalanceWithJobs", read_only=True),
    },
    "Invoice": {
        **_TRANSACTION,
        "AutoDocNumber": Spec(Kind.BOOLEAN),
        "CustomerRef": REF,
        "CustomerMemo": _obj("MemoRef"),
        "BillEmail": _obj("EmailAddress"),
        "DueDate": Spec(Kind.DATE),
        **_all(Kind.DECIMAL, "TotalAmt Balance", read_only=True),
        **_all(Kind.STRING, "PrintStatus EmailStatus", read_only=True),
    },
    "Payment": {
        **_TRANSACTION,
        "CustomerRef": REF,
        "PaymentRefNum": Spec(Kind.STRING),
        "TotalAmt": Spec(Kind.DECIMAL),
        "UnappliedAmt": Spec(Kind.DECIMAL, read_only=True),
        "ProcessPayment": Spec(Kind.BOOLEAN),
    },
    "RefundReceipt": {
        **_TRANSACTION,
        "CustomerRef": REF,
        "DepositToAccountRef": REF,
        "PaymentRefNum": Spec(Kind.STRING),
        **_all(Kind.DECIMAL, "TotalAmt Balance", read_only=True),
    },
    "Account": {
        **_ENTITY,
        **_all(Kind.STRING, "Name AccountType AccountSubType"),
        "Active": Spec(Kind.BOOLEAN),
    },
    "Item": {
        **_ENTITY,
        **_all(Kind.STRING, "Name Description Type"),
        "FullyQualifiedName": Spec(Kind.STRING, read_only=True),
        **_all(Kind.BOOLEAN, "Active Taxable"),
        "UnitPrice": Spec(Kind.DECIMAL),
        "IncomeAccountRef": REF,
    },
    "CompanyInfo": {
        **_ENTITY,
        **_all(Kind.STRING, "CompanyName LegalName Country SupportedLanguages", read_only=True),
        "CompanyStartDate": Spec(Kind.DATE, read_only=True),
    },
    "TaxCode": {
        **_ENTITY,
        **_all(Kind.STRING, "Name Description"),
        **_all(Kind.BOOLEAN, "Active Taxable TaxGroup"),
    },
    "CurrencyPrefs": {"MultiCurrencyEnabled": Spec(Kind.BOOLEAN), "HomeCurrency": REF},
    "TaxPrefs": {**_all(Kind.BOOLEAN, "UsingSalesTax PartnerTaxEnabled")},
    "Preferences": {
        **_ENTITY,
        "CurrencyPrefs": _obj("CurrencyPrefs", read_only=True),
        "TaxPrefs": _obj("TaxPrefs", read_only=True),
    },
}
# What POST /{entity} creates; the sandbox also keeps the company's accounts and tax codes
# (read by query).
ENTITIES = ("Customer", "Invoice", "Payment", "RefundReceipt", "Item")
STORED = (*ENTITIES, "Account", "TaxCode")


class SandboxFault(Exception):
    """A refusal the sandbox answers as QBO does: ``{"Fault": {"Error": [...], "type"}}``."""

    def __init__(
        self,
        message: str,
        detail: str,
        code: str,
        *,
        status: int = 400,
        kind: str = "ValidationFault",
        element: str = "",
    ) -> None:
        super().__init__(f"{message}: {detail} ({code})")
        self.message = message
        self.detail = detail
        self.code = code
        self.status = status
        self.kind = kind
        self.element = element

    def body(self) -> dict[str, Any]:
        error = {"Message": self.message, "code": self.code}
        if self.detail:
            error["Detail"] = self.detail
        if self.element:
            error["element"] = self.element
        return {"Fault": {"Error": [error], "type": self.kind}}


def missing(element: str) -> SandboxFault:
    return SandboxFault(
        "Required param missing, need to supply the required value for the API",
        f"Required parameter {element} is missing in the request",
        "2020",
        element=element,
    )


def business(detail: str, *, element: str = "") -> SandboxFault:
    return SandboxFault(
        "A business validation error has occurred while processing your request",
        f"Business Validation Error: {detail}",
        "6000",
        element=element,
    )


def invalid_reference(entity: str, value: object) -> SandboxFault:
    return SandboxFault(
        "Invalid Reference Id",
        f"Invalid Reference Id : {entity} assigned to this transaction has been deleted "
        f"or does not exist: {value}",
        "2500",
    )


def too_long(element: str, value: str, limit: int) -> SandboxFault:
    return SandboxFault(
        "String length is either shorter or longer than supported by specification",
        f"String length specified does not match the supported length. Min:0 Max:{limit} "
        f"supported. Supplied length:{len(value)}",
        "2050",
        element=element,
    )


def not_found(entity: str, entity_id: object) -> SandboxFault:
    return SandboxFault(
        "Object Not Found",
        f"Object Not Found : Something you're trying to use has been made inactive or does "
        f"not exist. Check the {entity} with Id {entity_id}.",
        OBJECT_NOT_FOUND,
    )


_CHECKS: dict[Kind, Callable[[object], bool]] = {
    Kind.STRING: lambda v: isinstance(v, str),
    Kind.DECIMAL: lambda v: isinstance(v, Decimal | int) and not isinstance(v, bool),
    Kind.INTEGER: lambda v: isinstance(v, int) and not isinstance(v, bool),
    Kind.BOOLEAN: lambda v: isinstance(v, bool),
    Kind.DATE: lambda v: isinstance(v, str) and _parses(dt.date.fromisoformat, v),
    Kind.DATETIME: lambda v: isinstance(v, str) and _parses(dt.datetime.fromisoformat, v),
    Kind.OBJECT: lambda v: isinstance(v, dict),
}


def validate(type_name: str, value: object) -> dict[str, Any]:
    """The writable elements of a request object (nested too), or QBO's refusal."""
    if not isinstance(value, dict):
        raise _unsupported(type_name, "the request body must be a JSON object")
    specs = TYPES[type_name]
    kept: dict[str, Any] = {}
    for name, item in value.items():
        spec = specs.get(name)
        if spec is None:
            raise _unsupported(type_name, f'Unrecognized field "{name}"')
        if spec.read_only or item is None:
            continue
        kept[name] = _value(type_name, name, spec, item)
    return kept


def _value(type_name: str, name: str, spec: Spec, item: object) -> Any:
    if spec.many:
        if not isinstance(item, list):
            raise _unsupported(type_name, f'"{name}" must be a list')
        return [_one(type_name, name, spec, each) for each in item]
    return _one(type_name, name, spec, item)


def _one(type_name: str, name: str, spec: Spec, item: object) -> Any:
    if not _CHECKS[spec.kind](item):
        raise _unsupported(type_name, f'"{name}" is not a valid {spec.kind}')
    return validate(spec.of, item) if spec.kind is Kind.OBJECT else item


def _unsupported(type_name: str, detail: str) -> SandboxFault:
    return SandboxFault(
        "Request has invalid or unsupported property",
        f"Property Name:{detail} (class {_JAVA_CLASS}.{type_name}), not marked as ignorable "
        "specified is unsupported or invalid",
        "2010",
    )


def _parses(parse: Callable[[str], object], text: str) -> bool:
    try:
        parse(text)
    except ValueError:
        return False
    return True


def reference(body: Mapping[str, Any], name: str) -> str | None:
    ref = body.get(name)
    value = ref.get("value") if isinstance(ref, Mapping) else None
    return value if isinstance(value, str) and value else None
