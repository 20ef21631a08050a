"""``Idempotency-Key`` on POST: the same key and request replay the first answer (PAY-15).

The order is what keeps a stored answer from being borrowed: the caller is authenticated
(``auth.py``), then the route's guards run here, so a role that may not make the request never
reaches a stored answer; then the key is claimed, atomically, for this API key only (another
key's same Idempotency-Key is another request). Two requests with one key never both run: the
second gets 409 while the first is in flight. ``application/shared/idempotency.py`` decides
which answers are kept (not 5xx, 401, 403, …); a kept answer is sealed and replayed for 24 h.

The body has been read whole by ``body.py`` before: a client that left mid-body claims nothing.
A claim is renewed while its request runs; its answer is kept even if the client has gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from dataclasses import dataclass, field

import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send

from application.identity.ports import Principal
from application.shared.idempotency import (
    LEASE,
    Claim,
    IdempotentRequests,
    KeyScope,
    StoredResponse,
)
from entrypoints.http.auth import authorize
from entrypoints.http.body import replay_body
from entrypoints.http.raw import send_bytes, send_problem

HEADER = b"idempotency-key"
MAX_KEY_LENGTH = 255
log = structlog.get_logger("q2c.http")


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, requests: IdempotentRequests) -> None:
        self.app = app
        self._requests = requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _key_of(scope)
        principal = scope.get("user")
        if key is None or not isinstance(principal, Principal):
            await self.app(scope, receive, send)
            return
        if not 1 <= len(key) <= MAX_KEY_LENGTH or not (key.isascii() and key.isprintable()):
            detail = f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable ASCII characters"
            await send_problem(
                send,
                scope,
                400,
                "invalid_idempotency_key",
                title="Invalid Idempotency-Key",
                detail=detail,
                field="Idempotency-Key",
            )
            return
        await authorize(scope)  # a 403 here is raised, never kept, never replayed
        message = await receive()  # the whole body: body.py has read it
        if message["type"] != "http.request":
            return  # the client has gone: nothing to answer, nothing claimed
        body = message.get("body", b"")
        owned = KeyScope(principal.tenant_id, principal.key_id, key)
        result = await self._requests.claim(owned, _fingerprint(scope, body))
        if result.claim is Claim.MISMATCH:
            await _conflict(send, scope, "idempotency_key_reused", _REUSED)
        elif result.claim is Claim.IN_PROGRESS:
            await _conflict(send, scope, "idempotency_key_in_progress", _RUNNING, retry_after=1)
        elif result.claim is Claim.REPLAY and result.response is not None:
            await _send_stored(send, result.response)
        elif result.token is not None:
            await self._run_once(scope, replay_body(body, receive), send, owned, result.token)

    async def _run_once(
        self, scope: Scope, receive: Receive, send: Send, owned: KeyScope, token: str
    ) -> None:
        answer = _Answer(send)
        renewing = asyncio.create_task(self._renew(owned, token))
        try:
            await self.app(scope, receive, answer.send)
        except BaseException:
            await asyncio.shield(self._requests.release(owned, token))
            raise
        finally:
            renewing.cancel()
        try:
            await asyncio.shield(self._requests.finish(owned, token, answer.stored()))
        except Exception:  # the answer went out; its claim runs out after its lease
            log.exception("idempotent_answer_not_kept", key=owned.key)

    async def _renew(self, owned: KeyScope, token: str) -> None:
        """While the request runs, its claim stays alive; a dead process's claim runs out."""
        while True:
            await asyncio.sleep(LEASE.total_seconds() / 3)
            with contextlib.suppress(Exception):  # the next renewal may pass; the lease is long
                await self._requests.renew(owned, token)


@dataclass
class _Answer:
    """What the handler answers, kept as it goes out; a client gone does not stop the work."""

    downstream: Send
    status: int = 500
    content_type: str = "application/json"
    chunks: list[bytes] = field(default_factory=list)
    client_gone: bool = False

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            headers = dict(message.get("headers", []))
            self.content_type = headers.get(b"content-type", b"").decode("latin-1")
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))
        if self.client_gone:
            return
        try:
            await self.downstream(message)
        except OSError:
            self.client_gone = True

    def stored(self) -> StoredResponse:
        return StoredResponse(self.status, self.content_type, b"".join(self.chunks))


_REUSED = "this Idempotency-Key was used with a different request"
_RUNNING = "a request with this Idempotency-Key is still running"


async def _conflict(
    send: Send, scope: Scope, code: str, detail: str, retry_after: int | None = None
) -> None:
    await send_problem(
        send,
        scope,
        409,
        code,
        title="Conflict",
        detail=detail,
        field="Idempotency-Key",
        retry_after=retry_after,
    )


def _key_of(scope: Scope) -> str | None:
    if scope["type"] != ScopeType.HTTP or scope["method"] != "POST":
        return None
    for name, value in scope["headers"]:
        if name == HEADER:
            return value.decode("latin-1").strip()
    return None


def _fingerprint(scope: Scope, body: bytes) -> str:
    """The request: method, path, query and body (whose it is, is the row's key)."""
    digest = hashlib.sha256()
    http: HTTPScope = scope  # type: ignore[assignment]  # only HTTP scopes reach here
    for part in (http["method"].encode(), http["path"].encode(), http["query_string"], body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


async def _send_stored(send: Send, response: StoredResponse) -> None:
    await send_bytes(
        send,
        response.status_code,
        [
            (b"content-type", response.content_type.encode("latin-1")),
            (b"idempotent-replayed", b"true"),
        ],
        response.body,
    )
