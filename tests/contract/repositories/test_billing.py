"""Invoices, payments, payment methods: look-ups, filters, uniqueness, history (PAY-1..7, 15)."""

from __future__ import annotations

from datetime import date

import pytest

from application.billing.repositories import InvoiceFilter, PaymentFilter
from application.shared.errors import Conflict
from application.shared.pagination import PageRequest
from domain.billing import ledger
from domain.billing.invoice import InvoiceStatus
from domain.billing.payment import PaymentStatus, SettlementState
from domain.shared.money import Money
from tests.contract.repositories.conftest import EVERYTHING, World
from tests.support.factories import NOW

ALL = PageRequest(limit=EVERYTHING)


async def test_an_invoice_is_found_by_its_psa_number_once_per_tenant(
    world: World, elsewhere: World
) -> None:  # PAY-1
    invoice = world.invoice("80.00", psa_number="AT-1")
    await world.save(invoice)
    await elsewhere.save(elsewhere.invoice(psa_number="AT-1"))  # another tenant may reuse it
    async with world.uow() as uow:
        found = await uow.invoices.by_psa_number("AT-1")
        assert found is not None
        assert (found.id, found.total) == (invoice.id, Money.of("80.00", "USD"))
        assert await uow.invoices.by_psa_number("AT-2") is None
    with pytest.raises(Conflict):
        await world.save(world.invoice(psa_number="AT-1"))


async def test_invoices_filter_by_status_organization_and_dates(world: World) -> None:
    other_org = world.organization("Other")
    await world.save(other_org)
    early, late, theirs = world.invoice(), world.invoice(), world.invoice()
    early.revise(
        type(early.details)(**{**vars(early.details), "invoice_date": date(2026, 10, 1)}), NOW
    )
    theirs.revise(
        type(theirs.details)(**{**vars(theirs.details), "organization_id": other_org.id}), NOW
    )
    late.void(NOW)
    await world.save(early, late, theirs)
    async with world.uow() as uow:

        async def ids(where: InvoiceFilter) -> set[object]:
            return {i.id for i in await uow.invoices.list(where, ALL)}

        assert await ids(InvoiceFilter(status=InvoiceStatus.VOID)) == {late.id}
        assert await ids(InvoiceFilter(organization_id=other_org.id)) == {theirs.id}
        assert await ids(InvoiceFilter(date_to=date(2026, 10, 1))) == {early.id}
        assert await ids(InvoiceFilter(date_from=date(2026, 10, 2))) == {late.id, theirs.id}
        ordered = sorted([early.id, late.id, theirs.id])
        page = await uow.invoices.list(InvoiceFilter(), PageRequest(limit=1))
        assert [i.id for i in page] == ordered[:2]


async def test_a_locked_get_sees_the_latest_commit(world: World) -> None:  # PAY-2
    invoice = world.invoice("90.00")
    await world.save(invoice)
    async with world.uow() as reader:
        await reader.invoices.get(invoice.id)
        async with world.uow() as writer:
            (await writer.invoices.get(invoice.id)).hold(Money.of("30.00", "USD"))
            await writer.commit()
        async with world.uow() as fresh:
            assert (await fresh.invoices.get(invoice.id, lock=True)).held == Money.of(
                "30.00", "USD"
            )


async def test_one_payment_per_idempotency_key(world: World) -> None:  # PAY-15
    invoice = world.invoice("100.00")
    first = world.payment(invoice, "10.00", key="k-1")
    await world.save(invoice)
    await world.save(first)
    async with world.uow() as uow:
        found = await uow.payments.by_idempotency_key("k-1")
        assert found is not None
        assert found.id == first.id
        assert await uow.payments.by_idempotency_key("k-2") is None
    async with world.uow() as uow:
        again = world.payment(await uow.invoices.get(invoice.id), "10.00", key="k-1")
        await uow.payments.add(again)
        with pytest.raises(Conflict):
            await uow.commit()
    async with world.uow() as uow:
        assert [p.id for p in await uow.payments.list(PaymentFilter(), ALL)] == [first.id]
        assert (await uow.invoices.get(invoice.id)).held == Money.of("10.00", "USD")


