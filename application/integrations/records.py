"""The records a puller brings back (PAY-12): one class per entity, and a malformed one.

Each vendor's translator builds them from the vendor's own shapes; the appliers read their
fields, never a vendor payload. A record the vendor sent malformed (no company, a date that does
not parse) is a ``MalformedRecord`` carrying the vendor's reason: the pull reports it as skipped
and goes on (INT-7).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar, TypeVar

from domain.shared.text import cleaned


@dataclass(frozen=True)
class PulledAddress:
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None


@dataclass(frozen=True)
class PulledOrganization:
    entity: ClassVar[str] = "organization"
    external_id: str
    name: str | None
    phone: str | None = None
    fax: str | None = None
    website: str | None = None
    account_number: str | None = None
    billing_address: PulledAddress = field(default_factory=PulledAddress)
    active: bool = True
    hub_id: str | None = None  # the hub's id, when the vendor keeps it (INT-4)
    modified_at: str | None = None
    # BSS-1: the first of the vendor's types (its name), the parent and bill-to
    # organizations (the vendor's ids) and the currency's code; None when not given.
    organization_type: str | None = None
    parent_external_id: str | None = None
    bill_to_external_id: str | None = None
    currency: str | None = None
    default_contact_external_id: str | None = None  # the vendor's contact id
    # True when the vendor always names the parent, bill-to and default contact a record has
    # (ConnectWise): one not named was cleared there, and is cleared in the hub on pull.
    references_complete: bool = False


@dataclass(frozen=True)
class PulledContact:
    entity: ClassVar[str] = "contact"
    external_id: str
    organization_external_id: str
    first_name: str
    last_name: str
    title: str | None = None
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    fax: str | None = None
    active: bool = True
    default_of_organization: bool = False  # its organization's default contact (BSS-1)


@dataclass(frozen=True)
class PulledContract:
    entity: ClassVar[str] = "contract"
    external_id: str
    organization_external_id: str
    title: str
    status: str


@dataclass(frozen=True)
class PulledTicket:
    entity: ClassVar[str] = "ticket"
    external_id: str
    organization_external_id: str
    title: str
    status: str


@dataclass(frozen=True)
class PulledInvoice:
    entity: ClassVar[str] = "invoice"
    external_id: str
    organization_external_id: str
    psa_number: str
    total: Decimal
    invoice_date: date
    due_date: date | None = None
    description: str = ""
    voided: bool = False
    paid_date: date | None = None


@dataclass(frozen=True)
class MalformedRecord:
    """A record the hub cannot read, and why, in the vendor's terms (INT-7)."""

    entity: str
    external_id: str
    reason: str


PulledRecord = (
    PulledOrganization
    | PulledContact
    | PulledContract
    | PulledTicket
    | PulledInvoice
    | MalformedRecord
)
Owned = PulledContact | PulledContract | PulledTicket | PulledInvoice  # name their organization

R = TypeVar("R")


def cleaned_record(record: R) -> R:
    """The record's text without control or bidi characters: the hub refuses them in names a
    person typed, and cleans what a vendor sends rather than skipping the record."""
    if not is_dataclass(record) or isinstance(record, type):
        return record
    changes: dict[str, Any] = {}
    for f in fields(record):
        value = getattr(record, f.name)
        if isinstance(value, str):
            changes[f.name] = cleaned(value)
        elif is_dataclass(value):
            changes[f.name] = cleaned_record(value)
    return replace(record, **changes)
