"""Money that moves in the hub moves in BNG, QuickBooks and Autotask too, or nowhere (MON-4).

Each test plays one defect over the real sandboxes (HTTP, with their control routes and fault
knobs), on SQLite and PostgreSQL, and ends with the four systems agreeing on every invoice's
balance and every payment's amounts (``Books.disagreements``). Rules: MON-4, PAY-3..7, PAY-9,
PAY-15, INT-5.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal

import pytest

from application.billing.actions import RefundRefused, RefundStatus
from application.integrations.ports import VendorRateLimited, VendorUnavailable
from domain.billing.invoice import InvoiceId, InvoiceStatus
from domain.billing.payment import HistoryEntry, Payment, PaymentId, PaymentStatus
from domain.shared.errors import DomainError
from domain.shared.money import Money
from entrypoints.containers import Container, build_container
from entrypoints.sandboxes import create_sandboxes_app
from tests.conftest import settings_for
from tests.support.books import Books, close, open_books
from tests.support.servers import serve_asgi

MANAGER = "key:manager"


@pytest.fixture
def sandboxes() -> Iterator[str]:
    with serve_asgi(create_sandboxes_app({})) as base:
        yield base


@pytest.fixture
async def container(database_url: str) -> AsyncIterator[Container]:
    container = build_container(
        settings_for(
            database_url,
            pending_payment_grace_seconds=0.0,  # the watch asks about unanswered calls at once
            worker_backoff_seconds=0.02,
            worker_backoff_cap_seconds=0.2,
            vendor_timeout_seconds=2.0,
        )
    )
    yield container
    await close(container)


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


async def _unapplied(books: Books, total: str, key: str) -> tuple[InvoiceId, Payment]:
    """An invoice paid whole, settled, then voided: its payment's money is all unapplied."""
    invoice = await books.invoice(total)
    payment = await books.pay(invoice, None, key)
    await books.settle(payment)
    await books.actions.void_invoice(books.tenant, invoice, MANAGER)
    await books.deliver()
    return invoice, payment


async def test_an_apply_whose_refund_cannot_reach_the_gateway_moves_nothing_anywhere(
    container: Container, sandboxes: str
) -> None:  # PAY-4, PAY-6, MON-4
    books = await open_books(container, sandboxes, refund_at_gateway=True)
    _, payment = await _unapplied(books, "100.00", "pay-a")
    target = await books.invoice("80.00")
    await books.faults("bng", error_rate=1.0)
    with pytest.raises(VendorUnavailable):
        await books.actions.apply(books.tenant, payment.id, target, MANAGER)
    moved = await books.get_payment(payment.id)
    assert (moved.unapplied, moved.refund, moved.pending_refund) == (usd("100.00"), usd("0"), None)
    b = await books.get_invoice(target)
    assert (b.status, b.balance, b.held) == (InvoiceStatus.OPEN, usd("80.00"), usd("0"))
    await books.faults("bng")
    await books.deliver()
    assert not [t for t in (await books.bng())["transactions"] if t["type"] == "refund"]
    assert await books.disagreements() == []
    # With the gateway back, the same apply goes through everywhere.
    outcome = await books.actions.apply(books.tenant, payment.id, target, MANAGER)
    assert (outcome.status, outcome.refunded) == (RefundStatus.MADE, usd("20.00"))
    await books.deliver()
    assert (await books.get_invoice(target)).status is InvoiceStatus.PAID
    assert (await books.autotask_invoice(target)).get("paidDate")
    assert await books.disagreements() == []


