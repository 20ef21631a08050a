"""Ports of the quotes context: the PDF renderer and what each PSA does with a quote.

Every PSA adapter (Autotask, Kaseya BMS, later ConnectWise) implements ``PsaQuoting``; the
application picks it by the tenant's enabled PSA connection. Adapters raise the integration
port errors (``VendorRejected`` with the vendor's message, ``VendorUnavailable``,
``VendorRateLimited``), never vendor exceptions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Protocol, runtime_checkable

from application.integrations.ports import ConnectionConfig
from application.quotes.snapshot import QuoteSnapshot
from domain.catalog.item import ItemKind, Period


class QuoteDocuments(Protocol):
    """Renders the customer-facing quote PDF (QUO-7)."""

    def render(self, quote: QuoteSnapshot) -> bytes:
        """The PDF file's bytes; deterministic for one snapshot (no timestamps inside)."""
        ...


@dataclass(frozen=True)
class Problem:
    """Something a PSA rule refuses before any call (AT-1, KBMS-2, KBMS-7): names the field."""

    rule: str
    field: str
    message: str


@dataclass(frozen=True)
class PublishResult:
    """What a push left in the PSA: its ids, and per-line warnings (KBMS-3)."""

    opportunity_ref: str
    quote_ref: str
    attachment_ref: str | None = None
    warnings: tuple[str, ...] = ()
    calls: int = 0  # vendor API calls this push made (the bench reads it)


class Outcome(StrEnum):
    WON = "won"
    LOST = "lost"


@dataclass(frozen=True, kw_only=True)
class PsaOpportunity:
    """An opportunity offered by the selector (QUO-5) or the portal (PAY-14)."""

    external_id: str
    title: str
    company_ref: str | None = None
    company_name: str | None = None
    contact_ref: str | None = None
    amount: Decimal | None = None
    status: str | None = None  # the PSA's own label
    stage: str | None = None
    close_date: date | None = None
    quote_url: str | None = None  # from the configured user-defined field (PAY-14)


@dataclass(frozen=True, kw_only=True)
class PsaContact:
    external_id: str
    name: str
    company_ref: str | None = None
    company_name: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True, kw_only=True)
class PsaItem:
    """A PSA catalog item found by the product search (CAT-2); prices where the PSA gives them."""

    external_id: str
    kind: ItemKind
    source_kind: str  # the PSA's own entity: "product", "service", "labor", …
    name: str
    sku: str | None = None
    mpn: str | None = None
    description: str | None = None
    unit_price: Decimal | None = None  # None: the PSA gives no price (KBMS-9)
    unit_cost: Decimal | None = None
    period: Period | None = None
    category: str | None = None  # mapped to the hub's category and subcategory (AT-7)
    subcategory: str | None = None
    active: bool = True


@dataclass(frozen=True, kw_only=True)
class OpportunitySearch:
    text: str | None = None
    company_ref: str | None = None
    limit: int = 25


@runtime_checkable
class PsaQuoting(Protocol):
    """One PSA's share of quoting (QUO-3..6, CAT-2, PAY-14)."""

    def check(self, quote: QuoteSnapshot, connection: ConnectionConfig) -> Sequence[Problem]:
        """The PSA's rules that refuse a quote before any call (AT-1, KBMS-7); pure."""
        ...

    async def publish(
        self, quote: QuoteSnapshot, pdf: bytes, connection: ConnectionConfig
    ) -> PublishResult:
        """Create or update the opportunity, the PSA quote and its items, and the attached PDF.

        Idempotent (QUO-6): pushing the same snapshot twice, or after a crash half-way, leaves
        one of each. An update sends only what changed.
        """
        ...

    async def set_outcome(
        self, quote: QuoteSnapshot, outcome: Outcome, connection: ConnectionConfig
    ) -> None:
        """Won or lost: the opportunity's status (and stage) from the mapping (QUO-4)."""
        ...

    async def search_opportunities(
        self, search: OpportunitySearch, connection: ConnectionConfig
    ) -> list[PsaOpportunity]:
        """The selector's opportunities, with the PSA's filter rule (AT-2, KBMS-8)."""
        ...

    async def search_contacts(
        self, text: str, connection: ConnectionConfig, *, limit: int = 25
    ) -> list[PsaContact]: ...

    async def search_items(
        self, text: str, connection: ConnectionConfig, *, limit: int = 25
    ) -> list[PsaItem]:
        """The product cloud (CAT-2, AT-7, KBMS-9)."""
        ...

    async def open_opportunities(
        self, company_ref: str, connection: ConnectionConfig
    ) -> list[PsaOpportunity]:
        """A portal contact's organization's open opportunities, with quote URLs (PAY-14)."""
        ...
