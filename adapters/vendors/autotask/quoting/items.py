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

Republishing reads nothing the hub already knows (``marks.py``): after a sync, each line's
item (id, type, reference, and a digest of what was written) and the set of lines are marked.
When the lines are the same set and every one is marked, only the lines whose digest changed
are patched, with no query; anything else (a line added or removed, a new reference, a sync a
crash interrupted) takes the full sync above, which first marks the set pending.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID, uuid5

from adapters.vendors.autotask.client import AutotaskClient
from adapters.vendors.autotask.quoting.marks import PENDING, Mark, PushMarks, digest, subject_of
from adapters.vendors.autotask.quoting.refs import resolve_references, tax_category_ids
from adapters.vendors.autotask.quoting.search import query_all
from adapters.vendors.autotask.settings import QuoteSettings
from adapters.vendors.autotask.translate.quote_items import (
    REFERENCES,
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
        *,
        quote_owner: UUID,
    ) -> None:
        """``quote_owner``: the hub quote's id, which the marks of its lines' set hang on."""
        self._client = client
        self._links = links
        self._connection_id = connection.connection_id
        self._settings = settings
        self._quote_id = quote_id
        self._marks = PushMarks(links, connection.connection_id)
        self._lines = subject_of(uuid5(subject_of(quote_owner, "items"), str(quote_id)), "set")

    async def sync(self, plans: tuple[ItemPlan, ...]) -> None:
        picklists = item_picklists(await self._client.fields_of(QUOTE_ITEMS))
        states = {plan.key: await self._marks.last(_line(plan)) for plan in plans}
        lines = await self._marks.last(self._lines)
        if await self._patch_changed(plans, picklists, states, lines):
            return
        lines = await self._marks.record(self._lines, lines, PENDING)
        written = await self._full_sync(plans, picklists)
        for plan in plans:
            value = _line_value(written[plan.key], self._digest(plan))
            state = states[plan.key]
            if state is None or state.value != value:
                await self._marks.record(_line(plan), state, value)
        await self._marks.record(self._lines, lines, _set_value(plans, written))

    async def _patch_changed(
        self,
        plans: tuple[ItemPlan, ...],
        picklists: ItemPicklists,
        states: Mapping[UUID, Mark | None],
        lines: Mark | None,
    ) -> bool:
        """The quick republish: False, writing nothing, where it cannot be done safely."""
        known = {key: LineState.of(state) for key, state in states.items()}
        if lines is None or lines.pending or any(s is None for s in known.values()):
            return False
        marked = {key: state for key, state in known.items() if state is not None}
        if lines.value != _set_value(plans, {k: s.body for k, s in marked.items()}):
            return False  # lines added or removed since, or a sync a crash interrupted
        changed = [p for p in plans if marked[p.key].digest != self._digest(p)]
        refs = {p.key: marked[p.key].kept_reference(p, picklists) for p in changed}
        if any(ref is None for ref in refs.values()):
            return False  # another kind of record, or a renamed line: the full sync
        taxes = await tax_category_ids(self._client, self._settings, changed)
        await run_all(
            self._patch_line(
                plan,
                marked[plan.key],
                refs[plan.key],
                picklists=picklists,
                taxes=taxes,
                mark=states[plan.key],
            )
            for plan in changed
        )
        return True

    async def _patch_line(
        self,
        plan: ItemPlan,
        state: LineState,
        ref: int | None,
        *,
        picklists: ItemPicklists,
        taxes: Mapping[str, int],
        mark: Mark | None,
    ) -> None:
        assert ref is not None
        body = item_body(
            plan,
            ref_id=ref,
            quote_id=self._quote_id,
            picklists=picklists,
            tax_category_id=taxes.get((plan.tax_code or "").casefold()),
        )
        changes = {k: v for k, v in body.items() if k not in _KEPT}
        item_id = state.body.item_id
        await self._client.update_child(QUOTES, self._quote_id, ITEMS, item_id, changes)
        value = _line_value(replace(state.body, name=_name_key(plan.name)), self._digest(plan))
        await self._marks.record(_line(plan), mark, value)

    def _digest(self, plan: ItemPlan) -> str:
        return digest(plan, self._settings)

    async def _full_sync(
        self, plans: tuple[ItemPlan, ...], picklists: ItemPicklists
    ) -> dict[UUID, ItemBody]:
        """Every line's item read, matched, adopted, created, patched; strays deleted."""
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
        ids: dict[UUID, int] = {}
        writes = [
            self._adopt_or_create(plan.key, wanted[plan.key], strays, ids)
            for plan in plans
            if plan.key not in matched
        ]
        writes += [
            self._update(plan.key, matched[plan.key], wanted[plan.key], ids)
            for plan in plans
            if plan.key in matched
        ]
        await run_all(writes)
        await run_all(self._delete(item_id) for item_id in list(strays))
        return {plan.key: ItemBody.of(ids[plan.key], wanted[plan.key], plan.name) for plan in plans}

    async def _linked(
        self, plans: Iterable[ItemPlan], current: Mapping[int, Item]
    ) -> dict[UUID, Item]:
        matched = {}
        for plan in plans:
            linked = await self._links.find(self._connection_id, QUOTE_LINE, plan.key)
            if linked is not None and linked.isdigit() and int(linked) in current:
                matched[plan.key] = current[int(linked)]
        return matched

    async def _adopt_or_create(
        self, key: UUID, body: Item, strays: dict[int, Item], ids: dict[UUID, int]
    ) -> None:
        stray = next((item for item in strays.values() if _same_slot(item, body)), None)
        if stray is None:
            item_id = await self._client.create_child(QUOTES, self._quote_id, ITEMS, body)
        else:
            del strays[stray["id"]]  # adopted, before any await: no other line takes it
            item_id = stray["id"]
            await self._patch(item_id, stray, body)
        ids[key] = item_id
        await self._links.link(self._connection_id, QUOTE_LINE, key, str(item_id))

    async def _update(self, key: UUID, item: Item, body: Item, ids: dict[UUID, int]) -> None:
        if (
            item_reference(item) == item_reference(body)
            and item.get("quoteItemType") == body["quoteItemType"]
        ):
            ids[key] = item["id"]
            await self._patch(item["id"], item, body)
            return
        # Autotask keeps an item's type: another kind of record means another item.
        await self._delete(item["id"])
        item_id = await self._client.create_child(QUOTES, self._quote_id, ITEMS, body)
        ids[key] = item_id
        await self._links.link(self._connection_id, QUOTE_LINE, key, str(item_id))

    async def _patch(self, item_id: int, item: Item, body: Item) -> None:
        changes = differences(item, body)
        if changes:
            await self._client.update_child(QUOTES, self._quote_id, ITEMS, item_id, changes)

    async def _delete(self, item_id: int) -> None:
        await self._client.delete_child(QUOTES, self._quote_id, ITEMS, item_id)


