"""How each pulled record becomes hub state (PAY-12): organizations, contacts, mirrors.

An applier takes one record a puller produced (plain values, the shapes the PSA adapters
document) inside the page's unit of work. Applying the same record twice changes nothing more:
ids of pulled records are derived from the connection and the PSA's id, and a record already
linked to a hub entity (pushed from the hub first) updates that entity.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar
from uuid import UUID

from application.integrations.records import (
    MalformedRecord,
    Owned,
    PulledContact,
    PulledContract,
    PulledInvoice,
    PulledOrganization,
    PulledRecord,
    PulledTicket,
)
from application.shared.unit_of_work import UnitOfWork
from domain.crm.contact import Contact, ContactChanges, ContactProfile
from domain.crm.organization import (
    Address,
    ContactId,
    Organization,
    OrganizationChanges,
    OrganizationId,
    OrganizationProfile,
    OrganizationType,
)
from domain.crm.records import PsaRecord, RecordKind
from domain.identity.tenant import TenantId
from domain.integrations.connection import ConnectionId
from domain.shared.money import Currency

ORGANIZATION = "organization"
CONTACT = "contact"
CONTRACT = "contract"
TICKET = "ticket"
INVOICE = "invoice"
PAYMENT = "payment"  # linked when pushed (to the accounting system), never pulled
_PULLED = uuid.UUID("5b0f5cf0-5d1a-4c1e-9a53-2f1e4f0b6a11")  # namespace of pulled ids


class Skipped(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def pulled_id(connection_id: ConnectionId, external_id: str, entity: str = ORGANIZATION) -> UUID:
    """The same external record always becomes the same hub id, so re-applying is harmless.

    Organizations keep the plain form they had before other entities were pulled.
    """
    key = external_id if entity == ORGANIZATION else f"{entity}:{external_id}"
    return uuid.uuid5(_PULLED, f"{connection_id}:{key}")


@dataclass
class PullContext:
    """One page's unit of work, what the page's records name (loaded in bulk by ``prepare``),
    and the links the runner writes with the page."""

    uow: UnitOfWork
    tenant_id: TenantId
    connection_id: ConnectionId
    now: datetime
    new_links: list[tuple[str, UUID, str]] = field(default_factory=list)
    # (entity, external id) -> hub id: a page's invoices and contacts name the same companies.
    _hub_ids: dict[tuple[str, str], UUID] = field(default_factory=dict)
    # What the page's records name, looked up or made by this page; None: known not to exist.
    _organizations: dict[UUID, Organization | None] = field(default_factory=dict)
    _contacts: dict[UUID, Contact | None] = field(default_factory=dict)
    _mirrors: dict[tuple[RecordKind, str], PsaRecord | None] = field(default_factory=dict)
    # (entity, hub id) -> whether it is linked on this connection: what organizations refer to.
    _linked: dict[tuple[str, UUID], bool] = field(default_factory=dict)
    # The page's organizations not applied yet, and the records that named one of them as
    # parent or bill-to: applied again once the page's organizations are all in.
    _pending: set[str] = field(default_factory=set)
    again: list[PulledRecord] = field(default_factory=list)

    async def prepare(self, records: Sequence[PulledRecord]) -> None:
        """Everything the page's records name, a query per kind of thing rather than a few per
        record: their links, then the organizations, contacts and mirrors those ids are."""
        externals: dict[str, set[str]] = {}
        hub_ids: set[UUID] = set()
        mirrors: dict[RecordKind, set[str]] = {}
        for record in records:
            if isinstance(record, MalformedRecord):
                continue
            if isinstance(record, PulledContract | PulledTicket):
                mirrors.setdefault(RecordKind(record.entity), set()).add(record.external_id)
            else:
                externals.setdefault(record.entity, set()).add(record.external_id)
            if isinstance(record, PulledOrganization):
                self._pending.add(record.external_id)
                named = (record.parent_external_id, record.bill_to_external_id)
                externals[ORGANIZATION].update(e for e in named if e)
                if record.default_contact_external_id:
                    externals.setdefault(CONTACT, set()).add(record.default_contact_external_id)
                if (given := _uuid(record.hub_id)) is not None:
                    hub_ids.add(given)
            elif record.organization_external_id:
                externals.setdefault(ORGANIZATION, set()).add(record.organization_external_id)
        for entity, wanted in externals.items():
            await self.resolve(entity, wanted)
        organizations = {self._hub_ids[(ORGANIZATION, e)] for e in externals.get(ORGANIZATION, ())}
        await self._load_organizations({OrganizationId(i) for i in organizations | hub_ids})
        await self._load_reference_links(records)
        if contacts := {self._hub_ids[(CONTACT, e)] for e in externals.get(CONTACT, ())}:
            await self._load_contacts({ContactId(i) for i in contacts})
        for kind, wanted in mirrors.items():
            found = await self.uow.psa_records.find_many(self.connection_id, kind, wanted)
            self._mirrors.update({(kind, e): found.get(e) for e in wanted})

    async def resolve(self, entity: str, external_ids: Collection[str]) -> None:
        """The hub ids of these external ids, in one query: linked, else derived."""
        wanted = [e for e in external_ids if (entity, e) not in self._hub_ids]
        if not wanted:
            return
        linked = await self.uow.links.linked(self.connection_id, entity, wanted)
        for external_id in wanted:
            found = linked.get(external_id)
            hub = found if found is not None else pulled_id(self.connection_id, external_id, entity)
            self._hub_ids[(entity, external_id)] = hub

    async def _load_reference_links(self, records: Sequence[PulledRecord]) -> None:
        """Whether what the page's organizations refer to now (parent, bill-to, default contact)
        is linked on this connection: a query per entity type."""
        held: dict[str, set[UUID]] = {ORGANIZATION: set(), CONTACT: set()}
        for record in records:
            if isinstance(record, PulledOrganization):
                given = _uuid(record.hub_id)
                hub = given or self._hub_ids.get((ORGANIZATION, record.external_id))
            elif isinstance(record, PulledContact) and record.default_of_organization:
                hub = self._hub_ids.get((ORGANIZATION, record.organization_external_id))
            else:
                continue
            found = self._organizations.get(OrganizationId(hub)) if hub else None
            if found is None:
                continue
            profile = found.profile
            if isinstance(record, PulledOrganization):
                held[ORGANIZATION].update(i for i in (profile.parent_id, profile.bill_to_id) if i)
            if profile.default_contact_id is not None:
                held[CONTACT].add(profile.default_contact_id)
        for entity, ids in held.items():
            await self._load_links(entity, ids)

    async def _load_links(self, entity: str, ids: Collection[UUID]) -> None:
        wanted = {i for i in ids if (entity, i) not in self._linked}
        if wanted:
            found = await self.uow.links.external_ids(self.connection_id, entity, wanted)
            self._linked.update({(entity, i): i in found for i in wanted})

    async def is_linked(self, entity: str, hub_id: UUID) -> bool:
        """Whether the hub's entity is linked on this connection (committed, or by this page)."""
        await self._load_links(entity, (hub_id,))
        return self._linked[(entity, hub_id)]

    async def _load_organizations(self, ids: set[OrganizationId]) -> None:
        wanted = {i for i in ids if i not in self._organizations}
        if wanted:
            found = await self.uow.organizations.get_many(wanted)
            self._organizations.update({i: found.get(i) for i in wanted})

    async def _load_contacts(self, ids: set[ContactId]) -> None:
        wanted = {i for i in ids if i not in self._contacts}
        if wanted:
            found = await self.uow.contacts.get_many(wanted)
            self._contacts.update({i: found.get(i) for i in wanted})

    async def hub_id(self, entity: str, external_id: str) -> UUID:
        await self.resolve(entity, (external_id,))
        return self._hub_ids[(entity, external_id)]

    async def find_organization(self, organization_id: OrganizationId) -> Organization | None:
        """The tenant's organization, or one this page made; None when neither."""
        await self._load_organizations({organization_id})
        return self._organizations[organization_id]

    async def find_contact(self, contact_id: ContactId) -> Contact | None:
        await self._load_contacts({contact_id})
        return self._contacts[contact_id]

    async def find_mirror(self, kind: RecordKind, external_id: str) -> PsaRecord | None:
        if (kind, external_id) not in self._mirrors:
            found = await self.uow.psa_records.find(self.connection_id, kind, external_id)
            self._mirrors[(kind, external_id)] = found
        return self._mirrors[(kind, external_id)]

    async def organization(self, record: Owned) -> Organization:
        external = record.organization_external_id
        if not external:
            raise Skipped("it names no organization")
        organization_id = OrganizationId(await self.hub_id(ORGANIZATION, external))
        found = await self.find_organization(organization_id)
        if found is None:
            raise Skipped(f"its organization {external} has not been pulled")
        return found

    async def add_organization(self, organization: Organization, external_id: str) -> None:
        await self.uow.organizations.add(organization)
        self._organizations[organization.id] = organization
        self.link(ORGANIZATION, organization.id, external_id)

    async def add_contact(self, contact: Contact, external_id: str) -> None:
        await self.uow.contacts.add(contact)
        self._contacts[contact.id] = contact
        self.link(CONTACT, contact.id, external_id)

    async def add_mirror(self, record: PsaRecord) -> None:
        await self.uow.psa_records.add(record)
        self._mirrors[(record.kind, record.external_id)] = record

    def link(self, entity: str, hub_id: UUID, external_id: str) -> None:
        self.new_links.append((entity, hub_id, external_id))
        self._hub_ids[(entity, external_id)] = hub_id
        self._linked[(entity, hub_id)] = True


