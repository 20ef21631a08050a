"""A tenant's connection to an external system (INT-1..3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, NewType
from uuid import UUID

from domain.identity.tenant import TenantId
from domain.shared.errors import DomainError, InvalidValue
from domain.shared.events import Aggregate
from domain.shared.text import required_text

ConnectionId = NewType("ConnectionId", UUID)


class Family(StrEnum):
    PSA = "psa"
    ACCOUNTING = "accounting"
    PAYMENTS = "payments"


class System(StrEnum):
    CONNECTWISE = "connectwise"
    AUTOTASK = "autotask"
    KASEYA_BMS = "kaseya_bms"
    QUICKBOOKS = "quickbooks"
    BNG = "bng"

    @property
    def family(self) -> Family:
        return {
            System.CONNECTWISE: Family.PSA,
            System.AUTOTASK: Family.PSA,
            System.KASEYA_BMS: Family.PSA,
            System.QUICKBOOKS: Family.ACCOUNTING,
            System.BNG: Family.PAYMENTS,
        }[self]


class ConnectionStatus(StrEnum):
    UNTESTED = "untested"
    CONNECTED = "connected"
    FAILING = "failing"


# The credential fields each system needs (INT-1); values are sealed by the vault.
REQUIRED_CREDENTIALS: dict[System, tuple[str, ...]] = {
    System.CONNECTWISE: ("company_id", "public_key", "private_key", "client_id"),
    System.AUTOTASK: ("username", "secret", "integration_code"),
    System.KASEYA_BMS: ("tenant", "username", "password"),
    System.QUICKBOOKS: ("client_id", "client_secret"),
    System.BNG: ("security_key",),
}
# What a system issues when an admin authorizes the hub on its own page (OAuth 2): never taken
# from a person, kept sealed with the credentials; connections made before keep theirs.
ISSUED_CREDENTIALS: dict[System, tuple[str, ...]] = {
    System.QUICKBOOKS: ("realm_id", "refresh_token", "access_token"),
}
# An authorization under way (its state's hash, expiry and redirect URI), kept sealed too.
PENDING_AUTHORIZATION = ("authorization_state", "authorization_expires_at", "authorization_uri")


@dataclass(frozen=True)
class SealedCredentials:
    """Encrypted credentials and their masked view; the plaintext never lives here."""

    ciphertext: bytes
    masked: dict[str, str]


def mask(value: str) -> str:
    """At most the last four characters show (INT-1)."""
    return "****" + value[-4:] if len(value) > 8 else "****"


# A system's callbacks carry this credential in their URL (CW-8): long enough not to be guessed,
# short enough for the route that reads it.
CALLBACK_KEY = "callback_key"
CALLBACK_KEY_LENGTH = (24, 200)


def check_credentials(system: System, credentials: dict[str, str]) -> None:
    """What a person gives: the system's required fields, none of what the system issues."""
    issued = (*ISSUED_CREDENTIALS.get(system, ()), *PENDING_AUTHORIZATION)
    given = [k for k in issued if k in credentials]
    if given:
        raise InvalidValue(
            f"{system} issues {given[0]} when an admin authorizes the hub on its page "
            "(POST /v1/connections/{id}/authorize): it is not entered",
            rule="INT-1",
            field=f"credentials.{given[0]}",
        )
    missing = [k for k in REQUIRED_CREDENTIALS[system] if not credentials.get(k, "").strip()]
    if missing:
        raise InvalidValue(
            f"{system} needs {', '.join(missing)}", rule="INT-1", field=f"credentials.{missing[0]}"
        )
    key = credentials.get(CALLBACK_KEY)
    if key is not None and not CALLBACK_KEY_LENGTH[0] <= len(key) <= CALLBACK_KEY_LENGTH[1]:
        low, high = CALLBACK_KEY_LENGTH
        raise InvalidValue(
            f"a callback key is {low} to {high} characters: it is all that guards the "
            "callback URL, and the URL carries it",
            rule="CW-8",
            field=f"credentials.{CALLBACK_KEY}",
        )


class Connection(Aggregate):
    """Credentials, base URL, settings and the sync schedule of one system for one tenant."""

    def __init__(
        self,
        *,
        id: ConnectionId,
        tenant_id: TenantId,
        system: System,
        name: str,
        base_url: str,
        credentials: SealedCredentials,
        settings: dict[str, Any],
        now: datetime,
        sync_interval_minutes: int = 60,
    ) -> None:
        self.id = id
        self.tenant_id = tenant_id
        self.system = system
        self.family = system.family
        self.name = required_text(name, "name", 100)
        self.base_url = _url(base_url)
        self.credentials = credentials
        self.settings = dict(settings)
        self.enabled = True
        self.status = ConnectionStatus.UNTESTED
        self.status_reason: str | None = None
        self.checked_at: datetime | None = None
        self.sync_interval_minutes = _interval(sync_interval_minutes)
        self.last_sync_at: datetime | None = None
        self.created_at = now
        self.updated_at = now

    def replace_credentials(self, credentials: SealedCredentials, now: datetime) -> None:
        self.credentials = credentials
        self.status = ConnectionStatus.UNTESTED
        self.status_reason = None
        self.updated_at = now

    def keep_credentials(self, credentials: SealedCredentials, now: datetime) -> None:
        """Credentials the system issued or rotated (an OAuth token), or an authorization
        under way: the same connection, still as tested."""
        self.credentials = credentials
        self.updated_at = now

    def revise(
        self,
        *,
        name: str | None,
        base_url: str | None,
        sync_interval_minutes: int | None,
        now: datetime,
    ) -> None:
        if name is not None:
            self.name = required_text(name, "name", 100)
        if base_url is not None:
            self.base_url = _url(base_url)
        if sync_interval_minutes is not None:
            self.sync_interval_minutes = _interval(sync_interval_minutes)
        self.updated_at = now

    def change_settings(self, changes: dict[str, Any], now: datetime) -> None:
        self.settings = {**self.settings, **changes}
        self.updated_at = now

    def record_test(self, ok: bool, reason: str | None, now: datetime) -> None:
        """INT-2: connected, or failing with the vendor's reason."""
        self.status = ConnectionStatus.CONNECTED if ok else ConnectionStatus.FAILING
        self.status_reason = None if ok else (reason or "the system refused the connection")
        self.checked_at = now

    def disable(self, now: datetime) -> None:
        if not self.enabled:
            raise DomainError("the connection is already disabled", code="already_disabled")
        self.enabled = False
        self.updated_at = now

    def enable(self, now: datetime) -> None:
        self.enabled = True
        self.updated_at = now

    def synced(self, now: datetime) -> None:
        self.last_sync_at = now


def _url(value: str) -> str:
    url = value.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise InvalidValue("base_url must start with http:// or https://", field="base_url")
    return url


def _interval(minutes: int) -> int:
    if not 5 <= minutes <= 24 * 60:
        raise InvalidValue(
            "sync_interval_minutes must be between 5 and 1440", field="sync_interval_minutes"
        )
    return minutes
