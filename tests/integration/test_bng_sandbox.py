"""The BNG gateway adapter against its sandbox over real HTTP (PAY-7, PAY-8, PAY-9, PAY-15)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from litestar import Litestar, asgi
from litestar.types import Receive, Scope, Send

from adapters.sandboxes.bng.app import SANDBOX_SECURITY_KEY, create_bng_sandbox
from adapters.sandboxes.bng.store import FAILING_ACCOUNT, INSUFFICIENT_FUNDS_CARD
from adapters.sandboxes.kit.base import Faults
from adapters.vendors.bng.client import BNG_LIMITS
from adapters.vendors.bng.gateway import BngGateway
from adapters.vendors.bng.sync import BngConnectionTester
from application.billing.ports import (
    GatewayOutcome,
    PaymentGateway,
    SettlementStatus,
)
from application.integrations.ports import (
    ConnectionTester,
    VendorRateLimited,
    VendorRejected,
    VendorUnavailable,
)
from domain.billing.methods import MethodDetails, MethodKind
from domain.shared.money import Money
from tests.support.autotask import UnlimitedLimits
from tests.support.bng import (
    AMEX,
    CONTACT,
    DISCOVER,
    MASTERCARD,
    TEST_CARDS,
    VISA,
    BngSandbox,
    bng_connection,
    running_sandbox,
    tokenize_card,
    tokenize_check,
)
from tests.support.servers import serve_asgi
from tests.support.timeouts import HONEST_ANSWER_SECONDS


@pytest.fixture
def sandbox() -> Iterator[BngSandbox]:
    with running_sandbox() as running:
        yield running


@pytest.fixture
def limits() -> UnlimitedLimits:
    return UnlimitedLimits()


@pytest.fixture
async def gateway(limits: UnlimitedLimits) -> AsyncIterator[BngGateway]:
    gateway = BngGateway(limits, timeout=HONEST_ANSWER_SECONDS)
    yield gateway
    await gateway.aclose()


async def vaulted_card(gateway: BngGateway, sandbox: BngSandbox, number: str = VISA) -> str:
    token = await tokenize_card(sandbox.url, number)
    method = await gateway.add_method(
        bng_connection(sandbox.url), payment_token=token, contact=CONTACT
    )
    return method.vault_id


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


async def test_the_adapters_implement_the_ports(gateway: BngGateway) -> None:
    tester = BngConnectionTester(UnlimitedLimits())
    _gateway: PaymentGateway = gateway
    _tester: ConnectionTester = tester
    await tester.aclose()
    assert isinstance(gateway, PaymentGateway)


# --- the vault: the hub keeps a token, brand and last four (PAY-8) ---------------------------


@pytest.mark.parametrize(
    ("number", "brand"),
    [(VISA, "visa"), (MASTERCARD, "mastercard"), (AMEX, "amex"), (DISCOVER, "discover")],
)
async def test_tokenized_card_is_vaulted_and_the_hub_gets_brand_and_last_four_pay_8(
    sandbox: BngSandbox, gateway: BngGateway, number: str, brand: str
) -> None:
    token = await tokenize_card(sandbox.url, number)

    method = await gateway.add_method(
        bng_connection(sandbox.url), payment_token=token, contact=CONTACT
    )

    assert method == MethodDetails(method.vault_id, MethodKind.CARD, brand, number[-4:])
    [entry] = (await sandbox.state())["vault"]
    assert entry == {
        "customer_vault_id": method.vault_id,
        "kind": "card",
        "brand": brand,
        "last4": number[-4:],
    }


async def test_tokenized_echeck_account_is_vaulted_with_its_last_four_pay_8(
    sandbox: BngSandbox, gateway: BngGateway
) -> None:
    token = await tokenize_check(sandbox.url, "987654321")

    method = await gateway.add_method(
        bng_connection(sandbox.url), payment_token=token, contact=CONTACT
    )

    assert (method.kind, method.brand, method.last4) == (MethodKind.ECHECK, "checking", "4321")


async def test_a_token_works_once_pay_8(sandbox: BngSandbox, gateway: BngGateway) -> None:
    connection = bng_connection(sandbox.url)
    token = await tokenize_card(sandbox.url)
    await gateway.add_method(connection, payment_token=token, contact=CONTACT)

    with pytest.raises(VendorRejected, match="Invalid Payment Token"):
        await gateway.add_method(connection, payment_token=token, contact=CONTACT)


async def test_the_tokenizer_refuses_a_number_that_is_not_a_card(sandbox: BngSandbox) -> None:
    async with httpx.AsyncClient() as http:
        bad = await http.post(f"{sandbox.url}/token", json={"ccnumber": "4111111111111112"})
        form = await http.post(f"{sandbox.url}/token", data={"ccnumber": VISA, "ccexp": "1230"})

    assert bad.status_code == 400
    assert bad.json() == {"error": "Card number is invalid"}
    assert form.status_code == 200  # a plain HTML form posts form fields


async def test_deleting_a_method_twice_is_harmless(
    sandbox: BngSandbox, gateway: BngGateway
) -> None:
    connection = bng_connection(sandbox.url)
    vault_id = await vaulted_card(gateway, sandbox)

    await gateway.delete_method(connection, vault_id)
    await gateway.delete_method(connection, vault_id)

    assert (await sandbox.state())["counts"]["vault"] == 0


# --- sales and refunds (PAY-2, PAY-9, PAY-15) ------------------------------------------------


async def test_approved_sale_gives_the_transaction_id_pay_9(
    sandbox: BngSandbox, gateway: BngGateway, limits: UnlimitedLimits
) -> None:
    vault_id = await vaulted_card(gateway, sandbox)

    result = await gateway.sale(
        bng_connection(sandbox.url), vault_id=vault_id, amount=usd("125.50"), order_id="pay-1"
    )

    assert (result.outcome, result.code, result.message) == (
        GatewayOutcome.APPROVED,
        "100",
        "SUCCESS",
    )
    state = await sandbox.state()
    [sale] = state["transactions"]
    assert sale["id"] == result.transaction_id
    assert (sale["amount"], sale["currency"], sale["orderid"]) == ("125.50", "USD", "pay-1")
    assert sale["condition"] == "pendingsettlement"
    assert {key.endpoint for key, _ in limits.calls} == {"transact.php", "query.php"}
    assert {policy for _, policy in limits.calls} == {BNG_LIMITS}


async def test_sale_under_one_dollar_is_declined_as_an_answer_not_an_error(
    sandbox: BngSandbox, gateway: BngGateway
) -> None:
    vault_id = await vaulted_card(gateway, sandbox)

    result = await gateway.sale(
        bng_connection(sandbox.url), vault_id=vault_id, amount=usd("0.99"), order_id="pay-1"
    )

    assert (result.outcome, result.code) == (GatewayOutcome.DECLINED, "200")
    assert result.transaction_id is not None


async def test_insufficient_funds_test_card_is_declined_with_code_202(
    sandbox: BngSandbox, gateway: BngGateway
) -> None:
    vault_id = await vaulted_card(gateway, sandbox, INSUFFICIENT_FUNDS_CARD)

    result = await gateway.sale(
        bng_connection(sandbox.url), vault_id=vault_id, amount=usd("50.00"), order_id="pay-1"
    )

    assert (result.outcome, result.code, result.message) == (
        GatewayOutcome.DECLINED,
        "202",
        "Insufficient funds",
    )


async def test_two_equal_charges_on_one_card_are_both_made_dup_seconds(
    sandbox: BngSandbox, gateway: BngGateway
) -> None:
    """Two invoices of one amount paid with one card: both charged. The hub sends
    ``dup_seconds=0``; its idempotency keys keep one payment from being charged twice (PAY-15)."""
    connection = bng_connection(sandbox.url)
    vault_id = await vaulted_card(gateway, sandbox)

    first = await gateway.sale(connection, vault_id=vault_id, amount=usd("80"), order_id="a")
    second = await gateway.sale(connection, vault_id=vault_id, amount=usd("80"), order_id="b")

    assert first.approved
    assert second.approved
    assert first.transaction_id != second.transaction_id


async def test_the_sandbox_keeps_nmis_duplicate_window_and_its_dup_seconds(
    gateway: BngGateway,
) -> None:
    """NMI refuses the same card and amount again within the window (1200 s by default);
    ``dup_seconds`` sets the window for one call, 0 turns the check off."""
    now = [1000.0]
    with running_sandbox(duplicate_window_seconds=1200, clock=lambda: now[0]) as sandbox:
        vault_id = await vaulted_card(gateway, sandbox)
        sale = {"type": "sale", "customer_vault_id": vault_id, "amount": "80.00"}

        first = await transact(sandbox, **sale, orderid="a")
        again = await transact(sandbox, **sale, orderid="b")
        other = await transact(sandbox, **sale | {"amount": "81.00"}, orderid="c")
        unchecked = await transact(sandbox, **sale, orderid="d", dup_seconds="0")
        short = await transact(sandbox, **sale, orderid="e", dup_seconds="10")
        bad = await transact(sandbox, **sale, orderid="f", dup_seconds="7862401")
        now[0] += 1200
        later = await transact(sandbox, **sale, orderid="g")

    assert first["response"] == "1"
    assert (again["response"], again["response_code"]) == ("3", "300")
    assert again["responsetext"].startswith("Duplicate transaction REFID:")
    assert [x["response"] for x in (other, unchecked)] == ["1", "1"]
    assert short["responsetext"].startswith("Duplicate transaction")
    assert bad["responsetext"].startswith("dup_seconds must be a whole number")
    assert later["response"] == "1"


async def test_a_duplicate_refusal_is_its_own_outcome_where_dup_seconds_is_ignored(
    gateway: BngGateway,
) -> None:
    """Without the partner's "Allow Merchant Override" NMI ignores ``dup_seconds``."""
    with running_sandbox(duplicate_override=False) as sandbox:
        connection = bng_connection(sandbox.url)
        vault_id = await vaulted_card(gateway, sandbox)
        await gateway.sale(connection, vault_id=vault_id, amount=usd("80"), order_id="a")

        again = await gateway.sale(connection, vault_id=vault_id, amount=usd("80"), order_id="b")

    assert (again.outcome, again.code, again.transaction_id) == (
        GatewayOutcome.DUPLICATE,
        "300",
        None,
    )
    assert again.message.startswith("Duplicate transaction REFID:")


