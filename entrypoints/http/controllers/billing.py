"""``/v1/invoices``, ``/v1/payments``, ``/v1/payment-methods``: thin handlers over billing.

Money moves only for managers (PAY-11 names the contact a payment is made for); any staff
role reads. Taking a payment needs an ``Idempotency-Key``: it is the payment's own key, so a
retried request finds the first payment and never charges twice (PAY-15).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody

from application.billing.actions import PaymentActions, RefundOutcome, RefundStatus
from application.billing.methods import AddPaymentMethod
from application.billing.payments import TakePayment, TakePaymentCommand
from application.billing.queries import BillingQueries
from application.billing.repositories import InvoiceFilter, PaymentFilter
from application.identity.ports import Principal
from application.shared.errors import ApplicationError
from application.shared.pagination import PageRequest
from domain.billing.invoice import InvoiceId, InvoiceStatus
from domain.billing.methods import Environment, PaymentMethodId
from domain.billing.payment import PaymentId
from domain.crm.organization import ContactId, OrganizationId
from entrypoints.http.auth import ANY_STAFF, MANAGERS
from entrypoints.http.schemas.billing import (
    ApplyIn,
    InvoiceOut,
    MethodIn,
    MethodOut,
    PaymentIn,
    PaymentOut,
    RefundOut,
)
from entrypoints.http.schemas.common import Limit, PageOut


class MissingIdempotencyKey(ApplicationError):
    code = "idempotency_key_required"


def actor(principal: Principal) -> str:
    return f"key:{principal.key_id}"


def idempotency_key(request: Request[Any, Any, Any]) -> str:
    key = request.headers.get("idempotency-key", "").strip()
    if not key:
        raise MissingIdempotencyKey(
            "taking a payment needs an Idempotency-Key header (PAY-15)", field="Idempotency-Key"
        )
    return key


_REFUND_ANSWERS = (
    "When the tenant has refunds made at the gateway (PAY-6), the refund goes to the gateway "
    "first and the money moves only once it is made (200, `refund_status: made`). A refund "
    "the gateway refuses changes nothing (422, `refund_refused`). A refund whose answer was "
    "lost is pending (202): no money has moved yet, the payment shows it under "
    "`pending_refund`, and the hub asks the gateway and records what it finds. Otherwise the "
    "refund is recorded in the hub for a person to issue at the gateway "
    "(`refund_status: recorded`)."
)
_PENDING_REFUND = ResponseSpec(
    data_container=RefundOut,
    description="The refund was sent and its answer lost: nothing moved yet (PAY-6, MON-4)",
)


def _refund_answer(outcome: RefundOutcome) -> Response[RefundOut]:
    status = 202 if outcome.status is RefundStatus.PENDING else 200
    return Response(RefundOut.of(outcome), status_code=status)


class InvoiceController(Controller):
    path = "/v1/invoices"
    tags = ["invoices"]  # noqa: RUF012
    guards = [ANY_STAFF]  # noqa: RUF012

    @get("/", summary="Invoices, filtered by status, organization and invoice date")
    async def index(
        self,
        principal: NamedDependency[Principal],
        billing_queries: NamedDependency[BillingQueries],
        status: FromQuery[InvoiceStatus | None] = None,
        organization_id: FromQuery[UUID | None] = None,
        date_from: FromQuery[date | None] = None,
        date_to: FromQuery[date | None] = None,
        limit: Limit = None,
        cursor: FromQuery[str | None] = None,
    ) -> PageOut[InvoiceOut]:
        where = InvoiceFilter(
            status=status,
            organization_id=OrganizationId(organization_id) if organization_id else None,
            date_from=date_from,
            date_to=date_to,
        )
        page = await billing_queries.invoices(
            principal.tenant_id, where, PageRequest.parse(limit, cursor)
        )
        return PageOut.of(page, InvoiceOut.of)

    @get("/{invoice_id:uuid}", summary="An invoice with its balance")
    async def show(
        self,
        invoice_id: FromPath[UUID],
        principal: NamedDependency[Principal],
        billing_queries: NamedDependency[BillingQueries],
    ) -> InvoiceOut:
        return InvoiceOut.of(
            await billing_queries.invoice(principal.tenant_id, InvoiceId(invoice_id))
        )

    @post(
        "/{invoice_id:uuid}/void",
        guards=[MANAGERS],
        status_code=200,
        summary="Void the invoice; its payments keep their money as unapplied (PAY-3)",
    )
    async def void(
        self,
        invoice_id: FromPath[UUID],
        principal: NamedDependency[Principal],
        payment_actions: NamedDependency[PaymentActions],
    ) -> InvoiceOut:
        voided = await payment_actions.void_invoice(
            principal.tenant_id, InvoiceId(invoice_id), actor(principal)
        )
        return InvoiceOut.of(voided)

    @post(
        "/{invoice_id:uuid}/payments",
        guards=[MANAGERS],
        status_code=201,
        summary="Take a payment for a contact: all or part of the balance (PAY-2, PAY-11)",
    )
    async def pay(
        self,
        request: Request[Any, Any, Any],
        invoice_id: FromPath[UUID],
        data: JSONBody[PaymentIn],
        principal: NamedDependency[Principal],
        take_payment: NamedDependency[TakePayment],
    ) -> PaymentOut:
        if data.contact_id is None:
            raise ApplicationError(
                "a staff payment names the contact it is made for (PAY-11)", field="contact_id"
            )
        payment = await take_payment(
            principal.tenant_id,
            TakePaymentCommand(
                invoice_id=InvoiceId(invoice_id),
                method_id=PaymentMethodId(data.method_id),
                contact_id=ContactId(data.contact_id),
                environment=Environment.STAFF,
                idempotency_key=idempotency_key(request),
                actor=actor(principal),
                amount=data.amount.to_money("amount") if data.amount else None,
            ),
        )
        return PaymentOut.of(payment)

    @get("/{invoice_id:uuid}/payments", summary="The payments taken for an invoice")
    async def payments(
        self,
        invoice_id: FromPath[UUID],
        principal: NamedDependency[Principal],
        billing_queries: NamedDependency[BillingQueries],
        limit: Limit = None,
        cursor: FromQuery[str | None] = None,
    ) -> PageOut[PaymentOut]:
        await billing_queries.invoice(principal.tenant_id, InvoiceId(invoice_id))  # 404 first
        page = await billing_queries.payments(
            principal.tenant_id,
            PaymentFilter(invoice_id=InvoiceId(invoice_id)),
            PageRequest.parse(limit, cursor),
        )
        return PageOut.of(page, PaymentOut.of)


class PaymentController(Controller):
    path = "/v1/payments"
    tags = ["payments"]  # noqa: RUF012
    guards = [ANY_STAFF]  # noqa: RUF012

    @get("/{payment_id:uuid}", summary="A payment with its history: who, when, what, amounts")
    async def show(
        self,
        payment_id: FromPath[UUID],
        principal: NamedDependency[Principal],
        billing_queries: NamedDependency[BillingQueries],
    ) -> PaymentOut:
        found = await billing_queries.payment(principal.tenant_id, PaymentId(payment_id))
        return PaymentOut.full(found)

    @post(
        "/{payment_id:uuid}/apply",
        guards=[MANAGERS],
        status_code=200,
        summary="Apply the unapplied amount to an invoice of equal or lower total (PAY-4)",
        description=_REFUND_ANSWERS,
        responses={202: _PENDING_REFUND},
    )
    async def apply(
        self,
        payment_id: FromPath[UUID],
        data: JSONBody[ApplyIn],
        principal: NamedDependency[Principal],
        payment_actions: NamedDependency[PaymentActions],
    ) -> Response[RefundOut]:
        outcome = await payment_actions.apply(
            principal.tenant_id, PaymentId(payment_id), InvoiceId(data.invoice_id), actor(principal)
        )
        return _refund_answer(outcome)

    @post(
        "/{payment_id:uuid}/refund",
        guards=[MANAGERS],
        status_code=200,
        summary="Refund the whole unapplied amount (PAY-5, PAY-6)",
        description=_REFUND_ANSWERS,
        responses={202: _PENDING_REFUND},
    )
    async def refund(
        self,
        payment_id: FromPath[UUID],
        principal: NamedDependency[Principal],
        payment_actions: NamedDependency[PaymentActions],
    ) -> Response[RefundOut]:
        outcome = await payment_actions.refund(
            principal.tenant_id, PaymentId(payment_id), actor(principal)
        )
        return _refund_answer(outcome)

    @post(
        "/{payment_id:uuid}/cancel",
        guards=[MANAGERS],
        status_code=200,
        summary="Cancel a payment that did not settle at the gateway (PAY-7)",
    )
    async def cancel(
        self,
        payment_id: FromPath[UUID],
        principal: NamedDependency[Principal],
        payment_actions: NamedDependency[PaymentActions],
    ) -> PaymentOut:
        cancelled = await payment_actions.cancel(
            principal.tenant_id, PaymentId(payment_id), actor(principal)
        )
        return PaymentOut.of(cancelled)


class PaymentMethodController(Controller):
    path = "/v1/payment-methods"
    tags = ["payment methods"]  # noqa: RUF012
    guards = [ANY_STAFF]  # noqa: RUF012

    @get("/", summary="An organization's stored methods: kind, brand and last four only")
    async def index(
        self,
        organization_id: FromQuery[UUID],
        principal: NamedDependency[Principal],
        billing_queries: NamedDependency[BillingQueries],
    ) -> list[MethodOut]:
        methods = await billing_queries.methods(
            principal.tenant_id, OrganizationId(organization_id)
        )
        return [MethodOut.of(m) for m in methods]

    @post(
        "/",
        guards=[MANAGERS],
        summary="Store a method from the gateway's browser token (PAY-8: no card numbers here)",
    )
    async def create(
        self,
        data: JSONBody[MethodIn],
        principal: NamedDependency[Principal],
        add_payment_method: NamedDependency[AddPaymentMethod],
    ) -> MethodOut:
        method = await add_payment_method(
            principal.tenant_id, data.to_new(OrganizationId(data.organization_id))
        )
        return MethodOut.of(method)
