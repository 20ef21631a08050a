"""What the QuickBooks tests share: a connection to a sandbox, payloads, and QBO's XSD schema."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from adapters.sandboxes.quickbooks.app import SANDBOX_CREDENTIALS
from adapters.sandboxes.quickbooks.store import QuickBooksStore
from application.billing.ports import (
    AccountingLine,
    InvoiceForAccounting,
    PaymentForAccounting,
)
from application.integrations.ports import ConnectionConfig
from domain.integrations.connection import System
from domain.shared.money import Money
from tests.support.autotask import contracts_dir
from tests.support.sandboxes import RunningSandbox, sandbox_connection


def quickbooks_connection(
    base_url: str,
    *,
    credentials: Mapping[str, str] | None = None,
    settings: Mapping[str, Any] | None = None,
) -> ConnectionConfig:
    return sandbox_connection(
        System.QUICKBOOKS, base_url, credentials or SANDBOX_CREDENTIALS, settings
    )


def psa_invoice(**changes: Any) -> InvoiceForAccounting:
    """A PSA invoice of two lines, 150.30 USD in all, for Contoso Ltd."""
    values: dict[str, Any] = {
        "hub_id": str(uuid.uuid4()),
        "psa_number": f"T{uuid.uuid4().int % 10**8:08d}",
        "customer_name": "Contoso Ltd",
        "invoice_date": date(2026, 3, 2),
        "due_date": date(2026, 4, 1),
        "total": Money.of("150.30", "USD"),
        "lines": [
            AccountingLine("Managed services, March", Money.of("100.10", "USD"), "1"),
            AccountingLine("Backup seats", Money.of("50.20", "USD"), "4"),
        ],
    }
    values.update(changes)
    return InvoiceForAccounting(**values)


def gateway_payment(
    invoice_accounting_id: str, amount: str = "50.00", **changes: Any
) -> PaymentForAccounting:
    """A payment approved for the whole ``amount``, applied to the invoice it was taken for."""
    values: dict[str, Any] = {
        "hub_id": str(uuid.uuid4()),
        "customer_name": "Contoso Ltd",
        "first_invoice_id": invoice_accounting_id,
        "sale": Money.of(amount, "USD"),
        "applied_to": invoice_accounting_id,
        "applied": Money.of(amount, "USD"),
        "refunded": Money.of("0.00", "USD"),
        "cancelled": False,
        "paid_on": date(2026, 3, 9),
        "reference": "10584532231",
    }
    values.update(changes)
    return PaymentForAccounting(**values)


@dataclass(frozen=True)
class QuickBooksSandbox(RunningSandbox):
    @property
    def store(self) -> QuickBooksStore:
        assert isinstance(self.runtime.state, QuickBooksStore)
        return self.runtime.state


# --- QBO's XSD, read with the standard library ------------------------------------------------

XSD_FILES = (
    "IntuitBaseTypes.xsd",
    "IntuitNamesTypes.xsd",
    "Finance.xsd",
    "IntuitRestServiceDef.xsd",
)
_XS = "{http://www.w3.org/2001/XMLSchema}"
_ANY = "anyType"
_TEXT = {"string", "anyURI", "ID", "normalizedString", "token"}
_NUMBER = {"decimal", "double", "float"}
_WHOLE = {"int", "integer", "long", "short", "positiveInteger", "nonNegativeInteger"}


@dataclass(frozen=True)
class XsdField:
    name: str
    type: str  # local name: a builtin ("decimal"), a simple type ("id") or a complex type
    required: bool
    many: bool


class QuickBooksSchema:
    """The complex and simple types of QBO's XSD, with extension chains followed."""

    def __init__(self, directory: Path) -> None:
        self._complex: dict[str, ET.Element] = {}
        self._simple: dict[str, ET.Element] = {}
        self._fields: dict[str, dict[str, XsdField]] = {}
        self.entities: dict[str, str] = {}  # the IntuitObject substitution group: name → type
        for name in XSD_FILES:
            root = ET.parse(directory / name).getroot()  # noqa: S314 - the vendor's own files
            for node in root:
                if node.tag == f"{_XS}complexType":
                    self._complex[node.attrib["name"]] = node
                elif node.tag == f"{_XS}simpleType":
                    self._simple[node.attrib["name"]] = node
                elif node.get("substitutionGroup") == "IntuitObject":
                    self.entities[node.attrib["name"]] = _local(node.attrib["type"])

    def is_complex(self, type_name: str) -> bool:
        return type_name in self._complex

    def fields(self, type_name: str) -> dict[str, XsdField]:
        """Elements and attributes of a complex type, its bases' first; ``value`` for text."""
        if type_name not in self._fields:
            found: dict[str, XsdField] = {}
            for part in self._complex[type_name]:
                self._content(part, found)
            self._fields[type_name] = found
        return self._fields[type_name]

    def required(self, type_name: str) -> set[str]:
        return {name for name, field in self.fields(type_name).items() if field.required}

    def builtin(self, type_name: str) -> str:
        """The XML Schema builtin a simple type restricts (following its chain)."""
        node = self._simple.get(type_name)
        if node is None:
            return type_name
        restriction = node.find(f"{_XS}restriction")
        base = _local(restriction.get("base", "string")) if restriction is not None else "string"
        return self.builtin(base)

    def enumeration(self, type_name: str) -> set[str]:
        node = self._simple.get(type_name)
        if node is None:
            return set()
        return {e.attrib["value"] for e in node.iter(f"{_XS}enumeration")}

    def problems(self, type_name: str, value: object, path: str = "") -> list[str]:
        """What in ``value`` is not an instance of ``type_name`` (JSON as QBO writes XML)."""
        where = path or type_name
        if type_name in (_ANY, "IntuitAnyType"):
            return []
        if not self.is_complex(type_name):
            return self._scalar_problems(type_name, value, where)
        if not isinstance(value, Mapping):
            return [f"{where}: {value!r} is not an object of {type_name}"]
        fields = self.fields(type_name)
        found = [f"{where}.{name}: not in {type_name}" for name in value if name not in fields]
        found += [
            f"{where}.{name}: required by {type_name}, missing"
            for name in self.required(type_name)
            if name not in value
        ]
        for name, item in value.items():
            field = fields.get(name)
            if field is not None and item is not None:
                found += self._field_problems(field, item, f"{where}.{name}")
        return found

    def _field_problems(self, field: XsdField, item: object, where: str) -> list[str]:
        if not field.many:
            return self.problems(field.type, item, where)
        if not isinstance(item, list):
            return [f"{where}: a repeated element must be a JSON list"]
        return [
            problem
            for n, each in enumerate(item)
            for problem in self.problems(field.type, each, f"{where}[{n}]")
        ]

    def _scalar_problems(self, type_name: str, value: object, where: str) -> list[str]:
        allowed = self.enumeration(type_name)
        if allowed and value not in allowed:
            return [f"{where}: {value!r} is not one of {type_name}"]
        base = self.builtin(type_name)
        return [] if _scalar_fits(base, value) else [f"{where}: {value!r} is not an xs:{base}"]

    def _content(self, part: ET.Element, found: dict[str, XsdField]) -> None:
        if part.tag not in (f"{_XS}complexContent", f"{_XS}simpleContent"):
            self._particles(part, found, optional=False)
            return
        extension = part.find(f"{_XS}extension")
        if extension is None:
            return
        base = _local(extension.attrib["base"])
        if part.tag == f"{_XS}complexContent" and self.is_complex(base):
            found.update(self.fields(base))
        elif part.tag == f"{_XS}simpleContent":
            found["value"] = XsdField("value", base, required=True, many=False)
        self._particles(extension, found, optional=False)

    def _particles(self, node: ET.Element, found: dict[str, XsdField], *, optional: bool) -> None:
        if node.tag == f"{_XS}attribute":
            name, kind = node.attrib["name"], _local(node.get("type", "string"))
            found[name] = XsdField(name, kind, node.get("use") == "required", many=False)
        elif node.tag == f"{_XS}element":
            self._element(node, found, optional=optional)
        elif node.tag in (f"{_XS}sequence", f"{_XS}choice", f"{_XS}all", f"{_XS}extension"):
            options = [child for child in node if child.tag != f"{_XS}annotation"]
            alternatives = node.tag == f"{_XS}choice" and len(options) > 1
            inner = optional or node.get("minOccurs") == "0" or alternatives
            for child in options:
                self._particles(child, found, optional=inner)

    def _element(self, node: ET.Element, found: dict[str, XsdField], *, optional: bool) -> None:
        many = node.get("maxOccurs", "1") != "1"
        ref = node.get("ref")
        if ref is not None:  # IntuitObject stands for any entity: Invoice, Customer, ...
            members = self.entities if _local(ref) == "IntuitObject" else {ref: _local(ref)}
            for member, kind in members.items():
                found[member] = XsdField(member, kind, required=False, many=many)
            return
        name = node.attrib["name"]
        required = not optional and node.get("minOccurs", "1") != "0"
        found[name] = XsdField(name, _local(node.get("type", _ANY)), required, many)


