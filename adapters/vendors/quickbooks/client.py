"""QuickBooks Online Accounting API v3 over httpx for one connection: auth, limits, errors.

Every call carries ``minorversion``, a bearer token and ``Accept: application/json``, and goes
through the shared vendor limits: 10 at once and 500 a minute per company (INT-6). Errors leave as
port errors with QuickBooks' own words (INT-7). Nothing is retried at the transport level; the
one retry after a 401 is safe because every write carries a ``requestid``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx
import msgspec

from adapters.vendors.kit.exchange import VendorHttp, exchange
from adapters.vendors.quickbooks.contract import MINOR_VERSION, STALE_OBJECT
from adapters.vendors.quickbooks.oauth import (
    DEFAULT_RETRY_AFTER,
    ISSUED_KEYS,
    OAuthTokens,
    missing_credentials,
)
from adapters.vendors.quickbooks.settings import read_settings
from adapters.vendors.quickbooks.translate.company import (
    Company,
    company_of,
    for_company,
    has_sales_lines,
    missing_tax_code,
    tax_codes_query,
)
from adapters.vendors.quickbooks.translate.invoices import Fault, fault, request_id
from application.integrations.ports import (
    ConnectionConfig,
    LimitKey,
    VendorLimitPolicy,
    VendorLimits,
    VendorRejected,
    VendorUnavailable,
)

# QBO: 10 concurrent calls and 500 a minute per company (realm), whatever the endpoint.
QUICKBOOKS_LIMITS = VendorLimitPolicy(
    concurrent_per_endpoint=10, requests_per_window=500, window_seconds=60
)
COMPANY_ENDPOINT = "company"  # one limit key for the whole company
_EXCERPT = 200
_ENCODER = msgspec.json.Encoder(decimal_format="number")
_NOT_JSON = object()
AUTHORIZE_HINT = (
    ": an admin connects it to the company at Intuit first "
    "(POST /v1/connections/{id}/authorize, then Intuit's page)"
)


class QuickBooksRejected(VendorRejected):
    """A QBO Fault: ``codes`` lets the adapter act on 6240 (duplicate name), 5010 (stale)."""

    def __init__(self, found: Fault, *, status: int) -> None:
        super().__init__(found.message(), status=status)
        self.codes = found.codes


class QuickBooksClient(VendorHttp):
    """One connection's calls; owns its httpx client unless one is given."""

    def __init__(
        self,
        connection: ConnectionConfig,
        limits: VendorLimits,
        *,
        http: httpx.AsyncClient | None = None,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        tokens: OAuthTokens | None = None,
    ) -> None:
        missing = missing_credentials(connection)
        if missing:
            raise VendorRejected(
                f"the QuickBooks connection lacks {', '.join(missing)}"
                + (AUTHORIZE_HINT if set(missing) & set(ISSUED_KEYS) else "")
            )
        super().__init__(limits, http=http, timeout=timeout)
        self.connection = connection
        self.tokens = tokens or OAuthTokens(connection, timeout=timeout, clock=clock)
        self._company: Company | None = None
        self._realm = quote(connection.credentials["realm_id"], safe="")
        self._api = f"{connection.base_url.rstrip('/')}/v3/company/{self._realm}"

    async def read(self, entity: str, entity_id: str) -> dict[str, Any]:
        """``GET /{entity}/{id}``: the object, e.g. an invoice with its balance now."""
        path = f"/{entity.lower()}/{quote(entity_id, safe='')}"
        return _object(await self._call("GET", path, what=f"GET {entity}"), entity)

    async def pdf(self, entity: str, entity_id: str) -> bytes:
        """``GET /{entity}/{id}/pdf``: QuickBooks' own PDF of a transaction (an invoice)."""
        path = f"/{entity.lower()}/{quote(entity_id, safe='')}/pdf"
        what = f"GET {entity} PDF"
        request = self._http.build_request(
            "GET",
            f"{self._api}{path}",
            params={"minorversion": str(MINOR_VERSION)},
            timeout=self._timeout,
        )
        request.headers["Accept"] = "application/pdf"
        token = await self.tokens.access_token(self._http)
        response = await self._send(request, token, what)
        if response.status_code == 401:  # expired or revoked early: one fresh token, once
            await self.tokens.refused(token)
            response = await self._send(request, await self.tokens.access_token(self._http), what)
        if response.status_code == 200 and response.content.startswith(b"%PDF"):
            return response.content
        decode(response, what)  # a Fault or an error status says why
        raise VendorUnavailable(
            f"QuickBooks answered {what} without a PDF: {response.text[:_EXCERPT]!r}",
            status=response.status_code,
        )

    async def create(self, entity: str, body: Mapping[str, Any], requestid: str) -> dict[str, Any]:
        """``POST /{entity}?requestid=``: a replay of the same request id gets the first answer.

        A new record is shaped for the company first (its currencies, its tax codes)."""
        if "Id" not in body:
            body = await self.for_company(body)
        answer = await self._call(
            "POST",
            f"/{entity.lower()}",
            params={"requestid": requestid},
            content=_ENCODER.encode(dict(body)),
            content_type="application/json",
            what=f"POST {entity}",
        )
        return _object(answer, entity)

    async def update(
        self, entity: str, current: Mapping[str, Any], changes: Mapping[str, Any], *, hub_id: str
    ) -> dict[str, Any]:
        """A sparse update; a stale SyncToken (5010) means someone saved since: re-read, retry."""
        try:
            return await self._sparse(entity, current, changes, hub_id)
        except QuickBooksRejected as exc:
            if STALE_OBJECT not in exc.codes:
                raise
        fresh = await self.read(entity, str(current.get("Id")))
        return await self._sparse(entity, fresh, changes, hub_id)

    async def void(self, entity: str, current: Mapping[str, Any], *, hub_id: str) -> dict[str, Any]:
        """Void a transaction: QBO keeps it, amounts zero, "Voided" in its note (PAY-3, PAY-7).

        An invoice is voided by ``?operation=void``, a payment by a sparse update with
        ``include=void``. A stale SyncToken (5010) is re-read and voided again.
        """
        try:
            return await self._void(entity, current, hub_id)
        except QuickBooksRejected as exc:
            if STALE_OBJECT not in exc.codes:
                raise
        fresh = await self.read(entity, str(current.get("Id")))
        return await self._void(entity, fresh, hub_id)

    async def _void(self, entity: str, current: Mapping[str, Any], hub_id: str) -> dict[str, Any]:
        entity_id, token = current.get("Id"), current.get("SyncToken")
        body: dict[str, Any] = {"Id": entity_id, "SyncToken": token}
        params = {"operation": "void"}
        if entity == "Payment":
            body["sparse"] = True
            params = {"operation": "update", "include": "void"}
        version = f"{hub_id}.{entity}.{entity_id}.v{token}"
        answer = await self._call(
            "POST",
            f"/{entity.lower()}",
            params={**params, "requestid": request_id("void", version)},
            content=_ENCODER.encode(body),
            content_type="application/json",
            what=f"void {entity}",
        )
        return _object(answer, entity)

    async def query(self, statement: str) -> dict[str, Any]:
        """``POST /query`` (``application/text``): the QueryResponse object."""
        answer = await self._call(
            "POST",
            "/query",
            content=statement.encode(),
            content_type="application/text",
            what=f"query {statement.split(' WHERE ', maxsplit=1)[0]}",
        )
        found = answer.get("QueryResponse")
        if not isinstance(found, dict):
            raise VendorUnavailable("QuickBooks answered a query without a QueryResponse")
        return found

    async def company_info(self) -> dict[str, Any]:
        answer = await self._call("GET", f"/companyinfo/{self._realm}", what="GET CompanyInfo")
        return _object(answer, "CompanyInfo")

    async def preferences(self) -> dict[str, Any]:
        answer = await self._call("GET", "/preferences", what="GET Preferences")
        return _object(answer, "Preferences")

    async def company(self) -> Company:
        """Where the company is and its currencies: read once per client."""
        if self._company is None:
            self._company = company_of(await self.company_info(), await self.preferences())
        return self._company

    async def for_company(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``body`` as the company takes it; a company that needs a tax code the settings do
        not name is refused before any write, its active codes listed."""
        company = await self.company()
        tax_code = read_settings(self.connection.settings).tax_code_id
        if company.requires_tax_code and tax_code is None and has_sales_lines(body):
            raise VendorRejected(missing_tax_code(company, await self.tax_codes()))
        return for_company(body, company, tax_code)

    async def tax_codes(self) -> dict[str, str]:
        """The company's active tax codes, Id → Name."""
        found = (await self.query(tax_codes_query())).get("TaxCode", [])
        return {
            str(code["Id"]): str(code.get("Name", ""))
            for code in (found if isinstance(found, list) else [])
            if isinstance(code, dict) and code.get("Id")
        }

    async def _sparse(
        self,
        entity: str,
        current: Mapping[str, Any],
        changes: Mapping[str, Any],
        hub_id: str,
    ) -> dict[str, Any]:
        entity_id, token = current.get("Id"), current.get("SyncToken")
        body = {"Id": entity_id, "SyncToken": token, "sparse": True, **changes}
        # The request id names the version updated: a retry after a re-read is a new request.
        version = f"{hub_id}.{entity}.{entity_id}.v{token}"
        return await self.create(entity, body, request_id("upd", version))

    async def _call(
        self,
        method: str,
        path: str,
        *,
        what: str,
        params: Mapping[str, str] | None = None,
        content: bytes | None = None,
        content_type: str | None = None,
    ) -> dict[str, Any]:
        query = {"minorversion": str(MINOR_VERSION), **(params or {})}
        request = self._http.build_request(
            method, f"{self._api}{path}", params=query, content=content, timeout=self._timeout
        )
        if content_type is not None:
            request.headers["Content-Type"] = content_type
        request.headers["Accept"] = "application/json"
        token = await self.tokens.access_token(self._http)
        response = await self._send(request, token, what)
        if response.status_code == 401:  # expired or revoked early: one fresh token, once
            await self.tokens.refused(token)
            response = await self._send(request, await self.tokens.access_token(self._http), what)
        return decode(response, what)

    async def _send(self, request: httpx.Request, token: str, what: str) -> httpx.Response:
        request.headers["Authorization"] = f"Bearer {token}"
        return await exchange(
            lambda: self._http.send(request),
            limits=self._limits,
            key=LimitKey(self.connection.connection_id, COMPANY_ENDPOINT),
            policy=QUICKBOOKS_LIMITS,
            vendor="QuickBooks",
            what=what,
            timeout=self._timeout,
            default_retry_after=DEFAULT_RETRY_AFTER,
            limited_reason=_limited_reason,
        )


def _limited_reason(response: httpx.Response) -> str | None:
    found = fault(_json(response))
    return found.message() if found is not None and found.errors else None


def decode(response: httpx.Response, what: str) -> dict[str, Any]:
    """The JSON object of an answer, or the port error its status and body stand for (INT-7).

    A Fault is QuickBooks refusing, even with HTTP 200; 5xx, timeouts and bodies that are not
    whole JSON are transient; any other 4xx is permanent.
    """
    status = response.status_code
    body = _json(response)
    found = fault(body)
    if status >= 500 or status == 408:
        said = f": {found.message()}" if found is not None and found.errors else ""
        raise VendorUnavailable(
            f"QuickBooks answered {what} with HTTP {status} {response.reason_phrase}{said}",
            status=status,
        )
    if found is not None and not found.malformed:
        raise QuickBooksRejected(found, status=status)
    cut = body is _NOT_JSON and (status < 400 or _says_json(response))
    if found is not None or cut or (status < 400 and not isinstance(body, dict)):
        raise VendorUnavailable(
            f"QuickBooks sent a malformed body for {what} (HTTP {status}): "
            f"{response.text[:_EXCERPT]!r}",
            status=status,
        )
    if status >= 400 or not isinstance(body, dict):
        raise VendorRejected(
            f"QuickBooks refused {what}: HTTP {status} {response.reason_phrase}", status=status
        )
    return body


def _object(answer: Mapping[str, Any], entity: str) -> dict[str, Any]:
    found = answer.get(entity)
    if not isinstance(found, dict):
        raise VendorUnavailable(f"QuickBooks answered without the {entity} object")
    return found


def _json(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content, parse_float=Decimal)
    except ValueError:
        return _NOT_JSON


def _says_json(response: httpx.Response) -> bool:
    return "json" in response.headers.get("Content-Type", "").lower()
