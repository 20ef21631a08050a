"""The worker's side of quotes: push a quote to its PSA (QUO-3, QUO-6), set its outcome (QUO-4).

Both are outbox deliverers, one instance per PSA system, around that system's ``PsaQuoting``
adapter. They read the quote as it is now: a message for an older revision than the quote's
is already covered by the newer one's message, and is acknowledged without a call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace

from application.integrations import messages
from application.integrations.messages import QuoteOutcome, expect
from application.integrations.ports import ConnectionConfig, OutboxMessage, VendorRejected
from application.quotes.ports import Outcome, PsaQuoting, QuoteDocuments
from application.quotes.repositories import QuotePush
from application.quotes.snapshot import QuoteSnapshot
from application.quotes.snapshots import load_snapshot
from application.shared.errors import NotFound
from application.shared.ports import Clock
from application.shared.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.quotes.quote import QuoteId
from domain.shared.time import utc_day


class _QuoteDeliverer:
    kind: str

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, quoting: PsaQuoting) -> None:
        self._uow = uow
        self._clock = clock
        self._quoting = quoting

    async def _snapshot(self, message: OutboxMessage) -> QuoteSnapshot | None:
        if message.kind != self.kind:
            raise VendorRejected(f"cannot deliver {message.kind!r} messages here")
        async with self._uow(message.tenant_id) as uow:
            try:
                quote = await uow.quotes.get(QuoteId(message.aggregate_id))
            except NotFound:
                return None  # nothing left to push
            return await load_snapshot(uow, quote, utc_day(self._clock.now()))

    async def _last(self, message: OutboxMessage) -> QuotePush | None:
        async with self._uow(message.tenant_id) as uow:
            return await _last_push(uow, message)

    async def _record(
        self, message: OutboxMessage, push: Callable[[QuotePush | None], QuotePush]
    ) -> None:
        """Saves ``push(last)``: the record made from this connection's last one, if any."""
        async with self._uow(message.tenant_id) as uow:
            await uow.quote_pushes.save(push(await _last_push(uow, message)))
            await uow.commit()


async def _last_push(uow: UnitOfWork, message: OutboxMessage) -> QuotePush | None:
    pushes = await uow.quote_pushes.of_quote(QuoteId(message.aggregate_id))
    return next((p for p in pushes if p.connection_id == message.connection_id), None)


class PushQuote(_QuoteDeliverer):
    """``quote.push``: the opportunity, the PSA quote and items, and the PDF (QUO-3)."""

    kind = messages.QUOTE_PUSH

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        quoting: PsaQuoting,
        documents: QuoteDocuments,
    ) -> None:
        super().__init__(uow, clock, quoting)
        self._documents = documents

    async def deliver(self, message: OutboxMessage, connection: ConnectionConfig) -> None:
        wanted = expect(message.body, messages.QuotePush, "the quote push")
        quote = await self._snapshot(message)
        if quote is None or quote.revision > wanted.revision:
            return  # deleted, or a newer revision's message will push it
        problems = self._quoting.check(quote, connection)  # before any call (AT-1, KBMS-7)
        if problems:
            raise VendorRejected("; ".join(f"{p.rule}: {p.message}" for p in problems))
        pdf = await asyncio.to_thread(self._documents.render, quote)  # CPU: off the loop
        result = await self._quoting.publish(quote, pdf, connection)
        pushed = QuotePush(
            quote_id=QuoteId(quote.id),
            connection_id=connection.connection_id,
            revision=quote.revision,
            opportunity_ref=result.opportunity_ref,
            quote_ref=result.quote_ref,
            warnings=result.warnings,
            pushed_at=self._clock.now(),
        )
        # A won or lost quote pushed again keeps its recorded outcome.
        await self._record(
            message, lambda last: replace(pushed, outcome=last.outcome if last else None)
        )


class SetQuoteOutcome(_QuoteDeliverer):
    """``quote.outcome``: won or lost moves the PSA opportunity (QUO-4)."""

    kind = QuoteOutcome.kind

    async def deliver(self, message: OutboxMessage, connection: ConnectionConfig) -> None:
        decided = expect(message.body, QuoteOutcome, "the quote outcome")
        quote = await self._snapshot(message)
        if quote is None:
            return
        last = await self._last(message)
        if last is None:
            raise VendorRejected(
                f"quote {quote.number} was never pushed to this PSA; publish it first"
            )
        outcome = Outcome(decided.outcome)
        await self._quoting.set_outcome(quote, outcome, connection)
        await self._record(message, lambda now: replace(now or last, outcome=outcome.value))
