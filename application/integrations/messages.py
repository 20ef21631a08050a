"""The outbox messages the hub writes, one class per kind, and their one codec (INT-5).

Policies build them in the commit of the change they report; deliverers are registered by
(system, kind) and narrow on the class. A message names its aggregate and carries ids and, at
most, a snapshot; each deliverer reads what it needs as it is when delivered.

``encode`` gives the stored form (JSON: ids, dates and amounts as strings) and ``decode`` reads
it back. The stored key names are the outbox's format: rows written by earlier versions must
still decode, so a key is never renamed, and a key added later must be optional.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from application.integrations.ports import VendorRejected
from domain.crm.organization import Address
from domain.shared.errors import DomainError, InvalidValue
from domain.shared.numbers import exact_decimal

ORGANIZATION_PUSH = "organization.push"  # an organization to the PSA (CW-2, BSS-1)
QUOTE_PUSH = "quote.push"  # a published quote to the PSA (QUO-3..6)
QUOTE_OUTCOME = "quote.outcome"  # a quote won or lost (QUO-4)
INVOICE_PUSH = "invoice.push"  # an invoice to the accounting system, or voided there (PAY-1, 3)
PAYMENT_PUSH = "payment.push"  # a payment held there as the hub holds it (PAY-4..9)
INVOICE_PAID = "invoice.paid"  # the PSA's date paid, set or cleared (PAY-9)
TICKET_OPEN = "ticket.open"  # a notice as a PSA ticket (PAY-13)

OUTCOMES = ("won", "lost")
_ADDRESS_KEYS = ("line1", "line2", "city", "state", "postal_code", "country")


class MalformedMessage(VendorRejected):
    """A stored payload this version cannot read: permanent for that message, so the worker
    records it as a sync error naming the field, and goes on with the others."""


@dataclass(frozen=True)
class OrganizationPush:
    """The whole organization; an update's message adds ``changed``, the fields it touched."""

    kind: ClassVar[str] = ORGANIZATION_PUSH
    id: UUID
    name: str
    phone: str | None
    fax: str | None
    website: str | None
    account_number: str | None
    status: str
    billing_address: Address
    changed: tuple[str, ...] | None = None
    # Seed 004's references (BSS-1). Messages written before they were carried decode with
    # None: "not known", which leaves the vendor's value as it is.
    organization_type: str | None = None
    parent_id: UUID | None = None
    bill_to_id: UUID | None = None
    default_contact_id: UUID | None = None
    currency: str | None = None


@dataclass(frozen=True)
class QuotePush:
    kind: ClassVar[str] = QUOTE_PUSH
    quote_id: UUID
    revision: int


@dataclass(frozen=True)
class QuoteOutcome:
    kind: ClassVar[str] = QUOTE_OUTCOME
    quote_id: UUID
    outcome: str  # one of OUTCOMES


@dataclass(frozen=True)
class InvoicePush:
    """The invoice as the accounting system should hold it, or ``void`` there."""

    kind: ClassVar[str] = INVOICE_PUSH
    invoice_id: UUID
    void: bool
    psa_number: str
    customer_name: str
    invoice_date: date
    due_date: date | None
    total: Decimal
    currency: str
    description: str | None


@dataclass(frozen=True)
class PaymentPush:
    """A payment, and the invoice it is on (None: on none, e.g. moved off a voided one)."""

    kind: ClassVar[str] = PAYMENT_PUSH
    payment_id: UUID
    invoice_id: UUID | None


@dataclass(frozen=True)
class InvoicePaid:
    """The date the invoice was paid, or None: it is no longer paid."""

    kind: ClassVar[str] = INVOICE_PAID
    invoice_id: UUID
    paid_date: date | None


@dataclass(frozen=True)
class TicketOpen:
    """A notice for the organization; ``notice`` is the notification's kind (PAY-13)."""

    kind: ClassVar[str] = TICKET_OPEN
    organization_id: UUID
    title: str
    description: str
    notice: str | None = None


Message = (
    OrganizationPush
    | QuotePush
    | QuoteOutcome
    | InvoicePush
    | PaymentPush
    | InvoicePaid
    | TicketOpen
)

