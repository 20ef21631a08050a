"""HTTP shapes of connections (credentials write-only, INT-1) and sync errors."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from msgspec import Meta

from application.integrations.connections import (
    Authorization,
    ConnectionChanges,
    NewConnection,
)
from application.integrations.outbox import SyncErrorRecord
from application.integrations.pulls import SyncJob
from domain.integrations.connection import (
    PENDING_AUTHORIZATION,
    Connection,
    ConnectionStatus,
    Family,
    System,
)
from entrypoints.http.schemas.common import Input, Output

Credentials = Annotated[
    dict[str, Annotated[str, Meta(max_length=2000)]],
    Meta(description="write-only: stored encrypted, shown masked, never returned or logged"),
]
Interval = Annotated[int, Meta(ge=5, le=1440)]


class ConnectionCreate(Input, frozen=True):
    system: System
    name: Annotated[str, Meta(min_length=1, max_length=100)]
    base_url: Annotated[str, Meta(max_length=500)]
    credentials: Credentials
    settings: dict[str, Any] = msgspec.field(default_factory=dict)
    sync_interval_minutes: Interval = 60

    def to_new(self) -> NewConnection:
        return NewConnection(
            system=self.system,
            name=self.name,
            base_url=self.base_url,
            credentials=self.credentials,
            settings=self.settings,
            sync_interval_minutes=self.sync_interval_minutes,
        )


class ConnectionPatch(Input, frozen=True):
    name: Annotated[str, Meta(min_length=1, max_length=100)] | None = None
    base_url: Annotated[str, Meta(max_length=500)] | None = None
    credentials: Credentials | None = None
    settings: dict[str, Any] | None = None
    enabled: bool | None = None
    sync_interval_minutes: Interval | None = None

    def to_changes(self) -> ConnectionChanges:
        return ConnectionChanges(
            name=self.name,
            base_url=self.base_url,
            credentials=self.credentials,
            settings=self.settings,
            enabled=self.enabled,
            sync_interval_minutes=self.sync_interval_minutes,
        )


class ConnectionOut(Output, frozen=True):
    id: UUID
    system: System
    family: Family
    name: str
    base_url: str
    credentials: dict[str, str]  # masked: at most the last four characters
    settings: dict[str, Any]
    enabled: bool
    status: ConnectionStatus
    status_reason: str | None
    checked_at: datetime | None
    sync_interval_minutes: int
    last_sync_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, c: Connection) -> ConnectionOut:
        return cls(
            id=c.id,
            system=c.system,
            family=c.family,
            name=c.name,
            base_url=c.base_url,
            credentials={
                k: v for k, v in c.credentials.masked.items() if k not in PENDING_AUTHORIZATION
            },
            settings=dict(c.settings),
            enabled=c.enabled,
            status=c.status,
            status_reason=c.status_reason,
            checked_at=c.checked_at,
            sync_interval_minutes=c.sync_interval_minutes,
            last_sync_at=c.last_sync_at,
            created_at=c.created_at,
        )


class ChoicesOut(Output, frozen=True):
    """What each setting can be set to, as the connected system's own look-ups name it."""

    connection_id: UUID
    settings: dict[str, list[str]]  # setting (``new_quote.stage``) -> the names offered


class AuthorizationOut(Output, frozen=True):
    connection_id: UUID
    authorize_url: str  # the system's consent page, for the admin's browser
    redirect_uri: str  # where the system sends the browser back (register it with the system)
    expires_at: datetime

    @classmethod
    def of(cls, a: Authorization) -> AuthorizationOut:
        return cls(
            connection_id=a.connection_id,
            authorize_url=a.url,
            redirect_uri=a.redirect_uri,
            expires_at=a.expires_at,
        )


class SyncErrorOut(Output, frozen=True):
    id: UUID
    connection_id: UUID
    kind: str
    entity_type: str
    entity_id: UUID
    message: str
    status: str
    attempts: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, e: SyncErrorRecord) -> SyncErrorOut:
        return cls(
            id=e.id,
            connection_id=e.connection_id,
            kind=e.kind,
            entity_type=e.entity_type,
            entity_id=e.entity_id,
            message=e.message,
            status=e.status,
            attempts=e.attempts,
            created_at=e.created_at,
            updated_at=e.updated_at,
        )


class SyncRun(Input, frozen=True):
    connection_id: UUID | None = None
    full: bool = False


class SyncJobOut(Output, frozen=True):
    id: UUID
    connection_id: UUID
    entity: str
    full: bool
    status: str
    records: int
    error: str | None
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, job: SyncJob) -> SyncJobOut:
        return cls(
            id=job.id,
            connection_id=job.connection_id,
            entity=job.entity,
            full=job.full,
            status=job.status,
            records=job.records,
            error=job.error,
            created_at=job.created_at,
            finished_at=job.finished_at,
        )
