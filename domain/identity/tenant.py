"""The tenant: one MSP using the hub. Every row of every other aggregate belongs to one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NewType
from uuid import UUID

from domain.shared.errors import CurrencyAlreadySet
from domain.shared.events import Aggregate, DomainEvent
from domain.shared.money import Currency
from domain.shared.text import required_text

TenantId = NewType("TenantId", UUID)


@dataclass(frozen=True, kw_only=True)
class TenantCurrencySet(DomainEvent):
    currency: Currency


class Tenant(Aggregate):
    """An MSP. Its internal currency is set once and never changed (MON-3)."""

    def __init__(
        self,
        *,
        id: TenantId,
        name: str,
        created_at: datetime,
        currency: Currency | None = None,
    ) -> None:
        self.id = id
        self.name = required_text(name, "name", 100)
        self.created_at = created_at
        self.currency = currency

    def set_currency(self, currency: Currency, now: datetime) -> None:
        """MON-3: a second set is an error, even to the same value, never a silent no-op."""
        if self.currency is not None:
            raise CurrencyAlreadySet(
                f"the tenant's currency is already {self.currency} and can never be changed",
                rule="MON-3",
                field="currency",
            )
        self.currency = currency
        self.record(TenantCurrencySet(tenant_id=self.id, occurred_at=now, currency=currency))
