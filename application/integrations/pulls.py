"""Scheduled pulls and "sync now" (PAY-12): pages streamed, checkpointed, applied idempotently.

A full first sync pages through everything; later ones ask for what changed since the last
success. Each page is applied in one transaction that also writes its links and its checkpoint,
so a crash resumes after the last page applied and applies none twice (applying a page twice
would change nothing more anyway). A page's links and the hub rows they name are read in bulk
first (``PullContext.prepare``): a few queries a page, not a few a record.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, TypeVar, runtime_checkable
from uuid import UUID

from application.integrations.appliers import (
    CONTACT,
    CONTRACT,
    INVOICE,
    ORGANIZATION,
    TICKET,
    PullContext,
    RecordApplier,
    Skipped,
)
from application.integrations.connections import ConnectionConfigs
from application.integrations.ports import Puller, PullRequest, VendorError
from application.integrations.records import MalformedRecord, PulledRecord, cleaned_record
from application.integrations.settings import HubSwitches
from application.shared.errors import Conflict, NotFound
from application.shared.ports import Clock
from application.shared.unit_of_work import UnitOfWorkFactory
from domain.identity.tenant import TenantId
from domain.integrations.connection import Connection, ConnectionId, Family, System
from domain.shared.errors import DomainError

ENTITY_SEPARATOR = "+"  # a job over several entities pulls them in this order
LEASE_AFTER_PAGE = timedelta(seconds=120)  # a page applied renews the runner's lease this long


@dataclass(frozen=True)
class SyncJob:
    id: UUID
    tenant_id: TenantId
    connection_id: ConnectionId
    entity: str
    full: bool
    status: str  # requested | running | done | failed
    checkpoint: str | None
    changed_since: datetime | None
    records: int
    error: str | None
    created_at: datetime
    finished_at: datetime | None


class OpenJobRow(Protocol):
    """What a store keeps of a requested or running job, as ``request`` reads it."""

    @property
    def status(self) -> str: ...

    @property
    def lease_until(self) -> datetime | None: ...

    @property
    def created_at(self) -> datetime: ...


J = TypeVar("J", bound=OpenJobRow)


def answer_request(
    open_jobs: Sequence[J], now: datetime, *, again: bool
) -> tuple[J | None, J | None]:
    """One rule for every ``SyncJobStore.request``, over the entity's open jobs oldest first:
    (the open job that answers the request, else None; the running job a new one is queued
    behind, else None). A waiting job answers; so does a running one unless ``again``, and a
    dead one (its lease run out with its runner) always, to be resumed from its checkpoint,
    never pulled again from the start."""
    waiting = [job for job in open_jobs if job.status == "requested"]
    if waiting:
        return waiting[0], None
    dead = [job for job in open_jobs if job.lease_until is None or job.lease_until < now]
    if open_jobs and (not again or dead):
        return (dead[0] if dead else open_jobs[0]), None
    return None, (open_jobs[0] if open_jobs else None)


def queued_since(
    last_done: datetime | None, behind: OpenJobRow | None, *, full: bool
) -> tuple[bool, datetime | None]:
    """(full, changed_since) of a new job: everything on a first pull or when asked; else what
    changed since the last pull done, or, queued behind a running one, since that one began."""
    since = behind.created_at if behind is not None else last_done
    return (full or since is None), (None if full else since)


@runtime_checkable
class SyncJobStore(Protocol):
    async def request(
        self,
        tenant_id: TenantId,
        connection_id: ConnectionId,
        entity: str,
        *,
        full: bool,
        again: bool = False,
    ) -> SyncJob:
        """A new job, or the one already requested for the same thing, or (unless ``again``)
        the one running. ``again``: a pull running now may have read past a change made since,
        so a job is queued behind it (one at most), claimed when it ends."""
        ...

    async def claim(
        self, owner: str, lease_seconds: float, job_id: UUID | None = None
    ) -> SyncJob | None: ...

    async def checkpoint(
        self, job: SyncJob, owner: str, checkpoint: str | None, records: int
    ) -> None: ...

    async def finish(self, job: SyncJob, owner: str, *, error: str | None, failed: bool) -> SyncJob:
        """Done (``error`` may note skipped records) or failed with the vendor's message."""
        ...

    async def recent(self, tenant_id: TenantId, limit: int) -> list[SyncJob]: ...

    async def due_connections(self, now: datetime) -> list[tuple[TenantId, ConnectionId]]:
        """Enabled connections that pull and whose schedule says it is time."""
        ...


def pull_plan(connection: Connection) -> str | None:
    """What a pull of this connection covers, in order, or None when it pulls nothing.

    Organizations come first so contacts, contracts, tickets and invoices find theirs.
    """
    if connection.family is not Family.PSA or not connection.enabled:
        return None
    switches = HubSwitches.read(connection.settings)
    entities = [ORGANIZATION] if switches.pull_organizations else []
    if switches.pull_organizations and switches.pull_contacts:
        entities = [ORGANIZATION, CONTACT]
    if switches.pull_invoices:
        entities = [ORGANIZATION, CONTACT, CONTRACT, TICKET, INVOICE]
    return ENTITY_SEPARATOR.join(entities) or None


