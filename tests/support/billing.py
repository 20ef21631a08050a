"""Billing test helpers: an organization with a contact, a vaulted method and a payable invoice.

``FakeGateway`` and ``FakeAccounting`` implement the billing ports in memory, so use-case
tests can drive every answer (approve, decline, time out) without a vendor; the vendors' own
adapters are tested against their sandboxes over HTTP.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from uuid import UUID

from adapters.sandboxes.quickbooks.app import SANDBOX_AUTHORIZED as QUICKBOOKS_AUTHORIZED
from adapters.sandboxes.quickbooks.app import SANDBOX_CLIENT as QUICKBOOKS_CLIENT
from application.billing.actions import PaymentActions
from application.billing.payments import ResolvePendingPayments, TakePayment
from application.billing.ports import (
    AccountingInvoice,
    BillingContact,
    CredentialOnFile,
    GatewayOutcome,
    GatewayResult,
    InvoiceForAccounting,
    PaymentForAccounting,
    RefundsMade,
    SaleLookup,
    Settlement,
    SettlementStatus,
)
from application.integrations.connections import ConnectSystem, NewConnection
from application.integrations.ports import (
    ConnectionConfig,
    VendorRateLimited,
    VendorUnavailable,
)
from domain.billing.invoice import Invoice, InvoiceDetails, InvoiceId
from domain.billing.methods import MethodDetails, MethodKind, PaymentMethod, PaymentMethodId
from domain.billing.payment import PaymentId
from domain.crm.contact import Contact, ContactProfile
from domain.crm.organization import ContactId
from domain.identity.tenant import TenantId
from domain.integrations.connection import System
from domain.shared.ids import new_id
from domain.shared.money import Currency, Money
from entrypoints.containers import Container
from tests.support.factories import new_tenant, organization


@dataclass
class FakeGateway:
    """Approves unless told otherwise; remembers every sale by order id (one charge each).

    ``refund_answer`` says what a refund meets: ``approve``, ``refuse``, ``lose`` (made, its
    answer lost), ``drop`` (never arrives, no answer) or ``rate_limit`` (429, not made).
    """

    outcome: GatewayOutcome = GatewayOutcome.APPROVED
    time_out: bool = False
    rate_limited: bool = False
    refund_answer: str = "approve"
    latency: float = 0.0
    sales: Counter[str] = field(default_factory=Counter)
    refunds: list[tuple[str, Money]] = field(default_factory=list)
    answers: dict[str, GatewayResult] = field(default_factory=dict)
    vaulted: list[str] = field(default_factory=list)  # the tokens it was asked to vault

    async def add_method(
        self, connection: ConnectionConfig, *, payment_token: str, contact: BillingContact
    ) -> MethodDetails:
        self.vaulted.append(payment_token)
        return MethodDetails(f"vault-{payment_token}", MethodKind.CARD, "visa", "1111")

    async def delete_method(self, connection: ConnectionConfig, vault_id: str) -> None:
        return None

    async def sale(
        self,
        connection: ConnectionConfig,
        *,
        vault_id: str,
        amount: Money,
        order_id: str,
        credential: CredentialOnFile | None = None,
    ) -> GatewayResult:
        if self.latency:
            await asyncio.sleep(self.latency)
        if self.rate_limited:
            raise VendorRateLimited("BNG: too many requests", retry_after=2.0)
        self.sales[order_id] += 1
        approved = self.outcome is GatewayOutcome.APPROVED
        result = GatewayResult(
            self.outcome,
            f"tx-{order_id[-8:]}" if approved else None,
            "SUCCESS" if approved else "DECLINE",
            "100" if approved else "200",
        )
        self.answers[order_id] = result
        if self.time_out:
            raise VendorUnavailable("BNG did not answer within 10 s")
        return result

    async def refund(
        self, connection: ConnectionConfig, *, transaction_id: str, amount: Money
    ) -> GatewayResult:
        if self.latency:
            await asyncio.sleep(self.latency)
        answer = self.refund_answer
        if answer == "rate_limit":
            raise VendorRateLimited("BNG: too many requests", retry_after=2.0)
        if answer == "drop":
            raise VendorUnavailable("BNG did not answer within 10 s")
        if answer == "refuse":
            return GatewayResult(GatewayOutcome.ERROR, None, "Refund amount may not exceed", "300")
        self.refunds.append((transaction_id, amount))
        if answer == "lose":
            raise VendorUnavailable("BNG did not answer within 10 s")
        return GatewayResult(GatewayOutcome.APPROVED, f"rf-{len(self.refunds)}", "SUCCESS", "100")

    async def refunds_made(
        self, connection: ConnectionConfig, *, order_id: str, currency: Currency
    ) -> RefundsMade:
        sale = self.answers.get(order_id)
        made = [a for t, a in self.refunds if sale is not None and t == sale.transaction_id]
        total = sum((a.amount for a in made), start=Decimal("0.00"))
        return RefundsMade(Money(total, currency), f"rf-{len(self.refunds)}" if made else None)

    async def find_sale(self, connection: ConnectionConfig, order_id: str) -> SaleLookup:
        return SaleLookup(self.answers.get(order_id))

    async def settlements(
        self, connection: ConnectionConfig, transaction_ids: Sequence[str]
    ) -> list[Settlement]:
        return [Settlement(t, SettlementStatus.PENDING) for t in transaction_ids]


@dataclass
class FakeAccounting:
    """An accounting system whose open balance the test sets (paid there, or not)."""

    balances: dict[str, Decimal] = field(default_factory=dict)

    async def push_invoice(
        self, connection: ConnectionConfig, invoice: InvoiceForAccounting
    ) -> AccountingInvoice:
        raise NotImplementedError

    async def invoice(self, connection: ConnectionConfig, accounting_id: str) -> AccountingInvoice:
        balance = self.balances.get(accounting_id, Decimal("1000000.00"))
        return AccountingInvoice(
            accounting_id, f"Q{accounting_id}", Money.of("0", "USD"), Money.of(balance, "USD")
        )

    async def void_invoice(self, connection: ConnectionConfig, accounting_id: str) -> None:
        raise NotImplementedError

    async def record_payment(
        self, connection: ConnectionConfig, payment: PaymentForAccounting
    ) -> str | None:
        raise NotImplementedError


@dataclass
class Billing:
    tenant: TenantId
    contact: ContactId
    method: PaymentMethodId
    take: TakePayment
    actions: PaymentActions
    resolve: ResolvePendingPayments
    gateway: FakeGateway
    accounting: FakeAccounting
    container: Container

    async def settle(self, payment_id: UUID | str, *, failed: bool = False) -> None:
        """The gateway's batch closed: the sale settled (its money collected) or failed."""
        async with self.container.persistence.uow()(self.tenant) as uow:
            payment = await uow.payments.get(PaymentId(UUID(str(payment_id))), lock=True)
            now = self.container.core.clock().now()
            if failed:
                payment.settlement_failed("R01 insufficient funds", now)
            else:
                payment.settled(now)
            await uow.commit()

    async def invoice(self, total: str, *, numbered: bool = True) -> InvoiceId:
        async with self.container.persistence.uow()(self.tenant) as uow:
            contact = await uow.contacts.get(self.contact)
            made = Invoice(
                id=InvoiceId(new_id()),
                tenant_id=self.tenant,
                details=InvoiceDetails(
                    psa_number=f"T{new_id().hex[-10:]}",
                    organization_id=contact.organization_id,
                    total=Money.of(total, "USD"),
                    invoice_date=date(2026, 11, 1),
                ),
                now=self.container.core.clock().now(),
            )
            if numbered:
                made.numbered(f"{new_id().int % 10**6}", f"qb-{made.id.hex[-8:]}", made.created_at)
            await uow.invoices.add(made)
            await uow.commit()
        return made.id