async def test_the_sandbox_checks_the_stored_credential_fields(
    sandbox: BngSandbox, gateway: BngGateway
) -> None:
    card = await vaulted_card(gateway, sandbox)
    other = await vaulted_card(gateway, sandbox, MASTERCARD)
    sale = {"type": "sale", "customer_vault_id": card, "dup_seconds": "0"}
    stored = {"initiated_by": "customer", "stored_credential_indicator": "stored"}
    first = await transact(sandbox, **sale, amount="10.00", **stored)
    on_other = await transact(sandbox, **sale | {"customer_vault_id": other}, amount="10.00")
    used = {"initiated_by": "merchant", "stored_credential_indicator": "used"}

    refusals = [
        await transact(sandbox, **sale, amount="11.00", **stored | {"initiated_by": "bot"}),
        await transact(sandbox, **sale, amount="11.00", **used | {"initiated_by": ""}),
        await transact(sandbox, **sale, amount="11.00", **stored | {"billing_method": "weekly"}),
        await transact(sandbox, **sale, amount="11.00", **used),
        await transact(
            sandbox,
            **sale,
            amount="11.00",
            **used,
            initial_transaction_id=on_other["transactionid"],
        ),
        await transact(
            sandbox,
            **sale,
            amount="11.00",
            **stored,
            initial_transaction_id=first["transactionid"],
        ),
    ]
    later = await transact(
        sandbox, **sale, amount="12.00", **used, initial_transaction_id=first["transactionid"]
    )
    state = await sandbox.state()

    assert first["response"] == "1"
    assert [r["response"] for r in refusals] == ["3"] * len(refusals)
    assert [r["responsetext"].split(" REFID")[0] for r in refusals] == [
        "initiated_by must be customer or merchant",
        "initiated_by must be customer or merchant",
        "billing_method must be recurring or installment",
        "A merchant initiated transaction requires initial_transaction_id",
        "initial_transaction_id is not an approved sale of this card",
        "initial_transaction_id is for a stored credential being used",
    ]
    assert later["response"] == "1"
    assert state["transactions"][-1]["stored_credential"] == used | {
        "initial_transaction_id": first["transactionid"]
    }


