"""Connecting QuickBooks: Intuit's authorization-code grant, as the hub's Authorizer port.

The hub sends the admin's browser to ``authorize_url``; Intuit sends it back to the hub's
callback with ``code``, ``state`` and ``realmId``; ``exchange`` trades the code for the tokens
the connection keeps, sealed (INT-1): the company's realm id and the refresh token.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from adapters.vendors.kit.exchange import http_client
from adapters.vendors.quickbooks.oauth import authorize_url, exchange_code
from adapters.vendors.quickbooks.settings import read_settings
from application.integrations.ports import ConnectionConfig, VendorRejected


class QuickBooksAuthorizer:
    """Intuit's OAuth 2 authorization-code flow for one connection at a time."""

    def __init__(self, *, http: httpx.AsyncClient | None = None, timeout: float = 10.0) -> None:
        self._http = http
        self._timeout = timeout

    def redirect_uri(self, connection: ConnectionConfig, default: str) -> str:
        """The setting ``redirect_uri`` (as registered with Intuit), else the hub's callback."""
        return read_settings(connection.settings).redirect_uri or default

    def authorize_url(self, connection: ConnectionConfig, *, redirect_uri: str, state: str) -> str:
        return authorize_url(connection, redirect_uri=redirect_uri, state=state)

    async def exchange(
        self, connection: ConnectionConfig, *, redirect_uri: str, answer: Mapping[str, str]
    ) -> dict[str, str]:
        """The callback's ``code`` and ``realmId`` for what the connection keeps."""
        error = answer.get("error")
        if error:
            raise VendorRejected(f"Intuit did not authorize the hub: {error}")
        code, realm_id = answer.get("code", ""), answer.get("realmId", "")
        if not code or not realm_id:
            missing = "code" if not code else "realmId"
            raise VendorRejected(f"Intuit's answer to the authorization lacks {missing}")
        if self._http is not None:
            tokens = await self._exchange(connection, self._http, code, redirect_uri)
        else:
            async with http_client() as http:
                tokens = await self._exchange(connection, http, code, redirect_uri)
        return {"realm_id": realm_id, "refresh_token": tokens}

    async def _exchange(
        self, connection: ConnectionConfig, http: httpx.AsyncClient, code: str, redirect_uri: str
    ) -> str:
        answer = await exchange_code(
            connection, http, code=code, redirect_uri=redirect_uri, timeout=self._timeout
        )
        return str(answer["refresh_token"])