def _position(job: SyncJob) -> tuple[int, str | None]:
    """Which entity of the job to start at and the vendor's checkpoint within it."""
    if job.checkpoint is None or ENTITY_SEPARATOR not in job.entity:
        return 0, job.checkpoint
    index, _, inner = job.checkpoint.partition("|")
    return int(index), inner or None


def _checkpoint(job: SyncJob, index: int, inner: str | None) -> str | None:
    if ENTITY_SEPARATOR not in job.entity:
        return inner
    return f"{index}|{inner or ''}"


class PullRunner:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        configs: ConnectionConfigs,
        *,
        pullers: Mapping[System, Puller],
        appliers: Mapping[str, RecordApplier],
        jobs: SyncJobStore,
        clock: Clock,
    ) -> None:
        self._uow, self._configs, self._pullers = uow, configs, pullers
        self._appliers = appliers
        self._jobs, self._clock = jobs, clock

    async def run(
        self, job: SyncJob, owner: str, progress: Callable[[int], None] = lambda _n: None
    ) -> SyncJob:
        skipped: list[str] = []
        entities = job.entity.split(ENTITY_SEPARATOR)
        start, inner = _position(job)
        try:
            config = await self._configs.load(job.tenant_id, job.connection_id)
            puller = self._pullers.get(config.system)
            if puller is None:
                return await self._jobs.finish(
                    job, owner, error=f"no puller for {config.system}", failed=True
                )
            for index in range(start, len(entities)):
                entity = entities[index]
                request = PullRequest(entity, None if job.full else job.changed_since, inner)
                async for page in puller.pages(request, config):
                    at = _checkpoint(job, index, page.next_checkpoint)
                    if page.next_checkpoint is None and index + 1 < len(entities):
                        at = _checkpoint(job, index + 1, None)  # this entity is done
                    skipped += await self._apply(job, owner, entity, page.records, at)
                    progress(len(page.records))
                inner = None
        except (VendorError, NotFound, Conflict) as error:
            return await self._jobs.finish(job, owner, error=error.message, failed=True)
        await self._mark_synced(job)
        note = f"{len(skipped)} records skipped: {'; '.join(skipped[:5])}" if skipped else None
        return await self._jobs.finish(job, owner, error=note, failed=False)

    async def _apply(
        self,
        job: SyncJob,
        owner: str,
        entity: str,
        records: Sequence[PulledRecord],
        checkpoint: str | None,
    ) -> list[str]:
        """The page's records, its new links and its checkpoint: one transaction (PAY-12).

        A record the hub cannot take is skipped with its reason; the rest of the page applies.
        """
        applier = self._appliers.get(entity)
        if applier is None:
            raise NotFound(f"the hub cannot take pulled {entity} records")
        skipped: list[str] = []
        cleaned = [cleaned_record(record) for record in records]
        async with self._uow(job.tenant_id, origin=job.connection_id) as uow:
            now = self._clock.now()
            context = PullContext(uow, job.tenant_id, job.connection_id, now)
            await context.prepare(cleaned)
            for record in cleaned:
                name = f"{entity} {record.external_id}"
                if isinstance(record, MalformedRecord):  # INT-7: reported, the pull goes on
                    skipped.append(f"{name}: {record.reason}")
                    continue
                try:
                    await applier(context, record)
                except (DomainError, Skipped) as error:
                    skipped.append(f"{name}: {error.message}")
            # Records that named a parent or bill-to later in the page, now that it is in.
            again, context.again = context.again, []
            for record in again:
                with contextlib.suppress(DomainError, Skipped):  # reported the first time
                    await applier(context, record)
            await uow.links.add(job.connection_id, context.new_links)
            await uow.sync_jobs.checkpoint(
                job.id, owner, checkpoint, len(records), now + LEASE_AFTER_PAGE
            )
            await uow.commit()
        return skipped

    async def _mark_synced(self, job: SyncJob) -> None:
        async with self._uow(job.tenant_id) as uow:
            connection = await uow.connections.get(job.connection_id)
            connection.synced(job.created_at)
            await uow.commit()


class SyncNow:
    """``POST /v1/sync/run`` and the schedule: request a pull per pulling connection."""

    def __init__(self, uow: UnitOfWorkFactory, jobs: SyncJobStore) -> None:
        self._uow, self._jobs = uow, jobs

    async def __call__(
        self,
        tenant_id: TenantId,
        connection_id: ConnectionId | None = None,
        *,
        full: bool = False,
        again: bool = True,
    ) -> list[SyncJob]:
        """A pull per pulling connection. Someone asking now (``again``, the default: the API,
        the command line, a vendor's callback) wants what changed until now, so a pull already
        running gets one queued behind it; the schedule asks with ``again=False``."""
        async with self._uow(tenant_id) as uow:
            if connection_id is not None:
                connections = [await uow.connections.get(connection_id)]
            else:
                connections = await uow.connections.enabled()
        plans = [(c, pull_plan(c)) for c in connections]
        if connection_id is not None and plans[0][1] is None:
            raise Conflict(f"the connection {connection_id} pulls nothing: see its settings")
        return [
            await self._jobs.request(tenant_id, c.id, plan, full=full, again=again)
            for c, plan in plans
            if plan is not None
        ]
