"""The PDF cache renders a snapshot once and never hands back another snapshot's PDF (QUO-7)."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from decimal import Decimal
from threading import Lock

from adapters.documents.cache import CachedQuoteDocuments
from application.quotes.ports import QuoteDocuments
from application.quotes.snapshot import QuoteSnapshot
from tests.support.quotes import sample_snapshot


class CountingRenderer:
    """Renders ``size`` bytes that stand for the whole snapshot, and counts renders."""

    def __init__(self, size: int = 100) -> None:
        self.renders = 0
        self.size = size
        self._lock = Lock()

    def render(self, quote: QuoteSnapshot) -> bytes:
        with self._lock:
            self.renders += 1
        return hashlib.sha256(repr(quote).encode()).hexdigest().encode().ljust(self.size, b".")


def test_a_snapshot_is_rendered_once_and_its_bytes_are_handed_back_quo_7() -> None:
    inner = CountingRenderer()
    documents: QuoteDocuments = CachedQuoteDocuments(inner)
    quote = sample_snapshot()

    first, again = documents.render(quote), documents.render(sample_snapshot())

    assert first == again == inner.render(quote)
    assert inner.renders == 2  # the cache's one render, and the check's own


def test_any_change_to_the_snapshot_renders_anew() -> None:
    inner = CountingRenderer()
    documents = CachedQuoteDocuments(inner)
    quote = sample_snapshot()
    documents.render(quote)

    revised = documents.render(replace(quote, revision=quote.revision + 1))
    repriced = documents.render(replace(quote, grand_total=quote.grand_total + Decimal("0.01")))
    noted = documents.render(replace(quote, notes="Valid for 30 days"))

    assert inner.renders == 4
    assert len({revised, repriced}) == 2
    assert noted != documents.render(quote)
    assert inner.renders == 4  # the first is still kept


def test_the_oldest_pdfs_go_once_the_byte_budget_is_spent() -> None:
    inner = CountingRenderer(size=100)
    documents = CachedQuoteDocuments(inner, max_bytes=250)  # room for two
    quotes = [replace(sample_snapshot(), revision=r) for r in (1, 2, 3)]
    for quote in quotes:
        documents.render(quote)

    documents.render(quotes[2])
    documents.render(quotes[1])
    assert inner.renders == 3
    documents.render(quotes[0])  # was evicted
    assert inner.renders == 4


def test_a_pdf_larger_than_the_budget_is_rendered_every_time_never_kept() -> None:
    inner = CountingRenderer(size=1000)
    documents = CachedQuoteDocuments(inner, max_bytes=500)
    quote = sample_snapshot()

    assert documents.render(quote) == documents.render(quote)

    assert inner.renders == 2


def test_renders_from_many_threads_each_get_their_own_snapshots_pdf() -> None:
    inner = CountingRenderer()
    documents = CachedQuoteDocuments(inner)
    quotes = [replace(sample_snapshot(), revision=r) for r in range(20)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        pdfs = list(pool.map(documents.render, quotes * 5))

    assert pdfs == [inner.render(q) for q in quotes * 5]
    assert 20 <= inner.renders - 100 < 100  # each rendered at least once, not every time
