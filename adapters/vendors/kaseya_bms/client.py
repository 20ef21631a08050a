"""Kaseya BMS API 2.0 over httpx for one connection: tokens, the envelope, limits, errors.

Every call carries ``Authorization: Bearer`` (see ``auth.py``) and goes through the shared vendor
limits: about 1,500 calls an hour per endpoint (DESIGN "Sync"). Every answer is the envelope
``{"Success", "Error": {"Code", "Message", "Details", "SubErrors"}, "Result", "TotalRecords"?}``:
``Success: false`` is Kaseya refusing (``VendorRejected`` with its message and sub-errors); a 401
is retried once with a refreshed token; a 429 waits as ``Retry-After`` says; 5xx, timeouts and
malformed bodies are transient (INT-6, INT-7). Nothing else is retried here.

The calls themselves, named for what the quote push and the searches need, come from
``calls.py`` (connection test, accounts, contacts, opportunities), ``calls_quotes.py``
(quotations, line items, items, warehouses, attachments) and ``unpublished.py`` (the calls
Kaseya's published spec lacks, which an instance may not have: ``missing``, ``Unavailable``).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx

from adapters.vendors.kaseya_bms import contract as api
from adapters.vendors.kaseya_bms.auth import KaseyaTokens, missing_credentials
from adapters.vendors.kaseya_bms.calls import Page, Query
from adapters.vendors.kaseya_bms.calls_quotes import KaseyaQuoteCalls
from adapters.vendors.kaseya_bms.unpublished import OPERATIONS as NOT_PUBLISHED
from adapters.vendors.kaseya_bms.unpublished import PROBES, Unavailable, lacks_route
from adapters.vendors.kit.clients import PerConnection
from adapters.vendors.kit.exchange import VendorHttp, already_gone, credentials_masked, exchange
from application.integrations.ports import (
    ConnectionConfig,
    LimitKey,
    VendorLimitPolicy,
    VendorLimits,
    VendorRejected,
    VendorUnavailable,
)

# Kaseya BMS: about 1,500 calls per hour per endpoint; no published concurrency limit.
KASEYA_LIMITS = VendorLimitPolicy(
    requests_per_window=1_500, window_seconds=3600, per_endpoint_budget=True
)
VENDOR = "Kaseya BMS"
_EXCERPT = 200
_NOT_JSON = object()

__all__ = ["KASEYA_LIMITS", "KaseyaClient", "KaseyaClients", "Page"]


class KaseyaClient(VendorHttp, KaseyaQuoteCalls):
    """One connection's calls; owns its httpx client unless one is given. ``clock`` is the wall
    clock the token expiries are read against."""

    def __init__(
        self,
        connection: ConnectionConfig,
        limits: VendorLimits,
        *,
        http: httpx.AsyncClient | None = None,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        missing = missing_credentials(connection.credentials)
        if missing:
            raise VendorRejected(f"the Kaseya BMS connection lacks {', '.join(missing)}")
        super().__init__(limits, http=http, timeout=timeout)
        self.connection = connection
        self.tokens = KaseyaTokens(connection.credentials, self._post_form, clock=clock)
        self._base = connection.base_url.rstrip("/")
        self.missing: set[api.Operation] = set()

    async def call(
        self,
        op: api.Operation,
        *,
        path: Mapping[str, int | str] | None = None,
        params: Query | None = None,
        json: Any = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
    ) -> dict[str, Any]:
        """One operation with a bearer token; the envelope of its answer (``{}`` for an empty
        200, as a DELETE answers). An unpublished operation this instance lacks raises
        ``Unavailable`` (known from an earlier answer or the probe: then without a call)."""
        if op in self.missing:
            raise Unavailable(op)
        response = await self._send(op, path=path, params=params, json=json, files=files)
        if not op.published and lacks_route(response):
            self.missing.add(op)
            raise Unavailable(op)
        if already_gone(op.method, response):
            return {}
        with credentials_masked(self.connection.credentials):
            return decode(response, op)

    async def probe_unpublished(self) -> list[api.Operation]:
        """Asks each unpublished operation with a request that changes nothing (``PROBES``);
        remembers and returns the ones this instance lacks."""
        lacking = []
        for op in NOT_PUBLISHED:
            probe = PROBES[op]
            response = await self._send(op, path=probe.path, json=probe.json)
            if lacks_route(response):
                lacking.append(op)
        self.missing = set(lacking)
        return lacking

    async def _send(
        self,
        op: api.Operation,
        *,
        path: Mapping[str, int | str] | None = None,
        params: Query | None = None,
        json: Any = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
    ) -> httpx.Response:
        """The answer to one operation. A 401 refreshes the token and tries once more: Kaseya
        did not act on a call it refused to authenticate."""
        url = op.url(self._base, **(path or {}))
        query = _query(params)

        def send(token: str) -> Callable[[], Awaitable[httpx.Response]]:
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
            return lambda: self._http.request(
                op.method,
                url,
                params=query,
                json=json,
                files=files,
                headers=headers,
                timeout=self._timeout,
            )

        with credentials_masked(self.connection.credentials):
            token = await self.tokens.access_token()
            response = await self._exchange(op, send(token))
            if response.status_code == 401:
                await self.tokens.refused(token)
                response = await self._exchange(op, send(await self.tokens.access_token()))
            return response

    async def _post_form(self, op: api.Operation, form: Mapping[str, str]) -> Any:
        """A token operation: a multipart form (each field a part without a file name)."""
        parts = {name: (None, value) for name, value in form.items()}

        def send() -> Awaitable[httpx.Response]:
            return self._http.post(
                op.url(self._base),
                files=parts,
                headers={"Accept": "application/json"},
                timeout=self._timeout,
            )

        with credentials_masked(self.connection.credentials):
            return decode(await self._exchange(op, send), op).get("Result")

    async def _exchange(
        self, op: api.Operation, send: Callable[[], Awaitable[httpx.Response]]
    ) -> httpx.Response:
        return await exchange(
            send,
            limits=self._limits,
            key=LimitKey(self.connection.connection_id, op.path),
            policy=KASEYA_LIMITS,
            vendor=VENDOR,
            what=op.what,
            timeout=self._timeout,
            limited_reason=lambda r: _message(_json(r)),
        )


class KaseyaClients(PerConnection[KaseyaClient]):
    """One KaseyaClient (and so one pair of tokens) per connection."""

    def __init__(
        self,
        limits: VendorLimits,
        *,
        http: httpx.AsyncClient | None = None,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(lambda c: KaseyaClient(c, limits, http=http, timeout=timeout, clock=clock))


def decode(response: httpx.Response, op: api.Operation) -> dict[str, Any]:
    """The envelope of an answer, or the port error its status and body stand for (INT-7).

    ``Success: false`` (with any status below 500) is Kaseya refusing, in its own words; 5xx and
    408 are transient, so is a body that is not whole JSON; any other 4xx is permanent. A bare
    DTO (the spec's ``/summary/{id}`` reads) is wrapped as ``{"Success": true, "Result": dto}``.
    """
    status, body = response.status_code, _json(response)
    if status >= 500 or status == 408:
        said = _message(body)
        raise VendorUnavailable(
            f"{VENDOR} answered {op.what} with HTTP {status} {response.reason_phrase}"
            + (f": {said}" if said else ""),
            status=status,
        )
    if isinstance(body, dict) and isinstance(body.get("Success"), bool):
        if body["Success"] and status < 400:
            return body
        raise VendorRejected(_message(body) or _refused(response, op), status=status)
    if status >= 400 and (body is not _NOT_JSON or not _says_json(response)):
        raise VendorRejected(_refused(response, op), status=status)
    if status == 200 and not response.content:
        return {}
    if not op.enveloped and isinstance(body, dict):
        return {"Success": True, "Result": body}
    raise VendorUnavailable(
        f"{VENDOR} sent a malformed body for {op.what} (HTTP {status}): "
        f"{response.text[:_EXCERPT]!r}",
        status=status,
    )


def _message(body: object) -> str | None:
    """``Error.Message``, with the sub-errors after it: Kaseya's own words."""
    error = body.get("Error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None
    message = error.get("Message") or error.get("Details")
    subs = error.get("SubErrors")
    details = [str(s) for s in subs if s] if isinstance(subs, list) else []
    if not message and not details:
        return None
    return ": ".join(part for part in (str(message or ""), "; ".join(details)) if part)


def _refused(response: httpx.Response, op: api.Operation) -> str:
    return f"{VENDOR} refused {op.what}: HTTP {response.status_code} {response.reason_phrase}"


def _query(params: Query | None) -> list[tuple[str, str | int | float | bool | None]]:
    """Query pairs without the unset ones; booleans as .NET binds them, lists repeated."""
    pairs: list[tuple[str, str | int | float | bool | None]] = []
    for name, value in (params or {}).items():
        if value is None:
            continue
        values = value if isinstance(value, list) else [value]
        pairs += [(name, str(v).lower() if isinstance(v, bool) else str(v)) for v in values]
    return pairs


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return _NOT_JSON


def _says_json(response: httpx.Response) -> bool:
    return "json" in response.headers.get("Content-Type", "").lower()
