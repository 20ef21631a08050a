"""QuickBooks Online as the hub's accounting system (PAY-1, PAY-9) and its connection test (INT-2).

Idempotent both ways (INT-4, QUO-6): an invoice is first looked for by its PSA number, a payment
among those already linked to its invoice, and every create carries a ``requestid`` derived
from the hub's id, so a push replayed after a lost answer gets QuickBooks' first answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import httpx

from adapters.vendors.kit.clients import PerConnection
from adapters.vendors.kit.exchange import http_client
from adapters.vendors.quickbooks.client import QuickBooksClient, QuickBooksRejected
from adapters.vendors.quickbooks.contract import DUPLICATE_NAME
from adapters.vendors.quickbooks.oauth import OAuthTokens
from adapters.vendors.quickbooks.payments import hold_payment
from adapters.vendors.quickbooks.settings import read_settings
from adapters.vendors.quickbooks.translate.invoices import (
    QUERY_PAGE_MAX,
    CustomerRef,
    accounting_invoice,
    carries_psa_number,
    customer_body,
    customer_query,
    customer_ref,
    entity_id,
    for_customer,
    invoice_body,
    invoices_of_customer_query,
    request_id,
)
from adapters.vendors.quickbooks.translate.payments import is_voided
from application.billing.ports import (
    AccountingInvoice,
    InvoiceForAccounting,
    PaymentForAccounting,
)
from application.integrations.ports import (
    ConnectionConfig,
    IssuedCredentials,
    VendorLimits,
    VendorRejected,
    VendorUnavailable,
)
from domain.integrations.connection import ConnectionId

# Every company's calls share one pool: QBO allows 10 at once per company (INT-6).
HTTP_LIMITS = httpx.Limits(max_connections=1000, max_keepalive_connections=100)


class QuickBooksClients(PerConnection[QuickBooksClient]):
    """One QuickBooksClient per connection; one set of tokens per connection and company, which
    outlives a client made anew for changed settings or a refresh token stored since.

    ``store`` keeps rotated refresh tokens with the connection (INT-1).
    """

    def __init__(
        self,
        limits: VendorLimits,
        *,
        http: httpx.AsyncClient | None = None,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        store: IssuedCredentials | None = None,
    ) -> None:
        self._tokens: dict[ConnectionId, OAuthTokens] = {}
        # One HTTP client for all: a client replaced (new settings, a refresh token stored
        # since) while its calls are in flight must not close their connections under them.
        self._given = http
        self._own: httpx.AsyncClient | None = None

        def make(connection: ConnectionConfig) -> QuickBooksClient:
            return QuickBooksClient(
                connection,
                limits,
                http=self._shared(),
                timeout=timeout,
                tokens=self._tokens_of(connection, timeout, clock, store),
            )

        super().__init__(make)

    def _shared(self) -> httpx.AsyncClient:
        if self._given is not None:
            return self._given
        if self._own is None:
            self._own = http_client(limits=HTTP_LIMITS)
        return self._own

    async def aclose(self) -> None:
        """Closes every client and the shared HTTP client; a client made after it gets a new
        one (an app started again in the same process, as the tests do, finds it usable)."""
        await super().aclose()
        own, self._own = self._own, None
        if own is not None:
            await own.aclose()

    def _tokens_of(
        self,
        connection: ConnectionConfig,
        timeout: float,
        clock: Callable[[], float],
        store: IssuedCredentials | None,
    ) -> OAuthTokens:
        tokens = self._tokens.get(connection.connection_id)
        if tokens is None or not tokens.serves(connection):
            tokens = OAuthTokens(connection, timeout=timeout, clock=clock, store=store)
            self._tokens[connection.connection_id] = tokens
        return tokens

    async def client(self, connection: ConnectionConfig) -> QuickBooksClient:
        """The connection's client; one whose config differs only by the refresh token (this
        process stored a rotated one since) stays, with what it read of the company."""
        cached = self._clients.get(connection.connection_id)
        if cached is not None and _but_token(cached.connection) == _but_token(connection):
            found = cached
        else:
            found = await super().client(connection)
        found.tokens.seen(connection)
        return found


def _but_token(connection: ConnectionConfig) -> ConnectionConfig:
    credentials = {k: v for k, v in connection.credentials.items() if k != "refresh_token"}
    return replace(connection, credentials=credentials)


class OverQuickBooks:
    """A port over QuickBooks: its clients, given (and shared) or its own."""

    def __init__(
        self,
        limits: VendorLimits,
        http: httpx.AsyncClient | None = None,
        *,
        timeout: float = 10.0,
        clients: QuickBooksClients | None = None,
    ) -> None:
        self._clients = clients or QuickBooksClients(limits, http=http, timeout=timeout)

    async def aclose(self) -> None:
        await self._clients.aclose()


class QuickBooksAccounting(OverQuickBooks):
    """The AccountingSystem port over QuickBooks Online."""

    async def push_invoice(
        self, connection: ConnectionConfig, invoice: InvoiceForAccounting
    ) -> AccountingInvoice:
        """PAY-1: the invoice in QuickBooks, found by its PSA number or created and numbered."""
        item_id = read_settings(connection.settings).item_id
        body = invoice_body(invoice, item_id)  # refused before any call
        client = await self._clients.client(connection)
        customer = await _customer(client, invoice)
        existing = await _invoice_with_psa_number(client, customer, invoice.psa_number)
        if existing is not None:
            return accounting_invoice(existing)
        created = await client.create(
            "Invoice", for_customer(body, customer), request_id("inv", invoice.hub_id)
        )
        return accounting_invoice(created)

    async def invoice(self, connection: ConnectionConfig, accounting_id: str) -> AccountingInvoice:
        client = await self._clients.client(connection)
        return accounting_invoice(await client.read("Invoice", accounting_id))

    async def invoice_pdf(
        self, connection: ConnectionConfig, accounting_id: str, number: str
    ) -> bytes:
        """QuickBooks' own PDF of the invoice (the VendorInvoicePdfs port), once the invoice
        under that id is the one numbered ``number``: ids are small numbers per company, and a
        connection authorized again to another company (a test one, then the live one) would
        otherwise hand a client another customer's invoice."""
        client = await self._clients.client(connection)
        held = await client.read("Invoice", accounting_id)
        if str(held.get("DocNumber") or "") != number:
            raise VendorRejected(
                f"QuickBooks' invoice {accounting_id} is numbered "
                f"{held.get('DocNumber')!r}, not {number!r}: not this invoice"
            )
        return await client.pdf("Invoice", accounting_id)

    async def void_invoice(self, connection: ConnectionConfig, accounting_id: str) -> None:
        """PAY-3: voided in QuickBooks too; its payments' money stays there, unapplied."""
        client = await self._clients.client(connection)
        invoice = await client.read("Invoice", accounting_id)
        if not is_voided(invoice):
            await client.void("Invoice", invoice, hub_id=accounting_id)

    async def record_payment(
        self, connection: ConnectionConfig, payment: PaymentForAccounting
    ) -> str | None:
        """PAY-4, PAY-5, PAY-7, PAY-9: QuickBooks holds the payment as the hub does now."""
        client = await self._clients.client(connection)
        return await hold_payment(client, read_settings(connection.settings), payment)