def _uuid(value: str | None) -> UUID | None:
    try:
        return None if value is None else UUID(str(value))
    except ValueError:
        return None


class RecordApplier(Protocol):
    async def __call__(self, context: PullContext, pulled: PulledRecord) -> None: ...


R = TypeVar("R", PulledOrganization, PulledContact, PulledContract, PulledTicket, PulledInvoice)


def expect(record: PulledRecord, wanted: type[R]) -> R:
    """The record as the class an applier takes (the runner sends each entity's to its own)."""
    if not isinstance(record, wanted):
        raise Skipped(f"it is a {record.entity} record, not a {wanted.entity} one")
    return record


def _organization_fields(record: PulledOrganization) -> dict[str, Any]:
    address = record.billing_address
    return {
        "name": record.name or "",
        "phone": record.phone,
        "fax": record.fax,
        "website": record.website,
        "account_number": record.account_number,
        "billing_address": Address(
            address.line1,
            address.line2,
            address.city,
            address.state,
            address.postal_code,
            address.country,
        ),
    }


def _organization_type(name: str | None) -> OrganizationType | None:
    """The hub's type of the vendor's first type (BSS-1): by name, else Other."""
    if name is None:
        return None
    try:
        return OrganizationType(name.strip().casefold())
    except ValueError:
        return OrganizationType.OTHER


