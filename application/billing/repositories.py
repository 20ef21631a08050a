"""Repositories of the billing context; each sees only the unit of work's tenant."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from application.shared.pagination import PageRequest
from domain.billing.invoice import Invoice, InvoiceId, InvoiceStatus
from domain.billing.methods import PaymentMethod, PaymentMethodId
from domain.billing.payment import (
    HistoryEntry,
    Payment,
    PaymentId,
    PaymentStatus,
    SettlementState,
)
from domain.crm.organization import OrganizationId


@dataclass(frozen=True, kw_only=True)
class InvoiceFilter:
    status: InvoiceStatus | None = None
    organization_id: OrganizationId | None = None
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True, kw_only=True)
class PaymentFilter:
    invoice_id: InvoiceId | None = None
    organization_id: OrganizationId | None = None
    status: PaymentStatus | None = None
    settlement: SettlementState | None = None
    refund_pending: bool | None = None  # a refund sent to the gateway and not answered yet


class InvoiceRepository(Protocol):
    async def add(self, invoice: Invoice) -> None: ...

    async def get(self, invoice_id: InvoiceId, *, lock: bool = False) -> Invoice:
        """Raises NotFound. ``lock`` holds the row until commit where the database can."""
        ...

    async def by_psa_number(self, psa_number: str) -> Invoice | None: ...

    async def list(self, where: InvoiceFilter, page: PageRequest) -> list[Invoice]: ...


class PaymentRepository(Protocol):
    async def add(self, payment: Payment) -> None: ...

    async def get(self, payment_id: PaymentId, *, lock: bool = False) -> Payment: ...

    async def by_idempotency_key(self, key: str) -> Payment | None: ...

    async def on_invoice(self, invoice_id: InvoiceId, *, lock: bool = False) -> Sequence[Payment]:
        """Every payment whose money is on the invoice now."""
        ...

    async def history(self, payment_id: PaymentId) -> list[HistoryEntry]:
        """The payment's history, oldest first (what is committed)."""
        ...

    async def list(self, where: PaymentFilter, page: PageRequest) -> list[Payment]: ...


class PaymentMethodRepository(Protocol):
    async def add(self, method: PaymentMethod) -> None: ...

    async def get(self, method_id: PaymentMethodId) -> PaymentMethod: ...

    async def of_organization(self, organization_id: OrganizationId) -> list[PaymentMethod]:
        """The organization's active methods."""
        ...