async def _customer(client: QuickBooksClient, invoice: InvoiceForAccounting) -> CustomerRef:
    """The customer whose DisplayName is the organization's name, created when missing.

    A duplicate-name refusal (6240) on create means another push created it meanwhile, or the
    customer was made inactive (QBO's queries skip those): use it, reactivated, since the PSA
    bills it again. A name held by a vendor or an employee stays a refusal for a person to fix.
    """
    name = invoice.customer_name
    found = await _first(client, "Customer", customer_query(name))
    if found is not None:
        return customer_ref(found)
    try:
        body = customer_body(name, invoice.total.currency)
        return customer_ref(
            await client.create("Customer", body, request_id("cus", invoice.hub_id))
        )
    except QuickBooksRejected as exc:
        if DUPLICATE_NAME not in exc.codes:
            raise
        refusal = exc
    found = await _first(client, "Customer", customer_query(name))
    if found is not None:
        return customer_ref(found)
    inactive = await _first(client, "Customer", customer_query(name, active=False))
    if inactive is None:
        raise refusal
    reactivated = await client.update("Customer", inactive, {"Active": True}, hub_id=invoice.hub_id)
    return customer_ref(reactivated)


async def _invoice_with_psa_number(
    client: QuickBooksClient, customer: CustomerRef, psa_number: str
) -> dict[str, Any] | None:
    start = 1
    while True:
        page = _records(
            await client.query(invoices_of_customer_query(customer.id, start)), "Invoice"
        )
        found = next((record for record in page if carries_psa_number(record, psa_number)), None)
        if found is not None or len(page) < QUERY_PAGE_MAX:
            return found
        start += len(page)


async def _first(client: QuickBooksClient, entity: str, statement: str) -> dict[str, Any] | None:
    records = _records(await client.query(statement), entity)
    return min(records, key=lambda record: _numeric_id(record, entity), default=None)


def _records(page: Mapping[str, Any], entity: str) -> list[dict[str, Any]]:
    """A query's records; QBO leaves the entity out of an empty QueryResponse."""
    records = page.get(entity, [])
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise VendorUnavailable(f"QuickBooks answered a {entity} query without a list of them")
    return records


def _numeric_id(record: Mapping[str, Any], entity: str) -> tuple[int, str]:
    value = entity_id(record, entity)
    return (int(value), value) if value.isdigit() else (0, value)
