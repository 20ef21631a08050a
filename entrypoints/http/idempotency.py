"""``Idempotency-Key`` on POST: the same key and request replay the first answer (PAY-15).

A key is claimed atomically before the handler runs, so two concurrent requests with one key
never both run; the loser gets 409 while the first is in flight. Answers of 5xx release the key
so the client can retry; every other answer is kept and replayed.
"""

from __future__ import annotations

import hashlib
from typing import Any, cast

import msgspec
from litestar.enums import ScopeType
from litestar.types import (
    ASGIApp,
    HTTPReceiveMessage,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    HTTPScope,
    Message,
    Receive,
    Scope,
    Send,
)

from application.identity.ports import Principal
from application.shared.idempotency import Claim, IdempotencyStore, StoredResponse
from entrypoints.http.problems import PROBLEM_JSON, problem_body

HEADER = b"idempotency-key"
MAX_KEY_LENGTH = 255


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, store: IdempotencyStore) -> None:
        self.app = app
        self._store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _key_of(scope)
        principal = scope.get("user")
        if key is None or not isinstance(principal, Principal):
            await self.app(scope, receive, send)
            return
        if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isprintable():
            await _send_problem(
                send,
                scope,
                400,
                "invalid_idempotency_key",
                detail=f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters",
                field="Idempotency-Key",
            )
            return
        body, replay_receive = await _buffer(receive)
        fingerprint = _fingerprint(scope, body, principal)
        result = await self._store.claim(principal.tenant_id, key, fingerprint)
        if result.claim is Claim.MISMATCH:
            await _send_problem(
                send,
                scope,
                409,
                "idempotency_key_reused",
                detail="this Idempotency-Key was used with a different request",
            )
        elif result.claim is Claim.IN_PROGRESS:
            await _send_problem(
                send,
                scope,
                409,
                "idempotency_key_in_progress",
                detail="a request with this Idempotency-Key is still running",
                retry_after=True,
            )
        elif result.claim is Claim.REPLAY and result.response is not None:
            await _send_stored(send, result.response)
        else:
            await self._run_once(scope, replay_receive, send, principal, key)

    async def _run_once(
        self, scope: Scope, receive: Receive, send: Send, principal: Principal, key: str
    ) -> None:
        captured: dict[str, Any] = {"status": 500, "type": "application/json", "body": b""}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                headers = dict(message.get("headers", []))
                captured["type"] = headers.get(b"content-type", b"").decode("latin-1")
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")
            await send(message)

        try:
            await self.app(scope, receive, capture)
        except BaseException:
            await self._store.release(principal.tenant_id, key)
            raise
        if captured["status"] >= 500:
            await self._store.release(principal.tenant_id, key)
        else:
            await self._store.complete(
                principal.tenant_id,
                key,
                StoredResponse(
                    status_code=captured["status"],
                    content_type=captured["type"],
                    body=captured["body"],
                ),
            )


def _key_of(scope: Scope) -> str | None:
    if scope["type"] != ScopeType.HTTP or scope["method"] != "POST":
        return None
    for name, value in scope["headers"]:
        if name == HEADER:
            return value.decode("latin-1").strip()
    return None


def _fingerprint(scope: Scope, body: bytes, principal: Principal) -> str:
    digest = hashlib.sha256()
    http: HTTPScope = scope  # type: ignore[assignment]  # only HTTP scopes reach here
    parts = [http["method"].encode(), http["path"].encode(), http["query_string"], body]
    if principal.contact_id is not None:  # a portal contact is replayed its own answers only
        parts.append(principal.contact_id.bytes)
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


async def _buffer(receive: Receive) -> tuple[bytes, Receive]:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    sent = False

    async def replay() -> HTTPReceiveMessage:
        nonlocal sent
        if sent:
            return cast(HTTPReceiveMessage, await receive())
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return body, replay


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": status,
        "headers": headers,
    }
    await send(start)
    chunk: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
    await send(chunk)


async def _send_stored(send: Send, response: StoredResponse) -> None:
    await _send(
        send,
        response.status_code,
        [
            (b"content-type", response.content_type.encode("latin-1")),
            (b"idempotent-replayed", b"true"),
        ],
        response.body,
    )


async def _send_problem(
    send: Send,
    scope: Scope,
    status: int,
    code: str,
    *,
    detail: str,
    field: str | None = None,
    retry_after: bool = False,
) -> None:
    errors = [{"field": field, "message": detail}] if field else None
    body = msgspec.json.encode(
        problem_body(status, code, detail, detail, instance=scope["path"], errors=errors)
    )
    headers = [(b"content-type", PROBLEM_JSON.encode())]
    if retry_after:
        headers.append((b"retry-after", b"1"))
    await _send(send, status, headers, body)
