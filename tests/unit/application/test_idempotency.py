"""The rules around kept answers (PAY-15): which are kept, sealed, retried, and when keys expire."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

import pytest

from adapters.persistence.memory_idempotency import InMemoryIdempotencyStore
from application.shared.idempotency import (
    LEASE,
    Claim,
    IdempotentRequests,
    KeyScope,
    StoredResponse,
)
from domain.identity.access import ApiKeyId
from domain.identity.tenant import TenantId
from tests.support.factories import NOW

SCOPE = KeyScope(TenantId(uuid4()), ApiKeyId(uuid4()), "k-1")
SECRET = b'{"key": "q2c_live_secret"}'


class Clock:
    def __init__(self) -> None:
        self.at = NOW

    def now(self) -> datetime:
        return self.at


class Sealer:
    """Reversible and visibly not the plaintext."""

    def seal(self, plaintext: bytes) -> bytes:
        return b"sealed:" + plaintext[::-1]

    def open(self, sealed: bytes) -> bytes:
        return sealed.removeprefix(b"sealed:")[::-1]


class FlakyStore(InMemoryIdempotencyStore):
    """Keeping an answer fails ``failures`` times (a locked or unreachable database)."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures
        self.kept: list[StoredResponse] = []

    async def complete(self, scope: KeyScope, token: str, response: StoredResponse) -> bool:
        if self.failures:
            self.failures -= 1
            raise OSError("database is locked")
        self.kept.append(response)
        return await super().complete(scope, token, response)


def requests(store: InMemoryIdempotencyStore, clock: Clock) -> IdempotentRequests:
    return IdempotentRequests(store, Sealer(), clock, keep_waits=(0, 0, 0))


async def test_a_kept_answer_is_sealed_at_rest_and_replayed_opened() -> None:
    store, clock = FlakyStore(0), Clock()
    idempotent = requests(store, clock)
    claimed = await idempotent.claim(SCOPE, "f")
    assert claimed.token is not None
    await idempotent.finish(SCOPE, claimed.token, StoredResponse(201, "application/json", SECRET))
    assert SECRET not in store.kept[0].body
    replay = await idempotent.claim(SCOPE, "f")
    assert replay.claim is Claim.REPLAY
    assert replay.response == StoredResponse(201, "application/json", SECRET)


@pytest.mark.parametrize("status", [401, 403, 408, 409, 429, 500, 503])
async def test_answers_the_same_request_may_later_get_otherwise_are_not_kept(status: int) -> None:
    idempotent = requests(FlakyStore(0), Clock())
    claimed = await idempotent.claim(SCOPE, "f")
    assert claimed.token is not None
    await idempotent.finish(SCOPE, claimed.token, StoredResponse(status, "x", b""))
    assert (await idempotent.claim(SCOPE, "f")).claim is Claim.NEW


@pytest.mark.parametrize("status", [200, 201, 400, 404, 422])
async def test_the_requests_own_outcome_is_kept(status: int) -> None:
    idempotent = requests(FlakyStore(0), Clock())
    claimed = await idempotent.claim(SCOPE, "f")
    assert claimed.token is not None
    await idempotent.finish(SCOPE, claimed.token, StoredResponse(status, "x", b"{}"))
    assert (await idempotent.claim(SCOPE, "f")).claim is Claim.REPLAY


async def test_keeping_an_answer_is_retried() -> None:
    store = FlakyStore(failures=2)
    idempotent = requests(store, Clock())
    claimed = await idempotent.claim(SCOPE, "f")
    assert claimed.token is not None
    await idempotent.finish(SCOPE, claimed.token, StoredResponse(201, "x", b"{}"))
    assert (await idempotent.claim(SCOPE, "f")).claim is Claim.REPLAY


async def test_an_answer_never_kept_does_not_leave_the_key_in_progress_for_good() -> None:
    clock = Clock()
    idempotent = requests(FlakyStore(failures=10), clock)
    claimed = await idempotent.claim(SCOPE, "f")
    assert claimed.token is not None
    with pytest.raises(OSError, match="locked"):
        await idempotent.finish(SCOPE, claimed.token, StoredResponse(201, "x", b"{}"))
    assert (await idempotent.claim(SCOPE, "f")).claim is Claim.IN_PROGRESS  # for its lease
    clock.at += LEASE + timedelta(seconds=1)
    assert (await idempotent.claim(SCOPE, "f")).claim is Claim.NEW  # then the retry runs


async def test_keys_expire_after_the_window_and_any_claim_purges_them() -> None:
    store, clock = FlakyStore(0), Clock()
    idempotent = requests(store, clock)
    claimed = await idempotent.claim(SCOPE, "f")
    assert claimed.token is not None
    await idempotent.finish(SCOPE, claimed.token, StoredResponse(201, "x", b"{}"))
    assert idempotent.window == timedelta(hours=24)
    clock.at += idempotent.window + timedelta(minutes=1)
    await idempotent.claim(KeyScope(SCOPE.tenant_id, SCOPE.api_key_id, "k-2"), "g")
    assert await store.purge(clock.at) == 0  # that claim deleted the expired key already
    assert (await idempotent.claim(SCOPE, "another request")).claim is Claim.NEW
