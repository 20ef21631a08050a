"""Hub organization and contact ↔ ConnectWise Company and Contact (seed 004, BSS-1, BSS-2).

Pure functions, no I/O. What needs the instance (the status, type, state and country ids) is
resolved before and passed in as ``Resolved``. Seed 004's Account ↔ Company mapping:

- Id → ``identifier`` (the hub's id in 26 base-32 characters, ``Q`` first: 27 of the 30
  ConnectWise allows), the key a create is found again by after a lost answer (INT-4);
- Name → ``name``; status → ``status`` (look-up); type → ``types`` (one on push; the first of
  several on pull);
- billing address only → ``addressLine1/2``, ``city``, ``state`` (the code, looked up from the
  state's name), ``zip``, ``country`` (id looked up from the country's name); on pull,
  ConnectWise's one address becomes the billing address;
- Phone → ``phoneNumber``, Fax → ``faxNumber``, WebSite → ``website``, Code → ``accountNumber``;
- default contact, parent and bill-to companies and currency → ``defaultContact``,
  ``parentCompany``, ``billToCompany`` (the ids their hub entities are linked to) and
  ``currency`` (by its code): ``CompanyRefs``; one the hub cleared is a JSON-Patch ``remove``
  on an update. On pull ``PulledOrganization`` carries the parent's, bill-to's and default
  contact's ids (none named: cleared in ConnectWise, cleared in the hub), the currency's code
  and the first type's name; a contact its company names ``defaultContact`` says so.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from application.integrations.messages import OrganizationPush
from application.integrations.records import PulledAddress, PulledContact, PulledOrganization

IDENTIFIER_PREFIX = "Q"

# Organization field → Company field, for the flat text fields.
TEXT_FIELDS = {
    "name": "name",
    "phone": "phoneNumber",
    "fax": "faxNumber",
    "website": "website",
    "account_number": "accountNumber",
}
ADDRESS_FIELDS = {
    "line1": "addressLine1",
    "line2": "addressLine2",
    "city": "city",
    "postal_code": "zip",
}
ADDRESS = (*ADDRESS_FIELDS.values(), "state", "country")
REFS = ("defaultContact", "parentCompany", "billToCompany", "currency")


def hub_identifier(organization_id: UUID) -> str:
    """The company identifier that carries a hub organization's id (BSS-1 Id → Identifier)."""
    return IDENTIFIER_PREFIX + base64.b32encode(organization_id.bytes).decode().rstrip("=")


def hub_id_of(identifier: object) -> UUID | None:
    """The hub id an identifier carries, or None for a company the hub did not make."""
    if not isinstance(identifier, str) or not identifier.upper().startswith(IDENTIFIER_PREFIX):
        return None
    try:
        raw = base64.b32decode(identifier[1:].upper() + "======")
    except ValueError:
        return None
    return UUID(bytes=raw) if len(raw) == 16 else None


@dataclass(frozen=True)
class Resolved:
    """The ids the instance gave for the names a company is pushed with."""

    status_id: int
    type_id: int
    state: str | None  # the state code, from the state's name
    country_id: int | None


@dataclass(frozen=True)
class CompanyRefs:
    """Seed 004's references, when the hub knows them: their ConnectWise ids."""

    default_contact: int | None = None
    parent_company: int | None = None
    bill_to_company: int | None = None
    currency: int | None = None


def company_from_organization(
    organization: OrganizationPush, resolved: Resolved, refs: CompanyRefs = CompanyRefs()
) -> dict[str, Any]:
    """The Company body of a create (BSS-1); ``types`` goes only on a create."""
    body = {
        k: v
        for k, v in company_fields(organization, resolved, refs).items()
        if k not in REFS or v is not None
    }
    body["identifier"] = hub_identifier(organization.id)
    body["types"] = [{"id": resolved.type_id}]
    return body


def company_fields(
    organization: OrganizationPush, resolved: Resolved, refs: CompanyRefs = CompanyRefs()
) -> dict[str, Any]:
    """The fields an update may change (BSS-1): everything but identifier and types."""
    body: dict[str, Any] = {
        company: getattr(organization, hub) for hub, company in TEXT_FIELDS.items()
    }
    address = organization.billing_address
    for hub, company in ADDRESS_FIELDS.items():
        body[company] = getattr(address, hub)
    body["state"] = resolved.state
    body["country"] = {"id": resolved.country_id} if resolved.country_id is not None else None
    body["status"] = {"id": resolved.status_id}
    for name, hub_value, value in (
        ("defaultContact", organization.default_contact_id, refs.default_contact),
        ("parentCompany", organization.parent_id, refs.parent_company),
        ("billToCompany", organization.bill_to_id, refs.bill_to_company),
        ("currency", organization.currency, refs.currency),
    ):
        if value is not None:
            body[name] = {"id": value}
        elif hub_value is None and name != "currency":
            body[name] = None  # cleared in the hub: a JSON-Patch ``remove`` on an update
    return body


def fields_of(changed: Sequence[str]) -> set[str]:
    """The Company fields holding the given organization fields (an update of those only)."""
    found: set[str] = set()
    for name in changed:
        if name in TEXT_FIELDS:
            found.add(TEXT_FIELDS[name])
        elif name == "billing_address":
            found.update(ADDRESS)
        elif name == "status":
            found.add("status")
        elif name in REF_FIELDS:
            found.add(REF_FIELDS[name])
    return found


# Organization reference → Company reference (BSS-1), for an update of those fields.
REF_FIELDS = {
    "default_contact_id": "defaultContact",
    "parent_id": "parentCompany",
    "bill_to_id": "billToCompany",
    "currency": "currency",
}


