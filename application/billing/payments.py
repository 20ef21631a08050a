"""Taking a payment, and recording what the gateway answered.

Taking a payment runs in three steps so no request can charge twice (PAY-15) or overpay:

1. In one transaction, with the invoice row locked, the payment is created *pending* and its
   amount held on the invoice; the idempotency key is unique per tenant, so a second request
   with the same key finds this payment instead of making another.
2. Outside any transaction, the gateway is asked for the sale, with the payment's id as its
   order id.
3. In a second transaction the answer is recorded: approved (applied to the invoice), declined
   (the hold released). A timeout records nothing: the payment stays pending, its money held,
   until the worker asks the gateway what became of that order id. A sale the gateway turned
   away unread (429) is *unsent*: it holds nothing, and the same key sends it again.

Voiding, applying, refunding and cancelling are in ``actions.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from application.billing.gateway import OverGateway, enabled_connection, payment_policy
from application.billing.methods import GatewayMissing
from application.billing.ports import (
    AccountingSystem,
    CredentialOnFile,
    GatewayOutcome,
    GatewayResult,
    Initiator,
    PaymentGateway,
    SaleLookup,
)
from application.integrations.connections import ConnectionConfigs
from application.integrations.ports import (
    ConnectionConfig,
    VendorRateLimited,
    VendorRejected,
    VendorUnavailable,
)
from application.shared.errors import Conflict, NotFound
from application.shared.ports import Clock, IdGenerator
from application.shared.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.billing import ledger
from domain.billing.invoice import Invoice, InvoiceId
from domain.billing.methods import Environment, MethodKind, PaymentMethod, PaymentMethodId
from domain.billing.payment import (
    DeclineReason,
    Payment,
    PaymentId,
    PaymentRefused,
    PaymentRequest,
    PaymentStatus,
)
from domain.crm.organization import ContactId, OrganizationId
from domain.identity.tenant import TenantId
from domain.integrations.connection import Family
from domain.shared.errors import DomainError
from domain.shared.money import Money

# Conflicts on the embedded database (one writer, optimistic versions) are retried this often.
ATTEMPTS = 5
# What a payment refused as a duplicate says, before the gateway's own words.
DUPLICATE_NOTE = (
    "refused by the gateway as a duplicate: the same method was charged the same amount moments "
    "ago; nothing was charged this time"
)

log = logging.getLogger("q2c.billing")

# A change recorded on a pending payment and its invoice, both locked (a gateway's answer).
_PendingChange = Callable[[Invoice, Payment], None]


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


@dataclass(frozen=True)
class PreparedPayment:
    """A payment checked and ready to charge: what was asked, and where it goes."""

    request: PaymentRequest
    gateway: ConnectionConfig
    accounting: ConnectionConfig
    accounting_id: str  # the invoice's id in the accounting system
    resend: PaymentId | None  # the unsent payment this key made before, sent again
    credential: CredentialOnFile | None = None  # how a card's stored credential is used


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
        await self._check_accounting_balance(prepared)
        payment, send = await self._start(tenant_id, prepared, command.actor)
        if not send:
            return payment  # a concurrent request with the same key charges it
        return await self._charge(tenant_id, payment, prepared.gateway, prepared.credential)

    async def _prepare(
        self, tenant_id: TenantId, command: TakePaymentCommand
    ) -> Payment | PreparedPayment:
        async with self._uow(tenant_id) as uow:
            invoice = await uow.invoices.get(command.invoice_id)
            if command.organization_id not in (None, invoice.organization_id):
                raise NotFound(f"invoice {command.invoice_id} not found")
            request, existing = await self._request(uow, invoice, command)
            if existing is not None and existing.status is not PaymentStatus.UNSENT:
                return existing
            gateway = await uow.connections.enabled_of(Family.PAYMENTS)
            if gateway is None:
                raise GatewayMissing("no payment gateway is enabled", field="invoice_id")
            payment_policy(gateway).check(command.environment, request.method.kind)  # PAY-8
            invoice.check_payment(request.amount)
            accounting = await uow.connections.enabled_of(Family.ACCOUNTING)
            if accounting is None or invoice.accounting_id is None:
                raise DomainError(
                    "the invoice is not in the accounting system yet",
                    code="invoice_not_payable",
                    rule="PAY-1",
                    field="invoice_id",
                )
            method = await uow.payment_methods.get(command.method_id)
            return PreparedPayment(
                request,
                self._configs.of(gateway),
                self._configs.of(accounting),
                invoice.accounting_id,
                None if existing is None else existing.id,
                credential_on_file(method, command.environment),
            )

    async def _request(
        self, uow: UnitOfWork, invoice: Invoice, command: TakePaymentCommand
    ) -> tuple[PaymentRequest, Payment | None]:
        """What this request asks for, and the payment its key made before, if any (PAY-15)."""
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
        existing = await uow.payments.by_idempotency_key(command.idempotency_key)
        amount = command.amount or (existing.requested if existing is not None else None)
        if amount is None:
            invoice.check_payable()  # "already paid", "held": not "must be more than zero"
            amount = invoice.available
        request = PaymentRequest(
            invoice_id=invoice.id,
            organization_id=invoice.organization_id,
            contact_id=command.contact_id,
            amount=amount,
            method_id=method.id,
            method=method.details,
            environment=command.environment,
            idempotency_key=command.idempotency_key,
        )
        if existing is not None:
            _check_same_request(existing, request)
        return request, existing

    async def _check_accounting_balance(self, prepared: PreparedPayment) -> None:
        """Paid in the accounting system since the last sync? Then it is not paid twice."""
        remote = await self._accounting.invoice(prepared.accounting, prepared.accounting_id)
        amount = prepared.request.amount
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
        self, tenant_id: TenantId, prepared: PreparedPayment, actor: str
    ) -> tuple[Payment, bool]:
        """The payment pending with its money held; False when another request sends it."""
        request = prepared.request
        for _ in range(ATTEMPTS):
            try:
                async with self._uow(tenant_id) as uow:
                    invoice = await uow.invoices.get(request.invoice_id, lock=True)
                    now = self._clock.now()
                    if prepared.resend is not None:
                        payment = await uow.payments.get(prepared.resend, lock=True)
                        if payment.status is not PaymentStatus.UNSENT:
                            return payment, False  # a concurrent retry sent it already
                        ledger.resend(invoice, payment, actor, now)
                    else:
                        payment = ledger.start_payment(
                            invoice, request, payment_id=PaymentId(self._ids()),
                            tenant_id=tenant_id, actor=actor, now=now,
                        )  # fmt: skip
                        await uow.payments.add(payment)
                    await uow.commit()
                    return payment, True
            except Conflict:
                # A concurrent request: the same key (then it is that payment) or the same
                # invoice (then look again at what is left to pay).
                async with self._uow(tenant_id) as uow:
                    existing = await uow.payments.by_idempotency_key(request.idempotency_key)
                if existing is not None and existing.id != prepared.resend:
                    _check_same_request(existing, request)
                    return existing, False
        raise Conflict("the invoice is busy with other payments; try again")

    async def _charge(
        self,
        tenant_id: TenantId,
        payment: Payment,
        gateway: ConnectionConfig,
        credential: CredentialOnFile | None,
    ) -> Payment:
        try:
            result = await self._gateway.sale(
                gateway, vault_id=payment.vault_id, amount=payment.requested,
                order_id=str(payment.id), credential=credential,
            )  # fmt: skip
        except VendorRateLimited as limited:
            # Turned away unread: nothing charged. Hold nothing; the same key sends it again.
            await record_unsent(self._uow, self._clock, tenant_id, payment.id, limited.message)
            raise
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


def credential_on_file(method: PaymentMethod, environment: Environment) -> CredentialOnFile | None:
    """A card's stored-credential use: the first charge is the customer's and stores it;
    later ones name that charge, started by the customer in the portal or by staff for them
    (a merchant-initiated charge, PAY-11). An eCheck has none."""
    if method.kind is not MethodKind.CARD:
        return None
    first = method.initial_transaction_id
    by_staff = environment is Environment.STAFF and first is not None
    return CredentialOnFile(Initiator.MERCHANT if by_staff else Initiator.CUSTOMER, first)


def _check_same_request(existing: Payment, request: PaymentRequest) -> None:
    if not existing.asked_for(request):
        raise Conflict("this idempotency key was used for another payment", field="idempotency_key")


async def record_answer(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    tenant_id: TenantId,
    payment_id: PaymentId,
    result: GatewayResult,
) -> Payment:
    """The gateway's answer to a pending payment, recorded once whoever learns it first."""

    def answer(invoice: Invoice, payment: Payment) -> None:
        if result.approved and result.transaction_id:
            ledger.approved(
                invoice, payment, transaction_id=result.transaction_id,
                message=result.message, code=result.code, now=clock.now(),
            )  # fmt: skip
        elif result.outcome is GatewayOutcome.DUPLICATE:
            ledger.declined(
                invoice, payment, message=f"{DUPLICATE_NOTE} ({result.message})",
                code=result.code, now=clock.now(), transaction_id=result.transaction_id,
                reason=DeclineReason.DUPLICATE,
            )  # fmt: skip
        else:
            ledger.declined(
                invoice, payment, message=result.message or "declined",
                code=result.code, now=clock.now(), transaction_id=result.transaction_id,
            )  # fmt: skip

    payment = await _on_pending(uow_factory, tenant_id, payment_id, answer)
    if payment.status is PaymentStatus.APPROVED and payment.transaction_id:
        await _keep_stored_credential(uow_factory, tenant_id, payment)
    return payment


