"""ASGI pieces of the sandbox faults: plain answers, a hang, a dropped and a cut-off body."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any, cast

from litestar.types import Message, Receive, ReceiveMessage, Send

_HTML = "<html><head><title>{0} {1}</title></head><body><h1>{1}</h1></body></html>"
_REASONS = {502: "Bad Gateway", 503: "Service Unavailable"}


async def send_json(send: Send, status: int, body: bytes, *, retry_after: float) -> None:
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", f"{retry_after:g}".encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def send_html(send: Send, status: int) -> None:
    body = _HTML.format(status, _REASONS[status]).encode()
    headers = [(b"content-type", b"text/html"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def hang(receive: Receive, seconds: float) -> Receive | None:
    """Answer nothing for ``seconds``; None when the client hung up meanwhile (no effect)."""
    held: deque[ReceiveMessage] = deque()

    async def until_disconnect() -> None:
        while (message := await receive())["type"] != "http.disconnect":
            held.append(message)

    try:
        await asyncio.wait_for(until_disconnect(), seconds)
    except TimeoutError:

        async def replay() -> ReceiveMessage:
            return held.popleft() if held else await receive()

        return replay
    return None


def dropping(send: Send) -> Send:
    """Lets the effect happen, then closes mid-body: the client sees a protocol error."""
    dropped = False

    async def wrapped(message: Message) -> None:
        nonlocal dropped
        if dropped:
            return
        if message["type"] == "http.response.body":
            body: bytes = message.get("body", b"")
            dropped = True
            part = {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
            await send(part)  # type: ignore[arg-type]
            return
        await send(message)

    return wrapped  # returning without completing the body makes the server close


class Truncating:
    """Lets the effect happen, then answers with the first half of the JSON body."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self._start: dict[str, Any] = {}
        self._body = bytearray()

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self._start = dict(message)
            return
        if message["type"] != "http.response.body":
            await self._send(message)
            return
        self._body += message.get("body", b"")
        if message.get("more_body", False):
            return
        cut = bytes(self._body[: len(self._body) // 2]) or b'{"'
        headers = [(k, v) for k, v in self._start["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(cut)).encode()))
        await self._send(cast("Message", {**self._start, "headers": headers}))
        await self._send({"type": "http.response.body", "body": cut, "more_body": False})
