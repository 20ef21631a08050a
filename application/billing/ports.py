"""The ports billing talks through: the payment gateway and the accounting system.

Each vendor adapter implements one of them (``adapters/vendors/bng``,
``adapters/vendors/quickbooks``). Every call takes the connection it goes through, so one
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
from domain.shared.money import Currency, Money

# ---------------------------------------------------------------------------------------------
# The payment gateway (BNG, an NMI white label)


class GatewayOutcome(StrEnum):
    APPROVED = "approved"  # NMI response=1
    DECLINED = "declined"  # response=2
    ERROR = "error"  # response=3: refused by the gateway (bad data, ...)
    # response=3 too: refused as a repeat of a charge of the same method and amount made
    # moments before (the gateway's duplicate window); nothing was charged
    DUPLICATE = "duplicate"


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


class Initiator(StrEnum):
    """Who starts a charge of a stored card, as the card networks' credential-on-file rules ask."""

    CUSTOMER = "customer"  # the cardholder pays now (the portal), or gives the card first
    MERCHANT = "merchant"  # staff charge the card on file for the customer (PAY-11)


@dataclass(frozen=True)
class CredentialOnFile:
    """How a charge uses a vaulted card: who starts it and, after the first approved charge
    stored the credential, that charge's transaction id (no card number, PAY-8)."""

    initiated_by: Initiator
    initial_transaction_id: str | None = None  # None: this charge is the one that stores it


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


@dataclass(frozen=True)
class RefundsMade:
    """The refunds the gateway made on the sale sent with an order id: their total, and the
    transaction id of the latest (to record after a lost answer)."""

    total: Money
    last_transaction_id: str | None


@runtime_checkable
class PaymentGateway(Protocol):
    async def add_method(
        self, connection: ConnectionConfig, *, payment_token: str, contact: BillingContact
    ) -> MethodDetails:
        """Put a browser-tokenized card or account into the gateway's customer vault."""
        ...

    async def delete_method(self, connection: ConnectionConfig, vault_id: str) -> None: ...

    async def sale(
        self,
        connection: ConnectionConfig,
        *,
        vault_id: str,
        amount: Money,
        order_id: str,
        credential: CredentialOnFile | None = None,
    ) -> GatewayResult:
        """Charge a vaulted method; ``order_id`` is the payment's id, unique per charge.
        ``credential``: a card's stored-credential use (None for an eCheck)."""
        ...

    async def refund(
        self, connection: ConnectionConfig, *, transaction_id: str, amount: Money
    ) -> GatewayResult: ...

    async def refunds_made(
        self, connection: ConnectionConfig, *, order_id: str, currency: Currency
    ) -> RefundsMade:
        """The refunds made on the sale sent with ``order_id``, as the gateway has them now."""
        ...

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
    """A payment as the hub holds it now, for the accounting system to hold the same (PAY-9).

    ``sale`` is what was collected, ``applied`` sits on the invoice ``applied_to`` (none while
    the money is unapplied), ``refunded`` went back to the payer (PAY-4, PAY-5). A cancelled
    payment (PAY-7) holds nothing any more.
    """

    hub_id: str  # the hub's payment id: the request id, so a retried push records it once
    customer_name: str
    first_invoice_id: str  # the accounting id of the invoice it was taken for
    sale: Money
    applied_to: str | None  # the accounting id of the invoice its money is applied to now
    applied: Money
    refunded: Money
    cancelled: bool
    paid_on: date
    reference: str  # the gateway's transaction id
    accounting_id: str | None = None  # the accounting system's id for it, once known (INT-4)


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

    async def void_invoice(self, connection: ConnectionConfig, accounting_id: str) -> None:
        """The invoice is void (PAY-3): voided there too; its payments' money is unapplied."""
        ...

    async def record_payment(
        self, connection: ConnectionConfig, payment: PaymentForAccounting
    ) -> str | None:
        """Make the accounting system hold the payment as the hub does (PAY-4, PAY-5, PAY-7,
        PAY-9): recorded once, re-linked when its money moves, its refunds recorded, voided
        when cancelled. Safe to repeat; returns the payment's id there (None: a payment
        cancelled before it was ever recorded, which has nothing to hold)."""
        ...