def _scalar_fits(base: str, value: object) -> bool:
    checks: dict[str, Callable[[object], bool]] = {
        "boolean": lambda v: isinstance(v, bool),
        "date": lambda v: isinstance(v, str) and _parses(date.fromisoformat, v),
        "dateTime": lambda v: isinstance(v, str) and _parses(datetime.fromisoformat, v),
        **dict.fromkeys(_NUMBER, lambda v: isinstance(v, int | Decimal)),
        **dict.fromkeys(_WHOLE, lambda v: isinstance(v, int)),
        **dict.fromkeys(_TEXT, lambda v: isinstance(v, str)),
    }
    if isinstance(value, bool) and base != "boolean":
        return False
    check = checks.get(base)
    return True if check is None else check(value)


def _parses(parse: Callable[[str], object], text: str) -> bool:
    try:
        parse(text)
    except ValueError:
        return False
    return True


def _local(qualified: str) -> str:
    return qualified.rsplit(":", maxsplit=1)[-1]


@cache
def _schema(directory: Path) -> QuickBooksSchema:
    return QuickBooksSchema(directory)


def quickbooks_schema() -> QuickBooksSchema:
    """QBO's schema from ``shared/contracts/quickbooks_xsd`` (skipped when it is absent)."""
    return _schema(contracts_dir() / "quickbooks_xsd")
