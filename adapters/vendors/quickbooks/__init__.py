"""QuickBooks Online, the accounting system: the vendor module the hub registers."""

from __future__ import annotations

from adapters.vendors.quickbooks.accounting import QuickBooksAccounting, QuickBooksClients
from adapters.vendors.quickbooks.authorize import QuickBooksAuthorizer
from adapters.vendors.quickbooks.settings import quickbooks_settings_policy
from adapters.vendors.quickbooks.sync import QuickBooksConnectionTester
from application.integrations.vendors import VendorKit, VendorModule
from domain.integrations.connection import System


def module(kit: VendorKit) -> VendorModule:
    """QuickBooks: connected by Intuit's OAuth page, invoices numbered there (PAY-1), payments
    held as the hub holds them; rotated refresh tokens kept with the connection (INT-1)."""
    clients = QuickBooksClients(kit.limits, timeout=kit.timeout, store=kit.credentials)
    return VendorModule(
        system=System.QUICKBOOKS,
        settings=quickbooks_settings_policy(),
        tester=QuickBooksConnectionTester(kit.limits, clients=clients),
        accounting=QuickBooksAccounting(kit.limits, clients=clients),
        authorizer=QuickBooksAuthorizer(timeout=kit.timeout),
        closers=(clients.aclose,),
    )
