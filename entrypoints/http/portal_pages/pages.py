"""The client portal's pages, ``/portal/``: server-rendered (Jinja2), htmx for the small parts.

They go through the same use cases and scoping as ``/portal/v1`` (``PortalBilling``,
``TakePayment``, ``AddPaymentMethod``), as the session's contact: another organization's
invoice or payment is the 404 page, exactly as the API's 404.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from html import escape
from typing import Annotated, Any
from uuid import UUID, uuid4

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException
from litestar.params import Body, FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template

from application.billing.documents import PortalInvoiceDocument
from application.billing.methods import AddPaymentMethod, NewMethod
from application.billing.payments import TakePayment, TakePaymentCommand
from application.billing.portal import PortalBilling
from application.billing.portal_payments import (
    PaymentOptions,
    PortalPaymentOptions,
    RemovePaymentMethod,
)
from application.billing.ports import BillingContact
from application.billing.repositories import InvoiceFilter
from application.crm.queries import CrmQueries
from application.identity.portal_access import SignInWithInvitation, portal_next
from application.identity.ports import Principal
from application.identity.use_cases import Authenticate, RevokeApiKey
from application.integrations.ports import VendorError
from application.quotes.portal import Acceptance, PortalQuotes
from application.quotes.search import PsaSearch
from application.shared.errors import ApplicationError, NotFound
from application.shared.pagination import PageRequest
from domain.billing.invoice import InvoiceId, InvoiceStatus
from domain.billing.methods import Environment, MethodKind, PaymentMethodId
from domain.billing.payment import PaymentId
from domain.quotes.quote import QuoteId
from domain.shared.errors import DomainError
from domain.shared.money import Money
from domain.shared.numbers import exact_decimal
from entrypoints.http.controllers.portal import PortalCaller
from entrypoints.http.downloads import inline
from entrypoints.http.portal_pages.branding import branded_caller
from entrypoints.http.portal_pages.session import (
    NOT_PAGES,
    PAGES,
    SESSION_COOKIE,
    ended_session,
    secure_request,
    session_cookie,
    session_principal,
)
from entrypoints.http.problems import on_http_error
from entrypoints.settings import Settings

Form = Body(media_type=RequestEncodingType.URL_ENCODED)
STATUSES = ("open", "paid", "void")
CSRF_REFUSED = "CSRF token verification failed"  # Litestar's CSRF middleware's refusal


@dataclass
class SignInForm:
    token: str = ""
    next: str = ""  # the page to land on: a relative path under /portal/ (``portal_next``)


@dataclass
class PayForm:
    idempotency_key: str = ""
    amount_choice: str = "full"
    amount: str = ""
    method: str = ""
    payment_token: str = ""  # the gateway's one-use token for a new method, never a number


@dataclass
class MethodForm:
    method: str = ""
    payment_token: str = ""


@dataclass
class AcceptForm:
    name: str = ""
    terms: str = ""  # "yes" when the box is ticked
    pdf_sha256: str = ""
    issued_on: str = ""  # the day the PDF the page showed was issued (ISO), UTC


@dataclass
class DeclineForm:
    reason: str = ""


NEW_METHODS = {"new-card": MethodKind.CARD, "new-check": MethodKind.ECHECK}


def _kinds(options: PaymentOptions) -> set[str]:
    return {kind.value for kind in options.kinds}


async def _new_method(
    caller: PortalCaller,
    chosen: str,
    payment_token: str,
    crm_queries: CrmQueries,
    add_payment_method: AddPaymentMethod,
) -> PaymentMethodId:
    """A new card or bank account, as the form's choice says (checked against the portal's
    kinds before anything is vaulted, PAY-8), from the gateway's token."""
    kind = NEW_METHODS.get(chosen)
    if kind is None:
        raise DomainError("choose a card or a bank account", code="method_missing", field="method")
    if not payment_token.strip():
        raise DomainError(
            "the card or account details did not reach the payment gateway: try again",
            code="payment_token_missing",
            field="payment_token",
        )
    contact = await crm_queries.contact(caller.tenant_id, caller.contact_id)
    organization = await crm_queries.organization(caller.tenant_id, caller.organization_id)
    method = await add_payment_method(
        caller.tenant_id,
        NewMethod(
            organization_id=caller.organization_id,
            payment_token=payment_token.strip(),
            kind=kind,
            environment=Environment.PORTAL,
            contact=BillingContact(
                first_name=contact.first_name,
                last_name=contact.last_name,
                company=organization.name,
                email=contact.email or "",
            ),
        ),
    )
    return method.id


def _method_id(value: str) -> PaymentMethodId:
    try:
        return PaymentMethodId(UUID(value))
    except ValueError:
        raise DomainError(
            "choose a payment method", code="method_missing", field="method"
        ) from None


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None  # not a day: the PDF as of today is what is checked


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


