"""Sync jobs (pulls): requested, leased to one runner, checkpointed per page, finished."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from adapters.persistence import tables
from application.integrations.pulls import SyncJob, answer_request, queued_since
from application.integrations.settings import HubSwitches
from application.shared.ports import Clock, IdGenerator
from domain.identity.tenant import TenantId
from domain.integrations.connection import ConnectionId

JOB = tables.sync_jobs.c
CONN = tables.connections.c
OPEN = ("requested", "running")


def _job(row: Any) -> SyncJob:
    return SyncJob(
        id=row.id,
        tenant_id=TenantId(row.tenant_id),
        connection_id=ConnectionId(row.connection_id),
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


class SqlAlchemySyncJobCheckpoints:
    """A pull's checkpoint in the unit of work of the page it follows (PAY-12)."""

    def __init__(self, session: AsyncSession, tenant_id: TenantId) -> None:
        self._session, self._tenant_id = session, tenant_id

    async def checkpoint(
        self,
        job_id: UUID,
        owner: str,
        checkpoint: str | None,
        records: int,
        lease_until: datetime,
    ) -> None:
        await self._session.execute(
            update(tables.sync_jobs)
            .where(JOB.id == job_id, JOB.tenant_id == self._tenant_id, JOB.lease_owner == owner)
            .values(checkpoint=checkpoint, records=JOB.records + records, lease_until=lease_until)
        )


class SqlAlchemySyncJobs:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock, ids: IdGenerator
    ) -> None:
        self._sessions, self._clock, self._ids = sessions, clock, ids

    async def request(
        self,
        tenant_id: TenantId,
        connection_id: ConnectionId,
        entity: str,
        *,
        full: bool,
        again: bool = False,
    ) -> SyncJob:
        async with self._sessions() as session, session.begin():
            # One request of a connection at a time: callbacks arriving together queue one pull
            # behind a running one, not one each. A write that changes nothing takes the lock
            # first, on both databases: the row's on PostgreSQL, SQLite's one writer's there
            # (which ignores FOR UPDATE, and whose readers would not wait).
            await session.execute(
                update(tables.connections)
                .where(CONN.id == connection_id, CONN.tenant_id == tenant_id)
                .values(tenant_id=CONN.tenant_id)
            )
            open_jobs = (
                await session.execute(
                    select(tables.sync_jobs)
                    .where(
                        JOB.tenant_id == tenant_id,
                        JOB.connection_id == connection_id,
                        JOB.entity == entity,
                        JOB.status.in_(OPEN),
                    )
                    .order_by(JOB.created_at)
                )
            ).all()
            now = self._clock.now()
            answer, behind = answer_request(open_jobs, now, again=again)
            if answer is not None:
                return _job(answer)
            last = await session.scalar(
                select(JOB.created_at)
                .where(
                    JOB.connection_id == connection_id, JOB.entity == entity, JOB.status == "done"
                )
                .order_by(JOB.created_at.desc())
                .limit(1)
            )
            whole, since = queued_since(last, behind, full=full)
            values = {
                "id": self._ids(),
                "tenant_id": tenant_id,
                "connection_id": connection_id,
                "entity": entity,
                "full": whole,
                "status": "requested",
                "changed_since": since,
                "records": 0,
                "created_at": now,
            }
            row = (
                await session.execute(
                    tables.sync_jobs.insert().values(**values).returning(*tables.sync_jobs.c)
                )
            ).one()
            return _job(row)

    async def claim(
        self, owner: str, lease_seconds: float, job_id: UUID | None = None
    ) -> SyncJob | None:
        now = self._clock.now()
        # A job asked for again while its entity's pull runs waits for that pull to end: two
        # pulls of one entity at once would race each other's checkpoints.
        # A dead one (its lease run out) is claimed first, being older, and resumed.
        live = aliased(tables.sync_jobs)
        runs_now = exists().where(
            live.c.connection_id == JOB.connection_id,
            live.c.entity == JOB.entity,
            live.c.status == "running",
        )
        claimable = or_(
            and_(JOB.status == "requested", ~runs_now),
            and_(JOB.status == "running", JOB.lease_until < now),
        )
        query = select(JOB.id).where(claimable).order_by(JOB.created_at).limit(1)
        if job_id is not None:
            query = query.where(JOB.id == job_id)
        async with self._sessions() as session, session.begin():
            found = await session.scalar(query.with_for_update(skip_locked=True))
            if found is None:
                return None
            row = (
                await session.execute(
                    update(tables.sync_jobs)
                    .where(JOB.id == found)
                    .values(
                        status="running",
                        lease_owner=owner,
                        lease_until=now + timedelta(seconds=lease_seconds),
                    )
                    .returning(*tables.sync_jobs.c)
                )
            ).one()
            return _job(row)

    async def checkpoint(
        self, job: SyncJob, owner: str, checkpoint: str | None, records: int
    ) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(tables.sync_jobs)
                .where(JOB.id == job.id, JOB.lease_owner == owner)
                .values(
                    checkpoint=checkpoint,
                    records=JOB.records + records,
                    lease_until=self._clock.now() + timedelta(seconds=120),
                )
            )

    async def finish(self, job: SyncJob, owner: str, *, error: str | None, failed: bool) -> SyncJob:
        del owner  # a finished job is finished, whoever held it
        async with self._sessions() as session, session.begin():
            row = (
                await session.execute(
                    update(tables.sync_jobs)
                    .where(JOB.id == job.id)
                    .values(
                        status="failed" if failed else "done",
                        error=error,
                        finished_at=self._clock.now(),
                        lease_owner=None,
                        lease_until=None,
                    )
                    .returning(*tables.sync_jobs.c)
                )
            ).one()
            return _job(row)

    async def recent(self, tenant_id: TenantId, limit: int) -> list[SyncJob]:
        async with self._sessions() as session:
            rows = await session.execute(
                select(tables.sync_jobs)
                .where(JOB.tenant_id == tenant_id)
                .order_by(JOB.created_at.desc())
                .limit(limit)
            )
            return [_job(row) for row in rows]

    async def due_connections(self, now: datetime) -> list[tuple[TenantId, ConnectionId]]:
        async with self._sessions() as session:
            rows = await session.execute(
                select(
                    CONN.tenant_id,
                    CONN.id,
                    CONN.settings,
                    CONN.last_sync_at,
                    CONN.sync_interval_minutes,
                ).where(CONN.enabled.is_(True))
            )
            return [
                (TenantId(r.tenant_id), ConnectionId(r.id))
                for r in rows
                if HubSwitches.read(r.settings or {}).pulls
                and (
                    r.last_sync_at is None
                    or r.last_sync_at + timedelta(minutes=r.sync_interval_minutes) <= now
                )
            ]