async def test_a_refund_the_gateway_refuses_leaves_every_amount_as_it_was(
    container: Container, sandboxes: str
) -> None:  # PAY-4, PAY-6, MON-4
    books = await open_books(container, sandboxes, refund_at_gateway=True)
    _, payment = await _unapplied(books, "100.00", "pay-r")
    target = await books.invoice("80.00")
    # The bank returns the settled sale (an ACH return): BNG now refuses any refund of it.
    await books.fail(payment)
    before = await _elsewhere(books, target)
    with pytest.raises(RefundRefused) as refused:
        await books.actions.apply(books.tenant, payment.id, target, MANAGER)
    assert "nothing changed" in refused.value.message
    kept = await books.get_payment(payment.id)
    assert (kept.unapplied, kept.applied, kept.refund) == (usd("100.00"), usd("0"), usd("0"))
    assert kept.pending_refund is None
    assert [h.action for h in (await _history(books, kept.id))][-2:] == [
        "refund_sent",
        "refund_not_made",
    ]
    b = await books.get_invoice(target)
    assert (b.status, b.held, b.balance) == (InvoiceStatus.OPEN, usd("0"), usd("80.00"))
    await books.deliver()
    assert await _elsewhere(books, target) == before  # nothing moved in any other system


async def _elsewhere(books: Books, invoice: InvoiceId) -> list[object]:
    """What BNG, QuickBooks and Autotask hold of money now."""
    qbo, bng = await books.quickbooks(), await books.bng()
    return [
        bng["transactions"],
        [(i["Id"], i["Balance"]) for i in qbo["invoices"]],
        [(p["Id"], p["TotalAmt"], p["Line"]) for p in qbo["payments"]],
        qbo["refund_receipts"],
        (await books.autotask_invoice(invoice)).get("paidDate"),
    ]


def _seed_where(first_passes: bool, second_fails: bool, rate: float) -> int:
    """A fault seed whose first draw passes and second draw fails (or as asked)."""
    for seed in range(10_000):
        draws = random.Random(seed)
        first, second = draws.random(), draws.random()
        if (first >= rate) is first_passes and (second < rate) is second_fails:
            return seed
    raise AssertionError("no seed found")


async def test_a_refund_whose_answer_is_lost_moves_money_only_once_the_gateway_says_so(
    container: Container, sandboxes: str
) -> None:  # PAY-4, PAY-6, MON-4, INT-5
    books = await open_books(container, sandboxes, refund_at_gateway=True)
    _, payment = await _unapplied(books, "100.00", "pay-l")
    target = await books.invoice("80.00")
    # The look-up before the refund answers; the refund is made but its answer is cut off.
    seed = _seed_where(first_passes=True, second_fails=True, rate=0.5)
    await books.faults("bng", drop_rate=0.5, seed=seed)
    outcome = await books.actions.apply(books.tenant, payment.id, target, MANAGER)
    assert outcome.status is RefundStatus.PENDING
    waiting = await books.get_payment(payment.id)
    assert waiting.pending_refund is not None
    assert (waiting.unapplied, waiting.refund) == (usd("100.00"), usd("0"))  # nothing moved yet
    assert (await books.get_invoice(target)).held == usd("80.00")  # nobody else pays it meanwhile
    with pytest.raises(DomainError, match="on its way to the gateway"):
        await books.actions.refund(books.tenant, payment.id, MANAGER)
    await books.faults("bng")
    await books.watch()  # the worker's watch asks BNG what became of it
    done = await books.get_payment(payment.id)
    assert (done.applied, done.refund, done.refunded_at_gateway) == (
        usd("80.00"),
        usd("20.00"),
        Decimal("20.00"),
    )
    assert (await books.get_invoice(target)).status is InvoiceStatus.PAID
    await books.deliver()
    refunds = [t for t in (await books.bng())["transactions"] if t["type"] == "refund"]
    assert [t["amount"] for t in refunds] == ["20.00"]  # made once
    assert await books.disagreements() == []


