"""The Autotask puller (PAY-12): organizations, contacts, contracts, tickets and invoices.

A first sync pulls everything; a later one asks only for what changed since the last, by the
stamp each entity keeps. Each page is one Autotask query page and its checkpoint Autotask's
``nextPageUrl``, so a crashed pull resumes on the same page.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from adapters.vendors.autotask.client import AutotaskClient, AutotaskClients
from adapters.vendors.autotask.contract import api_time
from adapters.vendors.autotask.translate.companies import hub_id_udf, organization_from_company
from adapters.vendors.autotask.translate.records import (
    contact_record,
    contract_record,
    invoice_record,
    picklist_labels,
    ticket_record,
)
from application.integrations.ports import (
    ConnectionConfig,
    PulledPage,
    PullRequest,
    VendorRejected,
)

Translate = Callable[[Mapping[str, Any]], Mapping[str, Any]]


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
        udf = hub_id_udf(client.connection.settings)
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
