"""The Autotask Quote's items kept equal to the hub quote's lines (QUO-3, QUO-6, AT-3..8).

An update sends only what changed: each hub line is linked to its QuoteItem (ExternalLinks,
``quote_line``), the quote's items are read with one query, and only items whose fields differ
are patched; new lines are created, items of removed lines deleted. A linked item keeps its
Product or Service while its type and name hold, so an edit resolves nothing again: editing
one line of a fifty-line quote is one PATCH.

Crash safety (QUO-6): an item Autotask created whose answer was lost is not linked. Before a
line gets a new item, an unlinked item with the line's sortOrderID, type and reference is
adopted; whatever unlinked item remains is a stray and is deleted. Products and Services are
found again by SKU or name, so a lost answer there creates nothing twice either.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable, Mapping
from typing import Any
from uuid import UUID

from adapters.vendors.autotask.client import AutotaskClient
from adapters.vendors.autotask.quoting.refs import resolve_references, tax_category_ids
from adapters.vendors.autotask.quoting.search import query_all
from adapters.vendors.autotask.settings import QuoteSettings
from adapters.vendors.autotask.translate.quote_items import (
    ItemPicklists,
    ItemPlan,
    RefKind,
    item_body,
    item_picklists,
    item_reference,
)
from adapters.vendors.autotask.translate.quotes import differences
from application.integrations.ports import (
    ConnectionConfig,
    ExternalLinks,
    VendorRejected,
)

QUOTE_LINE = "quote_line"  # ExternalLinks: a hub quote line (or the quote discount) → QuoteItem
QUOTES, ITEMS, QUOTE_ITEMS = "Quotes", "Items", "QuoteItems"

Item = dict[str, Any]


class ItemSync:
    """One publish's items of one Autotask Quote."""

    def __init__(
        self,
        client: AutotaskClient,
        links: ExternalLinks,
        connection: ConnectionConfig,
        settings: QuoteSettings,
        quote_id: int,
    ) -> None:
        self._client = client
        self._links = links
        self._connection_id = connection.connection_id
        self._settings = settings
        self._quote_id = quote_id

    async def sync(self, plans: tuple[ItemPlan, ...]) -> None:
        picklists = item_picklists(await self._client.fields_of(QUOTE_ITEMS))
        current = {
            item["id"]: item
            for item in await query_all(
                self._client,
                QUOTE_ITEMS,
                [{"op": "eq", "field": "quoteID", "value": self._quote_id}],
            )
        }
        matched = await self._linked(plans, current)
        refs = {
            plan.key: ref
            for plan in plans
            if (ref := _kept_reference(plan, matched.get(plan.key), picklists)) is not None
        }
        refs |= await resolve_references(
            self._client, self._settings, [plan for plan in plans if plan.key not in refs]
        )
        taxes = await tax_category_ids(self._client, self._settings, plans)
        wanted = {
            plan.key: item_body(
                plan,
                ref_id=refs[plan.key],
                quote_id=self._quote_id,
                picklists=picklists,
                tax_category_id=taxes.get((plan.tax_code or "").casefold()),
            )
            for plan in plans
        }
        strays = {i: item for i, item in current.items() if i not in _ids(matched)}
        writes = [
            self._adopt_or_create(plan.key, wanted[plan.key], strays)
            for plan in plans
            if plan.key not in matched
        ]
        writes += [
            self._update(plan.key, matched[plan.key], wanted[plan.key])
            for plan in plans
            if plan.key in matched
        ]
        await run_all(writes)
        await run_all(self._delete(item_id) for item_id in list(strays))

    async def _linked(
        self, plans: Iterable[ItemPlan], current: Mapping[int, Item]
    ) -> dict[UUID, Item]:
        matched = {}
        for plan in plans:
            linked = await self._links.find(self._connection_id, QUOTE_LINE, plan.key)
            if linked is not None and linked.isdigit() and int(linked) in current:
                matched[plan.key] = current[int(linked)]
        return matched

    async def _adopt_or_create(self, key: UUID, body: Item, strays: dict[int, Item]) -> None:
        stray = next((item for item in strays.values() if _same_slot(item, body)), None)
        if stray is None:
            item_id = await self._client.create_child(QUOTES, self._quote_id, ITEMS, body)
        else:
            del strays[stray["id"]]  # adopted, before any await: no other line takes it
            item_id = stray["id"]
            await self._patch(item_id, stray, body)
        await self._links.link(self._connection_id, QUOTE_LINE, key, str(item_id))

    async def _update(self, key: UUID, item: Item, body: Item) -> None:
        if (
            item_reference(item) == item_reference(body)
            and item.get("quoteItemType") == body["quoteItemType"]
        ):
            await self._patch(item["id"], item, body)
            return
        # Autotask keeps an item's type: another kind of record means another item.
        await self._delete(item["id"])
        item_id = await self._client.create_child(QUOTES, self._quote_id, ITEMS, body)
        await self._links.link(self._connection_id, QUOTE_LINE, key, str(item_id))

    async def _patch(self, item_id: int, item: Item, body: Item) -> None:
        changes = differences(item, body)
        if changes:
            await self._client.update_child(QUOTES, self._quote_id, ITEMS, item_id, changes)

    async def _delete(self, item_id: int) -> None:
        await self._client.delete_child(QUOTES, self._quote_id, ITEMS, item_id)


def _kept_reference(plan: ItemPlan, item: Item | None, picklists: ItemPicklists) -> int | None:
    """The reference an update keeps: pulled from Autotask, or the linked item's own while its
    type and name hold (a renamed line is matched to its Product or Service again)."""
    if plan.ref_id is not None:
        return plan.ref_id
    if item is None or item.get("quoteItemType") != picklists.type_of(plan.kind):
        return None
    reference = item_reference(item)
    if reference is None or reference[0] != plan.kind.field:
        return None
    same_name = str(item.get("name") or "").casefold() == plan.name.casefold()
    return reference[1] if plan.kind is RefKind.LABOR or same_name else None


def _same_slot(item: Item, body: Item) -> bool:
    """A stray a crashed publish left is this line's item: same place, type and reference."""
    return (
        item.get("sortOrderID") == body["sortOrderID"]
        and item.get("quoteItemType") == body["quoteItemType"]
        and item_reference(item) == item_reference(body)
    )


def _ids(matched: Mapping[UUID, Item]) -> set[int]:
    return {item["id"] for item in matched.values()}


async def run_all(calls: Iterable[Awaitable[None]]) -> None:
    """Every call, side by side inside the vendor limits; then the first failure, if any.

    All are awaited before raising so none is abandoned half-way; a permanent refusal is
    raised before a transient failure, since retrying would not mend it.
    """
    results = await asyncio.gather(*calls, return_exceptions=True)
    errors = [r for r in results if isinstance(r, BaseException)]
    if errors:
        raise next((e for e in errors if isinstance(e, VendorRejected)), errors[0])
