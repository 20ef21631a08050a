"""Only collected money moves, refunds wait for the gateway, and refusals say what happened.

PAY-3..7, PAY-15, MON-4, without I/O. The helpers are those of ``test_payments``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from domain.billing import ledger
from domain.billing.invoice import InvoiceStatus
from domain.billing.payment import Payment, PaymentStatus, SettlementState
from domain.shared.errors import DomainError
from tests.unit.domain.test_payments import (
    LATER,
    NOW,
    amounts,
    invoice,
    pay,
    snapshot,
    usd,
)


def _status(payment: Payment) -> PaymentStatus:
    return payment.status  # read afresh: mypy would keep the status of an earlier assert


def _unapplied_then_failed() -> Payment:
    """Approved, moved off its voided invoice before settling, then failed to settle."""
    inv = invoice("100.00")
    payment = pay(inv)
    ledger.void_invoice(inv, [payment], "key:manager", NOW)
    payment.settlement_failed("R01 insufficient funds", LATER)
    return payment


def test_voiding_an_invoice_refuses_a_payment_that_never_settled() -> None:  # PAY-7, MON-4
    inv = invoice("100.00")
    payment = pay(inv)
    payment.settlement_failed("R01 insufficient funds", LATER)
    before = snapshot(inv, payment)
    with pytest.raises(DomainError) as refused:
        ledger.void_invoice(inv, [payment], "key:manager", LATER)
    assert (refused.value.rule, refused.value.code) == ("PAY-7", "payment_not_collected")
    assert "cancel it first" in refused.value.message
    assert snapshot(inv, payment) == before


def test_a_psa_void_keeps_an_uncollected_payment_on_the_void_invoice() -> None:  # PAY-3, PAY-7
    inv = invoice("100.00")
    failed, good = pay(inv, "60.00"), pay(inv, "40.00")
    failed.settlement_failed("R01 insufficient funds", LATER)
    moved = ledger.void_invoice(inv, [failed, good], "psa:1", LATER, by_psa=True)
    assert moved == [good]
    assert amounts(good) == ("40.00", "0.00", "0.00", "40.00")
    assert amounts(failed) == ("60.00", "0.00", "60.00", "0.00")  # never unapplied money
    assert failed.invoice_id == inv.id
    assert inv.status is InvoiceStatus.VOID
    assert inv.balance == usd("0.00")
    ledger.cancel(failed, inv, "key:manager", LATER)  # the only way off the void invoice
    assert amounts(failed) == ("0.00", "0.00", "0.00", "0.00")
    assert (inv.status, inv.applied_amount) == (InvoiceStatus.VOID, Decimal("0.00"))


@pytest.mark.parametrize("operation", ["apply", "refund"])
def test_money_never_collected_can_only_be_cancelled(operation: str) -> None:  # PAY-7, MON-4
    payment = _unapplied_then_failed()
    target = invoice("100.00")
    before = snapshot(payment, target)
    attempts = {
        "apply": lambda: ledger.apply_elsewhere(payment, target, "key:manager", LATER),
        "refund": lambda: payment.refund_unapplied("key:manager", LATER, at_gateway=False),
    }
    with pytest.raises(DomainError) as refused:
        attempts[operation]()
    assert (refused.value.rule, refused.value.code) == ("PAY-7", "payment_not_collected")
    assert "only cancelled" in refused.value.message
    assert snapshot(payment, target) == before
    ledger.cancel(payment, None, "key:manager", LATER)
    assert payment.status is PaymentStatus.CANCELLED
    assert amounts(payment) == ("0.00", "0.00", "0.00", "0.00")


def test_a_refund_waits_until_the_sale_settles() -> None:  # PAY-5, PAY-7, MON-4
    inv = invoice("100.00")
    payment = pay(inv)
    ledger.void_invoice(inv, [payment], "key:manager", LATER)
    smaller = invoice("70.00")
    before = snapshot(payment, smaller)
    attempts: list[Callable[[], object]] = [
        lambda: payment.refund_unapplied("key:manager", LATER, at_gateway=False),
        lambda: ledger.apply_elsewhere(payment, smaller, "key:manager", LATER),
    ]
    for attempt in attempts:
        with pytest.raises(DomainError) as refused:
            attempt()
        assert refused.value.code == "payment_not_settled"
        assert snapshot(payment, smaller) == before
    equal = invoice("100.00")  # nothing to refund: unsettled money may pay an equal invoice
    assert ledger.apply_elsewhere(payment, equal, "key:manager", LATER) == usd("0.00")
    assert equal.status is InvoiceStatus.PAID


def test_refunding_an_applied_payment_says_to_void_its_invoice_first() -> None:  # PAY-3, PAY-5
    inv = invoice("100.00")
    payment = pay(inv)
    payment.settled(LATER)
    with pytest.raises(DomainError) as refused:
        payment.refund_unapplied("key:manager", LATER, at_gateway=False)
    assert refused.value.code == "payment_applied"
    assert f"applied to invoice {inv.id}: void that invoice first" in refused.value.message


def test_cancelling_a_cancelled_payment_says_it_is_cancelled() -> None:  # PAY-7
    inv = invoice("100.00")
    payment = pay(inv)
    payment.settlement_failed("R01", LATER)
    ledger.cancel(payment, inv, "key:manager", LATER)
    with pytest.raises(DomainError, match="already cancelled"):
        ledger.cancel(payment, inv, "key:manager", LATER)


def test_a_void_invoice_owes_nothing() -> None:  # PAY-3
    inv = invoice("100.00")
    inv.void(LATER)
    assert (inv.balance, inv.available) == (usd("0.00"), usd("0.00"))
    assert inv.total == usd("100.00")


def test_paying_a_held_invoice_says_it_is_held() -> None:  # PAY-2, PAY-15
    inv = invoice("100.00")
    pay(inv, approve=False)
    with pytest.raises(DomainError) as refused:
        inv.check_payable()
    assert refused.value.code == "invoice_held"
    assert "waiting for the gateway" in refused.value.message
    paid = invoice("100.00")
    pay(paid)
    with pytest.raises(DomainError, match="already paid"):
        paid.check_payable()


def _state(*things: object) -> list[dict[str, object]]:
    return [{k: v for k, v in found.items() if k != "updated_at"} for found in snapshot(*things)]


# ---- PAY-6: a refund at the gateway moves no money until the gateway made it


def _settled_unapplied(total: str = "100.00") -> Payment:
    inv = invoice(total)
    payment = pay(inv)
    payment.settled(NOW)
    ledger.void_invoice(inv, [payment], "key:manager", NOW)
    return payment


def test_an_apply_with_a_refund_holds_the_invoice_until_the_gateway_answers() -> None:  # PAY-4
    payment, target = _settled_unapplied(), invoice("80.00")
    refund = ledger.send_refund(payment, target, Decimal("0.00"), "key:manager", LATER)
    assert refund == usd("20.00")
    assert amounts(payment) == ("100.00", "0.00", "0.00", "100.00")  # nothing moved yet
    assert (target.status, target.held, target.available) == (
        InvoiceStatus.OPEN,
        usd("80.00"),
        usd("0.00"),
    )
    pending = payment.pending_refund
    assert pending is not None
    assert (pending.amount, pending.invoice_id) == (Decimal("20.00"), target.id)
    ledger.refund_made(payment, target, "rf-1", LATER)
    assert amounts(payment) == ("100.00", "20.00", "80.00", "0.00")
    assert payment.refunded_at_gateway == Decimal("20.00")
    assert payment.pending_refund is None
    assert (target.status, target.held, target.balance) == (
        InvoiceStatus.PAID,
        usd("0.00"),
        usd("0.00"),
    )


def test_a_refund_the_gateway_refused_leaves_every_amount_as_it_was() -> None:  # MON-4, PAY-4
    payment, target = _settled_unapplied(), invoice("80.00")
    before = _state(payment, target)
    ledger.send_refund(payment, target, Decimal("0.00"), "key:manager", LATER)
    ledger.refund_not_made(payment, target, "Refund amount may not exceed", LATER)
    assert _state(payment, target) == before  # all but the time of the last change
    assert payment.pull_history()[-1].note == "Refund amount may not exceed"


def test_nothing_moves_the_money_while_its_refund_is_on_its_way() -> None:  # MON-4, PAY-5
    payment = _settled_unapplied()
    ledger.send_refund(payment, None, Decimal("0.00"), "key:manager", LATER)
    before = snapshot(payment)
    attempts: list[Callable[[], object]] = [
        lambda: payment.refund_unapplied("key:manager", LATER, at_gateway=False),
        lambda: ledger.apply_elsewhere(payment, invoice("50.00"), "key:manager", LATER),
        lambda: ledger.send_refund(payment, None, Decimal("0.00"), "key:manager", LATER),
        lambda: ledger.cancel(payment, None, "key:manager", LATER),
    ]
    for attempt in attempts:
        with pytest.raises(DomainError):
            attempt()
        assert snapshot(payment) == before
    ledger.refund_made(payment, None, "rf-9", LATER)
    assert amounts(payment) == ("100.00", "100.00", "0.00", "0.00")


# ---- PAY-15: a sale the gateway turned away unread holds nothing and is sent again


def test_an_unsent_sale_holds_nothing_and_its_key_sends_it_again() -> None:  # PAY-15, MON-4
    inv = invoice("100.00")
    payment = pay(inv, approve=False)
    ledger.not_sent(inv, payment, message="rate limited", now=LATER)
    assert _status(payment) is PaymentStatus.UNSENT
    assert amounts(payment) == ("0.00", "0.00", "0.00", "0.00")
    assert (inv.held, inv.available) == (usd("0.00"), usd("100.00"))
    ledger.resend(inv, payment, "key:manager", LATER)
    assert _status(payment) is PaymentStatus.PENDING
    assert (inv.held, inv.available) == (usd("100.00"), usd("0.00"))
    ledger.approved(inv, payment, transaction_id="t-2", message="ok", code="100", now=LATER)
    assert (payment.settlement, inv.status) == (SettlementState.PENDING, InvoiceStatus.PAID)