async def test_partial_refunds_up_to_the_sale_and_no_further(
    sandbox: BngSandbox, gateway: BngGateway
) -> None:
    connection = bng_connection(sandbox.url)
    vault_id = await vaulted_card(gateway, sandbox)
    sale = await gateway.sale(connection, vault_id=vault_id, amount=usd("100"), order_id="p")
    assert sale.transaction_id is not None

    partial = await gateway.refund(connection, transaction_id=sale.transaction_id, amount=usd("60"))
    over = await gateway.refund(connection, transaction_id=sale.transaction_id, amount=usd("40.01"))
    rest = await gateway.refund(connection, transaction_id=sale.transaction_id, amount=usd("40"))

    assert partial.approved
    assert partial.transaction_id not in (None, sale.transaction_id)
    assert (over.outcome, over.code) == (GatewayOutcome.ERROR, "300")
    assert over.message.startswith("Refund amount may not exceed the transaction balance")
    assert rest.approved


async def test_refund_of_an_unknown_transaction_is_an_error_answer(
    sandbox: BngSandbox, gateway: BngGateway
) -> None:
    result = await gateway.refund(
        bng_connection(sandbox.url), transaction_id="999", amount=usd("1")
    )

    assert result.outcome is GatewayOutcome.ERROR
    assert result.message.startswith("Transaction not found")


