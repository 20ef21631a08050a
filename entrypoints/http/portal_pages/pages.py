"""The client portal's pages, ``/portal/``: server-rendered (Jinja2), htmx for the small parts.

They go through the same use cases and scoping as ``/portal/v1`` (``PortalBilling``,
``TakePayment``, ``AddPaymentMethod``), as the session's contact: another organization's
invoice or payment is the 404 page, exactly as the API's 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template

from application.billing.documents import PortalInvoiceDocument
from application.billing.portal import PortalBilling
from application.billing.repositories import InvoiceFilter
from application.identity.portal_access import SignInWithInvitation
from application.identity.ports import Principal
from application.identity.use_cases import RevokeApiKey
from application.integrations.ports import VendorError
from application.shared.errors import ApplicationError, NotFound
from application.shared.pagination import PageRequest
from domain.billing.invoice import InvoiceId, InvoiceStatus
from domain.billing.payment import PaymentId
from domain.shared.errors import DomainError
from entrypoints.http.controllers.portal import PortalCaller
from entrypoints.http.portal_pages.session import (
    PAGES,
    SESSION_COOKIE,
    ended_session,
    page_caller,
    secure_request,
    session_cookie,
    session_principal,
)
from entrypoints.settings import Settings

Form = Body(media_type=RequestEncodingType.URL_ENCODED)
STATUSES = ("open", "paid", "void")


@dataclass
class SignInForm:
    token: str = ""


def _page(name: str, status_code: int = 200, **context: Any) -> Template:
    return Template(template_name=name, context=context, status_code=status_code)


def _error_page(
    request: Request[Any, Any, Any], status: int, title: str, message: str
) -> Response[Any]:
    signed_in = request.cookies.get(SESSION_COOKIE) is not None
    return _page("error.html", status, title=title, message=message, signed_in=signed_in)


def _on_signed_out(request: Request[Any, Any, Any], _: Exception) -> Response[Any]:
    return _error_page(
        request, 401, "Please sign in", "Sign in with the link from your invitation email."
    )


def _on_not_found(request: Request[Any, Any, Any], _: Exception) -> Response[Any]:
    return _error_page(request, 404, "Not found", "There is no such page in your portal.")


def _on_refused(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    message = getattr(exc, "message", None) or str(exc)
    if isinstance(exc, NotFound):
        return _on_not_found(request, exc)
    if isinstance(exc, HTTPException):
        return _error_page(request, exc.status_code, "Something is wrong", exc.detail)
    return _error_page(request, 422, "That did not work", message)


PAGE_ERRORS = {
    NotAuthorizedException: _on_signed_out,
    NotFound: _on_not_found,
    DomainError: _on_refused,
    ApplicationError: _on_refused,
    VendorError: _on_refused,
    HTTPException: _on_refused,
}


class PortalPages(Controller):
    path = PAGES
    include_in_schema = False
    opt = {"page": True}  # noqa: RUF012
    exception_handlers = PAGE_ERRORS  # type: ignore[assignment]
    dependencies = {  # noqa: RUF012
        "session": Provide(session_principal),
        "caller": Provide(page_caller, sync_to_thread=False),
    }

    @get("/", sync_to_thread=False)
    def home(self) -> Redirect:
        return Redirect(f"{PAGES}/invoices")

    @get("/sign-in")
    async def sign_in_page(self, token: FromQuery[str] = "") -> Template:
        # A page with a button, not a sign-in on GET: mail scanners that fetch links would
        # spend the single-use token.
        return _page("sign_in.html", token=token, signed_in=False)

    @post("/sign-in", status_code=303)
    async def sign_in(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[SignInForm, Form],
        sign_in_with_invitation: NamedDependency[SignInWithInvitation],
        settings: NamedDependency[Settings],
    ) -> Redirect:
        issued = await sign_in_with_invitation(data.token)
        secure = secure_request(request, settings.link_url)
        cookie = session_cookie(issued.plaintext, secure=secure)
        return Redirect(f"{PAGES}/invoices", cookies=[cookie], status_code=303)

    @post("/sign-out", status_code=303)
    async def sign_out(
        self,
        request: Request[Any, Any, Any],
        session: NamedDependency[Principal],
        revoke_api_key: NamedDependency[RevokeApiKey],
        settings: NamedDependency[Settings],
    ) -> Redirect:
        await revoke_api_key(session.tenant_id, session.key_id)
        secure = secure_request(request, settings.link_url)
        ended = ended_session(secure=secure)
        return Redirect(f"{PAGES}/signed-out", cookies=[ended], status_code=303)

    @get("/signed-out")
    async def signed_out(self) -> Template:
        return _page("signed_out.html", signed_in=False)

    @get("/invoices")
    async def invoices(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[PortalCaller],
        portal_billing: NamedDependency[PortalBilling],
        status: FromQuery[str] = "",
        cursor: FromQuery[str | None] = None,
    ) -> Template:
        chosen = InvoiceStatus(status) if status in STATUSES else None
        page = await portal_billing.invoices(
            caller.tenant_id,
            caller.organization_id,
            InvoiceFilter(status=chosen),
            PageRequest.parse(25, cursor),
        )
        partial = request.headers.get("hx-request") == "true"
        return _page(
            "invoice_rows.html" if partial else "invoices.html",
            invoices=page.items,
            next_cursor=page.next_cursor,
            status=status if chosen else "",
            statuses=STATUSES,
            signed_in=True,
        )

    @get("/invoices/{invoice_id:uuid}")
    async def invoice(
        self,
        invoice_id: FromPath[UUID],
        caller: NamedDependency[PortalCaller],
        portal_billing: NamedDependency[PortalBilling],
    ) -> Template:
        found = await portal_billing.invoice(
            caller.tenant_id, caller.organization_id, InvoiceId(invoice_id)
        )
        payments = await portal_billing.payments(
            caller.tenant_id, caller.organization_id, found.id, PageRequest.parse(100, None)
        )
        return _page("invoice.html", invoice=found, payments=payments.items, signed_in=True)

    @get("/invoices/{invoice_id:uuid}/document.pdf")
    async def invoice_document(
        self,
        invoice_id: FromPath[UUID],
        caller: NamedDependency[PortalCaller],
        portal_invoice_document: NamedDependency[PortalInvoiceDocument],
    ) -> Response[bytes]:
        invoice, pdf = await portal_invoice_document(
            caller.tenant_id, caller.organization_id, InvoiceId(invoice_id)
        )
        name = f"invoice-{invoice.number or invoice.psa_number}.pdf"
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{name}"'},
        )

    @get("/payments/{payment_id:uuid}")
    async def payment(
        self,
        payment_id: FromPath[UUID],
        caller: NamedDependency[PortalCaller],
        portal_billing: NamedDependency[PortalBilling],
    ) -> Template:
        found = await portal_billing.payment(
            caller.tenant_id, caller.organization_id, PaymentId(payment_id)
        )
        invoice_id = found.payment.invoice_id or found.payment.original_invoice_id
        invoice = await portal_billing.invoice(caller.tenant_id, caller.organization_id, invoice_id)
        return _page(
            "receipt.html",
            payment=found.payment,
            history=found.history,
            invoice=invoice,
            signed_in=True,
        )
