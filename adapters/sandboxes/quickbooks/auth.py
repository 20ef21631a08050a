"""The sandbox's Intuit OAuth 2: the authorization-code grant and refresh tokens in, hour-long
access tokens out, one realm.

Like Intuit, the authorize page sends the browser back to the ``redirect_uri`` with a single-use
``code``, the ``state`` and the ``realmId``; the token endpoint exchanges a code (with the same
``redirect_uri``) or a refresh token and answers OAuth errors (``{"error": "invalid_grant"}``); a
refresh token superseded by a rotation is refused (``invalid_grant``). The API answers a missing,
unknown or expired token with a 401 AuthenticationFault (3200), and a token of another company
with a 403 AuthorizationFault (3100). Refresh tokens are signed with the sandbox's key, so one it
issued before a restart still works, as Intuit's do.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from adapters.sandboxes.quickbooks.schema import SandboxFault

REFRESH_TOKEN_SECONDS = 8_726_400  # 101 days, what Intuit announces
CODE_SECONDS = 300.0  # an authorization code is exchanged within minutes, once
ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"
SIGNING_KEY = b"q2c quickbooks sandbox"  # the sandbox's own, public: it guards nothing real
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
        self.client_id = client_id
        self._client = (client_id, client_secret)
        self._first_refresh_token = refresh_token
        self._access_seconds = access_seconds
        self._rotate = rotate_refresh_tokens
        self._clock = clock
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._superseded: set[str] = set()
            self._codes: dict[str, tuple[str, float]] = {}  # code → (redirect_uri, expires at)
            self._access: dict[str, float] = {}
            self._refreshes = 0
            self._refused = 0
            self._exchanged = 0
            self._used_refresh_tokens: list[str] = []

    def authorize(self, query: Mapping[str, str]) -> None:
        """What Intuit's authorize page checks before it asks the user for consent."""
        if query.get("client_id") != self.client_id:
            raise OAuthRefusal(400, "invalid_client", "client_id is not a known app")
        if query.get("response_type") != "code":
            raise OAuthRefusal(400, "unsupported_response_type", "response_type must be code")
        if ACCOUNTING_SCOPE not in query.get("scope", "").split():
            raise OAuthRefusal(400, "invalid_scope", f"scope must include {ACCOUNTING_SCOPE}")
        if not query.get("redirect_uri", "").startswith(("http://", "https://")):
            raise OAuthRefusal(400, "invalid_request", "redirect_uri must be an http(s) URL")
        if not query.get("state"):
            raise OAuthRefusal(400, "invalid_request", "state is required")

    def approve(self, redirect_uri: str) -> str:
        """The user consented: a single-use code bound to ``redirect_uri``."""
        code = f"AB11{secrets.token_urlsafe(32)}"
        with self._lock:
            self._codes[code] = (redirect_uri, self._clock() + CODE_SECONDS)
        return code

    def token(self, authorization: str, form: Mapping[str, Sequence[str]]) -> dict[str, Any]:
        """The token endpoint: ``authorization_code`` or ``refresh_token`` grants."""
        if _basic(authorization) != self._client:
            raise OAuthRefusal(401, "invalid_client")
        grant = _one(form, "grant_type")
        if grant == "authorization_code":
            return self._exchange(_one(form, "code"), _one(form, "redirect_uri"))
        if grant == "refresh_token":
            return self.refresh(_one(form, "refresh_token"))
        raise OAuthRefusal(400, "unsupported_grant_type")

    def _exchange(self, code: str, redirect_uri: str) -> dict[str, Any]:
        with self._lock:
            found = self._codes.pop(code, None)  # single use, even when refused below
            if found is None or found[1] <= self._clock():
                raise OAuthRefusal(400, "invalid_grant", "Invalid or expired authorization code")
            if found[0] != redirect_uri:
                raise OAuthRefusal(400, "invalid_grant", "redirect_uri does not match")
            self._exchanged += 1
            return self._issue(self._new_refresh_token())

    def refresh(self, presented: str) -> dict[str, Any]:
        """``grant_type=refresh_token``: a new access token, and maybe a new refresh token;
        the one presented is then superseded, and refused from now on."""
        with self._lock:
            if not self._live(presented):
                raise OAuthRefusal(400, "invalid_grant", "Token has been expired or revoked.")
            self._used_refresh_tokens.append(presented)
            refresh_token = presented
            if self._rotate:
                refresh_token = self._new_refresh_token()
                self._superseded.add(presented)
            self._refreshes += 1
            return self._issue(refresh_token)

    def _issue(self, refresh_token: str) -> dict[str, Any]:
        access = f"eyJsandbox.{secrets.token_urlsafe(32)}"
        self._access[access] = self._clock() + self._access_seconds
        return {
            "token_type": "bearer",
            "access_token": access,
            "expires_in": self._access_seconds,
            "refresh_token": refresh_token,
            "x_refresh_token_expires_in": REFRESH_TOKEN_SECONDS,
        }

    def _live(self, token: str) -> bool:
        if not token or token in self._superseded:
            return False
        return token == self._first_refresh_token or _signed(token)

    def _new_refresh_token(self) -> str:
        nonce = secrets.token_urlsafe(18)
        return f"RT1-{nonce}.{_mac(nonce)}"

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
                "superseded": len(self._superseded),
                "codes_exchanged": self._exchanged,
            }


def _mac(nonce: str) -> str:
    return hmac.new(SIGNING_KEY, nonce.encode(), hashlib.sha256).hexdigest()[:24]


def _signed(token: str) -> bool:
    """A refresh token this sandbox issued (before a restart, too)."""
    nonce, _, mac = token.removeprefix("RT1-").rpartition(".")
    return token.startswith("RT1-") and bool(nonce) and hmac.compare_digest(mac, _mac(nonce))


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
