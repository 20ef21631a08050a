"""The company, contact and owner a quote's opportunity names (CW-2, CW-4, BSS-2).

Each is linked once found or made (INT-4), so a republish asks nothing again:

- the company: the organization's link, else the live company with the hub's identifier, else
  one made with the configured type and status;
- the contact: its link, else the company's contact with the same email, else one made with
  the configured contact type and its communication items; a contact found and adopted has
  its items brought up to date in place (BSS-2), never duplicated;
- the owner: the member whose email is the quote owner's, else the default employee (CW-4).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from adapters.vendors.connectwise import lookups
from adapters.vendors.connectwise.client import ConnectWiseClient
from adapters.vendors.connectwise.contract import COMMUNICATION_TYPES, quoted
from adapters.vendors.connectwise.settings import ConnectWiseSettings
from adapters.vendors.connectwise.sync import CONTACTS, create_company, find_company
from adapters.vendors.connectwise.translate.companies import (
    ContactValues,
    communication_changes,
    contact_body,
    hub_identifier,
)
from application.integrations.appliers import CONTACT, ORGANIZATION
from application.integrations.ports import ExternalLinks, VendorRejected
from application.quotes.snapshot import QuoteSnapshot, SnapshotParty


class Parties:
    def __init__(
        self, client: ConnectWiseClient, links: ExternalLinks, settings: ConnectWiseSettings
    ) -> None:
        self._client = client
        self._links = links
        self._settings = settings
        self._connection_id = client.connection.connection_id

    async def company(self, quote: QuoteSnapshot) -> int:
        party = quote.organization
        if party.id is None:
            raise VendorRejected("the quote's organization has no id to find it by in ConnectWise")
        linked = await self._links.find(self._connection_id, ORGANIZATION, party.id)
        if linked is not None:
            return int(linked)
        found = await find_company(self._client, party.id)
        company_id = int(found["id"]) if found else await self._make_company(party, party.id)
        await self._links.link(self._connection_id, ORGANIZATION, party.id, str(company_id))
        return company_id

    async def _make_company(self, party: SnapshotParty, organization_id: UUID) -> int:
        chosen = self._settings.organizations
        body: dict[str, Any] = {
            "identifier": hub_identifier(organization_id),
            "name": party.name[:50],
            "phoneNumber": party.phone,
            "addressLine1": party.address[0] if party.address else None,
            "status": {
                "id": await lookups.resolve(
                    self._client, "company_statuses", chosen.company_status, "company_status"
                )
            },
            "types": [
                {
                    "id": await lookups.resolve(
                        self._client, "company_types", chosen.company_type, "company_type"
                    )
                }
            ],
        }
        return await create_company(
            self._client, organization_id, {k: v for k, v in body.items() if v}
        )

    async def contact(self, quote: QuoteSnapshot, company_id: int) -> int:
        party = quote.contact
        if party is None or party.id is None:
            raise VendorRejected("ConnectWise needs a contact on every opportunity (2025.1)")
        linked = await self._links.find(self._connection_id, CONTACT, party.id)
        if linked is not None:
            return int(linked)
        values = contact_values(party)
        found = await self._find_contact(company_id, values.email) if values.email else None
        if found is None:
            contact_id = await self._make_contact(values, company_id)
        else:
            contact_id = int(found["id"])
            await update_communications(self._client, contact_id, values)
        await self._links.link(self._connection_id, CONTACT, party.id, str(contact_id))
        return contact_id

    async def _find_contact(self, company_id: int, email: str) -> dict[str, Any] | None:
        page = await self._client.first_page(
            CONTACTS,
            conditions=f"company/id={company_id}",
            child_conditions=f"communicationItems/value={quoted(email)} "
            'and communicationItems/communicationType="Email"',
            page_size=10,
        )
        return min(page.items, key=lambda c: int(c["id"]), default=None)

    async def _make_contact(self, values: ContactValues, company_id: int) -> int:
        chosen = self._settings.organizations
        type_id = await lookups.resolve(
            self._client, "contact_types", chosen.contact_type, "contact_type"
        )
        kinds = await communication_type_ids(self._client)
        made = await self._client.create(CONTACTS, contact_body(values, company_id, type_id, kinds))
        return int(made["id"])

    async def owner(self, quote: QuoteSnapshot) -> int:
        """The quote owner as a member (by email), else the default employee (CW-4)."""
        email = (quote.owner.email or "").strip().casefold()
        members = await self._client.lookup("system/members")
        for member in members:
            same = str(member.get("primaryEmail", "")).casefold() == email
            if email and same and not member.get("inactiveFlag"):
                return int(member["id"])
        fallback = self._settings.opportunities.default_employee
        if fallback is None:
            raise VendorRejected(
                f"the quote owner {quote.owner.name!r} is no ConnectWise member and no default "
                "employee is set (setting new_quote.default_employee)"
            )
        return await lookups.resolve(
            self._client, "members", fallback, "new_quote.default_employee"
        )


def contact_values(party: SnapshotParty) -> ContactValues:
    first = party.first_name or party.name.split(" ")[0]
    last = party.last_name or " ".join(party.name.split(" ")[1:])
    return ContactValues(first_name=first, last_name=last, email=party.email, phone=party.phone)


async def communication_type_ids(client: ConnectWiseClient) -> dict[str, int]:
    """The instance's communication types for the four kinds BSS-2 keeps."""
    kinds: dict[str, int] = {}
    for kind in COMMUNICATION_TYPES:
        row = await lookups.entry(client, "communication_types", kind, "communication type")
        kinds[kind] = int(row["id"])
    return kinds


async def update_communications(
    client: ConnectWiseClient, contact_id: int, values: ContactValues
) -> None:
    """The contact's four items made to hold ``values``: the existing items' ids are fetched
    first, so each is updated in place, never posted twice (BSS-2)."""
    path = f"{CONTACTS}/{contact_id}/communications"
    existing = await client.all(path)
    kinds = await communication_type_ids(client)
    for change in communication_changes(existing, values):
        if change.item_id is None:
            await client.create(path, {"type": {"id": kinds[change.kind]}, "value": change.value})
        else:
            ops = [{"op": "replace", "path": "value", "value": change.value}]
            await client.patch(path, change.item_id, ops)
