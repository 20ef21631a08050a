"""Call an ASGI app with a request whose body arrives as the test says: in chunks, forever, or
cut off by a disconnect. What Litestar's test client cannot send."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from litestar.types import ASGIApp, HTTPReceiveMessage, Message


@dataclass
class Answer:
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    chunks_read: int = 0


async def call(
    app: ASGIApp,
    path: str,
    headers: dict[str, str],
    chunks: Iterable[bytes],
    *,
    method: str = "POST",
    then: Literal["end", "disconnect", "stall"] = "end",
) -> Answer:
    """``chunks`` are sent as the body; ``then`` the body ends, the client leaves, or nothing
    more ever comes."""
    answer = Answer()
    body: Iterator[bytes] = iter(chunks)
    pending = next(body, None)

    async def receive() -> HTTPReceiveMessage:
        nonlocal pending
        if pending is None:
            if then == "stall":
                await asyncio.Event().wait()
            return {"type": "http.disconnect"}
        chunk, pending = pending, next(body, None)
        answer.chunks_read += 1
        more = pending is not None or then != "end"
        return {"type": "http.request", "body": chunk, "more_body": more}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            answer.status = message["status"]
            answer.headers = {k.decode(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            answer.body += message.get("body", b"")

    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    await app(scope, receive, send)  # type: ignore[arg-type]
    return answer
