"""Use cases of quotes (QUO-1..7): build, edit, publish, win or lose, render.

Each loads the quote, calls one aggregate method and commits; the sync policy turns publish,
won and lost into outbox messages for the tenant's PSA in the same commit (INT-5).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from application.identity.branding import branding_of
from application.integrations.connections import ConnectionConfigs
from application.quotes.ports import Problem, PsaQuoting, QuoteDocuments
from application.quotes.snapshots import load_snapshot
from application.shared.errors import Conflict, NotFound
from application.shared.ports import Clock, IdGenerator
from application.shared.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.catalog.item import CatalogItemId, Category, ItemKind, ItemSource, Period
from domain.identity.tenant import TenantId
from domain.integrations.connection import Family, System
from domain.quotes.quote import (
    Discount,
    LineDetails,
    LineId,
    Quote,
    QuoteHeader,
    QuoteId,
)
from domain.shared.errors import InvalidValue
from domain.shared.money import price_of
from domain.shared.time import utc_day

FIRST_NUMBER = 1001
NUMBER_ATTEMPTS = 5


@dataclass(frozen=True, kw_only=True)
class LineSpec:
    """A line as asked for: from the catalog (``item_id``), from a PSA (``source``), or ad hoc.

    A catalog item gives every field the request leaves out; an ad-hoc or PSA line needs at
    least ``name`` and ``unit_price``.
    """

    quantity: Decimal
    item_id: CatalogItemId | None = None
    source: ItemSource | None = None
    name: str | None = None
    kind: ItemKind | None = None
    unit_price: Decimal | None = None
    unit_cost: Decimal | None = None
    period: Period | None = None
    one_time: bool = False  # with a catalog item: sell a recurring item once
    discount: Discount | None = None
    taxable: bool | None = None
    tax_code: str | None = None
    tax_rate: Decimal | None = None
    sku: str | None = None
    mpn: str | None = None
    description: str | None = None
    category: str | None = None
    subcategory: str | None = None


class _QuoteUseCase:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, ids: IdGenerator) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids


async def _check_parties(uow: UnitOfWork, header: QuoteHeader) -> None:
    """The organization and contact exist in this tenant and belong together (QUO-1)."""
    try:
        await uow.organizations.get(header.organization_id)
    except NotFound:
        raise InvalidValue("no such organization", rule="QUO-1", field="organization_id") from None
    if header.contact_id is None:
        return
    try:
        contact = await uow.contacts.get(header.contact_id)
    except NotFound:
        raise InvalidValue("no such contact", rule="QUO-1", field="contact_id") from None
    if contact.organization_id != header.organization_id:
        raise InvalidValue(
            "the contact must belong to the quote's organization",
            rule="QUO-1",
            field="contact_id",
        )


def _flags(
    categories: Sequence[Category], category: str | None, sub: str | None
) -> Category | None:
    """The hub category whose flags a line takes: its subcategory's, else its category's."""
    by_name = {c.name.casefold(): c for c in categories if c.parent_id is None}
    parent = by_name.get(category.casefold()) if category else None
    if parent is not None and sub:
        for c in categories:
            if c.parent_id == parent.id and c.name.casefold() == sub.casefold():
                return c
    return parent


async def line_details(
    uow: UnitOfWork,
    spec: LineSpec,
    currency_code: str,
    every: Sequence[Category] | None = None,
    default_rate: Decimal | None = None,
) -> LineDetails:
    """Fill a line from its catalog item and its category's vendor flags (CAT-1, AT-4);
    ``every``: the tenant's categories, when the caller has read them already. A line that
    names no tax rate gets the tenant's default (``default_rate``, read when not given); one
    that names a rate, 0 included, keeps it."""
    if every is None:
        every = await uow.categories.all()
    if spec.tax_rate is None and default_rate is None:
        default_rate = (await branding_of(uow)).default_tax_rate
    if spec.item_id is not None:
        try:
            item = await uow.catalog_items.get(spec.item_id)
        except NotFound:
            raise InvalidValue(
                "no such catalog item", rule="CAT-1", field="lines[].item_id"
            ) from None
        if not item.active:
            raise InvalidValue(
                f"the catalog item {item.details.sku} is inactive; it goes on no new line",
                rule="CAT-1",
                field="lines[].item_id",
            )
        d = item.details
        names = {c.id: c.name for c in every}
        category = spec.category or (names.get(d.category_id) if d.category_id else None)
        sub = spec.subcategory or (names.get(d.subcategory_id) if d.subcategory_id else None)
        period = None if spec.one_time else (spec.period or d.period)
        price = d.unit_price.amount if spec.unit_price is None else spec.unit_price
        cost = d.unit_cost.amount if d.unit_cost is not None else None
        cost = cost if spec.unit_cost is None else spec.unit_cost
        base: dict[str, Any] = {
            "name": spec.name or d.name,
            "kind": spec.kind or d.kind,
            "sku": spec.sku or d.sku,
            "mpn": spec.mpn or d.mpn,
            "description": spec.description or d.customer_description or d.description,
            "taxable": d.taxable if spec.taxable is None else spec.taxable,
            "source": spec.source or d.source,
        }
    else:
        if not spec.name:
            raise InvalidValue(
                "a line needs a name or an item_id", rule="QUO-1", field="lines[].name"
            )
        if spec.unit_price is None:
            raise InvalidValue(
                "a line needs a unit_price or an item_id", rule="QUO-1", field="lines[].unit_price"
            )
        category, sub, period = spec.category, spec.subcategory, spec.period
        price, cost = spec.unit_price, spec.unit_cost
        base = {
            "name": spec.name,
            "kind": spec.kind or ItemKind.PRODUCT,
            "sku": spec.sku,
            "mpn": spec.mpn,
            "description": spec.description,
            "taxable": True if spec.taxable is None else spec.taxable,
            "source": spec.source,
        }
    flags = _flags(every, category, sub)
    parent = next((c for c in every if flags and c.id == flags.parent_id), None)
    return LineDetails(
        quantity=spec.quantity,
        unit_price=price_of(price, currency_code, "lines[].unit_price", rule="QUO-1"),
        unit_cost=None
        if cost is None
        else price_of(cost, currency_code, "lines[].unit_cost", rule="QUO-1"),
        item_id=spec.item_id,
        category=category,
        subcategory=sub,
        labor=bool(flags and (flags.labor or (parent is not None and parent.labor))),
        kaseya_item_type=(flags.kaseya_item_type or (parent.kaseya_item_type if parent else None))
        if flags
        else None,
        period=period,
        discount=spec.discount,
        tax_code=spec.tax_code,
        tax_rate=spec.tax_rate if spec.tax_rate is not None else (default_rate or Decimal(0)),
        **base,
    )


class CreateQuote(_QuoteUseCase):
    """A draft quote with its first lines and discount, all or nothing (QUO-1)."""

    async def __call__(
        self,
        tenant_id: TenantId,
        header: QuoteHeader,
        lines: Sequence[LineSpec] = (),
        discount: Discount | None = None,
    ) -> Quote:
        for _ in range(NUMBER_ATTEMPTS):
            try:
                return await self._create(tenant_id, header, lines, discount)
            except Conflict:
                continue  # another quote took the number: take the next one
        raise Conflict("could not number the quote; try again")

    async def _create(
        self,
        tenant_id: TenantId,
        header: QuoteHeader,
        specs: Sequence[LineSpec],
        discount: Discount | None,
    ) -> Quote:
        now = self._clock.now()
        async with self._uow(tenant_id) as uow:
            await _check_parties(uow, header)
            number = f"Q-{FIRST_NUMBER + await uow.quotes.count()}"
            quote = Quote(
                id=QuoteId(self._ids()), tenant_id=tenant_id, number=number, header=header,
                now=now,
            )  # fmt: skip
            categories = await uow.categories.all() if specs else []  # once for all lines
            rate = (await branding_of(uow)).default_tax_rate if specs else None
            for index, spec in enumerate(specs):
                try:
                    details = await line_details(uow, spec, header.currency.value, categories, rate)
                except InvalidValue as error:
                    error.field = (error.field or "").replace("lines[]", f"lines[{index}]")
                    raise
                quote.add_line(LineId(self._ids()), details, now)
            if discount is not None:
                quote.set_discount(discount, now)
            await uow.quotes.add(quote)
            await uow.commit()
        return quote


class ReviseQuote(_QuoteUseCase):
    """Changes some header fields (``QuoteHeader`` field names); the rest stay."""

    async def __call__(
        self, tenant_id: TenantId, quote_id: QuoteId, changes: Mapping[str, Any]
    ) -> Quote:
        async with self._uow(tenant_id) as uow:
            quote = await uow.quotes.get(quote_id)
            header = replace(quote.header, **changes)
            await _check_parties(uow, header)
            quote.revise_header(header, self._clock.now())
            await uow.commit()
        return quote


class AddLine(_QuoteUseCase):
    async def __call__(
        self, tenant_id: TenantId, quote_id: QuoteId, spec: LineSpec, position: int | None = None
    ) -> Quote:
        async with self._uow(tenant_id) as uow:
            quote = await uow.quotes.get(quote_id)
            details = await line_details(uow, spec, quote.header.currency.value)
            quote.add_line(LineId(self._ids()), details, self._clock.now(), position=position)
            await uow.commit()
        return quote


class ChangeLine(_QuoteUseCase):
    async def __call__(
        self, tenant_id: TenantId, quote_id: QuoteId, line_id: LineId, spec: LineSpec
    ) -> Quote:
        async with self._uow(tenant_id) as uow:
            quote = await uow.quotes.get(quote_id)
            current = next((line for line in quote.lines if line.id == line_id), None)
            if current is None:
                raise NotFound(f"line {line_id} not found")
            details = await line_details(uow, spec, quote.header.currency.value)
            if spec.item_id is None and spec.source is None:
                details = replace(details, source=current.details.source)
            quote.change_line(line_id, details, self._clock.now())
            await uow.commit()
        return quote


class RemoveLine(_QuoteUseCase):
    async def __call__(self, tenant_id: TenantId, quote_id: QuoteId, line_id: LineId) -> Quote:
        async with self._uow(tenant_id) as uow:
            quote = await uow.quotes.get(quote_id)
            quote.remove_line(line_id, self._clock.now())
            await uow.commit()
        return quote


class SetQuoteDiscount(_QuoteUseCase):
    async def __call__(
        self, tenant_id: TenantId, quote_id: QuoteId, discount: Discount | None
    ) -> Quote:
        async with self._uow(tenant_id) as uow:
            quote = await uow.quotes.get(quote_id)
            quote.set_discount(discount, self._clock.now())
            await uow.commit()
        return quote


def refuse(problems: Sequence[Problem]) -> None:
    """A PSA rule's refusal before any call: one error naming the first field, all messages."""
    if problems:
        first = problems[0]
        raise InvalidValue(
            "; ".join(p.message for p in problems), rule=first.rule, field=first.field
        )


