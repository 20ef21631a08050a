"""Idempotency of creating and money-moving requests (PAY-15).

The same key with the same request replays the first answer; the same key with another request
is a conflict. A key whose first request is still running is a conflict too, so a double click
can never run the work twice.

A key belongs to the API key (or portal token) that used it: another caller's same key is
another request, and an answer is never replayed to anyone else (SPEC section 0). An answer is
kept for ``window`` (24 hours), sealed (answers may carry a new API key), then deleted. A claim
is a lease, renewed while its request runs: a claim whose process died runs out, and the same
request may then take it over.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import Enum
from typing import Protocol
from uuid import uuid4

from application.shared.ports import Clock
from domain.identity.access import ApiKeyId
from domain.identity.tenant import TenantId

DEFAULT_WINDOW = timedelta(hours=24)
LEASE = timedelta(seconds=30)
PURGE_EVERY = timedelta(minutes=1)
KEEP_ATTEMPTS = (0.0, 0.05, 0.2, 0.5, 1.0)  # waits before each try of keeping an answer
# Answers the same request may later get otherwise, so they are not replayed: the caller's
# credentials (401, 403), a timeout, a concurrent change, a rate limit, and the server's faults.
NOT_KEPT = frozenset({401, 403, 408, 409, 425, 429})


@dataclass(frozen=True)
class KeyScope:
    """Whose key it is: one tenant's one API key (a portal token is one too)."""

    tenant_id: TenantId
    api_key_id: ApiKeyId
    key: str


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    content_type: str
    body: bytes


class Claim(Enum):
    NEW = "new"  # first use (or a dead claim taken over): run the request, then keep or release
    REPLAY = "replay"  # finished before with the same request
    MISMATCH = "mismatch"  # used before with another request
    IN_PROGRESS = "in_progress"  # the first request has not finished


@dataclass(frozen=True)
class ClaimResult:
    claim: Claim
    response: StoredResponse | None = None
    token: str | None = None  # a NEW claim's holder: only it may renew, complete or release


@dataclass(frozen=True)
class ClaimTerms:
    fingerprint: str
    token: str
    now: datetime
    lease_until: datetime
    expires_at: datetime


@dataclass(frozen=True)
class KeyState:
    """What a store holds for a key, as far as a new claim is concerned."""

    fingerprint: str
    answered: bool
    lease_until: datetime
    expires_at: datetime

    def judged(self, terms: ClaimTerms) -> Claim:
        """NEW: take the key over (its window ended, or the same request's claim died)."""
        if self.expires_at <= terms.now:
            return Claim.NEW
        if self.fingerprint != terms.fingerprint:
            return Claim.MISMATCH
        if self.answered:
            return Claim.REPLAY
        return Claim.NEW if self.lease_until <= terms.now else Claim.IN_PROGRESS


class IdempotencyStore(Protocol):
    async def claim(self, scope: KeyScope, terms: ClaimTerms) -> ClaimResult:
        """Atomically: a NEW claim when the key is unused, expired, or an unanswered claim of
        the same request whose lease ran out; otherwise what the key holds."""
        ...

    async def renew(self, scope: KeyScope, token: str, lease_until: datetime) -> bool: ...

    async def complete(self, scope: KeyScope, token: str, response: StoredResponse) -> bool:
        """Keep the answer of the claim ``token`` holds; False when it holds it no longer."""
        ...

    async def release(self, scope: KeyScope, token: str) -> None:
        """Forget an unanswered claim, so the client may try again."""
        ...

    async def purge(self, now: datetime) -> int:
        """Delete every key whose window ended before ``now``; how many."""
        ...


class AnswerSealer(Protocol):
    """Encrypts kept answers at rest: some carry a secret (a new API key, a portal token)."""

    def seal(self, plaintext: bytes) -> bytes: ...

    def open(self, sealed: bytes) -> bytes: ...


class IdempotentRequests:
    """The rules around the store: the window, leases, which answers are kept, sealing."""

    def __init__(
        self,
        store: IdempotencyStore,
        sealer: AnswerSealer,
        clock: Clock,
        window: timedelta = DEFAULT_WINDOW,
        keep_waits: tuple[float, ...] = KEEP_ATTEMPTS,
    ) -> None:
        self._store = store
        self._sealer = sealer
        self._clock = clock
        self.window = window
        self._keep_waits = keep_waits
        self._purged: datetime | None = None

    async def claim(self, scope: KeyScope, fingerprint: str) -> ClaimResult:
        now = self._clock.now()
        await self._purge_now_and_then(now)
        terms = ClaimTerms(fingerprint, uuid4().hex, now, now + LEASE, now + self.window)
        found = await self._store.claim(scope, terms)
        if found.response is None:
            return found
        opened = self._sealer.open(found.response.body)
        return replace(found, response=replace(found.response, body=opened))

    async def renew(self, scope: KeyScope, token: str) -> bool:
        return await self._store.renew(scope, token, self._clock.now() + LEASE)

    async def finish(self, scope: KeyScope, token: str, response: StoredResponse) -> None:
        """Keep the answer (retried: the work is done), or release the key for a retry."""
        if not keeps(response.status_code):
            await self._store.release(scope, token)
            return
        sealed = replace(response, body=self._sealer.seal(response.body))
        for attempt, wait in enumerate(self._keep_waits, start=1):
            await asyncio.sleep(wait)
            try:
                await self._store.complete(scope, token, sealed)
                return
            except Exception:
                if attempt == len(self._keep_waits):
                    raise

    async def release(self, scope: KeyScope, token: str) -> None:
        await self._store.release(scope, token)

    async def _purge_now_and_then(self, now: datetime) -> None:
        if self._purged is None or now - self._purged >= PURGE_EVERY:
            self._purged = now
            await self._store.purge(now)


def keeps(status: int) -> bool:
    """Whether an answer is kept and replayed: the request's own outcome, not a passing one."""
    return status < 500 and status not in NOT_KEPT
