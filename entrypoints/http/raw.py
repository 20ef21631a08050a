"""Answers sent from ASGI middleware, before or around Litestar's handlers: raw bytes, or a
problem document shaped exactly as ``problems.py`` shapes the handlers' ones."""

from __future__ import annotations

import msgspec
from litestar.types import HTTPResponseBodyEvent, HTTPResponseStartEvent, Scope, Send

from entrypoints.http.problems import PROBLEM_JSON, problem_body


class Refused(Exception):
    def __init__(self, status: int, code: str, title: str, detail: str, field: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.field = field


async def send_bytes(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": status,
        "headers": headers,
    }
    await send(start)
    chunk: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
    await send(chunk)


async def send_problem(
    send: Send,
    scope: Scope,
    status: int,
    code: str,
    *,
    title: str,
    detail: str,
    field: str | None = None,
    retry_after: int | None = None,
) -> None:
    """A problem naming ``field`` when given; ``Retry-After`` when the same request may pass."""
    errors = [{"field": field, "message": detail}] if field else None
    body = problem_body(status, code, title, detail, instance=scope["path"], errors=errors)
    headers = [(b"content-type", PROBLEM_JSON.encode())]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send_bytes(send, status, headers, msgspec.json.encode(body))
