"""``/health``: the process answers and its database does."""

from __future__ import annotations

import structlog
from litestar import Controller, Response, get
from litestar.di import NamedDependency

from application.shared.ports import DatabaseProbe
from entrypoints.http.schemas.common import Output

log = structlog.get_logger("q2c.health")


class Health(Output, frozen=True):
    status: str
    database: str


class HealthController(Controller):
    path = "/health"
    tags = ["system"]  # noqa: RUF012

    @get("/", summary="Liveness and database reachability")
    async def health(self, probe: NamedDependency[DatabaseProbe]) -> Response[Health]:
        try:
            await probe.ping()
        except Exception as error:  # any failure of the database means "not healthy"
            log.warning("health_database_failed", error=type(error).__name__)
            return Response(Health(status="degraded", database="unreachable"), status_code=503)
        return Response(Health(status="ok", database="ok"))
