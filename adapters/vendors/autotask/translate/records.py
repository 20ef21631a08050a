"""Pulled Autotask records → the hub's pulled records (PAY-12): pure functions, no I/O.

A record the vendor sent malformed (no company, a date that does not parse) is not dropped and
does not stop the pull: it comes back as a ``MalformedRecord`` with the reason, for the runner
to report as skipped (INT-7).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any, TypeVar

from adapters.vendors.autotask.translate.companies import text_or_none
from application.integrations.records import (
    MalformedRecord,
    PulledContact,
    PulledContract,
    PulledInvoice,
    PulledTicket,
)
from domain.shared.errors import InvalidValue
from domain.shared.numbers import exact_decimal

R = TypeVar("R")
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
    """``decimal_cents`` as text."""
    return format(decimal_cents(value), "f")


def decimal_cents(value: object) -> Decimal:
    """An amount Autotask sends as a JSON number, with exactly two places.

    A float goes through its shortest ``repr`` so 0.1 + 0.2 is 0.30, not 0.3000000000000000444…
    """
    try:
        amount = exact_decimal(value, "amount", from_json=True)
        cents = amount.quantize(CENT, ROUND_HALF_EVEN)
    except (InvalidValue, InvalidOperation):
        raise Malformed(f"{value!r} is not an amount") from None
    return cents if cents else abs(cents)  # exact_decimal refuses NaN and the infinities


def contact_record(item: Mapping[str, Any]) -> PulledContact | MalformedRecord:
    return _guarded("contact", item, _contact)


def contract_record(item: Mapping[str, Any], statuses: Labels) -> PulledContract | MalformedRecord:
    return _guarded(
        "contract", item, lambda i: PulledContract(*_titled(i, "contractName", statuses))
    )


def ticket_record(item: Mapping[str, Any], statuses: Labels) -> PulledTicket | MalformedRecord:
    return _guarded("ticket", item, lambda i: PulledTicket(*_titled(i, "title", statuses)))


def invoice_record(item: Mapping[str, Any]) -> PulledInvoice | MalformedRecord:
    return _guarded("invoice", item, _invoice)


def _guarded(
    what: str, item: Mapping[str, Any], build: Callable[[Mapping[str, Any]], R]
) -> R | MalformedRecord:
    try:
        return build(item)
    except Malformed as exc:
        return MalformedRecord(what, str(item.get("id")), f"Autotask {what} {exc}")


def _contact(item: Mapping[str, Any]) -> PulledContact:
    return PulledContact(
        *_owned(item),
        first_name=_requiredtext_or_none(item, "firstName"),
        last_name=_requiredtext_or_none(item, "lastName"),
        title=text_or_none(item.get("title")),
        email=text_or_none(item.get("emailAddress")),
        phone=text_or_none(item.get("phone")),
        mobile=text_or_none(item.get("mobilePhone")),
        fax=text_or_none(item.get("faxNumber")),
        active=item.get("isActive") == 1,
    )


def _titled(
    item: Mapping[str, Any], title_field: str, statuses: Labels
) -> tuple[str, str, str, str]:
    """The id, the company's id, the title and the status label of a contract or ticket."""
    status = item.get("status")
    if status is None or isinstance(status, bool):
        raise Malformed(f"{item.get('id')} has no status")
    return (
        *_owned(item),
        _requiredtext_or_none(item, title_field),
        statuses.get(str(status), str(status)),
    )


def _invoice(item: Mapping[str, Any]) -> PulledInvoice:
    owned = _owned(item)
    total = item.get("invoiceTotal")
    if total is None:
        raise Malformed(f"{item.get('id')} has no invoiceTotal")
    try:
        amount = decimal_cents(total)
    except Malformed as exc:
        raise Malformed(f"{item.get('id')} has an invoiceTotal that {exc}") from None
    invoice_date = _iso_date(item, "invoiceDateTime")
    if invoice_date is None:
        raise Malformed(f"{item.get('id')} has no invoiceDateTime")
    return PulledInvoice(
        *owned,
        psa_number=text_or_none(item.get("invoiceNumber")) or str(item["id"]),
        total=amount,
        invoice_date=invoice_date,
        due_date=_iso_date(item, "dueDate"),
        description=text_or_none(item.get("comments")) or "",
        voided=item.get("isVoided") is True,
        paid_date=_iso_date(item, "paidDate"),
    )


def _owned(item: Mapping[str, Any]) -> tuple[str, str]:
    """The record's id and its company's, which every pulled record carries."""
    company = item.get("companyID")
    if not isinstance(company, int) or isinstance(company, bool):
        raise Malformed(f"{item.get('id')} has no companyID")
    return str(item["id"]), str(company)


def _requiredtext_or_none(item: Mapping[str, Any], field: str) -> str:
    text = text_or_none(item.get(field))
    if text is None:
        raise Malformed(f"{item.get('id')} has no {field}")
    return text


def _iso_date(item: Mapping[str, Any], field: str) -> date | None:
    """The calendar date a datetime field names, as Autotask wrote it (no zone shift)."""
    value = item.get(field)
    if value is None or value == "":
        return None
    try:
        moment: date = datetime.fromisoformat(str(value)).date()
    except ValueError:
        raise Malformed(f"{item.get('id')} has an unreadable {field} {value!r}") from None
    return moment
