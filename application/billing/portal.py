"""What a portal contact may read of billing: its own organization's, and nothing else.

Another organization's invoice or payment is *not found*, never *forbidden*: the portal must
not confirm that it exists.
"""

from __future__ import annotations

from dataclasses import replace

from application.billing.queries import BillingQueries, PaymentWithHistory
from application.billing.repositories import InvoiceFilter, PaymentFilter
from application.shared.errors import NotFound
from application.shared.pagination import Page, PageRequest
from domain.billing.invoice import Invoice, InvoiceId
from domain.billing.methods import PaymentMethod
from domain.billing.payment import Payment, PaymentId
from domain.crm.organization import OrganizationId
from domain.identity.tenant import TenantId


class PortalBilling:
    """BillingQueries narrowed to one organization of one tenant."""

    def __init__(self, queries: BillingQueries) -> None:
        self._queries = queries

    async def invoices(
        self,
        tenant_id: TenantId,
        organization_id: OrganizationId,
        where: InvoiceFilter,
        page: PageRequest,
    ) -> Page[Invoice]:
        own = replace(where, organization_id=organization_id)
        return await self._queries.invoices(tenant_id, own, page)

    async def invoice(
        self, tenant_id: TenantId, organization_id: OrganizationId, invoice_id: InvoiceId
    ) -> Invoice:
        invoice = await self._queries.invoice(tenant_id, invoice_id)
        if invoice.organization_id != organization_id:
            raise NotFound(f"invoice {invoice_id} not found")
        return invoice

    async def payments(
        self,
        tenant_id: TenantId,
        organization_id: OrganizationId,
        invoice_id: InvoiceId,
        page: PageRequest,
    ) -> Page[Payment]:
        await self.invoice(tenant_id, organization_id, invoice_id)  # another's: not found
        where = PaymentFilter(invoice_id=invoice_id, organization_id=organization_id)
        return await self._queries.payments(tenant_id, where, page)

    async def payment(
        self, tenant_id: TenantId, organization_id: OrganizationId, payment_id: PaymentId
    ) -> PaymentWithHistory:
        found = await self._queries.payment(tenant_id, payment_id)
        if found.payment.organization_id != organization_id:
            raise NotFound(f"payment {payment_id} not found")
        return found

    async def payment_by_key(
        self, tenant_id: TenantId, organization_id: OrganizationId, key: str
    ) -> Payment | None:
        """The organization's payment this idempotency key already made, if any (PAY-15)."""
        found = await self._queries.payment_by_key(tenant_id, key)
        return found if found is not None and found.organization_id == organization_id else None

    async def methods(
        self, tenant_id: TenantId, organization_id: OrganizationId
    ) -> list[PaymentMethod]:
        return await self._queries.methods(tenant_id, organization_id)