async def transact(sandbox: BngSandbox, **fields: str) -> dict[str, str]:
    """A raw transact.php call, for what the port does not do (void)."""
    form = {"security_key": SANDBOX_SECURITY_KEY, **fields}
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{sandbox.url}/api/transact.php", data=form)
    assert response.status_code == 200
    return dict(httpx.QueryParams(response.text))


async def test_void_cancels_a_pending_sale_but_not_a_settled_one_pay_7(
    sandbox: BngSandbox, gateway: BngGateway
) -> None:
    connection = bng_connection(sandbox.url)
    vault_id = await vaulted_card(gateway, sandbox)
    voided = await gateway.sale(connection, vault_id=vault_id, amount=usd("10"), order_id="a")
    settled = await gateway.sale(connection, vault_id=vault_id, amount=usd("11"), order_id="b")
    assert voided.transaction_id is not None
    assert settled.transaction_id is not None
    await sandbox.control("settle", {"transaction_ids": [settled.transaction_id]})

    void = await transact(sandbox, type="void", transactionid=voided.transaction_id)
    refused = await transact(sandbox, type="void", transactionid=settled.transaction_id)

    assert (void["response"], void["response_code"]) == ("1", "100")
    assert refused["response"] == "3"
    assert refused["responsetext"].startswith("Only transactions pending settlement")
    statuses = await gateway.settlements(
        connection, [voided.transaction_id, settled.transaction_id]
    )
    assert [s.status for s in statuses] == [SettlementStatus.FAILED, SettlementStatus.SETTLED]


# --- a lost answer is resolved by order id, never by charging again (PAY-15) -----------------


async def test_a_sale_whose_answer_was_lost_is_found_by_its_order_id_pay_15(
    gateway: BngGateway,
) -> None:
    with running_sandbox() as sandbox:
        connection = bng_connection(sandbox.url)
        vault_id = await vaulted_card(gateway, sandbox)
        sandbox.runtime.replace_faults(Faults(drop_rate=1))
        with pytest.raises(VendorUnavailable):
            await gateway.sale(connection, vault_id=vault_id, amount=usd("42"), order_id="pay-7")
        sandbox.runtime.replace_faults(Faults())

        found = await gateway.find_sale(connection, "pay-7")
        state = await sandbox.state()

    assert found.result is not None
    assert found.result.approved
    assert found.result.transaction_id is not None
    assert state["counts"]["transactions"] == 1  # charged once, found, never charged again


async def test_find_sale_of_an_order_that_never_arrived_is_empty(
    sandbox: BngSandbox, gateway: BngGateway
) -> None:
    lookup = await gateway.find_sale(bng_connection(sandbox.url), "never-sent")

    assert lookup.result is None


# --- settlement (PAY-7) ----------------------------------------------------------------------


async def test_sales_settle_through_the_control_knob(
    sandbox: BngSandbox, gateway: BngGateway
) -> None:
    connection = bng_connection(sandbox.url)
    vault_id = await vaulted_card(gateway, sandbox)
    sale = await gateway.sale(connection, vault_id=vault_id, amount=usd("20"), order_id="p")
    assert sale.transaction_id is not None
    before = await gateway.settlements(connection, [sale.transaction_id, "404"])

    settled = await sandbox.control("settle")
    after = await gateway.settlements(connection, [sale.transaction_id])

    assert [s.status for s in before] == [SettlementStatus.PENDING, SettlementStatus.UNKNOWN]
    assert settled == {"settled": [sale.transaction_id], "failed": []}
    assert [s.status for s in after] == [SettlementStatus.SETTLED]


