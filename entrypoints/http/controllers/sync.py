"""``/v1/sync``: sync errors with the vendor's message, retried or dismissed (INT-6, CW-8)."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from application.identity.ports import Principal
from application.integrations.pulls import SyncJobStore, SyncNow
from application.integrations.sync_errors import SyncErrorFilter, SyncErrors
from application.shared.pagination import PageRequest
from domain.integrations.connection import ConnectionId
from entrypoints.http.auth import ANY_STAFF, MANAGERS
from entrypoints.http.schemas.common import Limit, PageOut
from entrypoints.http.schemas.integrations import SyncErrorOut, SyncJobOut, SyncRun


class SyncController(Controller):
    path = "/v1/sync"
    tags = ["sync"]  # noqa: RUF012

    @get("/errors", guards=[ANY_STAFF], summary="Sync errors, open ones by default")
    async def errors(
        self,
        principal: NamedDependency[Principal],
        sync_errors: NamedDependency[SyncErrors],
        connection_id: FromQuery[UUID | None] = None,
        kind: FromQuery[str | None] = None,
        entity_id: FromQuery[UUID | None] = None,
        status: FromQuery[str | None] = "open",
        limit: Limit = None,
        cursor: FromQuery[str | None] = None,
    ) -> PageOut[SyncErrorOut]:
        where = SyncErrorFilter(
            connection_id=ConnectionId(connection_id) if connection_id else None,
            kind=kind,
            entity_id=entity_id,
            status=None if status == "all" else status,
        )
        page = await sync_errors.page(principal.tenant_id, where, PageRequest.parse(limit, cursor))
        return PageOut.of(page, SyncErrorOut.of)

    @post(
        "/errors/{error_id:uuid}/retry",
        guards=[MANAGERS],
        status_code=202,
        summary="Deliver again now; the error stays listed until a delivery succeeds",
    )
    async def retry(
        self,
        error_id: FromPath[UUID],
        principal: NamedDependency[Principal],
        sync_errors: NamedDependency[SyncErrors],
    ) -> SyncErrorOut:
        return SyncErrorOut.of(await sync_errors.retry(principal.tenant_id, error_id))

    @post(
        "/errors/{error_id:uuid}/dismiss",
        guards=[MANAGERS],
        status_code=200,
        summary="Dismiss a sync error",
    )
    async def dismiss(
        self,
        error_id: FromPath[UUID],
        principal: NamedDependency[Principal],
        sync_errors: NamedDependency[SyncErrors],
    ) -> SyncErrorOut:
        return SyncErrorOut.of(await sync_errors.dismiss(principal.tenant_id, error_id))

    @post(
        "/run",
        guards=[MANAGERS],
        status_code=202,
        summary="Sync now: pull from the tenant's connections (all, or the one given)",
    )
    async def run(
        self,
        principal: NamedDependency[Principal],
        sync_now: NamedDependency[SyncNow],
        data: JSONBody[SyncRun | None] = None,
    ) -> list[SyncJobOut]:
        request = data or SyncRun()
        connection = ConnectionId(request.connection_id) if request.connection_id else None
        jobs = await sync_now(principal.tenant_id, connection, full=request.full)
        return [SyncJobOut.of(job) for job in jobs]

    @get("/jobs", guards=[ANY_STAFF], summary="Recent pulls, newest first, with progress")
    async def jobs(
        self,
        principal: NamedDependency[Principal],
        sync_jobs: NamedDependency[SyncJobStore],
        limit: Limit = None,
    ) -> list[SyncJobOut]:
        recent = await sync_jobs.recent(principal.tenant_id, limit or 50)
        return [SyncJobOut.of(job) for job in recent]
