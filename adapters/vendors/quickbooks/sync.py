"""The QuickBooks Online sync: the connection test (INT-2).

Invoices and payments reach QuickBooks through the application's deliverers (``PushInvoice``,
``PushPayment``) over ``accounting.py``, QuickBooks' side of the ``AccountingSystem`` port.
"""

from __future__ import annotations

from adapters.vendors.quickbooks.accounting import OverQuickBooks
from application.integrations.ports import ConnectionConfig, VendorError


class QuickBooksConnectionTester(OverQuickBooks):
    """INT-2: reads the company's CompanyInfo, which needs a working token for that realm."""

    async def test(self, connection: ConnectionConfig) -> str | None:
        try:
            client = await self._clients.client(connection)
            await client.company_info()
        except VendorError as exc:
            return exc.message
        return None
