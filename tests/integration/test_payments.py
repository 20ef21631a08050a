"""Taking payments and what follows, on SQLite and PostgreSQL (PAY-1..8, PAY-11, PAY-15).

The gateway and the accounting system are the in-memory fakes of ``tests/support/billing``,
so every answer (approve, decline, time out, paid elsewhere) is the test's to choose.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from application.billing.payments import TakePaymentCommand
from application.billing.ports import GatewayOutcome
from application.shared.errors import Conflict
from domain.billing.invoice import InvoiceId, InvoiceStatus
from domain.billing.methods import Environment
from domain.billing.payment import Payment, PaymentStatus, SettlementState
from domain.shared.errors import DomainError
from domain.shared.money import Money
from entrypoints.containers import Container, build_container
from tests.conftest import settings_for
from tests.support.billing import Billing, billing


def command(
    b: Billing, invoice: InvoiceId, amount: str | None = None, key: str = "k1"
) -> TakePaymentCommand:
    return TakePaymentCommand(
        invoice_id=invoice,
        method_id=b.method,
        contact_id=b.contact,
        environment=Environment.STAFF,
        idempotency_key=key,
        actor="key:manager",
        amount=Money.of(amount, "USD") if amount else None,
    )


async def state(b: Billing, invoice: InvoiceId) -> tuple[str, str, str]:
    async with b.container.persistence.uow()(b.tenant) as uow:
        found = await uow.invoices.get(invoice)
        return found.status.value, str(found.balance.amount), str(found.held.amount)


async def test_a_full_payment_pays_the_invoice_and_keeps_its_history(container: Container) -> None:
    b = await billing(container)  # PAY-2, PAY-9, PAY-11
    invoice = await b.invoice("120.00")
    payment = await b.take(b.tenant, command(b, invoice))
    assert payment.status is PaymentStatus.APPROVED
    assert payment.settlement is SettlementState.PENDING
    assert payment.transaction_id
    assert payment.contact_id == b.contact
    assert (payment.sale, payment.applied) == (Money.of("120.00", "USD"),) * 2
    assert await state(b, invoice) == ("paid", "0.00", "0.00")
    async with container.persistence.uow()(b.tenant) as uow:
        history = await uow.payments.history(payment.id)
    assert [(h.action, h.actor) for h in history] == [
        ("requested", "key:manager"),
        ("approved", "gateway"),
    ]
    assert history[1].after.applied == Decimal("120.00")


async def test_a_replayed_key_returns_the_first_payment_and_charges_once(
    container: Container,
) -> None:  # PAY-15
    b = await billing(container)
    invoice = await b.invoice("50.00")
    first = await b.take(b.tenant, command(b, invoice, "20.00"))
    again = await b.take(b.tenant, command(b, invoice, "20.00"))
    assert again.id == first.id
    assert sum(b.gateway.sales.values()) == 1
    with pytest.raises(Conflict):
        await b.take(b.tenant, command(b, invoice, "21.00"))  # the same key, another payment


async def test_a_decline_is_a_failed_payment_that_moves_no_money(container: Container) -> None:
    b = await billing(container)
    invoice = await b.invoice("80.00")
    b.gateway.outcome = GatewayOutcome.DECLINED
    payment = await b.take(b.tenant, command(b, invoice))
    assert payment.status is PaymentStatus.DECLINED
    assert payment.sale.amount == payment.applied.amount == 0
    assert await state(b, invoice) == ("open", "80.00", "0.00")


async def test_a_gateway_timeout_leaves_the_payment_pending_until_the_query_resolves_it(
    container: Container,
) -> None:  # PAY-15
    b = await billing(container)
    invoice = await b.invoice("80.00")
    b.gateway.time_out = True
    payment = await b.take(b.tenant, command(b, invoice))
    assert payment.status is PaymentStatus.PENDING
    assert await state(b, invoice) == ("open", "80.00", "80.00")  # not paid, nothing left to take
    with pytest.raises(DomainError):
        await b.take(b.tenant, command(b, invoice, "1.00", key="k2"))  # no second charge
    resolved = await b.resolve(b.tenant, payment.id)
    assert resolved.status is PaymentStatus.APPROVED  # the sale had reached the gateway
    assert await state(b, invoice) == ("paid", "0.00", "0.00")
    assert sum(b.gateway.sales.values()) == 1


async def test_an_invoice_paid_in_the_accounting_system_is_not_charged(
    container: Container,
) -> None:  # PAY-2
    b = await billing(container)
    invoice = await b.invoice("80.00")
    async with container.persistence.uow()(b.tenant) as uow:
        accounting_id = (await uow.invoices.get(invoice)).accounting_id
    assert accounting_id is not None
    b.accounting.balances[accounting_id] = Decimal("0.00")
    with pytest.raises(DomainError, match="already paid in the accounting system"):
        await b.take(b.tenant, command(b, invoice))
    assert not b.gateway.sales
    assert await state(b, invoice) == ("open", "80.00", "0.00")


async def test_no_payment_while_no_method_is_enabled_for_the_environment(
    container: Container,
) -> None:  # PAY-8
    b = await billing(container, settings={"staff_methods": [], "portal_methods": ["card"]})
    invoice = await b.invoice("10.00")
    with pytest.raises(DomainError) as refused:
        await b.take(b.tenant, command(b, invoice))
    assert refused.value.rule == "PAY-8"
    assert not b.gateway.sales


async def test_an_unnumbered_invoice_is_not_payable(container: Container) -> None:  # PAY-1
    b = await billing(container)
    invoice = await b.invoice("10.00", numbered=False)
    with pytest.raises(DomainError) as refused:
        await b.take(b.tenant, command(b, invoice))
    assert refused.value.rule == "PAY-1"


async def test_void_apply_and_refund(container: Container) -> None:  # PAY-3, PAY-4, PAY-6
    b = await billing(container)
    first, smaller = await b.invoice("100.00"), await b.invoice("60.00")
    payment = await b.take(b.tenant, command(b, first))
    await b.settle(payment.id)  # collected: its money may be refunded (PAY-7)
    voided = await b.actions.void_invoice(b.tenant, first, "key:manager")
    assert voided.status is InvoiceStatus.VOID
    outcome = await b.actions.apply(b.tenant, payment.id, smaller, "key:manager")
    assert outcome.refunded == Money.of("40.00", "USD")
    assert not outcome.at_gateway  # PAY-6: by default the refund is issued at the gateway by hand
    assert "issue the refund" in outcome.instruction
    assert not b.gateway.refunds
    reloaded = await _payment(b, payment)
    assert [str(a) for a in vars(reloaded.amounts).values()] == ["100.00", "40.00", "60.00", "0.00"]
    assert await state(b, smaller) == ("paid", "0.00", "0.00")


async def test_a_refund_goes_to_the_gateway_when_the_tenant_asks(
    container: Container,
) -> None:  # PAY-5, PAY-6
    b = await billing(container, settings={"refund_at_gateway": True})
    invoice = await b.invoice("30.00")
    payment = await b.take(b.tenant, command(b, invoice))
    await b.settle(payment.id)
    await b.actions.void_invoice(b.tenant, invoice, "key:manager")
    outcome = await b.actions.refund(b.tenant, payment.id, "key:manager")
    assert outcome.at_gateway
    assert b.gateway.refunds == [(payment.transaction_id, Money.of("30.00", "USD"))]
    assert (await _payment(b, payment)).unapplied.amount == 0


async def test_cancel_only_after_the_settlement_failed(container: Container) -> None:  # PAY-7
    b = await billing(container)
    invoice = await b.invoice("45.00")
    payment = await b.take(b.tenant, command(b, invoice))
    with pytest.raises(DomainError) as refused:
        await b.actions.cancel(b.tenant, payment.id, "key:manager")
    assert refused.value.rule == "PAY-7"
    async with container.persistence.uow()(b.tenant) as uow:
        stored = await uow.payments.get(payment.id)
        stored.settlement_failed("R01 insufficient funds", container.core.clock().now())
        await uow.commit()
    cancelled = await b.actions.cancel(b.tenant, payment.id, "key:manager")
    assert cancelled.status is PaymentStatus.CANCELLED
    assert cancelled.transaction_id == payment.transaction_id
    assert await state(b, invoice) == ("open", "45.00", "0.00")


async def _payment(b: Billing, payment: Payment) -> Payment:
    async with b.container.persistence.uow()(b.tenant) as uow:
        found: Payment = await uow.payments.get(payment.id)
        return found


@pytest.mark.postgres
async def test_concurrent_payments_never_overpay_nor_charge_a_key_twice(
    postgres_url: str,
) -> None:  # PAY-2, PAY-15
    container = build_container(settings_for(postgres_url))
    try:
        await _race(container)
    finally:
        await container.persistence.probe().close()


async def _race(container: Container) -> None:
    b = await billing(container)
    b.gateway.latency = 0.01
    invoices = [await b.invoice("100.00") for _ in range(3)]
    # Per invoice: 8 requests of 30.00 (only 3 fit) under 4 keys, each key sent twice at once.
    commands = [
        command(b, invoice, "30.00", key=f"{invoice}-{i % 4}")
        for invoice in invoices
        for i in range(8)
    ]
    results = await asyncio.gather(*(b.take(b.tenant, c) for c in commands), return_exceptions=True)
    made = {r.id: r for r in results if isinstance(r, Payment)}
    assert all(isinstance(r, Payment | DomainError | Conflict) for r in results), results
    assert max(b.gateway.sales.values()) == 1  # one charge per payment, so per key
    assert sum(b.gateway.sales.values()) == len(made) == 9
    assert any(isinstance(r, DomainError) for r in results)  # the overpayments were refused
    for invoice in invoices:
        status, balance, held = await state(b, invoice)
        taken = [p for p in made.values() if p.invoice_id == invoice]
        assert len(taken) == 3  # four keys asked for 30.00 of 100.00: the fourth is refused
        assert status == "open"
        assert Decimal(balance) == Decimal("100.00") - sum(p.applied.amount for p in taken)
        assert Decimal(balance) >= 0
        assert held == "0.00"


async def test_concurrent_refunds_and_applies_never_move_the_same_unapplied_money_twice(
    postgres_url: str,
) -> None:  # PAY-4, PAY-5, MON-4
    container = build_container(settings_for(postgres_url))
    try:
        b = await billing(container)
        first = await b.invoice("100.00")
        targets = [await b.invoice("40.00") for _ in range(4)]
        payment = await b.take(b.tenant, command(b, first))
        await b.settle(payment.id)
        await b.actions.void_invoice(b.tenant, first, "key:manager")  # 100.00 now unapplied
        attempts = [
            *(b.actions.refund(b.tenant, payment.id, "key:manager") for _ in range(4)),
            *(b.actions.apply(b.tenant, payment.id, t, "key:manager") for t in targets),
        ]
        results = await asyncio.gather(*attempts, return_exceptions=True)
        done = [r for r in results if not isinstance(r, BaseException)]
        refused = [r for r in results if isinstance(r, BaseException)]
        assert all(isinstance(r, DomainError | Conflict) for r in refused), refused
        assert len(done) == 1  # the first to lock the payment moved its money; no one else could
        moved = await _payment(b, payment)
        amounts = moved.amounts
        assert amounts.sale - amounts.refund == amounts.applied + amounts.unapplied
        assert amounts.unapplied == 0
        applied_to = [t for t in targets if (await state(b, t))[0] == "paid"]
        if amounts.applied:  # applied to one invoice, 60.00 refunded
            assert (len(applied_to), amounts.refund) == (1, Decimal("60.00"))
        else:  # refunded whole
            assert (applied_to, amounts.refund) == ([], Decimal("100.00"))
    finally:
        await container.persistence.probe().close()


async def test_concurrent_refunds_at_the_gateway_refund_once(
    postgres_url: str,
) -> None:  # PAY-4, PAY-5, PAY-6, MON-4
    container = build_container(settings_for(postgres_url))
    try:
        b = await billing(container, settings={"refund_at_gateway": True})
        b.gateway.latency = 0.02  # the gateway's answer takes a while: the requests overlap
        first = await b.invoice("100.00")
        targets = [await b.invoice("60.00") for _ in range(3)]
        payment = await b.take(b.tenant, command(b, first))
        await b.settle(payment.id)
        await b.actions.void_invoice(b.tenant, first, "key:manager")
        attempts = [
            *(b.actions.refund(b.tenant, payment.id, "key:manager") for _ in range(3)),
            *(b.actions.apply(b.tenant, payment.id, t, "key:manager") for t in targets),
        ]
        results = await asyncio.gather(*attempts, return_exceptions=True)
        done = [r for r in results if not isinstance(r, BaseException)]
        refused = [r for r in results if isinstance(r, BaseException)]
        assert all(isinstance(r, DomainError | Conflict) for r in refused), refused
        assert len(done) == 1
        assert len(b.gateway.refunds) == 1  # one refund reached the gateway, once
        moved = await _payment(b, payment)
        assert moved.refund.amount == b.gateway.refunds[0][1].amount == moved.refunded_at_gateway
        assert moved.pending_refund is None
        held = [await state(b, t) for t in targets]
        assert all(h[2] == "0.00" for h in held)  # no invoice left held
    finally:
        await container.persistence.probe().close()
