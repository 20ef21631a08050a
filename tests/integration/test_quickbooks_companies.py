"""QuickBooks companies unlike the default US one: without multicurrency, and in the UK, where
every sales line names a VAT code. The adapter reads ``CompanyInfo`` and ``Preferences`` and
shapes what it creates (no ``CurrencyRef`` without multicurrency, ``TaxCodeRef`` outside the US);
the sandbox refuses what the real company would (INT-2, INT-7). Real HTTP, every request
recorded.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
import pytest

from adapters.sandboxes.quickbooks.app import create_quickbooks_sandbox
from adapters.sandboxes.quickbooks.schema import SandboxFault
from adapters.vendors.quickbooks.accounting import QuickBooksAccounting, QuickBooksClients
from adapters.vendors.quickbooks.sync import QuickBooksConnectionTester
from application.billing.ports import AccountingLine
from application.integrations.ports import ConnectionConfig, VendorRejected
from domain.shared.money import Money
from tests.support.autotask import UnlimitedLimits
from tests.support.quickbooks import (
    QuickBooksSandbox,
    gateway_payment,
    psa_invoice,
    quickbooks_connection,
)
from tests.support.sandboxes import sandbox_starter

StartSandbox = Callable[..., QuickBooksSandbox]


@dataclass
class Adapter:
    """The accounting port and connection test over one recording HTTP client."""

    accounting: QuickBooksAccounting
    tester: QuickBooksConnectionTester
    sent: list[tuple[str, Any]] = field(default_factory=list)  # (path, JSON body) of each write

    def written(self, entity: str) -> list[dict[str, Any]]:
        return [body for path, body in self.sent if path.endswith(f"/{entity.lower()}")]


@pytest.fixture
def start_sandbox() -> Iterator[StartSandbox]:
    with sandbox_starter(QuickBooksSandbox, create_quickbooks_sandbox) as start:
        yield start


@pytest.fixture
async def adapter() -> AsyncIterator[Adapter]:
    sent: list[tuple[str, Any]] = []

    async def record(request: httpx.Request) -> None:
        if request.headers.get("Content-Type") == "application/json":
            sent.append((request.url.path, json.loads(request.content, parse_float=Decimal)))

    async with httpx.AsyncClient(event_hooks={"request": [record]}) as http:
        limits = UnlimitedLimits()
        clients = QuickBooksClients(limits, http=http)
        yield Adapter(
            QuickBooksAccounting(limits, clients=clients),
            QuickBooksConnectionTester(limits, clients=clients),
            sent,
        )
        await clients.aclose()


def _in(currency: str, **changes: Any) -> dict[str, Any]:
    """A PSA invoice's amounts in ``currency``: 150.30 in two lines."""
    return {
        "total": Money.of("150.30", currency),
        "lines": [
            AccountingLine("Managed services", Money.of("100.10", currency), "1"),
            AccountingLine("Backup seats", Money.of("50.20", currency), "4"),
        ],
        **changes,
    }


async def _money_moves(adapter: Adapter, connection: ConnectionConfig, currency: str) -> None:
    """An invoice pushed, a payment recorded on it, then partly refunded (a RefundReceipt)."""
    pushed = await adapter.accounting.push_invoice(connection, psa_invoice(**_in(currency)))
    taken = gateway_payment(
        pushed.accounting_id,
        sale=Money.of("150.30", currency),
        applied=Money.of("150.30", currency),
        refunded=Money.of("0.00", currency),
    )
    held = await adapter.accounting.record_payment(connection, taken)
    refunded = Money.of("20.00", currency)
    await adapter.accounting.record_payment(
        connection,
        gateway_payment(
            pushed.accounting_id,
            hub_id=taken.hub_id,
            accounting_id=held,
            sale=Money.of("150.30", currency),
            applied=Money.of("130.30", currency),
            refunded=refunded,
        ),
    )


