"""Pulled Autotask records → the hub's plain records (PAY-12): pure functions, no I/O.

Each record is a dict of str, bool and None. A record the vendor sent malformed (no company,
a date that does not parse) is not dropped and does not stop the pull: it comes back as
``{"external_id": ..., "invalid": reason}`` for the runner to report as skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from adapters.vendors.autotask.translate.companies import text_or_none
from domain.shared.errors import InvalidValue
from domain.shared.numbers import exact_decimal

Record = dict[str, Any]
Labels = Mapping[str, str]
CENT = Decimal("0.01")


class Malformed(ValueError):
    """What is wrong with a vendor record, in words for the sync report."""


def picklist_labels(fields: Iterable[Mapping[str, Any]], name: str) -> dict[str, str]:
    """Value → label of one picklist field, from ``entityInformation/fields``."""
    for field in fields:
        if field.get("name") == name:
            values = field.get("picklistValues") or ()
            return {
                str(v["value"]): str(v["label"])
                for v in values
                if isinstance(v, Mapping) and v.get("value") is not None and v.get("label")
            }
    return {}


def picklist_value(fields: Iterable[Mapping[str, Any]], name: str, label: str) -> int | None:
    """The value of the picklist entry with this label (any case), if there is one."""
    for value, text in picklist_labels(fields, name).items():
        if text.casefold() == label.casefold() and value.lstrip("-").isdigit():
            return int(value)
    return None


def decimal_text(value: object) -> str:
    """An amount Autotask sends as a JSON number, as a string with exactly two places.

    A float goes through its shortest ``repr`` so 0.1 + 0.2 is 0.30, not 0.3000000000000000444…
    """
    try:
        amount = exact_decimal(value, "amount", from_json=True)
        cents = amount.quantize(CENT, ROUND_HALF_EVEN)
    except (InvalidValue, InvalidOperation):
        raise Malformed(f"{value!r} is not an amount") from None
    return format(cents if cents else abs(cents), "f")


def contact_record(item: Mapping[str, Any]) -> Record:
    return _guarded("contact", item, _contact)


def contract_record(item: Mapping[str, Any], statuses: Labels) -> Record:
    return _guarded("contract", item, lambda i: _titled(i, "contractName", statuses))


def ticket_record(item: Mapping[str, Any], statuses: Labels) -> Record:
    return _guarded("ticket", item, lambda i: _titled(i, "title", statuses))


def invoice_record(item: Mapping[str, Any]) -> Record:
    return _guarded("invoice", item, _invoice)


def _guarded(
    what: str, item: Mapping[str, Any], build: Callable[[Mapping[str, Any]], Record]
) -> Record:
    try:
        return build(item)
    except Malformed as exc:
        return {"external_id": str(item.get("id")), "invalid": f"Autotask {what} {exc}"}


def _contact(item: Mapping[str, Any]) -> Record:
    return {
        **_owned(item),
        "first_name": _requiredtext_or_none(item, "firstName"),
        "last_name": _requiredtext_or_none(item, "lastName"),
        "title": text_or_none(item.get("title")),
        "email": text_or_none(item.get("emailAddress")),
        "phone": text_or_none(item.get("phone")),
        "mobile": text_or_none(item.get("mobilePhone")),
        "fax": text_or_none(item.get("faxNumber")),
        "active": item.get("isActive") == 1,
    }


def _titled(item: Mapping[str, Any], title_field: str, statuses: Labels) -> Record:
    status = item.get("status")
    if status is None or isinstance(status, bool):
        raise Malformed(f"{item.get('id')} has no status")
    return {
        **_owned(item),
        "title": _requiredtext_or_none(item, title_field),
        "status": statuses.get(str(status), str(status)),
    }


def _invoice(item: Mapping[str, Any]) -> Record:
    owned = _owned(item)
    total = item.get("invoiceTotal")
    if total is None:
        raise Malformed(f"{item.get('id')} has no invoiceTotal")
    try:
        amount = decimal_text(total)
    except Malformed as exc:
        raise Malformed(f"{item.get('id')} has an invoiceTotal that {exc}") from None
    invoice_date = _iso_date(item, "invoiceDateTime")
    if invoice_date is None:
        raise Malformed(f"{item.get('id')} has no invoiceDateTime")
    return {
        **owned,
        "psa_number": text_or_none(item.get("invoiceNumber")) or str(item["id"]),
        "total": amount,
        "invoice_date": invoice_date,
        "due_date": _iso_date(item, "dueDate"),
        "description": text_or_none(item.get("comments")) or "",
        "voided": item.get("isVoided") is True,
        "paid_date": _iso_date(item, "paidDate"),
    }


def _owned(item: Mapping[str, Any]) -> Record:
    """The record's id and its company's, which every pulled record carries."""
    company = item.get("companyID")
    if not isinstance(company, int) or isinstance(company, bool):
        raise Malformed(f"{item.get('id')} has no companyID")
    return {"external_id": str(item["id"]), "organization_external_id": str(company)}


def _requiredtext_or_none(item: Mapping[str, Any], field: str) -> str:
    text = text_or_none(item.get(field))
    if text is None:
        raise Malformed(f"{item.get('id')} has no {field}")
    return text


def _iso_date(item: Mapping[str, Any], field: str) -> str | None:
    """The calendar date a datetime field names, as Autotask wrote it (no zone shift)."""
    value = item.get(field)
    if value is None or value == "":
        return None
    try:
        moment: date = datetime.fromisoformat(str(value)).date()
    except ValueError:
        raise Malformed(f"{item.get('id')} has an unreadable {field} {value!r}") from None
    return moment.isoformat()
