"""In-memory fakes of the stores beside the unit of work: the outbox as the worker sees it,
sync errors, external links, sync jobs, the notification queue and the payment watchlist.

They share the ``InMemoryDatabase`` the units of work commit to, and keep the SQL stores'
contract: leases, the oldest pending message of an aggregate first, one sync error per message,
one link per external id, one open job per entity. One event loop runs them, so each call is
one transaction.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID

from adapters.persistence.memory import InMemoryDatabase, OutboxRow, SyncErrorRow, SyncJobRow
from application.integrations.outbox import SyncErrorRecord
from application.integrations.ports import OutboxMessage
from application.integrations.pulls import SyncJob, answer_request, queued_since
from application.integrations.sync_errors import SyncErrorFilter
from application.shared.pagination import PageRequest
from application.shared.ports import Clock, IdGenerator
from domain.billing.payment import Payment, PaymentStatus, SettlementState
from domain.identity.tenant import TenantId
from domain.integrations.connection import Connection, ConnectionId
from domain.notifications.notification import Notification, NotificationStatus

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


def _message(row: OutboxRow) -> OutboxMessage:
    return OutboxMessage(
        id=row.id,
        tenant_id=row.tenant_id,
        connection_id=row.connection_id,
        kind=row.kind,
        aggregate_type=row.aggregate_type,
        aggregate_id=row.aggregate_id,
        payload=copy.deepcopy(row.payload),
        attempts=row.attempts,
    )


class InMemoryOutboxQueue:
    def __init__(self, db: InMemoryDatabase, clock: Clock, ids: IdGenerator) -> None:
        self._db, self._clock, self._ids = db, clock, ids

    def _row(self, outbox_id: int) -> OutboxRow | None:
        found = (
            self._db.outbox_rows[outbox_id - 1]
            if 0 < outbox_id <= len(self._db.outbox_rows)
            else None
        )
        return found if found is not None and found.id == outbox_id else None

    async def claim(self, owner: str, limit: int, lease_seconds: float) -> list[OutboxMessage]:
        now = self._clock.now()
        claimed: list[OutboxRow] = []
        blocked: set[UUID] = set()  # aggregates with an earlier pending message
        for row in self._db.outbox_rows:  # ids ascending
            if row.status != PENDING:
                continue
            first_of_its_aggregate = row.aggregate_id not in blocked
            blocked.add(row.aggregate_id)
            if len(claimed) == limit or not first_of_its_aggregate:
                continue
            due = row.next_attempt_at is None or row.next_attempt_at <= now
            unleased = row.lease_until is None or row.lease_until < now
            if due and unleased:
                claimed.append(row)
        for row in claimed:
            row.lease_owner, row.lease_until = owner, now + timedelta(seconds=lease_seconds)
        return [_message(row) for row in claimed]

    async def extend(self, owner: str, ids: Sequence[int], lease_seconds: float) -> set[int]:
        until = self._clock.now() + timedelta(seconds=lease_seconds)
        held: set[int] = set()
        for outbox_id in ids:
            row = self._row(outbox_id)
            if row is not None and row.lease_owner == owner and row.status == PENDING:
                row.lease_until = until
                held.add(outbox_id)
        return held

    async def complete(self, owner: str, messages: Sequence[OutboxMessage]) -> None:
        del owner  # delivered is delivered, whoever holds the lease by now
        now = self._clock.now()
        for message in messages:
            row = self._row(message.id)
            if row is not None and row.status == PENDING:
                row.status, row.delivered_at, row.last_error = DELIVERED, now, None
                row.lease_owner = row.lease_until = None
        delivered = {(m.connection_id, m.aggregate_type, m.aggregate_id) for m in messages}
        for error in self._db.sync_errors.values():  # a later sync succeeded (INT-6)
            entity = (error.connection_id, error.entity_type, error.entity_id)
            if error.status == "open" and entity in delivered:
                error.status, error.updated_at = "resolved", now

    async def retry(
        self,
        owner: str,
        message: OutboxMessage,
        at: datetime,
        error: str,
        *,
        count_attempt: bool = True,
    ) -> None:
        row = self._row(message.id)
        if row is None or row.status != PENDING or row.lease_owner != owner:
            return
        row.attempts += 1 if count_attempt else 0
        row.next_attempt_at, row.last_error = at, error[:4000]
        row.lease_owner = row.lease_until = None

    async def fail(self, owner: str, message: OutboxMessage, error: str) -> None:
        now = self._clock.now()
        row = self._row(message.id)
        if row is not None and row.lease_owner == owner:
            row.status, row.last_error = FAILED, error[:4000]
            row.attempts += 1
            row.lease_owner = row.lease_until = None
        # One sync error per message: a retry that fails again updates it (CW-8).
        for found in self._db.sync_errors.values():
            if found.outbox_id == message.id:
                found.message, found.status, found.updated_at = error, "open", now
                found.attempts += 1
                return
        error_id = self._ids()
        self._db.sync_errors[error_id] = SyncErrorRow(
            id=error_id,
            tenant_id=message.tenant_id,
            connection_id=message.connection_id,
            outbox_id=message.id,
            kind=message.kind,
            entity_type=message.aggregate_type,
            entity_id=message.aggregate_id,
            message=error,
            status="open",
            attempts=1,
            created_at=now,
            updated_at=now,
        )

    async def requeue(self, tenant_id: TenantId, outbox_id: int) -> bool:
        row = self._row(outbox_id)
        if row is None or row.tenant_id != tenant_id or row.status != FAILED:
            return False
        row.status, row.attempts, row.next_attempt_at = PENDING, 0, self._clock.now()
        row.lease_owner = row.lease_until = None
        return True

    async def pending(self) -> int:
        return sum(1 for row in self._db.outbox_rows if row.status == PENDING)


def _record(row: SyncErrorRow) -> SyncErrorRecord:
    return SyncErrorRecord(
        id=row.id,
        tenant_id=row.tenant_id,
        connection_id=row.connection_id,
        outbox_id=row.outbox_id,
        kind=row.kind,
        entity_type=row.entity_type,
        entity_id=row.entity_id,
        message=row.message,
        status=row.status,
        attempts=row.attempts,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class InMemorySyncErrors:
    def __init__(self, db: InMemoryDatabase, clock: Clock) -> None:
        self._db, self._clock = db, clock

    async def list(
        self, tenant_id: TenantId, where: SyncErrorFilter, page: PageRequest
    ) -> list[SyncErrorRecord]:
        rows = sorted(
            (
                row
                for row in self._db.sync_errors.values()
                if row.tenant_id == tenant_id
                and where.connection_id in (None, row.connection_id)
                and where.kind in (None, row.kind)
                and where.entity_id in (None, row.entity_id)
                and where.status in (None, row.status)
                and (page.after is None or row.id > page.after)
            ),
            key=lambda row: row.id,
        )
        return [_record(row) for row in rows[: page.limit + 1]]

    async def get(self, tenant_id: TenantId, error_id: UUID) -> SyncErrorRecord | None:
        row = self._db.sync_errors.get(error_id)
        return None if row is None or row.tenant_id != tenant_id else _record(row)

    async def set_status(self, tenant_id: TenantId, error_id: UUID, status: str) -> None:
        row = self._db.sync_errors.get(error_id)
        if row is not None and row.tenant_id == tenant_id:
            row.status, row.updated_at = status, self._clock.now()


class InMemoryExternalLinks:
    """Hub id ↔ external id per connection (INT-4); the tenant comes from the connection."""

    def __init__(self, db: InMemoryDatabase) -> None:
        self._db = db

    async def find(
        self, connection_id: ConnectionId, entity_type: str, entity_id: UUID
    ) -> str | None:
        found = self._db.links.get((connection_id, entity_type, entity_id))
        return None if found is None else found[1]

    async def find_entity(
        self, connection_id: ConnectionId, entity_type: str, external_id: str
    ) -> UUID | None:
        for (connection, kind, entity_id), (_, external) in self._db.links.items():
            if (connection, kind, external) == (connection_id, entity_type, external_id):
                return entity_id
        return None

    async def link(
        self, connection_id: ConnectionId, entity_type: str, entity_id: UUID, external_id: str
    ) -> None:
        connection = self._db.table(Connection).get(connection_id)
        taken = await self.find_entity(connection_id, entity_type, external_id) is not None
        key = (connection_id, entity_type, entity_id)
        if connection is None or taken or key in self._db.links:
            return  # refused by the table's constraints: linked already, or no such connection
        self._db.links[key] = (TenantId(connection.tenant_id), external_id)


def _job(row: SyncJobRow) -> SyncJob:
    return SyncJob(
        id=row.id,
        tenant_id=row.tenant_id,
        connection_id=row.connection_id,
        entity=row.entity,
        full=row.full,
        status=row.status,
        checkpoint=row.checkpoint,
        changed_since=row.changed_since,
        records=row.records,
        error=row.error,
        created_at=row.created_at,
        finished_at=row.finished_at,
    )


class InMemorySyncJobs:
    def __init__(self, db: InMemoryDatabase, clock: Clock, ids: IdGenerator) -> None:
        self._db, self._clock, self._ids = db, clock, ids

    async def request(
        self,
        tenant_id: TenantId,
        connection_id: ConnectionId,
        entity: str,
        *,
        full: bool,
        again: bool = False,
    ) -> SyncJob:
        jobs = self._db.sync_jobs.values()
        open_jobs = sorted(
            (
                row
                for row in jobs
                if (row.tenant_id, row.connection_id, row.entity)
                == (tenant_id, connection_id, entity)
                and row.status in ("requested", "running")
            ),
            key=lambda row: row.created_at,
        )
        answer, behind = answer_request(open_jobs, self._clock.now(), again=again)
        if answer is not None:
            return _job(answer)
        done = [
            row.created_at
            for row in jobs
            if (row.connection_id, row.entity, row.status) == (connection_id, entity, "done")
        ]
        whole, since = queued_since(max(done, default=None), behind, full=full)
        job_id = self._ids()
        row = SyncJobRow(
            id=job_id,
            tenant_id=tenant_id,
            connection_id=connection_id,
            entity=entity,
            full=whole,
            status="requested",
            changed_since=since,
            created_at=self._clock.now(),
        )
        self._db.sync_jobs[job_id] = row
        return _job(row)

    async def claim(
        self, owner: str, lease_seconds: float, job_id: UUID | None = None
    ) -> SyncJob | None:
        now = self._clock.now()
        running = {  # a dead one (its lease run out) is claimed first, being older
            (row.connection_id, row.entity)
            for row in self._db.sync_jobs.values()
            if row.status == "running"
        }
        claimable = sorted(
            (
                row
                for row in self._db.sync_jobs.values()
                if job_id in (None, row.id)
                and (
                    (row.status == "requested" and (row.connection_id, row.entity) not in running)
                    or (
                        row.status == "running"
                        and row.lease_until is not None
                        and row.lease_until < now
                    )
                )
            ),
            key=lambda row: row.created_at,
        )
        if not claimable:
            return None
        row = claimable[0]
        row.status, row.lease_owner = "running", owner
        row.lease_until = now + timedelta(seconds=lease_seconds)
        return _job(row)

    async def checkpoint(
        self, job: SyncJob, owner: str, checkpoint: str | None, records: int
    ) -> None:
        row = self._db.sync_jobs.get(job.id)
        if row is not None and row.lease_owner == owner:
            row.checkpoint, row.records = checkpoint, row.records + records
            row.lease_until = self._clock.now() + timedelta(seconds=120)

    async def finish(self, job: SyncJob, owner: str, *, error: str | None, failed: bool) -> SyncJob:
        del owner  # a finished job is finished, whoever held it
        row = self._db.sync_jobs[job.id]
        row.status, row.error = ("failed" if failed else "done"), error
        row.finished_at, row.lease_owner, row.lease_until = self._clock.now(), None, None
        return _job(row)

    async def recent(self, tenant_id: TenantId, limit: int) -> list[SyncJob]:
        mine = [row for row in self._db.sync_jobs.values() if row.tenant_id == tenant_id]
        mine.sort(key=lambda row: row.created_at, reverse=True)
        return [_job(row) for row in mine[:limit]]

    async def due_connections(self, now: datetime) -> list[tuple[TenantId, ConnectionId]]:
        connections: list[Connection] = list(self._db.table(Connection).values())
        return [
            (TenantId(c.tenant_id), ConnectionId(c.id))
            for c in connections
            if c.enabled
            and (c.settings.get("pull_organizations") or c.settings.get("pull_invoices"))
            and (
                c.last_sync_at is None
                or c.last_sync_at + timedelta(minutes=c.sync_interval_minutes) <= now
            )
        ]


class InMemoryNotificationQueue:
    """Every tenant's committed notifications, leased to one sender at a time."""

    def __init__(self, db: InMemoryDatabase, clock: Clock) -> None:
        self._db, self._clock = db, clock

    async def claim(self, owner: str, limit: int, lease_seconds: float) -> list[Notification]:
        now = self._clock.now()
        leases = self._db.notification_leases
        notifications: list[Notification] = list(self._db.table(Notification).values())
        due = sorted(
            (
                n
                for n in notifications
                if n.status is NotificationStatus.PENDING
                and (n.next_attempt_at is None or n.next_attempt_at <= now)
                and (n.id not in leases or leases[n.id][1] < now)
            ),
            key=lambda n: n.created_at,
        )[:limit]
        for notification in due:
            leases[notification.id] = (owner, now + timedelta(seconds=lease_seconds))
        return [copy.deepcopy(n) for n in due]

    async def save(self, notification: Notification, owner: str) -> None:
        lease = self._db.notification_leases.get(notification.id)
        stored = self._db.table(Notification).get(notification.id)
        if stored is None or lease is None or lease[0] != owner:
            return
        stored.status, stored.attempts = notification.status, notification.attempts
        stored.next_attempt_at, stored.error = notification.next_attempt_at, notification.error
        stored.sent_at = notification.sent_at
        del self._db.notification_leases[notification.id]


class InMemoryPaymentWatchlist:
    """Across tenants: who has money in flight (the worker's settlement watch)."""

    def __init__(self, db: InMemoryDatabase) -> None:
        self._db = db

    async def tenants_with_payments_in_flight(self) -> list[TenantId]:
        payments: list[Payment] = list(self._db.table(Payment).values())
        return sorted(
            {
                TenantId(p.tenant_id)
                for p in payments
                if p.status is PaymentStatus.PENDING
                or (p.status is PaymentStatus.APPROVED and p.settlement is SettlementState.PENDING)
                or p.pending_refund is not None
            }
        )