async def test_a_cancel_returns_the_invoice_to_its_state_before_the_payment_everywhere(
    container: Container, sandboxes: str
) -> None:  # PAY-7, PAY-9
    books = await open_books(container, sandboxes)
    invoice = await books.invoice("120.00")
    payment = await books.pay(invoice, None, "pay-c")
    await books.deliver()
    assert (await books.autotask_invoice(invoice)).get("paidDate")
    held = await books.quickbooks_payment(payment.id)
    assert held is not None
    assert Decimal(str(held["TotalAmt"])) == Decimal("120.00")
    await books.fail(payment)
    await books.actions.cancel(books.tenant, payment.id, MANAGER)
    await books.deliver()
    reopened = await books.get_invoice(invoice)
    assert (reopened.status, reopened.balance, reopened.date_paid) == (
        InvoiceStatus.OPEN,
        usd("120.00"),
        None,
    )
    voided = await books.quickbooks_payment(payment.id)
    assert voided is not None
    assert Decimal(str(voided["TotalAmt"])) == 0
    assert "Voided" in voided["PrivateNote"]
    qbo_invoice = next(
        i for i in (await books.quickbooks())["invoices"] if i["Id"] == reopened.accounting_id
    )
    assert Decimal(str(qbo_invoice["Balance"])) == Decimal("120.00")
    assert not (await books.autotask_invoice(invoice)).get("paidDate")
    again = await books.pay(invoice, None, "pay-c-again")  # not "already paid in QuickBooks"
    assert again.status is PaymentStatus.APPROVED
    await books.deliver()
    assert await books.disagreements() == []


async def test_money_never_collected_can_only_be_cancelled(
    container: Container, sandboxes: str
) -> None:  # PAY-7, MON-4
    books = await open_books(container, sandboxes, refund_at_gateway=True)
    first = await books.invoice("100.00")
    payment = await books.pay(first, None, "pay-u")
    await books.actions.void_invoice(books.tenant, first, MANAGER)  # before it settles
    await books.fail(payment)
    other = await books.invoice("100.00")
    for attempt in (
        books.actions.apply(books.tenant, payment.id, other, MANAGER),
        books.actions.refund(books.tenant, payment.id, MANAGER),
    ):
        with pytest.raises(DomainError) as refused:
            await attempt
        assert refused.value.rule == "PAY-7"
        assert "never collected" in refused.value.message
    assert (await books.get_invoice(other)).balance == usd("100.00")
    # A failed payment still on its invoice: voiding it is refused, with what to do instead.
    third = await books.invoice("50.00")
    unpaid = await books.pay(third, None, "pay-u2")
    await books.fail(unpaid)
    with pytest.raises(DomainError, match="cancel it first"):
        await books.actions.void_invoice(books.tenant, third, MANAGER)
    # Voided in Autotask instead: the hub follows, but the money does not become unapplied.
    await books.void_in_autotask(third)
    kept = await books.get_payment(unpaid.id)
    assert (await books.get_invoice(third)).status is InvoiceStatus.VOID
    assert (kept.applied, kept.unapplied) == (usd("50.00"), usd("0"))
    for cancelled in (payment, unpaid):
        done = await books.actions.cancel(books.tenant, cancelled.id, MANAGER)
        assert done.amounts.sale == done.amounts.unapplied == 0
    await books.deliver()
    assert not [t for t in (await books.bng())["transactions"] if t["type"] == "refund"]
    assert await books.disagreements() == []


