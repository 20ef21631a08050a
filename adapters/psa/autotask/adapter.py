"""The Autotask side of the sync ports: organizations pushed as Companies, Companies pulled.

Idempotent (INT-4, QUO-6): a linked organization updates its Company; an unlinked one is first
looked up by the hub's id in a user-defined field, since a crashed earlier attempt may have
created it, and only then created.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx

from adapters.psa.autotask.client import AutotaskClient
from adapters.psa.autotask.translate import (
    changed_fields,
    company_fields_of,
    company_from_organization,
    hub_id_udf,
    organization_from_company,
)
from adapters.sync.clients import PerConnection
from application.integrations.ports import (
    ConnectionConfig,
    ExternalLinks,
    OutboxMessage,
    PulledPage,
    PullRequest,
    VendorError,
    VendorLimits,
    VendorRejected,
)

ORGANIZATION = "organization"
ORGANIZATION_PUSH = "organization.push"
COMPANIES = "Companies"
MAX_MATCHES = 10  # companies carrying one hub id: more than one is a duplicate


class AutotaskClients(PerConnection[AutotaskClient]):
    """One AutotaskClient (and so one zone look-up) per connection."""

    def __init__(
        self,
        limits: VendorLimits,
        *,
        http: httpx.AsyncClient | None = None,
        timeout: float = 10.0,
    ) -> None:
        super().__init__(lambda c: AutotaskClient(c, limits, http=http, timeout=timeout))


class AutotaskOrganizationPush:
    """Deliverer of ``organization.push``: the organization as an Autotask Company."""

    def __init__(self, clients: AutotaskClients, links: ExternalLinks) -> None:
        self._clients = clients
        self._links = links

    async def aclose(self) -> None:
        await self._clients.aclose()

    async def deliver(self, message: OutboxMessage, connection: ConnectionConfig) -> None:
        if message.kind != ORGANIZATION_PUSH:
            raise VendorRejected(f"Autotask cannot deliver {message.kind!r} messages here")
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
                await client.update(COMPANIES, _company_id(linked), update)
        else:
            await self._update(client, _company_id(linked), wanted)

    async def _create_or_adopt(
        self, client: AutotaskClient, organization_id: UUID, wanted: Mapping[str, Any]
    ) -> None:
        connection = client.connection
        found = await _find_by_hub_id(client, hub_id_udf(connection.settings), organization_id)
        if found is None:
            company_id = await client.create(COMPANIES, wanted)
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


class AutotaskCompanies:
    """Puller of ``organization``: Companies changed since a time, a page at a time.

    The checkpoint is Autotask's ``nextPageUrl``, so a crashed pull resumes on the same page.
    """

    def __init__(self, clients: AutotaskClients) -> None:
        self._clients = clients

    async def aclose(self) -> None:
        await self._clients.aclose()

    async def pages(
        self, request: PullRequest, connection: ConnectionConfig
    ) -> AsyncIterator[PulledPage]:
        if request.entity != ORGANIZATION:
            raise VendorRejected(f"Autotask cannot pull {request.entity!r}")
        client = await self._clients.client(connection)
        udf = hub_id_udf(connection.settings)
        pages = client.query(
            COMPANIES, _changed_since(request.changed_since), start_url=request.checkpoint
        )
        async for page in pages:
            records: list[Mapping[str, Any]] = [
                organization_from_company(item, hub_id_udf=udf) for item in page.items
            ]
            yield PulledPage(records=records, next_checkpoint=page.next_page_url)


class AutotaskConnectionTester:
    """INT-2: reads the Companies field list, a cheap call that needs working credentials."""

    def __init__(self, clients: AutotaskClients) -> None:
        self._clients = clients

    async def aclose(self) -> None:
        await self._clients.aclose()

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


def _changed_since(moment: datetime | None) -> list[dict[str, Any]]:
    if moment is None:
        return [{"op": "exist", "field": "id"}]
    utc = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    stamp = utc.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return [{"op": "gte", "field": "lastTrackedModifiedDateTime", "value": stamp}]


def _company_id(external_id: str) -> int:
    try:
        return int(external_id)
    except ValueError:
        raise VendorRejected(
            f"the linked Autotask company id {external_id!r} is not a number"
        ) from None
