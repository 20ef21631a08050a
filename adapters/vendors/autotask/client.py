"""Autotask REST over httpx for one connection: zone look-up, auth headers, paging, errors.

Every call goes through the shared vendor limits (AT-10); errors leave as port errors so the
worker can retry, wait or record a sync error with the vendor's words (INT-6, INT-7).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard
from urllib.parse import urlsplit

import httpx

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

# Autotask: 3 concurrent calls per endpoint, 10,000 requests per rolling hour (AT-10).
AUTOTASK_LIMITS = VendorLimitPolicy(
    concurrent_per_endpoint=3, requests_per_window=10_000, window_seconds=3600
)
MAX_RECORDS = 500
ZONE_ENDPOINT = "zoneInformation"
_NOT_JSON = object()
# What Autotask's errors say when its database was busy, not when the request was wrong.
_TRANSIENT = re.compile(r"time(d)?[ -]?out|timed out|deadlock", re.IGNORECASE)


@dataclass(frozen=True)
class QueryPage:
    items: list[dict[str, Any]]
    next_page_url: str | None


class AutotaskClient(VendorHttp):
    """One connection's calls; owns its httpx client unless one is given. No transport retries."""

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
        self._zone: str | None = None
        self._zone_lock = asyncio.Lock()
        self._fields: dict[str, list[dict[str, Any]]] = {}
        self._fields_lock = asyncio.Lock()
        self._remembered: dict[str, Any] = {}
        self._remember_lock = asyncio.Lock()

    async def zone_url(self) -> str:
        """The API base of this user's zone (``…/atservicesrest/``), asked once per client."""
        async with self._zone_lock:
            if self._zone is None:
                self._zone = await self._lookup_zone()
            return self._zone

    async def get(self, entity: str, item_id: int) -> dict[str, Any] | None:
        body = await self._call(entity, "GET", await self._url(entity, str(item_id)))
        item = _dict(body, f"GET {entity}").get("item", _NOT_JSON)
        if item is None or isinstance(item, dict):
            return item
        raise VendorUnavailable(f"Autotask answered GET {entity}/{item_id} without an item")

    async def create(self, entity: str, fields: Mapping[str, Any]) -> int:
        body = await self._call(entity, "POST", await self._url(entity), json=dict(fields))
        return _item_id(body, f"POST {entity}")

    async def update(self, entity: str, item_id: int, fields: Mapping[str, Any]) -> int:
        payload = {"id": item_id, **fields}
        body = await self._call(entity, "PATCH", await self._url(entity), json=payload)
        return _item_id(body, f"PATCH {entity}")

    async def delete(self, entity: str, item_id: int) -> None:
        await self._call(entity, "DELETE", await self._url(entity, str(item_id)))

    async def create_child(
        self, parent: str, parent_id: int, child: str, fields: Mapping[str, Any]
    ) -> int:
        """``POST /{Parent}/{parentId}/{Child}``: a Contact, QuoteItem or attachment."""
        url = await self._url(parent, str(parent_id), child)
        body = await self._call(parent, "POST", url, json=dict(fields))
        return _item_id(body, f"POST {parent}/{child}")

    async def update_child(
        self, parent: str, parent_id: int, child: str, item_id: int, fields: Mapping[str, Any]
    ) -> int:
        url = await self._url(parent, str(parent_id), child)
        body = await self._call(parent, "PATCH", url, json={"id": item_id, **fields})
        return _item_id(body, f"PATCH {parent}/{child}")

    async def delete_child(self, parent: str, parent_id: int, child: str, item_id: int) -> None:
        url = await self._url(parent, str(parent_id), child, str(item_id))
        await self._call(parent, "DELETE", url)

    async def entity_fields(self, entity: str) -> list[dict[str, Any]]:
        url = await self._url(entity, "entityInformation", "fields")
        fields = _dict(await self._call(entity, "GET", url), f"GET {entity} fields").get("fields")
        if not isinstance(fields, list):
            raise VendorUnavailable(f"Autotask answered {entity} field information without fields")
        return fields

    async def udf_fields(self, entity: str) -> list[dict[str, Any]]:
        """``GET /{Entity}/entityInformation/userDefinedFields``: the instance's UDFs."""
        url = await self._url(entity, "entityInformation", "userDefinedFields")
        answer = _dict(await self._call(entity, "GET", url), f"GET {entity} user-defined fields")
        fields = answer.get("fields")
        if not isinstance(fields, list):
            raise VendorUnavailable(
                f"Autotask answered {entity} user-defined fields without fields"
            )
        return [f for f in fields if isinstance(f, dict)]

    async def fields_of(self, entity: str) -> list[dict[str, Any]]:
        """``entity_fields``, asked once per client: picklists are per instance, not per call."""
        async with self._fields_lock:
            if entity not in self._fields:
                self._fields[entity] = await self.entity_fields(entity)
            return self._fields[entity]

    async def remember(self, key: str, make: Callable[[], Awaitable[Any]]) -> Any:
        """What ``make`` answers, asked once per client (an instance fact: the API user's
        resource); a failure is not remembered."""
        async with self._remember_lock:
            if key not in self._remembered:
                self._remembered[key] = await make()
            return self._remembered[key]

    async def query(
        self,
        entity: str,
        filter: Sequence[Mapping[str, Any]],
        max_records: int = MAX_RECORDS,
        *,
        start_url: str | None = None,
    ) -> AsyncIterator[QueryPage]:
        """Pages of a query; each next page is a POST of the same body to ``nextPageUrl``.

        ``start_url`` resumes at a page URL an earlier run gave (a pull's checkpoint).
        """
        body = {"filter": [dict(f) for f in filter], "MaxRecords": min(max_records, MAX_RECORDS)}
        url: str | None = start_url
        while True:
            page = await self.query_page(entity, body, url)
            yield page
            if page.next_page_url is None:
                return
            url = page.next_page_url

    async def query_page(
        self, entity: str, body: Mapping[str, Any], url: str | None = None
    ) -> QueryPage:
        zone = await self.zone_url()
        if url is None:
            url = await self._url(entity, "query")
        elif _origin(url) != _origin(zone):
            raise VendorRejected(f"refusing to follow a page URL outside the Autotask zone: {url}")
        answer = _dict(await self._call(entity, "POST", url, json=dict(body)), f"query {entity}")
        items, details = answer.get("items"), answer.get("pageDetails")
        if not isinstance(items, list) or not isinstance(details, dict):
            raise VendorUnavailable(
                f"Autotask answered a {entity} query without items or pageDetails"
            )
        if not all(isinstance(item, dict) and _is_id(item.get("id")) for item in items):
            raise VendorUnavailable(f"Autotask answered a {entity} query with an item without id")
        next_url = details.get("nextPageUrl")
        return QueryPage(items, next_url if isinstance(next_url, str) and next_url else None)

    async def _lookup_zone(self) -> str:
        url = f"{self.connection.base_url.rstrip('/')}/atservicesrest/v1.0/zoneInformation"
        user = self.connection.credentials.get("username", "")
        body = await self._call(ZONE_ENDPOINT, "GET", url, params={"user": user}, auth=False)
        zone = _dict(body, "zone look-up").get("url")
        if not isinstance(zone, str) or not zone.startswith(("http://", "https://")):
            raise VendorUnavailable("Autotask's zone look-up gave no API URL")
        return zone if zone.endswith("/") else f"{zone}/"

    async def _url(self, entity: str, *parts: str) -> str:
        return f"{await self.zone_url()}v1.0/{'/'.join([entity, *parts])}"

    def _headers(self) -> dict[str, str]:
        credentials = self.connection.credentials
        headers = {
            "ApiIntegrationCode": credentials.get("integration_code", ""),
            "UserName": credentials.get("username", ""),
            "Secret": credentials.get("secret", ""),
        }
        if credentials.get("impersonation_resource_id"):
            headers["ImpersonationResourceId"] = credentials["impersonation_resource_id"]
        return headers

    async def _call(
        self,
        endpoint: str,
        method: str,
        url: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        auth: bool = True,
    ) -> Any:
        what = f"{method} {endpoint}"
        headers = self._headers() if auth else {}

        def send() -> Awaitable[httpx.Response]:
            return self._http.request(
                method, url, json=json, params=params, headers=headers, timeout=self._timeout
            )

        with credentials_masked(self.connection.credentials):
            response = await exchange(
                send,
                limits=self._limits,
                key=LimitKey(self.connection.connection_id, endpoint),
                policy=AUTOTASK_LIMITS,
                vendor="Autotask",
                what=what,
                timeout=self._timeout,
                limited_reason=lambda r: " / ".join(_errors(_json(r))) or None,
            )
            if already_gone(method, response):
                return None
            if method == "DELETE" and response.is_success and not response.content:
                return None  # a delete may answer with no body
            return decode(response, what)


