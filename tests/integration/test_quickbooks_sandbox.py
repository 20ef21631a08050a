"""The QuickBooks Online adapter against its sandbox over real HTTP (PAY-1, PAY-9, INT-2, INT-7)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

import httpx
import pytest

from adapters.sandboxes.kit.base import Faults
from adapters.sandboxes.quickbooks.app import (
    SANDBOX_REFRESH_TOKEN,
    create_quickbooks_sandbox,
)
from adapters.sandboxes.quickbooks.schema import SandboxFault
from adapters.vendors.quickbooks.accounting import QuickBooksAccounting, QuickBooksClients
from adapters.vendors.quickbooks.client import QUICKBOOKS_LIMITS, QuickBooksRejected
from adapters.vendors.quickbooks.sync import QuickBooksConnectionTester
from application.billing.ports import AccountingInvoice, AccountingLine, AccountingSystem
from application.integrations.ports import (
    ConnectionTester,
    VendorRateLimited,
    VendorRejected,
    VendorUnavailable,
)
from domain.shared.money import Money
from tests.support.autotask import UnlimitedLimits
from tests.support.quickbooks import (
    QuickBooksSandbox,
    gateway_payment,
    psa_invoice,
    quickbooks_connection,
)
from tests.support.sandboxes import SemaphoreLimits, sandbox_starter
from tests.support.timeouts import HONEST_ANSWER_SECONDS

StartSandbox = Callable[..., QuickBooksSandbox]


@pytest.fixture
def start_sandbox() -> Iterator[StartSandbox]:
    with sandbox_starter(QuickBooksSandbox, create_quickbooks_sandbox) as start:
        yield start


@pytest.fixture
def limits() -> UnlimitedLimits:
    return UnlimitedLimits()


@pytest.fixture
async def accounting(limits: UnlimitedLimits) -> AsyncIterator[QuickBooksAccounting]:
    adapter = QuickBooksAccounting(limits, timeout=HONEST_ANSWER_SECONDS)
    yield adapter
    await adapter.aclose()


def _held_until(count: int, method: str, path_end: str) -> Callable[[httpx.Request], Any]:
    """A request hook holding matching calls until ``count`` of them are in flight together."""
    barrier = asyncio.Barrier(count)

    async def hold(request: httpx.Request) -> None:
        if request.method == method and request.url.path.endswith(path_end):
            await asyncio.wait_for(barrier.wait(), timeout=5)

    return hold


# --- invoices: numbered by QuickBooks, found again by their PSA number (PAY-1) -----------------


async def test_push_creates_the_customer_and_an_invoice_quickbooks_numbers_pay_1(
    start_sandbox: StartSandbox, accounting: QuickBooksAccounting, limits: UnlimitedLimits
) -> None:
    sandbox = start_sandbox()
    connection = quickbooks_connection(sandbox.url)
    port: AccountingSystem = accounting
    invoice = psa_invoice(psa_number="T1042")

    pushed = await port.push_invoice(connection, invoice)

    assert pushed == AccountingInvoice(
        accounting_id=pushed.accounting_id,
        number="1001",  # QuickBooks' number: the hub's invoice number from now on
        total=Money.of("150.30", "USD"),
        balance=Money.of("150.30", "USD"),
    )
    state = await sandbox.state()
    [customer] = state["customers"]
    [created] = state["invoices"]
    assert customer["DisplayName"] == "Contoso Ltd"
    assert created["CustomerRef"] == {"value": customer["Id"], "name": "Contoso Ltd"}
    assert created["PrivateNote"].splitlines()[0] == "PSA invoice T1042"
    assert [line["SalesItemLineDetail"]["ItemRef"]["name"] for line in created["Line"][:2]] == [
        "Services",
        "Services",
    ]
    # Every call went through the shared limits, one key for the whole company.
    assert {key.endpoint for key, _ in limits.calls} == {"company"}
    assert {policy for _, policy in limits.calls} == {QUICKBOOKS_LIMITS}


async def test_invoices_get_quickbooks_numbers_in_sequence_pay_1(
    start_sandbox: StartSandbox, accounting: QuickBooksAccounting
) -> None:
    sandbox = start_sandbox()
    connection = quickbooks_connection(sandbox.url)

    numbers = [(await accounting.push_invoice(connection, psa_invoice())).number for _ in range(3)]

    assert numbers == ["1001", "1002", "1003"]
    assert (await sandbox.state())["counts"]["Customer"] == 1


async def test_pushing_again_finds_the_invoice_by_its_psa_number_without_duplicates_pay_1(
    start_sandbox: StartSandbox, accounting: QuickBooksAccounting
) -> None:
    sandbox = start_sandbox()
    connection = quickbooks_connection(sandbox.url)
    invoice = psa_invoice()
    first = await accounting.push_invoice(connection, invoice)

    again = await accounting.push_invoice(connection, invoice)
    # The hub lost its record and pushes the PSA invoice afresh: still the same invoice.
    anew = await accounting.push_invoice(connection, psa_invoice(psa_number=invoice.psa_number))

    assert again == first
    assert anew == first
    state = await sandbox.state()
    assert state["counts"]["Invoice"] == 1
    assert state["counts"]["Customer"] == 1
    assert state["duplicates"] == {"Customer": {}, "Invoice": {}, "Payment": {}}


async def test_the_same_invoice_pushed_twice_at_once_is_created_once_by_its_request_id(
    start_sandbox: StartSandbox, limits: UnlimitedLimits
) -> None:
    sandbox = start_sandbox()
    connection = quickbooks_connection(sandbox.url)
    invoice = psa_invoice()
    hold = _held_until(2, "POST", "/invoice")  # both looked, found nothing, both create
    async with httpx.AsyncClient(event_hooks={"request": [hold]}) as http:
        adapter = QuickBooksAccounting(limits, http)
        results = await asyncio.gather(
            adapter.push_invoice(connection, invoice), adapter.push_invoice(connection, invoice)
        )

    assert results[0] == results[1]
    state = await sandbox.state()
    assert state["counts"]["Invoice"] == 1
    assert state["counts"]["Customer"] == 1
    assert state["replays"] >= 1  # QuickBooks answered the second create with the first


async def test_two_pushes_for_a_new_customer_at_once_make_one_customer(
    start_sandbox: StartSandbox, limits: UnlimitedLimits
) -> None:
    sandbox = start_sandbox()
    connection = quickbooks_connection(sandbox.url)
    hold = _held_until(2, "POST", "/customer")  # both found no customer, both create it
    async with httpx.AsyncClient(event_hooks={"request": [hold]}) as http:
        adapter = QuickBooksAccounting(limits, http)
        first, second = await asyncio.gather(
            adapter.push_invoice(connection, psa_invoice()),
            adapter.push_invoice(connection, psa_invoice()),
        )

    state = await sandbox.state()
    assert state["counts"]["Customer"] == 1
    assert state["refusals"] == {"6240": 1}  # the loser's duplicate name, then it used the winner's
    assert {i["CustomerRef"]["value"] for i in state["invoices"]} == {state["customers"][0]["Id"]}
    assert {first.number, second.number} == {"1001", "1002"}


async def test_a_name_with_apostrophes_finds_its_customer_again(
    start_sandbox: StartSandbox, accounting: QuickBooksAccounting
) -> None:
    sandbox = start_sandbox()
    connection = quickbooks_connection(sandbox.url)
    name = "O'Brien's Pub \\ Grill"

    for _ in range(2):
        await accounting.push_invoice(connection, psa_invoice(customer_name=name))

    state = await sandbox.state()
    assert [c["DisplayName"] for c in state["customers"]] == [name]
    assert state["counts"]["Invoice"] == 2


async def test_an_inactive_customer_is_reactivated_even_if_edited_meanwhile(
    start_sandbox: StartSandbox, accounting: QuickBooksAccounting
) -> None:
    sandbox = start_sandbox()
    connection = quickbooks_connection(sandbox.url)
    await accounting.push_invoice(connection, psa_invoice())
    [customer] = (await sandbox.state())["customers"]
    await sandbox.control(f"quickbooks/customers/{customer['Id']}/deactivate")
    sandbox.store.meddle_before_next_update("Customer", customer["Id"])

    pushed = await accounting.push_invoice(connection, psa_invoice())

    state = await sandbox.state()
    [reactivated] = state["customers"]
    assert reactivated["Active"] is True
    assert reactivated["SyncToken"] == "3"  # deactivated, edited by someone, reactivated
    assert state["refusals"] == {"6240": 1, "5010": 1}  # hidden from queries; stale once
    assert pushed.number == "1002"


async def test_a_name_held_by_a_vendor_is_refused_with_quickbooks_words(
    start_sandbox: StartSandbox, accounting: QuickBooksAccounting
) -> None:
    sandbox = start_sandbox()
    sandbox.store.add_vendor("Contoso Ltd")
    connection = quickbooks_connection(sandbox.url)

    with pytest.raises(VendorRejected) as caught:
        await accounting.push_invoice(connection, psa_invoice())

    assert caught.value.message.startswith("Duplicate Name Exists Error: The name supplied")
    assert caught.value.message.endswith("(6240)")
    assert (await sandbox.state())["counts"]["Invoice"] == 0


async def test_amounts_stay_exact_decimals_both_ways(
    start_sandbox: StartSandbox, accounting: QuickBooksAccounting
) -> None:
    sandbox = start_sandbox()
    connection = quickbooks_connection(sandbox.url)
    lines = [
        AccountingLine("a", Money.of("0.10", "USD"), "1"),
        AccountingLine("b", Money.of("0.20", "USD"), "3"),
        AccountingLine("c", Money.of("100.00", "USD"), "3"),
    ]

    pushed = await accounting.push_invoice(
        connection, psa_invoice(lines=lines, total=Money.of("100.30", "USD"))
    )

    assert pushed.total == Money.of("100.30", "USD")
    assert sandbox.store.read("Invoice", pushed.accounting_id)["TotalAmt"] == Decimal("100.30")


# --- balances and payments (PAY-9) -------------------------------------------------------------


async def test_invoice_reads_the_balance_quickbooks_has_now(
    start_sandbox: StartSandbox, accounting: QuickBooksAccounting
) -> None:
    sandbox = start_sandbox()
    connection = quickbooks_connection(sandbox.url)
    pushed = await accounting.push_invoice(connection, psa_invoice())

    await sandbox.control(
        f"quickbooks/invoices/{pushed.accounting_id}/payments", {"amount": "40.30"}
    )

    now = await accounting.invoice(connection, pushed.accounting_id)
    assert now.balance == Money.of("110.00", "USD")
    assert now.total == Money.of("150.30", "USD")
    assert now.number == "1001"


async def test_a_payment_is_linked_to_its_invoice_and_reduces_the_balance_pay_9(
    start_sandbox: StartSandbox, accounting: QuickBooksAccounting
) -> None:
    sandbox = start_sandbox()
    connection = quickbooks_connection(sandbox.url)
    pushed = await accounting.push_invoice(connection, psa_invoice())

    payment_id = await accounting.record_payment(
        connection, gateway_payment(pushed.accounting_id, "50.00", reference="10584532231")
    )

    state = await sandbox.state()
    [payment] = state["payments"]
    [invoice] = state["invoices"]
    assert payment["Id"] == payment_id
    assert payment["Line"] == [
        {"Amount": "50.00", "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}
    ]
    assert payment["PaymentRefNum"] == "10584532231"
    assert payment["CustomerRef"] == invoice["CustomerRef"]
    assert invoice["LinkedTxn"] == [{"TxnId": payment_id, "TxnType": "Payment"}]
    balance = await accounting.invoice(connection, pushed.accounting_id)
    assert balance.balance == Money.of("100.30", "USD")


async def test_recording_the_same_payment_twice_records_it_once_pay_9(
    start_sandbox: StartSandbox, accounting: QuickBooksAccounting
) -> None:
    sandbox = start_sandbox()
    connection = quickbooks_connection(sandbox.url)
    pushed = await accounting.push_invoice(connection, psa_invoice())
    payment = gateway_payment(pushed.accounting_id, "50.00")

    first = await accounting.record_payment(connection, payment)
    again = await accounting.record_payment(connection, payment)
    sandbox.store.forget_request_ids()  # long after: QuickBooks no longer knows the request id
    later = await accounting.record_payment(connection, payment)

    assert first == again == later
    state = await sandbox.state()
    assert state["counts"]["Payment"] == 1
    assert state["invoices"][0]["Balance"] == "100.30"


async def test_a_payment_above_the_balance_leaves_the_rest_unapplied(
    start_sandbox: StartSandbox, accounting: QuickBooksAccounting
) -> None:
    sandbox = start_sandbox()
    connection = quickbooks_connection(sandbox.url)
    pushed = await accounting.push_invoice(connection, psa_invoice())

    await accounting.record_payment(connection, gateway_payment(pushed.accounting_id, "200.00"))
    await accounting.record_payment(connection, gateway_payment(pushed.accounting_id, "10.00"))

    state = await sandbox.state()
    over, after = state["payments"]
    assert (over["TotalAmt"], over["UnappliedAmt"]) == ("200.00", "49.70")
    assert over["Line"][0]["Amount"] == "150.30"
    assert (after["UnappliedAmt"], after["Line"]) == ("10.00", [])
    assert (await accounting.invoice(connection, pushed.accounting_id)).balance.is_zero()


# --- money that moves: re-linked, refunded, voided (PAY-3..7) -----------------------------------


async def test_a_voided_invoice_leaves_its_payment_unapplied_pay_3(
    start_sandbox: StartSandbox, accounting: QuickBooksAccounting
) -> None:
    sandbox = start_sandbox()
    connection = quickbooks_connection(sandbox.url)
    pushed = await accounting.push_invoice(connection, psa_invoice())
    await accounting.record_payment(connection, gateway_payment(pushed.accounting_id, "150.30"))

    await accounting.void_invoice(connection, pushed.accounting_id)
    await accounting.void_invoice(connection, pushed.accounting_id)  # once voided, left alone

    state = await sandbox.state()
    [invoice], [payment] = state["invoices"], state["payments"]
    assert (invoice["TotalAmt"], invoice["Balance"], invoice["LinkedTxn"]) == ("0.00", "0.00", [])
    assert invoice["PrivateNote"].endswith("Voided")
    assert (payment["TotalAmt"], payment["UnappliedAmt"], payment["Line"]) == (
        "150.30",
        "150.30",
        [],
    )


async def test_a_payment_moves_to_another_invoice_and_its_refund_is_a_receipt_pay_4(
    start_sandbox: StartSandbox, accounting: QuickBooksAccounting
) -> None:
    sandbox = start_sandbox()
    connection = quickbooks_connection(sandbox.url)
    first = await accounting.push_invoice(connection, psa_invoice())
    smaller = await accounting.push_invoice(
        connection, psa_invoice(total=Money.of("100.00", "USD"), lines=[_line("100.00")])
    )
    taken = gateway_payment(first.accounting_id, "150.30")
    held = await accounting.record_payment(connection, taken)
    moved = replace(
        taken,
        accounting_id=held,
        applied_to=smaller.accounting_id,
        applied=Money.of("100.00", "USD"),
        refunded=Money.of("50.30", "USD"),
    )

    assert await accounting.record_payment(connection, moved) == held
    assert await accounting.record_payment(connection, moved) == held  # nothing twice

    state = await sandbox.state()
    assert [i["Balance"] for i in state["invoices"]] == ["150.30", "0.00"]  # back, then paid
    [payment] = state["payments"]
    assert [line["LinkedTxn"][0]["TxnId"] for line in payment["Line"]] == [smaller.accounting_id]
    assert (payment["TotalAmt"], payment["UnappliedAmt"]) == ("150.30", "50.30")
    [receipt] = state["refund_receipts"]
    assert receipt["TotalAmt"] == "50.30"
    assert receipt["DepositToAccountRef"]["name"] == "Checking"  # the company's bank account
    assert f"Q2C refund of payment {taken.hub_id}" in receipt["PrivateNote"]


async def test_a_cancelled_payment_is_voided_and_its_invoice_owes_again_pay_7(
    start_sandbox: StartSandbox, accounting: QuickBooksAccounting
) -> None:
    sandbox = start_sandbox()
    connection = quickbooks_connection(sandbox.url)
    pushed = await accounting.push_invoice(connection, psa_invoice())
    taken = gateway_payment(pushed.accounting_id, "150.30")
    held = await accounting.record_payment(connection, taken)
    sandbox.store.meddle_before_next_update("Payment", str(held))  # saved meanwhile: 5010 once

    cancelled = replace(taken, accounting_id=held, cancelled=True, sale=Money.of("0", "USD"))
    assert await accounting.record_payment(connection, cancelled) == held
    assert await accounting.record_payment(connection, cancelled) == held

    state = await sandbox.state()
    [payment], [invoice] = state["payments"], state["invoices"]
    assert (payment["TotalAmt"], payment["Line"]) == ("0.00", [])
    assert payment["PrivateNote"].endswith("Voided")
    assert invoice["Balance"] == "150.30"
    assert (await accounting.invoice(connection, pushed.accounting_id)).balance == Money.of(
        "150.30", "USD"
    )


async def test_a_payment_cancelled_before_it_was_recorded_records_nothing(
    start_sandbox: StartSandbox, accounting: QuickBooksAccounting
) -> None:
    sandbox = start_sandbox()
    connection = quickbooks_connection(sandbox.url)
    pushed = await accounting.push_invoice(connection, psa_invoice())
    never = replace(gateway_payment(pushed.accounting_id), cancelled=True)

    assert await accounting.record_payment(connection, never) is None
    assert (await sandbox.state())["counts"]["Payment"] == 0


async def test_a_refund_without_a_bank_account_says_how_to_fix_it(
    start_sandbox: StartSandbox, accounting: QuickBooksAccounting
) -> None:
    sandbox = start_sandbox()
    connection = quickbooks_connection(sandbox.url, settings={"refund_account_id": "4"})
    pushed = await accounting.push_invoice(connection, psa_invoice())
    refunded = replace(
        gateway_payment(pushed.accounting_id, "150.30"),
        applied_to=None,
        applied=Money.of("0", "USD"),
        refunded=Money.of("150.30", "USD"),
    )
    await accounting.record_payment(connection, refunded)  # from the account set: Undeposited
    [receipt] = (await sandbox.state())["refund_receipts"]
    assert receipt["DepositToAccountRef"]["value"] == "4"
    wrong = quickbooks_connection(sandbox.url, settings={"refund_account_id": "999"})
    with pytest.raises(VendorRejected, match="Invalid Reference Id"):
        await accounting.record_payment(
            wrong, replace(refunded, refunded=Money.of("150.30", "USD"), hub_id="another")
        )


def _line(amount: str) -> AccountingLine:
    return AccountingLine("Managed services", Money.of(amount, "USD"), "1")


# --- OAuth: tokens cached, refreshed once on a 401, rotated ------------------------------------


async def test_an_expired_access_token_is_refreshed_once_and_the_call_retried(
    start_sandbox: StartSandbox, accounting: QuickBooksAccounting
) -> None:
    sandbox = start_sandbox()
    connection = quickbooks_connection(sandbox.url)
    pushed = await accounting.push_invoice(connection, psa_invoice())
    await sandbox.control("quickbooks/tokens/expire")

    now = await accounting.invoice(connection, pushed.accounting_id)

    assert now.number == "1001"
    tokens = (await sandbox.state())["tokens"]
    assert (tokens["refreshes"], tokens["refused"]) == (2, 1)


async def test_the_access_token_serves_until_shortly_before_it_expires(
    start_sandbox: StartSandbox, limits: UnlimitedLimits
) -> None:
    sandbox = start_sandbox()
    connection = quickbooks_connection(sandbox.url)
    now = [1000.0]
    clients = QuickBooksClients(limits, clock=lambda: now[0])
    adapter = QuickBooksAccounting(limits, clients=clients)
    pushed = await adapter.push_invoice(connection, psa_invoice())
    now[0] += 3600 - 301
    await adapter.invoice(connection, pushed.accounting_id)
    refreshed_early = (await sandbox.state())["tokens"]["refreshes"]

    now[0] += 2  # inside the last five minutes: a fresh token before the call
    await adapter.invoice(connection, pushed.accounting_id)
    await adapter.aclose()

    tokens = (await sandbox.state())["tokens"]
    assert refreshed_early == 1
    assert (tokens["refreshes"], tokens["refused"]) == (2, 0)


async def test_a_rotated_refresh_token_is_the_one_used_next(
    start_sandbox: StartSandbox, limits: UnlimitedLimits
) -> None:
    sandbox = start_sandbox(rotate_refresh_tokens=True)
    connection = quickbooks_connection(sandbox.url)
    clients = QuickBooksClients(limits)
    tester = QuickBooksConnectionTester(limits, clients=clients)
    assert await tester.test(connection) is None
    await sandbox.control("quickbooks/tokens/expire")

    assert await tester.test(connection) is None

    used = (await sandbox.state())["tokens"]["refresh_tokens_used"]
    newest = (await clients.client(connection)).tokens.refresh_token
    await clients.aclose()
    assert used[0] == SANDBOX_REFRESH_TOKEN
    assert used[1] not in (SANDBOX_REFRESH_TOKEN, newest)  # the rotated one, itself rotated
    assert newest.startswith("RT1-")


async def test_connection_test_reports_intuits_reason_int_2(
    start_sandbox: StartSandbox, limits: UnlimitedLimits
) -> None:
    sandbox = start_sandbox()
    tester: ConnectionTester = QuickBooksConnectionTester(limits)
    good = quickbooks_connection(sandbox.url)

    def wrong(**changes: str) -> Any:
        return quickbooks_connection(sandbox.url, credentials={**good.credentials, **changes})

    assert await tester.test(good) is None
    assert await tester.test(wrong(client_secret="nope")) == (
        "Intuit refused the token refresh (invalid_client); reconnect QuickBooks to authorize again"
    )
    assert "invalid_grant" in str(await tester.test(wrong(refresh_token="RT1-old")))
    assert await tester.test(wrong(realm_id="123145")) == (
        "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403 (3100)"
    )
    assert await tester.test(wrong(refresh_token="")) == (
        "the QuickBooks connection lacks refresh_token: an admin connects it to the company at "
        "Intuit first (POST /v1/connections/{id}/authorize, then Intuit's page)"
    )


# --- faults and refusals map to the port errors (INT-7) ----------------------------------------


async def test_a_fault_becomes_a_refusal_with_quickbooks_message_int_7(
    start_sandbox: StartSandbox, accounting: QuickBooksAccounting
) -> None:
    sandbox = start_sandbox()
    connection = quickbooks_connection(sandbox.url, settings={"item_id": "999"})

    with pytest.raises(VendorRejected) as caught:
        await accounting.push_invoice(connection, psa_invoice())

    assert caught.value.status == 400
    assert caught.value.message == (
        "Invalid Reference Id: Invalid Reference Id : Item assigned to this transaction has "
        "been deleted or does not exist: 999 (2500)"
    )
    assert (await sandbox.state())["counts"]["Invoice"] == 0


@pytest.mark.parametrize(
    ("faults", "words"),
    [
        (Faults(error_rate=1), r"HTTP 50[23]"),
        (Faults(timeout_rate=1, hang_seconds=5), r"did not answer .* within 0.5 s"),
        (Faults(drop_rate=1), r"connection to QuickBooks failed"),
        (Faults(malformed_rate=1), r"malformed body"),
    ],
    ids=["5xx-html", "timeout", "dropped-connection", "malformed-body"],
)
async def test_transient_faults_become_vendor_unavailable_int_7(
    start_sandbox: StartSandbox, limits: UnlimitedLimits, faults: Faults, words: str
) -> None:
    sandbox = start_sandbox(faults)
    connection = quickbooks_connection(sandbox.url)
    impatient = QuickBooksAccounting(limits, timeout=0.5)  # the hang outlasts it

    with pytest.raises(VendorUnavailable, match=words):
        await impatient.push_invoice(connection, psa_invoice())
    await impatient.aclose()


async def test_a_fault_cut_short_is_unavailable_not_a_refusal(
    start_sandbox: StartSandbox, limits: UnlimitedLimits
) -> None:
    sandbox = start_sandbox(Faults(malformed_rate=1))  # the token endpoint is never faulted
    clients = QuickBooksClients(limits)
    client = await clients.client(quickbooks_connection(sandbox.url))

    with pytest.raises(VendorUnavailable, match=r"malformed body .*HTTP 400.*Fault") as caught:
        await client.query("SELECT * FROM Invoice WHERE PrivateNote = 'T1042'")  # 4001, cut
    await clients.aclose()

    assert not isinstance(caught.value, VendorRejected)
    assert (await sandbox.state())["refusals"] == {"4001": 1}


async def test_429_becomes_rate_limited_with_retry_after_and_pauses_the_connection(
    start_sandbox: StartSandbox, accounting: QuickBooksAccounting, limits: UnlimitedLimits
) -> None:
    sandbox = start_sandbox(Faults(rate_limit_rate=1, retry_after=7))
    connection = quickbooks_connection(sandbox.url)

    with pytest.raises(VendorRateLimited) as caught:
        await accounting.push_invoice(connection, psa_invoice())

    assert caught.value.retry_after == 7
    assert limits.pauses == [(connection.connection_id, 7)]
    assert "ThrottleExceeded" in caught.value.message


# --- QBO's limits: enforced by the sandbox, kept by the client ----------------------------------


async def test_the_sandbox_answers_429_past_the_requests_a_minute_of_a_company(
    start_sandbox: StartSandbox, accounting: QuickBooksAccounting, limits: UnlimitedLimits
) -> None:
    sandbox = start_sandbox(requests_per_window=3, window_seconds=60)
    connection = quickbooks_connection(sandbox.url)

    # Customer query, customer create, invoice query: the invoice create is the fourth.
    with pytest.raises(VendorRateLimited) as caught:
        await accounting.push_invoice(connection, psa_invoice())

    assert 50 < caught.value.retry_after <= 60
    assert [seconds for _, seconds in limits.pauses] == [caught.value.retry_after]
    state = await sandbox.state()
    assert (state["counts"]["Invoice"], state["limit_violations"]) == (0, 1)


async def _reads_at_once(
    sandbox: QuickBooksSandbox, limits: UnlimitedLimits | SemaphoreLimits, count: int
) -> list[AccountingInvoice | BaseException]:
    connection = quickbooks_connection(sandbox.url)
    customer_id = sandbox.store.write("Customer", {"DisplayName": "Contoso Ltd"}, None)["Id"]
    lines = [{"Amount": 1, "DetailType": "SalesItemLineDetail",
              "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}]  # fmt: skip
    body = {"CustomerRef": {"value": customer_id}, "Line": lines}
    invoice_id = sandbox.store.write("Invoice", body, None)["Id"]
    adapter = QuickBooksAccounting(limits, timeout=5)
    try:
        await adapter.invoice(connection, invoice_id)  # the token, first
        reads = [adapter.invoice(connection, invoice_id) for _ in range(count)]
        return list(await asyncio.gather(*reads, return_exceptions=True))
    finally:
        await adapter.aclose()


async def test_the_sandbox_refuses_more_than_ten_calls_at_once_per_company(
    start_sandbox: StartSandbox, limits: UnlimitedLimits
) -> None:
    sandbox = start_sandbox(Faults(latency_ms=200))

    results = await _reads_at_once(sandbox, limits, 16)

    refused = [r for r in results if isinstance(r, VendorRateLimited)]
    assert len(refused) + len([r for r in results if isinstance(r, AccountingInvoice)]) == 16
    state = await sandbox.state()
    assert len(refused) == state["limit_violations"] >= 1


async def test_the_client_keeps_within_ten_calls_at_once_given_a_limiter(
    start_sandbox: StartSandbox,
) -> None:
    sandbox = start_sandbox(Faults(latency_ms=50))
    limits = SemaphoreLimits()

    results = await _reads_at_once(sandbox, limits, 16)

    assert all(isinstance(r, AccountingInvoice) for r in results)
    assert max(limits.max_in_flight.values()) == 10
    state = await sandbox.state()
    assert state["limit_violations"] == 0
    assert max(state["max_concurrency"].values()) == 10


# --- QBO's rules the sandbox keeps, seen through the client ------------------------------------


async def test_the_sandbox_refuses_a_doc_number_already_used_6140(
    start_sandbox: StartSandbox, accounting: QuickBooksAccounting, limits: UnlimitedLimits
) -> None:
    sandbox = start_sandbox()
    connection = quickbooks_connection(sandbox.url)
    pushed = await accounting.push_invoice(connection, psa_invoice())
    clients = QuickBooksClients(limits)
    client = await clients.client(connection)
    customer = sandbox.store.read("Invoice", pushed.accounting_id)["CustomerRef"]
    lines = [{"Amount": 5, "DetailType": "SalesItemLineDetail",
              "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}]  # fmt: skip
    body = {"CustomerRef": {"value": customer["value"]}, "DocNumber": "1001", "Line": lines}

    with pytest.raises(QuickBooksRejected) as caught:
        await client.create("Invoice", body, "q2c-test-6140")
    await clients.aclose()

    assert caught.value.codes == {"6140"}
    assert "DocNumber=1001 is assigned to TxnType=Invoice" in caught.value.message


async def test_the_sandbox_refuses_a_stale_sync_token_5010(
    start_sandbox: StartSandbox, accounting: QuickBooksAccounting, limits: UnlimitedLimits
) -> None:
    sandbox = start_sandbox()
    connection = quickbooks_connection(sandbox.url)
    pushed = await accounting.push_invoice(connection, psa_invoice())
    clients = QuickBooksClients(limits)
    client = await clients.client(connection)
    read = await client.read("Invoice", pushed.accounting_id)
    await sandbox.control(
        f"quickbooks/invoices/{pushed.accounting_id}/payments", {"amount": "1.00"}
    )
    stale = {
        "Id": read["Id"],
        "SyncToken": read["SyncToken"],
        "sparse": True,
        "DueDate": "2026-05-01",
    }

    with pytest.raises(QuickBooksRejected) as caught:
        await client.create("Invoice", stale, "q2c-test-5010")
    updated = await client.update("Invoice", read, {"DueDate": "2026-05-01"}, hub_id="x")
    await clients.aclose()

    assert caught.value.codes == {"5010"}
    assert (updated["DueDate"], updated["SyncToken"]) == ("2026-05-01", "2")


async def test_a_payment_the_sandbox_refuses_changes_nothing(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox()
    store = sandbox.store
    customer = store.write("Customer", {"DisplayName": "Contoso Ltd"}, None)
    lines = [{"Amount": Decimal(10), "DetailType": "SalesItemLineDetail",
              "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}]  # fmt: skip
    invoice = store.write(
        "Invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": lines}, None
    )
    linked = [{"Amount": Decimal(4), "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}]
    payment = {"CustomerRef": {"value": customer["Id"]}, "TotalAmt": Decimal(4), "Line": linked}

    with pytest.raises(SandboxFault) as caught:
        store.write("Payment", {**payment, "PaymentRefNum": "x" * 22}, None)

    assert caught.value.code == "2050"
    assert store.read("Invoice", invoice["Id"])["Balance"] == Decimal(10)
    assert (await sandbox.state())["counts"]["Payment"] == 0


# --- the sandbox's control routes ---------------------------------------------------------------


async def test_reset_forgets_records_tokens_and_traffic(
    start_sandbox: StartSandbox, accounting: QuickBooksAccounting
) -> None:
    sandbox = start_sandbox()
    connection = quickbooks_connection(sandbox.url)
    await accounting.push_invoice(connection, psa_invoice())

    async with httpx.AsyncClient(base_url=sandbox.url) as http:
        assert (await http.post("/_sandbox/reset")).status_code == 200

    state = await sandbox.state()
    assert state["counts"] == {
        "Customer": 0,
        "Invoice": 0,
        "Payment": 0,
        "RefundReceipt": 0,
        "Item": 1,  # a new company's "Services"
        "Account": 2,  # and its Checking and Undeposited Funds
        "TaxCode": 0,  # a US company's lines need none
    }
    assert state["tokens"]["refreshes"] == 0
    assert state["requests"] == {}
    # The hub's cached token is gone with the reset: one 401, a refresh, and it carries on.
    assert (await accounting.push_invoice(connection, psa_invoice())).number == "1001"
