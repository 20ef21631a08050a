"""Payment use cases over the in-memory fakes: the memory persistence family, ``FakeGateway``
and ``FakeAccounting`` (PAY-2..7, PAY-9, PAY-11, PAY-15). The same flows run on SQLite and
PostgreSQL in ``tests/integration/test_payments.py``; these are the fast ones.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from application.billing.actions import RefundRefused, RefundStatus, ResolvePendingRefunds
from application.billing.gateway import enabled_connection
from application.billing.methods import GatewayMissing
from application.billing.payments import TakePaymentCommand
from application.billing.ports import GatewayOutcome
from application.billing.watch import WatchPayments
from application.integrations.connections import ConnectionConfigs
from application.integrations.ports import ConnectionConfig, VendorRateLimited
from application.shared.errors import Conflict
from domain.billing.invoice import InvoiceId, InvoiceStatus
from domain.billing.methods import Environment
from domain.billing.payment import Payment, PaymentId, PaymentStatus, SettlementState
from domain.integrations.connection import Family
from domain.shared.errors import DomainError
from domain.shared.money import Money
from entrypoints.containers import Container, build_container
from entrypoints.settings import Settings
from tests.support.billing import Billing, billing

ACTOR = "key:manager"


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


def command(
    b: Billing, invoice: InvoiceId, amount: str | None = None, key: str = "k1"
) -> TakePaymentCommand:
    return TakePaymentCommand(
        invoice_id=invoice,
        method_id=b.method,
        contact_id=b.contact,
        environment=Environment.STAFF,
        idempotency_key=key,
        actor=ACTOR,
        amount=usd(amount) if amount else None,
    )


async def invoice_state(b: Billing, invoice: InvoiceId) -> tuple[InvoiceStatus, str, str]:
    async with b.container.persistence.uow()(b.tenant) as uow:
        found = await uow.invoices.get(invoice)
        return found.status, str(found.balance.amount), str(found.held.amount)


async def stored(b: Billing, payment_id: PaymentId) -> Payment:
    async with b.container.persistence.uow()(b.tenant) as uow:
        found: Payment = await uow.payments.get(payment_id)
        return found


def amounts(payment: Payment) -> list[str]:
    """sale, refund, applied, unapplied"""
    return [str(a) for a in vars(payment.amounts).values()]


async def gateway_config(b: Billing) -> ConnectionConfig:
    async with b.container.persistence.uow()(b.tenant) as uow:
        connection = await enabled_connection(uow, Family.PAYMENTS)
    assert connection is not None
    configs: ConnectionConfigs = b.container.integrations.configs()
    return configs.of(connection)


@pytest.fixture(scope="module")
def hub() -> Container:
    """One fake hub for the module (its vendor clients are built once); each test its tenant."""
    return build_container(Settings(), persistence="memory")


@pytest.fixture
async def b(hub: Container) -> Billing:
    return await billing(hub)


@pytest.fixture
async def at_gateway(hub: Container) -> Billing:
    """A tenant whose refunds are made at the gateway (PAY-6)."""
    return await billing(hub, settings={"refund_at_gateway": True})


async def collected(b: Billing, total: str = "100.00") -> tuple[InvoiceId, Payment]:
    """An invoice paid whole and settled, then voided: its payment's money is unapplied."""
    invoice = await b.invoice(total)
    payment = await b.take(b.tenant, command(b, invoice, key=f"paid-{invoice}"))
    await b.settle(payment.id)
    await b.actions.void_invoice(b.tenant, invoice, ACTOR)
    return invoice, await stored(b, payment.id)


# Taking a payment: PAY-2, PAY-9, PAY-11 and PAY-15.


async def test_an_approved_payment_pays_the_invoice_pay_2_pay_9_pay_11(b: Billing) -> None:
    invoice = await b.invoice("120.00")
    payment = await b.take(b.tenant, command(b, invoice))
    assert (payment.status, payment.settlement) == (
        PaymentStatus.APPROVED,
        SettlementState.PENDING,
    )
    assert payment.transaction_id  # PAY-9
    assert payment.contact_id == b.contact  # PAY-11
    assert amounts(payment) == ["120.00", "0.00", "120.00", "0.00"]
    assert await invoice_state(b, invoice) == (InvoiceStatus.PAID, "0.00", "0.00")
    assert b.gateway.sales == {str(payment.id): 1}
    async with b.container.persistence.uow()(b.tenant) as uow:
        history = await uow.payments.history(payment.id)
    assert [(h.action, h.actor) for h in history] == [("requested", ACTOR), ("approved", "gateway")]