async def test_a_company_without_multicurrency_is_sent_no_currency_ref(
    start_sandbox: StartSandbox, adapter: Adapter
) -> None:
    sandbox = start_sandbox(company="us-single-currency")
    connection = quickbooks_connection(sandbox.url)

    assert await adapter.tester.test(connection) is None
    await _money_moves(adapter, connection, "USD")
    with pytest.raises(VendorRejected, match="keeps USD only \\(multicurrency is off\\)"):
        await adapter.accounting.push_invoice(
            connection, psa_invoice(**_in("EUR", customer_name="Euro GmbH"))
        )

    state = sandbox.store.snapshot()
    writes = [body for _, body in adapter.sent]
    assert {path.rsplit("/", 1)[-1] for path, _ in adapter.sent} >= {
        "customer",
        "invoice",
        "payment",
        "refundreceipt",
    }
    assert [body for body in writes if "CurrencyRef" in body] == []
    assert [c["DisplayName"] for c in state["customers"]] == ["Contoso Ltd"]  # no Euro GmbH
    assert state["invoices"][0]["CurrencyRef"]["value"] == "USD"
    assert state["refusals"] == {}


async def test_a_uk_company_gets_its_vat_code_on_every_sales_line(
    start_sandbox: StartSandbox, adapter: Adapter
) -> None:
    sandbox = start_sandbox(company="uk")
    connection = quickbooks_connection(sandbox.url, settings={"tax_code_id": "2"})

    assert await adapter.tester.test(connection) is None
    await _money_moves(adapter, connection, "GBP")

    lines = [
        line
        for entity in ("Invoice", "RefundReceipt")
        for body in adapter.written(entity)
        for line in body["Line"]
    ]
    state = sandbox.store.snapshot()
    assert len(lines) == 3  # the invoice's two, the refund's one
    assert all(line["SalesItemLineDetail"]["TaxCodeRef"] == {"value": "2"} for line in lines)
    assert [body for _, body in adapter.sent if "CurrencyRef" in body] == []
    assert state["refusals"] == {}
    assert state["invoices"][0]["Line"][0]["SalesItemLineDetail"]["TaxCodeRef"] == {"value": "2"}
    assert state["payments"][0]["TotalAmt"] == Decimal("150.30")


async def test_a_uk_company_without_a_vat_code_set_is_not_ready_int_2(
    start_sandbox: StartSandbox, adapter: Adapter
) -> None:
    sandbox = start_sandbox(company="uk")
    connection = quickbooks_connection(sandbox.url)

    reason = await adapter.tester.test(connection)
    with pytest.raises(VendorRejected) as refused:
        await adapter.accounting.push_invoice(connection, psa_invoice(**_in("GBP")))

    assert reason == (
        "the QuickBooks company is in GB and needs a tax code on every line: set tax_code_id in "
        "the connection's settings (its active codes: 2 (20.0% S), 4 (0.0% Z), 6 (Exempt), "
        "8 (No VAT))"
    )
    assert refused.value.message == reason
    assert adapter.written("Invoice") == []


async def test_the_sandbox_refuses_what_such_companies_refuse(
    start_sandbox: StartSandbox,
) -> None:
    single = start_sandbox(company="us-single-currency").store
    uk = start_sandbox(company="uk").store
    customer = uk.write("Customer", {"DisplayName": "Tesco"}, None)
    line = {
        "Amount": Decimal("10.00"),
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": "1"}},
    }
    invoice = {"CustomerRef": {"value": customer["Id"]}, "Line": [line]}

    with pytest.raises(SandboxFault, match="Multicurrency is not enabled"):
        single.write("Customer", {"DisplayName": "Euro", "CurrencyRef": {"value": "EUR"}}, None)
    with pytest.raises(SandboxFault, match="VAT rate"):
        uk.write("Invoice", invoice, None)
    detail = {"ItemRef": {"value": "1"}, "TaxCodeRef": {"value": "99"}}
    unknown_code = {**invoice, "Line": [{**line, "SalesItemLineDetail": detail}]}
    with pytest.raises(SandboxFault, match="Invalid Reference Id"):
        uk.write("Invoice", unknown_code, None)
    assert single.preferences()["CurrencyPrefs"] == {
        "MultiCurrencyEnabled": False,
        "HomeCurrency": {"value": "USD"},
    }
    assert uk.company_info()["Country"] == "GB"
