"""A local QuickBooks Online Accounting API v3 and Intuit token endpoint, state in memory.

It speaks QBO's contract: ``/v3/company/{realmId}/…`` paths, ``minorversion``, Intuit's
authorize page (``/connect/oauth2``: consent, then back to the ``redirect_uri`` with ``code``,
``state`` and ``realmId``), bearer tokens from ``/oauth2/v1/tokens/bearer``, ``requestid``
replays, the query language, Fault bodies, and 10 calls at once and 500 a minute per company.
A connection whose base URL is where this app is mounted (e.g.
``http://host/sandbox/quickbooks``) reaches it exactly as it would reach Intuit.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import msgspec
from litestar import Litestar, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect
from litestar.types import ControllerRouterHandler

from adapters.sandboxes.kit.base import Faults, SandboxLimits, VendorProfile, build_sandbox_app
from adapters.sandboxes.quickbooks.auth import OAuthRefusal, SandboxTokens
from adapters.sandboxes.quickbooks.company import PROFILES, CompanyProfile
from adapters.sandboxes.quickbooks.pdf import invoice_pdf
from adapters.sandboxes.quickbooks.schema import ENTITIES, SandboxFault, validate
from adapters.sandboxes.quickbooks.store import VOIDS, QuickBooksStore
from adapters.vendors.quickbooks.contract import MINOR_VERSION, OBJECT_NOT_FOUND

PREFIX = "/"  # the API (/v3/…) and the token endpoint (/oauth2/…) both sit at the mount point
API_PATH = "/v3/company"
TOKEN_PATH = "/oauth2/v1/tokens/bearer"  # noqa: S105 - a path, not a secret
AUTHORIZE_PATH = "/connect/oauth2"  # appcenter.intuit.com/connect/oauth2 at Intuit
CONTROL_PATH = "/_sandbox/quickbooks"
SANDBOX_REALM_ID = "9341453050071366"
SANDBOX_CLIENT_ID = "Q2CSANDBOXCLIENT"
SANDBOX_CLIENT_SECRET = "sandbox-client-secret"  # noqa: S105 - the sandbox's public demo secret
SANDBOX_REFRESH_TOKEN = "RT1-q2c-sandbox-refresh-token"  # noqa: S105 - likewise
# What an admin enters (the app's keys), and what Intuit issues when the admin authorizes.
SANDBOX_CLIENT: Mapping[str, str] = {
    "client_id": SANDBOX_CLIENT_ID,
    "client_secret": SANDBOX_CLIENT_SECRET,
}
SANDBOX_AUTHORIZED: Mapping[str, str] = {
    "realm_id": SANDBOX_REALM_ID,
    "refresh_token": SANDBOX_REFRESH_TOKEN,
}
SANDBOX_CREDENTIALS: Mapping[str, str] = {**SANDBOX_CLIENT, **SANDBOX_AUTHORIZED}
MINIMUM_MINOR_VERSION = MINOR_VERSION
_ENCODER = msgspec.json.Encoder(decimal_format="number")  # QBO's amounts are JSON numbers
_THROTTLED = ("Request refused", "Rate limit")


def create_quickbooks_sandbox(
    faults: Faults,
    *,
    realm_id: str = SANDBOX_REALM_ID,
    credentials: Mapping[str, str] | None = None,
    concurrent_per_company: int | None = 10,
    requests_per_window: int | None = 500,
    window_seconds: float = 60.0,
    limit_retry_after: float = 1.0,
    access_token_seconds: int = 3600,
    rotate_refresh_tokens: bool = False,
    home_currency: str | None = None,
    company: str | CompanyProfile = "us",
) -> Litestar:
    """QBO with its limits (10 concurrent, 500 a minute per company) unless told otherwise;
    ``company``: a profile of ``PROFILES`` (``us``, ``us-single-currency``, ``uk``) or one's own."""
    profile_of = PROFILES[company] if isinstance(company, str) else company
    if home_currency is not None:
        profile_of = replace(profile_of, home_currency=home_currency)
    accepted = {**SANDBOX_CREDENTIALS, **(credentials or {})}
    tokens = SandboxTokens(
        realm_id=realm_id,
        client_id=accepted["client_id"],
        client_secret=accepted["client_secret"],
        refresh_token=accepted["refresh_token"],
        access_seconds=access_token_seconds,
        rotate_refresh_tokens=rotate_refresh_tokens,
    )
    store = QuickBooksStore(tokens, company=profile_of)
    limits = SandboxLimits(
        concurrent_per_endpoint=concurrent_per_company,
        requests_per_window=requests_per_window,
        window_seconds=window_seconds,
        retry_after=limit_retry_after,
    )
    profile = VendorProfile(
        prefix=PREFIX, limits=limits, endpoint_of=endpoint_of, error_body=error_body
    )
    return build_sandbox_app(profile, store, faults, [*_api(store), *_controls(store)])


