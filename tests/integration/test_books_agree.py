"""The ledger's state machine across the four systems, with faults (MON-4, PAY-3..7).

Random sequences of pay, settle, fail, cancel, void (in the hub and in Autotask), apply and
refund (in the hub only, or at the gateway) run against the real sandboxes over HTTP while
faults come and go on BNG, QuickBooks and Autotask. Whatever each step meets, the hub's own
amounts keep their identity. When the example ends, the faults stop, the worker drains the
outbox and the watch asks the gateway about every unanswered call; then the hub, BNG,
QuickBooks and Autotask must agree on every invoice's balance and every payment's amounts,
and no refund may exist anywhere for money that was never collected (``Books.disagreements``).

Each example is a new tenant with new sandboxes. The number of examples and steps is bounded
so that the test proves its property in about a minute per database, not longer.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from application.integrations.ports import VendorError
from application.shared.errors import ApplicationError
from domain.billing.invoice import InvoiceId
from domain.billing.payment import Payment, PaymentStatus, SettlementState
from domain.shared.errors import DomainError
from entrypoints.containers import Container, build_container
from entrypoints.sandboxes import create_sandboxes_app
from tests.conftest import settings_for
from tests.support.books import Books, close, open_books
from tests.support.servers import serve_asgi

T = TypeVar("T")
MANAGER = "key:manager"
# What a step may meet and the hub refuses cleanly: a rule, a busy row, a vendor's failure.
EXPECTED = (DomainError, ApplicationError, VendorError)
FAULTS = st.sampled_from(
    [
        {},
        {"error_rate": 0.3},
        {"drop_rate": 0.3},
        {"malformed_rate": 0.2},
        {"rate_limit_rate": 0.3, "retry_after": 0.1},
        {"error_rate": 1.0},
    ]
)
AMOUNTS = st.sampled_from(["25.00", "40.00", "60.00", "75.50", "100.00"])
SYSTEMS = st.sampled_from(["bng", "quickbooks", "autotask"])


class BooksMachine(RuleBasedStateMachine):
    """One tenant's books over the sandboxes; each rule is one thing a person or vendor does."""

    database_url = ""

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.server = serve_asgi(create_sandboxes_app({}))
        base = self.server.__enter__()
        self.container = _container(self.database_url)
        self.books: Books = self.run(open_books(self.container, base))
        self.invoices: list[InvoiceId] = []
        self.keys = 0

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coroutine)

    def attempt(self, coroutine: Coroutine[Any, Any, object]) -> None:
        # Refused or failed: the invariants and the final check say whether it changed anything.
        with contextlib.suppress(*EXPECTED):
            self.run(coroutine)

    def payments(self) -> list[Payment]:
        return self.run(self.books.hub())[1]

    # --- rules ------------------------------------------------------------------------------

    @rule(total=AMOUNTS)
    def invoice(self, total: str) -> None:
        self.invoices.append(self.run(self._healthy(self.books.invoice(total))))

    @rule(data=st.data(), amount=st.one_of(st.none(), AMOUNTS), again=st.booleans())
    def pay(self, data: st.DataObject, amount: str | None, again: bool) -> None:
        self._ensure_invoice()
        invoice = data.draw(st.sampled_from(self.invoices))
        if not again or not self.keys:
            self.keys += 1
        self.attempt(self.books.pay(invoice, amount, f"key-{self.keys}"))

    @rule(data=st.data(), fail=st.booleans())
    def settle_or_fail(self, data: st.DataObject, fail: bool) -> None:
        waiting = [
            p
            for p in self.payments()
            if p.status is PaymentStatus.APPROVED and p.settlement is SettlementState.PENDING
        ]
        if waiting:
            payment = data.draw(st.sampled_from(waiting))
            self.attempt(self.books.fail(payment) if fail else self.books.settle(payment))

    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        payment = self._some_payment(data)
        if payment is not None:
            self.attempt(self.books.actions.cancel(self.books.tenant, payment.id, MANAGER))

    @rule(data=st.data(), in_autotask=st.booleans())
    def void(self, data: st.DataObject, in_autotask: bool) -> None:
        self._ensure_invoice()
        invoice = data.draw(st.sampled_from(self.invoices))
        if in_autotask:
            self.attempt(self._healthy(self.books.void_in_autotask(invoice)))
        else:
            self.attempt(self.books.actions.void_invoice(self.books.tenant, invoice, MANAGER))

    @rule(data=st.data())
    def apply(self, data: st.DataObject) -> None:
        payment = self._some_payment(data)
        if payment is not None and self.invoices:
            invoice = data.draw(st.sampled_from(self.invoices))
            self.attempt(self.books.actions.apply(self.books.tenant, payment.id, invoice, MANAGER))

    @rule(data=st.data())
    def refund(self, data: st.DataObject) -> None:
        payment = self._some_payment(data)
        if payment is not None:
            self.attempt(self.books.actions.refund(self.books.tenant, payment.id, MANAGER))

    @rule(at_gateway=st.booleans())
    def refunds_at_gateway(self, at_gateway: bool) -> None:
        self.run(self.books.set_payment_settings(refund_at_gateway=at_gateway))

    @rule(system=SYSTEMS, knobs=FAULTS)
    def faults(self, system: str, knobs: dict[str, float]) -> None:
        self.run(self.books.faults(system, **knobs))

    @rule()
    def watch(self) -> None:
        self.attempt(self.books.watch())

    @rule()
    def deliver_some(self) -> None:
        worker = self.container.integrations.worker()

        async def once() -> None:
            await worker.step()
            await worker.drain()

        self.attempt(once())

    # --- what must always hold --------------------------------------------------------------

    @invariant()
    def amounts_keep_their_identity(self) -> None:
        for payment in self.payments():
            payment.amounts.check()  # sale - refund = applied + unapplied, none below zero
            if payment.refund_amount:
                assert payment.settlement is SettlementState.SETTLED  # collected first

    def teardown(self) -> None:
        try:
            self.run(self._settle_everything())
            assert self.run(self.books.disagreements()) == []
        finally:
            self.run(close(self.container))
            self.server.__exit__(None, None, None)
            self.loop.close()

    # --- inner workings -------------------------------------------------------------------

    async def _settle_everything(self) -> None:
        """No more faults: every message delivered, every unanswered call asked about."""
        for system in ("bng", "quickbooks", "autotask"):
            await self.books.faults(system)
        for _ in range(5):
            await self.books.deliver()
            await self.books.watch()
            _, payments = await self.books.hub()
            if not any(
                p.status is PaymentStatus.PENDING or p.pending_refund is not None for p in payments
            ):
                break
        await self.books.deliver()

    async def _healthy(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """What needs every system answering (a PSA invoice made and pulled): faults paused."""
        saved = {s: (await self._faults(s)) for s in ("bng", "quickbooks", "autotask")}
        for system in saved:
            await self.books.faults(system)
        try:
            result = await coroutine
        finally:
            for system, knobs in saved.items():
                await self.books.faults(system, **knobs)
        return result

    async def _faults(self, system: str) -> dict[str, float]:
        path = {"bng": "/sandbox/bng", "quickbooks": "/sandbox/quickbooks"}.get(
            system, "/sandbox/autotask"
        )
        state = await self.books._http("GET", f"{path}/_sandbox/state")
        return {k: v for k, v in state["faults"].items() if v not in (None, 0, 0.0)}

    def _ensure_invoice(self) -> None:
        if not self.invoices:
            self.invoice("50.00")

    def _some_payment(self, data: st.DataObject) -> Payment | None:
        payments = self.payments()
        return data.draw(st.sampled_from(payments)) if payments else None


def _container(database_url: str) -> Container:
    return build_container(
        settings_for(
            database_url,
            pending_payment_grace_seconds=0.0,
            worker_backoff_seconds=0.02,
            worker_backoff_cap_seconds=0.2,
            vendor_timeout_seconds=2.0,
        )
    )


@pytest.mark.faults
def test_the_hub_bng_quickbooks_and_autotask_agree_after_any_sequence(database_url: str) -> None:
    """MON-4, PAY-3..7, PAY-9, PAY-15, INT-5: the state machine across the four systems."""

    class Machine(BooksMachine):
        pass

    Machine.database_url = database_url
    run_state_machine_as_test(
        Machine,
        settings=settings(
            # Q2C_BOOKS_EXAMPLES explores further by hand (random, not the suite's fixed ones).
            max_examples=int(os.environ.get("Q2C_BOOKS_EXAMPLES", "4")),
            stateful_step_count=14,
            deadline=None,
            derandomize="Q2C_BOOKS_EXAMPLES" not in os.environ,
            phases=[Phase.explicit, Phase.reuse, Phase.generate],  # a failure shown as found
            suppress_health_check=list(HealthCheck),
        ),
    )