async def test_a_partial_payment_leaves_the_rest_to_pay_pay_2(b: Billing) -> None:
    invoice = await b.invoice("100.00")
    await b.take(b.tenant, command(b, invoice, "30.00"))
    assert await invoice_state(b, invoice) == (InvoiceStatus.OPEN, "70.00", "0.00")
    with pytest.raises(DomainError):
        await b.take(b.tenant, command(b, invoice, "70.01", key="k2"))  # never more than left
    assert sum(b.gateway.sales.values()) == 1


async def test_a_declined_payment_moves_no_money_pay_2(b: Billing) -> None:
    invoice = await b.invoice("80.00")
    b.gateway.outcome = GatewayOutcome.DECLINED
    payment = await b.take(b.tenant, command(b, invoice))
    assert payment.status is PaymentStatus.DECLINED
    assert amounts(payment) == ["0.00", "0.00", "0.00", "0.00"]
    assert await invoice_state(b, invoice) == (InvoiceStatus.OPEN, "80.00", "0.00")


async def test_an_invoice_paid_in_the_accounting_system_is_not_charged_pay_2(b: Billing) -> None:
    invoice = await b.invoice("80.00")
    async with b.container.persistence.uow()(b.tenant) as uow:
        accounting_id = (await uow.invoices.get(invoice)).accounting_id
    assert accounting_id is not None
    b.accounting.balances[accounting_id] = Decimal("0.00")
    with pytest.raises(DomainError, match="already paid in the accounting system"):
        await b.take(b.tenant, command(b, invoice))
    assert not b.gateway.sales


async def test_a_replayed_key_is_the_same_payment_charged_once_pay_15(b: Billing) -> None:
    invoice = await b.invoice("50.00")
    first = await b.take(b.tenant, command(b, invoice, "20.00"))
    again = await b.take(b.tenant, command(b, invoice, "20.00"))
    assert again.id == first.id
    assert sum(b.gateway.sales.values()) == 1
    with pytest.raises(Conflict):
        await b.take(b.tenant, command(b, invoice, "21.00"))  # the same key, another payment


async def test_an_unanswered_sale_stays_pending_and_held_until_resolved_pay_15(
    b: Billing,
) -> None:
    invoice = await b.invoice("80.00")
    b.gateway.time_out = True
    payment = await b.take(b.tenant, command(b, invoice))
    assert payment.status is PaymentStatus.PENDING
    assert await invoice_state(b, invoice) == (InvoiceStatus.OPEN, "80.00", "80.00")
    with pytest.raises(DomainError):
        await b.take(b.tenant, command(b, invoice, "1.00", key="k2"))  # nothing left to take
    resolved = await b.resolve(b.tenant, payment.id)
    assert resolved.status is PaymentStatus.APPROVED  # the sale had reached the gateway
    assert await invoice_state(b, invoice) == (InvoiceStatus.PAID, "0.00", "0.00")
    assert sum(b.gateway.sales.values()) == 1


async def test_a_sale_that_never_reached_the_gateway_resolves_declined_pay_2(b: Billing) -> None:
    invoice = await b.invoice("80.00")
    b.gateway.time_out = True
    payment = await b.take(b.tenant, command(b, invoice))
    del b.gateway.answers[str(payment.id)]  # the gateway has no such order
    resolved = await b.resolve(b.tenant, payment.id)
    assert resolved.status is PaymentStatus.DECLINED
    assert await invoice_state(b, invoice) == (InvoiceStatus.OPEN, "80.00", "0.00")  # released


