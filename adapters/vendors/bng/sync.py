"""The BNG sync: the connection test (INT-2).

Payments go to BNG from the request that takes them (``gateway.py``, the ``PaymentGateway``
port); BNG has no outbox deliverer.
"""

from __future__ import annotations

from adapters.vendors.bng.gateway import CONNECTION_PROBE, OverBng
from adapters.vendors.bng.translate.forms import transactions_query
from application.integrations.ports import ConnectionConfig, VendorError


class BngConnectionTester(OverBng):
    """INT-2: a Query API call, which BNG answers only for a valid security key."""

    async def test(self, connection: ConnectionConfig) -> str | None:
        try:
            await self._client.query(connection, transactions_query([CONNECTION_PROBE]))
        except VendorError as exc:
            return exc.message
        return None
