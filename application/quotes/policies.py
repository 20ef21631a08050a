"""Quotes' share of the sync policy: published, won and lost quotes go to the tenant's PSA.

One message per event, to the enabled PSA connection; the message carries only the quote id
and revision, and the deliverer pushes the quote as it is when delivered, so a backlog of
edits costs one push of the newest revision (QUO-6).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from application.integrations.messages import QUOTE_OUTCOME, QUOTE_PUSH
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
        payload: dict[str, object]
        if isinstance(event, QuotePublished):
            kind, payload = QUOTE_PUSH, {"revision": event.revision}
        else:
            outcome = "won" if isinstance(event, QuoteWon) else "lost"
            kind, payload = QUOTE_OUTCOME, {"outcome": outcome}
        payload_with_id = {"quote_id": str(event.quote_id), **payload}
        messages.extend(
            NewOutboxMessage(c.id, kind, QUOTE, event.quote_id, payload_with_id) for c in psa
        )
    return messages
