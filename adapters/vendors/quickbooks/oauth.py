"""Intuit OAuth 2 for one connection: the authorization-code grant that connects it, and an
access token refreshed from the refresh token.

Connecting (Intuit's documented flow): the admin's browser goes to the authorize page with
``client_id``, ``redirect_uri``, ``response_type=code``, ``scope`` and ``state``; Intuit sends it
back with ``code``, ``state`` and ``realmId``; the code is exchanged at the token endpoint with
the app's keys as HTTP Basic credentials for an access token (an hour) and a refresh token.

The access token lives in memory and is refreshed shortly before it expires, or at once when the
API refuses it. Intuit rotates refresh tokens and refuses a superseded one (``invalid_grant``):
every rotated one is kept back into the connection, sealed (INT-1), before it is used, so a
restart or another process starts from it; a process that finds its token superseded reads the
stored one and tries that, once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import structlog

from adapters.vendors.kit.exchange import retry_after, transport_errors
from adapters.vendors.quickbooks.settings import read_settings
from application.integrations.ports import (
    ConnectionConfig,
    IssuedCredentials,
    VendorRateLimited,
    VendorRejected,
    VendorUnavailable,
)

INTUIT_TOKEN_URL = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"  # noqa: S105
INTUIT_AUTHORIZE_URL = "https://appcenter.intuit.com/connect/oauth2"
TOKEN_PATH = "/oauth2/v1/tokens/bearer"  # noqa: S105 - a URL, not a secret
AUTHORIZE_PATH = "/connect/oauth2"
ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"
EXPIRY_MARGIN_SECONDS = 300.0  # refresh five minutes early: a call must not carry a dying token
DEFAULT_RETRY_AFTER = 60.0
RETIRED_KEPT = 64  # superseded refresh tokens remembered, to know a stale copy when one comes
CREDENTIAL_KEYS = ("realm_id", "client_id", "client_secret", "refresh_token")
ISSUED_KEYS = ("realm_id", "refresh_token")  # what Intuit gives when an admin authorizes
_EXCERPT = 200
log = structlog.get_logger(__name__)


def missing_credentials(connection: ConnectionConfig) -> list[str]:
    return [key for key in CREDENTIAL_KEYS if not connection.credentials.get(key)]


def _intuit(connection: ConnectionConfig) -> bool:
    host = (urlsplit(connection.base_url).hostname or "").lower()
    return host == "intuit.com" or host.endswith(".intuit.com")


def token_url(connection: ConnectionConfig) -> str:
    """Setting ``token_url``, else Intuit's for Intuit's API hosts, else beside the base URL.

    A base URL that is not Intuit's is a sandbox serving its own token endpoint.
    """
    configured = read_settings(connection.settings).token_url
    if configured is not None:
        return configured
    if _intuit(connection):
        return INTUIT_TOKEN_URL
    return f"{connection.base_url.rstrip('/')}{TOKEN_PATH}"


def authorize_url(connection: ConnectionConfig, *, redirect_uri: str, state: str) -> str:
    """Where the admin's browser asks Intuit for consent (the sandbox's page beside it)."""
    configured = read_settings(connection.settings).authorize_url
    if configured is None:
        configured = (
            INTUIT_AUTHORIZE_URL
            if _intuit(connection)
            else f"{connection.base_url.rstrip('/')}{AUTHORIZE_PATH}"
        )
    query = {
        "client_id": connection.credentials.get("client_id", ""),
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": ACCOUNTING_SCOPE,
        "state": state,
    }
    return f"{configured}?{urlencode(query)}"


async def exchange_code(
    connection: ConnectionConfig,
    http: httpx.AsyncClient,
    *,
    code: str,
    redirect_uri: str,
    timeout: float,  # noqa: ASYNC109 - the vendor call's own, passed to httpx
) -> dict[str, Any]:
    """``grant_type=authorization_code``: the code the callback got, for the first tokens."""
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    answer = await _token_call(connection, http, form, timeout, "the code exchange")
    refresh = answer.get("refresh_token")
    if not isinstance(refresh, str) or not refresh:
        raise VendorUnavailable("Intuit's token endpoint answered the code without a refresh token")
    return answer


async def _token_call(
    connection: ConnectionConfig,
    http: httpx.AsyncClient,
    form: Mapping[str, str],
    timeout: float,  # noqa: ASYNC109 - the vendor call's own, passed to httpx
    what: str,
) -> dict[str, Any]:
    credentials = connection.credentials
    with transport_errors("QuickBooks", what, timeout):
        response = await http.post(
            token_url(connection),
            data=dict(form),
            auth=(credentials.get("client_id", ""), credentials.get("client_secret", "")),
            headers={"Accept": "application/json"},
            timeout=timeout,
        )
    return _accepted(response, what)


def _accepted(response: httpx.Response, what: str) -> dict[str, Any]:
    status = response.status_code
    body = _json(response)
    if status == 429:
        raise VendorRateLimited(
            f"Intuit's token endpoint limited {what}",
            retry_after=retry_after(response, DEFAULT_RETRY_AFTER),
        )
    if status >= 500:
        raise VendorUnavailable(f"Intuit's token endpoint answered HTTP {status}", status=status)
    if status >= 400:
        raise OAuthRefused(body, response, what)
    token, expires_in = body.get("access_token"), body.get("expires_in")
    if not isinstance(token, str) or not token or not isinstance(expires_in, int | float):
        raise VendorUnavailable(
            f"Intuit's token endpoint sent a malformed answer: {response.text[:_EXCERPT]}"
        )
    return body


class OAuthRefused(VendorRejected):
    """An OAuth error of the token endpoint; ``error`` is its code (``invalid_grant``)."""

    def __init__(self, body: Mapping[str, Any], response: httpx.Response, what: str) -> None:
        error = body.get("error")
        self.error = error if isinstance(error, str) else ""
        super().__init__(_oauth_refusal(body, response, what), status=response.status_code)


@dataclass(frozen=True)
class _AccessToken:
    value: str
    expires_at: float


class OAuthTokens:
    """One connection's tokens, shared by its clients; concurrent callers share one refresh.

    ``store`` keeps rotated refresh tokens with the connection (None: in memory only).
    """

    def __init__(
        self,
        connection: ConnectionConfig,
        *,
        timeout: float,
        clock: Callable[[], float] = time.monotonic,
        store: IssuedCredentials | None = None,
    ) -> None:
        self._connection = connection
        self._timeout = timeout
        self._clock = clock
        self._store = store
        self._refresh_token = connection.credentials.get("refresh_token", "")
        self._stored = self._refresh_token  # the one the connection holds, as last seen
        self._unsaved: str | None = None  # rotated from this one, not stored yet
        self._retired: set[str] = set()  # superseded here: a caller's stale copy, not news
        self._access: _AccessToken | None = None
        self._lock = asyncio.Lock()
        self.refreshes = 0

    @property
    def refresh_token(self) -> str:
        """The newest refresh token Intuit gave."""
        return self._refresh_token

    def serves(self, connection: ConnectionConfig) -> bool:
        """The same app and company: its tokens are good for ``connection`` too."""
        keys = ("client_id", "client_secret", "realm_id")
        mine, theirs = self._connection, connection
        return all(mine.credentials.get(k) == theirs.credentials.get(k) for k in keys) and (
            token_url(mine) == token_url(theirs)
        )

    def seen(self, connection: ConnectionConfig) -> None:
        """The connection as loaded by a caller: a refresh token stored since by someone else
        (an admin authorized again, another process rotated it) replaces the one in memory;
        one this process rotated away from (a caller loaded before) changes nothing."""
        stored = connection.credentials.get("refresh_token", "")
        if stored and stored != self._stored and stored not in self._retired:
            self._retire(self._refresh_token)
            self._stored = self._refresh_token = stored
            self._access = None

    def _retire(self, token: str) -> None:
        self._retired.add(token)
        if len(self._retired) > RETIRED_KEPT:
            self._retired.pop()

    async def access_token(self, http: httpx.AsyncClient) -> str:
        async with self._lock:
            await self._save()
            access = self._access
            if access is None or self._clock() >= access.expires_at - EXPIRY_MARGIN_SECONDS:
                access = self._access = await self._refresh(http)
            return access.value

    async def refused(self, value: str) -> None:
        """The API answered 401 to ``value``: forget it, unless another call already did."""
        async with self._lock:
            if self._access is not None and self._access.value == value:
                self._access = None

    async def _refresh(self, http: httpx.AsyncClient) -> _AccessToken:
        try:
            answer = await self._grant(http)
        except OAuthRefused as refused:
            if refused.error != "invalid_grant" or not await self._stored_is_newer():
                raise
            answer = await self._grant(http)  # another process rotated it: theirs, once
        rotated = answer.get("refresh_token")
        if isinstance(rotated, str) and rotated and rotated != self._refresh_token:
            await self._keep(rotated)
        self.refreshes += 1
        return _AccessToken(answer["access_token"], self._clock() + float(answer["expires_in"]))

    async def _grant(self, http: httpx.AsyncClient) -> dict[str, Any]:
        form = {"grant_type": "refresh_token", "refresh_token": self._refresh_token}
        return await _token_call(self._connection, http, form, self._timeout, "the token refresh")

    async def _keep(self, rotated: str) -> None:
        """The rotated token, stored before anything uses it: the old one is dead already."""
        self._retire(self._refresh_token)
        self._unsaved, self._refresh_token = self._refresh_token, rotated
        await self._save()

    async def _save(self) -> None:
        """Store the rotated token unless the connection changed meanwhile (an admin authorized
        again); a failure to store is tried again on the next call, the token working meanwhile."""
        previous, connection = self._unsaved, self._connection
        if self._store is None or previous is None:
            return
        try:
            kept = await self._store.keep(
                connection.tenant_id,
                connection.connection_id,
                {"refresh_token": self._refresh_token},
                replacing={"refresh_token": previous},
            )
        except Exception as exc:  # kept on the next call
            log.warning("quickbooks_refresh_token_not_stored", error=type(exc).__name__)
            return
        self._unsaved = None
        if kept:
            self._stored = self._refresh_token

    async def _stored_is_newer(self) -> bool:
        if self._store is None:
            return False
        connection = self._connection
        stored = (await self._store.current(connection.tenant_id, connection.connection_id)).get(
            "refresh_token", ""
        )
        if not stored or stored == self._refresh_token or stored in self._retired:
            return False
        self._retire(self._refresh_token)
        self._stored = self._refresh_token = stored
        return True


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _oauth_refusal(body: Mapping[str, Any], response: httpx.Response, what: str) -> str:
    error = body.get("error")
    if not isinstance(error, str):
        return f"Intuit refused {what}: HTTP {response.status_code}"
    description = body.get("error_description")
    said = f"{error}: {description}" if isinstance(description, str) and description else error
    return f"Intuit refused {what} ({said}); reconnect QuickBooks to authorize again"
