"""Invoices and payments without I/O: PAY-1..7, PAY-11, PAY-15, MON-2, MON-4."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from domain.billing import ledger
from domain.billing.invoice import Invoice, InvoiceDetails, InvoiceId, InvoiceStatus
from domain.billing.methods import Environment, MethodDetails, MethodKind
from domain.billing.payment import (
    Payment,
    PaymentId,
    PaymentRefunded,
    PaymentRequest,
    PaymentStatus,
    SettlementState,
)
from domain.crm.organization import ContactId, OrganizationId
from domain.identity.tenant import TenantId
from domain.shared.errors import DomainError, InvalidValue
from domain.shared.money import Money

TENANT = TenantId(UUID(int=1))
ORG = OrganizationId(UUID(int=2))
OTHER_ORG = OrganizationId(UUID(int=3))
CONTACT = ContactId(UUID(int=4))
METHOD_ID = UUID(int=5)
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
CARD = MethodDetails("vault-1", MethodKind.CARD, "visa", "1111")
_ids = iter(range(1000, 10**9))


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


def invoice(total: str = "100.00", *, numbered: bool = True, org: OrganizationId = ORG) -> Invoice:
    made = Invoice(
        id=InvoiceId(UUID(int=next(_ids))),
        tenant_id=TENANT,
        details=InvoiceDetails(
            psa_number=f"AT-{next(_ids)}",
            organization_id=org,
            total=usd(total),
            invoice_date=date(2026, 11, 1),
        ),
        now=NOW,
    )
    if numbered:
        made.numbered(f"{next(_ids)}", f"qb-{next(_ids)}", NOW)
    return made


def request(on: Invoice, amount: str | None = None, key: str = "k-1") -> PaymentRequest:
    return PaymentRequest(
        invoice_id=on.id,
        organization_id=on.organization_id,
        contact_id=CONTACT,
        amount=usd(amount) if amount else on.available,
        method_id=METHOD_ID,
        method=CARD,
        environment=Environment.STAFF,
        idempotency_key=key,
    )


def pay(on: Invoice, amount: str | None = None, *, approve: bool = True) -> Payment:
    payment = ledger.start_payment(
        on,
        request(on, amount),
        payment_id=PaymentId(UUID(int=next(_ids))),
        tenant_id=TENANT,
        actor="key:manager",
        now=NOW,
    )
    if approve:
        ledger.approved(on, payment, transaction_id="tx-1", message="SUCCESS", code="100", now=NOW)
    return payment


def payable(inv: Invoice) -> bool:
    return inv.payable


def status(inv: Invoice) -> InvoiceStatus:
    return inv.status


def amounts(payment: Payment) -> tuple[str, str, str, str]:
    a = payment.amounts
    return (str(a.sale), str(a.refund), str(a.applied), str(a.unapplied))


def snapshot(*things: object) -> list[dict[str, object]]:
    return [
        {k: v for k, v in copy.deepcopy(vars(t)).items() if not k.startswith("_")} for t in things
    ]


# ---- PAY-1: payable only once numbered, while no date paid


def test_an_invoice_without_its_accounting_number_is_not_payable() -> None:  # PAY-1
    fresh = invoice(numbered=False)
    assert not payable(fresh)
    with pytest.raises(DomainError) as refused:
        fresh.check_payment(usd("10.00"))
    assert refused.value.rule == "PAY-1"
    fresh.numbered("1001", "qb-1", NOW)
    assert payable(fresh)
    assert fresh.number == "1001"


# ---- PAY-2: a sale = payment = applied; partial allowed; never above the balance


def test_full_payment_is_a_sale_equal_to_the_applied_amount() -> None:  # PAY-2
    inv = invoice("250.00")
    payment = pay(inv)
    assert amounts(payment) == ("250.00", "0.00", "250.00", "0.00")
    assert inv.status is InvoiceStatus.PAID
    assert inv.date_paid == NOW
    assert inv.balance == usd("0.00")


def test_partial_payments_leave_the_rest_to_pay() -> None:  # PAY-2
    inv = invoice("250.00")
    pay(inv, "100.00")
    assert inv.balance == usd("150.00")
    assert status(inv) is InvoiceStatus.OPEN
    assert payable(inv)
    pay(inv, "150.00")
    assert status(inv) is InvoiceStatus.PAID


@pytest.mark.parametrize(
    ("amount", "field"),
    [("100.01", "amount.amount"), ("0.00", "amount.amount"), ("-1.00", "amount.amount")],
)
def test_a_payment_above_the_balance_or_not_positive_is_refused(amount: str, field: str) -> None:
    inv = invoice("100.00")  # PAY-2, MON-4
    before = snapshot(inv)
    with pytest.raises((DomainError, InvalidValue)) as refused:
        pay(inv, amount)
    assert refused.value.field == field
    assert snapshot(inv) == before


def test_a_paid_invoice_takes_no_payment() -> None:  # PAY-2
    inv = invoice("100.00")
    pay(inv)
    with pytest.raises(DomainError) as refused:
        pay(inv, "1.00")
    assert refused.value.rule == "PAY-2"


def test_a_payment_in_another_currency_is_refused() -> None:  # MON-2
    inv = invoice("100.00")
    other = PaymentRequest(**{**vars(request(inv)), "amount": Money.of("10.00", "EUR")})
    with pytest.raises(InvalidValue) as refused:
        ledger.start_payment(
            inv, other, payment_id=PaymentId(UUID(int=9)), tenant_id=TENANT, actor="a", now=NOW
        )
    assert refused.value.rule == "MON-2"
    assert inv.held_amount == 0


def test_money_held_by_a_pending_payment_cannot_be_paid_twice() -> None:  # PAY-2, PAY-15
    inv = invoice("100.00")
    waiting = pay(inv, approve=False)
    assert waiting.status is PaymentStatus.PENDING
    assert inv.status is InvoiceStatus.OPEN  # not paid until the gateway says so
    assert inv.available == usd("0.00")
    with pytest.raises(DomainError):
        pay(inv, "0.01")


def test_a_decline_moves_no_money() -> None:
    inv = invoice("100.00")
    payment = pay(inv, approve=False)
    ledger.declined(inv, payment, message="DECLINE", code="200", now=NOW)
    assert payment.status is PaymentStatus.DECLINED
    assert amounts(payment) == ("0.00", "0.00", "0.00", "0.00")
    assert inv.available == usd("100.00")
    assert inv.balance == usd("100.00")


def test_a_replayed_key_must_ask_for_the_same_payment() -> None:  # PAY-15
    inv = invoice("100.00")
    payment = pay(inv, "40.00", approve=False)
    assert payment.asked_for(request(inv, "40.00"))
    assert not payment.asked_for(request(inv, "41.00"))


def test_a_staff_payment_names_its_contact() -> None:  # PAY-11
    payment = pay(invoice())
    assert payment.contact_id == CONTACT
    assert payment.pull_history()[0].actor == "key:manager"


# ---- PAY-3: void keeps the payment as unapplied


def test_void_invoice_moves_payment_to_unapplied() -> None:  # PAY-3
    inv = invoice("100.00")
    payment = pay(inv)
    ledger.void_invoice(inv, [payment], "key:manager", LATER)
    assert inv.status is InvoiceStatus.VOID
    assert inv.date_paid is None
    assert amounts(payment) == ("100.00", "0.00", "0.00", "100.00")
    assert payment.invoice_id is None


def test_an_invoice_with_a_pending_payment_cannot_be_voided() -> None:  # PAY-3, MON-4
    inv = invoice("100.00")
    waiting = pay(inv, approve=False)
    before = snapshot(inv, waiting)
    with pytest.raises(DomainError) as refused:
        ledger.void_invoice(inv, [waiting], "key:manager", LATER)
    assert refused.value.code == "payment_in_flight"
    assert snapshot(inv, waiting) == before


# ---- PAY-4: apply the unapplied amount to an invoice of equal or lower total


def _unapplied(total: str, *, settled: bool = True) -> Payment:
    inv = invoice(total)
    payment = pay(inv)
    if settled:  # the money was collected: it may be refunded (PAY-5, PAY-7)
        payment.settled(NOW)
    ledger.void_invoice(inv, [payment], "key:manager", LATER)
    return payment


def test_apply_unapplied_to_an_equal_invoice() -> None:  # PAY-4
    payment = _unapplied("100.00")
    target = invoice("100.00")
    refund = ledger.apply_elsewhere(payment, target, "key:manager", LATER)
    assert refund == usd("0.00")
    assert amounts(payment) == ("100.00", "0.00", "100.00", "0.00")
    assert target.status is InvoiceStatus.PAID
    assert payment.invoice_id == target.id


def test_apply_unapplied_to_a_lower_invoice_refunds_the_difference() -> None:  # PAY-4
    payment = _unapplied("100.00")
    target = invoice("70.00")
    refund = ledger.apply_elsewhere(payment, target, "key:manager", LATER)
    assert refund == usd("30.00")
    assert amounts(payment) == ("100.00", "30.00", "70.00", "0.00")
    assert target.balance == usd("0.00")


@pytest.mark.parametrize("case", ["higher", "other_org", "partly_paid", "unnumbered"])
def test_apply_unapplied_refusals_change_nothing(case: str) -> None:  # PAY-4, MON-4
    payment = _unapplied("100.00")
    targets: dict[str, Callable[[], Invoice]] = {
        "higher": lambda: invoice("100.01"),
        "other_org": lambda: invoice("50.00", org=OTHER_ORG),
        "partly_paid": _partly_paid,
        "unnumbered": lambda: invoice("50.00", numbered=False),
    }
    target = targets[case]()
    before = snapshot(payment, target)
    with pytest.raises(DomainError):
        ledger.apply_elsewhere(payment, target, "key:manager", LATER)
    assert snapshot(payment, target) == before


def _partly_paid() -> Invoice:
    inv = invoice("80.00")
    pay(inv, "10.00")
    return inv


# ---- PAY-5 / PAY-6: full refund of the unapplied amount


def test_full_refund_of_the_unapplied_amount() -> None:  # PAY-5
    payment = _unapplied("100.00")
    refunded = payment.refund_unapplied("key:manager", LATER, at_gateway=False)
    assert refunded == usd("100.00")
    assert amounts(payment) == ("100.00", "100.00", "0.00", "0.00")


def test_a_refund_needs_an_unapplied_amount() -> None:  # PAY-5, MON-4
    payment = pay(invoice("100.00"))
    before = snapshot(payment)
    with pytest.raises(DomainError) as refused:
        payment.refund_unapplied("key:manager", LATER, at_gateway=False)
    assert refused.value.rule == "PAY-5"
    assert snapshot(payment) == before


def test_the_refund_records_whether_the_gateway_was_told() -> None:  # PAY-6
    payment = _unapplied("100.00")
    payment.pull_events()
    payment.refund_unapplied("key:manager", LATER, at_gateway=False)
    (event,) = payment.pull_events()
    assert isinstance(event, PaymentRefunded)
    assert event.at_gateway is False


# ---- PAY-7: cancel a payment that did not settle


def test_cancel_a_payment_that_failed_to_settle() -> None:  # PAY-7
    inv = invoice("100.00")
    payment = pay(inv)
    payment.settlement_failed("R01 insufficient funds", LATER)
    ledger.cancel(payment, inv, "key:manager", LATER)
    assert payment.status is PaymentStatus.CANCELLED
    assert amounts(payment) == ("0.00", "0.00", "0.00", "0.00")
    assert payment.transaction_id == "tx-1"  # the transaction id stays
    assert inv.date_paid is None
    assert inv.status is InvoiceStatus.OPEN
    assert inv.balance == usd("100.00")


@pytest.mark.parametrize("settlement", [SettlementState.PENDING, SettlementState.SETTLED])
def test_only_a_payment_that_failed_to_settle_can_be_cancelled(
    settlement: SettlementState,
) -> None:  # PAY-7, MON-4
    inv = invoice("100.00")
    payment = pay(inv)
    if settlement is SettlementState.SETTLED:
        payment.settled(LATER)
    before = snapshot(inv, payment)
    with pytest.raises(DomainError) as refused:
        ledger.cancel(payment, inv, "key:manager", LATER)
    assert refused.value.rule == "PAY-7"
    assert snapshot(inv, payment) == before


def test_a_settled_payment_is_never_flagged_failed_afterwards() -> None:  # PAY-7
    payment = pay(invoice())
    payment.settled(LATER)
    payment.settlement_failed("late news", LATER)
    assert payment.settlement is SettlementState.SETTLED


def test_every_change_is_in_the_history_with_amounts_before_and_after() -> None:
    inv = invoice("100.00")
    payment = pay(inv)
    payment.settled(LATER)
    ledger.void_invoice(inv, [payment], "key:manager", LATER)
    payment.refund_unapplied("key:boss", LATER, at_gateway=True)
    history = payment.pull_history()
    assert [h.action for h in history] == [
        "requested",
        "approved",
        "settled",
        "invoice_voided",
        "refunded",
    ]
    refunded = history[-1]
    assert refunded.actor == "key:boss"
    assert refunded.before.unapplied == Decimal("100.00")
    assert refunded.after.refund == Decimal("100.00")
    assert payment.pull_history() == []  # each entry is handed over once


# ---- MON-4 and the payment identity under any sequence of operations


class Ledger(RuleBasedStateMachine):
    """Random sequences of every operation; refusals change nothing, invariants always hold."""

    def __init__(self) -> None:
        super().__init__()
        self.invoices: list[Invoice] = []
        self.payments: list[Payment] = []

    @rule(total=st.decimals(min_value="0.01", max_value="500.00", places=2))
    def new_invoice(self, total: Decimal) -> None:
        self.invoices.append(invoice(str(total)))

    @rule(
        data=st.data(),
        amount=st.decimals(min_value="-5.00", max_value="600.00", places=2),
        outcome=st.sampled_from(["approve", "decline", "pending", "unsent"]),
    )
    def take_payment(self, data: st.DataObject, amount: Decimal, outcome: str) -> None:
        if not self.invoices:
            return
        inv = data.draw(st.sampled_from(self.invoices))
        self._guarded(lambda: self._pay(inv, amount, outcome), inv)

    def _pay(self, inv: Invoice, amount: Decimal, outcome: str) -> None:
        payment = pay(inv, str(amount), approve=False)
        self.payments.append(payment)
        if outcome == "approve":
            ledger.approved(inv, payment, transaction_id="t", message="ok", code="100", now=NOW)
        elif outcome == "decline":
            ledger.declined(inv, payment, message="no", code="200", now=NOW)
        elif outcome == "unsent":
            ledger.not_sent(inv, payment, message="429", now=NOW)

    @rule(data=st.data())
    def resend(self, data: st.DataObject) -> None:
        unsent = [p for p in self.payments if p.status is PaymentStatus.UNSENT]
        if unsent:
            payment = data.draw(st.sampled_from(unsent))
            inv = self._invoice(payment)
            self._guarded(lambda: ledger.resend(inv, payment, "a", NOW), payment, inv)

    @rule(data=st.data())
    def resolve_pending(self, data: st.DataObject) -> None:
        pending = [p for p in self.payments if p.status is PaymentStatus.PENDING]
        if pending:
            payment = data.draw(st.sampled_from(pending))
            inv = self._invoice(payment)
            ledger.approved(inv, payment, transaction_id="t", message="ok", code="100", now=NOW)

    @rule(data=st.data(), by_psa=st.booleans())
    def void(self, data: st.DataObject, by_psa: bool) -> None:
        if self.invoices:
            inv = data.draw(st.sampled_from(self.invoices))
            self._guarded(
                lambda: ledger.void_invoice(inv, self.payments, "a", NOW, by_psa=by_psa),
                inv,
                *self.payments,
            )

    @rule(data=st.data(), to_invoice=st.booleans())
    def send_refund(self, data: st.DataObject, to_invoice: bool) -> None:
        if not self.payments or not self.invoices:
            return
        payment = data.draw(st.sampled_from(self.payments))
        target = data.draw(st.sampled_from(self.invoices)) if to_invoice else None
        things = [payment] + ([target] if target else [])
        self._guarded(lambda: ledger.send_refund(payment, target, Decimal(0), "a", NOW), *things)

    @rule(data=st.data(), made=st.booleans())
    def gateway_answers_refund(self, data: st.DataObject, made: bool) -> None:
        waiting = [p for p in self.payments if p.pending_refund is not None]
        if not waiting:
            return
        payment = data.draw(st.sampled_from(waiting))
        pending = payment.pending_refund
        assert pending is not None
        target = next((i for i in self.invoices if i.id == pending.invoice_id), None)
        if made:
            ledger.refund_made(payment, target, "rf", NOW)
        else:
            ledger.refund_not_made(payment, target, "refused", NOW)

    @rule(data=st.data())
    def apply(self, data: st.DataObject) -> None:
        if self.invoices and self.payments:
            payment = data.draw(st.sampled_from(self.payments))
            target = data.draw(st.sampled_from(self.invoices))
            self._guarded(
                lambda: ledger.apply_elsewhere(payment, target, "a", NOW), payment, target
            )

    @rule(data=st.data())
    def refund(self, data: st.DataObject) -> None:
        if self.payments:
            payment = data.draw(st.sampled_from(self.payments))
            self._guarded(lambda: payment.refund_unapplied("a", NOW, at_gateway=False), payment)

    @rule(data=st.data(), fail=st.booleans())
    def settle_and_cancel(self, data: st.DataObject, fail: bool) -> None:
        if not self.payments:
            return
        payment = data.draw(st.sampled_from(self.payments))
        if fail:
            payment.settlement_failed("R01", NOW)
        else:
            payment.settled(NOW)
        inv = self._invoice(payment) if payment.invoice_id else None
        things: list[object] = [payment] + ([inv] if inv else [])
        self._guarded(lambda: ledger.cancel(payment, inv, "a", NOW), *things)

    def _invoice(self, payment: Payment) -> Invoice:
        return next(i for i in self.invoices if i.id == payment.invoice_id)

    def _guarded(self, action: object, *things: object) -> None:
        before = snapshot(*things)
        try:
            action()  # type: ignore[operator]
        except DomainError:
            assert snapshot(*things) == before  # MON-4: a refusal changes nothing

    @invariant()
    def amounts_hold(self) -> None:
        for payment in self.payments:
            payment.amounts.check()  # sale - refund = applied + unapplied, all >= 0
            if payment.refund_amount:  # only collected money is refunded (PAY-5, PAY-7)
                assert payment.settlement is SettlementState.SETTLED
        for inv in self.invoices:
            on_it = [p for p in self.payments if p.invoice_id == inv.id]
            applied = sum(
                (p.applied_amount for p in on_it if p.status is PaymentStatus.APPROVED),
                start=Decimal(0),
            )
            held = sum(
                (p.applied_amount for p in on_it if p.status is PaymentStatus.PENDING),
                start=Decimal(0),
            ) + sum(  # an apply waiting for its refund holds the whole invoice (PAY-4, PAY-6)
                (
                    inv.total_amount
                    for p in self.payments
                    if (pending := p.pending_refund) is not None and pending.invoice_id == inv.id
                ),
                start=Decimal(0),
            )
            assert inv.applied_amount == applied  # balance = total - applied payments
            assert inv.held_amount == held
            assert inv.balance.amount >= 0
            assert inv.available.amount >= 0
            assert (inv.status is InvoiceStatus.PAID) == (inv.date_paid is not None)


TestLedger = Ledger.TestCase
