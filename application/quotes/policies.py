"""Quotes' share of the sync policy: published, won and lost quotes go to the tenant's PSA.

One message per event, to the enabled PSA connection; the message carries only the quote id
and revision, and the deliverer pushes the quote as it is when delivered, so a backlog of
edits costs one push of the newest revision (QUO-6).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from application.integrations.messages import QuoteOutcome, QuotePush
from application.integrations.outbox import NewOutboxMessage
from domain.integrations.connection import Family
from domain.quotes.quote import QuoteLost, QuotePublished, QuoteWon
from domain.shared.events import DomainEvent

if TYPE_CHECKING:
    from application.shared.unit_of_work import UnitOfWork

QUOTE = "quote"


async def quote_policy(uow: UnitOfWork, events: Sequence[DomainEvent]) -> list[NewOutboxMessage]:
    wanted = [e for e in events if isinstance(e, QuotePublished | QuoteWon | QuoteLost)]
    if not wanted:
        return []
    enabled = await uow.connections.enabled_of(Family.PSA)
    psa = [] if enabled is None else [enabled]
    messages: list[NewOutboxMessage] = []
    for event in wanted:
        message: QuotePush | QuoteOutcome
        if isinstance(event, QuotePublished):
            message = QuotePush(event.quote_id, event.revision)
        else:
            outcome = "won" if isinstance(event, QuoteWon) else "lost"
            message = QuoteOutcome(event.quote_id, outcome)
        messages.extend(NewOutboxMessage(c.id, QUOTE, event.quote_id, message) for c in psa)
    return messages
