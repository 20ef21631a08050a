"""A hub payment held in QuickBooks as the hub holds it: created once, re-linked, refunds
recorded, voided when cancelled (PAY-4, PAY-5, PAY-7, PAY-9).

Every step reads QuickBooks first and writes only what differs, and every write carries a
request id derived from the hub's records, so a delivery repeated after a lost answer changes
nothing twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from adapters.vendors.quickbooks.client import QuickBooksClient, QuickBooksRejected
from adapters.vendors.quickbooks.contract import OBJECT_NOT_FOUND
from adapters.vendors.quickbooks.settings import QuickBooksSettings
from adapters.vendors.quickbooks.translate.invoices import (
    QUERY_PAGE_MAX,
    entity_id,
    invoice_customer_id,
    linked_ids,
    request_id,
)
from adapters.vendors.quickbooks.translate.payments import (
    bank_accounts_query,
    is_voided,
    links_of,
    payment_body,
    payment_changes,
    records_hub_payment,
    records_hub_refund,
    refund_receipt_body,
    refund_receipts_query,
    wanted_links,
)
from application.billing.ports import PaymentForAccounting
from application.integrations.ports import VendorRejected, VendorUnavailable
from domain.shared.errors import InvalidValue
from domain.shared.numbers import exact_decimal


async def hold_payment(
    client: QuickBooksClient, settings: QuickBooksSettings, payment: PaymentForAccounting
) -> str | None:
    """The payment's id in QuickBooks once it holds what the hub holds; None when a payment
    cancelled before it was ever recorded has nothing to hold there."""
    invoices = _Invoices(client)
    current = await _find(client, payment, invoices)
    if payment.cancelled:
        if current is not None and not is_voided(current):
            current = await client.void("Payment", current, hub_id=payment.hub_id)
        return None if current is None else entity_id(current, "Payment")
    if payment.sale.amount <= 0:
        raise VendorRejected("QuickBooks records payments of a positive amount only")
    links = await _links(invoices, payment, current)
    if current is None:
        first = await invoices.read(payment.applied_to or payment.first_invoice_id)
        body = payment_body(payment, invoice_customer_id(first), links)
        # A replayed request id answers as it first did; an update then meets a stale
        # SyncToken, re-reads and tries again, so the answer's age does no harm.
        current = await client.create("Payment", body, request_id("pay", payment.hub_id))
    changes = payment_changes(current, payment, links)
    if changes:
        current = await client.update("Payment", current, changes, hub_id=payment.hub_id)
    if payment.refunded.amount > 0:
        await _record_refunds(client, settings, payment, invoice_customer_id(current))
    return entity_id(current, "Payment")


class _Invoices:
    """The invoices one delivery reads, each read once."""

    def __init__(self, client: QuickBooksClient) -> None:
        self._client = client
        self._read: dict[str, dict[str, Any]] = {}

    async def read(self, invoice_id: str) -> dict[str, Any]:
        if invoice_id not in self._read:
            self._read[invoice_id] = await self._client.read("Invoice", invoice_id)
        return self._read[invoice_id]


async def _find(
    client: QuickBooksClient, payment: PaymentForAccounting, invoices: _Invoices
) -> dict[str, Any] | None:
    """By its link (INT-4); else, for a payment recorded before links were kept, among the
    payments linked to the invoice it was taken for."""
    if payment.accounting_id:
        try:
            return await client.read("Payment", payment.accounting_id)
        except QuickBooksRejected as exc:
            if OBJECT_NOT_FOUND not in exc.codes:
                raise
    invoice = await invoices.read(payment.first_invoice_id)
    for payment_id in linked_ids(invoice, "Payment"):
        linked = await client.read("Payment", payment_id)
        if records_hub_payment(linked, payment.hub_id):
            return linked
    return None


async def _links(
    invoices: _Invoices, payment: PaymentForAccounting, current: Mapping[str, Any] | None
) -> dict[str, Decimal]:
    """Where the payment's money should sit: the hub's invoice, up to what it owes there."""
    if payment.applied_to is None or payment.applied.amount <= 0:
        return {}
    invoice = await invoices.read(payment.applied_to)
    if invoice.get("CurrencyRef", {}).get("value") != payment.sale.currency.value:
        raise VendorRejected(
            f"the invoice is in {invoice.get('CurrencyRef', {}).get('value')} in QuickBooks, "
            f"the payment in {payment.sale.currency}"
        )
    already = links_of(current).get(payment.applied_to, Decimal(0)) if current else Decimal(0)
    owed = _number(invoice.get("Balance")) + already
    return wanted_links(payment, owed)


async def _record_refunds(
    client: QuickBooksClient,
    settings: QuickBooksSettings,
    payment: PaymentForAccounting,
    customer_id: str,
) -> None:
    """A RefundReceipt for what the hub refunded and QuickBooks does not show yet."""
    receipts = await _refund_receipts(client, customer_id, payment.hub_id)
    recorded = sum((_number(r.get("TotalAmt")) for r in receipts), start=Decimal(0))
    missing = payment.refunded.amount - recorded
    if missing <= 0:
        return
    body = refund_receipt_body(
        payment,
        customer_id,
        missing,
        account_id=await _refund_account(client, settings),
        item_id=settings.item_id,
    )
    # One request id per refunded total: a replay records nothing twice.
    key = f"{payment.hub_id}.{payment.refunded.amount}"
    await client.create("RefundReceipt", body, request_id("rfd", key))


async def _refund_receipts(
    client: QuickBooksClient, customer_id: str, hub_id: str
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    start = 1
    while True:
        page = (await client.query(refund_receipts_query(customer_id, start))).get(
            "RefundReceipt", []
        )
        if not isinstance(page, list):
            raise VendorUnavailable("QuickBooks answered a RefundReceipt query without a list")
        found += [r for r in page if isinstance(r, dict) and records_hub_refund(r, hub_id)]
        if len(page) < QUERY_PAGE_MAX:
            return found
        start += len(page)


async def _refund_account(client: QuickBooksClient, settings: QuickBooksSettings) -> str:
    """The account refunds are paid from: the setting ``refund_account_id``, else the
    company's first active bank account."""
    if settings.refund_account_id is not None:
        return settings.refund_account_id
    accounts = (await client.query(bank_accounts_query())).get("Account", [])
    ids = sorted(
        (str(a["Id"]) for a in accounts if isinstance(a, dict) and a.get("Id")),
        key=lambda i: (len(i), i),
    )
    if not ids:
        raise VendorRejected(
            "QuickBooks has no active bank account to record refunds from: add one, or set "
            "refund_account_id in the QuickBooks connection's settings"
        )
    return ids[0]


def _number(value: object) -> Decimal:
    try:
        return exact_decimal(value, "amount", from_json=True)
    except InvalidValue:
        raise VendorUnavailable(
            f"QuickBooks answered an amount that is not a number: {value!r}"
        ) from None
