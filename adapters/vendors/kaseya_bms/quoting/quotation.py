"""A quote's service quotation in Kaseya BMS and its line items (QUO-3, QUO-6, KBMS-3..6).

The quotation is found by its link, else (when the opportunity was not made by this push) among
the account's quotations by its name and opportunity, else created; its line items are read
once, matched to the quote's lines by link or by the marker each carries, and only what differs
is written: changed lines updated, new ones added (their Kaseya product or service found or
made first), lines the quote no longer has (or that KBMS-3 now leaves out) deleted. Line items
a Kaseya user added are left alone. Listing, deleting line items and creating or changing a
quotation are NOT IN THE PUBLISHED SPEC (``contract.NOT_IN_SPEC``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from uuid import UUID

from adapters.vendors.kaseya_bms.calls import MAX_PAGES, Page
from adapters.vendors.kaseya_bms.calls_unpublished import KaseyaQuoteCalls
from adapters.vendors.kaseya_bms.quoting.search import kaseya_id
from adapters.vendors.kaseya_bms.settings import QuoteSettings
from adapters.vendors.kaseya_bms.translate.quotation import (
    KASEYA,
    is_pushed,
    is_quotation_of,
    is_service,
    item_type,
    item_type_id,
    item_type_ids,
    line_changes,
    line_item_body,
    line_marker,
    priced_service,
    priceless,
    product_body,
    product_number,
    quotation_body,
    quotation_changed,
    quotation_update,
    service_body,
    skipped_line,
)
from adapters.vendors.kaseya_bms.translate.quotes import by_name_or_id
from application.integrations.ports import ExternalLinks, VendorRejected
from application.quotes.snapshot import QuoteSnapshot, SnapshotLine
from domain.integrations.connection import ConnectionId

QUOTATION = "kaseya_quotation"  # link: quote → service quotation
LINE_ITEM = "kaseya_line_item"  # link: quote line → quotation line item
PRODUCT = "kaseya_product"  # link: catalog item → Kaseya product (ProductIndexId)
SERVICE = "kaseya_service"  # link: catalog item → Kaseya service
Record = dict[str, Any]


class QuotationPush:
    """One push's quotation and lines; looks up warehouses and item types once, if at all."""

    def __init__(
        self,
        calls: KaseyaQuoteCalls,
        links: ExternalLinks,
        connection_id: ConnectionId,
        quote: QuoteSnapshot,
        settings: QuoteSettings,
    ) -> None:
        self._calls, self._links, self._connection = calls, links, connection_id
        self._quote, self._settings = quote, settings
        self._type_ids: dict[str, int] | None = None
        self.warnings: list[str] = []

    async def push(self, opportunity: Mapping[str, Any], made: bool) -> int:
        """The quotation's id, its lines as the quote's; ``made``: the opportunity is new."""
        linked = await self._links.find(self._connection, QUOTATION, self._quote.id)
        current = None if linked is None else await self._read(int(linked))
        if current is not None and current.get("OpportunityId") != opportunity["Id"]:
            current = None  # the quote was moved onto another opportunity (QUO-5)
        if current is None and not made:
            current = await self._find(opportunity)
        if current is None:
            body = quotation_body(self._quote, opportunity, await self._warehouse())
            quotation_id = int((await self._calls.create_quote(body))["Id"])
        else:
            quotation_id = int(current["Id"])
            if quotation_changed(self._quote, current):
                body = quotation_update(self._quote, current, await self._warehouse())
                await self._calls.update_quote(quotation_id, body)
        if linked is None:
            await self._link(QUOTATION, self._quote.id, quotation_id)
        items = [] if current is None else await self._calls.line_items(quotation_id)
        await self._lines(quotation_id, items)
        return quotation_id

    async def _read(self, quotation_id: int) -> Record | None:
        try:
            return await self._calls.quote(quotation_id)
        except VendorRejected as exc:
            if exc.status == 404:  # deleted in Kaseya: found or made again below
                return None
            raise

    async def _find(self, opportunity: Mapping[str, Any]) -> Record | None:
        """A quotation an earlier push made for this opportunity, whose answer was lost."""
        account = opportunity.get("AccountId")
        for summary in await every(lambda n: self._calls.quotes(account_id=account, page=n)):
            if is_quotation_of(self._quote, summary.get("Name")):
                quotation = await self._calls.quote(int(summary["Id"]))
                if quotation.get("OpportunityId") == opportunity["Id"]:
                    return quotation
        return None

    async def _lines(self, quotation_id: int, items: list[Record]) -> None:
        kept: set[int] = set()
        for line in self._quote.lines:
            type_name = item_type(line, self._settings)
            why = skipped_line(line, type_name, self._settings)
            if why is not None:
                self.warnings.append(why)
                continue
            body = line_item_body(line, self._quote, self._settings)
            existing = await self._existing(line, items, kept)
            if existing is None:
                added = await self._add(quotation_id, line, type_name, body)
                if added is not None:
                    kept.add(added)
                continue
            kept.add(existing["Id"])
            if line_changes(body, existing):
                await self._calls.update_line_item(quotation_id, existing["Id"], body)
        for item in items:
            if item["Id"] not in kept and is_pushed(item):
                await self._calls.delete_line_item(quotation_id, item["Id"])

    async def _existing(
        self, line: SnapshotLine, items: list[Record], kept: set[int]
    ) -> Record | None:
        linked = await self._links.find(self._connection, LINE_ITEM, line.id)
        free = [item for item in items if item["Id"] not in kept]
        for item in free:
            if linked is not None and str(item["Id"]) == linked:
                return item
        marker = line_marker(line)
        return next((item for item in free if item.get("ExtDistReference") == marker), None)

    async def _add(
        self, quotation_id: int, line: SnapshotLine, type_name: str, body: Record
    ) -> int | None:
        item_id = await self._item(line, type_name)
        if item_id is None:
            self.warnings.append(priceless(f"line {line.position} {line.name!r}"))
            return None
        type_id = item_type_id(type_name, await self._item_types())
        added = await self._calls.add_line_item(quotation_id, type_id, {**body, "Id": item_id})
        await self._link(LINE_ITEM, line.id, added["Id"])
        return int(added["Id"])

    async def _item(self, line: SnapshotLine, type_name: str) -> int | None:
        """The Kaseya product or service the line names: pulled from Kaseya, linked, found, or
        made. None: a Kaseya service without a unit price and cost (KBMS-3)."""
        if line.source is not None and line.source.system == KASEYA:
            return kaseya_id(line.source.external_id, "item")
        service = is_service(type_name)
        entity = SERVICE if service else PRODUCT
        if line.item_id is not None:
            linked = await self._links.find(self._connection, entity, line.item_id)
            if linked is not None:
                return kaseya_id(linked, "item")
        if service:
            record = await self._service(line)
            if not priced_service(record):
                return None
            item_id = int(record["Id"])
        else:
            item_id = int((await self._product(line))["ProductIndexId"])
        if line.item_id is not None:
            await self._link(entity, line.item_id, item_id)
        return item_id

    async def _service(self, line: SnapshotLine) -> Record:
        name = line.name.strip().casefold()

        async def find() -> Record | None:
            found = await every(lambda n: self._calls.services(name=line.name, page=n))
            same = [s for s in found if str(s.get("Name") or "").strip().casefold() == name]
            return same[0] if same else None

        return await found_or_made(
            find, lambda: self._calls.create_service(service_body(line, self._quote))
        )

    async def _product(self, line: SnapshotLine) -> Record:
        number = product_number(line).casefold()

        async def find() -> Record | None:
            found = (await self._calls.products(number=product_number(line))).items
            same = [p for p in found if str(p.get("ProductNumber") or "").casefold() == number]
            return same[0] if same else None

        return await found_or_made(find, lambda: self._calls.create_product(product_body(line)))

    async def _item_types(self) -> dict[str, int]:
        if self._type_ids is None:
            lookup = [] if self._settings.item_type_ids else await self._calls.item_types()
            self._type_ids = item_type_ids(self._settings, lookup)
        return self._type_ids

    async def _warehouse(self) -> int | None:
        """KBMS-6: the one warehouse every line comes from; service quotations need it."""
        if not self._settings.service_quotations:
            return None
        wanted = self._settings.default_warehouse
        if isinstance(wanted, int) or wanted is None:
            return wanted
        found = by_name_or_id(await self._calls.warehouses(), wanted)
        if found is None:
            raise VendorRejected(
                f"Kaseya BMS has no warehouse {wanted!r}: choose the default warehouse (KBMS-2)"
            )
        return found

    async def _link(self, entity: str, entity_id: UUID, external_id: object) -> None:
        await self._links.link(self._connection, entity, entity_id, str(external_id))


async def found_or_made(
    find: Callable[[], Awaitable[Record | None]], make: Callable[[], Awaitable[Record]]
) -> Record:
    """The record ``find`` finds, else a new one. Another push may make the same item between
    our search and our create (quotes share items); Kaseya then refuses ours as taken, and the
    one it took is found again rather than failing this push (QUO-6)."""
    found = await find()
    if found is not None:
        return found
    try:
        return await make()
    except VendorRejected:
        again = await find()
        if again is None:
            raise
        return again


async def every(fetch: Callable[[int], Awaitable[Page]]) -> list[Record]:
    """Every page of a list, up to ``MAX_PAGES``."""
    found: list[Record] = []
    for number in range(1, MAX_PAGES + 1):
        page = await fetch(number)
        found += page.items
        if not page.items or len(found) >= (page.total or 0):
            break
    return found