class PublishQuote(_QuoteUseCase):
    """Publish or update (QUO-3): the PSA's own refusals come first, before anything changes."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdGenerator,
        configs: ConnectionConfigs,
        quoting: Mapping[System, PsaQuoting],
    ) -> None:
        super().__init__(uow, clock, ids)
        self._configs = configs
        self._quoting = quoting

    async def __call__(self, tenant_id: TenantId, quote_id: QuoteId) -> Quote:
        now = self._clock.now()
        async with self._uow(tenant_id) as uow:
            quote = await uow.quotes.get(quote_id, lock=True)
            enabled = await uow.connections.enabled_of(Family.PSA)
            psa = [] if enabled is None else [enabled]
            quoting = [(c, self._quoting.get(c.system)) for c in psa]
            if any(q is not None for _, q in quoting):
                snapshot = await load_snapshot(uow, quote, utc_day(now))
                for connection, rules in quoting:
                    if rules is not None:
                        refuse(rules.check(snapshot, self._configs.of(connection)))
            quote.publish(now, utc_day(now))
            await uow.commit()
        return quote


class WinQuote(_QuoteUseCase):
    async def __call__(self, tenant_id: TenantId, quote_id: QuoteId) -> Quote:
        now = self._clock.now()
        async with self._uow(tenant_id) as uow:
            quote = await uow.quotes.get(quote_id, lock=True)
            quote.mark_won(now, utc_day(now))
            await uow.commit()
        return quote


class LoseQuote(_QuoteUseCase):
    async def __call__(
        self, tenant_id: TenantId, quote_id: QuoteId, reason: str | None = None
    ) -> Quote:
        now = self._clock.now()
        async with self._uow(tenant_id) as uow:
            quote = await uow.quotes.get(quote_id, lock=True)
            quote.mark_lost(now, reason)
            await uow.commit()
        return quote


class RenderQuote:
    """The quote's PDF as of today (QUO-7)."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, documents: QuoteDocuments) -> None:
        self._uow = uow
        self._clock = clock
        self._documents = documents

    async def __call__(self, tenant_id: TenantId, quote_id: QuoteId) -> tuple[Quote, bytes]:
        async with self._uow(tenant_id) as uow:
            quote = await uow.quotes.get(quote_id)
            snapshot = await load_snapshot(uow, quote, utc_day(self._clock.now()))
        # Rendering is CPU work of 50-150 ms: off the event loop, so other requests go on.
        return quote, await asyncio.to_thread(self._documents.render, snapshot)