async def test_reapplies_and_refunds_reach_quickbooks(
    container: Container, sandboxes: str
) -> None:  # PAY-3, PAY-4, PAY-5, PAY-9
    books = await open_books(container, sandboxes)  # refunds recorded in the hub (PAY-6)
    first, payment = await _unapplied(books, "100.00", "pay-q")
    qbo, accounting_id = await books.quickbooks(), (await books.get_invoice(first)).accounting_id
    voided = next(i for i in qbo["invoices"] if i["Id"] == accounting_id)
    assert Decimal(str(voided["Balance"])) == 0  # voided in QuickBooks too (PAY-3)
    held = await books.quickbooks_payment(payment.id)
    assert held is not None
    assert held["Line"] == []
    assert Decimal(str(held["UnappliedAmt"])) == Decimal("100.00")
    smaller = await books.invoice("70.00")
    outcome = await books.actions.apply(books.tenant, payment.id, smaller, MANAGER)
    assert (outcome.status, outcome.refunded) == (RefundStatus.RECORDED, usd("30.00"))
    await books.deliver()
    relinked = await books.quickbooks_payment(payment.id)
    assert relinked is not None
    target = (await books.get_invoice(smaller)).accounting_id
    assert [line["LinkedTxn"][0]["TxnId"] for line in relinked["Line"]] == [target]
    receipts = (await books.quickbooks())["refund_receipts"]
    assert [Decimal(str(r["TotalAmt"])) for r in receipts] == [Decimal("30.00")]
    assert (await books.autotask_invoice(smaller)).get("paidDate")
    # The money moves again: off the smaller invoice, then refunded whole.
    await books.actions.void_invoice(books.tenant, smaller, MANAGER)
    await books.actions.refund(books.tenant, payment.id, MANAGER)
    await books.deliver()
    receipts = (await books.quickbooks())["refund_receipts"]
    assert sorted(Decimal(str(r["TotalAmt"])) for r in receipts) == [
        Decimal("30.00"),
        Decimal("70.00"),
    ]
    assert not (await books.autotask_invoice(smaller)).get("paidDate")
    assert await books.disagreements() == []


async def test_a_rate_limited_sale_holds_nothing_and_its_key_sends_it_again(
    container: Container, sandboxes: str
) -> None:  # PAY-15, MON-4
    books = await open_books(container, sandboxes)
    invoice = await books.invoice("60.00")
    await books.faults("bng", rate_limit_rate=1.0, retry_after=1)
    with pytest.raises(VendorRateLimited):
        await books.pay(invoice, None, "pay-429")
    free = await books.get_invoice(invoice)
    assert (free.held, free.available) == (usd("0"), usd("60.00"))
    _, payments = await books.hub()
    (unsent,) = payments
    assert unsent.status is PaymentStatus.UNSENT
    await books.faults("bng")
    again = await books.pay(invoice, None, "pay-429")  # the same key, no amount: the balance
    assert again.id == unsent.id
    assert again.status is PaymentStatus.APPROVED
    sales = [t for t in (await books.bng())["transactions"] if t["orderid"] == str(again.id)]
    assert len(sales) == 1
    await books.deliver()
    assert await books.disagreements() == []


async def test_refusals_say_what_actually_happened(
    container: Container, sandboxes: str
) -> None:  # PAY-2, PAY-3, PAY-5, PAY-7, PAY-15
    books = await open_books(container, sandboxes)
    paid = await books.invoice("40.00")
    payment = await books.pay(paid, None, "pay-m1")
    with pytest.raises(DomainError, match="already paid"):
        await books.pay(paid, None, "pay-m2")
    with pytest.raises(DomainError, match="void that invoice first"):
        await books.actions.refund(books.tenant, payment.id, MANAGER)
    await books.fail(payment)
    await books.actions.cancel(books.tenant, payment.id, MANAGER)
    with pytest.raises(DomainError, match="already cancelled"):
        await books.actions.cancel(books.tenant, payment.id, MANAGER)
    held = await books.invoice("30.00")
    await books.faults("bng", error_rate=1.0)  # the sale gets no answer: pending, held
    waiting = await books.pay(held, None, "pay-m3")
    assert waiting.status is PaymentStatus.PENDING
    with pytest.raises(DomainError, match="held by a payment waiting"):
        await books.pay(held, None, "pay-m4")
    await books.faults("bng")
    await books.watch()  # the sale never reached the gateway: declined, the hold released
    assert (await books.get_payment(waiting.id)).status is PaymentStatus.DECLINED
    void = await books.invoice("25.00")
    await books.actions.void_invoice(books.tenant, void, MANAGER)
    assert (await books.get_invoice(void)).balance == usd("0.00")  # a void invoice owes nothing
    await books.deliver()
    assert await books.disagreements() == []


async def _history(books: Books, payment_id: PaymentId) -> list[HistoryEntry]:
    async with books.container.persistence.uow()(books.tenant) as uow:
        return list(await uow.payments.history(payment_id))
