"""Ports of the integrations context: what the sync engine asks of vendors and of storage.

Vendor adapters raise the three port errors below, never httpx or vendor exceptions, so the
worker can decide between retrying, waiting and recording a sync error (INT-6, INT-7).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable
from uuid import UUID

from application.integrations.records import PulledRecord
from domain.identity.tenant import TenantId
from domain.integrations.connection import ConnectionId, SealedCredentials, System

if TYPE_CHECKING:
    from application.integrations.messages import Message


class VendorError(Exception):
    """Base of the errors vendor adapters raise; ``message`` is the vendor's own words.

    ``field`` names the caller's input the vendor refused, when it is one (a payment token
    the gateway does not know): then it is the caller's to fix, not the vendor's fault.
    """

    def __init__(
        self, message: str, *, status: int | None = None, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.field = field


class VendorUnavailable(VendorError):
    """Transient: 5xx, timeout, dropped connection, malformed body. Retried with backoff."""


class VendorRateLimited(VendorError):
    """429: wait at least ``retry_after`` seconds before calling this connection again."""

    def __init__(self, message: str, *, retry_after: float, status: int | None = 429) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class VendorRejected(VendorError):
    """Permanent for this payload: a 4xx other than 429, or a rule the vendor enforces.

    Becomes a sync error at once, with the vendor's message; retrying needs a fix first.
    """


@dataclass(frozen=True)
class ConnectionConfig:
    """What an adapter needs to reach one tenant's system; credentials are already unsealed."""

    tenant_id: TenantId
    connection_id: ConnectionId
    system: System
    base_url: str
    credentials: Mapping[str, str]
    settings: Mapping[str, Any]


@dataclass(frozen=True)
class OutboxMessage:
    """One thing to deliver: made in the same commit as the change it reports (INT-5).

    ``payload`` is the stored form; deliverers read ``body``, the typed message it holds.
    """

    id: int
    tenant_id: TenantId
    connection_id: ConnectionId
    kind: str  # e.g. "organization.push"
    aggregate_type: str
    aggregate_id: UUID
    payload: Mapping[str, Any]
    attempts: int = 0

    @cached_property
    def body(self) -> Message:
        """The typed message; ``MalformedMessage`` (a ``VendorRejected``) when unreadable."""
        from application.integrations.messages import decode  # the codec imports this module

        return decode(self.kind, self.payload)


class ExternalLinks(Protocol):
    """Hub entity ↔ its id in each external system (INT-4)."""

    async def find(
        self, connection_id: ConnectionId, entity_type: str, entity_id: UUID
    ) -> str | None: ...

    async def find_entity(
        self, connection_id: ConnectionId, entity_type: str, external_id: str
    ) -> UUID | None: ...

    async def link(
        self, connection_id: ConnectionId, entity_type: str, entity_id: UUID, external_id: str
    ) -> None: ...


@dataclass(frozen=True)
class LimitKey:
    """A vendor limit's scope: per connection, optionally per endpoint."""

    connection_id: ConnectionId
    endpoint: str


@dataclass(frozen=True)
class VendorLimitPolicy:
    """A vendor's published limits (DESIGN "Sync"; INT-6, AT-10)."""

    concurrent_per_endpoint: int | None = None
    requests_per_window: int | None = None
    window_seconds: int = 3600
    per_endpoint_budget: bool = False


class VendorLimits(Protocol):
    """Keeps every worker process inside a vendor's limits; waits rather than fails (AT-10)."""

    def call(
        self, key: LimitKey, policy: VendorLimitPolicy
    ) -> AbstractAsyncContextManager[None]: ...

    async def pause(self, connection_id: ConnectionId, seconds: float) -> None:
        """After a 429: no call to this connection for ``seconds`` (Retry-After)."""
        ...

    async def close(self) -> None:
        """Hand back what this process holds (shutdown)."""
        ...


@runtime_checkable
class Deliverer(Protocol):
    """Delivers one kind of outbox message to one system, idempotently (QUO-6, INT-4)."""

    async def deliver(self, message: OutboxMessage, connection: ConnectionConfig) -> None: ...


@dataclass(frozen=True)
class PulledPage:
    """One page of a pull: the records, and where the next page starts (a checkpoint)."""

    records: list[PulledRecord]
    next_checkpoint: str | None


@dataclass(frozen=True)
class PullRequest:
    entity: str
    changed_since: datetime | None = None
    checkpoint: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


@runtime_checkable
class Puller(Protocol):
    """Pages through one entity of a system, from a checkpoint (PAY-12)."""

    def pages(
        self, request: PullRequest, connection: ConnectionConfig
    ) -> AsyncIterator[PulledPage]: ...


@runtime_checkable
class ConnectionTester(Protocol):
    """Asks the system whether the credentials work (INT-2); returns the vendor's reason."""

    async def test(self, connection: ConnectionConfig) -> str | None:
        """None when connected, else the reason the system gave."""
        ...


class SettingChoices(Protocol):
    """A system whose settings name entries of its own look-ups (types, statuses, stages,
    members…) answers what each setting can be set to, read from the tenant's instance
    (CW-1, INT-3). Keyed by setting (``new_quote.stage``); a vendor error is the vendor's."""

    async def choices(self, connection: ConnectionConfig) -> Mapping[str, Sequence[str]]: ...


S_co = TypeVar("S_co", covariant=True)


class SettingsPolicy(Protocol[S_co]):
    """A system's own settings: its working defaults on connect (INT-3, AT-9, KBMS-1), the
    checks a save must pass (KBMS-2; ``check`` raises ``InvalidValue`` naming the field), and
    ``read``, the stored settings as the system's typed settings, defaults filled in. The hub's
    own switches are read by ``application.integrations.settings``."""

    def defaults(self) -> Mapping[str, Any]: ...

    def check(self, settings: Mapping[str, Any]) -> None: ...

    def read(self, settings: Mapping[str, Any]) -> S_co: ...


class Authorizer(Protocol):
    """A system connected by OAuth 2's authorization-code grant (QuickBooks Online): the
    admin's browser goes to ``authorize_url``, the system sends it back to the hub's callback,
    and ``exchange`` trades that answer for the credentials the system issues (INT-1)."""

    def redirect_uri(self, connection: ConnectionConfig, default: str) -> str: ...

    def authorize_url(
        self, connection: ConnectionConfig, *, redirect_uri: str, state: str
    ) -> str: ...

    async def exchange(
        self, connection: ConnectionConfig, *, redirect_uri: str, answer: Mapping[str, str]
    ) -> Mapping[str, str]: ...


class IssuedCredentials(Protocol):
    """What a system issued a connection (a rotated refresh token), kept with its sealed
    credentials so that a restart or another process starts from it (INT-1)."""

    async def current(
        self, tenant_id: TenantId, connection_id: ConnectionId
    ) -> Mapping[str, str]: ...

    async def keep(
        self,
        tenant_id: TenantId,
        connection_id: ConnectionId,
        issued: Mapping[str, str],
        *,
        replacing: Mapping[str, str],
    ) -> bool:
        """Store ``issued`` if the stored values still are ``replacing``; False if not."""
        ...


class CredentialVault(Protocol):
    """Seals credentials at rest and opens them for the adapters; never logs them (INT-1)."""

    def seal(self, credentials: Mapping[str, str]) -> SealedCredentials: ...

    def open(self, sealed: SealedCredentials) -> dict[str, str]: ...
