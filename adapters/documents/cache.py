"""The quote PDFs a process rendered last, kept by snapshot (QUO-7).

A render is tens of milliseconds of CPU, and a push that fails on a vendor fault is delivered
again with the same snapshot; so is a PDF downloaded twice. The renderer is deterministic for
one snapshot, so the bytes kept for a snapshot are the bytes a new render would give.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from application.quotes.ports import QuoteDocuments
from application.quotes.snapshot import QuoteSnapshot


class CachedQuoteDocuments:
    """``QuoteDocuments`` that renders a snapshot once while its PDF stays among the latest
    ``max_bytes``. Safe across threads: renders run off the event loop in a pool."""

    def __init__(self, inner: QuoteDocuments, *, max_bytes: int = 16 * 2**20) -> None:
        self._inner = inner
        self._max_bytes = max_bytes
        self._kept: OrderedDict[bytes, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def render(self, quote: QuoteSnapshot) -> bytes:
        key = _key(quote)
        with self._lock:
            pdf = self._kept.get(key)
            if pdf is not None:
                self._kept.move_to_end(key)
                return pdf
        pdf = self._inner.render(quote)  # outside the lock: other renders go on meanwhile
        self._keep(key, pdf)
        return pdf

    def _keep(self, key: bytes, pdf: bytes) -> None:
        if len(pdf) > self._max_bytes:
            return
        with self._lock:
            if key in self._kept:
                return  # another thread rendered the same snapshot at once
            self._kept[key] = pdf
            self._size += len(pdf)
            while self._size > self._max_bytes:
                _, oldest = self._kept.popitem(last=False)
                self._size -= len(oldest)


def _key(quote: QuoteSnapshot) -> bytes:
    """A digest of every field of the snapshot (a frozen dataclass: its repr names them all)."""
    return hashlib.sha256(repr(quote).encode()).digest()
