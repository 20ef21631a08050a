"""The in-memory twin of ``SqlAlchemyIdempotencyStore``: the same claims, leases and expiry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from application.shared.idempotency import (
    Claim,
    ClaimResult,
    ClaimTerms,
    KeyScope,
    KeyState,
    StoredResponse,
)


@dataclass(frozen=True)
class _Row:
    fingerprint: str
    token: str
    lease_until: datetime
    expires_at: datetime
    response: StoredResponse | None = None

    @property
    def state(self) -> KeyState:
        answered = self.response is not None
        return KeyState(self.fingerprint, answered, self.lease_until, self.expires_at)


class InMemoryIdempotencyStore:
    def __init__(self) -> None:
        self._rows: dict[KeyScope, _Row] = {}

    async def claim(self, scope: KeyScope, terms: ClaimTerms) -> ClaimResult:
        row = self._rows.get(scope)
        verdict = Claim.NEW if row is None else row.state.judged(terms)
        if verdict is Claim.NEW:
            self._rows[scope] = _Row(
                terms.fingerprint, terms.token, terms.lease_until, terms.expires_at
            )
            return ClaimResult(Claim.NEW, token=terms.token)
        assert row is not None
        return ClaimResult(verdict, row.response if verdict is Claim.REPLAY else None)

    async def renew(self, scope: KeyScope, token: str, lease_until: datetime) -> bool:
        return self._update(scope, token, lambda row: replace(row, lease_until=lease_until))

    async def complete(self, scope: KeyScope, token: str, response: StoredResponse) -> bool:
        return self._update(scope, token, lambda row: replace(row, response=response))

    async def release(self, scope: KeyScope, token: str) -> None:
        if self._held(scope, token):
            del self._rows[scope]

    async def purge(self, now: datetime) -> int:
        expired = [scope for scope, row in self._rows.items() if row.expires_at <= now]
        for scope in expired:
            del self._rows[scope]
        return len(expired)

    def _held(self, scope: KeyScope, token: str) -> bool:
        row = self._rows.get(scope)
        return row is not None and row.token == token and row.response is None

    def _update(self, scope: KeyScope, token: str, change: Callable[[_Row], _Row]) -> bool:
        if not self._held(scope, token):
            return False
        self._rows[scope] = change(self._rows[scope])
        return True
