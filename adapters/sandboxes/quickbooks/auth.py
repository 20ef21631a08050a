"""The sandbox's Intuit OAuth 2: refresh tokens in, hour-long access tokens out, one realm.

Like Intuit, the token endpoint answers OAuth errors (``{"error": "invalid_grant"}``) and the
API answers a missing, unknown or expired token with a 401 AuthenticationFault (3200), and a
token of another company with a 403 AuthorizationFault (3100).
"""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from adapters.sandboxes.quickbooks.schema import SandboxFault

REFRESH_TOKEN_SECONDS = 8_726_400  # 101 days, what Intuit announces
_BEARER = "bearer "


class OAuthRefusal(Exception):
    """An OAuth error of the token endpoint: ``{"error": ..., "error_description": ...}``."""

    def __init__(self, status: int, error: str, description: str = "") -> None:
        super().__init__(f"{error}: {description}")
        self.status = status
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        body = {"error": self.error}
        if self.description:
            body["error_description"] = self.description
        return body


class SandboxTokens:
    """The tokens this sandbox issued; safe across threads."""

    def __init__(
        self,
        *,
        realm_id: str,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        access_seconds: int = 3600,
        rotate_refresh_tokens: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.realm_id = realm_id
        self._client = (client_id, client_secret)
        self._first_refresh_token = refresh_token
        self._access_seconds = access_seconds
        self._rotate = rotate_refresh_tokens
        self._clock = clock
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            # The connection's stored refresh token keeps working: the hub keeps rotated ones
            # in memory only, so a restart comes back with it.
            self._refresh_tokens = {self._first_refresh_token}
            self._access: dict[str, float] = {}
            self._refreshes = 0
            self._refused = 0
            self._used_refresh_tokens: list[str] = []

    def refresh(self, authorization: str, form: Mapping[str, Sequence[str]]) -> dict[str, Any]:
        """``grant_type=refresh_token``: a new access token, and maybe a new refresh token."""
        if _basic(authorization) != self._client:
            raise OAuthRefusal(401, "invalid_client")
        if _one(form, "grant_type") != "refresh_token":
            raise OAuthRefusal(400, "unsupported_grant_type")
        presented = _one(form, "refresh_token")
        with self._lock:
            if presented not in self._refresh_tokens:
                raise OAuthRefusal(400, "invalid_grant", "Incorrect or invalid refresh token")
            self._used_refresh_tokens.append(presented)
            refresh_token = presented
            if self._rotate:
                refresh_token = f"RT1-{secrets.token_urlsafe(24)}"
                self._refresh_tokens.add(refresh_token)
            access = f"eyJsandbox.{secrets.token_urlsafe(32)}"
            self._access[access] = self._clock() + self._access_seconds
            self._refreshes += 1
        return {
            "token_type": "bearer",
            "access_token": access,
            "expires_in": self._access_seconds,
            "refresh_token": refresh_token,
            "x_refresh_token_expires_in": REFRESH_TOKEN_SECONDS,
        }

    def check(self, authorization: str, realm_id: str) -> None:
        """Admit an API call carrying a live token for this realm, or refuse it as QBO does."""
        token = authorization[len(_BEARER) :] if authorization.lower().startswith(_BEARER) else ""
        with self._lock:
            expires_at = self._access.get(token)
            if expires_at is None or expires_at <= self._clock():
                self._refused += 1
                raise SandboxFault(
                    "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                    "",
                    "3200",
                    status=401,
                    kind="AuthenticationFault",
                )
        if realm_id != self.realm_id:
            raise SandboxFault(
                "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403",
                "",
                "3100",
                status=403,
                kind="AuthorizationFault",
            )

    def expire_all(self) -> int:
        """Every access token expires now (as after an hour): the next call gets a 401."""
        with self._lock:
            count = len(self._access)
            self._access = dict.fromkeys(self._access, 0.0)
            return count

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "refreshes": self._refreshes,
                "refused": self._refused,
                "refresh_tokens_used": list(self._used_refresh_tokens),
            }


def _basic(authorization: str) -> tuple[str, str] | None:
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


def _one(form: Mapping[str, Sequence[str]], name: str) -> str:
    values = form.get(name) or [""]
    return values[0]
