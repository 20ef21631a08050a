"""Storage ports of the quotes context."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from application.shared.pagination import PageRequest
from domain.crm.organization import OrganizationId
from domain.integrations.connection import ConnectionId
from domain.quotes.acceptance import QuoteAcceptance
from domain.quotes.quote import Quote, QuoteId, QuoteStatus


@dataclass(frozen=True, kw_only=True)
class QuoteFilter:
    organization_id: OrganizationId | None = None
    status: QuoteStatus | None = None  # "expired": QuoteQueries asks for published and past
    search: str | None = None  # number or title contains
    expires_before: date | None = None  # expiry earlier than this day (expired, with published)
    expires_from: date | None = None  # expiry on or after this day


class QuoteAcceptanceRepository(Protocol):
    async def add(self, acceptance: QuoteAcceptance) -> None: ...

    async def of_quote(self, quote_id: QuoteId) -> list[QuoteAcceptance]: ...


class QuoteRepository(Protocol):
    async def add(self, quote: Quote) -> None: ...

    async def get(self, quote_id: QuoteId, *, lock: bool = False) -> Quote:
        """Raises NotFound when the id is unknown to this tenant."""
        ...

    async def list(self, where: QuoteFilter, page: PageRequest) -> list[Quote]: ...

    async def count(self) -> int:
        """How many quotes the tenant has: the next number's seed."""
        ...


@dataclass(frozen=True, kw_only=True)
class QuotePush:
    """Where a quote landed in a PSA the last time it was pushed, and what it warned (KBMS-3)."""

    quote_id: QuoteId
    connection_id: ConnectionId
    revision: int
    opportunity_ref: str
    quote_ref: str
    warnings: tuple[str, ...]
    pushed_at: datetime
    outcome: str | None = None  # won | lost, once set in the PSA (QUO-4)


class QuotePushRepository(Protocol):
    async def save(self, push: QuotePush) -> None:
        """Insert or replace the quote's record for that connection."""
        ...

    async def of_quote(self, quote_id: QuoteId) -> list[QuotePush]: ...
