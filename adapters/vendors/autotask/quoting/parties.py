"""The Company and Contact a published quote's opportunity belongs to (QUO-3, QUO-5, INT-4).

The Company is the organization's linked one; else it is found by the hub-id user-defined
field (as ``AutotaskOrganizationPush`` does, so a crash between Autotask's create and the link
makes no second one on retry), else created from the organization (AT-1 refuses one without
a phone). The Contact is the contact's linked one; else found under the Company by email (by
first and last name without one), else created there. Both are then linked.
"""

from __future__ import annotations

from typing import Any

from adapters.vendors.autotask.client import AutotaskClient
from adapters.vendors.autotask.quoting.search import query_all
from adapters.vendors.autotask.resources import owner_resource_id
from adapters.vendors.autotask.settings import read_settings
from adapters.vendors.autotask.translate.companies import (
    company_from_organization,
    text_or_none,
)
from adapters.vendors.autotask.translate.writes import external_int
from application.integrations.appliers import CONTACT, ORGANIZATION
from application.integrations.messages import OrganizationPush
from application.integrations.ports import ExternalLinks, VendorRejected
from application.quotes.snapshot import QuoteSnapshot, SnapshotParty
from domain.crm.organization import Address

COMPANIES, CONTACTS = "Companies", "Contacts"


class Parties:
    """Finds or makes the Company and Contact of one connection's quotes."""

    def __init__(self, client: AutotaskClient, links: ExternalLinks) -> None:
        self._client = client
        self._links = links
        self._connection_id = client.connection.connection_id

    async def company(self, quote: QuoteSnapshot) -> int:
        organization = quote.organization
        if organization.id is not None:
            linked = await self._links.find(self._connection_id, ORGANIZATION, organization.id)
            if linked is not None:
                return external_int(linked, "company")
        company_id = await self._found_company(organization)
        if company_id is None:
            settings = read_settings(self._client.connection.settings).company
            body = company_from_organization(_organization_push(organization), settings)
            body["ownerResourceID"] = await owner_resource_id(
                self._client, settings.owner_resource_id
            )
            company_id = await self._client.create(COMPANIES, body)
            # The organization's own push may have made one at the same time: both keep the
            # first one made (the lowest id), so the opportunity and quote share one company.
            company_id = await self._found_company(organization) or company_id
        if organization.id is not None:
            await self._links.link(
                self._connection_id, ORGANIZATION, organization.id, str(company_id)
            )
        return company_id

    async def contact(self, quote: QuoteSnapshot, company_id: int) -> int | None:
        contact = quote.contact
        if contact is None:
            return None
        if contact.id is not None:
            linked = await self._links.find(self._connection_id, CONTACT, contact.id)
            if linked is not None:
                return external_int(linked, "contact")
        first, last = names_of(contact)
        email = text_or_none(contact.email)
        match = (
            [{"op": "eq", "field": "emailAddress", "value": email}]
            if email
            else [
                {"op": "eq", "field": "firstName", "value": first},
                {"op": "eq", "field": "lastName", "value": last},
            ]
        )
        condition = {"op": "eq", "field": "companyID", "value": company_id}
        found = await query_all(self._client, CONTACTS, [condition, *match])
        if found:
            contact_id = min(int(item["id"]) for item in found)
        else:
            body = _contact_body(contact, company_id)
            contact_id = await self._client.create_child(COMPANIES, company_id, CONTACTS, body)
        if contact.id is not None:
            await self._links.link(self._connection_id, CONTACT, contact.id, str(contact_id))
        return contact_id

    async def _found_company(self, organization: SnapshotParty) -> int | None:
        if organization.id is not None:
            udf = read_settings(self._client.connection.settings).company.hub_id_udf
            condition = {"op": "eq", "field": udf, "value": str(organization.id), "udf": True}
        else:
            condition = {"op": "eq", "field": "companyName", "value": organization.name}
        found = await query_all(self._client, COMPANIES, [condition], limit=10)
        return min((int(item["id"]) for item in found), default=None)


def names_of(contact: SnapshotParty) -> tuple[str, str]:
    """First and last name, both required by Autotask: given, else split from the name."""
    first, last = text_or_none(contact.first_name), text_or_none(contact.last_name)
    if first and last:
        return first, last
    words = contact.name.split()
    if not words:
        return first or last or "-", last or first or "-"
    return first or (" ".join(words[:-1]) or words[0]), last or words[-1]


def _organization_push(organization: SnapshotParty) -> OrganizationPush:
    """What ``company_from_organization`` reads, from what the quote prints."""
    if organization.id is None:
        raise VendorRejected(f"the quote's organization {organization.name!r} has no hub id")
    return OrganizationPush(
        id=organization.id,
        name=organization.name,
        phone=organization.phone,
        fax=None,
        website=None,
        account_number=None,
        status="active",
        billing_address=Address(),
    )


def _contact_body(contact: SnapshotParty, company_id: int) -> dict[str, Any]:
    first, last = names_of(contact)
    return {
        "companyID": company_id,
        "firstName": first,
        "lastName": last,
        "emailAddress": text_or_none(contact.email),
        "phone": text_or_none(contact.phone),
        "isActive": 1,
    }
