"""The invoice document a portal contact downloads: the accounting system's own PDF where its
adapter can fetch one (QuickBooks' ``invoice/{id}/pdf``, behind ``VendorInvoicePdfs``),
otherwise one the hub renders from what it knows, with the same library and style as the quote
PDF (QUO-7). A vendor that fails to answer leaves the hub's. Scoped like every portal read:
another organization's invoice is not found.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol, runtime_checkable

from application.billing.portal import PortalBilling
from application.billing.repositories import PaymentFilter
from application.identity.branding import branding_of
from application.integrations.connections import ConnectionConfigs
from application.integrations.ports import ConnectionConfig, VendorError
from application.shared.pagination import PageRequest
from application.shared.unit_of_work import UnitOfWorkFactory
from domain.billing.invoice import Invoice, InvoiceId
from domain.billing.payment import PaymentStatus
from domain.crm.organization import OrganizationId
from domain.identity.branding import Branding, Logo
from domain.identity.tenant import TenantId
from domain.integrations.connection import Family


@dataclass(frozen=True)
class InvoicePaymentLine:
    on: datetime
    method: str  # brand and last four, never more (PAY-8)
    amount: Decimal


@dataclass(frozen=True)
class InvoiceSnapshot:
    tenant_name: str
    number: str
    psa_number: str
    status: str
    invoice_date: date
    due_date: date | None
    description: str
    organization: str
    address: tuple[str, ...]
    currency: str
    total: Decimal
    paid: Decimal
    balance: Decimal
    payments: tuple[InvoicePaymentLine, ...]
    branding: Branding | None = None  # the sender's logo, address, contacts, payment terms
    logo: Logo | None = None


class InvoiceDocuments(Protocol):
    def render(self, invoice: InvoiceSnapshot) -> bytes:
        """The PDF's bytes; deterministic for one snapshot."""
        ...


@runtime_checkable
class VendorInvoicePdfs(Protocol):
    """An accounting system that serves its own PDF of an invoice it holds."""

    async def invoice_pdf(
        self, connection: ConnectionConfig, accounting_id: str, number: str
    ) -> bytes:
        """The PDF's bytes, of the invoice under ``accounting_id`` once it is the one numbered
        ``number``; a VendorError when it cannot, or when that id holds another invoice."""
        ...


class InvoiceSource(StrEnum):
    ACCOUNTING = "accounting"  # the accounting system's own PDF
    HUB = "hub"  # rendered by the hub


@dataclass(frozen=True)
class InvoiceDocument:
    invoice: Invoice
    pdf: bytes
    source: InvoiceSource


class PortalInvoiceDocument:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        billing: PortalBilling,
        documents: InvoiceDocuments,
        configs: ConnectionConfigs | None = None,
        vendor_pdfs: VendorInvoicePdfs | None = None,
    ) -> None:
        self._uow, self._billing, self._documents = uow, billing, documents
        self._configs, self._vendor_pdfs = configs, vendor_pdfs

    async def __call__(
        self, tenant_id: TenantId, organization_id: OrganizationId, invoice_id: InvoiceId
    ) -> InvoiceDocument:
        invoice = await self._billing.invoice(tenant_id, organization_id, invoice_id)
        vendors = await self._vendor_pdf(tenant_id, invoice)
        if vendors is not None:
            return InvoiceDocument(invoice, vendors, InvoiceSource.ACCOUNTING)
        return InvoiceDocument(invoice, await self._rendered(invoice), InvoiceSource.HUB)

    async def _vendor_pdf(self, tenant_id: TenantId, invoice: Invoice) -> bytes | None:
        if self._vendor_pdfs is None or self._configs is None:
            return None
        if not invoice.accounting_id or not invoice.number:
            return None
        async with self._uow(tenant_id) as uow:
            connection = await uow.connections.enabled_of(Family.ACCOUNTING)
        if connection is None:
            return None
        try:
            pdf = await self._vendor_pdfs.invoice_pdf(
                self._configs.of(connection), invoice.accounting_id, invoice.number
            )
        except VendorError:
            return None  # not there now: the hub's own is as good a copy
        return pdf if pdf.startswith(b"%PDF") else None

    async def _rendered(self, invoice: Invoice) -> bytes:
        tenant_id, organization_id = invoice.tenant_id, invoice.organization_id
        async with self._uow(tenant_id) as uow:
            branding = await branding_of(uow)
            logo = await uow.branding.logo()
            organization = await uow.organizations.get(organization_id)
            where = PaymentFilter(invoice_id=invoice.id, organization_id=organization_id)
            payments = await uow.payments.list(where, PageRequest.parse(100, None))
        address = organization.billing_address
        region = " ".join(part for part in (address.state, address.postal_code) if part)
        town = ", ".join(part for part in (address.city, region) if part)
        lines = (address.line1, address.line2, town)
        snapshot = InvoiceSnapshot(
            tenant_name=branding.name,
            number=invoice.number or invoice.psa_number,
            psa_number=invoice.psa_number,
            status=invoice.status.value,
            invoice_date=invoice.invoice_date,
            due_date=invoice.due_date,
            description=invoice.description,
            organization=organization.name,
            address=tuple(line for line in (*lines, address.country) if line),
            currency=invoice.currency.value,
            total=invoice.total.amount,
            paid=invoice.applied.amount,
            balance=invoice.balance.amount,
            payments=tuple(
                InvoicePaymentLine(
                    p.created_at, f"{p.method_brand} ending {p.method_last4}", p.applied_amount
                )
                for p in payments
                if p.status is PaymentStatus.APPROVED and p.applied_amount
            ),
            branding=branding,
            logo=logo,
        )
        return await asyncio.to_thread(self._documents.render, snapshot)
