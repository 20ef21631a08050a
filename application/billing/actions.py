"""Void an invoice, apply elsewhere, refund, cancel (PAY-3..7): money moves whole or not at all.

A refund the tenant wants made at the gateway (PAY-6) is made there *before* any money moves in
the hub, so the hub never shows a refund the gateway does not have (MON-4):

1. the gateway says what it has refunded on the sale so far;
2. in one transaction the refund is recorded as *sent* (the payment's money stays put; an
   invoice it is applied to is held whole, so nothing else pays it) and nothing else may move
   the payment's money;
3. the refund goes to the gateway;
4. its answer is recorded: made (the money moves), refused or turned away unread (every amount
   as it was). A lost answer leaves the refund sent; the worker's watch asks the gateway later
   (``ResolvePendingRefunds``) and records what it finds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from application.billing.gateway import OverGateway, enabled_connection, refunds_at_gateway
from application.billing.payments import ATTEMPTS
from application.billing.ports import GatewayOutcome, GatewayResult, PaymentGateway
from application.integrations.ports import (
    ConnectionConfig,
    VendorRateLimited,
    VendorRejected,
    VendorUnavailable,
)
from application.shared.errors import Conflict
from application.shared.ports import Clock
from application.shared.unit_of_work import UnitOfWorkFactory
from domain.billing import ledger
from domain.billing.invoice import Invoice, InvoiceId
from domain.billing.payment import Payment, PaymentId, PaymentRefused
from domain.identity.tenant import TenantId
from domain.integrations.connection import Connection, Family
from domain.shared.money import Money

log = logging.getLogger("q2c.billing")


class RefundStatus(StrEnum):
    NONE = "none"  # nothing to refund (an apply to an invoice of the same total)
    RECORDED = "recorded"  # in the hub only: a person issues it at the gateway (PAY-6)
    MADE = "made"  # the gateway made it
    PENDING = "pending"  # sent; the gateway's answer was lost: the hub will ask it


@dataclass(frozen=True)
class RefundOutcome:
    payment: Payment
    refunded: Money
    status: RefundStatus
    instruction: str  # what the person must still do or know, if anything (PAY-6)

    @property
    def at_gateway(self) -> bool:
        return self.status is RefundStatus.MADE


class RefundRefused(PaymentRefused):
    code = "refund_refused"


_Move = Callable[[Payment, Invoice | None], None]


class PaymentActions(OverGateway):
    async def void_invoice(self, tenant_id: TenantId, invoice_id: InvoiceId, actor: str) -> Invoice:
        async with self._uow(tenant_id) as uow:
            invoice = await uow.invoices.get(invoice_id, lock=True)
            payments = await uow.payments.on_invoice(invoice_id, lock=True)
            ledger.void_invoice(invoice, payments, actor, self._clock.now())
            await uow.commit()
            return invoice

    async def apply(
        self, tenant_id: TenantId, payment_id: PaymentId, invoice_id: InvoiceId, actor: str
    ) -> RefundOutcome:
        """PAY-4: the unapplied money pays ``invoice_id``; the difference is refunded."""
        async with self._uow(tenant_id) as uow:
            payment = await uow.payments.get(payment_id, lock=True)
            target = await uow.invoices.get(invoice_id, lock=True)
            gateway = await enabled_connection(uow, Family.PAYMENTS)
            refund = payment.refund_on_apply(target.total)  # refusals first, whatever follows
            if refund.amount == 0 or not refunds_at_gateway(gateway):
                refunded = ledger.apply_elsewhere(payment, target, actor, self._clock.now())
                await uow.commit()
                return _in_hub(payment, refunded)
        assert gateway is not None  # refunds_at_gateway says so
        return await self._refund_first(tenant_id, payment_id, invoice_id, actor, gateway)

    async def refund(self, tenant_id: TenantId, payment_id: PaymentId, actor: str) -> RefundOutcome:
        """PAY-5: the whole unapplied amount back to the payer (at the gateway if asked, PAY-6)."""
        async with self._uow(tenant_id) as uow:
            payment = await uow.payments.get(payment_id, lock=True)
            gateway = await enabled_connection(uow, Family.PAYMENTS)
            payment.check_refund()
            if not refunds_at_gateway(gateway):
                refunded = payment.refund_unapplied(actor, self._clock.now(), at_gateway=False)
                await uow.commit()
                return _in_hub(payment, refunded)
        assert gateway is not None
        return await self._refund_first(tenant_id, payment_id, None, actor, gateway)

    async def cancel(self, tenant_id: TenantId, payment_id: PaymentId, actor: str) -> Payment:
        async with self._uow(tenant_id) as uow:
            payment = await uow.payments.get(payment_id, lock=True)
            invoice = (
                await uow.invoices.get(payment.invoice_id, lock=True)
                if payment.invoice_id
                else None
            )
            ledger.cancel(payment, invoice, actor, self._clock.now())
            await uow.commit()
            return payment

    async def _refund_first(
        self,
        tenant_id: TenantId,
        payment_id: PaymentId,
        target_id: InvoiceId | None,
        actor: str,
        connection: Connection,
    ) -> RefundOutcome:
        config = self._configs.of(connection)
        sent, amount = await self._send(tenant_id, payment_id, target_id, actor, config)
        assert sent.transaction_id is not None  # only an approved sale has money to refund
        try:
            result = await self._gateway.refund(
                config, transaction_id=sent.transaction_id, amount=amount
            )
        except VendorRateLimited as limited:  # turned away unread: nothing was refunded
            await self._answer(tenant_id, payment_id, refused(limited.message, self._now()))
            raise
        except VendorUnavailable as lost:
            return RefundOutcome(
                sent,
                amount,
                RefundStatus.PENDING,
                f"the gateway did not answer ({lost.message}); the hub will ask it whether the "
                "refund was made and move the money only then",
            )
        except VendorRejected as rejected:
            result = GatewayResult(
                GatewayOutcome.ERROR, None, rejected.message, str(rejected.status or "")
            )
        if not result.approved or result.transaction_id is None:
            await self._answer(
                tenant_id, payment_id, refused(result.message or "refused", self._now())
            )
            raise RefundRefused(
                f"the gateway refused the refund of {amount} ({result.message}); nothing changed",
                rule="MON-4",
                field="payment_id",
            )
        made = await self._answer(
            tenant_id, payment_id, made_as(result.transaction_id, self._now())
        )
        return RefundOutcome(made, amount, RefundStatus.MADE, "")

    async def _send(
        self,
        tenant_id: TenantId,
        payment_id: PaymentId,
        target_id: InvoiceId | None,
        actor: str,
        config: ConnectionConfig,
    ) -> tuple[Payment, Money]:
        """The gateway's refunds so far, then the refund recorded as sent, in one transaction."""
        async with self._uow(tenant_id) as uow:
            currency = (await uow.payments.get(payment_id)).currency
        before = await self._gateway.refunds_made(
            config, order_id=str(payment_id), currency=currency
        )
        for _ in range(ATTEMPTS):
            try:
                async with self._uow(tenant_id) as uow:
                    payment = await uow.payments.get(payment_id, lock=True)
                    target = (
                        None if target_id is None else await uow.invoices.get(target_id, lock=True)
                    )
                    amount = ledger.send_refund(
                        payment, target, before.total.amount, actor, self._clock.now()
                    )
                    await uow.commit()
                    return payment, amount
            except Conflict:
                continue
        raise Conflict("the payment is busy; try again")

    async def _answer(self, tenant_id: TenantId, payment_id: PaymentId, move: _Move) -> Payment:
        return await answer_refund(self._uow, tenant_id, payment_id, move)

    def _now(self) -> datetime:
        return self._clock.now()


