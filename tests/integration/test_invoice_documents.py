"""The portal's invoice document: QuickBooks' own PDF where its adapter fetches one from the
sandbox over HTTP, else the hub's (PAY-1, QUO-7's library), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from adapters.sandboxes.kit.base import Faults
from adapters.sandboxes.quickbooks.app import create_quickbooks_sandbox
from application.billing.documents import InvoiceSource, PortalInvoiceDocument, VendorInvoicePdfs
from application.billing.ports import AccountingSystem
from application.integrations.ports import VendorRejected
from domain.billing.invoice import InvoiceId
from domain.crm.organization import OrganizationId
from domain.integrations.connection import Family
from entrypoints.containers import Container
from entrypoints.servers import serve_asgi
from tests.integration.test_quote_pdf import pages_of
from tests.support.billing import Billing, billing
from tests.support.quickbooks import psa_invoice


async def _in_quickbooks(b: Billing, accounting: AccountingSystem) -> tuple[InvoiceId, str]:
    """A hub invoice pushed to QuickBooks, numbered by it (PAY-1)."""
    invoice_id = await b.invoice("150.30", numbered=False)
    container = b.container
    async with container.persistence.uow()(b.tenant) as uow:
        connection = await uow.connections.enabled_of(Family.ACCOUNTING)
    assert connection is not None
    config = container.integrations.configs().of(connection)
    pushed = await accounting.push_invoice(config, psa_invoice(customer_name="Payer Ltd"))
    async with container.persistence.uow()(b.tenant) as uow:
        invoice = await uow.invoices.get(invoice_id)
        invoice.numbered(pushed.number, pushed.accounting_id, invoice.created_at)
        await uow.commit()
    return invoice_id, pushed.number


async def _organization(b: Billing) -> OrganizationId:
    async with b.container.persistence.uow()(b.tenant) as uow:
        found: OrganizationId = (await uow.contacts.get(b.contact)).organization_id
    return found


async def test_the_invoice_document_is_quickbooks_own_pdf_else_the_hubs(
    container: Container,
) -> None:
    accounting: AccountingSystem = container.integrations.accounting()
    assert isinstance(accounting, VendorInvoicePdfs)  # QuickBooks serves its own PDFs
    document: PortalInvoiceDocument = container.billing.portal_invoice_document()
    with serve_asgi(create_quickbooks_sandbox(Faults())) as books:
        b = await billing(container, quickbooks_url=books)
        organization = await _organization(b)
        invoice_id, number = await _in_quickbooks(b, accounting)
        theirs = await document(b.tenant, organization, invoice_id)
        assert theirs.source is InvoiceSource.ACCOUNTING
        text = "\n".join(pages_of(theirs.pdf))
        assert f"INVOICE {number}" in text
        assert "Payer Ltd" in text
        assert "Issued by QuickBooks Online (sandbox)" in text
        unknown = await b.invoice("20.00")  # an id QuickBooks does not know: the hub's own
        ours = await document(b.tenant, organization, unknown)
        assert ours.source is InvoiceSource.HUB
        assert "Issued by QuickBooks" not in "\n".join(pages_of(ours.pdf))
        async with container.persistence.uow()(b.tenant) as uow:
            connection = await uow.connections.enabled_of(Family.ACCOUNTING)
        assert connection is not None
        config = container.integrations.configs().of(connection)
        with pytest.raises(VendorRejected, match="Invoice"):
            await accounting.invoice_pdf(config, "999999", number)
        # Another company's invoice under the same id (the connection authorized again to
        # another realm): its number is not this invoice's, so the hub's own is served.
        async with container.persistence.uow()(b.tenant) as uow:
            stored = await uow.invoices.get(invoice_id)
            held_id = stored.accounting_id
        assert held_id is not None
        with pytest.raises(VendorRejected, match="not this invoice"):
            await accounting.invoice_pdf(config, held_id, "9999")
        other = await b.invoice("20.00", numbered=False)
        async with container.persistence.uow()(b.tenant) as uow:
            elsewhere = await uow.invoices.get(other)
            elsewhere.numbered("9999", held_id, elsewhere.created_at)
            await uow.commit()
        not_ours = await document(b.tenant, organization, other)
        assert not_ours.source is InvoiceSource.HUB
        assert "Issued by QuickBooks" not in "\n".join(pages_of(not_ours.pdf))
    gone = await document(b.tenant, organization, invoice_id)  # QuickBooks does not answer
    assert gone.source is InvoiceSource.HUB
    assert "$150.30" in "\n".join(pages_of(gone.pdf))
    await container.integrations.vendors().aclose()
