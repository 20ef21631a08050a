"""Payments taken in the hub recorded on the Autotask invoice they paid.

Autotask has no invoice payment entity; ``paidDate`` is what its API lets an integration write.
Marking an invoice paid twice changes nothing, so a retried delivery is harmless.
"""

from __future__ import annotations

from adapters.vendors.autotask.deliverer import AutotaskDeliverer
from adapters.vendors.autotask.translate.writes import external_int, invoice_paid
from application.billing.policies import INVOICE_PAID
from application.integrations.appliers import INVOICE
from application.integrations.ports import ConnectionConfig, OutboxMessage, VendorRejected

INVOICES = "Invoices"


class AutotaskInvoicePaid(AutotaskDeliverer):
    """Deliverer of ``invoice.paid``: the payment's date on the linked Autotask invoice."""

    kind = INVOICE_PAID

    async def _deliver(self, message: OutboxMessage, connection: ConnectionConfig) -> None:
        invoice_id, fields = invoice_paid(message.payload)
        linked = await self._links.find(connection.connection_id, INVOICE, invoice_id)
        if linked is None:
            raise VendorRejected(
                f"the invoice {invoice_id} is not linked to an Autotask invoice: only invoices "
                "pulled from Autotask can be marked paid there"
            )
        client = await self._clients.client(connection)
        await client.update(INVOICES, external_int(linked, "invoice"), fields)
