"""Reading invoices, payments (with their history) and payment methods."""

from __future__ import annotations

from dataclasses import dataclass

from application.billing.repositories import InvoiceFilter, PaymentFilter
from application.shared.pagination import Page, PageRequest, page_of
from application.shared.unit_of_work import UnitOfWorkFactory
from domain.billing.invoice import Invoice, InvoiceId
from domain.billing.methods import PaymentMethod
from domain.billing.payment import HistoryEntry, Payment, PaymentId
from domain.crm.organization import OrganizationId
from domain.identity.tenant import TenantId


@dataclass(frozen=True)
class PaymentWithHistory:
    payment: Payment
    history: list[HistoryEntry]


class BillingQueries:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def invoice(self, tenant_id: TenantId, invoice_id: InvoiceId) -> Invoice:
        async with self._uow(tenant_id) as uow:
            return await uow.invoices.get(invoice_id)

    async def invoices(
        self, tenant_id: TenantId, where: InvoiceFilter, page: PageRequest
    ) -> Page[Invoice]:
        async with self._uow(tenant_id) as uow:
            return page_of(await uow.invoices.list(where, page), page)

    async def payments(
        self, tenant_id: TenantId, where: PaymentFilter, page: PageRequest
    ) -> Page[Payment]:
        async with self._uow(tenant_id) as uow:
            return page_of(await uow.payments.list(where, page), page)

    async def payment_by_key(self, tenant_id: TenantId, key: str) -> Payment | None:
        """The payment an idempotency key already made, if any (PAY-15)."""
        async with self._uow(tenant_id) as uow:
            return await uow.payments.by_idempotency_key(key)

    async def payment(self, tenant_id: TenantId, payment_id: PaymentId) -> PaymentWithHistory:
        async with self._uow(tenant_id) as uow:
            payment = await uow.payments.get(payment_id)
            return PaymentWithHistory(payment, await uow.payments.history(payment_id))

    async def methods(
        self, tenant_id: TenantId, organization_id: OrganizationId
    ) -> list[PaymentMethod]:
        async with self._uow(tenant_id) as uow:
            await uow.organizations.get(organization_id)  # another tenant's: not found
            return await uow.payment_methods.of_organization(organization_id)
