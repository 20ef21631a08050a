"""The Autotask sync: deliverers by message kind, the puller and the connection test.

- ``organization.push``: an organization as a Company. Idempotent (INT-4, QUO-6): a linked one
  updates its Company; an unlinked one is first looked up by the hub's id in a user-defined
  field, since a crashed earlier attempt may have created it, and only then created.
- ``invoice.paid``: the date paid on the Autotask invoice, or none (Autotask has no invoice
  payment entity; ``paidDate`` is what its API lets an integration write).
- ``ticket.open`` (PAY-13): a ticket per notice, found again by its ``externalID``.
- The puller (PAY-12): organizations, contacts, contracts, tickets and invoices, a whole
  history first and what changed since after, one query page per checkpoint.
- The connection test (INT-2).

The clients are shared by every Autotask adapter and closed by their owner, the composition
root.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from adapters.vendors.autotask.client import AutotaskClient, AutotaskClients
from adapters.vendors.autotask.contract import api_time
from adapters.vendors.autotask.resources import check_owners, owner_resource_id
from adapters.vendors.autotask.settings import read_settings
from adapters.vendors.autotask.translate.companies import (
    changed_fields,
    company_fields_of,
    company_from_organization,
    organization_from_company,
)
from adapters.vendors.autotask.translate.records import (
    contact_record,
    contract_record,
    invoice_record,
    picklist_labels,
    picklist_value,
    ticket_record,
)
from adapters.vendors.autotask.translate.writes import (
    DEFAULT_PRIORITY_LABEL,
    DEFAULT_STATUS_LABEL,
    external_int,
    invoice_paid,
    ticket_from_notice,
    ticket_notice,
    ticket_reference,
)
from application.integrations.appliers import INVOICE, ORGANIZATION
from application.integrations.messages import (
    InvoicePaid,
    OrganizationPush,
    TicketOpen,
    expect,
)
from application.integrations.ports import (
    ConnectionConfig,
    ExternalLinks,
    OutboxMessage,
    PulledPage,
    PullRequest,
    VendorError,
    VendorRejected,
)
from application.integrations.records import PulledRecord


class AutotaskDeliverer(ABC):
    """A deliverer of ``kind`` messages; any other kind is refused before any call."""

    kind: ClassVar[str]

    def __init__(self, clients: AutotaskClients, links: ExternalLinks) -> None:
        self._clients = clients
        self._links = links

    async def deliver(self, message: OutboxMessage, connection: ConnectionConfig) -> None:
        if message.kind != self.kind:
            raise VendorRejected(f"Autotask cannot deliver {message.kind!r} messages here")
        await self._deliver(message, connection)

    @abstractmethod
    async def _deliver(self, message: OutboxMessage, connection: ConnectionConfig) -> None: ...


COMPANIES = "Companies"
MAX_MATCHES = 10  # companies carrying one hub id: more than one is a duplicate


class AutotaskOrganizationPush(AutotaskDeliverer):
    """Deliverer of ``organization.push``: the organization as an Autotask Company."""

    kind = OrganizationPush.kind

    async def _deliver(self, message: OutboxMessage, connection: ConnectionConfig) -> None:
        organization = expect(message.body, OrganizationPush, "Autotask")
        settings = read_settings(connection.settings).company
        wanted = company_from_organization(organization, settings)  # AT-1 first
        client = await self._clients.client(connection)
        linked = await self._links.find(
            connection.connection_id, ORGANIZATION, message.aggregate_id
        )
        changed = organization.changed
        if linked is None:
            await self._create_or_adopt(client, message.aggregate_id, wanted)
        elif changed is not None:
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
        udf = read_settings(connection.settings).company.hub_id_udf
        found = await _find_by_hub_id(client, udf, organization_id)
        if found is None:
            owner = read_settings(connection.settings).company.owner_resource_id
            new = {**wanted, "ownerResourceID": await owner_resource_id(client, owner)}
            company_id = await client.create(COMPANIES, new)
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
    """INT-2: reads the Companies field list, a cheap call that needs working credentials;
    then checks what the instance must hold for the settings: the hub-id user-defined field
    on Companies (saying how to create it) and an owner among its active resources (naming
    them when not)."""

    def __init__(self, clients: AutotaskClients) -> None:
        self._clients = clients

    async def test(self, connection: ConnectionConfig) -> str | None:
        try:
            client = await self._clients.client(connection)
            await client.entity_fields(COMPANIES)
            return await _check_hub_id_udf(client) or await check_owners(
                client, connection.settings
            )
        except VendorError as exc:
            return exc.message


async def _check_hub_id_udf(client: AutotaskClient) -> str | None:
    """INT-4: the Companies user-defined field the hub keeps its id in must exist (Autotask's
    API cannot create one); when it does not, how an admin makes it."""
    udf = read_settings(client.connection.settings).company.hub_id_udf
    names = {str(field.get("name")) for field in await client.udf_fields(COMPANIES)}
    if udf in names:
        return None
    return (
        f"Autotask has no Companies user-defined field named {udf!r}, where the hub keeps its "
        "own id: create it in Autotask under Admin > Extensions & Integrations > Other "
        "Extensions & Tools > User-Defined Fields, on the Companies tab, as a Text (Single "
        f"Line) field named {udf!r}, then test the connection again"
    )


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


INVOICES = "Invoices"


class AutotaskInvoicePaid(AutotaskDeliverer):
    """Deliverer of ``invoice.paid``: the payment's date on the linked Autotask invoice."""

    kind = InvoicePaid.kind

    async def _deliver(self, message: OutboxMessage, connection: ConnectionConfig) -> None:
        invoice_id, fields = invoice_paid(expect(message.body, InvoicePaid, "Autotask"))
        linked = await self._links.find(connection.connection_id, INVOICE, invoice_id)
        if linked is None:
            raise VendorRejected(
                f"the invoice {invoice_id} is not linked to an Autotask invoice: only invoices "
                "pulled from Autotask can be marked paid there"
            )
        client = await self._clients.client(connection)
        await client.update(INVOICES, external_int(linked, "invoice"), fields)