MESSAGE_CLASSES: tuple[type[Message], ...] = (
    OrganizationPush,
    QuotePush,
    QuoteOutcome,
    InvoicePush,
    PaymentPush,
    InvoicePaid,
    TicketOpen,
)
MESSAGE_KINDS = frozenset(cls.kind for cls in MESSAGE_CLASSES)


# --- encode ---------------------------------------------------------------------------------


def _text(value: date | UUID | None) -> str | None:
    return None if value is None else str(value)


def encode(message: Message) -> tuple[str, dict[str, Any]]:
    """The message's kind and its stored form, JSON-safe."""
    return message.kind, _ENCODERS[type(message)](message)


def _organization(m: Any) -> dict[str, Any]:
    address = m.billing_address
    payload = {
        "id": str(m.id),
        "name": m.name,
        "phone": m.phone,
        "fax": m.fax,
        "website": m.website,
        "account_number": m.account_number,
        "status": m.status,
        "billing_address": {key: getattr(address, key) for key in _ADDRESS_KEYS},
    }
    if m.changed is not None:
        payload["changed"] = list(m.changed)
    for key in ("organization_type", "parent_id", "bill_to_id", "default_contact_id", "currency"):
        if (value := getattr(m, key)) is not None:
            payload[key] = str(value)
    return payload


def _invoice(m: Any) -> dict[str, Any]:
    return {
        "void": m.void,
        "id": str(m.invoice_id),
        "psa_number": m.psa_number,
        "customer_name": m.customer_name,
        "invoice_date": m.invoice_date.isoformat(),
        "due_date": _text(m.due_date),
        "total": str(m.total),
        "currency": m.currency,
        "description": m.description,
    }


_ENCODERS: dict[type[Any], Callable[[Any], dict[str, Any]]] = {
    OrganizationPush: _organization,
    QuotePush: lambda m: {"quote_id": str(m.quote_id), "revision": m.revision},
    QuoteOutcome: lambda m: {"quote_id": str(m.quote_id), "outcome": m.outcome},
    InvoicePush: _invoice,
    PaymentPush: lambda m: {"payment_id": str(m.payment_id), "invoice_id": _text(m.invoice_id)},
    InvoicePaid: lambda m: {"invoice_id": str(m.invoice_id), "paid_date": _text(m.paid_date)},
    TicketOpen: lambda m: {
        "organization_id": str(m.organization_id),
        "title": m.title,
        "description": m.description,
        "kind": m.notice,
    },
}


# --- decode ---------------------------------------------------------------------------------


def decode(kind: str, payload: Mapping[str, Any]) -> Message:
    """The message a stored payload holds; ``MalformedMessage`` names what is wrong."""
    read = _DECODERS.get(kind)
    if read is None:
        raise MalformedMessage(f"the hub knows no {kind!r} message")
    if not isinstance(payload, Mapping):
        raise MalformedMessage(f"the {kind} message is not an object: {payload!r}")
    return read(_Fields(kind, payload))


T = TypeVar("T")


