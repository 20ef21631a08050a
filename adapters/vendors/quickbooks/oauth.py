"""Intuit OAuth 2 for one connection: an access token refreshed from the refresh token.

The access token lives an hour; it is kept in memory and refreshed shortly before it expires,
or at once when the API refuses it. Intuit rotates refresh tokens: the newest is kept here, in
memory only, so a restart falls back to the one stored with the connection.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from adapters.vendors.kit.exchange import retry_after, transport_errors
from adapters.vendors.quickbooks.settings import read_settings
from application.integrations.ports import (
    ConnectionConfig,
    VendorRateLimited,
    VendorRejected,
    VendorUnavailable,
)

INTUIT_TOKEN_URL = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"  # noqa: S105
TOKEN_PATH = "/oauth2/v1/tokens/bearer"  # noqa: S105 - a URL, not a secret
EXPIRY_MARGIN_SECONDS = 300.0  # refresh five minutes early: a call must not carry a dying token
DEFAULT_RETRY_AFTER = 60.0
CREDENTIAL_KEYS = ("realm_id", "client_id", "client_secret", "refresh_token")
_EXCERPT = 200


def missing_credentials(connection: ConnectionConfig) -> list[str]:
    return [key for key in CREDENTIAL_KEYS if not connection.credentials.get(key)]


def token_url(connection: ConnectionConfig) -> str:
    """Setting ``token_url``, else Intuit's for Intuit's API hosts, else beside the base URL.

    A base URL that is not Intuit's is a sandbox serving its own token endpoint.
    """
    configured = read_settings(connection.settings).token_url
    if configured is not None:
        return configured
    host = (urlsplit(connection.base_url).hostname or "").lower()
    if host == "intuit.com" or host.endswith(".intuit.com"):
        return INTUIT_TOKEN_URL
    return f"{connection.base_url.rstrip('/')}{TOKEN_PATH}"


@dataclass(frozen=True)
class _AccessToken:
    value: str
    expires_at: float


class OAuthTokens:
    """One connection's tokens; concurrent callers share one refresh."""

    def __init__(
        self,
        connection: ConnectionConfig,
        http: httpx.AsyncClient,
        *,
        timeout: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._connection = connection
        self._http = http
        self._timeout = timeout
        self._clock = clock
        self._refresh_token = connection.credentials.get("refresh_token", "")
        self._access: _AccessToken | None = None
        self._lock = asyncio.Lock()
        self.refreshes = 0

    @property
    def refresh_token(self) -> str:
        """The newest refresh token Intuit gave (to be stored durably by whoever can)."""
        return self._refresh_token

    async def access_token(self) -> str:
        async with self._lock:
            access = self._access
            if access is None or self._clock() >= access.expires_at - EXPIRY_MARGIN_SECONDS:
                access = self._access = await self._refresh()
            return access.value

    async def refused(self, value: str) -> None:
        """The API answered 401 to ``value``: forget it, unless another call already did."""
        async with self._lock:
            if self._access is not None and self._access.value == value:
                self._access = None

    async def _refresh(self) -> _AccessToken:
        credentials = self._connection.credentials
        form = {"grant_type": "refresh_token", "refresh_token": self._refresh_token}
        with transport_errors("QuickBooks", "the token refresh", self._timeout):
            response = await self._http.post(
                token_url(self._connection),
                data=form,
                auth=(credentials.get("client_id", ""), credentials.get("client_secret", "")),
                headers={"Accept": "application/json"},
                timeout=self._timeout,
            )
        return self._accept(response)

    def _accept(self, response: httpx.Response) -> _AccessToken:
        status = response.status_code
        body = _json(response)
        if status == 429:
            raise VendorRateLimited(
                "Intuit's token endpoint limited the refresh",
                retry_after=retry_after(response, DEFAULT_RETRY_AFTER),
            )
        if status >= 500:
            raise VendorUnavailable(
                f"Intuit's token endpoint answered HTTP {status}", status=status
            )
        if status >= 400:
            raise VendorRejected(_oauth_refusal(body, response), status=status)
        token, expires_in = body.get("access_token"), body.get("expires_in")
        if not isinstance(token, str) or not token or not isinstance(expires_in, int | float):
            raise VendorUnavailable(
                f"Intuit's token endpoint sent a malformed answer: {response.text[:_EXCERPT]}"
            )
        rotated = body.get("refresh_token")
        if isinstance(rotated, str) and rotated:
            self._refresh_token = rotated
        self.refreshes += 1
        return _AccessToken(token, self._clock() + float(expires_in))


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _oauth_refusal(body: dict[str, Any], response: httpx.Response) -> str:
    error = body.get("error")
    if not isinstance(error, str):
        return f"Intuit refused the token refresh: HTTP {response.status_code}"
    description = body.get("error_description")
    said = f"{error}: {description}" if isinstance(description, str) and description else error
    return f"Intuit refused the token refresh ({said}); reconnect QuickBooks to authorize again"
