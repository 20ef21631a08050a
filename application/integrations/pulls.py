"""Scheduled pulls and "sync now" (PAY-12): pages streamed, checkpointed, applied idempotently.

A full first sync pages through everything; later ones ask for what changed since the last
success. Each page is applied in its own transaction and its checkpoint saved after, so a crash
resumes at the page it was on; applying a page twice changes nothing more.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

from application.integrations.connections import ConnectionConfigs
from application.integrations.ports import ExternalLinks, Puller, PullRequest, VendorError
from application.shared.errors import Conflict, NotFound
from application.shared.ports import Clock
from application.shared.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.crm.organization import (
    Address,
    Organization,
    OrganizationChanges,
    OrganizationId,
    OrganizationProfile,
)
from domain.identity.tenant import TenantId
from domain.integrations.connection import ConnectionId, System
from domain.shared.errors import DomainError

ORGANIZATION = "organization"
_PULLED = uuid.UUID("5b0f5cf0-5d1a-4c1e-9a53-2f1e4f0b6a11")  # namespace of pulled ids


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


@runtime_checkable
class SyncJobStore(Protocol):
    async def request(
        self, tenant_id: TenantId, connection_id: ConnectionId, entity: str, *, full: bool
    ) -> SyncJob:
        """A new job, or the one already requested or running for the same thing."""
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


def pulled_id(connection_id: ConnectionId, external_id: str) -> OrganizationId:
    """The same external record always becomes the same hub id, so re-applying is harmless."""
    return OrganizationId(uuid.uuid5(_PULLED, f"{connection_id}:{external_id}"))


def _hub_id(record: Mapping[str, Any], connection_id: ConnectionId) -> OrganizationId:
    try:
        return OrganizationId(UUID(str(record.get("hub_id"))))
    except ValueError:
        return pulled_id(connection_id, str(record["external_id"]))


def _profile_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    address = record.get("billing_address") or {}
    return {
        "name": record.get("name") or "",
        "phone": record.get("phone"),
        "fax": record.get("fax"),
        "website": record.get("website"),
        "account_number": record.get("account_number"),
        "billing_address": Address(
            **{
                k: address.get(k)
                for k in ("line1", "line2", "city", "state", "postal_code", "country")
            }
        ),
    }


class PullRunner:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        configs: ConnectionConfigs,
        *,
        pullers: Mapping[System, Puller],
        jobs: SyncJobStore,
        links: ExternalLinks,
        clock: Clock,
    ) -> None:
        self._uow, self._configs, self._pullers = uow, configs, pullers
        self._jobs, self._links, self._clock = jobs, links, clock

    async def run(
        self, job: SyncJob, owner: str, progress: Callable[[int], None] = lambda _n: None
    ) -> SyncJob:
        skipped: list[str] = []
        try:
            config = await self._configs.load(job.tenant_id, job.connection_id)
            puller = self._pullers.get(config.system)
            if puller is None:
                return await self._jobs.finish(
                    job, owner, error=f"no puller for {config.system}", failed=True
                )
            request = PullRequest(
                job.entity, None if job.full else job.changed_since, job.checkpoint
            )
            async for page in puller.pages(request, config):
                skipped += await self._apply(job, page.records)
                await self._jobs.checkpoint(job, owner, page.next_checkpoint, len(page.records))
                progress(len(page.records))
        except (VendorError, NotFound, Conflict) as error:
            return await self._jobs.finish(job, owner, error=error.message, failed=True)
        await self._mark_synced(job)
        note = f"{len(skipped)} records skipped: {'; '.join(skipped[:5])}" if skipped else None
        return await self._jobs.finish(job, owner, error=note, failed=False)

    async def _apply(self, job: SyncJob, records: Sequence[Mapping[str, Any]]) -> list[str]:
        skipped, new_links = [], []
        async with self._uow(job.tenant_id, origin=job.connection_id) as uow:
            for record in records:
                try:
                    if await self._upsert(uow, job, record):
                        new_links.append(record)
                except DomainError as error:
                    skipped.append(f"{record.get('external_id')}: {error.message}")
            await uow.commit()
        for record in new_links:
            await self._links.link(
                job.connection_id,
                ORGANIZATION,
                _hub_id(record, job.connection_id),
                str(record["external_id"]),
            )
        return skipped

    async def _upsert(self, uow: UnitOfWork, job: SyncJob, record: Mapping[str, Any]) -> bool:
        organization_id = _hub_id(record, job.connection_id)
        fields = _profile_fields(record)
        now = self._clock.now()
        try:
            organization = await uow.organizations.get(organization_id)
        except NotFound:
            profile = OrganizationProfile(**fields)
            organization = Organization(
                id=organization_id, tenant_id=job.tenant_id, profile=profile, now=now
            )
            await uow.organizations.add(organization)
            if record.get("active") is False:
                organization.deactivate(now)
            return True
        current = organization.profile
        changed = {k: v for k, v in fields.items() if getattr(current, k) != v}
        if changed:
            organization.revise(OrganizationChanges(**changed), now)
        if record.get("active") is False and organization.active:
            organization.deactivate(now)
        return False

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
        self, tenant_id: TenantId, connection_id: ConnectionId | None = None, *, full: bool = False
    ) -> list[SyncJob]:
        async with self._uow(tenant_id) as uow:
            if connection_id is not None:
                connections = [await uow.connections.get(connection_id)]
            else:
                connections = [
                    c
                    for c in await uow.connections.enabled()
                    if c.settings.get("pull_organizations")
                ]
        return [
            await self._jobs.request(tenant_id, c.id, ORGANIZATION, full=full) for c in connections
        ]
