"""``/hooks``: a system's callbacks about changed records (CW-8), no API key.

The hook's URL carries the connection and its ``key`` (the connection's write-only
``callback_key`` credential): ``POST /hooks/connectwise/{connection_id}?key=…`` is the URL
a ConnectWise callback entry (``/system/callbacks``) posts to. A callback requests an
immediate pull of the connection's changes; polling by ``lastUpdated`` stays the source of
truth. Any 2xx tells ConnectWise the callback arrived (it retries a 404, 409, 419 or 429).
Outside ``/v1`` (like ``/oauth/callback``): every ``/v1`` route takes an API key, and this is
for ConnectWise, not for the API's clients.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from adapters.vendors.connectwise.callbacks import pulled_entity
from application.integrations.callbacks import Callback, ReceiveCallback
from domain.integrations.connection import System
from entrypoints.http.schemas.common import Output


class ConnectWiseCallbackIn(msgspec.Struct, frozen=True):
    """ConnectWise's callback payload: only ``Type`` is read; every other field is allowed."""

    action: str | None = msgspec.field(default=None, name="Action")
    type: str | None = msgspec.field(default=None, name="Type")
    id: int | None = msgspec.field(default=None, name="ID")


class CallbackOut(Output, frozen=True):
    pull_requested: bool  # a pull of the connection's changes is on its way


class HookController(Controller):
    path = "/hooks"
    include_in_schema = False

    @post(
        "/connectwise/{connection_id:uuid}",
        status_code=200,
        summary="A ConnectWise callback: a changed record pulled now (CW-8)",
        description="No API key: the connection's callback_key credential in `key`. A wrong key "
        "or a connection that takes no callbacks is 404. The payload is not trusted: the pull "
        "reads the record from ConnectWise.",
    )
    async def connectwise(
        self,
        connection_id: FromPath[UUID],
        key: Annotated[
            str, QueryParameter(min_length=1, max_length=200, description="the callback key")
        ],
        data: JSONBody[ConnectWiseCallbackIn],
        receive_callback: NamedDependency[ReceiveCallback],
    ) -> CallbackOut:
        callback = Callback(System.CONNECTWISE, connection_id, key, pulled_entity(data.type))
        return CallbackOut(pull_requested=bool(await receive_callback(callback)))