def on_forbidden(request: Request[Any, Any, Any], exc: PermissionDeniedException) -> Response[Any]:
    """The app's 403: on a page, the portal's error page, since a form refused by the CSRF
    middleware (which runs before any page handler) is a form shown too long ago, or in another
    session; everywhere else (the API) the problem document."""
    if re.match(NOT_PAGES, request.url.path):
        return on_http_error(request, exc)
    if exc.detail != CSRF_REFUSED:
        return _error_page(request, 403, "Not allowed", exc.detail)
    return _error_page(
        request,
        403,
        "This form has expired",
        "This form has expired: reload the page and send it again.",
    )


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
        "caller": Provide(branded_caller),  # and the tenant's branding for the layout
    }

    @get("/", sync_to_thread=False)
    def home(self) -> Redirect:
        return Redirect(f"{PAGES}/invoices")

    @get("/sign-in")
    async def sign_in_page(
        self,
        request: Request[Any, Any, Any],
        authenticate: NamedDependency[Authenticate],
        sign_in_with_invitation: NamedDependency[SignInWithInvitation],
        token: FromQuery[str] = "",
        landing: Annotated[str, QueryParameter(name="next")] = "",
    ) -> Response[Any]:
        # A page with a button, not a sign-in on GET: mail scanners that fetch links would
        # spend the single-use token. A contact signed in already goes straight to the page,
        # the token left unspent (a GET spends nothing; it expires as any invitation does);
        # a link of another contact offers its own sign-in, which replaces the session.
        landing = portal_next(landing)
        session = request.cookies.get(SESSION_COOKIE, "")
        principal = await authenticate(session) if session else None
        if principal is not None and principal.contact_id is not None:
            owner = await sign_in_with_invitation.whose(token) if token else None
            if owner in (None, (principal.tenant_id, principal.contact_id)):
                return Redirect(landing, status_code=303)
        return _page("sign_in.html", token=token, next=landing, signed_in=False)

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
        return Redirect(portal_next(data.next), cookies=[cookie], status_code=303)

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
        document = await portal_invoice_document(
            caller.tenant_id, caller.organization_id, InvoiceId(invoice_id)
        )
        invoice = document.invoice
        name = f"invoice-{invoice.number or invoice.psa_number}.pdf"
        return Response(
            document.pdf,
            media_type="application/pdf",
            headers={
                "Content-Disposition": inline(name),
                "X-Q2C-Document-Source": document.source.value,  # the accounting system's or ours
            },
        )

    @get("/invoices/{invoice_id:uuid}/pay")
    async def pay_page(
        self,
        invoice_id: FromPath[UUID],
        caller: NamedDependency[PortalCaller],
        portal_billing: NamedDependency[PortalBilling],
        payment_options: NamedDependency[PortalPaymentOptions],
    ) -> Template:
        found = await portal_billing.invoice(
            caller.tenant_id, caller.organization_id, InvoiceId(invoice_id)
        )
        if not found.payable:
            raise DomainError(
                f"invoice {found.number or found.psa_number} cannot be paid now",
                code="invoice_not_payable",
            )
        options = await payment_options(caller.tenant_id, caller.organization_id)
        return _page(
            "pay.html",
            invoice=found,
            options=options,
            kinds=_kinds(options),
            idempotency_key=uuid4().hex,  # one per form shown: a second submit charges once
            signed_in=True,
        )

    @post("/invoices/{invoice_id:uuid}/pay", status_code=303)
    async def pay(
        self,
        invoice_id: FromPath[UUID],
        data: Annotated[PayForm, Form],
        caller: NamedDependency[PortalCaller],
        portal_billing: NamedDependency[PortalBilling],
        take_payment: NamedDependency[TakePayment],
        crm_queries: NamedDependency[CrmQueries],
        add_payment_method: NamedDependency[AddPaymentMethod],
    ) -> Redirect:
        if not data.idempotency_key.strip():
            raise DomainError(
                "the form has no payment key: reload the page", code="idempotency_key_missing"
            )
        invoice = await portal_billing.invoice(
            caller.tenant_id, caller.organization_id, InvoiceId(invoice_id)
        )
        # The contact's own namespace: a key from a form cannot name another's payment.
        key = f"portal:{caller.contact_id}:{data.idempotency_key.strip()[:64]}"
        made = await portal_billing.payment_by_key(caller.tenant_id, caller.organization_id, key)
        if made is not None and made.invoice_id == invoice.id:  # the form sent again: its receipt
            return Redirect(f"{PAGES}/payments/{made.id}", status_code=303)
        amount = None
        if data.amount_choice == "other":
            amount = Money.of(exact_decimal(data.amount, "amount"), invoice.currency.value)
        if data.method in NEW_METHODS:
            method_id = await _new_method(
                caller, data.method, data.payment_token, crm_queries, add_payment_method
            )
        else:
            method_id = _method_id(data.method)
        payment = await take_payment(
            caller.tenant_id,
            TakePaymentCommand(
                invoice_id=invoice.id,
                method_id=method_id,
                contact_id=caller.contact_id,
                environment=Environment.PORTAL,
                idempotency_key=key,
                actor=caller.actor,
                amount=amount,
                organization_id=caller.organization_id,
            ),
        )
        return Redirect(f"{PAGES}/payments/{payment.id}", status_code=303)

    @get("/payment-methods")
    async def methods(
        self,
        caller: NamedDependency[PortalCaller],
        payment_options: NamedDependency[PortalPaymentOptions],
    ) -> Template:
        options = await payment_options(caller.tenant_id, caller.organization_id)
        return _page("methods.html", options=options, kinds=_kinds(options), signed_in=True)

    @post("/payment-methods", status_code=303)
    async def add_method(
        self,
        data: Annotated[MethodForm, Form],
        caller: NamedDependency[PortalCaller],
        crm_queries: NamedDependency[CrmQueries],
        add_payment_method: NamedDependency[AddPaymentMethod],
    ) -> Redirect:
        await _new_method(caller, data.method, data.payment_token, crm_queries, add_payment_method)
        return Redirect(f"{PAGES}/payment-methods", status_code=303)

    @post("/payment-methods/{method_id:uuid}/remove", status_code=303)
    async def remove_method(
        self,
        request: Request[Any, Any, Any],
        method_id: FromPath[UUID],
        caller: NamedDependency[PortalCaller],
        remove_payment_method: NamedDependency[RemovePaymentMethod],
    ) -> Response[Any]:
        removed = await remove_payment_method(
            caller.tenant_id, caller.organization_id, PaymentMethodId(method_id)
        )
        if request.headers.get("hx-request") == "true":  # htmx swaps the row for this
            note = f"{removed.brand.capitalize()} ending {removed.last4} removed."
            body = f'<li role="status">{escape(note)}</li>'
            return Response(body, media_type="text/html", status_code=200)
        return Redirect(f"{PAGES}/payment-methods", status_code=303)

    @get("/quotes")
    async def quotes(
        self,
        caller: NamedDependency[PortalCaller],
        portal_quotes: NamedDependency[PortalQuotes],
        psa_search: NamedDependency[PsaSearch],
    ) -> Template:
        found = await portal_quotes.with_opportunities(
            caller.tenant_id, caller.organization_id, psa_search
        )
        return _page(
            "quotes.html",
            quotes=found.quotes,
            opportunities=found.opportunities,
            psa_unavailable=found.psa_unavailable,
            psa=found.psa,
            signed_in=True,
        )

    @get("/quotes/{quote_id:uuid}")
    async def quote(
        self,
        quote_id: FromPath[UUID],
        caller: NamedDependency[PortalCaller],
        portal_quotes: NamedDependency[PortalQuotes],
    ) -> Template:
        found = await portal_quotes.quote(
            caller.tenant_id, caller.organization_id, QuoteId(quote_id)
        )
        issued_on = portal_quotes.today()
        _, pdf = await portal_quotes.document(
            caller.tenant_id, caller.organization_id, found.quote.id, issued_on
        )
        return _page(
            "quote.html",
            item=found,
            totals=found.quote.totals(),
            pdf_sha256=hashlib.sha256(pdf).hexdigest(),  # the document this page shows
            issued_on=issued_on.isoformat(),
            signed_in=True,
        )

    @get("/quotes/{quote_id:uuid}/document.pdf")
    async def quote_document(
        self,
        quote_id: FromPath[UUID],
        caller: NamedDependency[PortalCaller],
        portal_quotes: NamedDependency[PortalQuotes],
        issued_on: FromQuery[str] = "",
    ) -> Response[bytes]:
        quote, pdf = await portal_quotes.document(
            caller.tenant_id,
            caller.organization_id,
            QuoteId(quote_id),
            portal_quotes.issue_day(_day(issued_on)),  # as the page that links it showed it
        )
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": inline(f"quote-{quote.number}.pdf")},
        )

    @post("/quotes/{quote_id:uuid}/accept", status_code=303)
    async def accept_quote(
        self,
        request: Request[Any, Any, Any],
        quote_id: FromPath[UUID],
        data: Annotated[AcceptForm, Form],
        caller: NamedDependency[PortalCaller],
        portal_quotes: NamedDependency[PortalQuotes],
    ) -> Redirect:
        await portal_quotes.accept(
            caller.tenant_id,
            caller.organization_id,
            Acceptance(
                quote_id=QuoteId(quote_id),
                contact_id=caller.contact_id,
                signed_name=data.name,
                agreed_to_terms=data.terms == "yes",
                ip_address=request.client.host if request.client else "",
                pdf_sha256=data.pdf_sha256.strip().lower(),
                issued_on=_day(data.issued_on),
            ),
        )
        return Redirect(f"{PAGES}/quotes/{quote_id}", status_code=303)

    @post("/quotes/{quote_id:uuid}/decline", status_code=303)
    async def decline_quote(
        self,
        quote_id: FromPath[UUID],
        data: Annotated[DeclineForm, Form],
        caller: NamedDependency[PortalCaller],
        portal_quotes: NamedDependency[PortalQuotes],
    ) -> Redirect:
        await portal_quotes.decline(
            caller.tenant_id, caller.organization_id, QuoteId(quote_id), data.reason
        )
        return Redirect(f"{PAGES}/quotes/{quote_id}", status_code=303)

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
