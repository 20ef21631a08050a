"""What the hub last wrote to each Autotask record of a quote, kept beside its links, so a
republish writes only what changed and reads nothing the hub already knows (QUO-3, QUO-6).

ExternalLinks are insert-only, so a subject's marks are numbered: mark ``n`` is kept under an
id derived from the subject and ``n``, and the last one is what Autotask holds. A mark is
recorded only after the write it describes succeeded, so a crash in between leaves the older
mark and the next publish writes again (every such write is idempotent). Before a write whose
answer could be lost and leave a stray (a new attachment, an item sync that may create), a
``pending`` mark is recorded: the next publish then takes the slow path, which reads Autotask
and adopts or deletes what a crash left (``items.py``, ``__init__.py``).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from application.integrations.ports import ExternalLinks
from domain.integrations.connection import ConnectionId

MARKS = "autotask_pushed"  # ExternalLinks entity type of the marks
PENDING = "pending"


@dataclass(frozen=True)
class Mark:
    step: int
    value: str

    @property
    def pending(self) -> bool:
        return self.value == PENDING


def digest(*parts: object) -> str:
    """A short digest of what was written (reprs of frozen values: stable across runs)."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def subject_of(owner: uuid.UUID, role: str) -> uuid.UUID:
    """The subject of one record of a quote: its opportunity, quote, items, PDF."""
    return uuid.uuid5(owner, f"autotask:{role}")


class PushMarks:
    """One connection's marks."""

    def __init__(self, links: ExternalLinks, connection_id: ConnectionId) -> None:
        self._links = links
        self._connection_id = connection_id

    async def last(self, subject: uuid.UUID) -> Mark | None:
        """The latest mark: steps are recorded in order, so probe doubling, then bisect."""
        if await self._value(subject, 1) is None:
            return None
        low, high = 1, 2
        while await self._value(subject, high) is not None:
            low, high = high, high * 2
        while high - low > 1:
            middle = (low + high) // 2
            if await self._value(subject, middle) is None:
                high = middle
            else:
                low = middle
        value = await self._value(subject, low)
        return None if value is None else Mark(low, value)

    async def record(self, subject: uuid.UUID, after: Mark | None, value: str) -> Mark:
        """The mark after ``after``; ``value`` at most 80 characters."""
        step = 1 if after is None else after.step + 1
        key = uuid.uuid5(subject, str(step))
        await self._links.link(self._connection_id, MARKS, key, f"{key.hex[:16]}|{value[:80]}")
        return Mark(step, value)

    async def _value(self, subject: uuid.UUID, step: int) -> str | None:
        found = await self._links.find(self._connection_id, MARKS, uuid.uuid5(subject, str(step)))
        return None if found is None else found.partition("|")[2]