async def test_a_turned_away_sale_is_unsent_and_the_same_key_sends_it_again_pay_15(
    b: Billing,
) -> None:
    invoice = await b.invoice("60.00")
    b.gateway.rate_limited = True
    with pytest.raises(VendorRateLimited):
        await b.take(b.tenant, command(b, invoice))
    async with b.container.persistence.uow()(b.tenant) as uow:
        unsent = await uow.payments.by_idempotency_key("k1")
    assert unsent is not None
    assert unsent.status is PaymentStatus.UNSENT
    assert await invoice_state(b, invoice) == (InvoiceStatus.OPEN, "60.00", "0.00")  # no hold
    b.gateway.rate_limited = False
    sent = await b.take(b.tenant, command(b, invoice))
    assert (sent.id, sent.status) == (unsent.id, PaymentStatus.APPROVED)
    assert b.gateway.sales == {str(sent.id): 1}


async def test_the_watch_resolves_pending_payments_of_every_tenant_pay_15(
    memory_container: Container,
) -> None:
    """A hub of its own: the watch goes over every tenant of it."""
    one, two = await billing(memory_container), await billing(memory_container)
    pending = []
    for b in (one, two):
        b.gateway.time_out = True
        payment = await b.take(b.tenant, command(b, await b.invoice("10.00")))
        pending.append((b, payment))
    container = memory_container
    gateway = one.gateway
    gateway.answers.update(two.gateway.answers)  # one gateway answers for both tenants
    watch = WatchPayments(
        container.persistence.uow(),
        container.integrations.configs(),
        gateway,
        container.core.clock(),
        watchlist=container.persistence.payment_watchlist(),
        resolve=one.resolve,
        refunds=ResolvePendingRefunds(container.persistence.uow(), gateway, container.core.clock()),
        pending_grace_seconds=0,
    )
    report = await watch.round()
    assert report.resolved == 2
    for b, payment in pending:
        assert (await stored(b, payment.id)).status is PaymentStatus.APPROVED


# Void, apply, refund and cancel: PAY-3 to PAY-7.


async def test_voiding_the_invoice_keeps_the_payment_unapplied_pay_3(b: Billing) -> None:
    invoice, payment = await collected(b, "100.00")
    assert await invoice_state(b, invoice) == (InvoiceStatus.VOID, "0.00", "0.00")
    assert amounts(payment) == ["100.00", "0.00", "0.00", "100.00"]
    assert payment.invoice_id is None


async def test_applying_to_an_equal_invoice_refunds_nothing_pay_4(b: Billing) -> None:
    _, payment = await collected(b, "100.00")
    target = await b.invoice("100.00")
    outcome = await b.actions.apply(b.tenant, payment.id, target, ACTOR)
    assert (outcome.status, outcome.refunded) == (RefundStatus.NONE, usd("0.00"))
    assert amounts(await stored(b, payment.id)) == ["100.00", "0.00", "100.00", "0.00"]
    assert await invoice_state(b, target) == (InvoiceStatus.PAID, "0.00", "0.00")


async def test_applying_to_a_smaller_invoice_records_the_difference_refunded_pay_4_pay_6(
    b: Billing,
) -> None:
    _, payment = await collected(b, "100.00")
    target = await b.invoice("60.00")
    outcome = await b.actions.apply(b.tenant, payment.id, target, ACTOR)
    assert (outcome.status, outcome.refunded) == (RefundStatus.RECORDED, usd("40.00"))
    assert "issue the refund" in outcome.instruction  # PAY-6: a person issues it at the gateway
    assert not b.gateway.refunds
    assert amounts(await stored(b, payment.id)) == ["100.00", "40.00", "60.00", "0.00"]


async def test_applying_to_a_larger_invoice_is_refused_pay_4(b: Billing) -> None:
    _, payment = await collected(b, "50.00")
    target = await b.invoice("50.01")
    with pytest.raises(DomainError):
        await b.actions.apply(b.tenant, payment.id, target, ACTOR)
    assert amounts(await stored(b, payment.id)) == ["50.00", "0.00", "0.00", "50.00"]
    assert await invoice_state(b, target) == (InvoiceStatus.OPEN, "50.01", "0.00")


