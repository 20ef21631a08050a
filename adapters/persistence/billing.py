"""SQLAlchemy repositories of the billing context, and the payment history writer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.persistence import tables
from adapters.persistence.repositories import _TenantRepository
from application.billing.repositories import InvoiceFilter, PaymentFilter
from application.shared.pagination import PageRequest
from domain.billing.invoice import Invoice, InvoiceId
from domain.billing.methods import PaymentMethod, PaymentMethodId
from domain.billing.payment import (
    Amounts,
    HistoryEntry,
    Payment,
    PaymentId,
    PaymentStatus,
    SettlementState,
)
from domain.crm.organization import OrganizationId
from domain.identity.tenant import TenantId

_AMOUNTS = ("sale", "refund", "applied", "unapplied")


class SqlAlchemyInvoiceRepository(_TenantRepository[Invoice]):
    entity = Invoice
    table = tables.invoices
    noun = "invoice"

    async def get(self, invoice_id: InvoiceId, *, lock: bool = False) -> Invoice:
        return await self._get(invoice_id, lock=lock)

    async def by_psa_number(self, psa_number: str) -> Invoice | None:
        query = self._select().where(self.table.c.psa_number == psa_number)
        found = (await self._session.scalars(query)).one_or_none()
        return None if found is None else self._tracked(found)

    async def list(self, where: InvoiceFilter, page: PageRequest) -> list[Invoice]:
        c = self.table.c
        conditions: list[ColumnElement[bool]] = []
        if where.status is not None:
            conditions.append(c.status == where.status)
        if where.organization_id is not None:
            conditions.append(c.organization_id == where.organization_id)
        if where.date_from is not None:
            conditions.append(c.invoice_date >= where.date_from)
        if where.date_to is not None:
            conditions.append(c.invoice_date <= where.date_to)
        return await self._page(conditions, page)


class SqlAlchemyPaymentRepository(_TenantRepository[Payment]):
    entity = Payment
    table = tables.payments
    noun = "payment"

    async def get(self, payment_id: PaymentId, *, lock: bool = False) -> Payment:
        return await self._get(payment_id, lock=lock)

    async def by_idempotency_key(self, key: str) -> Payment | None:
        query = self._select().where(self.table.c.idempotency_key == key)
        found = (await self._session.scalars(query)).one_or_none()
        return None if found is None else self._tracked(found)

    async def on_invoice(self, invoice_id: InvoiceId, *, lock: bool = False) -> Sequence[Payment]:
        query = self._select().where(self.table.c.invoice_id == invoice_id)
        if lock:
            query = query.with_for_update()
        found = list((await self._session.scalars(query.order_by(self.table.c.id))).all())
        for payment in found:
            if lock:
                await self._session.refresh(payment)
            self._seen(payment)
        return found

    async def history(self, payment_id: PaymentId) -> list[HistoryEntry]:
        h = tables.payment_history.c
        rows = await self._session.execute(
            select(tables.payment_history)
            .where(h.tenant_id == self._tenant_id, h.payment_id == payment_id)
            .order_by(h.id)
        )
        return [_entry(row._mapping) for row in rows]

    async def list(self, where: PaymentFilter, page: PageRequest) -> list[Payment]:
        c = self.table.c
        conditions: list[ColumnElement[bool]] = []
        if where.invoice_id is not None:
            conditions.append(
                (c.invoice_id == where.invoice_id) | (c.original_invoice_id == where.invoice_id)
            )
        if where.organization_id is not None:
            conditions.append(c.organization_id == where.organization_id)
        if where.status is not None:
            conditions.append(c.status == where.status)
        if where.settlement is not None:
            conditions.append(c.settlement == where.settlement)
        if where.refund_pending is not None:
            since = c.pending_refund_since
            conditions.append(since.is_not(None) if where.refund_pending else since.is_(None))
        return await self._page(conditions, page)


class SqlAlchemyPaymentMethodRepository(_TenantRepository[PaymentMethod]):
    entity = PaymentMethod
    table = tables.payment_methods
    noun = "payment method"

    async def get(self, method_id: PaymentMethodId) -> PaymentMethod:
        return await self._get(method_id)

    async def of_organization(self, organization_id: OrganizationId) -> list[PaymentMethod]:
        c = self.table.c
        query = self._select().where(c.organization_id == organization_id, c.active.is_(True))
        found = list((await self._session.scalars(query.order_by(c.id))).all())
        for method in found:
            self._seen(method)
        return found


async def write_history(
    session: AsyncSession, tenant_id: TenantId, payment_id: PaymentId, entries: list[HistoryEntry]
) -> None:
    """Append a payment's new history entries; they join the unit of work's transaction."""
    if not entries:
        return
    rows = []
    for entry in entries:
        row: dict[str, Any] = {
            "tenant_id": tenant_id,
            "payment_id": payment_id,
            "at": entry.at,
            "actor": entry.actor,
            "action": entry.action,
            "status": entry.status,
            "note": entry.note,
        }
        for name in _AMOUNTS:
            row[f"before_{name}"] = getattr(entry.before, name)
            row[f"after_{name}"] = getattr(entry.after, name)
        rows.append(row)
    await session.execute(insert(tables.payment_history), rows)


def _entry(row: Any) -> HistoryEntry:
    return HistoryEntry(
        at=row["at"],
        actor=row["actor"],
        action=row["action"],
        before=Amounts(*(row[f"before_{name}"] for name in _AMOUNTS)),
        after=Amounts(*(row[f"after_{name}"] for name in _AMOUNTS)),
        note=row["note"],
        status=row["status"],
    )


class SqlAlchemyPaymentWatchlist:
    """Across tenants: who has money in flight (the worker's settlement watch)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def tenants_with_payments_in_flight(self) -> list[TenantId]:
        c = tables.payments.c
        in_flight = (
            (c.status == PaymentStatus.PENDING)
            | ((c.status == PaymentStatus.APPROVED) & (c.settlement == SettlementState.PENDING))
            | c.pending_refund_since.is_not(None)
        )
        async with self._sessions() as session:
            rows = await session.scalars(select(c.tenant_id).where(in_flight).distinct())
            return [TenantId(t) for t in rows]
