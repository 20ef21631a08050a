"""``/v1/connections``: admins connect and configure; staff may look (credentials masked).

A system connected through its OAuth page (QuickBooks Online): an admin asks
``POST /v1/connections/{id}/authorize`` for the consent page's URL, the system sends the browser
back to ``GET /oauth/callback`` (no API key there: the single-use state is the proof), and the
hub keeps what the system issued, sealed, then tests the connection (INT-1, INT-2).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from application.identity.ports import Principal
from application.integrations.connections import (
    CompleteAuthorization,
    ConnectionChanges,
    ConnectionChoices,
    ConnectionQueries,
    ConnectSystem,
    StartAuthorization,
    TestConnection,
    UpdateConnection,
)
from domain.integrations.connection import ConnectionId
from entrypoints.http.auth import ADMINS, ANY_STAFF, MANAGERS
from entrypoints.http.schemas.integrations import (
    AuthorizationOut,
    ChoicesOut,
    ConnectionCreate,
    ConnectionOut,
    ConnectionPatch,
)

CALLBACK_PATH = "/oauth/callback"


class ConnectionController(Controller):
    path = "/v1/connections"
    tags = ["connections"]  # noqa: RUF012

    @post("/", guards=[ADMINS], summary="Connect a system (one PSA, accounting, gateway each)")
    async def create(
        self,
        data: JSONBody[ConnectionCreate],
        principal: NamedDependency[Principal],
        connect_system: NamedDependency[ConnectSystem],
    ) -> ConnectionOut:
        return ConnectionOut.of(await connect_system(principal.tenant_id, data.to_new()))

    @get("/", guards=[ANY_STAFF], summary="The tenant's connections")
    async def list_connections(
        self,
        principal: NamedDependency[Principal],
        connection_queries: NamedDependency[ConnectionQueries],
    ) -> list[ConnectionOut]:
        return [ConnectionOut.of(c) for c in await connection_queries.all(principal.tenant_id)]

    @get("/{connection_id:uuid}", guards=[ANY_STAFF], summary="A connection")
    async def read(
        self,
        connection_id: FromPath[UUID],
        principal: NamedDependency[Principal],
        connection_queries: NamedDependency[ConnectionQueries],
    ) -> ConnectionOut:
        found = await connection_queries.one(principal.tenant_id, ConnectionId(connection_id))
        return ConnectionOut.of(found)

    @patch(
        "/{connection_id:uuid}",
        guards=[ADMINS],
        summary="Change a connection; credentials given replace the stored ones",
    )
    async def update(
        self,
        connection_id: FromPath[UUID],
        data: JSONBody[ConnectionPatch],
        principal: NamedDependency[Principal],
        update_connection: NamedDependency[UpdateConnection],
    ) -> ConnectionOut:
        changed = await update_connection(
            principal.tenant_id, ConnectionId(connection_id), data.to_changes()
        )
        return ConnectionOut.of(changed)

    @get("/{connection_id:uuid}/settings", guards=[ANY_STAFF], summary="A connection's settings")
    async def read_settings(
        self,
        connection_id: FromPath[UUID],
        principal: NamedDependency[Principal],
        connection_queries: NamedDependency[ConnectionQueries],
    ) -> dict[str, Any]:
        found = await connection_queries.one(principal.tenant_id, ConnectionId(connection_id))
        return dict(found.settings)

    @get(
        "/{connection_id:uuid}/choices",
        guards=[MANAGERS],
        summary="What each setting can be set to, from the system's own look-ups (CW-1)",
        description="Asks the connected system, in real time, for the names its settings may "
        "take (ConnectWise: company types and statuses, contact types, opportunity stages, "
        "statuses and types, locations, departments, members, product types, categories and "
        "subcategories). A system whose settings are not picked from its look-ups answers 409; "
        "a system that refuses or fails answers with its own message.",
    )
    async def choices(
        self,
        connection_id: FromPath[UUID],
        principal: NamedDependency[Principal],
        connection_choices: NamedDependency[ConnectionChoices],
    ) -> ChoicesOut:
        offered = await connection_choices(principal.tenant_id, ConnectionId(connection_id))
        return ChoicesOut(
            connection_id=connection_id,
            settings={key: list(names) for key, names in offered.items()},
        )

    @patch(
        "/{connection_id:uuid}/settings",
        guards=[ADMINS],
        summary="Change some settings (merged into the current ones, INT-3)",
    )
    async def update_settings(
        self,
        connection_id: FromPath[UUID],
        data: JSONBody[dict[str, Any]],
        principal: NamedDependency[Principal],
        update_connection: NamedDependency[UpdateConnection],
    ) -> dict[str, Any]:
        changed = await update_connection(
            principal.tenant_id, ConnectionId(connection_id), ConnectionChanges(settings=data)
        )
        return dict(changed.settings)

    @post(
        "/{connection_id:uuid}/test",
        guards=[ADMINS],
        status_code=200,
        summary="Test the connection: connected, or failing with the system's reason (INT-2)",
    )
    async def test(
        self,
        connection_id: FromPath[UUID],
        principal: NamedDependency[Principal],
        test_connection: NamedDependency[TestConnection],
    ) -> ConnectionOut:
        tested = await test_connection(principal.tenant_id, ConnectionId(connection_id))
        return ConnectionOut.of(tested)

    @post(
        "/{connection_id:uuid}/authorize",
        guards=[ADMINS],
        status_code=200,
        summary="Start connecting a system through its own authorization page (OAuth 2)",
        description="Answers the URL of the system's consent page (QuickBooks Online: Intuit's) "
        "for the admin's browser; the system sends it back to /oauth/callback, and the hub "
        "keeps the tokens it issues, encrypted and never shown. The state in the URL works once, "
        "for ten minutes, for this tenant's connection only.",
    )
    async def authorize(
        self,
        connection_id: FromPath[UUID],
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        start_authorization: NamedDependency[StartAuthorization],
    ) -> AuthorizationOut:
        callback = f"{str(request.base_url).rstrip('/')}{CALLBACK_PATH}"
        started = await start_authorization(
            principal.tenant_id, ConnectionId(connection_id), callback
        )
        return AuthorizationOut.of(started)


class OAuthCallbackController(Controller):
    """Where a system's consent page sends the admin's browser back: no API key, the state."""

    path = CALLBACK_PATH
    include_in_schema = False

    @get("/", summary="The system's answer to an authorization (OAuth 2 callback)")
    async def callback(
        self,
        request: Request[Any, Any, Any],
        complete_authorization: NamedDependency[CompleteAuthorization],
        test_connection: NamedDependency[TestConnection],
    ) -> ConnectionOut:
        answer = {key: request.query_params.get(key, "") for key in request.query_params}
        connected = await complete_authorization(answer)
        return ConnectionOut.of(await test_connection(connected.tenant_id, connected.id))
