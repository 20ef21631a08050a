"""Pulled records as plain dicts and back: tests state them as the vendor docs list them."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Any

from application.integrations.records import (
    MalformedRecord,
    PulledAddress,
    PulledContact,
    PulledContract,
    PulledInvoice,
    PulledOrganization,
    PulledRecord,
    PulledTicket,
)


def record_dict(record: PulledRecord) -> dict[str, Any]:
    """The record's fields, amounts and dates as text; a malformed one as its id and reason."""
    if isinstance(record, MalformedRecord):
        return {"external_id": record.external_id, "invalid": record.reason}
    return {key: _plain(value) for key, value in asdict(record).items()}


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(inner) for key, inner in value.items()}
    return value


def record_of(entity: str, fields: dict[str, Any]) -> PulledRecord:
    """``record_dict`` read back: the record a puller would bring for ``entity``."""
    if "invalid" in fields:
        return MalformedRecord(entity, str(fields["external_id"]), str(fields["invalid"]))
    if entity == "organization":
        address = PulledAddress(**fields.get("billing_address", {}))
        return PulledOrganization(**{**fields, "billing_address": address})
    if entity == "invoice":
        dates = {k: _date(fields.get(k)) for k in ("invoice_date", "due_date", "paid_date")}
        return PulledInvoice(**{**fields, **dates, "total": Decimal(str(fields["total"]))})
    kinds: dict[str, type[PulledContact | PulledContract | PulledTicket]] = {
        "contact": PulledContact,
        "contract": PulledContract,
        "ticket": PulledTicket,
    }
    return kinds[entity](**fields)


def _date(value: object) -> date | None:
    return None if value is None else date.fromisoformat(str(value))
