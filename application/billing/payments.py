"""Taking a payment, and what follows it: the gateway's answer, void, apply, refund, cancel.

Taking a payment runs in three steps so no request can charge twice (PAY-15) or overpay:

1. In one transaction, with the invoice row locked, the payment is created *pending* and its
   amount held on the invoice; the idempotency key is unique per tenant, so a second request
   with the same key finds this payment instead of making another.
2. Outside any transaction, the gateway is asked for the sale, with the payment's id as its
   order id.
3. In a second transaction the answer is recorded: approved (applied to the invoice), declined
   (the hold released). A timeout records nothing: the payment stays pending, its money held,
   until the worker asks the gateway what became of that order id.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from application.billing.ports import (
    AccountingSystem,
    BillingContact,
    GatewayOutcome,
    GatewayResult,
    PaymentGateway,
    SaleLookup,
)
from application.integrations.connections import ConnectionConfigs
from application.integrations.ports import ConnectionConfig, VendorRejected, VendorUnavailable
from application.shared.errors import ApplicationError, Conflict, NotFound
from application.shared.ports import Clock, IdGenerator
from application.shared.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.billing import ledger
from domain.billing.invoice import Invoice, InvoiceId
from domain.billing.methods import (
    Environment,
    MethodKind,
    PaymentMethod,
    PaymentMethodId,
    PaymentPolicy,
)
from domain.billing.payment import (
    Payment,
    PaymentId,
    PaymentRefused,
    PaymentRequest,
    PaymentStatus,
)
from domain.crm.organization import ContactId, OrganizationId
from domain.identity.tenant import TenantId
from domain.integrations.connection import Connection, Family
from domain.shared.errors import DomainError
from domain.shared.money import Money

# Conflicts on the embedded database (one writer, optimistic versions) are retried this often.
_ATTEMPTS = 5

log = logging.getLogger("q2c.billing")


class GatewayMissing(ApplicationError):
    code = "payments_disabled"


@dataclass(frozen=True, kw_only=True)
class TakePaymentCommand:
    invoice_id: InvoiceId
    method_id: PaymentMethodId
    contact_id: ContactId  # on whose behalf (PAY-11); a portal contact is its own
    environment: Environment
    idempotency_key: str
    actor: str  # who asked: "key:<id>" for staff, "portal:<contact id>" for the portal
    amount: Money | None = None  # None: the whole balance (PAY-2's default)
    # The portal pays only its own organization's invoices: another's is not found.
    organization_id: OrganizationId | None = None


def payment_policy(connection: Connection) -> PaymentPolicy:
    settings: dict[str, Any] = dict(connection.settings)
    return PaymentPolicy(
        staff=frozenset(MethodKind(k) for k in settings.get("staff_methods", [])),
        portal=frozenset(MethodKind(k) for k in settings.get("portal_methods", [])),
        refund_at_gateway=bool(settings.get("refund_at_gateway", False)),
    )


async def enabled_connection(uow: UnitOfWork, family: Family) -> Connection | None:
    return next((c for c in await uow.connections.enabled() if c.family is family), None)


class TakePayment:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        configs: ConnectionConfigs,
        gateway: PaymentGateway,
        accounting: AccountingSystem,
        *,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._uow, self._configs = uow, configs
        self._gateway, self._accounting = gateway, accounting
        self._clock, self._ids = clock, ids

    async def __call__(self, tenant_id: TenantId, command: TakePaymentCommand) -> Payment:
        prepared = await self._prepare(tenant_id, command)
        if isinstance(prepared, Payment):
            return prepared  # the same key again: the first payment, never a second charge
        request, gateway, accounting, accounting_id = prepared
        await self._check_accounting_balance(accounting, accounting_id, request.amount)
        payment, created = await self._start(tenant_id, request, command.actor)
        if not created:
            return payment  # a concurrent request with the same key made it and charges it
        try:
            result = await self._gateway.sale(
                gateway, vault_id=request.method.vault_id, amount=request.amount,
                order_id=str(payment.id),
            )  # fmt: skip
        except VendorUnavailable as unanswered:
            # No answer: pending, held, resolved later by the worker's watch (by order id).
            log.warning(
                "sale_unanswered", extra={"payment": str(payment.id), "reason": unanswered.message}
            )
            return payment
        except VendorRejected as rejected:
            result = GatewayResult(
                GatewayOutcome.ERROR, None, rejected.message, str(rejected.status or "")
            )
        return await record_answer(self._uow, self._clock, tenant_id, payment.id, result)

    async def _prepare(
        self, tenant_id: TenantId, command: TakePaymentCommand
    ) -> Payment | tuple[PaymentRequest, ConnectionConfig, ConnectionConfig, str]:
        async with self._uow(tenant_id) as uow:
            invoice = await uow.invoices.get(command.invoice_id)
            if command.organization_id not in (None, invoice.organization_id):
                raise NotFound(f"invoice {command.invoice_id} not found")
            method = await uow.payment_methods.get(command.method_id)
            contact = await uow.contacts.get(command.contact_id)
            if method.organization_id != invoice.organization_id or not method.active:
                raise NotFound(f"payment method {command.method_id} not found", field="method_id")
            if contact.organization_id != invoice.organization_id:
                raise DomainError(
                    "the contact does not belong to the invoice's organization",
                    code="contact_mismatch",
                    rule="PAY-11",
                    field="contact_id",
                )
            request = PaymentRequest(
                invoice_id=invoice.id,
                organization_id=invoice.organization_id,
                contact_id=command.contact_id,
                amount=command.amount or invoice.available,
                method_id=method.id,
                method=method.details,
                environment=command.environment,
                idempotency_key=command.idempotency_key,
            )
            existing = await uow.payments.by_idempotency_key(command.idempotency_key)
            if existing is not None:
                return _replayed(existing, request)
            enabled = {c.family: c for c in await uow.connections.enabled()}
            gateway = enabled.get(Family.PAYMENTS)
            if gateway is None:
                raise GatewayMissing("no payment gateway is enabled", field="invoice_id")
            payment_policy(gateway).check(command.environment, method.kind)  # PAY-8
            invoice.check_payment(request.amount)
            accounting = enabled.get(Family.ACCOUNTING)
            if accounting is None or invoice.accounting_id is None:
                raise DomainError(
                    "the invoice is not in the accounting system yet",
                    code="invoice_not_payable",
                    rule="PAY-1",
                    field="invoice_id",
                )
            return (
                request,
                self._configs.of(gateway),
                self._configs.of(accounting),
                invoice.accounting_id,
            )

    async def _check_accounting_balance(
        self, accounting: ConnectionConfig, accounting_id: str, amount: Money
    ) -> None:
        """Paid in the accounting system since the last sync? Then it is not paid twice."""
        remote = await self._accounting.invoice(accounting, accounting_id)
        if remote.balance.amount <= 0:
            raise PaymentRefused(
                f"invoice {remote.number} is already paid in the accounting system",
                rule="PAY-2",
                field="invoice_id",
            )
        if amount > remote.balance:
            raise PaymentRefused(
                f"{amount} is more than the {remote.balance} the accounting system has open",
                rule="PAY-2",
                field="amount.amount",
            )

    async def _start(
        self, tenant_id: TenantId, request: PaymentRequest, actor: str
    ) -> tuple[Payment, bool]:
        for _ in range(_ATTEMPTS):
            try:
                async with self._uow(tenant_id) as uow:
                    invoice = await uow.invoices.get(request.invoice_id, lock=True)
                    payment = ledger.start_payment(
                        invoice,
                        request,
                        payment_id=PaymentId(self._ids()),
                        tenant_id=tenant_id,
                        actor=actor,
                        now=self._clock.now(),
                    )
                    await uow.payments.add(payment)
                    await uow.commit()
                    return payment, True
            except Conflict:
                # A concurrent request: the same key (then it is that payment) or the same
                # invoice (then look again at what is left to pay).
                async with self._uow(tenant_id) as uow:
                    existing = await uow.payments.by_idempotency_key(request.idempotency_key)
                if existing is not None:
                    return _replayed(existing, request), False
        raise Conflict("the invoice is busy with other payments; try again")


def _replayed(existing: Payment, request: PaymentRequest) -> Payment:
    if not existing.asked_for(request):
        raise Conflict("this idempotency key was used for another payment", field="idempotency_key")
    return existing


async def record_answer(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    tenant_id: TenantId,
    payment_id: PaymentId,
    result: GatewayResult,
) -> Payment:
    """The gateway's answer to a pending payment, recorded once whoever learns it first."""
    for _ in range(_ATTEMPTS):
        try:
            async with uow_factory(tenant_id) as uow:
                payment = await uow.payments.get(payment_id, lock=True)
                if payment.status is not PaymentStatus.PENDING:
                    return payment  # someone else recorded it already
                assert payment.invoice_id is not None  # a pending payment is on its invoice
                invoice = await uow.invoices.get(payment.invoice_id, lock=True)
                now = clock.now()
                if result.approved and result.transaction_id:
                    ledger.approved(
                        invoice, payment, transaction_id=result.transaction_id,
                        message=result.message, code=result.code, now=now,
                    )  # fmt: skip
                else:
                    ledger.declined(
                        invoice, payment, message=result.message or "declined",
                        code=result.code, now=now, transaction_id=result.transaction_id,
                    )  # fmt: skip
                await uow.commit()
                return payment
        except Conflict:
            continue
    raise Conflict("the payment is busy; try again")


