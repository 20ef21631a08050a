"""The sandbox's Kaseya BMS sign-in: one API user of one tenant, access and refresh tokens that
expire (lifetimes are knobs, so tests can force a refresh), and the 401 of every API call that
comes without a live bearer token.

``/v2/security/authenticate`` takes the multipart form ``UserName``, ``Password``, ``Tenant``,
``GrantType=password``; ``/v2/security/refreshtoken`` takes ``AccessToken`` and ``RefreshToken``
(the pair it issued together) and answers a new pair, the old one revoked.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from adapters.sandboxes.kaseya_bms.schema import KaseyaRefusal

_BEARER = "bearer "


def iso(seconds: float) -> str:
    """POSIX seconds as Kaseya writes a UTC time: ``2026-03-01T12:00:00Z``."""
    text = datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")
    return text.replace("+00:00", "Z")


@dataclass(frozen=True)
class _Pair:
    access: str
    refresh: str
    access_until: float
    refresh_until: float


class SandboxTokens:
    """The tokens this sandbox issued; safe across threads."""

    def __init__(
        self,
        credentials: Mapping[str, str],
        *,
        access_seconds: float = 3600.0,
        refresh_seconds: float = 86_400.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._user = (
            credentials["tenant"].casefold(),
            credentials["username"].casefold(),
            credentials["password"],
        )
        self.access_seconds = access_seconds
        self.refresh_seconds = refresh_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._by_access: dict[str, _Pair] = {}
            self._by_refresh: dict[str, _Pair] = {}
            self._counts = {"authentications": 0, "refreshes": 0, "refused": 0}

    def authenticate(self, form: Mapping[str, str]) -> dict[str, Any]:
        """A new pair for the API user, or Kaseya's refusal of the sign-in."""
        if form.get("GrantType", "") != "password":
            raise KaseyaRefusal(400, f"The grant type {form.get('GrantType')!r} is not supported")
        given = (
            form.get("Tenant", "").casefold(),
            form.get("UserName", "").casefold(),
            form.get("Password", ""),
        )
        if not all(secrets.compare_digest(a, b) for a, b in zip(given, self._user, strict=True)):
            raise KaseyaRefusal(400, "Invalid tenant, username or password")
        with self._lock:
            self._counts["authentications"] += 1
            return self._issue()

    def refresh(self, form: Mapping[str, str]) -> dict[str, Any]:
        """A new pair for a live refresh token and the access token issued with it."""
        with self._lock:
            pair = self._by_refresh.get(form.get("RefreshToken", ""))
            if pair is None or pair.access != form.get("AccessToken"):
                raise KaseyaRefusal(401, "The refresh token is not valid")
            if pair.refresh_until <= self._clock():
                raise KaseyaRefusal(401, "The refresh token has expired")
            self._revoke(pair)
            self._counts["refreshes"] += 1
            return self._issue()

    def check(self, authorization: str) -> None:
        """Admit an API call carrying a live access token; else a 401 in the envelope."""
        token = authorization[len(_BEARER) :] if authorization.lower().startswith(_BEARER) else ""
        with self._lock:
            pair = self._by_access.get(token)
            if pair is not None and pair.access_until > self._clock():
                return
            self._counts["refused"] += 1
        raise KaseyaRefusal(401, "Unauthorized: the access token is missing, unknown or expired")

    def expire(self, *, refresh: bool = False) -> int:
        """Every access token (and with ``refresh`` every refresh token) expires now."""
        with self._lock:
            pairs = list(self._by_access.values())
            for pair in pairs:
                self._revoke(pair)
                until = 0.0 if refresh else pair.refresh_until
                self._keep(_Pair(pair.access, pair.refresh, 0.0, until))
            return len(pairs)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            live = sum(1 for p in self._by_access.values() if p.access_until > self._clock())
            return {**self._counts, "live_access_tokens": live}

    def _issue(self) -> dict[str, Any]:
        now = self._clock()
        pair = _Pair(
            f"eyJsandbox.{secrets.token_urlsafe(32)}",
            secrets.token_urlsafe(32),
            now + self.access_seconds,
            now + self.refresh_seconds,
        )
        self._keep(pair)
        return {
            "AccessToken": pair.access,
            "RefreshToken": pair.refresh,
            "AccessTokenExpireOn": iso(pair.access_until),
            "RefreshTokenExpireOn": iso(pair.refresh_until),
        }

    def _keep(self, pair: _Pair) -> None:
        self._by_access[pair.access] = pair
        self._by_refresh[pair.refresh] = pair

    def _revoke(self, pair: _Pair) -> None:
        self._by_access.pop(pair.access, None)
        self._by_refresh.pop(pair.refresh, None)