async def _unknown_to_psa(
    context: PullContext, organization: Organization | None, names: Collection[str]
) -> set[str]:
    """Those of the organization's references whose target has no link on this connection:
    the PSA cannot name it yet (the organization was pushed before it), so the hub keeps it
    whatever the PSA names instead (BSS-1)."""
    if organization is None:
        return set()
    entities = {"parent_id": ORGANIZATION, "bill_to_id": ORGANIZATION}
    return {
        name
        for name in names
        if (target := getattr(organization.profile, name)) is not None
        and not await context.is_linked(entities.get(name, CONTACT), target)
    }


async def _organization_refs(
    context: PullContext, record: PulledOrganization, organization_id: OrganizationId
) -> dict[str, Any]:
    """BSS-1's type, currency, parent, bill-to and default contact, where the record gives
    them; a parent or bill-to the hub has not pulled (not of a selected type) is left as it
    is, and so is a default contact not in the hub yet (set when it is pulled). A vendor that
    names every reference (``references_complete``) clears one it no longer names. A reference
    the hub holds to something not linked on this connection is kept, neither replaced nor
    cleared: the PSA does not know it yet."""
    found: dict[str, Any] = {}
    cleared = record.references_complete
    kept = await _unknown_to_psa(
        context,
        await context.find_organization(organization_id),
        ("parent_id", "bill_to_id", "default_contact_id"),
    )
    if (kind := _organization_type(record.organization_type)) is not None:
        found["type"] = kind
    if record.currency is not None and record.currency in Currency.__members__:
        found["currency"] = Currency(record.currency)
    for name, external in (
        ("parent_id", record.parent_external_id),
        ("bill_to_id", record.bill_to_external_id),
    ):
        if name in kept:
            continue
        if external is None and cleared:
            found[name] = None
        if external is None or external == record.external_id:
            continue
        hub = OrganizationId(await context.hub_id(ORGANIZATION, external))
        if await context.find_organization(hub) is None:
            if external in context._pending and record not in context.again:
                context.again.append(record)  # later in this page: once it is in
            continue
        found[name] = hub
    if "default_contact_id" in kept:
        pass  # the hub's choice, which the PSA cannot name yet
    elif (external := record.default_contact_external_id) is not None:
        contact_id = ContactId(await context.hub_id(CONTACT, external))
        contact = await context.find_contact(contact_id)
        if contact is not None and contact.organization_id == organization_id:
            found["default_contact_id"] = contact_id
    elif cleared:
        found["default_contact_id"] = None
    return found


