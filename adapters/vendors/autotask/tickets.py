"""Notifications as Autotask tickets (PAY-13), opened once per message.

Idempotent (INT-4): a ticket carries the message's reference in ``externalID`` and is looked
for before it is created, so a delivery retried after a crash between Autotask's create and
the acknowledgement opens no second ticket.
"""

from __future__ import annotations

from typing import Any

from adapters.vendors.autotask.client import AutotaskClient
from adapters.vendors.autotask.deliverer import AutotaskDeliverer
from adapters.vendors.autotask.translate.records import picklist_value
from adapters.vendors.autotask.translate.writes import (
    DEFAULT_PRIORITY_LABEL,
    DEFAULT_STATUS_LABEL,
    external_int,
    ticket_from_notice,
    ticket_notice,
    ticket_reference,
    ticket_settings,
)
from application.billing.policies import TICKET_OPEN
from application.integrations.appliers import ORGANIZATION
from application.integrations.ports import ConnectionConfig, OutboxMessage, VendorRejected

TICKETS = "Tickets"


class AutotaskTicketOpen(AutotaskDeliverer):
    """Deliverer of ``ticket.open`` (PAY-13): a ticket for the organization's company, on the
    queue, issue type and priority the connection's settings choose."""

    kind = TICKET_OPEN

    async def _deliver(self, message: OutboxMessage, connection: ConnectionConfig) -> None:
        settings = ticket_settings(connection.settings)  # refused before any call
        notice = ticket_notice(message.payload)
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