async def _keep_stored_credential(
    uow_factory: UnitOfWorkFactory, tenant_id: TenantId, payment: Payment
) -> None:
    """The first approved charge of a card stored it: the method keeps that transaction id."""
    assert payment.transaction_id is not None
    try:
        async with uow_factory(tenant_id) as uow:
            method = await uow.payment_methods.get(PaymentMethodId(payment.method_id))
            if method.credential_stored(payment.transaction_id):
                await uow.commit()
    except Conflict:
        pass  # a concurrent first charge of the same card kept its own: one is enough
    except Exception:
        # The money moved and is recorded as approved; keeping the id is best effort (the
        # card's next charge keeps its own). An error here must not read as a failed payment.
        log.warning("stored_credential_not_kept", extra={"payment_id": str(payment.id)})


async def record_unsent(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    tenant_id: TenantId,
    payment_id: PaymentId,
    message: str,
) -> Payment:
    """The gateway turned the sale away unread: the payment is unsent and holds nothing."""

    def unsent(invoice: Invoice, payment: Payment) -> None:
        ledger.not_sent(invoice, payment, message=message, now=clock.now())

    return await _on_pending(uow_factory, tenant_id, payment_id, unsent)


async def _on_pending(
    uow_factory: UnitOfWorkFactory,
    tenant_id: TenantId,
    payment_id: PaymentId,
    change: _PendingChange,
) -> Payment:
    for _ in range(ATTEMPTS):
        try:
            async with uow_factory(tenant_id) as uow:
                payment = await uow.payments.get(payment_id, lock=True)
                if payment.status is not PaymentStatus.PENDING:
                    return payment  # someone else recorded it already
                assert payment.invoice_id is not None  # a pending payment is on its invoice
                invoice = await uow.invoices.get(payment.invoice_id, lock=True)
                change(invoice, payment)
                await uow.commit()
                return payment
        except Conflict:
            continue
    raise Conflict("the payment is busy; try again")


class ResolvePendingPayments(OverGateway):
    """A sale that got no answer: ask the gateway by order id, then record what it says."""

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