async def apply_organization(context: PullContext, pulled: PulledRecord) -> None:
    record = expect(pulled, PulledOrganization)
    external_id = record.external_id
    given = _uuid(record.hub_id)
    organization_id = OrganizationId(
        given if given is not None else await context.hub_id(ORGANIZATION, external_id)
    )
    context._pending.discard(external_id)
    refs = await _organization_refs(context, record, organization_id)
    fields = {**_organization_fields(record), **refs}
    now = context.now
    organization = await context.find_organization(organization_id)
    if organization is None:
        organization = Organization(
            id=organization_id,
            tenant_id=context.tenant_id,
            profile=OrganizationProfile(**fields),
            now=now,
        )
        await context.add_organization(organization, external_id)
    else:
        current = organization.profile
        changed = {k: v for k, v in fields.items() if getattr(current, k) != v}
        if changed:
            organization.revise(OrganizationChanges(**changed), now)
    if not record.active and organization.active:
        organization.deactivate(now)


_CONTACT_FIELDS = ("first_name", "last_name", "title", "email", "phone", "mobile", "fax")


async def apply_contact(context: PullContext, pulled: PulledRecord) -> None:
    record = expect(pulled, PulledContact)
    external_id = record.external_id
    contact_id = ContactId(await context.hub_id(CONTACT, external_id))
    values = {name: getattr(record, name) or None for name in _CONTACT_FIELDS}
    profile = ContactProfile(
        first_name=str(values.pop("first_name") or ""),
        last_name=str(values.pop("last_name") or ""),
        **values,
    )
    now = context.now
    contact = await context.find_contact(contact_id)
    if contact is None:
        organization = await context.organization(record)
        contact = Contact(
            id=contact_id,
            tenant_id=context.tenant_id,
            organization_id=organization.id,
            profile=profile,
            now=now,
        )
        await context.add_contact(contact, external_id)
    else:
        current = contact.profile
        changed = {
            n: v for n in _CONTACT_FIELDS if (v := getattr(profile, n)) != getattr(current, n)
        }
        if changed:
            contact.revise(ContactChanges(**changed), now)
    if not record.active and contact.active:
        contact.deactivate(now)
    if record.default_of_organization:  # BSS-1: now that the contact is in the hub
        # Only of the organization the hub has it under: a contact the PSA moved to another
        # company is not made the default of the one it left.
        named = record.organization_external_id
        under = await context.hub_id(ORGANIZATION, named) if named else None
        owner = await context.find_organization(contact.organization_id)
        if (
            owner is not None
            and under == owner.id
            and owner.profile.default_contact_id != contact.id
            and not await _unknown_to_psa(context, owner, ("default_contact_id",))
        ):
            owner.revise(OrganizationChanges(default_contact_id=contact.id), now)


def mirror_applier(kind: RecordKind) -> RecordApplier:
    """Contracts and tickets: read-only mirrors (id, title, status, organization)."""

    async def apply(context: PullContext, pulled: PulledRecord) -> None:
        record: PulledContract | PulledTicket = (
            expect(pulled, PulledContract)
            if kind is RecordKind.CONTRACT
            else expect(pulled, PulledTicket)
        )
        external_id = record.external_id
        organization = await context.organization(record)
        title = record.title or f"{kind.value} {external_id}"
        status = record.status or "unknown"
        found = await context.find_mirror(kind, external_id)
        if found is None:
            await context.add_mirror(
                PsaRecord(
                    id=pulled_id(context.connection_id, external_id, kind.value),
                    tenant_id=context.tenant_id,
                    connection_id=context.connection_id,
                    kind=kind,
                    external_id=external_id,
                    organization_id=organization.id,
                    title=title,
                    status=status,
                    updated_at=context.now,
                )
            )
        else:
            found.mirror(organization.id, title, status, context.now)

    return apply