def made_as(transaction_id: str, now: datetime) -> _Move:
    def move(payment: Payment, target: Invoice | None) -> None:
        ledger.refund_made(payment, target, transaction_id, now)

    return move


def refused(reason: str, now: datetime) -> _Move:
    def move(payment: Payment, target: Invoice | None) -> None:
        ledger.refund_not_made(payment, target, reason, now)

    return move


async def answer_refund(
    uow_factory: UnitOfWorkFactory, tenant_id: TenantId, payment_id: PaymentId, move: _Move
) -> Payment:
    """Record the gateway's answer to a sent refund, once, whoever learns it first."""
    for _ in range(ATTEMPTS):
        try:
            async with uow_factory(tenant_id) as uow:
                payment = await uow.payments.get(payment_id, lock=True)
                pending = payment.pending_refund
                if pending is None:
                    return payment  # recorded already
                target = (
                    None
                    if pending.invoice_id is None
                    else await uow.invoices.get(pending.invoice_id, lock=True)
                )
                move(payment, target)
                await uow.commit()
                return payment
        except Conflict:
            continue
    raise Conflict("the payment is busy; try again")


def _in_hub(payment: Payment, refunded: Money) -> RefundOutcome:
    if refunded.amount == 0:
        return RefundOutcome(payment, refunded, RefundStatus.NONE, "")
    return RefundOutcome(
        payment,
        refunded,
        RefundStatus.RECORDED,
        f"issue the refund of {refunded} at the payment gateway for transaction "
        f"{payment.transaction_id}",
    )


class ResolvePendingRefunds:
    """A refund whose answer was lost: the gateway's refunds on the sale say whether it was made.

    More refunded than before it was sent, by its amount: made. Nothing more: it never arrived,
    and every amount stays as it was. Anything else is left for a person, and logged.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        gateway: PaymentGateway,
        clock: Clock,
        *,
        grace_seconds: float = 60.0,
    ) -> None:
        self._uow, self._gateway, self._clock = uow, gateway, clock
        self._grace = timedelta(seconds=grace_seconds)

    async def __call__(
        self, tenant_id: TenantId, payment: Payment, gateway: ConnectionConfig
    ) -> bool:
        """True when the refund's fate was recorded; False while it is too early or unclear."""
        pending = payment.pending_refund
        if pending is None or pending.since > self._clock.now() - self._grace:
            return False
        found = await self._gateway.refunds_made(
            gateway, order_id=str(payment.id), currency=payment.currency
        )
        expected = pending.gateway_before + pending.amount
        if found.total.amount >= expected and found.last_transaction_id:
            move = made_as(found.last_transaction_id, self._clock.now())
        elif found.total.amount <= pending.gateway_before:
            move = refused("the refund never reached the gateway; nothing moved", self._clock.now())
        else:  # part of it: a person must look at the gateway
            log.warning(
                "refund_unclear",
                extra={
                    "payment": str(payment.id),
                    "gateway_refunded": str(found.total.amount),
                    "expected": str(expected),
                },
            )
            return False
        await answer_refund(self._uow, tenant_id, payment.id, move)
        return True