class AutotaskClients(PerConnection[AutotaskClient]):
    """One AutotaskClient (and so one zone look-up and one field cache) per connection."""

    def __init__(
        self,
        limits: VendorLimits,
        *,
        http: httpx.AsyncClient | None = None,
        timeout: float = 10.0,
    ) -> None:
        super().__init__(lambda c: AutotaskClient(c, limits, http=http, timeout=timeout))


def decode(response: httpx.Response, what: str) -> Any:
    """The JSON of a 2xx, or the port error a status and body stand for (INT-7).

    ``{"errors": [...]}`` with a 4xx or a 500 is the vendor refusing (Autotask reports validation
    as 500), with the vendor's words; but a 500 whose errors tell of a timeout or a deadlock
    (its database under load) is transient, as are other 5xx, non-JSON and malformed bodies. A
    4xx is permanent.
    """
    status = response.status_code
    body = _json(response)
    if 200 <= status < 300:
        if body is _NOT_JSON:
            raise VendorUnavailable(f"Autotask sent a malformed body for {what} (HTTP {status})")
        return body
    errors = _errors(body)
    if errors and status == 500 and any(_TRANSIENT.search(e) for e in errors):
        raise VendorUnavailable(" / ".join(errors), status=status)  # retried (INT-6)
    if errors and (400 <= status < 500 or status == 500):
        raise VendorRejected(" / ".join(errors), status=status)
    if 400 <= status < 500 and status != 408:
        raise VendorRejected(
            f"Autotask refused {what}: HTTP {status} {response.reason_phrase}", status=status
        )
    raise VendorUnavailable(
        f"Autotask answered {what} with HTTP {status} {response.reason_phrase}", status=status
    )


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return _NOT_JSON


def _errors(body: object) -> list[str]:
    errors = body.get("errors") if isinstance(body, dict) else None
    return [str(e) for e in errors] if isinstance(errors, list) else []


def _dict(body: object, what: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise VendorUnavailable(f"Autotask answered {what} with something other than an object")
    return body


def _item_id(body: object, what: str) -> int:
    item_id = _dict(body, what).get("itemId")
    if not _is_id(item_id):
        raise VendorUnavailable(f"Autotask answered {what} without an itemId")
    return item_id


def _is_id(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()