async def test_a_full_refund_in_the_hub_only_pay_5_pay_6(b: Billing) -> None:
    _, payment = await collected(b, "30.00")
    outcome = await b.actions.refund(b.tenant, payment.id, ACTOR)
    assert (outcome.status, outcome.refunded, outcome.at_gateway) == (
        RefundStatus.RECORDED,
        usd("30.00"),
        False,
    )
    assert not b.gateway.refunds
    assert amounts(await stored(b, payment.id)) == ["30.00", "30.00", "0.00", "0.00"]
    with pytest.raises(DomainError):
        await b.actions.refund(b.tenant, payment.id, ACTOR)  # nothing left to refund


async def test_no_refund_before_the_sale_settled_nor_after_it_failed_pay_5_pay_7(
    b: Billing,
) -> None:
    invoice = await b.invoice("40.00")
    payment = await b.take(b.tenant, command(b, invoice))
    await b.actions.void_invoice(b.tenant, invoice, ACTOR)
    with pytest.raises(DomainError) as not_yet:
        await b.actions.refund(b.tenant, payment.id, ACTOR)
    assert not_yet.value.rule == "PAY-5"  # a refund needs a settled sale
    await b.settle(payment.id, failed=True)
    with pytest.raises(DomainError) as never:
        await b.actions.refund(b.tenant, payment.id, ACTOR)
    assert never.value.rule == "PAY-7"  # never collected: it can only be cancelled
    assert amounts(await stored(b, payment.id)) == ["40.00", "0.00", "0.00", "40.00"]


async def test_a_refund_made_at_the_gateway_pay_5_pay_6(at_gateway: Billing) -> None:
    b = at_gateway
    _, payment = await collected(b, "30.00")
    outcome = await b.actions.refund(b.tenant, payment.id, ACTOR)
    assert (outcome.status, outcome.at_gateway) == (RefundStatus.MADE, True)
    assert b.gateway.refunds == [(payment.transaction_id, usd("30.00"))]
    moved = await stored(b, payment.id)
    assert amounts(moved) == ["30.00", "30.00", "0.00", "0.00"]
    assert (moved.refunded_at_gateway, moved.pending_refund) == (Decimal("30.00"), None)


async def test_an_apply_at_the_gateway_refunds_the_difference_there_pay_4_pay_6(
    at_gateway: Billing,
) -> None:
    b = at_gateway
    _, payment = await collected(b, "100.00")
    target = await b.invoice("75.00")
    outcome = await b.actions.apply(b.tenant, payment.id, target, ACTOR)
    assert (outcome.status, outcome.refunded) == (RefundStatus.MADE, usd("25.00"))
    assert b.gateway.refunds == [(payment.transaction_id, usd("25.00"))]
    assert amounts(await stored(b, payment.id)) == ["100.00", "25.00", "75.00", "0.00"]
    assert await invoice_state(b, target) == (InvoiceStatus.PAID, "0.00", "0.00")


async def test_a_refund_the_gateway_refuses_changes_nothing_pay_6(at_gateway: Billing) -> None:
    b = at_gateway
    _, payment = await collected(b, "30.00")
    b.gateway.refund_answer = "refuse"
    with pytest.raises(RefundRefused):
        await b.actions.refund(b.tenant, payment.id, ACTOR)
    kept = await stored(b, payment.id)
    assert amounts(kept) == ["30.00", "0.00", "0.00", "30.00"]
    assert kept.pending_refund is None


async def test_a_refund_turned_away_unread_changes_nothing_pay_6(at_gateway: Billing) -> None:
    b = at_gateway
    _, payment = await collected(b, "30.00")
    target = await b.invoice("20.00")
    b.gateway.refund_answer = "rate_limit"
    with pytest.raises(VendorRateLimited):
        await b.actions.apply(b.tenant, payment.id, target, ACTOR)
    kept = await stored(b, payment.id)
    assert amounts(kept) == ["30.00", "0.00", "0.00", "30.00"]
    assert kept.pending_refund is None
    assert await invoice_state(b, target) == (InvoiceStatus.OPEN, "20.00", "0.00")  # not held