async def test_payments_on_an_invoice_and_their_filters(world: World) -> None:  # PAY-3
    first, second = world.invoice("100.00"), world.invoice("50.00")
    approved = world.payment(first, "40.00")
    ledger.approved(first, approved, transaction_id="tx-1", message="OK", code="100", now=NOW)
    pending = world.payment(first, "20.00")
    declined = world.payment(second, "5.00")
    ledger.declined(second, declined, message="DECLINE", code="200", now=NOW)
    await world.save(first, second)
    await world.save(approved, pending, declined)
    async with world.uow() as uow:
        on_first = await uow.payments.on_invoice(first.id)
        assert [p.id for p in on_first] == sorted([approved.id, pending.id])
        assert [p.id for p in await uow.payments.on_invoice(first.id, lock=True)] == [
            p.id for p in on_first
        ]

        async def ids(where: PaymentFilter) -> set[object]:
            return {p.id for p in await uow.payments.list(where, ALL)}

        assert await ids(PaymentFilter(invoice_id=second.id)) == {declined.id}
        assert await ids(PaymentFilter(status=PaymentStatus.PENDING)) == {pending.id}
        assert await ids(PaymentFilter(settlement=SettlementState.PENDING)) >= {approved.id}
        assert await ids(PaymentFilter(organization_id=world.org.id)) == {
            approved.id,
            pending.id,
            declined.id,
        }
        assert await ids(PaymentFilter(refund_pending=True)) == set()
        assert len(await ids(PaymentFilter(refund_pending=False))) == 3


async def test_a_voided_invoice_still_lists_the_payments_that_were_on_it(
    world: World,
) -> None:  # PAY-3
    invoice = world.invoice("60.00")
    payment = world.payment(invoice, "60.00")
    ledger.approved(invoice, payment, transaction_id="tx-9", message="OK", code="100", now=NOW)
    await world.save(invoice)
    await world.save(payment)
    async with world.uow() as uow:
        found = await uow.invoices.get(invoice.id, lock=True)
        ledger.void_invoice(found, await uow.payments.on_invoice(invoice.id, lock=True), "me", NOW)
        await uow.commit()
    async with world.uow() as uow:
        assert await uow.payments.on_invoice(invoice.id) == []
        listed = await uow.payments.list(PaymentFilter(invoice_id=invoice.id), ALL)
        assert [p.id for p in listed] == [payment.id]
        assert listed[0].unapplied == Money.of("60.00", "USD")


async def test_history_is_what_was_committed_oldest_first(world: World) -> None:  # PAY-2
    invoice = world.invoice("70.00")
    payment = world.payment(invoice, "70.00")
    await world.save(invoice)
    await world.save(payment)
    async with world.uow() as uow:
        found = await uow.payments.get(payment.id, lock=True)
        ledger.approved(
            await uow.invoices.get(invoice.id, lock=True),
            found,
            transaction_id="tx-2",
            message="OK",
            code="100",
            now=NOW,
        )
        await uow.commit()
    async with world.uow() as uow:  # not committed: no history
        (await uow.payments.get(payment.id)).settled(NOW)
    async with world.uow() as uow:
        history = await uow.payments.history(payment.id)
    assert [(h.action, h.status) for h in history] == [
        ("requested", PaymentStatus.PENDING),
        ("approved", PaymentStatus.APPROVED),
    ]
    assert history[1].after.applied == 70


async def test_payment_methods_of_an_organization_are_its_active_ones(world: World) -> None:
    # PAY-8: a token, brand and last four, never a number
    second, removed = world.method(), world.method()
    removed.remove()
    await world.save(second, removed)
    async with world.uow() as uow:
        methods = await uow.payment_methods.of_organization(world.org.id)
        assert [m.id for m in methods] == sorted([world.card.id, second.id])
        stored = await uow.payment_methods.get(removed.id)
        assert (stored.active, stored.last4, stored.brand) == (False, "1111", "visa")
