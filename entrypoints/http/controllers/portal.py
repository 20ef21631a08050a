"""The client portal, ``/portal/v1``, and the portal tokens admins issue for contacts.

A portal token is an API key of the portal role bound to one contact: it sees that contact's
organization only, and anything else is a 404 (never a 403 that confirms it exists). The
contact pays for itself, with the methods enabled for the portal (PAY-8); the token's contact is
the payment's contact (PAY-11), and the ``Idempotency-Key`` makes a retry charge once (PAY-15).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath, FromQuery, JSONBody

from application.billing.methods import AddPaymentMethod
from application.billing.payments import TakePayment, TakePaymentCommand
from application.billing.portal import PortalBilling
from application.billing.repositories import InvoiceFilter
from application.identity.ports import Principal
from application.identity.use_cases import IssuePortalToken
from application.shared.pagination import PageRequest
from domain.billing.invoice import InvoiceId, InvoiceStatus
from domain.billing.methods import Environment, PaymentMethodId
from domain.billing.payment import PaymentId
from domain.crm.organization import ContactId, OrganizationId
from domain.identity.tenant import TenantId
from entrypoints.http.auth import ADMINS, PORTAL
from entrypoints.http.controllers.billing import idempotency_key
from entrypoints.http.schemas.billing import InvoiceOut, MethodOut, MethodTokenIn, PaymentOut
from entrypoints.http.schemas.common import Limit, PageOut
from entrypoints.http.schemas.identity import ApiKeyCreated
from entrypoints.http.schemas.portal import PortalPaymentIn


@dataclass(frozen=True)
class PortalCaller:
    """A portal token's contact and the one organization it may see."""

    tenant_id: TenantId
    contact_id: ContactId
    organization_id: OrganizationId

    @property
    def actor(self) -> str:
        return f"portal:{self.contact_id}"


def portal_caller(principal: NamedDependency[Principal]) -> PortalCaller:
    if principal.contact_id is None or principal.organization_id is None:
        raise PermissionDeniedException("this needs a portal token")
    return PortalCaller(principal.tenant_id, principal.contact_id, principal.organization_id)


class PortalTokenController(Controller):
    path = "/v1/contacts"
    tags = ["portal"]  # noqa: RUF012
    guards = [ADMINS]  # noqa: RUF012

    @post(
        "/{contact_id:uuid}/portal-tokens",
        summary="Issue a portal token for an active contact; the answer shows it once",
    )
    async def issue(
        self,
        contact_id: FromPath[UUID],
        principal: NamedDependency[Principal],
        issue_portal_token: NamedDependency[IssuePortalToken],
    ) -> ApiKeyCreated:
        issued = await issue_portal_token(principal.tenant_id, ContactId(contact_id))
        return ApiKeyCreated.issued(issued)


class PortalController(Controller):
    path = "/portal/v1"
    tags = ["portal"]  # noqa: RUF012
    guards = [PORTAL]  # noqa: RUF012
    dependencies = {"caller": Provide(portal_caller, sync_to_thread=False)}  # noqa: RUF012

    @get("/invoices", summary="The organization's invoices, filtered by status and invoice date")
    async def invoices(
        self,
        caller: NamedDependency[PortalCaller],
        portal_billing: NamedDependency[PortalBilling],
        status: FromQuery[InvoiceStatus | None] = None,
        date_from: FromQuery[date | None] = None,
        date_to: FromQuery[date | None] = None,
        limit: Limit = None,
        cursor: FromQuery[str | None] = None,
    ) -> PageOut[InvoiceOut]:
        where = InvoiceFilter(status=status, date_from=date_from, date_to=date_to)
        page = await portal_billing.invoices(
            caller.tenant_id, caller.organization_id, where, PageRequest.parse(limit, cursor)
        )
        return PageOut.of(page, InvoiceOut.of)

    @get("/invoices/{invoice_id:uuid}", summary="One of the organization's invoices")
    async def invoice(
        self,
        invoice_id: FromPath[UUID],
        caller: NamedDependency[PortalCaller],
        portal_billing: NamedDependency[PortalBilling],
    ) -> InvoiceOut:
        found = await portal_billing.invoice(
            caller.tenant_id, caller.organization_id, InvoiceId(invoice_id)
        )
        return InvoiceOut.of(found)

    @get("/invoices/{invoice_id:uuid}/payments", summary="The payments of one of its invoices")
    async def invoice_payments(
        self,
        invoice_id: FromPath[UUID],
        caller: NamedDependency[PortalCaller],
        portal_billing: NamedDependency[PortalBilling],
        limit: Limit = None,
        cursor: FromQuery[str | None] = None,
    ) -> PageOut[PaymentOut]:
        page = await portal_billing.payments(
            caller.tenant_id,
            caller.organization_id,
            InvoiceId(invoice_id),
            PageRequest.parse(limit, cursor),
        )
        return PageOut.of(page, PaymentOut.of)

    @post(
        "/invoices/{invoice_id:uuid}/payments",
        status_code=201,
        summary="Pay all or part of an invoice with a stored method (PAY-2, PAY-8, PAY-15)",
    )
    async def pay(
        self,
        request: Request[Any, Any, Any],
        invoice_id: FromPath[UUID],
        data: JSONBody[PortalPaymentIn],
        caller: NamedDependency[PortalCaller],
        take_payment: NamedDependency[TakePayment],
    ) -> PaymentOut:
        payment = await take_payment(
            caller.tenant_id,
            TakePaymentCommand(
                invoice_id=InvoiceId(invoice_id),
                method_id=PaymentMethodId(data.method_id),
                contact_id=caller.contact_id,
                environment=Environment.PORTAL,
                idempotency_key=idempotency_key(request),
                actor=caller.actor,
                amount=data.amount.to_money("amount") if data.amount else None,
                organization_id=caller.organization_id,
            ),
        )
        return PaymentOut.of(payment)

    @get("/payments/{payment_id:uuid}", summary="One of the organization's payments, with history")
    async def payment(
        self,
        payment_id: FromPath[UUID],
        caller: NamedDependency[PortalCaller],
        portal_billing: NamedDependency[PortalBilling],
    ) -> PaymentOut:
        found = await portal_billing.payment(
            caller.tenant_id, caller.organization_id, PaymentId(payment_id)
        )
        return PaymentOut.full(found)

    @get("/payment-methods", summary="The organization's stored methods: kind, brand, last four")
    async def methods(
        self,
        caller: NamedDependency[PortalCaller],
        portal_billing: NamedDependency[PortalBilling],
    ) -> list[MethodOut]:
        found = await portal_billing.methods(caller.tenant_id, caller.organization_id)
        return [MethodOut.of(m) for m in found]

    @post(
        "/payment-methods",
        summary="Store a method from the gateway's browser token (PAY-8: no card numbers here)",
    )
    async def add_method(
        self,
        data: JSONBody[MethodTokenIn],
        caller: NamedDependency[PortalCaller],
        add_payment_method: NamedDependency[AddPaymentMethod],
    ) -> MethodOut:
        method = await add_payment_method(
            caller.tenant_id, data.to_new(caller.organization_id, Environment.PORTAL)
        )
        return MethodOut.of(method)
