"""Payments through the real BNG adapter and its sandbox over HTTP, on SQLite and PostgreSQL.

A card is tokenized as a browser would, vaulted through the hub, then charged; a decline and
the absence of any card number from the database are checked (PAY-8, PAY-9).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import select, text

from adapters.persistence import tables
from adapters.sandboxes.bng.app import SANDBOX_SECURITY_KEY
from adapters.vendors.bng.gateway import BngGateway
from adapters.vendors.kit.limits import InMemoryVendorLimits
from application.billing.methods import AddPaymentMethod, NewMethod
from application.billing.payments import TakePayment
from application.billing.ports import BillingContact
from domain.billing.methods import Environment, MethodKind
from domain.billing.payment import DeclineReason, PaymentStatus
from domain.shared.errors import DomainError
from domain.shared.money import Money
from entrypoints.containers import Container
from tests.integration.test_payments import command
from tests.support.billing import Billing, billing
from tests.support.bng import (
    TEST_CARDS,
    VISA,
    BngSandbox,
    running_sandbox,
    tokenize_card,
    tokenize_check,
)


@pytest.fixture
def sandbox() -> Iterator[BngSandbox]:
    with running_sandbox() as running:
        yield running


async def _through_bng(container: Container, sandbox: BngSandbox) -> tuple[Billing, BngGateway]:
    b = await billing(container, bng_url=sandbox.url, bng_key=SANDBOX_SECURITY_KEY)
    gateway = BngGateway(InMemoryVendorLimits())
    uow, configs = container.persistence.uow(), container.integrations.configs()
    clock, ids = container.core.clock(), container.core.ids()
    b.take = TakePayment(uow, configs, gateway, b.accounting, clock=clock, ids=ids)
    add = AddPaymentMethod(uow, configs, gateway, clock, ids)
    async with uow(b.tenant) as session:
        organization_id = (await session.contacts.get(b.contact)).organization_id
    method = await add(
        b.tenant,
        NewMethod(
            organization_id=organization_id,
            payment_token=await tokenize_card(sandbox.url, VISA),
            contact=BillingContact("Pat", "Payer", email="pat@payer.test"),
        ),
    )
    assert (method.kind.value, method.last4) == ("card", "1111")
    b.method = method.id
    return b, gateway


async def test_a_vaulted_card_is_charged_at_the_gateway(
    container: Container, sandbox: BngSandbox
) -> None:  # PAY-8, PAY-9
    b, gateway = await _through_bng(container, sandbox)
    try:
        invoice = await b.invoice("50.00")
        payment = await b.take(b.tenant, command(b, invoice))
        assert payment.status is PaymentStatus.APPROVED
        assert payment.transaction_id
        state = await sandbox.state()
        sales = [t for t in state["transactions"] if t.get("type") == "sale"]
        assert [(s["id"], s["orderid"]) for s in sales] == [
            (payment.transaction_id, str(payment.id))
        ]
        small = await b.invoice("0.50")  # the gateway's test mode declines under 1.00
        declined = await b.take(b.tenant, command(b, small, key="k-small"))
        assert declined.status is PaymentStatus.DECLINED
        assert declined.sale == Money.of("0.00", "USD")
        assert declined.gateway_message
        assert not await _card_numbers_stored(container)
    finally:
        await gateway.aclose()


async def test_a_duplicate_refusal_is_shown_as_such_and_equal_charges_are_made(
    container: Container,
) -> None:  # PAY-15: the hub's keys stop real duplicates, the gateway's window is not needed
    with running_sandbox() as sandbox:
        b, gateway = await _through_bng(container, sandbox)
        try:
            one, two = await b.invoice("80.00"), await b.invoice("80.00")
            first = await b.take(b.tenant, command(b, one, key="k-one"))
            second = await b.take(b.tenant, command(b, two, key="k-two"))
            sandbox.store.duplicate_override = False  # NMI ignores dup_seconds
            three = await b.invoice("80.00")
            refused = await b.take(b.tenant, command(b, three, key="k-three"))
            async with container.persistence.uow()(b.tenant) as uow:
                history = await uow.payments.history(refused.id)
        finally:
            await gateway.aclose()

    assert [first.status, second.status] == [PaymentStatus.APPROVED, PaymentStatus.APPROVED]
    assert refused.status is PaymentStatus.DECLINED
    assert refused.decline_reason is DeclineReason.DUPLICATE
    assert refused.gateway_message.startswith("refused by the gateway as a duplicate")
    assert "Duplicate transaction REFID:" in refused.gateway_message
    assert [h.action for h in history][-1] == "refused_as_duplicate"


async def test_charges_of_a_vaulted_card_send_its_stored_credential_fields(
    container: Container,
) -> None:  # PAY-8: the method keeps the first charge's transaction id, never the number
    with running_sandbox() as sandbox:
        b, gateway = await _through_bng(container, sandbox)
        try:
            invoices = [await b.invoice(amount) for amount in ("30.00", "31.00", "32.00")]
            first = await b.take(b.tenant, command(b, invoices[0], key="k-1"))
            async with container.persistence.uow()(b.tenant) as uow:
                stored = (await uow.payment_methods.get(b.method)).initial_transaction_id
            by_staff = await b.take(b.tenant, command(b, invoices[1], key="k-2"))
            portal = replace(command(b, invoices[2], key="k-3"), environment=Environment.PORTAL)
            by_customer = await b.take(b.tenant, portal)
            sent = [t["stored_credential"] for t in (await sandbox.state())["transactions"]]
        finally:
            await gateway.aclose()

    approved = [p.status for p in (first, by_staff, by_customer)]
    assert approved == [PaymentStatus.APPROVED] * 3
    assert stored == first.transaction_id
    assert sent == [
        {"initiated_by": "customer", "stored_credential_indicator": "stored"},
        {
            "initiated_by": "merchant",
            "stored_credential_indicator": "used",
            "initial_transaction_id": stored,
        },
        {
            "initiated_by": "customer",
            "stored_credential_indicator": "used",
            "initial_transaction_id": stored,
        },
    ]


async def _card_numbers_stored(container: Container) -> list[str]:
    """Every row of every table as text, searched for the test card numbers."""
    found: list[str] = []
    async with container.persistence.sessions()() as session:
        for table in tables.metadata.sorted_tables:
            rows = await session.execute(select(text("*")).select_from(table))
            for row in rows:
                line = " ".join(str(value) for value in row)
                found.extend(number for number in TEST_CARDS if number in line)
    return found


async def _vault_counts(sandbox: BngSandbox) -> dict[str, int]:
    counts: dict[str, int] = (await sandbox.state())["counts"]
    return {"tokens": counts["tokens"], "vault": counts["vault"]}


async def test_a_kind_not_enabled_for_the_portal_is_refused_before_the_gateway_vaults_it(
    container: Container, sandbox: BngSandbox
) -> None:  # PAY-8
    only_echeck: dict[str, object] = {
        "staff_methods": ["card", "echeck"],
        "portal_methods": ["echeck"],
    }
    b = await billing(
        container, bng_url=sandbox.url, bng_key=SANDBOX_SECURITY_KEY, settings=only_echeck
    )
    gateway = BngGateway(InMemoryVendorLimits())
    uow, configs = container.persistence.uow(), container.integrations.configs()
    add = AddPaymentMethod(uow, configs, gateway, container.core.clock(), container.core.ids())
    async with uow(b.tenant) as session:
        organization_id = (await session.contacts.get(b.contact)).organization_id
    card = await tokenize_card(sandbox.url, VISA)
    before = await _vault_counts(sandbox)
    try:
        for kind in (MethodKind.CARD, None):  # a card, or a kind left unsaid
            with pytest.raises(DomainError) as refused:
                await add(
                    b.tenant,
                    NewMethod(
                        organization_id=organization_id,
                        payment_token=card,
                        contact=BillingContact("Pat", "Payer"),
                        kind=kind,
                        environment=Environment.PORTAL,
                    ),
                )
            assert (refused.value.rule, refused.value.field) == ("PAY-8", "kind")
        assert await _vault_counts(sandbox) == before  # the token unspent, nothing vaulted
        # A card's token said to be an eCheck is vaulted, found out and deleted again.
        with pytest.raises(DomainError) as mismatch:
            await add(
                b.tenant,
                NewMethod(
                    organization_id=organization_id,
                    payment_token=card,
                    contact=BillingContact("Pat", "Payer"),
                    kind=MethodKind.ECHECK,
                    environment=Environment.PORTAL,
                ),
            )
        assert mismatch.value.code == "method_kind_mismatch"
        assert (await _vault_counts(sandbox))["vault"] == before["vault"]
        check = await add(
            b.tenant,
            NewMethod(
                organization_id=organization_id,
                payment_token=await tokenize_check(sandbox.url),
                contact=BillingContact("Pat", "Payer"),
                kind=MethodKind.ECHECK,
                environment=Environment.PORTAL,
            ),
        )
        assert check.kind is MethodKind.ECHECK
        assert (await _vault_counts(sandbox))["vault"] == before["vault"] + 1
        async with uow(b.tenant) as session:
            kept = await session.payment_methods.of_organization(organization_id)
        assert [m.id for m in kept if m.active and m.id != b.method] == [check.id]
    finally:
        await gateway.aclose()
