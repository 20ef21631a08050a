"""The Autotask side of the sync ports: organizations pushed as Companies, and the home of
every Autotask adapter the composition root registers (the puller in ``pulls.py``, tickets in
``tickets.py``, paid invoices in ``invoices.py``).

Idempotent (INT-4, QUO-6): a linked organization updates its Company; an unlinked one is first
looked up by the hub's id in a user-defined field, since a crashed earlier attempt may have
created it, and only then created.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from adapters.vendors.autotask.client import AutotaskClient, AutotaskClients
from adapters.vendors.autotask.deliverer import AutotaskDeliverer
from adapters.vendors.autotask.invoices import AutotaskInvoicePaid
from adapters.vendors.autotask.pulls import AutotaskPuller
from adapters.vendors.autotask.tickets import AutotaskTicketOpen
from adapters.vendors.autotask.translate.companies import (
    changed_fields,
    company_fields_of,
    company_from_organization,
    hub_id_udf,
)
from adapters.vendors.autotask.translate.writes import external_int
from application.integrations.appliers import ORGANIZATION
from application.integrations.policies import ORGANIZATION_PUSH
from application.integrations.ports import (
    ConnectionConfig,
    OutboxMessage,
    VendorError,
    VendorRejected,
)

__all__ = [
    "AutotaskClients",
    "AutotaskConnectionTester",
    "AutotaskInvoicePaid",
    "AutotaskOrganizationPush",
    "AutotaskPuller",
    "AutotaskTicketOpen",
]

COMPANIES = "Companies"
MAX_MATCHES = 10  # companies carrying one hub id: more than one is a duplicate


class AutotaskOrganizationPush(AutotaskDeliverer):
    """Deliverer of ``organization.push``: the organization as an Autotask Company."""

    kind = ORGANIZATION_PUSH

    async def _deliver(self, message: OutboxMessage, connection: ConnectionConfig) -> None:
        wanted = company_from_organization(message.payload, connection.settings)  # AT-1 first
        client = await self._clients.client(connection)
        linked = await self._links.find(
            connection.connection_id, ORGANIZATION, message.aggregate_id
        )
        changed = message.payload.get("changed")
        if linked is None:
            await self._create_or_adopt(client, message.aggregate_id, wanted)
        elif isinstance(changed, list):
            # The hub knows what changed: one PATCH with those fields, no read first.
            fields = company_fields_of(changed)
            update = {k: v for k, v in wanted.items() if k in fields}
            if update:
                await client.update(COMPANIES, external_int(linked, "company"), update)
        else:
            await self._update(client, external_int(linked, "company"), wanted)

    async def _create_or_adopt(
        self, client: AutotaskClient, organization_id: UUID, wanted: Mapping[str, Any]
    ) -> None:
        connection = client.connection
        udf = hub_id_udf(connection.settings)
        found = await _find_by_hub_id(client, udf, organization_id)
        if found is None:
            company_id = await client.create(COMPANIES, wanted)
            # The organization's push and a quote's may create it at once: each then keeps
            # the first one made, so both link the same company.
            first = await _find_by_hub_id(client, udf, organization_id)
            company_id = company_id if first is None else int(first["id"])
        else:
            company_id = int(found["id"])
            await _patch(client, company_id, found, wanted)
        await self._links.link(
            connection.connection_id, ORGANIZATION, organization_id, str(company_id)
        )

    async def _update(
        self, client: AutotaskClient, company_id: int, wanted: Mapping[str, Any]
    ) -> None:
        current = await client.get(COMPANIES, company_id)
        if current is None:
            raise VendorRejected(
                f"the Autotask company {company_id} linked to this organization no longer exists"
            )
        await _patch(client, company_id, current, wanted)


class AutotaskConnectionTester:
    """INT-2: reads the Companies field list, a cheap call that needs working credentials."""

    def __init__(self, clients: AutotaskClients) -> None:
        self._clients = clients

    async def test(self, connection: ConnectionConfig) -> str | None:
        try:
            client = await self._clients.client(connection)
            await client.entity_fields(COMPANIES)
        except VendorError as exc:
            return exc.message
        return None


async def _find_by_hub_id(
    client: AutotaskClient, udf: str, organization_id: UUID
) -> dict[str, Any] | None:
    condition = {"op": "eq", "field": udf, "value": str(organization_id), "udf": True}
    page = await client.query_page(COMPANIES, {"filter": [condition], "MaxRecords": MAX_MATCHES})
    return min(page.items, key=lambda item: int(item["id"]), default=None)


async def _patch(
    client: AutotaskClient, company_id: int, current: Mapping[str, Any], wanted: Mapping[str, Any]
) -> None:
    changes = changed_fields(current, wanted)
    if changes:
        await client.update(COMPANIES, company_id, changes)
