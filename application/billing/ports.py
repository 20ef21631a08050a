"""The ports billing talks through: the payment gateway and the accounting system.

Each vendor adapter implements one of them (``adapters/payments/bng``,
``adapters/accounting/quickbooks``). Every call takes the connection it goes through, so one
adapter serves every tenant. Transport failures raise the vendor errors of
``application.integrations.ports`` (``VendorUnavailable``, ``VendorRateLimited``,
``VendorRejected``); a gateway's decline is an answer, not an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol, runtime_checkable

from application.integrations.ports import ConnectionConfig
from domain.billing.methods import MethodDetails
from domain.shared.money import Money

# ---------------------------------------------------------------------------------------------
# The payment gateway (BNG, an NMI white label)


class GatewayOutcome(StrEnum):
    APPROVED = "approved"  # NMI response=1
    DECLINED = "declined"  # response=2
    ERROR = "error"  # response=3: refused by the gateway (bad data, duplicate, ...)


@dataclass(frozen=True)
class GatewayResult:
    """The gateway's answer to a transaction: its outcome, id and own words."""

    outcome: GatewayOutcome
    transaction_id: str | None
    message: str  # the gateway's responsetext, kept for people to read
    code: str  # the gateway's response_code (100 approved, 2xx declines, 3xx, 4xx)

    @property
    def approved(self) -> bool:
        return self.outcome is GatewayOutcome.APPROVED


@dataclass(frozen=True)
class BillingContact:
    """Who a vaulted method belongs to; sent to the gateway with the method."""

    first_name: str
    last_name: str
    company: str = ""
    email: str = ""


class SettlementStatus(StrEnum):
    PENDING = "pending"  # authorised, not yet settled
    SETTLED = "settled"  # complete: money moved
    FAILED = "failed"  # the bank refused it after the sale (frozen card, overdrawn account)
    UNKNOWN = "unknown"  # the gateway has no such transaction


@dataclass(frozen=True)
class Settlement:
    transaction_id: str
    status: SettlementStatus
    message: str = ""


@dataclass(frozen=True)
class SaleLookup:
    """What the gateway knows of a sale the hub sent with ``order_id``: None if it never arrived."""

    result: GatewayResult | None


@runtime_checkable
class PaymentGateway(Protocol):
    async def add_method(
        self, connection: ConnectionConfig, *, payment_token: str, contact: BillingContact
    ) -> MethodDetails:
        """Put a browser-tokenized card or account into the gateway's customer vault."""
        ...

    async def delete_method(self, connection: ConnectionConfig, vault_id: str) -> None: ...

    async def sale(
        self, connection: ConnectionConfig, *, vault_id: str, amount: Money, order_id: str
    ) -> GatewayResult:
        """Charge a vaulted method; ``order_id`` is the payment's id, unique per charge."""
        ...

    async def refund(
        self, connection: ConnectionConfig, *, transaction_id: str, amount: Money
    ) -> GatewayResult: ...

    async def find_sale(self, connection: ConnectionConfig, order_id: str) -> SaleLookup:
        """Whether a sale sent with ``order_id`` reached the gateway (after a timeout)."""
        ...

    async def settlements(
        self, connection: ConnectionConfig, transaction_ids: Sequence[str]
    ) -> list[Settlement]:
        """The settlement status of each transaction, from the gateway's query API."""
        ...


# ---------------------------------------------------------------------------------------------
# The accounting system (QuickBooks Online)


@dataclass(frozen=True)
class AccountingLine:
    description: str
    amount: Money
    quantity: str = "1"  # a decimal string, as the PSA gave it


@dataclass(frozen=True)
class InvoiceForAccounting:
    """What the accounting system needs of a PSA invoice to hold it."""

    hub_id: str  # the hub's invoice id: sent as the request id, so a replay matches
    psa_number: str  # the PSA's invoice number, the natural key to match an existing invoice
    customer_name: str  # the organization's name: the customer's unique DisplayName
    invoice_date: date
    due_date: date | None
    total: Money
    lines: Sequence[AccountingLine]


@dataclass(frozen=True)
class AccountingInvoice:
    accounting_id: str
    number: str  # the accounting system's DocNumber: the invoice number (PAY-1)
    total: Money
    balance: Money


@dataclass(frozen=True)
class PaymentForAccounting:
    hub_id: str  # the hub's payment id: the request id, so a retried push records it once
    customer_name: str
    invoice_accounting_id: str
    amount: Money
    paid_on: date
    reference: str  # the gateway's transaction id


@runtime_checkable
class AccountingSystem(Protocol):
    async def push_invoice(
        self, connection: ConnectionConfig, invoice: InvoiceForAccounting
    ) -> AccountingInvoice:
        """Find the invoice (by its PSA number) or create it, with its customer if missing."""
        ...

    async def invoice(self, connection: ConnectionConfig, accounting_id: str) -> AccountingInvoice:
        """The invoice as the accounting system has it now, its balance in real time."""
        ...

    async def record_payment(
        self, connection: ConnectionConfig, payment: PaymentForAccounting
    ) -> str:
        """A payment linked to the invoice; returns its id. Recording it twice records it once."""
        ...