TICKETS = "Tickets"


class AutotaskTicketOpen(AutotaskDeliverer):
    """Deliverer of ``ticket.open`` (PAY-13): a ticket for the organization's company, on the
    queue, issue type and priority the connection's settings choose."""

    kind = TicketOpen.kind

    async def _deliver(self, message: OutboxMessage, connection: ConnectionConfig) -> None:
        settings = read_settings(connection.settings).tickets  # refused before any call
        notice = ticket_notice(expect(message.body, TicketOpen, "Autotask"))
        linked = await self._links.find(
            connection.connection_id, ORGANIZATION, notice.organization_id
        )
        if linked is None:
            raise VendorRejected(
                f"the organization {notice.organization_id} is not linked to an Autotask "
                "company yet: push it to Autotask before opening tickets for it"
            )
        company_id = external_int(linked, "company")
        client = await self._clients.client(connection)
        reference = ticket_reference(message.aggregate_id)
        if await _opened(client, reference):
            return
        fields = await client.fields_of(TICKETS)
        ticket = ticket_from_notice(
            notice,
            settings,
            company_id=company_id,
            priority=_or_labelled(settings.priority, fields, "priority", DEFAULT_PRIORITY_LABEL),
            status=_or_labelled(settings.status, fields, "status", DEFAULT_STATUS_LABEL),
            reference=reference,
        )
        await client.create(TICKETS, ticket)


async def _opened(client: AutotaskClient, reference: str) -> bool:
    condition = {"op": "eq", "field": "externalID", "value": reference}
    page = await client.query_page(TICKETS, {"filter": [condition], "MaxRecords": 1})
    return bool(page.items)


def _or_labelled(chosen: int | None, fields: list[dict[str, Any]], name: str, label: str) -> int:
    if chosen is not None:
        return chosen
    value = picklist_value(fields, name, label)
    if value is None:
        raise VendorRejected(
            f"Autotask has no ticket {name} labelled {label!r}: set ticket_{name} on the connection"
        )
    return value


Translate = Callable[[Mapping[str, Any]], PulledRecord]


@dataclass(frozen=True)
class PullSource:
    entity: str
    stamps: tuple[str, ...]  # changed since a time: any of these at or after it
    dates: tuple[str, ...] = ()  # stamps Autotask keeps as a date only


# Invoices keep no modification stamp: what changes an invoice leaves one of these behind.
SOURCES = {
    "organization": PullSource("Companies", ("lastTrackedModifiedDateTime",)),
    "contact": PullSource("Contacts", ("lastModifiedDate",)),
    "contract": PullSource("Contracts", ("lastModifiedDateTime",)),
    "ticket": PullSource("Tickets", ("lastTrackedModificationDateTime",)),
    "invoice": PullSource(
        "Invoices",
        ("createDateTime", "voidedDate", "paidDate", "webServiceDate"),
        dates=("paidDate",),
    ),
}


class AutotaskPuller:
    """Puller of every entity PAY-12 names, for the Autotask system."""

    def __init__(self, clients: AutotaskClients) -> None:
        self._clients = clients

    async def pages(
        self, request: PullRequest, connection: ConnectionConfig
    ) -> AsyncIterator[PulledPage]:
        source = SOURCES.get(request.entity)
        if source is None:
            raise VendorRejected(f"Autotask cannot pull {request.entity!r}")
        client = await self._clients.client(connection)
        translate = await _translator(request.entity, client)
        pages = client.query(
            source.entity,
            changed_since(source, request.changed_since),
            start_url=request.checkpoint,
        )
        async for page in pages:
            records = [translate(item) for item in page.items]
            yield PulledPage(records=records, next_checkpoint=page.next_page_url)


async def _translator(entity: str, client: AutotaskClient) -> Translate:
    if entity == "organization":
        udf = read_settings(client.connection.settings).company.hub_id_udf
        return lambda item: organization_from_company(item, hub_id_udf=udf)
    if entity == "contact":
        return contact_record
    if entity == "invoice":
        return invoice_record
    # Status labels are per Autotask instance: read once per connection, never assumed.
    statuses = picklist_labels(await client.fields_of(SOURCES[entity].entity), "status")
    build = contract_record if entity == "contract" else ticket_record
    return lambda item: build(item, statuses)


def changed_since(source: PullSource, moment: datetime | None) -> list[dict[str, Any]]:
    """The query filter: everything, or what any of the entity's stamps says changed since."""
    if moment is None:
        return [{"op": "exist", "field": "id"}]
    stamp = api_time(moment)
    day = f"{stamp[:10]}T00:00:00Z"  # a date-only stamp of that day counts
    conditions = [
        {"op": "gte", "field": field, "value": day if field in source.dates else stamp}
        for field in source.stamps
    ]
    return conditions if len(conditions) == 1 else [{"op": "or", "items": conditions}]
