"""The QuickBooks Online sync: the connection test (INT-2).

Invoices and payments reach QuickBooks through the application's deliverers (``PushInvoice``,
``PushPayment``) over ``accounting.py``, QuickBooks' side of the ``AccountingSystem`` port.
"""

from __future__ import annotations

from adapters.vendors.quickbooks.accounting import OverQuickBooks
from adapters.vendors.quickbooks.settings import read_settings
from adapters.vendors.quickbooks.translate.company import company_of, missing_tax_code
from application.integrations.ports import ConnectionConfig, VendorError


class QuickBooksConnectionTester(OverQuickBooks):
    """INT-2: reads the company's CompanyInfo (a working token for that realm) and Preferences;
    a company outside the US without ``tax_code_id`` is not ready, and says which codes it has."""

    async def test(self, connection: ConnectionConfig) -> str | None:
        try:
            client = await self._clients.client(connection)
            company = company_of(await client.company_info(), await client.preferences())
            if company.requires_tax_code and read_settings(connection.settings).tax_code_id is None:
                return missing_tax_code(company, await client.tax_codes())
        except VendorError as exc:
            return exc.message
        return None