async def test_the_failing_test_account_fails_at_settlement_with_the_banks_reason_pay_7(
    sandbox: BngSandbox, gateway: BngGateway
) -> None:
    connection = bng_connection(sandbox.url)
    token = await tokenize_check(sandbox.url, FAILING_ACCOUNT)
    method = await gateway.add_method(connection, payment_token=token, contact=CONTACT)
    sale = await gateway.sale(connection, vault_id=method.vault_id, amount=usd("300"), order_id="p")
    assert sale.approved  # an eCheck is accepted first, and returned by the bank later
    assert sale.transaction_id is not None

    await sandbox.control("settle")
    [settlement] = await gateway.settlements(connection, [sale.transaction_id])

    assert settlement.status is SettlementStatus.FAILED
    assert settlement.message == "R01 Insufficient Funds"


async def test_a_settled_card_payment_can_fail_after_the_fact_pay_7(
    sandbox: BngSandbox, gateway: BngGateway
) -> None:
    connection = bng_connection(sandbox.url)
    vault_id = await vaulted_card(gateway, sandbox)
    sale = await gateway.sale(connection, vault_id=vault_id, amount=usd("30"), order_id="p")
    assert sale.transaction_id is not None
    await sandbox.control("settle")

    answer = await sandbox.control(
        "fail", {"transaction_id": sale.transaction_id, "reason": "Card reported stolen"}
    )
    [settlement] = await gateway.settlements(connection, [sale.transaction_id])

    assert answer == {"failed": sale.transaction_id}
    assert (settlement.status, settlement.message) == (
        SettlementStatus.FAILED,
        "Card reported stolen",
    )


async def test_many_settlements_are_asked_in_batches_and_answered_in_order(
    sandbox: BngSandbox, gateway: BngGateway
) -> None:
    ids = [str(n) for n in range(250)]

    settlements = await gateway.settlements(bng_connection(sandbox.url), ids)

    assert [s.transaction_id for s in settlements] == ids
    assert {s.status for s in settlements} == {SettlementStatus.UNKNOWN}
    assert (await sandbox.state())["requests"]["query.php"] == 3
    assert await gateway.settlements(bng_connection(sandbox.url), []) == []


# --- credentials and transport (INT-2, INT-6, INT-7) -----------------------------------------


async def test_a_wrong_security_key_is_rejected_and_the_tester_says_why_int_2(
    sandbox: BngSandbox, gateway: BngGateway
) -> None:
    wrong = bng_connection(sandbox.url, security_key="not-the-key")
    tester = BngConnectionTester(UnlimitedLimits())

    with pytest.raises(VendorRejected, match=r"^Authentication Failed$"):
        await gateway.sale(wrong, vault_id="1", amount=usd("5"), order_id="p")
    with pytest.raises(VendorRejected, match=r"^Authentication Failed$"):
        await gateway.find_sale(wrong, "p")
    assert await tester.test(wrong) == "Authentication Failed"
    assert await tester.test(bng_connection(sandbox.url)) is None
    await tester.aclose()


@pytest.mark.parametrize(
    ("faults", "words"),
    [
        (Faults(error_rate=1), r"HTTP 50[23]"),
        (Faults(malformed_rate=1), r"malformed"),
        (Faults(drop_rate=1), r"connection to BNG failed"),
        (Faults(timeout_rate=1, hang_seconds=3), r"did not answer transact.php within 0.3 s"),
    ],
    ids=["5xx-html", "malformed-body", "dropped-connection", "timeout"],
)
async def test_transient_faults_become_vendor_unavailable_int_7(
    limits: UnlimitedLimits, faults: Faults, words: str
) -> None:
    gateway = BngGateway(limits, timeout=0.3)
    with running_sandbox(faults) as sandbox:
        with pytest.raises(VendorUnavailable, match=words):
            await gateway.sale(
                bng_connection(sandbox.url), vault_id="1", amount=usd("5"), order_id="p"
            )
        if faults.timeout_rate == 0:
            with pytest.raises(VendorUnavailable):
                await gateway.find_sale(bng_connection(sandbox.url), "p")
    await gateway.aclose()