def endpoint_of(path: str) -> str | None:
    """QBO limits each company (realm) as a whole; the token endpoint and controls are apart."""
    parts = [part for part in path.split("/") if part]
    for at in range(len(parts) - 2):
        if parts[at] == "v3" and parts[at + 1] == "company":
            return f"company/{parts[at + 2]}"
    return None


def error_body(messages: Sequence[str]) -> bytes:
    """QBO's Fault for refusals made outside the API's handlers (limits, unknown routes)."""
    errors = [_generic_error(message) for message in messages]
    throttled = any(error["code"] == "3001" for error in errors)
    fault = {"Error": errors, "type": "ThrottleExceeded" if throttled else "ValidationFault"}
    return _ENCODER.encode({"Fault": fault})


def _generic_error(message: str) -> dict[str, str]:
    if message.startswith(_THROTTLED):
        return {
            "Message": "message=ThrottleExceeded; errorCode=003001; statusCode=429",
            "Detail": message,
            "code": "3001",
        }
    return {"Message": message, "Detail": message, "code": "2010"}


def _reply(payload: Mapping[str, Any], status: int = 200) -> Response[bytes]:
    return Response(_ENCODER.encode(payload), status_code=status, media_type="application/json")


def _api(store: QuickBooksStore) -> list[ControllerRouterHandler]:
    def refused(_: Request[Any, Any, Any], exc: SandboxFault) -> Response[bytes]:
        store.refused(exc)
        return _reply({**exc.body(), "time": store.now()}, exc.status)

    def oauth_refused(_: Request[Any, Any, Any], exc: OAuthRefusal) -> Response[bytes]:
        return _reply(exc.body(), exc.status)

    handlers: Any = {SandboxFault: refused, OAuthRefusal: oauth_refused}

    @post(TOKEN_PATH, status_code=200, exception_handlers=handlers)
    async def token(request: Request[Any, Any, Any]) -> Response[bytes]:
        form = parse_qs((await request.body()).decode(errors="replace"))
        return _reply(store.tokens.token(request.headers.get("Authorization", ""), form))

    @get(AUTHORIZE_PATH, exception_handlers=handlers, sync_to_thread=False)
    def authorize(request: Request[Any, Any, Any]) -> Response[str]:
        """Intuit's consent page: the app's request checked, then Connect or Cancel."""
        query = {key: request.query_params.get(key, "") for key in request.query_params}
        store.tokens.authorize(query)
        return Response(_consent_page(store, query), media_type="text/html")

    @post(f"{AUTHORIZE_PATH}/approve", status_code=302, exception_handlers=handlers)
    async def approve(request: Request[Any, Any, Any]) -> Redirect:
        """The user's answer: back to the app with a code, the state and the company's realmId
        (or ``error=access_denied``)."""
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        redirect_uri, state = form.get("redirect_uri", ""), form.get("state", "")
        store.tokens.authorize({**form, "response_type": "code"})
        if form.get("decision") != "approve":
            return Redirect(_with_query(redirect_uri, error="access_denied", state=state))
        code = store.tokens.approve(redirect_uri)
        realm = store.tokens.realm_id
        return Redirect(_with_query(redirect_uri, code=code, state=state, realmId=realm))

    @post(f"{API_PATH}/{{realm:str}}/{{entity:str}}", status_code=200, exception_handlers=handlers)
    async def write(
        realm: FromPath[str],
        entity: FromPath[str],
        request: Request[Any, Any, Any],
        requestid: FromQuery[str | None] = None,
    ) -> Response[bytes]:
        _admit(store, request, realm)
        body = await request.body()
        if entity.lower() == "query":
            _content_type(request, ("application/text", "text/plain"))
            found = store.query(body.decode(errors="replace"))
            return _reply({"QueryResponse": found, "time": store.now()})
        name = _entity(entity)
        _content_type(request, ("application/json",))
        values = validate(name, _json(body, name))
        operation = request.query_params.get("operation")
        include = request.query_params.get("include")
        voids = VOIDS.get((operation or "", include or ""))
        if voids is not None and voids == name:
            return _reply({name: store.void(name, values, requestid), "time": store.now()})
        if operation not in (None, "update") or include is not None:
            raise SandboxFault(
                "Unsupported Operation",
                f"Operation {operation}{f' include={include}' if include else ''} is not "
                f"supported for {name} here",
                "500",
            )
        record = store.write(name, values, requestid)
        return _reply({name: record, "time": store.now()})

    @get(f"{API_PATH}/{{realm:str}}/{{entity:str}}/{{entity_id:str}}", exception_handlers=handlers)
    async def read(
        realm: FromPath[str],
        entity: FromPath[str],
        entity_id: FromPath[str],
        request: Request[Any, Any, Any],
    ) -> Response[bytes]:
        _admit(store, request, realm)
        if entity.lower() == "companyinfo":
            if entity_id != realm:
                raise SandboxFault(
                    "Object Not Found", f"No CompanyInfo {entity_id}", OBJECT_NOT_FOUND
                )
            return _reply({"CompanyInfo": store.company_info(), "time": store.now()})
        if entity.lower() == "taxcode":
            return _reply({"TaxCode": store.read("TaxCode", entity_id), "time": store.now()})
        name = _entity(entity)
        return _reply({name: store.read(name, entity_id), "time": store.now()})

    @get(
        f"{API_PATH}/{{realm:str}}/{{entity:str}}/{{entity_id:str}}/pdf",
        exception_handlers=handlers,
    )
    async def invoice_pdf_of(
        realm: FromPath[str],
        entity: FromPath[str],
        entity_id: FromPath[str],
        request: Request[Any, Any, Any],
    ) -> Response[bytes]:
        """QBO's own PDF of an invoice (``Accept: application/pdf``); the sandbox serves
        invoices' only."""
        _admit(store, request, realm, accept="application/pdf")
        if entity.lower() != "invoice":
            raise SandboxFault(
                "Unsupported Operation",
                f"this sandbox serves the PDFs of invoices only, not of {entity}",
                "500",
            )
        invoice = store.read("Invoice", entity_id)
        pdf = invoice_pdf(invoice, store.company_name)
        return Response(pdf, media_type="application/pdf")

    @get(f"{API_PATH}/{{realm:str}}/preferences", exception_handlers=handlers)
    async def preferences(realm: FromPath[str], request: Request[Any, Any, Any]) -> Response[bytes]:
        _admit(store, request, realm)
        return _reply({"Preferences": store.preferences(), "time": store.now()})

    return [token, authorize, approve, preferences, write, read, invoice_pdf_of]