_KEPT = ("quoteID", "quoteItemType", *REFERENCES)  # what a PATCH of a marked line leaves


@dataclass(frozen=True)
class ItemBody:
    """What a line's item was written as: enough to patch it again without reading it."""

    item_id: int
    item_type: int
    field: str
    ref: int
    name: str  # a digest of the line's name, any case (a renamed line is matched again)

    @staticmethod
    def of(item_id: int, body: Item, name: str) -> ItemBody:
        reference = item_reference(body)
        assert reference is not None
        return ItemBody(item_id, body["quoteItemType"], *reference, _name_key(name))


@dataclass(frozen=True)
class LineState:
    body: ItemBody
    digest: str

    @staticmethod
    def of(mark: Mark | None) -> LineState | None:
        if mark is None or mark.pending:
            return None
        parts = mark.value.split(":")
        if len(parts) != 6 or not all(p.isdigit() for p in (parts[0], parts[1], parts[3])):
            return None
        item_id, item_type, field, ref, name, written = parts
        return LineState(ItemBody(int(item_id), int(item_type), field, int(ref), name), written)

    def kept_reference(self, plan: ItemPlan, picklists: ItemPicklists) -> int | None:
        """The reference a patch keeps, as ``_kept_reference`` decides it from a read item."""
        item = {
            "quoteItemType": self.body.item_type,
            self.body.field: self.body.ref,
            "name": plan.name if self.body.name == _name_key(plan.name) else None,
        }
        ref = _kept_reference(plan, item, picklists)
        same = self.body.field == plan.kind.field and ref == self.body.ref
        return ref if same and self.body.item_type == picklists.type_of(plan.kind) else None


def _line(plan: ItemPlan) -> UUID:
    return subject_of(plan.key, "item")


def _name_key(name: str) -> str:
    return digest(name.casefold())[:8]


def _line_value(body: ItemBody, written: str) -> str:
    return f"{body.item_id}:{body.item_type}:{body.field}:{body.ref}:{body.name}:{written}"


def _set_value(plans: Iterable[ItemPlan], bodies: Mapping[UUID, ItemBody]) -> str:
    return digest(sorted((str(p.key), bodies[p.key].item_id) for p in plans if p.key in bodies))


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
