"""Categories, catalog items, quotes and quote pushes: order, filters, uniqueness (CAT-1, QUO-1)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from application.catalog.ports import ItemFilter
from application.quotes.repositories import QuoteFilter, QuotePush
from application.shared.errors import Conflict
from application.shared.pagination import PageRequest
from domain.catalog.item import ItemKind
from domain.quotes.lines import LineDetails, LineId
from domain.quotes.quote import QuoteStatus
from domain.shared.ids import new_id
from domain.shared.money import Money
from tests.contract.repositories.conftest import EVERYTHING, World
from tests.support.factories import NOW

ALL = PageRequest(limit=EVERYTHING)


async def test_categories_by_name_with_their_parents(world: World) -> None:  # CAT-1
    hardware = world.category("Hardware")
    labor = world.category("Labor")
    servers = world.category("Servers", hardware)
    await world.save(labor, hardware)
    await world.save(servers)
    async with world.uow() as uow:
        found = await uow.categories.all()
        assert [c.name for c in found] == ["Hardware", "Labor", "Servers"]
        assert (await uow.categories.get(servers.id)).parent_id == hardware.id


async def test_catalog_items_filter_and_page(world: World) -> None:  # CAT-1
    hardware = world.category("Hardware")
    await world.save(hardware)
    server = world.item("SRV-100", "Rack server", mpn="MPN_42", category_id=hardware.id)
    hours = world.item("LAB-1", "Engineer hour", kind=ItemKind.LABOR)
    old = world.item("OLD-1", "Old thing")
    old.deactivate(NOW)
    await world.save(server, hours, old)
    async with world.uow() as uow:

        async def skus(where: ItemFilter, page: PageRequest = ALL) -> list[str]:
            return [i.details.sku for i in await uow.catalog_items.list(where, page)]

        assert await skus(ItemFilter(kind=ItemKind.LABOR)) == ["LAB-1"]
        assert await skus(ItemFilter(active=False)) == ["OLD-1"]
        assert await skus(ItemFilter(category_id=hardware.id)) == ["SRV-100"]
        assert await skus(ItemFilter(search="mpn_4")) == ["SRV-100"]
        assert await skus(ItemFilter(search="ENGINEER")) == ["LAB-1"]
        assert await skus(ItemFilter(search="lab-")) == ["LAB-1"]
        ordered = sorted([server, hours, old], key=lambda i: i.id)
        after_first = PageRequest(limit=1, after=ordered[0].id)
        assert await skus(ItemFilter(), after_first) == [i.details.sku for i in ordered[1:]]


async def test_a_sku_is_unique_in_a_tenant(world: World, elsewhere: World) -> None:  # CAT-1
    await world.save(world.item("DUP-1"))
    await elsewhere.save(elsewhere.item("DUP-1"))
    with pytest.raises(Conflict):
        await world.save(world.item("DUP-1", "Another"))
    async with world.uow() as uow:
        assert [i.details.name for i in await uow.catalog_items.list(ItemFilter(), ALL)] == [
            "Widget"
        ]


async def test_quotes_filter_count_and_numbers(world: World, elsewhere: World) -> None:  # QUO-1
    soon = world.quote("Q-1001", "Firewall refresh", expires_on=date(2026, 12, 1))
    later = world.quote("Q-1002", "Servers", expires_on=date(2027, 1, 15))
    other_org = world.organization("Other")
    await world.save(other_org)
    theirs = world.quote("Q-1003", "Other servers")
    theirs.header = type(theirs.header)(**{**vars(theirs.header), "organization_id": other_org.id})
    await world.save(soon, later, theirs)
    async with world.uow() as uow:
        found = await uow.quotes.get(soon.id)
        line = LineDetails(name="Firewall", quantity=Decimal(1), unit_price=Money.of("900", "USD"))
        found.add_line(LineId(new_id()), line, NOW)
        found.publish(NOW, NOW.date())
        await uow.commit()
    await elsewhere.save(elsewhere.quote("Q-1001"))
    with pytest.raises(Conflict):
        await world.save(world.quote("Q-1001", "Twice"))
    async with world.uow() as uow:

        async def numbers(where: QuoteFilter) -> list[str]:
            return sorted(q.number for q in await uow.quotes.list(where, ALL))

        assert await uow.quotes.count() == 3
        assert await numbers(QuoteFilter(status=QuoteStatus.PUBLISHED)) == ["Q-1001"]
        assert await numbers(QuoteFilter(organization_id=other_org.id)) == ["Q-1003"]
        assert await numbers(QuoteFilter(search="q-100")) == ["Q-1001", "Q-1002", "Q-1003"]
        assert await numbers(QuoteFilter(search="FIREWALL")) == ["Q-1001"]
        assert await numbers(QuoteFilter(expires_before=date(2026, 12, 2))) == ["Q-1001"]
        assert await numbers(QuoteFilter(expires_from=date(2027, 1, 15))) == ["Q-1002"]
        ids = sorted([soon.id, later.id, theirs.id])
        page = await uow.quotes.list(QuoteFilter(), PageRequest(limit=1, after=ids[0]))
        assert [q.id for q in page] == ids[1:]
        assert (await uow.quotes.get(soon.id, lock=True)).status is QuoteStatus.PUBLISHED


def _push(world: World, quote_id: object, revision: int, at: datetime) -> QuotePush:
    return QuotePush(
        quote_id=quote_id,  # type: ignore[arg-type]
        connection_id=world.psa.id,
        revision=revision,
        opportunity_ref=f"OPP-{revision}",
        quote_ref=f"QT-{revision}",
        warnings=("KBMS-3: a service line without a price",) if revision == 1 else (),
        pushed_at=at,
    )


async def test_a_quote_push_replaces_the_last_one_per_connection(
    world: World, elsewhere: World
) -> None:  # QUO-4, KBMS-3
    quote = world.quote("Q-2001")
    second_psa = world.connection()
    second_psa.disable(NOW)
    await world.save(quote, second_psa)
    at = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    async with world.uow() as uow:
        await uow.quote_pushes.save(_push(world, quote.id, 1, at))
        await uow.commit()
    async with world.uow() as uow:
        await uow.quote_pushes.save(_push(world, quote.id, 2, at + timedelta(hours=1)))
        other = _push(world, quote.id, 7, at - timedelta(hours=1))
        await uow.quote_pushes.save(
            QuotePush(**{**vars(other), "connection_id": second_psa.id, "outcome": "won"})
        )
        await uow.commit()
    async with world.uow() as uow:
        await uow.quote_pushes.save(_push(world, quote.id, 3, at))  # not committed
    async with world.uow() as uow:
        pushes = await uow.quote_pushes.of_quote(quote.id)
    assert [(p.revision, p.connection_id, p.outcome) for p in pushes] == [
        (7, second_psa.id, "won"),
        (2, world.psa.id, None),
    ]
    assert pushes[1].warnings == ()
    assert pushes[1].pushed_at == at + timedelta(hours=1)
    async with elsewhere.uow() as uow:
        assert await uow.quote_pushes.of_quote(quote.id) == []