def _consent_page(store: QuickBooksStore, query: Mapping[str, str]) -> str:
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{html.escape(query.get(name, ""))}">'
        for name in ("client_id", "scope", "redirect_uri", "state")
    )
    return (
        "<!doctype html><title>Connect to QuickBooks (sandbox)</title>"
        f"<h1>Connect {html.escape(store.company_name)}?</h1>"
        '<form method="post" action="oauth2/approve">'
        f'{hidden}<button name="decision" value="approve">Connect</button>'
        '<button name="decision" value="deny">Cancel</button></form>'
    )


def _with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit(parts._replace(query=query))


def _controls(store: QuickBooksStore) -> list[ControllerRouterHandler]:
    """Knobs for tests and demos, beside the base's ``/_sandbox/``: no auth, never faulted."""

    @post(f"{CONTROL_PATH}/invoices/{{invoice_id:str}}/payments", status_code=200)
    async def pay(invoice_id: FromPath[str], request: Request[Any, Any, Any]) -> Response[bytes]:
        """A payment entered in QuickBooks itself: ``{"amount": "12.50"}``."""
        try:
            amount = Decimal(str(json.loads(await request.body())["amount"]))
            payment = store.pay_in_quickbooks(invoice_id, amount)
        except (ValueError, KeyError, TypeError, InvalidOperation) as exc:
            return _reply({"error": f"send {{'amount': '12.50'}}: {exc}"}, 400)
        except SandboxFault as exc:
            return _reply(exc.body(), exc.status)
        return _reply({"Payment": payment})

    @post(f"{CONTROL_PATH}/tokens/expire", status_code=200, sync_to_thread=False)
    def expire() -> Response[bytes]:
        """Every access token expires now: the next API call answers 401."""
        return _reply({"expired": store.tokens.expire_all()})

    @post(f"{CONTROL_PATH}/customers/{{customer_id:str}}/deactivate", sync_to_thread=False)
    def deactivate(customer_id: FromPath[str]) -> Response[bytes]:
        try:
            return _reply({"Customer": store.deactivate_customer(customer_id)})
        except SandboxFault as exc:
            return _reply(exc.body(), exc.status)

    return [pay, expire, deactivate]


