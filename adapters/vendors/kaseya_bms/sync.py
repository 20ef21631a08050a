"""The Kaseya BMS sync: the connection test (INT-2).

Kaseya takes quotes (``quoting/``); it has no deliverer of its own outside quoting and is not
pulled yet.
"""

from __future__ import annotations

from adapters.vendors.kaseya_bms.client import KaseyaClients
from adapters.vendors.kaseya_bms.unpublished import report
from application.integrations.ports import ConnectionConfig, VendorError


class KaseyaConnectionTester:
    """INT-2: reads the opportunity statuses (a cheap call every quoting user makes), signing in
    first unless this connection's client holds a live token (new credentials make a new
    client), then probes the calls Kaseya does not publish (``unpublished.py``); None when all
    work, else Kaseya's reason, or which unpublished calls this instance lacks and what the
    hub does without them."""

    def __init__(self, clients: KaseyaClients) -> None:
        self._clients = clients

    async def test(self, connection: ConnectionConfig) -> str | None:
        try:
            client = await self._clients.client(connection)
            await client.test()
            lacking = await client.probe_unpublished()
        except VendorError as exc:
            return exc.message
        return report(lacking)
