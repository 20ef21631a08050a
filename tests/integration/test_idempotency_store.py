"""The idempotency store's contract (PAY-15), the same on the fake, SQLite and PostgreSQL.

Keys belong to one API key; a claim is a lease that a dead request's retry may take over; an
answer is kept for the window, then the key is free and its row deleted.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import uuid4

import pytest

from adapters.persistence.memory_idempotency import InMemoryIdempotencyStore
from application.shared.idempotency import (
    Claim,
    ClaimResult,
    ClaimTerms,
    IdempotencyStore,
    KeyScope,
    StoredResponse,
)
from domain.identity.access import ApiKeyId, Role
from domain.identity.tenant import TenantId
from entrypoints.containers import build_container
from tests.conftest import settings_for
from tests.support.factories import NOW, new_tenant

ANSWER = StoredResponse(201, "application/json", b"sealed bytes")
WINDOW = timedelta(hours=24)
LEASE = timedelta(seconds=30)


@dataclass(frozen=True)
class Keys:
    store: IdempotencyStore
    mine: KeyScope
    other_key: KeyScope  # the same Idempotency-Key sent with another API key of the tenant

    async def claim(
        self, fingerprint: str = "f1", at: datetime = NOW, scope: KeyScope | None = None
    ) -> ClaimResult:
        terms = ClaimTerms(fingerprint, uuid4().hex, at, at + LEASE, at + WINDOW)
        return await self.store.claim(scope or self.mine, terms)

    async def answered(self, at: datetime = NOW) -> None:
        claimed = await self.claim(at=at)
        assert claimed.token is not None
        assert await self.store.complete(self.mine, claimed.token, ANSWER)


def _scopes(tenant: TenantId, mine: ApiKeyId, other: ApiKeyId) -> tuple[KeyScope, KeyScope]:
    key = f"key-{uuid4().hex[:8]}"
    return KeyScope(tenant, mine, key), KeyScope(tenant, other, key)


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def keys(request: pytest.FixtureRequest) -> AsyncIterator[Keys]:
    if request.param == "memory":
        ids = TenantId(uuid4()), ApiKeyId(uuid4()), ApiKeyId(uuid4())
        yield Keys(InMemoryIdempotencyStore(), *_scopes(*ids))
        return
    url: str = request.getfixturevalue(f"{request.param}_url")
    container = build_container(settings_for(url))
    created = await new_tenant(container)
    other = await container.identity.issue_api_key()(created.tenant.id, "other", Role.SALES)
    mine, theirs = _scopes(created.tenant.id, created.admin_key.key.id, other.key.id)
    yield Keys(container.persistence.idempotency(), mine, theirs)
    await container.persistence.probe().close()


async def test_first_claim_is_new_and_a_twin_finds_it_in_progress(keys: Keys) -> None:
    first = await keys.claim()
    assert first.claim is Claim.NEW
    assert first.token is not None
    assert (await keys.claim()).claim is Claim.IN_PROGRESS
    assert (await keys.claim("f2")).claim is Claim.MISMATCH


async def test_an_answer_is_replayed_to_the_same_request_only(keys: Keys) -> None:
    await keys.answered()
    replay = await keys.claim()
    assert (replay.claim, replay.response) == (Claim.REPLAY, ANSWER)
    assert (await keys.claim("f2")).claim is Claim.MISMATCH


async def test_another_api_keys_same_key_is_another_request(keys: Keys) -> None:  # SPEC 0
    await keys.answered()
    theirs = await keys.claim(scope=keys.other_key)
    assert theirs.claim is Claim.NEW
    assert theirs.response is None


async def test_a_claim_whose_lease_ran_out_is_taken_over_by_the_same_request(keys: Keys) -> None:
    dead = await keys.claim()
    later = NOW + LEASE + timedelta(seconds=1)
    assert (await keys.claim("f2", at=later)).claim is Claim.MISMATCH
    retry = await keys.claim(at=later)
    assert retry.claim is Claim.NEW
    assert dead.token is not None
    assert retry.token is not None
    assert not await keys.store.complete(keys.mine, dead.token, ANSWER)  # no longer its claim
    assert await keys.store.complete(keys.mine, retry.token, ANSWER)


async def test_a_renewed_claim_stays_in_progress(keys: Keys) -> None:
    claimed = await keys.claim()
    assert claimed.token is not None
    assert await keys.store.renew(keys.mine, claimed.token, NOW + 2 * LEASE)
    assert (await keys.claim(at=NOW + LEASE + timedelta(seconds=1))).claim is Claim.IN_PROGRESS


async def test_a_released_claim_frees_the_key_and_only_its_holder_releases(keys: Keys) -> None:
    claimed = await keys.claim()
    assert claimed.token is not None
    await keys.store.release(keys.mine, "someone-else")
    assert (await keys.claim()).claim is Claim.IN_PROGRESS
    await keys.store.release(keys.mine, claimed.token)
    assert (await keys.claim("f2")).claim is Claim.NEW


async def test_after_the_window_a_key_is_free_and_purged(keys: Keys) -> None:
    await keys.answered()
    after = NOW + WINDOW + timedelta(seconds=1)
    assert (await keys.claim("f2", at=after)).claim is Claim.NEW  # expired: any request
    assert await keys.store.purge(after + WINDOW) >= 1
    assert (await keys.claim("f3", at=after)).claim is Claim.NEW  # f2's claim went with its row