def _admit(
    store: QuickBooksStore,
    request: Request[Any, Any, Any],
    realm: str,
    *,
    accept: str = "application/json",
) -> None:
    """Bearer token, ``minorversion`` and a JSON ``Accept`` (a PDF's for a PDF), as every QBO
    call needs."""
    store.tokens.check(request.headers.get("Authorization", ""), realm)
    version = request.query_params.get("minorversion", "")
    if not version.isdigit() or int(version) < MINIMUM_MINOR_VERSION:
        raise SandboxFault(
            "Invalid minorversion",
            f"minorversion {version or '(none)'} is not served: send "
            f"{MINIMUM_MINOR_VERSION} or later",
            "2010",
        )
    if accept not in request.headers.get("Accept", ""):
        raise SandboxFault(
            "Unsupported Accept header",
            f"QBO answers XML unless asked otherwise: send Accept: {accept}",
            "2010",
        )


def _content_type(request: Request[Any, Any, Any], allowed: tuple[str, ...]) -> None:
    given = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if given not in allowed:
        raise SandboxFault(
            "Unsupported Media Type",
            f"Content-Type {given or '(none)'} is not accepted here; send {allowed[0]}",
            "2010",
        )


def _entity(path_name: str) -> str:
    name = next((e for e in ENTITIES if e.lower() == path_name.lower()), None)
    if name is None:
        raise SandboxFault(
            "Unsupported Operation",
            f"Operation {path_name} is not supported by this sandbox (it serves "
            f"{', '.join(e.lower() for e in ENTITIES)}, query and companyinfo)",
            "500",
        )
    return name


def _json(body: bytes, entity: str) -> Any:
    try:
        return json.loads(body, parse_float=Decimal)
    except ValueError as exc:
        raise SandboxFault(
            "Request has invalid or unsupported property",
            f"Property Name:Can not parse the request body as a {entity}: {exc}",
            "2010",
        ) from None
