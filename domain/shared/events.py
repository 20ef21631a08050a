"""Domain events and the base every aggregate shares to record them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Something that happened to an aggregate; collected by the unit of work after commit."""

    tenant_id: UUID
    occurred_at: datetime


class Aggregate:
    """Records events; persistence may build instances without calling ``__init__``."""

    def record(self, event: DomainEvent) -> None:
        self._pending().append(event)

    def pull_events(self) -> list[DomainEvent]:
        events = self._pending()
        self.__dict__["_events"] = []
        return events

    def _pending(self) -> list[DomainEvent]:
        events: list[DomainEvent] = self.__dict__.setdefault("_events", [])
        return events
