"""The audit over invoices and payments: clean books pass, each broken invariant is named.

MON-4 (each payment's identity, each invoice's applied and held amounts), PAY-2 (never
overpaid), PAY-15 (one payment per key, one charge per payment), PAY-9 (the charge is the sale).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import count
from uuid import UUID

from application.billing.audit import Charge, Violation, audit
from domain.billing import ledger
from domain.billing.invoice import Invoice, InvoiceDetails, InvoiceId
from domain.billing.methods import Environment, MethodDetails, MethodKind
from domain.billing.payment import Payment, PaymentId, PaymentRequest
from domain.crm.organization import ContactId, OrganizationId
from domain.identity.tenant import TenantId
from domain.shared.money import Money

TENANT = TenantId(UUID(int=1))
ORG = OrganizationId(UUID(int=2))
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
CARD = MethodDetails("vault-1", MethodKind.CARD, "visa", "1111")
_ids = count(1000)


def invoice(total: str = "100.00") -> Invoice:
    made = Invoice(
        id=InvoiceId(UUID(int=next(_ids))),
        tenant_id=TENANT,
        details=InvoiceDetails(
            psa_number=f"AT-{next(_ids)}",
            organization_id=ORG,
            total=Money.of(total, "USD"),
            invoice_date=date(2026, 11, 1),
        ),
        now=NOW,
    )
    made.numbered(f"{next(_ids)}", f"qb-{next(_ids)}", NOW)
    return made


def payment(on: Invoice, amount: str, *, answer: str = "approved", key: str = "") -> Payment:
    made = ledger.start_payment(
        on,
        PaymentRequest(
            invoice_id=on.id,
            organization_id=ORG,
            contact_id=ContactId(UUID(int=3)),
            amount=Money.of(amount, "USD"),
            method_id=UUID(int=4),
            method=CARD,
            environment=Environment.STAFF,
            idempotency_key=key or f"key-{next(_ids)}",
        ),
        payment_id=PaymentId(UUID(int=next(_ids))),
        tenant_id=TENANT,
        actor="key:bench",
        now=NOW,
    )
    if answer == "approved":
        ledger.approved(on, made, transaction_id="tx", message="SUCCESS", code="100", now=NOW)
    elif answer == "declined":
        ledger.declined(on, made, message="DECLINE", code="200", now=NOW)
    return made


def charge(p: Payment, amount: str | None = None) -> Charge:
    return Charge(str(p.id), Decimal(amount) if amount else p.sale_amount)


def books() -> tuple[Invoice, list[Payment], list[Charge]]:
    """An invoice of 100.00: 40.00 approved, 30.00 pending, 5.00 declined; the sales charged."""
    inv = invoice()
    approved = payment(inv, "40.00")
    pending = payment(inv, "30.00", answer="pending")
    declined = payment(inv, "5.00", answer="declined")
    return inv, [approved, pending, declined], [charge(approved)]


def rules(found: list[Violation]) -> set[tuple[str, str]]:
    return {(v.subject.split()[0], v.rule) for v in found}


def test_clean_books_have_no_violations() -> None:
    inv, payments, charges = books()
    paid = invoice("10.00")
    whole = payment(paid, "10.00")
    assert audit([inv, paid], [*payments, whole], [*charges, charge(whole)]) == []


def test_a_payment_whose_amounts_do_not_add_up_is_named() -> None:  # MON-4
    inv, payments, charges = books()
    payments[0].unapplied_amount = Decimal("1.00")
    found = audit([inv], payments, charges)
    assert rules(found) == {("payment", "MON-4")}
    assert "sale - refund != applied + unapplied" in str(found[0])


def test_a_negative_amount_is_named() -> None:  # MON-4
    inv, payments, _ = books()
    payments[2].refund_amount = Decimal("-1.00")
    payments[2].unapplied_amount = Decimal("1.00")
    found = audit([inv], payments)
    assert [v.detail.split(":")[0] for v in found] == ["a negative amount"]


def test_an_invoice_applying_other_than_its_approved_payments_is_named() -> None:  # MON-4
    inv, payments, charges = books()
    inv.applied_amount += Decimal("10.00")
    found = audit([inv], payments, charges)
    assert rules(found) == {("invoice", "MON-4")}
    assert "its approved payments applied 40.00" in found[0].detail


def test_a_hold_without_its_pending_payment_is_named() -> None:  # MON-4
    inv, payments, charges = books()
    inv.held_amount -= Decimal("30.00")
    found = audit([inv], payments[::2], charges)
    assert found == []  # consistent without the pending payment
    found = audit([inv], payments, charges)
    assert [v.detail for v in found] == ["held 0.00, its pending payments asked 30.00"]


def test_an_overpaid_invoice_is_named() -> None:  # PAY-2
    inv = invoice("50.00")
    first, second = payment(inv, "30.00"), payment(inv, "20.00")
    second.sale_amount = second.applied_amount = Decimal("25.00")  # a lost update let it in
    inv.applied_amount = Decimal("55.00")
    found = audit([inv], [first, second], [charge(first), charge(second)])
    assert rules(found) == {("invoice", "PAY-2")}
    assert any("overpaid" in v.detail for v in found)


def test_two_payments_with_one_key_are_named() -> None:  # PAY-15
    inv = invoice()
    twins = [payment(inv, "10.00", key="same"), payment(inv, "11.00", key="same")]
    found = audit([inv], twins)
    assert [(v.subject, v.rule) for v in found] == [("key same", "PAY-15")]


def test_a_payment_charged_twice_is_named() -> None:  # PAY-15
    inv, payments, charges = books()
    found = audit([inv], payments, [*charges, charges[0]])
    assert rules(found) == {("order", "PAY-15"), ("payment", "PAY-9")}
    assert "charged 2 times" in str(found[0])


def test_a_charge_without_a_payment_is_named() -> None:  # PAY-15
    inv, payments, charges = books()
    stray = Charge(str(UUID(int=99)), Decimal("5.00"))
    found = audit([inv], payments, [*charges, stray])
    assert [(v.subject, v.detail) for v in found] == [
        (f"order {stray.order_id}", "charged at the gateway with no payment in the hub")
    ]


def test_an_approved_payment_not_charged_or_charged_another_amount_is_named() -> None:  # PAY-9
    inv, payments, _ = books()
    assert rules(audit([inv], payments, [])) == {("payment", "PAY-9")}
    wrong = audit([inv], payments, [charge(payments[0], "41.00")])
    assert [v.detail for v in wrong] == ["sale 40.00, charged [Decimal('41.00')]"]


def test_a_declined_payment_that_was_charged_is_named() -> None:  # PAY-9
    inv, payments, charges = books()
    found = audit([inv], payments, [*charges, charge(payments[2], "5.00")])
    assert [v.detail for v in found] == ["declined yet charged [Decimal('5.00')]"]


def test_money_in_flight_and_uncollected_money_on_a_void_invoice_are_clean() -> None:
    # PAY-4, PAY-6, PAY-7: an apply waiting for its refund holds its invoice whole; a payment
    # that never settled stays on the invoice the PSA voided; an unsent sale was never charged.
    voided = invoice()
    collected = payment(voided, "100.00")
    collected.settled(NOW)
    ledger.void_invoice(voided, [collected], "key:m", NOW)
    target = invoice("80.00")
    ledger.send_refund(collected, target, Decimal("0.00"), "key:m", NOW)
    by_psa = invoice("50.00")
    failed = payment(by_psa, "50.00")
    failed.settlement_failed("R01", NOW)
    ledger.void_invoice(by_psa, [failed], "psa:1", NOW, by_psa=True)
    turned_away = invoice("20.00")
    unsent = payment(turned_away, "20.00", answer="pending")
    ledger.not_sent(turned_away, unsent, message="429", now=NOW)
    invoices = [voided, target, by_psa, turned_away]
    payments = [collected, failed, unsent]

    assert audit(invoices, payments, [charge(collected), charge(failed)]) == []
    assert rules(audit(invoices, payments, [charge(unsent)])) >= {("payment", "PAY-9")}
