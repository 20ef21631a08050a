"""The worker's watch over money in flight (PAY-6, PAY-7, PAY-9).

Each round, for every tenant with payments in flight:

- sales that got no answer from the gateway (still *pending* after a grace period) are looked
  up by order id and recorded as the gateway has them (``ResolvePendingPayments``);
- approved sales waiting to settle are checked against the gateway's query API: settled ones
  can no longer be cancelled, failed ones are flagged so a manager can cancel them (PAY-7);
- refunds sent to the gateway whose answer was lost are looked up among the sale's refunds and
  recorded as made or not made (``ResolvePendingRefunds``, PAY-6, MON-4).

A vendor failure ends that tenant's round with a log line; the next round tries again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from application.billing.actions import ResolvePendingRefunds
from application.billing.gateway import enabled_connection
from application.billing.payments import ResolvePendingPayments
from application.billing.ports import PaymentGateway, SettlementStatus
from application.billing.repositories import PaymentFilter
from application.integrations.connections import ConnectionConfigs
from application.integrations.ports import VendorError
from application.shared.errors import ApplicationError
from application.shared.loops import repeat
from application.shared.pagination import PageRequest
from application.shared.ports import Clock
from application.shared.unit_of_work import UnitOfWorkFactory
from domain.billing.payment import Payment, PaymentStatus, SettlementState
from domain.identity.tenant import TenantId
from domain.integrations.connection import Family

log = logging.getLogger("q2c.billing.watch")
PAGE = 200


class PaymentWatchlist(Protocol):
    async def tenants_with_payments_in_flight(self) -> list[TenantId]:
        """Tenants with a pending payment, one not yet settled, or a refund not yet answered."""
        ...


@dataclass
class WatchReport:
    resolved: int = 0
    settled: int = 0
    failed: int = 0
    refunds: int = 0
    errors: int = 0


class WatchPayments:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        configs: ConnectionConfigs,
        gateway: PaymentGateway,
        clock: Clock,
        *,
        watchlist: PaymentWatchlist,
        resolve: ResolvePendingPayments,
        refunds: ResolvePendingRefunds,
        pending_grace_seconds: float = 60.0,
        interval_seconds: float = 60.0,
    ) -> None:
        self._uow, self._configs, self._gateway, self._clock = uow, configs, gateway, clock
        self._watchlist, self._resolve, self._refunds = watchlist, resolve, refunds
        self._grace = timedelta(seconds=pending_grace_seconds)
        self._interval = interval_seconds

    async def run(self, stop: asyncio.Event) -> None:
        async def round_() -> None:  # a report is not "more work waiting": always pause
            await self.round()

        await repeat(
            stop,
            round_,
            pause_seconds=self._interval,
            log=log,
            failure="payment_watch_round_failed",
        )

    async def round(self) -> WatchReport:
        report = WatchReport()
        for tenant_id in await self._watchlist.tenants_with_payments_in_flight():
            try:
                await self.watch_tenant(tenant_id, report)
            except (VendorError, ApplicationError) as error:
                report.errors += 1
                log.warning(
                    "payment_watch_failed", extra={"tenant": str(tenant_id), "error": str(error)}
                )
        return report

    async def watch_tenant(self, tenant_id: TenantId, report: WatchReport) -> None:
        async with self._uow(tenant_id) as uow:
            connection = await enabled_connection(uow, Family.PAYMENTS)
        if connection is None:
            return
        config = self._configs.of(connection)
        cutoff = self._clock.now() - self._grace
        for payment in await self._all(tenant_id, PaymentFilter(status=PaymentStatus.PENDING)):
            if payment.created_at <= cutoff:
                await self._resolve.with_gateway(tenant_id, payment.id, config)
                report.resolved += 1
        for payment in await self._all(tenant_id, PaymentFilter(refund_pending=True)):
            if await self._refunds(tenant_id, payment, config):
                report.refunds += 1
        awaiting = await self._all(
            tenant_id,
            PaymentFilter(status=PaymentStatus.APPROVED, settlement=SettlementState.PENDING),
        )
        by_transaction = {p.transaction_id: p for p in awaiting if p.transaction_id}
        if not by_transaction:
            return
        for settlement in await self._gateway.settlements(config, list(by_transaction)):
            watched = by_transaction.get(settlement.transaction_id)
            if watched is None or settlement.status in (
                SettlementStatus.PENDING,
                SettlementStatus.UNKNOWN,
            ):
                continue
            failed = settlement.status is SettlementStatus.FAILED
            await self._record(tenant_id, watched, failed, settlement.message)
            if failed:
                report.failed += 1
            else:
                report.settled += 1

    async def _record(self, tenant_id: TenantId, found: Payment, failed: bool, note: str) -> None:
        now = self._clock.now()
        async with self._uow(tenant_id) as uow:
            payment = await uow.payments.get(found.id, lock=True)
            if failed:
                payment.settlement_failed(note or "the transaction failed to settle", now)
            else:
                payment.settled(now)
            await uow.commit()

    async def _all(self, tenant_id: TenantId, where: PaymentFilter) -> Sequence[Payment]:
        found: list[Payment] = []
        page = PageRequest(limit=PAGE)
        while True:
            async with self._uow(tenant_id) as uow:
                rows = await uow.payments.list(where, page)
            found += rows[:PAGE]
            if len(rows) <= PAGE:
                return found
            page = PageRequest(limit=PAGE, after=rows[PAGE - 1].id)
