"""A quote as the outside world sees it: the PDF (QUO-7) and the PSA push (QUO-3) read this.

A snapshot is plain data, built from the aggregate, its totals and its parties at the moment of
rendering or pushing; it never changes the quote. Tests, the bench and the PDF's own check
build one directly, without a database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.catalog.item import ItemKind, ItemSource, Period
from domain.identity.branding import Branding, Logo


@dataclass(frozen=True, kw_only=True)
class SnapshotParty:
    """The organization, contact or owner printed on the quote and matched in the PSA."""

    id: UUID | None
    name: str
    phone: str | None = None
    email: str | None = None
    first_name: str | None = None  # contacts only
    last_name: str | None = None
    address: tuple[str, ...] = ()  # printable lines


@dataclass(frozen=True, kw_only=True)
class SnapshotLine:
    """One quote line with its computed money; amounts are exact Decimals in the currency."""

    id: UUID
    position: int
    name: str
    kind: ItemKind
    quantity: Decimal
    unit_price: Decimal
    unit_cost: Decimal | None
    period: Period | None  # None: one-time
    taxable: bool
    tax_code: str | None
    tax_rate: Decimal  # percent
    discount_percent: Decimal | None  # the item discount as entered: a percent …
    discount_amount: Decimal  # … and always the amount it takes off the line (0 when none)
    gross: Decimal  # unit_price times quantity
    net: Decimal  # gross less the item discount
    quote_discount_share: Decimal  # this line's share of the quote-level discount
    tax: Decimal
    item_id: UUID | None = None  # the hub catalog item, None for an ad-hoc line
    source: ItemSource | None = None  # where a line pulled from a PSA came from (CAT-2)
    sku: str | None = None
    mpn: str | None = None
    description: str | None = None
    category: str | None = None
    subcategory: str | None = None
    labor: bool = False  # the category's or subcategory's labor flag (AT-4)
    kaseya_item_type: str | None = None  # the category's Kaseya item type (KBMS-1)
    unit_of_measure: str | None = None

    @property
    def one_time(self) -> bool:
        return self.period is None

    @property
    def net_unit_price(self) -> Decimal:
        """The unit price after the item discount, unrounded (KBMS-4 folds it in)."""
        return self.net / self.quantity if self.quantity else self.unit_price


@dataclass(frozen=True, kw_only=True)
class SnapshotRecurring:
    period: Period
    subtotal: Decimal
    tax: Decimal
    total: Decimal


@dataclass(frozen=True, kw_only=True)
class QuoteSnapshot:
    """Everything the PDF prints and a PSA adapter pushes, for one revision of one quote."""

    id: UUID
    tenant_id: UUID
    number: str
    title: str
    status: str  # the status on ``issued_on``: draft | published | won | lost | expired
    revision: int
    currency: str
    issued_on: date
    expires_on: date
    organization: SnapshotParty
    contact: SnapshotParty | None
    owner: SnapshotParty
    lines: tuple[SnapshotLine, ...]
    quote_discount_percent: Decimal | None  # as entered, when a percent
    quote_discount: Decimal  # the amount taken off the one-time subtotal
    one_time_subtotal: Decimal
    one_time_tax: Decimal
    one_time_total: Decimal
    recurring: tuple[SnapshotRecurring, ...]
    line_discounts: Decimal
    tax_total: Decimal
    grand_total: Decimal
    cost_total: Decimal
    margin: Decimal
    value: Decimal  # revenue without tax: what the PSA opportunity amount becomes (QUO-3)
    notes: str | None = None
    opportunity_ref: str | None = None  # the PSA opportunity picked with the selector (QUO-5)
    tenant_name: str = ""
    branding: Branding | None = None  # the sender's logo, address, contacts, terms, colour
    logo: Logo | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def expired(self) -> bool:
        return self.status == "expired"

    @property
    def one_time_lines(self) -> tuple[SnapshotLine, ...]:
        return tuple(line for line in self.lines if line.one_time)

    @property
    def recurring_lines(self) -> tuple[SnapshotLine, ...]:
        return tuple(line for line in self.lines if not line.one_time)
