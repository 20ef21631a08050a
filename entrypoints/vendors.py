"""The vendors the hub speaks to, one line each; every registry of the hub is derived from it.

Adding a vendor is one line in ``VENDORS`` (its package exports ``module``). The hub's own
deliverers over a vendor's role are added here too: quotes to every PSA that takes them,
invoices and payments to the accounting system.
"""

from __future__ import annotations

from adapters.vendors import autotask, bng, connectwise, kaseya_bms, quickbooks
from application.billing.accounting_sync import PushInvoice, PushPayment
from application.billing.ports import AccountingSystem
from application.integrations.messages import INVOICE_PUSH, PAYMENT_PUSH, QUOTE_OUTCOME, QUOTE_PUSH
from application.integrations.ports import Deliverer, ExternalLinks
from application.integrations.vendors import VendorFactory, VendorKit, Vendors
from application.quotes.ports import QuoteDocuments
from application.quotes.publishing import PushQuote, SetQuoteOutcome
from application.shared.ports import Clock
from application.shared.unit_of_work import UnitOfWorkFactory
from domain.integrations.connection import System

VENDORS: tuple[VendorFactory, ...] = (
    autotask.module,
    kaseya_bms.module,
    quickbooks.module,
    bng.module,
    connectwise.module,
)


def build_vendors(kit: VendorKit) -> Vendors:
    return Vendors([make(kit) for make in VENDORS])


def hub_deliverers(
    vendors: Vendors,
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    documents: QuoteDocuments,
    links: ExternalLinks,
    accounting: AccountingSystem,
) -> dict[tuple[System, str], Deliverer]:
    """The vendors' own deliverers, and the hub's over their roles: quotes to every PSA that
    takes them (QUO-3..6), invoices and payments to the accounting system (PAY-1, PAY-3..9)."""
    found = vendors.deliverers()
    for system, quoting in vendors.quoting().items():
        found[system, QUOTE_PUSH] = PushQuote(uow, clock, quoting, documents)
        found[system, QUOTE_OUTCOME] = SetQuoteOutcome(uow, clock, quoting)
    for system in vendors.accounting():
        found[system, INVOICE_PUSH] = PushInvoice(uow, accounting, clock)
        found[system, PAYMENT_PUSH] = PushPayment(uow, accounting, links)
    return found