async def test_answers_without_their_empty_fields_and_with_unknown_ones_are_read_int_7(
    gateway: BngGateway,
) -> None:
    """NMI may leave out fields it has nothing for (no ``transactionid`` on a vault add) and add
    new ones: the method is vaulted once, not taken for a lost answer and vaulted again."""
    with running_sandbox(lean_answers=True) as sandbox:
        connection = bng_connection(sandbox.url)
        token = await tokenize_card(sandbox.url)

        method = await gateway.add_method(connection, payment_token=token, contact=CONTACT)
        vaulted = (await sandbox.state())["counts"]["vault"]
        sale = await gateway.sale(
            connection, vault_id=method.vault_id, amount=usd("20"), order_id="p1"
        )
        declined = await gateway.sale(
            connection, vault_id=method.vault_id, amount=usd("0.50"), order_id="p2"
        )
        await gateway.delete_method(connection, method.vault_id)
        state = await sandbox.state()

    assert (method.brand, method.last4) == ("visa", "1111")
    assert vaulted == 1  # once: not taken for a lost answer and vaulted again
    assert sale.outcome is GatewayOutcome.APPROVED
    assert sale.transaction_id
    assert (declined.outcome, declined.code) == (GatewayOutcome.DECLINED, "200")
    assert state["counts"]["vault"] == 0
    assert [t["orderid"] for t in state["transactions"]] == ["p1", "p2"]


async def test_429_becomes_rate_limited_with_retry_after_and_pauses_the_connection_int_6(
    gateway: BngGateway, limits: UnlimitedLimits
) -> None:
    with running_sandbox(Faults(rate_limit_rate=1, retry_after=7)) as sandbox:
        connection = bng_connection(sandbox.url)
        with pytest.raises(VendorRateLimited) as caught:
            await gateway.sale(connection, vault_id="1", amount=usd("5"), order_id="p")

    assert caught.value.retry_after == 7
    assert limits.pauses == [(connection.connection_id, 7)]


async def test_a_wrong_base_url_is_rejected(sandbox: BngSandbox, gateway: BngGateway) -> None:
    with pytest.raises(VendorRejected, match="HTTP 404"):
        await gateway.find_sale(bng_connection(f"{sandbox.url}/elsewhere"), "p")


# --- mounted in the hub, as /sandbox/bng -------------------------------------------------------


async def test_mounted_under_a_path_the_base_url_is_the_mount(gateway: BngGateway) -> None:
    bng = create_bng_sandbox(Faults())

    @asgi("/sandbox/bng", is_mount=True, copy_scope=True)
    async def mounted(scope: Scope, receive: Receive, send: Send) -> None:
        scope["root_path"] = scope.get("root_path", "") + "/sandbox/bng"
        await bng(scope, receive, send)

    hub = Litestar(route_handlers=[mounted], openapi_config=None, logging_config=None)
    with serve_asgi(hub) as url:
        base_url = f"{url}/sandbox/bng"
        connection = bng_connection(base_url)
        token = await tokenize_card(base_url)
        method = await gateway.add_method(connection, payment_token=token, contact=CONTACT)
        sale = await gateway.sale(
            connection, vault_id=method.vault_id, amount=usd("9"), order_id="p"
        )
        bng.state.sandbox.replace_faults(Faults(error_rate=1))
        with pytest.raises(VendorUnavailable):
            await gateway.find_sale(connection, "p")

    assert sale.approved
    assert bng.state.sandbox.traffic.snapshot()["requests"] == {
        "transact.php": 2,
        "query.php": 2,
    }


# --- no card number anywhere but the gateway (PAY-8) -----------------------------------------


async def test_no_full_card_number_reaches_the_snapshot_or_the_hub_pay_8(
    sandbox: BngSandbox, gateway: BngGateway
) -> None:
    connection = bng_connection(sandbox.url)
    methods: list[MethodDetails] = []
    returned: list[Any] = []
    for index, number in enumerate(TEST_CARDS):
        token = await tokenize_card(sandbox.url, number)
        methods.append(await gateway.add_method(connection, payment_token=token, contact=CONTACT))
        order_id = f"order-{index}"
        amount = usd(f"{index + 10}")
        sale = await gateway.sale(
            connection, vault_id=methods[-1].vault_id, amount=amount, order_id=order_id
        )
        assert sale.transaction_id is not None
        refund = await gateway.refund(
            connection, transaction_id=sale.transaction_id, amount=usd("1")
        )
        lookup = await gateway.find_sale(connection, order_id)
        returned += [
            sale,
            refund,
            lookup,
            *await gateway.settlements(connection, [sale.transaction_id]),
        ]
    await sandbox.control("settle")

    seen = json.dumps(await sandbox.state()) + repr(methods) + repr(returned)
    assert [number for number in TEST_CARDS if number in seen] == []
    assert [m.last4 for m in methods] == [number[-4:] for number in TEST_CARDS]