def patch_operations(current: Mapping[str, Any], wanted: Mapping[str, Any]) -> list[dict[str, Any]]:
    """JSON Patch of what differs; a reference is replaced whole (DG: never ``x/id``)."""
    ops: list[dict[str, Any]] = []
    for name, value in wanted.items():
        if _same(current.get(name), value):
            continue
        if value is None:
            if current.get(name) is not None:
                ops.append({"op": "remove", "path": name})
        else:
            ops.append({"op": "replace", "path": name, "value": value})
    return ops


def _same(current: object, wanted: object) -> bool:
    if isinstance(wanted, dict) and "id" in wanted:
        return isinstance(current, dict) and current.get("id") == wanted["id"]
    if wanted in (None, "") and current in (None, ""):
        return True
    return current == wanted


def organization_from_company(
    company: Mapping[str, Any], *, state_names: Mapping[str, str] | None = None
) -> PulledOrganization:
    """A pulled Company as the hub's organization (BSS-1): its address is the billing
    address, the state's name kept when the instance gave it (``state_names``: code → name)."""
    country = company.get("country")
    state = company.get("state")
    return PulledOrganization(
        external_id=str(company["id"]),
        name=_text(company.get("name")),
        phone=_text(company.get("phoneNumber")),
        fax=_text(company.get("faxNumber")),
        website=_text(company.get("website")),
        account_number=_text(company.get("accountNumber")),
        billing_address=PulledAddress(
            line1=_text(company.get("addressLine1")),
            line2=_text(company.get("addressLine2")),
            city=_text(company.get("city")),
            state=(state_names or {}).get(str(state), _text(state)) if state else None,
            postal_code=_text(company.get("zip")),
            country=_text(country.get("name")) if isinstance(country, dict) else None,
        ),
        active=not company.get("deletedFlag", False),
        hub_id=str(hub) if (hub := hub_id_of(company.get("identifier"))) else None,
        modified_at=_text((company.get("_info") or {}).get("lastUpdated")),
        organization_type=first_type(company),
        parent_external_id=_ref_id(company.get("parentCompany")),
        bill_to_external_id=_ref_id(company.get("billToCompany")),
        currency=_text(currency.get("currencyCode"))
        if isinstance(currency := company.get("currency"), dict)
        else None,
        default_contact_external_id=_ref_id(company.get("defaultContact")),
        references_complete=True,  # a reference ConnectWise no longer shows was removed
    )


def _ref_id(ref: object) -> str | None:
    return str(ref["id"]) if isinstance(ref, dict) and ref.get("id") is not None else None


def first_type(company: Mapping[str, Any]) -> str | None:
    """The first of a company's types: the one the hub keeps (BSS-1)."""
    types = company.get("types") or []
    first = types[0] if types and isinstance(types[0], dict) else None
    return _text(first.get("name")) if first else None


COMMUNICATIONS = {"Email": "email", "Phone": "phone", "Mobile": "mobile", "Fax": "fax"}


@dataclass(frozen=True)
class ContactValues:
    """What the hub keeps of a contact (BSS-2)."""

    first_name: str
    last_name: str
    title: str | None = None
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    fax: str | None = None

    def communications(self) -> dict[str, str | None]:
        return {kind: getattr(self, attr) for kind, attr in COMMUNICATIONS.items()}


def contact_body(
    contact: ContactValues, company_id: int, type_id: int, type_ids: Mapping[str, int]
) -> dict[str, Any]:
    """A new Contact (BSS-2): its type (on create only) and its communication items."""
    return {
        "firstName": contact.first_name,
        "lastName": contact.last_name,
        "title": contact.title,
        "company": {"id": company_id},
        "typeIds": [type_id],
        "communicationItems": [
            {"type": {"id": type_ids[kind]}, "value": value, "defaultFlag": True}
            for kind, value in contact.communications().items()
            if value
        ],
    }


@dataclass(frozen=True)
class CommunicationChange:
    """One communication item to write: ``item_id`` None is a new one."""

    kind: str
    item_id: int | None
    value: str


def communication_changes(
    existing: Sequence[Mapping[str, Any]], contact: ContactValues
) -> list[CommunicationChange]:
    """What to write so the four items hold the contact's values, updated in place (BSS-2):
    an item of a kind that exists is patched, never posted twice; a value the hub does not
    know (None) leaves ConnectWise's item as it is."""
    changes: list[CommunicationChange] = []
    for kind, value in contact.communications().items():
        if not value:
            continue
        item = next((i for i in existing if str(i.get("communicationType")) == kind), None)
        if item is None:
            changes.append(CommunicationChange(kind, None, value))
        elif item.get("value") != value:
            changes.append(CommunicationChange(kind, int(item["id"]), value))
    return changes


def contact_from_record(
    contact: Mapping[str, Any], *, company_default: bool = False
) -> PulledContact:
    """A pulled Contact (BSS-2): names, company, title and the four communication items;
    ``company_default`` when its company names it its ``defaultContact`` (BSS-1)."""
    items: dict[str, str] = {}
    for item in contact.get("communicationItems") or ():
        kind = COMMUNICATIONS.get(str(item.get("communicationType")))
        if kind and kind not in items and item.get("value"):
            items[kind] = str(item["value"])
    company = contact.get("company") or {}
    return PulledContact(
        external_id=str(contact["id"]),
        organization_external_id=str(company.get("id", "")),
        first_name=str(contact.get("firstName") or ""),
        last_name=str(contact.get("lastName") or ""),
        title=_text(contact.get("title")),
        email=items.get("email"),
        phone=items.get("phone"),
        mobile=items.get("mobile"),
        fax=items.get("fax"),
        active=not contact.get("inactiveFlag", False),
        default_of_organization=company_default,
    )


def _text(value: object) -> str | None:
    return str(value).strip() or None if value is not None else None
