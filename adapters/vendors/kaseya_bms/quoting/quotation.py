"""A quote's service quotation in Kaseya BMS and its line items (QUO-3, QUO-6, KBMS-3..6).

What the last push left is kept in links (the quotation's ids, the digest of its name and expiry
and of its line items' ids; each line item's id and the digest of the body sent): a push whose
links answer reads nothing and writes only the line items whose bodies changed. Otherwise (a
first push, links written before, a line new to the links or one gone from the quote) the
quotation is found by its link, else (when the opportunity was not made by this push) among the
account's quotations by its name and opportunity, else created; its line items are read, matched
to the quote's lines by link or by the marker each carries, and only what differs is written:
changed lines updated, new ones added (their Kaseya product or service found or made first),
lines the quote no longer has (or that KBMS-3 now leaves out) deleted. Line items a Kaseya user
added are left alone. Creating and changing a quotation, listing and deleting line items and
creating a product are not in Kaseya's published API (``unpublished.py``): on an instance that
lacks one, its fallback is used and a warning says so.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from adapters.vendors.kaseya_bms.calls import MAX_PAGES, Page
from adapters.vendors.kaseya_bms.calls_quotes import KaseyaQuoteCalls
from adapters.vendors.kaseya_bms.quoting.search import kaseya_id
from adapters.vendors.kaseya_bms.settings import QuoteSettings
from adapters.vendors.kaseya_bms.translate.quotation import (
    KASEYA,
    digest,
    header_digest,
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
    zero_quantity,
)
from adapters.vendors.kaseya_bms.translate.quotes import by_name_or_id
from adapters.vendors.kaseya_bms.unpublished import Unavailable
from application.integrations.ports import ExternalLinks, VendorRejected
from application.quotes.snapshot import QuoteSnapshot, SnapshotLine
from domain.integrations.connection import ConnectionId

QUOTATION = "kaseya_quotation"  # link: quote → service quotation
LINE_ITEM = "kaseya_line_item"  # link: quote line → quotation line item
SENT = "kaseya_quotation_sent"  # link: quote → what the last push left on its quotation
LINE_SENT = "kaseya_line_sent"  # link: quote line → the line item's body the last push sent
PRODUCT = "kaseya_product"  # link: catalog item → Kaseya product (ProductIndexId)
SERVICE = "kaseya_service"  # link: catalog item → Kaseya service
Record = dict[str, Any]


class _Stale(Exception):
    """A line item the links name is gone from Kaseya."""


@dataclass(frozen=True)
class Sent:
    """What the last push left on a quotation: its ids, the digest of its name and expiry, and
    how many line items it pushed with the digest of their ids."""

    quotation_id: int
    opportunity_id: int
    header: str
    lines: int
    ids: str

    @property
    def text(self) -> str:
        return f"{self.quotation_id} {self.opportunity_id} {self.header} {self.lines} {self.ids}"

    @staticmethod
    def read(text: str | None) -> Sent | None:
        parts = (text or "").split()
        if len(parts) != 5 or not all(p.isdigit() for p in (parts[0], parts[1], parts[3])):
            return None
        return Sent(int(parts[0]), int(parts[1]), parts[2], int(parts[3]), parts[4])


@dataclass(frozen=True)
class LineSent:
    """The line item a push wrote for a quote line, and the digest of the body it sent."""

    quotation_id: int
    item_id: int
    body: str

    @property
    def text(self) -> str:
        return f"{self.quotation_id} {self.item_id} {self.body}"

    @staticmethod
    def read(text: str | None) -> LineSent | None:
        parts = (text or "").split()
        if len(parts) != 3 or not (parts[0].isdigit() and parts[1].isdigit()):
            return None
        return LineSent(int(parts[0]), int(parts[1]), parts[2])


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

    async def push(self, opportunity: Mapping[str, Any], made: bool) -> int | None:
        """The quotation's id, its lines as the quote's; ``made``: the opportunity is new. None:
        this instance cannot create quotations (``unpublished.py``), a warning says so.

        What the last push sent is kept in links (``SENT``): when they answer for the
        quotation and every line, nothing is read; a line item is written only when its body
        changed, and the list of line items is read only when a line is new to the links or
        one the last push sent is gone from the quote."""
        self._opportunity_id = int(opportunity["Id"])
        linked = await self._links.find(self._connection, QUOTATION, self._quote.id)
        sent = None if made or linked is None else await self._sent(int(linked), opportunity)
        if sent is not None and await self._pushed_as_sent(sent):
            return sent.quotation_id
        found = await self._quotation(opportunity, linked, made)
        if found is None:
            return None
        quotation_id, current = found
        items: list[Record] = [] if current is None else await self._list(quotation_id)
        await self._lines(quotation_id, items, None)
        return quotation_id

    async def _pushed_as_sent(self, sent: Sent) -> bool:
        """The push over what the links say the last one left; False (nothing written then
        but what still stood) when something they name is gone from Kaseya: read it all."""
        try:
            if sent.header != header_digest(self._quote):
                current = await self._read(sent.quotation_id)
                if current is None:
                    return False  # deleted in Kaseya: found or made again
                await self._update(sent.quotation_id, current)
            await self._lines(sent.quotation_id, None, sent)
        except _Stale:
            return False
        return True

    async def _quotation(
        self, opportunity: Mapping[str, Any], linked: str | None, made: bool
    ) -> tuple[int, Record | None] | None:
        """The quotation read (linked or found), or made (then None beside its id)."""
        current = None if linked is None else await self._read(int(linked))
        if current is not None and current.get("OpportunityId") != opportunity["Id"]:
            current = None  # the quote was moved onto another opportunity (QUO-5)
        if current is None and not made:
            current = await self._find(opportunity)
        if current is None:
            body = quotation_body(self._quote, opportunity, await self._warehouse())
            try:
                quotation_id = int((await self._calls.create_quote(body))["Id"])
            except Unavailable as exc:
                self.warnings.append(exc.message)
                return None
        else:
            quotation_id = int(current["Id"])
            if quotation_changed(self._quote, current):
                await self._update(quotation_id, current)
        if linked != str(quotation_id):
            await self._link(QUOTATION, self._quote.id, quotation_id)
        return quotation_id, current

    async def _update(self, quotation_id: int, current: Record) -> None:
        body = quotation_update(self._quote, current, await self._warehouse())
        try:
            await self._calls.update_quote(quotation_id, body)
        except Unavailable as exc:
            self.warnings.append(exc.message)

    async def _sent(self, quotation_id: int, opportunity: Mapping[str, Any]) -> Sent | None:
        """What the last push left on this quotation, when it was on this opportunity."""
        kept = Sent.read(await self._links.find(self._connection, SENT, self._quote.id))
        if kept is None or (kept.quotation_id, kept.opportunity_id) != (
            quotation_id,
            opportunity["Id"],
        ):
            return None
        return kept

    async def _list(self, quotation_id: int) -> list[Record]:
        """The quotation's line items; on an instance that cannot list them, each linked one
        read by id (the published call)."""
        try:
            return await self._calls.line_items(quotation_id)
        except Unavailable as exc:
            self.warnings.append(f"a line removed from the quote stays in Kaseya: {exc.message}")
        found = []
        for line in self._quote.lines:
            linked = await self._links.find(self._connection, LINE_ITEM, line.id)
            if linked is None:
                continue
            try:
                found.append(await self._calls.line_item(quotation_id, int(linked)))
            except VendorRejected as exc:
                if exc.status != 404:
                    raise
        return found

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

    async def _lines(
        self, quotation_id: int, items: list[Record] | None, sent: Sent | None
    ) -> None:
        """The quote's lines on the quotation. ``items``: its line items as read; None: not
        read, the links (``sent``) answer for them, unless a line is new to them."""
        planned = self._planned()
        known = {line.id: await self._line_sent(quotation_id, line) for line, _, _ in planned}
        if items is None and None in known.values():
            items = await self._list(quotation_id)
        kept: set[int] = set()
        for line, type_name, body in planned:
            line_sent = known[line.id]
            if items is None and line_sent is not None:
                kept.add(line_sent.item_id)
                if line_sent.body != digest(body):
                    await self._update_sent(quotation_id, line_sent.item_id, body)
                    await self._sent_line(quotation_id, line, line_sent.item_id, body)
                continue
            assert items is not None
            existing = await self._existing(line, items, kept)
            if existing is None:
                added = await self._add(quotation_id, line, type_name, body)
                if added is not None:
                    kept.add(added)
                    await self._sent_line(quotation_id, line, added, body)
                continue
            kept.add(existing["Id"])
            if line_changes(body, existing):
                await self._calls.update_line_item(quotation_id, existing["Id"], body)
            if line_sent != LineSent(quotation_id, existing["Id"], digest(body)):
                await self._sent_line(quotation_id, line, existing["Id"], body)
        ids = digest(sorted(kept))
        if items is None and sent is not None and (sent.lines, sent.ids) != (len(kept), ids):
            items = await self._list(quotation_id)  # a line the last push sent is gone
        for item in items or []:
            if item["Id"] not in kept and is_pushed(item):
                await self._remove(quotation_id, item)
        now = Sent(quotation_id, self._opportunity_id, header_digest(self._quote), len(kept), ids)
        if now != sent:
            await self._links.link(self._connection, SENT, self._quote.id, now.text)

    async def _update_sent(self, quotation_id: int, item_id: int, body: Record) -> None:
        try:
            await self._calls.update_line_item(quotation_id, item_id, body)
        except VendorRejected as exc:
            if exc.status == 404:
                raise _Stale from exc
            raise

    def _planned(self) -> list[tuple[SnapshotLine, str, Record]]:
        """The lines to push, with their item type and line item body (KBMS-3 warned)."""
        planned: list[tuple[SnapshotLine, str, Record]] = []
        for line in self._quote.lines:
            type_name = item_type(line, self._settings)
            why = skipped_line(line, type_name, self._settings)
            if why is not None:
                self.warnings.append(why)
                continue
            planned.append((line, type_name, line_item_body(line, self._quote, self._settings)))
        return planned

    async def _remove(self, quotation_id: int, item: Record) -> None:
        try:
            await self._calls.delete_line_item(quotation_id, item["Id"])
        except Unavailable as exc:
            if float(item.get("Quantity") or 0) != 0:
                await self._calls.update_line_item(quotation_id, item["Id"], zero_quantity(item))
                self.warnings.append(f"{item.get('Name')!r} set to quantity 0: {exc.message}")

    async def _line_sent(self, quotation_id: int, line: SnapshotLine) -> LineSent | None:
        kept = LineSent.read(await self._links.find(self._connection, LINE_SENT, line.id))
        return kept if kept is not None and kept.quotation_id == quotation_id else None

    async def _sent_line(
        self, quotation_id: int, line: SnapshotLine, item_id: int, body: Record
    ) -> None:
        text = LineSent(quotation_id, item_id, digest(body)).text
        await self._links.link(self._connection, LINE_SENT, line.id, text)

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
        try:
            item_id = await self._item(line, type_name)
        except Unavailable as exc:
            self.warnings.append(f"line {line.position} {line.name!r} left out: {exc.message}")
            return None
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