@pytest.mark.parametrize(
    ("answer", "made"),
    [("lose", True), ("drop", False)],
    ids=["made, its answer lost", "never arrived"],
)
async def test_an_unanswered_refund_waits_for_resolve_pending_refunds_pay_6(
    at_gateway: Billing, answer: str, made: bool
) -> None:
    b = at_gateway
    _, payment = await collected(b, "30.00")
    b.gateway.refund_answer = answer
    outcome = await b.actions.refund(b.tenant, payment.id, ACTOR)
    assert outcome.status is RefundStatus.PENDING
    waiting = await stored(b, payment.id)
    assert waiting.pending_refund is not None
    assert amounts(waiting) == ["30.00", "0.00", "0.00", "30.00"]  # nothing moved yet
    with pytest.raises(DomainError):
        await b.actions.refund(b.tenant, payment.id, ACTOR)  # nothing else moves it meanwhile
    resolve = ResolvePendingRefunds(
        b.container.persistence.uow(), b.gateway, b.container.core.clock(), grace_seconds=0
    )
    assert await resolve(b.tenant, waiting, await gateway_config(b))
    resolved = await stored(b, payment.id)
    assert resolved.pending_refund is None
    if made:
        assert amounts(resolved) == ["30.00", "30.00", "0.00", "0.00"]
        assert resolved.refunded_at_gateway == Decimal("30.00")
    else:
        assert amounts(resolved) == ["30.00", "0.00", "0.00", "30.00"]
        assert resolved.refunded_at_gateway == 0


async def test_a_refund_still_in_its_grace_period_is_left_alone_pay_6(at_gateway: Billing) -> None:
    b = at_gateway
    _, payment = await collected(b, "30.00")
    b.gateway.refund_answer = "lose"
    await b.actions.refund(b.tenant, payment.id, ACTOR)
    resolve = ResolvePendingRefunds(
        b.container.persistence.uow(), b.gateway, b.container.core.clock(), grace_seconds=3600
    )
    assert not await resolve(b.tenant, await stored(b, payment.id), await gateway_config(b))
    assert (await stored(b, payment.id)).pending_refund is not None


async def test_cancel_only_after_the_settlement_failed_pay_7(b: Billing) -> None:
    invoice = await b.invoice("45.00")
    payment = await b.take(b.tenant, command(b, invoice))
    with pytest.raises(DomainError) as refused:
        await b.actions.cancel(b.tenant, payment.id, ACTOR)
    assert refused.value.rule == "PAY-7"
    await b.settle(payment.id, failed=True)
    cancelled = await b.actions.cancel(b.tenant, payment.id, ACTOR)
    assert cancelled.status is PaymentStatus.CANCELLED
    assert cancelled.transaction_id == payment.transaction_id  # the transaction id stays
    assert amounts(cancelled) == ["0.00", "0.00", "0.00", "0.00"]
    assert await invoice_state(b, invoice) == (InvoiceStatus.OPEN, "45.00", "0.00")


async def test_a_settled_payment_cannot_be_cancelled_pay_7(b: Billing) -> None:
    invoice = await b.invoice("45.00")
    payment = await b.take(b.tenant, command(b, invoice))
    await b.settle(payment.id)
    with pytest.raises(DomainError) as refused:
        await b.actions.cancel(b.tenant, payment.id, ACTOR)
    assert refused.value.rule == "PAY-7"
    assert await invoice_state(b, invoice) == (InvoiceStatus.PAID, "0.00", "0.00")


# Removing a method: PAY-8, on both sides or neither.


async def test_a_method_is_not_removed_here_while_the_gateway_that_vaults_it_is_off_pay_8(
    b: Billing,
) -> None:
    async with b.container.persistence.uow()(b.tenant) as uow:
        connection = await enabled_connection(uow, Family.PAYMENTS)
        assert connection is not None
        connection.disable(b.container.core.clock().now())
        await uow.commit()
        method = await uow.payment_methods.get(b.method)
    remove = b.container.billing.remove_payment_method()

    with pytest.raises(GatewayMissing):
        await remove(b.tenant, method.organization_id, b.method)

    async with b.container.persistence.uow()(b.tenant) as uow:
        assert (await uow.payment_methods.get(b.method)).active  # still listed, still vaulted
