"""How each pulled record becomes hub state (PAY-12): organizations, contacts, mirrors.

An applier takes one record a puller produced (plain values, the shapes the PSA adapters
document) inside the page's unit of work. Applying the same record twice changes nothing more:
ids of pulled records are derived from the connection and the PSA's id, and a record already
linked to a hub entity (pushed from the hub first) updates that entity.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from application.integrations.ports import ExternalLinks
from application.shared.errors import NotFound
from application.shared.unit_of_work import UnitOfWork
from domain.crm.contact import Contact, ContactChanges, ContactProfile
from domain.crm.organization import (
    Address,
    ContactId,
    Organization,
    OrganizationChanges,
    OrganizationId,
    OrganizationProfile,
)
from domain.crm.records import PsaRecord, RecordKind
from domain.identity.tenant import TenantId
from domain.integrations.connection import ConnectionId

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
    """One page's unit of work and what the runner must link once it commits."""

    uow: UnitOfWork
    tenant_id: TenantId
    connection_id: ConnectionId
    links: ExternalLinks
    now: datetime
    new_links: list[tuple[str, UUID, str]] = field(default_factory=list)
    # A page's invoices and contacts name the same few companies: look each up once.
    _hub_ids: dict[tuple[str, str], UUID] = field(default_factory=dict)

    async def hub_id(self, entity: str, external_id: str) -> UUID:
        key = (entity, external_id)
        if key not in self._hub_ids:
            linked = await self.links.find_entity(self.connection_id, entity, external_id)
            self._hub_ids[key] = (
                linked if linked is not None else pulled_id(self.connection_id, external_id, entity)
            )
        return self._hub_ids[key]

    async def organization(self, record: Mapping[str, Any]) -> Organization:
        external = record.get("organization_external_id")
        if not external:
            raise Skipped("it names no organization")
        organization_id = OrganizationId(await self.hub_id(ORGANIZATION, str(external)))
        try:
            return await self.uow.organizations.get(organization_id)
        except NotFound:
            raise Skipped(f"its organization {external} has not been pulled") from None

    def link(self, entity: str, hub_id: UUID, external_id: str) -> None:
        self.new_links.append((entity, hub_id, external_id))


class RecordApplier(Protocol):
    async def __call__(self, context: PullContext, record: Mapping[str, Any]) -> None: ...


def _organization_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    address = record.get("billing_address") or {}
    return {
        "name": record.get("name") or "",
        "phone": record.get("phone"),
        "fax": record.get("fax"),
        "website": record.get("website"),
        "account_number": record.get("account_number"),
        "billing_address": Address(
            **{
                k: address.get(k)
                for k in ("line1", "line2", "city", "state", "postal_code", "country")
            }
        ),
    }


async def apply_organization(context: PullContext, record: Mapping[str, Any]) -> None:
    external_id = str(record["external_id"])
    try:
        organization_id = OrganizationId(UUID(str(record.get("hub_id"))))
    except ValueError:
        organization_id = OrganizationId(await context.hub_id(ORGANIZATION, external_id))
    fields = _organization_fields(record)
    uow, now = context.uow, context.now
    try:
        organization = await uow.organizations.get(organization_id)
    except NotFound:
        organization = Organization(
            id=organization_id,
            tenant_id=context.tenant_id,
            profile=OrganizationProfile(**fields),
            now=now,
        )
        await uow.organizations.add(organization)
        context.link(ORGANIZATION, organization_id, external_id)
    else:
        current = organization.profile
        changed = {k: v for k, v in fields.items() if getattr(current, k) != v}
        if changed:
            organization.revise(OrganizationChanges(**changed), now)
    if record.get("active") is False and organization.active:
        organization.deactivate(now)


_CONTACT_FIELDS = ("first_name", "last_name", "title", "email", "phone", "mobile", "fax")


async def apply_contact(context: PullContext, record: Mapping[str, Any]) -> None:
    external_id = str(record["external_id"])
    contact_id = ContactId(await context.hub_id(CONTACT, external_id))
    values = {name: record.get(name) or None for name in _CONTACT_FIELDS}
    profile = ContactProfile(
        first_name=str(values.pop("first_name") or ""),
        last_name=str(values.pop("last_name") or ""),
        **values,
    )
    uow, now = context.uow, context.now
    try:
        contact = await uow.contacts.get(contact_id)
    except NotFound:
        organization = await context.organization(record)
        contact = Contact(
            id=contact_id,
            tenant_id=context.tenant_id,
            organization_id=organization.id,
            profile=profile,
            now=now,
        )
        await uow.contacts.add(contact)
        context.link(CONTACT, contact_id, external_id)
    else:
        current = contact.profile
        changed = {
            n: v for n in _CONTACT_FIELDS if (v := getattr(profile, n)) != getattr(current, n)
        }
        if changed:
            contact.revise(ContactChanges(**changed), now)
    if record.get("active") is False and contact.active:
        contact.deactivate(now)


def mirror_applier(kind: RecordKind) -> RecordApplier:
    """Contracts and tickets: read-only mirrors (id, title, status, organization)."""

    async def apply(context: PullContext, record: Mapping[str, Any]) -> None:
        external_id = str(record["external_id"])
        organization = await context.organization(record)
        title = str(record.get("title") or f"{kind.value} {external_id}")
        status = str(record.get("status") or "unknown")
        uow = context.uow
        found = await uow.psa_records.find(context.connection_id, kind, external_id)
        if found is None:
            await uow.psa_records.add(
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
