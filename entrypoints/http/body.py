"""The request at the edge, before any handler: bounded, timed, JSON only, read once.

The caller has been authenticated and the route's guards pass before anything is read.

- ``Content-Length`` over the limit is a 413 before a byte is read; reading stops at the limit.
- A body must arrive within the body timeout (a slow client holds nothing for long): 408.
- A body that is not ``application/json`` (or ``…+json``) is a 415.
- A body that is not UTF-8, not JSON, nested deeper than ``MAX_DEPTH``, or holds a NUL
  character (PostgreSQL stores none) is a 400 naming where; the query string is checked too
  (``query.py``).
- A client that disconnects while its body is read gets nothing, and no handler runs.

Handlers then see the whole body in one message. Mounted ASGI apps (the sandboxes: vendor
protocols, some form-encoded) are not the API's and pass through.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import msgspec
from litestar.enums import ScopeType
from litestar.handlers import HTTPRouteHandler
from litestar.types import ASGIApp, HTTPReceiveMessage, Receive, Scope, Send

from entrypoints.http.auth import authorize
from entrypoints.http.problems import field_named
from entrypoints.http.query import check_query, no_nul
from entrypoints.http.raw import Refused, send_problem

MAX_BODY = 10_000_000  # bytes; Litestar's own limit is set to the same
MAX_DEPTH = 32  # arrays and objects inside each other; no request of the API needs 5
_JSON_TYPE = re.compile(r"^application/([a-z0-9.+-]+\+)?json\s*(;.*)?$", re.IGNORECASE)
_WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_ESCAPED_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)


class BodyGuardMiddleware:
    def __init__(self, app: ASGIApp, *, body_timeout: float) -> None:
        self.app = app
        self._timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = scope.get("route_handler")
        # The portal's pages post HTML forms; Litestar bounds their size.
        api = isinstance(handler, HTTPRouteHandler) and not handler.opt.get("page")
        if scope["type"] != ScopeType.HTTP or not api:
            await self.app(scope, receive, send)
            return
        await authorize(scope)  # a role the route refuses gets its 403 before a byte is read
        try:
            check_query(scope)
            body = await self._body(scope, receive) if scope["method"] in _WITH_BODY else None
        except Refused as refused:
            await send_problem(
                send,
                scope,
                refused.status,
                refused.code,
                title=refused.title,
                detail=refused.detail,
                field=refused.field,
            )
            return
        if body is None and scope["method"] in _WITH_BODY:
            return  # the client left mid-body: nobody to answer, nothing to run
        await self.app(scope, receive if body is None else replay_body(body, receive), send)

    async def _body(self, scope: Scope, receive: Receive) -> bytes | None:
        headers = dict(scope["headers"])
        declared = _content_length(headers.get(b"content-length"))
        if declared is not None and declared > MAX_BODY:
            raise _too_large()
        body = await _read(receive, self._timeout)
        if body:
            _check_type(headers.get(b"content-type", b"").decode("latin-1"))
            _check_json(body)
            _check_shape(scope, body)
        return body


def _too_large() -> Refused:
    return Refused(
        413, "too_large", "Request body too large", f"the body is over {MAX_BODY} bytes", "body"
    )


def _content_length(raw: bytes | None) -> int | None:
    if raw is None:
        return None
    if not raw.strip().isdigit():
        raise Refused(
            400, "malformed_request", "Invalid Content-Length", "not a number", "Content-Length"
        )
    return int(raw)


async def _read(receive: Receive, seconds: float) -> bytes | None:
    """The whole body, or None when the client disconnected first."""
    chunks, size = [], 0
    try:
        async with asyncio.timeout(seconds):
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    return None
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > MAX_BODY:
                    raise _too_large()
                chunks.append(chunk)
                if not message.get("more_body", False):
                    return b"".join(chunks)
    except TimeoutError:
        detail = f"the body did not arrive within {seconds:g} s"
        raise Refused(408, "request_timeout", "Request timeout", detail, "body") from None


def _check_type(content_type: str) -> None:
    if not _JSON_TYPE.match(content_type.strip()):
        shown = content_type or "none"
        raise Refused(
            415,
            "unsupported_media_type",
            "Unsupported media type",
            f"send the body as application/json, not {shown}",
            "Content-Type",
        )


def _check_json(body: bytes) -> None:
    invalid = "The body is not valid"
    try:
        body.decode("utf-8")
        value = msgspec.json.decode(body)
    except UnicodeDecodeError as error:
        raise Refused(400, "malformed_request", invalid, f"not UTF-8: {error}", "body") from None
    except msgspec.DecodeError as error:
        raise Refused(400, "malformed_request", invalid, f"not JSON: {error}", "body") from None
    except RecursionError:
        raise Refused(400, "malformed_request", invalid, _TOO_DEEP, "body") from None
    if body.count(b"[") + body.count(b"{") > MAX_DEPTH or _ESCAPED_NUL.search(body):
        _walk(value)


_TOO_DEEP = f"arrays and objects are nested more than {MAX_DEPTH} deep"


def _check_shape(scope: Scope, body: bytes) -> None:
    """The body as the handler's type says, strictly: Litestar converts leniently (``0`` for
    ``false``, ``"60"`` for ``60``), which the OpenAPI document does not promise."""
    data = scope["route_handler"].parsed_data_field
    if data is None:
        return
    try:
        msgspec.json.decode(body, type=data.annotation, strict=True)
    except msgspec.ValidationError as error:
        message = str(error)
        field = field_named("body", message)
        raise Refused(400, "validation", "The request is not valid", message, field) from None
    except TypeError:  # a type msgspec cannot decode to: Litestar's own decoding decides
        return


def _walk(value: Any) -> None:
    """Depth and NUL characters, iteratively (a recursive walk is what deep nesting breaks)."""
    pending: list[tuple[Any, str, int]] = [(value, "", 0)]
    while pending:
        item, path, depth = pending.pop()
        if isinstance(item, str):
            no_nul(item, path or "body")
        elif isinstance(item, list | dict):
            if depth >= MAX_DEPTH:
                raise Refused(400, "malformed_request", "The body is not valid", _TOO_DEEP, "body")
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            for name, inner in pairs:
                no_nul(str(name), path or "body")
                where = f"{path}[{name}]" if isinstance(name, int) else f"{path}.{name}"
                pending.append((inner, where.lstrip("."), depth + 1))


def replay_body(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> HTTPReceiveMessage:
        nonlocal sent
        if sent:  # after the body, only a disconnect can come
            return await receive()  # type: ignore[return-value]
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed
