"""ConnectWise PSA REST over httpx for one connection (``contracts/connectwise.md`` §1-§5).

The codebase comes from ``login/companyinfo/{companyId}`` (asked once per client: a new client,
made for changed settings, asks again); every API call carries Basic auth, ``clientId`` and the
pinned version's ``Accept``. Lists follow the ``Link`` header's ``next``; updates are JSON
Patch. Answers become port errors with ConnectWise's own words: a 429 waits (``Retry-After``),
a 500 that says "timeout" and 502/503/504 are transient, every other status is a refusal
naming ``message`` and each ``errors[].message`` (INT-6, INT-7).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from adapters.vendors.connectwise.contract import (
    API_ROOT,
    COMPANY_INFO,
    MAX_PAGE_SIZE,
    api_headers,
)
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

# No published number; DG: "over 1,000 requests per minute … will likely be rate limited",
# and limit parallel requests. The notes' proposal (§5).
CONNECTWISE_LIMITS = VendorLimitPolicy(
    concurrent_per_endpoint=4, requests_per_window=900, window_seconds=60
)
DEFAULT_RETRY_AFTER = 30.0  # DG's example when a 429 names no wait
_NOT_JSON = object()
_NEXT = re.compile(r'<([^>]*)>\s*;\s*rel="next"')


class UnknownCompany(VendorRejected):
    """``login/companyinfo`` answered ``null``: ConnectWise knows no such company id."""


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_url: str | None


class ConnectWiseClient(VendorHttp):
    """One connection's calls; owns its httpx client unless one is given. No retries here."""

    def __init__(
        self,
        connection: ConnectionConfig,
        limits: VendorLimits,
        *,
        http: httpx.AsyncClient | None = None,
        timeout: float = 10.0,
    ) -> None:
        super().__init__(limits, http=http, timeout=timeout)
        self.connection = connection
        self._codebase: str | None = None
        self._codebase_lock = asyncio.Lock()
        self._lookups: dict[str, list[dict[str, Any]]] = {}
        self._lookups_lock = asyncio.Lock()
        self._names: dict[tuple[str, str], Any] = {}  # a state's or country's name: its value

    @property
    def site(self) -> str:
        return self.connection.base_url.rstrip("/")

    async def company_info(self) -> dict[str, Any]:
        """``login/companyinfo/{companyId}``; ``UnknownCompany`` when the answer is null."""
        company = self.connection.credentials.get("company_id", "")
        url = f"{self.site}/{COMPANY_INFO}/{company}"
        body = await self._call(COMPANY_INFO, "GET", url, auth=False)
        if body is None:
            raise UnknownCompany(f"ConnectWise knows no company {company!r} at {self.site}")
        if not isinstance(body, dict) or not isinstance(body.get("Codebase"), str):
            raise VendorUnavailable("ConnectWise's company info came without a Codebase")
        return body

    async def api_root(self) -> str:
        async with self._codebase_lock:
            if self._codebase is None:
                codebase = str((await self.company_info())["Codebase"]).strip("/")
                self._codebase = f"{self.site}/{codebase}/{API_ROOT}"
            return self._codebase

    async def get(self, path: str, item_id: int) -> dict[str, Any] | None:
        body = await self._api("GET", path, str(item_id), none_if_missing=True)
        return None if body is None else _object(body, f"GET {path}")

    async def create(self, path: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        return _object(await self._api("POST", path, json=dict(fields)), f"POST {path}")

    async def patch(
        self, path: str, item_id: int, operations: Sequence[Mapping[str, Any]]
    ) -> dict[str, Any]:
        body = await self._api("PATCH", path, str(item_id), json=[dict(o) for o in operations])
        return _object(body, f"PATCH {path}")

    async def delete(self, path: str, item_id: int) -> None:
        await self._api("DELETE", path, str(item_id))

    async def count(self, path: str, conditions: str | None = None) -> int:
        params = {"conditions": conditions} if conditions else None
        body = _object(await self._api("GET", path, "count", params=params), f"count {path}")
        count = body.get("count")
        if not isinstance(count, int):
            raise VendorUnavailable(f"ConnectWise answered the count of {path} without a count")
        return count

    async def first_page(
        self,
        path: str,
        *,
        conditions: str | None = None,
        child_conditions: str | None = None,
        order_by: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
        extra: Mapping[str, str] | None = None,
    ) -> Page:
        """The first page of a list; ``extra`` adds a list's own parameters (``recordType``)."""
        params: dict[str, str] = {"pageSize": str(min(page_size, MAX_PAGE_SIZE)), "page": "1"}
        params.update(extra or {})
        if conditions:
            params["conditions"] = conditions
        if child_conditions:
            params["childConditions"] = child_conditions
        if order_by:
            params["orderBy"] = order_by
        url = f"{await self.api_root()}/{path}"
        return await self._page(path, url, params)

    async def page_at(self, path: str, url: str) -> Page:
        """The page a ``Link`` gave (a pull's checkpoint): only on this site."""
        if _origin(url) != _origin(self.site):
            raise VendorRejected(
                f"refusing to follow a page link outside the ConnectWise site: {url}"
            )
        return await self._page(path, url, None)

    async def pages(self, path: str, **query: Any) -> AsyncIterator[Page]:
        page = await self.first_page(path, **query)
        while True:
            yield page
            if page.next_url is None:
                return
            page = await self.page_at(path, page.next_url)

    async def all(self, path: str, **query: Any) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        async for page in self.pages(path, **query):
            found.extend(page.items)
        return found

    async def by_name(self, kind: str, name: str, find: Callable[[], Awaitable[Any]]) -> Any:
        """What ``find`` answers for a name (a state's code, a country's id), asked once per
        client: a bulk push of organizations in one state asks ConnectWise once, not per
        organization. A refusal (no such name) is not kept, so a retry after a fix asks again."""
        key = (kind, name.strip().casefold())
        if key not in self._names:
            self._names[key] = await find()
        return self._names[key]

    async def lookup(self, path: str) -> list[dict[str, Any]]:
        """A look-up list (types, statuses, stages…), read once per client."""
        async with self._lookups_lock:
            if path not in self._lookups:
                self._lookups[path] = await self.all(path)
            return self._lookups[path]

    async def upload(
        self, fields: Mapping[str, str], file_name: str, content: bytes, media_type: str
    ) -> dict[str, Any]:
        """``POST /system/documents`` as multipart/form-data (JSON is refused, 415)."""
        url = f"{await self.api_root()}/system/documents"
        files = {"file": (file_name, content, media_type)}
        body = await self._call("system/documents", "POST", url, data=dict(fields), files=files)
        return _object(body, "POST system/documents")

    async def _page(self, path: str, url: str, params: Mapping[str, str] | None) -> Page:
        response = await self._send(path, "GET", url, params=params)
        body = decode(response, f"GET {path}")
        if not isinstance(body, list) or not all(
            isinstance(i, dict) and isinstance(i.get("id"), int) for i in body
        ):
            raise VendorUnavailable(
                f"ConnectWise answered GET {path} with something other than records"
            )
        match = _NEXT.search(response.headers.get("Link", ""))
        return Page(body, match.group(1) if match else None)

    async def _api(
        self,
        method: str,
        path: str,
        *parts: str,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        none_if_missing: bool = False,
    ) -> Any:
        url = "/".join([await self.api_root(), path, *parts])
        response = await self._send(path, method, url, json=json, params=params)
        if none_if_missing and response.status_code == 404 and "not found" in response.text.lower():
            return None
        if already_gone(method, response):
            return None
        if method == "DELETE" and response.is_success and not response.content:
            return None
        return decode(response, f"{method} {path}")

    async def _call(self, endpoint: str, method: str, url: str, **kwargs: Any) -> Any:
        auth = kwargs.pop("auth", True)
        response = await self._send(endpoint, method, url, auth=auth, **kwargs)
        if response.status_code == 200 and response.content.strip() == b"null":
            return None
        return decode(response, f"{method} {endpoint}")

    async def _send(
        self, endpoint: str, method: str, url: str, *, auth: bool = True, **kwargs: Any
    ) -> httpx.Response:
        headers = api_headers(self.connection.credentials) if auth else {}

        def send() -> Awaitable[httpx.Response]:
            return self._http.request(method, url, headers=headers, timeout=self._timeout, **kwargs)

        with credentials_masked(self.connection.credentials):
            return await exchange(
                send,
                limits=self._limits,
                key=LimitKey(self.connection.connection_id, endpoint),
                policy=CONNECTWISE_LIMITS,
                vendor="ConnectWise",
                what=f"{method} {endpoint}",
                timeout=self._timeout,
                default_retry_after=DEFAULT_RETRY_AFTER,
                limited_reason=lambda r: _message(_json(r)) or None,
            )


class ConnectWiseClients(PerConnection[ConnectWiseClient]):
    """One client (one codebase look-up, one look-up cache) per connection."""

    def __init__(
        self, limits: VendorLimits, *, http: httpx.AsyncClient | None = None, timeout: float = 10.0
    ) -> None:
        super().__init__(lambda c: ConnectWiseClient(c, limits, http=http, timeout=timeout))


def decode(response: httpx.Response, what: str) -> Any:
    """The JSON of a 2xx, or the port error its status and body stand for (INT-7)."""
    status = response.status_code
    body = _json(response)
    if 200 <= status < 300:
        if body is _NOT_JSON:
            raise VendorUnavailable(f"ConnectWise sent a malformed body for {what} (HTTP {status})")
        return body
    message = _message(body) or f"HTTP {status} {response.reason_phrase}"
    if status in (502, 503, 504, 408) or (status == 500 and "timeout" in message.lower()):
        raise VendorUnavailable(f"ConnectWise answered {what}: {message}", status=status)
    if status == 401:
        message = f"ConnectWise did not accept the keys: {message}"
    elif status == 403:
        message = f"ConnectWise refused {what} (a missing permission): {message}"
    raise VendorRejected(message, status=status)


def _message(body: object) -> str:
    """``message`` and each ``errors[].message``, as ConnectWise words them."""
    if not isinstance(body, dict):
        return ""
    parts = [str(body["message"])] if body.get("message") else []
    errors = body.get("errors")
    if isinstance(errors, list):
        parts += [str(e["message"]) for e in errors if isinstance(e, dict) and e.get("message")]
    return " / ".join(parts)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return _NOT_JSON


def _object(body: object, what: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise VendorUnavailable(f"ConnectWise answered {what} with something other than an object")
    return body


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()