class ResolvePendingPayments:
    """A sale that got no answer: ask the gateway by order id, then record what it says."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        configs: ConnectionConfigs,
        gateway: PaymentGateway,
        clock: Clock,
    ) -> None:
        self._uow, self._configs, self._gateway, self._clock = uow, configs, gateway, clock

    async def __call__(self, tenant_id: TenantId, payment_id: PaymentId) -> Payment:
        async with self._uow(tenant_id) as uow:
            payment = await uow.payments.get(payment_id)
            connection = await enabled_connection(uow, Family.PAYMENTS)
        if payment.status is not PaymentStatus.PENDING or connection is None:
            return payment
        return await self.with_gateway(tenant_id, payment.id, self._configs.of(connection))

    async def with_gateway(
        self, tenant_id: TenantId, payment_id: PaymentId, gateway: ConnectionConfig
    ) -> Payment:
        """Ask ``gateway`` (the tenant's, already loaded) and record its answer."""
        found: SaleLookup = await self._gateway.find_sale(gateway, str(payment_id))
        result = found.result or GatewayResult(
            GatewayOutcome.ERROR, None, "the sale never reached the gateway", ""
        )
        return await record_answer(self._uow, self._clock, tenant_id, payment_id, result)


@dataclass(frozen=True)
class RefundOutcome:
    payment: Payment
    refunded: Money
    at_gateway: bool
    instruction: str  # what the person must still do, if anything (PAY-6)


class PaymentActions:
    """Void an invoice, apply elsewhere, refund, cancel (PAY-3..7), each in one transaction."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        configs: ConnectionConfigs,
        gateway: PaymentGateway,
        clock: Clock,
    ) -> None:
        self._uow, self._configs, self._gateway, self._clock = uow, configs, gateway, clock

    async def void_invoice(self, tenant_id: TenantId, invoice_id: InvoiceId, actor: str) -> Invoice:
        async with self._uow(tenant_id) as uow:
            invoice = await uow.invoices.get(invoice_id, lock=True)
            payments = await uow.payments.on_invoice(invoice_id, lock=True)
            ledger.void_invoice(invoice, payments, actor, self._clock.now())
            await uow.commit()
            return invoice

    async def apply(
        self, tenant_id: TenantId, payment_id: PaymentId, invoice_id: InvoiceId, actor: str
    ) -> RefundOutcome:
        async with self._uow(tenant_id) as uow:
            payment = await uow.payments.get(payment_id, lock=True)
            target = await uow.invoices.get(invoice_id, lock=True)
            gateway = await enabled_connection(uow, Family.PAYMENTS)
            refund = ledger.apply_elsewhere(payment, target, actor, self._clock.now())
            await uow.commit()
        return await self._refund_at_gateway(payment, refund, gateway)

    async def refund(self, tenant_id: TenantId, payment_id: PaymentId, actor: str) -> RefundOutcome:
        async with self._uow(tenant_id) as uow:
            payment = await uow.payments.get(payment_id, lock=True)
            gateway = await enabled_connection(uow, Family.PAYMENTS)
            at_gateway = gateway is not None and payment_policy(gateway).refund_at_gateway
            refunded = payment.refund_unapplied(actor, self._clock.now(), at_gateway=at_gateway)
            await uow.commit()
        return await self._refund_at_gateway(payment, refunded, gateway)

    async def cancel(self, tenant_id: TenantId, payment_id: PaymentId, actor: str) -> Payment:
        async with self._uow(tenant_id) as uow:
            payment = await uow.payments.get(payment_id, lock=True)
            invoice = (
                await uow.invoices.get(payment.invoice_id, lock=True)
                if payment.invoice_id
                else None
            )
            ledger.cancel(payment, invoice, actor, self._clock.now())
            await uow.commit()
            return payment

    async def _refund_at_gateway(
        self, payment: Payment, amount: Money, gateway: Connection | None
    ) -> RefundOutcome:
        """PAY-6: sent only when the tenant's gateway settings ask; else what to do by hand."""
        if amount.amount <= 0:
            return RefundOutcome(payment, amount, False, "")
        sends = gateway is not None and payment_policy(gateway).refund_at_gateway
        if gateway is None or not sends or payment.transaction_id is None:
            return RefundOutcome(
                payment,
                amount,
                False,
                f"issue the refund of {amount} at the payment gateway for transaction "
                f"{payment.transaction_id}",
            )
        result = await self._gateway.refund(
            self._configs.of(gateway), transaction_id=payment.transaction_id, amount=amount
        )
        if not result.approved:
            return RefundOutcome(
                payment,
                amount,
                False,
                f"the gateway refused the refund ({result.message}); issue it at the gateway",
            )
        return RefundOutcome(payment, amount, True, "")


@dataclass(frozen=True, kw_only=True)
class NewMethod:
    organization_id: OrganizationId
    payment_token: str  # from the gateway's browser tokenization: never a card number
    contact: BillingContact


class AddPaymentMethod:
    """Vault a tokenized card or account at the gateway; keep its vault id and last four (PAY-8)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        configs: ConnectionConfigs,
        gateway: PaymentGateway,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._uow, self._configs, self._gateway = uow, configs, gateway
        self._clock, self._ids = clock, ids

    async def __call__(self, tenant_id: TenantId, new: NewMethod) -> PaymentMethod:
        async with self._uow(tenant_id) as uow:
            await uow.organizations.get(new.organization_id)
            connection = await enabled_connection(uow, Family.PAYMENTS)
        if connection is None:
            raise GatewayMissing("no payment gateway is enabled", field="payment_token")
        details = await self._gateway.add_method(
            self._configs.of(connection), payment_token=new.payment_token, contact=new.contact
        )
        method = PaymentMethod(
            id=PaymentMethodId(self._ids()),
            tenant_id=tenant_id,
            organization_id=new.organization_id,
            details=details,
            now=self._clock.now(),
        )
        async with self._uow(tenant_id) as uow:
            await uow.payment_methods.add(method)
            await uow.commit()
        return method
