"""Payments taken in the hub recorded on the Autotask invoice they paid.

Autotask has no invoice payment entity; ``paidDate`` is what its API lets an integration write.
Marking an invoice paid twice changes nothing, so a retried delivery is harmless.
"""

from __future__ import annotations

from adapters.psa.autotask.client import AutotaskClients
from adapters.psa.autotask.translate_writes import external_int, invoice_paid
from application.integrations.ports import (
    ConnectionConfig,
    ExternalLinks,
    OutboxMessage,
    VendorRejected,
)

INVOICE_PAID = "invoice.paid"
INVOICES = "Invoices"


class AutotaskInvoicePaid:
    """Deliverer of ``invoice.paid``: the payment's date on the linked Autotask invoice."""

    def __init__(self, clients: AutotaskClients, links: ExternalLinks) -> None:
        self._clients = clients
        self._links = links

    async def aclose(self) -> None:
        await self._clients.aclose()

    async def deliver(self, message: OutboxMessage, connection: ConnectionConfig) -> None:
        if message.kind != INVOICE_PAID:
            raise VendorRejected(f"Autotask cannot deliver {message.kind!r} messages here")
        invoice_id, fields = invoice_paid(message.payload)
        linked = await self._links.find(connection.connection_id, "invoice", invoice_id)
        if linked is None:
            raise VendorRejected(
                f"the invoice {invoice_id} is not linked to an Autotask invoice: only invoices "
                "pulled from Autotask can be marked paid there"
            )
        client = await self._clients.client(connection)
        await client.update(INVOICES, external_int(linked, "invoice"), fields)