class _Fields:
    """Typed reads of one payload; each failure names the kind and the field."""

    def __init__(self, kind: str, payload: Mapping[str, Any]) -> None:
        self.kind, self.payload = kind, payload

    def _bad(self, key: str, wanted: str) -> MalformedMessage:
        value = self.payload.get(key)
        return MalformedMessage(
            f"the {self.kind} message has no valid {key}: {value!r}; it needs {key} as {wanted}"
        )

    def _parse(self, key: str, parse: Callable[[str], T], wanted: str) -> T:
        value = self.payload.get(key)
        if not isinstance(value, str):
            raise self._bad(key, wanted)
        try:
            return parse(value)
        except (ValueError, InvalidOperation, InvalidValue):
            raise self._bad(key, wanted) from None

    def uuid(self, key: str) -> UUID:
        return self._parse(key, UUID, "an id")

    def optional_uuid(self, key: str) -> UUID | None:
        # Earlier versions wrote a missing id as the text "None".
        return None if self.payload.get(key) in (None, "None") else self.uuid(key)

    def day(self, key: str) -> date:
        return self._parse(key, date.fromisoformat, "YYYY-MM-DD")

    def optional_date(self, key: str) -> date | None:
        return None if self.payload.get(key) is None else self.day(key)

    def decimal(self, key: str) -> Decimal:
        return self._parse(key, lambda text: exact_decimal(text, key, from_json=True), "a decimal")

    def text(self, key: str) -> str:
        value = self.payload.get(key)
        if not isinstance(value, str):
            raise self._bad(key, "text")
        return value

    def optional_text(self, key: str) -> str | None:
        return None if self.payload.get(key) is None else self.text(key)

    def integer(self, key: str) -> int:
        value = self.payload.get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self._bad(key, "a whole number")
        return value

    def flag(self, key: str) -> bool:
        value = self.payload.get(key, False)
        if not isinstance(value, bool):
            raise self._bad(key, "true or false")
        return value

    def address(self, key: str) -> Address:
        value = self.payload.get(key) or {}
        if not isinstance(value, Mapping):
            raise self._bad(key, "an address")
        inner = _Fields(f"{self.kind} {key}", value)
        try:
            return Address(**{name: inner.optional_text(name) for name in _ADDRESS_KEYS})
        except DomainError as error:
            raise MalformedMessage(f"the {self.kind} message's {key} is invalid: {error}") from None

    def names(self, key: str) -> tuple[str, ...] | None:
        value = self.payload.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self._bad(key, "a list of field names")
        return tuple(value)

    def one_of(self, key: str, choices: tuple[str, ...]) -> str:
        value = self.text(key)
        if value not in choices:
            raise self._bad(key, " or ".join(choices))
        return value


def _read_organization(f: _Fields) -> OrganizationPush:
    return OrganizationPush(
        id=f.uuid("id"),
        name=f.text("name"),
        phone=f.optional_text("phone"),
        fax=f.optional_text("fax"),
        website=f.optional_text("website"),
        account_number=f.optional_text("account_number"),
        status=f.optional_text("status") or "active",
        billing_address=f.address("billing_address"),
        changed=f.names("changed"),
        organization_type=f.optional_text("organization_type"),
        parent_id=f.optional_uuid("parent_id"),
        bill_to_id=f.optional_uuid("bill_to_id"),
        default_contact_id=f.optional_uuid("default_contact_id"),
        currency=f.optional_text("currency"),
    )


def _read_invoice(f: _Fields) -> InvoicePush:
    return InvoicePush(
        invoice_id=f.uuid("id"),
        void=f.flag("void"),
        psa_number=f.text("psa_number"),
        customer_name=f.text("customer_name"),
        invoice_date=f.day("invoice_date"),
        due_date=f.optional_date("due_date"),
        total=f.decimal("total"),
        currency=f.text("currency"),
        description=f.optional_text("description"),
    )


_DECODERS: dict[str, Callable[[_Fields], Message]] = {
    ORGANIZATION_PUSH: _read_organization,
    QUOTE_PUSH: lambda f: QuotePush(f.uuid("quote_id"), f.integer("revision")),
    QUOTE_OUTCOME: lambda f: QuoteOutcome(f.uuid("quote_id"), f.one_of("outcome", OUTCOMES)),
    INVOICE_PUSH: _read_invoice,
    PAYMENT_PUSH: lambda f: PaymentPush(f.uuid("payment_id"), f.optional_uuid("invoice_id")),
    INVOICE_PAID: lambda f: InvoicePaid(f.uuid("invoice_id"), f.optional_date("paid_date")),
    TICKET_OPEN: lambda f: TicketOpen(
        f.uuid("organization_id"),
        f.text("title"),
        f.optional_text("description") or "",
        f.optional_text("kind"),
    ),
}


M = TypeVar(
    "M",
    OrganizationPush,
    QuotePush,
    QuoteOutcome,
    InvoicePush,
    PaymentPush,
    InvoicePaid,
    TicketOpen,
)


def expect(message: Message, wanted: type[M], where: str) -> M:
    """The message as the class a deliverer takes; any other is refused before any call."""
    if not isinstance(message, wanted):
        raise VendorRejected(f"{where} cannot deliver {message.kind!r} messages here")
    return message
