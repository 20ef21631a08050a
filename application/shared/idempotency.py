"""Idempotency of creating and money-moving requests (PAY-15).

The same key with the same request replays the first answer; the same key with another request
is a conflict. A key whose first request is still running is a conflict too, so a double click
can never run the work twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from domain.identity.tenant import TenantId


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    content_type: str
    body: bytes


class Claim(Enum):
    NEW = "new"  # first use: run the request, then complete or release
    REPLAY = "replay"  # finished before with the same request
    MISMATCH = "mismatch"  # used before with another request
    IN_PROGRESS = "in_progress"  # the first request has not finished


@dataclass(frozen=True)
class ClaimResult:
    claim: Claim
    response: StoredResponse | None = None


class IdempotencyStore(Protocol):
    async def claim(self, tenant_id: TenantId, key: str, fingerprint: str) -> ClaimResult: ...

    async def complete(self, tenant_id: TenantId, key: str, response: StoredResponse) -> None: ...

    async def release(self, tenant_id: TenantId, key: str) -> None:
        """Forget a claim whose request failed on our side, so the client may try again."""
        ...
