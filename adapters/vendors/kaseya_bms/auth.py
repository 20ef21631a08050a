"""Kaseya BMS tokens for one connection: signed in with the API user, refreshed before expiry.

``POST /v2/security/authenticate`` (multipart: UserName, Password, Tenant, GrantType=password)
answers an access token and a refresh token, each with its expiry. The access token is used until
shortly before it expires, then renewed at ``/v2/security/refreshtoken``; a refresh token that is
expired or refused means signing in again. A 401 makes the client forget the token it sent
(``refused``), so the next call refreshes once. One lock per connection: concurrent callers share
one refresh. Tokens live in memory only and never appear in a repr, a log or a message.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from adapters.vendors.kaseya_bms.contract import AUTHENTICATE, REFRESH_TOKEN, Operation
from application.integrations.ports import VendorRejected, VendorUnavailable

CREDENTIAL_KEYS = ("tenant", "username", "password")
EXPIRY_MARGIN_SECONDS = 60.0  # renew a minute early: a call must not carry a dying token
MARGIN_SHARE = 0.1  # ...or a tenth of a short lifetime, whichever is less
GRANT_TYPE = "password"

# Posts a multipart form to a token operation; answers the envelope's Result.
PostForm = Callable[[Operation, Mapping[str, str]], Awaitable[Any]]


def missing_credentials(credentials: Mapping[str, str]) -> list[str]:
    return [key for key in CREDENTIAL_KEYS if not credentials.get(key)]


@dataclass(frozen=True)
class _Tokens:
    access: str = field(repr=False)
    refresh: str = field(repr=False)
    access_until: float  # the clock's seconds at which to stop using the access token
    refresh_until: float


class KaseyaTokens:
    """One connection's access and refresh tokens; ``authentications`` and ``refreshes`` count
    what it asked Kaseya (tests read them)."""

    def __init__(
        self,
        credentials: Mapping[str, str],
        post_form: PostForm,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._credentials = credentials
        self._post_form = post_form
        self._clock = clock
        self._tokens: _Tokens | None = None
        self._lock = asyncio.Lock()
        self.authentications = 0
        self.refreshes = 0

    def __repr__(self) -> str:
        return f"KaseyaTokens(user={self._credentials.get('username', '')!r})"

    async def access_token(self) -> str:
        """A live access token: the one held, a refreshed one, or one from signing in."""
        async with self._lock:
            tokens = self._tokens
            if tokens is None or self._clock() >= tokens.access_until:
                tokens = self._tokens = await self._renew(tokens)
            return tokens.access

    async def refused(self, access: str) -> None:
        """Kaseya answered 401 to ``access``: refresh before the next call (unless done)."""
        async with self._lock:
            tokens = self._tokens
            if tokens is not None and tokens.access == access:
                self._tokens = _Tokens(tokens.access, tokens.refresh, 0.0, tokens.refresh_until)

    async def _renew(self, tokens: _Tokens | None) -> _Tokens:
        if tokens is not None and self._clock() < tokens.refresh_until:
            try:
                return await self._refresh(tokens)
            except VendorRejected:
                pass  # the refresh token was refused (revoked, rotated away): sign in again
        return await self._authenticate()

    async def _authenticate(self) -> _Tokens:
        form = {
            "UserName": self._credentials.get("username", ""),
            "Password": self._credentials.get("password", ""),
            "Tenant": self._credentials.get("tenant", ""),
            "GrantType": GRANT_TYPE,
        }
        tokens = self._accept(await self._post_form(AUTHENTICATE, form), "sign-in")
        self.authentications += 1
        return tokens

    async def _refresh(self, tokens: _Tokens) -> _Tokens:
        form = {"AccessToken": tokens.access, "RefreshToken": tokens.refresh}
        renewed = self._accept(await self._post_form(REFRESH_TOKEN, form), "token refresh")
        self.refreshes += 1
        return renewed

    def _accept(self, result: Any, what: str) -> _Tokens:
        if not isinstance(result, Mapping):
            raise VendorUnavailable(f"Kaseya BMS answered the {what} without tokens")
        access, refresh = result.get("AccessToken"), result.get("RefreshToken")
        if not isinstance(access, str) or not access or not isinstance(refresh, str):
            raise VendorUnavailable(f"Kaseya BMS answered the {what} without an access token")
        now = self._clock()
        access_expiry = _timestamp(result.get("AccessTokenExpireOn"), what)
        refresh_expiry = _timestamp(result.get("RefreshTokenExpireOn"), what)
        margin = min(EXPIRY_MARGIN_SECONDS, max(access_expiry - now, 0.0) * MARGIN_SHARE)
        return _Tokens(access, refresh, access_expiry - margin, refresh_expiry - margin)


def _timestamp(value: object, what: str) -> float:
    """An expiry of the answer (ISO 8601; naive times are UTC) as POSIX seconds."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise VendorUnavailable(f"Kaseya BMS answered the {what} with a bad expiry") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