async def billing(
    container: Container,
    *,
    settings: dict[str, object] | None = None,
    tenant: TenantId | None = None,
    bng_url: str = "http://127.0.0.1:9/unused",
    bng_key: str = "test-security-key",
    quickbooks_url: str | None = None,  # a QuickBooks sandbox, authorized with its keys
) -> Billing:
    tenant = tenant or (await new_tenant(container)).tenant.id
    connect: ConnectSystem = container.integrations.connect_system()
    issued = {"realm_id": "1", "refresh_token": "r"}  # what Intuit issued (OAuth)
    books = {"client_id": "c", "client_secret": "s"}
    if quickbooks_url is not None:
        issued, books = dict(QUICKBOOKS_AUTHORIZED), dict(QUICKBOOKS_CLIENT)
    for system, credentials in (
        (System.BNG, {"security_key": bng_key}),
        (System.QUICKBOOKS, books),
    ):
        await connect(
            tenant,
            NewConnection(
                system=system,
                name=system.value,
                base_url=bng_url
                if system is System.BNG
                else quickbooks_url or "http://127.0.0.1:9/unused",
                credentials=credentials,
                settings=(settings or {}) if system is System.BNG else {},
                issued=issued if system is System.QUICKBOOKS else {},
            ),
        )
    clock, ids = container.core.clock(), container.core.ids()
    async with container.persistence.uow()(tenant) as uow:
        org = organization(tenant, "Payer Ltd")
        await uow.organizations.add(org)
        await uow.commit()
    async with container.persistence.uow()(tenant) as uow:
        contact = Contact(
            id=ContactId(new_id()),
            tenant_id=tenant,
            organization_id=org.id,
            profile=ContactProfile(first_name="Pat", last_name="Payer", email="pat@payer.test"),
            now=clock.now(),
        )
        await uow.contacts.add(contact)
        method = PaymentMethod(
            id=PaymentMethodId(new_id()),
            tenant_id=tenant,
            organization_id=org.id,
            details=MethodDetails("vault-1", MethodKind.CARD, "visa", "1111"),
            now=clock.now(),
        )
        await uow.payment_methods.add(method)
        await uow.commit()
    gateway, accounting = FakeGateway(), FakeAccounting()
    uow_factory, configs = container.persistence.uow(), container.integrations.configs()
    return Billing(
        tenant=tenant,
        contact=contact.id,
        method=method.id,
        take=TakePayment(uow_factory, configs, gateway, accounting, clock=clock, ids=ids),
        actions=PaymentActions(uow_factory, configs, gateway, clock),
        resolve=ResolvePendingPayments(uow_factory, configs, gateway, clock),
        gateway=gateway,
        accounting=accounting,
        container=container,
    )
