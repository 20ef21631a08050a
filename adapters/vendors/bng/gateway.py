"""The BNG side of the billing ports: vault, sale, refund, look-ups and settlement status.

Card and account numbers never reach the hub: the browser tokenizes them, the hub vaults the
token and keeps the vault id, brand and last four (PAY-8). A decline is an answer (a
``GatewayResult``); a wrong security key or a refused vault call is ``VendorRejected``.
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx

from adapters.vendors.bng.client import DEFAULT_TIMEOUT, BngClient
from adapters.vendors.bng.translate.forms import (
    gateway_result,
    method_from,
    order_query,
    refund_form,
    refunds_from,
    sale_form,
    sale_from,
    settlements_from,
    transactions_query,
    vault_add_form,
    vault_delete_form,
    vault_id_of,
    vault_query,
    vaults,
)
from application.billing.ports import (
    BillingContact,
    CredentialOnFile,
    GatewayResult,
    RefundsMade,
    SaleLookup,
    Settlement,
)
from application.integrations.ports import (
    ConnectionConfig,
    VendorLimits,
    VendorRejected,
)
from domain.billing.methods import MethodDetails
from domain.shared.money import Currency, Money

QUERY_BATCH = 100  # transaction ids per Query API call
CONNECTION_PROBE = "0"  # a transaction id no gateway has: the query must still authenticate


class OverBng:
    """A port over BNG: one client for every tenant's connection."""

    def __init__(
        self,
        limits: VendorLimits,
        *,
        http: httpx.AsyncClient | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self._client = BngClient(limits, http=http, timeout=timeout)

    async def aclose(self) -> None:
        await self._client.aclose()


class BngGateway(OverBng):
    """``PaymentGateway`` over BNG's transact and query APIs, for every tenant's connection."""

    async def add_method(
        self, connection: ConnectionConfig, *, payment_token: str, contact: BillingContact
    ) -> MethodDetails:
        """Vault the token, then read back brand and masked number from the vault (PAY-8)."""
        answer = await self._client.transact(connection, vault_add_form(payment_token, contact))
        vault_id = vault_id_of(answer)
        return method_from(await self._client.query(connection, vault_query(vault_id)), vault_id)

    async def delete_method(self, connection: ConnectionConfig, vault_id: str) -> None:
        """Idempotent: a vault entry already gone (e.g. an earlier lost answer) is deleted."""
        answer = await self._client.transact(connection, vault_delete_form(vault_id))
        if answer["response"] == "1":
            return
        if vaults(await self._client.query(connection, vault_query(vault_id)), vault_id):
            raise VendorRejected(answer["responsetext"] or "BNG refused to delete the method")

    async def sale(
        self,
        connection: ConnectionConfig,
        *,
        vault_id: str,
        amount: Money,
        order_id: str,
        credential: CredentialOnFile | None = None,
    ) -> GatewayResult:
        """One charge (PAY-2); its transaction id comes back for QuickBooks and the PSA (PAY-9).
        A card's charge carries its stored-credential fields."""
        form = sale_form(vault_id, amount, order_id, credential)
        return gateway_result(await self._client.transact(connection, form))

    async def refund(
        self, connection: ConnectionConfig, *, transaction_id: str, amount: Money
    ) -> GatewayResult:
        form = refund_form(transaction_id, amount)
        return gateway_result(await self._client.transact(connection, form))

    async def refunds_made(
        self, connection: ConnectionConfig, *, order_id: str, currency: Currency
    ) -> RefundsMade:
        """What the gateway refunded on the sale sent with ``order_id`` (PAY-6): never refunds."""
        root = await self._client.query(connection, order_query(order_id))
        return refunds_from(root, order_id, currency)

    async def find_sale(self, connection: ConnectionConfig, order_id: str) -> SaleLookup:
        """After a lost answer: did the sale reach the gateway? Never charges (PAY-15)."""
        root = await self._client.query(connection, order_query(order_id))
        return SaleLookup(sale_from(root, order_id))

    async def settlements(
        self, connection: ConnectionConfig, transaction_ids: Sequence[str]
    ) -> list[Settlement]:
        """Pending, settled or failed (PAY-7) per transaction, in the order asked."""
        found: list[Settlement] = []
        ids = list(dict.fromkeys(transaction_ids))
        for start in range(0, len(ids), QUERY_BATCH):
            batch = ids[start : start + QUERY_BATCH]
            root = await self._client.query(connection, transactions_query(batch))
            found += settlements_from(root, batch)
        by_id = {settlement.transaction_id: settlement for settlement in found}
        return [by_id[transaction_id] for transaction_id in transaction_ids]
