"""Quote use cases against the in-memory persistence fakes: build and edit quotes (QUO-1, QUO-2),
lines from the catalog with their category's vendor flags (CAT-1, AT-4), and the snapshot the PDF
and the PSA push read (QUO-7, QUO-3).

``open_desk`` and the builders here are shared with ``test_quote_publishing``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from adapters.persistence.memory import InMemoryDatabase, InMemoryUnitOfWorkFactory
from application.quotes.queries import QuoteQueries
from application.quotes.snapshot import QuoteSnapshot
from application.quotes.snapshots import snapshot_of
from application.quotes.use_cases import (
    AddLine,
    ChangeLine,
    CreateQuote,
    LineSpec,
    RemoveLine,
    RenderQuote,
    ReviseQuote,
    SetQuoteDiscount,
)
from application.shared.errors import NotFound
from application.shared.unit_of_work import SyncPolicy, UnitOfWorkFactory
from domain.catalog.item import (
    CatalogItem,
    CatalogItemId,
    Category,
    CategoryId,
    ItemDetails,
    ItemKind,
    ItemSource,
    Period,
)
from domain.crm.contact import Contact, ContactProfile
from domain.crm.organization import (
    Address,
    ContactId,
    Organization,
    OrganizationId,
    OrganizationProfile,
)
from domain.identity.tenant import Tenant, TenantId
from domain.quotes.quote import (
    Discount,
    LineId,
    Quote,
    QuoteHeader,
    QuoteId,
    QuoteStatus,
)
from domain.shared.errors import DomainError, InvalidValue
from domain.shared.money import Currency, Money
from tests.support.clock import FixedClock

TENANT_A = TenantId(uuid.UUID(int=0xA))
TENANT_B = TenantId(uuid.UUID(int=0xB))
NOW = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
TODAY = NOW.date()
EXPIRES = date(2025, 3, 31)
AUTOTASK_SWITCH = ItemSource("autotask", "product", "29683001")


# --- the desk: a tenant with an organization and its contact, and the quote use cases ------------


@dataclass(frozen=True)
class Desk:
    db: InMemoryDatabase
    uow: UnitOfWorkFactory
    clock: FixedClock
    organization: Organization
    contact: Contact
    create: CreateQuote
    revise: ReviseQuote
    add_line: AddLine
    change_line: ChangeLine
    remove_line: RemoveLine
    set_discount: SetQuoteDiscount
    queries: QuoteQueries

    @property
    def tenant(self) -> TenantId:
        return self.organization.tenant_id


async def seed_parties(
    uow: UnitOfWorkFactory, tenant_id: TenantId, *, phone: str | None = "+1 510 555 0142"
) -> tuple[Organization, Contact]:
    """The tenant, an organization with a billing address and phone, and one of its contacts."""
    organization = Organization(
        id=OrganizationId(uuid.uuid4()),
        tenant_id=tenant_id,
        profile=OrganizationProfile(
            name="Bayside Dental",
            phone=phone,
            billing_address=Address(
                line1="1200 Harbor Blvd",
                line2="Suite 300",
                city="Oakland",
                state="CA",
                postal_code="94607",
                country="US",
            ),
        ),
        now=NOW,
    )
    contact = Contact(
        id=ContactId(uuid.uuid4()),
        tenant_id=tenant_id,
        organization_id=organization.id,
        profile=ContactProfile(
            first_name="Dana", last_name="Whitfield", email="dana@bayside.example"
        ),
        now=NOW,
    )
    async with uow(tenant_id) as unit:
        await unit.tenants.add(
            Tenant(id=tenant_id, name=f"Northwind IT {tenant_id.int:x}", created_at=NOW)
        )
        await unit.organizations.add(organization)
        await unit.contacts.add(contact)
        await unit.commit()
    return organization, contact


async def open_desk(db: InMemoryDatabase, policy: SyncPolicy | None = None) -> Desk:
    fake = (
        InMemoryUnitOfWorkFactory(db) if policy is None else InMemoryUnitOfWorkFactory(db, policy)
    )
    uow: UnitOfWorkFactory = fake  # checked against the port
    clock = FixedClock(NOW)
    organization, contact = await seed_parties(uow, TENANT_A)
    args = (uow, clock, uuid.uuid4)
    return Desk(
        db,
        uow,
        clock,
        organization,
        contact,
        CreateQuote(*args),
        ReviseQuote(*args),
        AddLine(*args),
        ChangeLine(*args),
        RemoveLine(*args),
        SetQuoteDiscount(*args),
        QuoteQueries(uow, clock),
    )


@pytest.fixture
async def desk() -> Desk:
    return await open_desk(InMemoryDatabase())


def header(desk: Desk, **fields: Any) -> QuoteHeader:
    given: dict[str, Any] = {
        "organization_id": desk.organization.id,
        "contact_id": desk.contact.id,
        "owner_name": "Sam Rivera",
        "owner_email": "sam@northwind.example",
        "title": "Network refresh",
        "currency": Currency.USD,
        "expires_on": EXPIRES,
    }
    return QuoteHeader(**{**given, **fields})


def ad_hoc(name: str = "Firewall", price: str = "499.00", **fields: Any) -> LineSpec:
    given: dict[str, Any] = {"quantity": Decimal(1), "name": name, "unit_price": Decimal(price)}
    return LineSpec(**{**given, **fields})


def usd(amount: str) -> Money:
    return Money.of(amount, Currency.USD)


async def draft(desk: Desk, *lines: LineSpec) -> Quote:
    return await desk.create(desk.tenant, header(desk), lines or (ad_hoc(),))


async def stored(desk: Desk, quote_id: QuoteId) -> Quote:
    return (await desk.queries.one(desk.tenant, quote_id)).quote


def stored_quotes(desk: Desk) -> list[Quote]:
    return list(desk.db.table(Quote).values())


# --- the catalog the lines come from ------------------------------------------------------------


async def add_category(
    desk: Desk,
    name: str,
    parent: Category | None = None,
    *,
    labor: bool = False,
    kaseya_item_type: str | None = None,
) -> Category:
    category = Category(
        id=CategoryId(uuid.uuid4()),
        tenant_id=desk.tenant,
        name=name,
        parent_id=None if parent is None else parent.id,
        labor=labor,
        kaseya_item_type=kaseya_item_type,
        now=NOW,
    )
    async with desk.uow(desk.tenant) as uow:
        await uow.categories.add(category)
        await uow.commit()
    return category


async def add_item(desk: Desk, **fields: Any) -> CatalogItem:
    given: dict[str, Any] = {
        "kind": ItemKind.SERVICE,
        "sku": "MS-EP",
        "name": "Managed endpoint",
        "unit_price": usd("25.00"),
        "unit_cost": usd("11.50"),
        "description": "RMM agent, patching, AV",
        "customer_description": "24x7 monitoring and patching of one endpoint",
        "period": Period.MONTHLY,
        "taxable": False,
    }
    item = CatalogItem(
        id=CatalogItemId(uuid.uuid4()),
        tenant_id=desk.tenant,
        details=ItemDetails(**{**given, **fields}),
        now=NOW,
    )
    async with desk.uow(desk.tenant) as uow:
        await uow.catalog_items.add(item)
        await uow.commit()
    return item


async def managed_endpoint(desk: Desk) -> CatalogItem:
    """A monthly service filed under Managed services / Endpoints."""
    managed = await add_category(desk, "Managed services")
    endpoints = await add_category(desk, "Endpoints", managed)
    return await add_item(desk, category_id=managed.id, subcategory_id=endpoints.id)


# --- CreateQuote: numbering and parties (QUO-1) -------------------------------------------------


async def test_quotes_are_numbered_from_q_1001_per_tenant(desk: Desk) -> None:
    numbers = [(await draft(desk)).number for _ in range(3)]
    assert numbers == ["Q-1001", "Q-1002", "Q-1003"]  # QUO-1
    other, _ = await seed_parties(desk.uow, TENANT_B)
    theirs = await desk.create(TENANT_B, header(desk, organization_id=other.id, contact_id=None))
    assert theirs.number == "Q-1001"  # SPEC §0: each tenant counts its own


async def test_create_quote_stores_a_draft_with_its_lines_and_discount(desk: Desk) -> None:
    made = await desk.create(
        desk.tenant,
        header(desk),
        [ad_hoc("Firewall", "499.00"), ad_hoc("Switch", "250.00", quantity=Decimal(2))],
        Discount.percent(10),
    )
    read = await stored(desk, made.id)  # QUO-1
    assert (read.status, read.revision, read.header) == (QuoteStatus.DRAFT, 0, header(desk))
    assert [(line.position, line.details.name) for line in read.lines] == [
        (1, "Firewall"),
        (2, "Switch"),
    ]
    assert read.discount == Discount.percent(10)
    assert read.totals().one_time_subtotal == usd("999.00")  # QUO-2


async def test_an_ad_hoc_line_defaults_to_a_taxable_one_time_product(desk: Desk) -> None:
    made = await draft(desk, ad_hoc())
    d = made.lines[0].details  # QUO-1
    assert (d.kind, d.taxable, d.period, d.item_id, d.labor) == (
        ItemKind.PRODUCT,
        True,
        None,
        None,
        False,
    )


@pytest.mark.parametrize("known_elsewhere", [True, False], ids=["other-tenant", "unknown"])
async def test_an_organization_outside_the_tenant_is_refused(
    desk: Desk, known_elsewhere: bool
) -> None:
    foreign, _ = await seed_parties(desk.uow, TENANT_B)
    organization = foreign.id if known_elsewhere else OrganizationId(uuid.uuid4())
    with pytest.raises(InvalidValue) as caught:  # QUO-1; SPEC §0
        await desk.create(
            desk.tenant, header(desk, organization_id=organization, contact_id=None), [ad_hoc()]
        )
    assert (caught.value.rule, caught.value.field) == ("QUO-1", "organization_id")
    assert stored_quotes(desk) == []


async def test_a_contact_of_another_organization_is_refused(desk: Desk) -> None:
    async with desk.uow(desk.tenant) as uow:
        sister = Organization(
            id=OrganizationId(uuid.uuid4()),
            tenant_id=desk.tenant,
            profile=OrganizationProfile(name="Bayside Ortho"),
            now=NOW,
        )
        await uow.organizations.add(sister)
        await uow.commit()
    with pytest.raises(InvalidValue) as caught:  # QUO-1: the contact belongs to the organization
        await desk.create(desk.tenant, header(desk, organization_id=sister.id), [ad_hoc()])
    assert (caught.value.rule, caught.value.field) == ("QUO-1", "contact_id")
    assert stored_quotes(desk) == []


async def test_an_unknown_contact_is_refused(desk: Desk) -> None:
    with pytest.raises(InvalidValue) as caught:  # QUO-1
        await desk.create(desk.tenant, header(desk, contact_id=ContactId(uuid.uuid4())))
    assert caught.value.field == "contact_id"


# --- CreateQuote: lines from the catalog (QUO-1, CAT-1, AT-4) -----------------------------------


async def test_a_catalog_line_copies_the_items_price_cost_period_sku_and_category_names(
    desk: Desk,
) -> None:
    item = await managed_endpoint(desk)
    made = await draft(desk, LineSpec(quantity=Decimal(10), item_id=item.id))
    d = made.lines[0].details  # QUO-1, CAT-1
    assert (d.item_id, d.name, d.kind, d.sku) == (
        item.id,
        "Managed endpoint",
        ItemKind.SERVICE,
        "MS-EP",
    )
    assert (d.unit_price, d.unit_cost, d.period) == (usd("25.00"), usd("11.50"), Period.MONTHLY)
    assert (d.category, d.subcategory) == ("Managed services", "Endpoints")
    assert d.description == "24x7 monitoring and patching of one endpoint"  # the customer's text
    assert (d.taxable, d.quantity) == (False, Decimal(10))


async def test_what_the_request_gives_wins_over_the_catalog(desk: Desk) -> None:
    item = await managed_endpoint(desk)
    spec = LineSpec(
        quantity=Decimal(1),
        item_id=item.id,
        name="Managed server",
        unit_price=Decimal("95.00"),
        unit_cost=Decimal("40.00"),
        period=Period.YEARLY,
        taxable=True,
    )
    d = (await draft(desk, spec)).lines[0].details  # QUO-1
    assert (d.name, d.unit_price, d.unit_cost, d.period, d.taxable) == (
        "Managed server",
        usd("95.00"),
        usd("40.00"),
        Period.YEARLY,
        True,
    )


async def test_one_time_sells_a_recurring_item_once(desk: Desk) -> None:
    item = await managed_endpoint(desk)
    made = await draft(desk, LineSpec(quantity=Decimal(1), item_id=item.id, one_time=True))
    d = made.lines[0].details  # QUO-1: one-time or recurring per line
    assert (d.period, d.one_time, d.unit_price) == (None, True, usd("25.00"))
    assert made.totals().recurring == {}


async def test_a_catalog_line_takes_the_labor_flag_of_its_subcategory(desk: Desk) -> None:
    services = await add_category(desk, "Services", kaseya_item_type="Service")
    onsite = await add_category(desk, "Onsite", services, labor=True)
    hour = await add_item(
        desk,
        kind=ItemKind.LABOR,
        sku="LAB-ON",
        name="Onsite hour",
        period=None,
        category_id=services.id,
        subcategory_id=onsite.id,
    )
    d = (await draft(desk, LineSpec(quantity=Decimal(4), item_id=hour.id))).lines[0].details
    assert (d.category, d.subcategory, d.labor) == ("Services", "Onsite", True)  # AT-4
    assert d.kaseya_item_type == "Service"  # KBMS-1: the parent's, the subcategory has none


@pytest.mark.parametrize(
    ("category", "subcategory", "labor", "kaseya_item_type"),
    [
        ("Services", "Onsite", True, "Service"),  # the subcategory's labor, the parent's type
        ("labor", "projects", True, "Project"),  # the parent's labor, the subcategory's type
        ("Labor", None, True, None),
        ("Hardware", None, False, None),
        ("Hardware", "Onsite", False, None),  # Onsite is not a subcategory of Hardware
        ("Unknown", None, False, None),
        (None, None, False, None),
    ],
)
async def test_an_ad_hoc_line_takes_the_flags_of_the_categories_it_names(
    desk: Desk,
    category: str | None,
    subcategory: str | None,
    labor: bool,
    kaseya_item_type: str | None,
) -> None:
    services = await add_category(desk, "Services", kaseya_item_type="Service")
    await add_category(desk, "Onsite", services, labor=True)
    labor_category = await add_category(desk, "Labor", labor=True)
    await add_category(desk, "Projects", labor_category, kaseya_item_type="Project")
    await add_category(desk, "Hardware")
    spec = ad_hoc(category=category, subcategory=subcategory)
    d = (await draft(desk, spec)).lines[0].details
    assert (d.category, d.subcategory) == (category, subcategory)
    assert (d.labor, d.kaseya_item_type) == (labor, kaseya_item_type)  # AT-4, KBMS-1


# --- CreateQuote: all or nothing (QUO-1) --------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (ad_hoc(quantity=Decimal(0)), "lines[1].quantity"),
        (ad_hoc(tax_rate=Decimal(101)), "lines[1].tax_rate"),
        (ad_hoc(price="-1.00"), "lines[1].unit_price"),
        (ad_hoc(sku="X" * 51), "lines[1].sku"),
        (ad_hoc(price="10.00", discount=Discount.amount("10.01")), "lines[1].discount"),
    ],
)
async def test_an_invalid_line_refuses_the_whole_quote_naming_its_index(
    desk: Desk, bad: LineSpec, field: str
) -> None:
    with pytest.raises(InvalidValue) as caught:  # QUO-1
        await desk.create(desk.tenant, header(desk), [ad_hoc(), bad, ad_hoc()])
    assert (caught.value.rule, caught.value.field) == ("QUO-1", field)
    assert stored_quotes(desk) == []  # nothing half-made
    assert (await draft(desk)).number == "Q-1001"  # and no number used up


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (LineSpec(quantity=Decimal(1), unit_price=Decimal(5)), "lines[1].name"),
        (LineSpec(quantity=Decimal(1), name="Cable"), "lines[1].unit_price"),
        (LineSpec(quantity=Decimal(1), item_id=CatalogItemId(uuid.uuid4())), "lines[1].item_id"),
    ],
    ids=["no-name", "no-unit-price", "unknown-item"],
)
async def test_a_line_missing_what_it_needs_is_refused_naming_its_index(
    desk: Desk, bad: LineSpec, field: str
) -> None:
    with pytest.raises(InvalidValue) as caught:  # QUO-1
        await desk.create(desk.tenant, header(desk), [ad_hoc(), bad])
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (LineSpec(quantity=Decimal(1), unit_price=Decimal(5)), "name"),
        (LineSpec(quantity=Decimal(1), name="Cable"), "unit_price"),
        (LineSpec(quantity=Decimal(1), item_id=CatalogItemId(uuid.uuid4())), "item_id"),
    ],
    ids=["no-name", "no-unit-price", "unknown-item"],
)
async def test_a_line_missing_what_it_needs_refuses_the_whole_quote(
    desk: Desk, bad: LineSpec, field: str
) -> None:
    with pytest.raises(InvalidValue) as caught:  # QUO-1, CAT-1
        await desk.create(desk.tenant, header(desk), [ad_hoc(), bad])
    assert (caught.value.field or "").rsplit(".", 1)[-1] == field
    assert stored_quotes(desk) == []


# --- editing: header, lines, discount (QUO-1, QUO-2) --------------------------------------------


async def test_revise_quote_changes_the_fields_given_and_keeps_the_rest(desk: Desk) -> None:
    made = await draft(desk)
    later = EXPIRES + timedelta(days=30)
    await desk.revise(
        desk.tenant, made.id, {"title": "Network refresh, phase 2", "expires_on": later}
    )
    read = await stored(desk, made.id)  # QUO-1
    assert (read.header.title, read.header.expires_on) == ("Network refresh, phase 2", later)
    assert (read.header.owner_name, read.header.contact_id) == ("Sam Rivera", desk.contact.id)


async def test_revise_quote_checks_the_parties_and_changes_nothing_when_refused(
    desk: Desk,
) -> None:
    made = await draft(desk)
    foreign, _ = await seed_parties(desk.uow, TENANT_B)
    with pytest.raises(InvalidValue) as caught:  # QUO-1; SPEC §0
        await desk.revise(desk.tenant, made.id, {"title": "Moved", "organization_id": foreign.id})
    assert caught.value.field == "organization_id"
    assert (await stored(desk, made.id)).header == made.header


async def test_revise_quote_refuses_a_currency_change_once_it_has_lines(desk: Desk) -> None:
    made = await draft(desk)
    with pytest.raises(DomainError) as caught:  # MON-1
        await desk.revise(desk.tenant, made.id, {"currency": Currency.EUR})
    assert caught.value.field == "currency"
    assert (await stored(desk, made.id)).currency is Currency.USD


async def test_add_line_at_a_position_moves_the_others_down(desk: Desk) -> None:
    made = await draft(desk, ad_hoc("Firewall"), ad_hoc("Switch"))
    await desk.add_line(desk.tenant, made.id, ad_hoc("Cabling", "80.00"), position=1)
    read = await stored(desk, made.id)  # QUO-1
    assert [(line.position, line.details.name) for line in read.lines] == [
        (1, "Cabling"),
        (2, "Firewall"),
        (3, "Switch"),
    ]


async def test_add_line_without_a_position_appends_a_catalog_line(desk: Desk) -> None:
    item = await managed_endpoint(desk)
    made = await draft(desk)
    await desk.add_line(desk.tenant, made.id, LineSpec(quantity=Decimal(3), item_id=item.id))
    read = await stored(desk, made.id)  # QUO-1, CAT-1
    assert [(line.position, line.details.item_id) for line in read.lines] == [
        (1, None),
        (2, item.id),
    ]


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        (LineSpec(quantity=Decimal(1), unit_price=Decimal(5)), "name"),
        (LineSpec(quantity=Decimal(1), name="Cable"), "unit_price"),
        (ad_hoc(quantity=Decimal(0)), "quantity"),
    ],
)
async def test_add_line_refuses_an_incomplete_line_naming_the_field(
    desk: Desk, spec: LineSpec, field: str
) -> None:
    made = await draft(desk)
    with pytest.raises(InvalidValue) as caught:  # QUO-1
        await desk.add_line(desk.tenant, made.id, spec)
    assert caught.value.rule == "QUO-1"
    assert (caught.value.field or "").rsplit(".", 1)[-1] == field
    assert len((await stored(desk, made.id)).lines) == 1


async def test_change_line_keeps_a_psa_lines_source_when_the_new_spec_has_none(
    desk: Desk,
) -> None:
    made = await draft(desk, ad_hoc("Aruba switch", "610.00", source=AUTOTASK_SWITCH))
    line = made.lines[0]
    await desk.change_line(
        desk.tenant, made.id, line.id, ad_hoc("Aruba switch", "580.00", quantity=Decimal(2))
    )
    read = (await stored(desk, made.id)).line(line.id)  # CAT-2: it still points at the PSA item
    assert (read.details.source, read.details.unit_price) == (AUTOTASK_SWITCH, usd("580.00"))
    assert (read.details.quantity, read.position) == (Decimal(2), 1)


async def test_change_line_takes_a_new_source_when_given(desk: Desk) -> None:
    made = await draft(desk, ad_hoc("Aruba switch", "610.00", source=AUTOTASK_SWITCH))
    other = ItemSource("autotask", "product", "29683002")
    line_id = made.lines[0].id
    await desk.change_line(desk.tenant, made.id, line_id, ad_hoc("Aruba 6100", source=other))
    assert (await stored(desk, made.id)).line(line_id).details.source == other


async def test_change_line_of_an_unknown_line_is_not_found(desk: Desk) -> None:
    made = await draft(desk)
    with pytest.raises(NotFound):
        await desk.change_line(desk.tenant, made.id, LineId(uuid.uuid4()), ad_hoc())


async def test_remove_line_closes_up_the_positions(desk: Desk) -> None:
    made = await draft(desk, ad_hoc("Firewall"), ad_hoc("Switch"), ad_hoc("Cabling"))
    await desk.remove_line(desk.tenant, made.id, made.lines[0].id)
    read = await stored(desk, made.id)  # QUO-1
    assert [(line.position, line.details.name) for line in read.lines] == [
        (1, "Switch"),
        (2, "Cabling"),
    ]


async def test_set_quote_discount_sets_and_removes_it(desk: Desk) -> None:
    made = await draft(desk, ad_hoc("Firewall", "400.00"))
    await desk.set_discount(desk.tenant, made.id, Discount.amount("40.00"))
    read = await stored(desk, made.id)
    assert (read.discount, read.totals().one_time_total) == (
        Discount.amount("40.00"),
        usd("360.00"),
    )  # QUO-2: off the one-time subtotal
    await desk.set_discount(desk.tenant, made.id, None)
    assert (await stored(desk, made.id)).discount is None


async def test_a_quote_discount_over_the_one_time_subtotal_is_refused(desk: Desk) -> None:
    made = await draft(desk, ad_hoc("Firewall", "400.00"))
    with pytest.raises(DomainError) as caught:  # QUO-2
        await desk.set_discount(desk.tenant, made.id, Discount.amount("400.01"))
    assert (caught.value.rule, caught.value.field) == ("QUO-2", "discount")
    assert (await stored(desk, made.id)).discount is None


async def test_editing_another_tenants_quote_is_not_found(desk: Desk) -> None:
    made = await draft(desk)
    with pytest.raises(NotFound):  # SPEC §0
        await desk.set_discount(TENANT_B, made.id, Discount.percent(5))


# --- the snapshot (QUO-7, QUO-3) ----------------------------------------------------------------


async def mixed_quote(desk: Desk) -> Quote:
    """One-time, monthly and labor lines, item and quote discounts, two tax rates."""
    return await desk.create(
        desk.tenant,
        header(desk, notes="Prices valid for 30 days"),
        [
            ad_hoc(
                "Firewall",
                "499.00",
                quantity=Decimal(2),
                unit_cost=Decimal("320.00"),
                tax_rate=Decimal("8.25"),
                discount=Discount.percent(10),
            ),
            ad_hoc("Cabling", "83.33", quantity=Decimal(3), tax_rate=Decimal("8.25")),
            ad_hoc(
                "Managed endpoint",
                "25.00",
                quantity=Decimal(10),
                period=Period.MONTHLY,
                tax_rate=Decimal(5),
                kind=ItemKind.SERVICE,
            ),
            ad_hoc("Onsite hour", "150.00", quantity=Decimal(4), taxable=False),
        ],
        Discount.percent(5),
    )


def snapshot(desk: Desk, quote: Quote, today: date = TODAY) -> QuoteSnapshot:
    return snapshot_of(
        quote, desk.organization, desk.contact, today=today, tenant_name="Northwind IT"
    )


async def test_the_snapshots_totals_are_the_domains(desk: Desk) -> None:
    quote = await mixed_quote(desk)
    s, t = snapshot(desk, quote), quote.totals()  # QUO-2
    assert (s.one_time_subtotal, s.quote_discount, s.line_discounts) == (
        t.one_time_subtotal.amount,
        t.quote_discount.amount,
        t.line_discounts.amount,
    )
    assert (s.one_time_tax, s.one_time_total, s.tax_total) == (
        t.one_time_tax.amount,
        t.one_time_total.amount,
        t.tax_total.amount,
    )
    assert (s.grand_total, s.cost_total, s.margin, s.value) == (
        t.grand_total.amount,
        t.cost_total.amount,
        t.margin.amount,
        t.value.amount,
    )
    assert [(r.period, r.subtotal, r.tax, r.total) for r in s.recurring] == [
        (Period.MONTHLY, Decimal("250.00"), Decimal("12.50"), Decimal("262.50"))
    ]
    assert s.quote_discount_percent == Decimal(5)


async def test_the_snapshots_lines_carry_the_domains_money(desk: Desk) -> None:
    quote = await mixed_quote(desk)
    s, t = snapshot(desk, quote), quote.totals()
    assert [line.position for line in s.lines] == [1, 2, 3, 4]
    for shown, line in zip(s.lines, quote.lines, strict=True):
        money = t.line(line.id)  # QUO-2
        assert (shown.id, shown.gross, shown.discount_amount, shown.net) == (
            line.id,
            line.gross.amount,
            line.discount_amount.amount,
            line.net.amount,
        )
        assert (shown.quote_discount_share, shown.tax) == (
            money.quote_discount_share.amount,
            money.tax.amount,
        )
    assert sum(line.quote_discount_share for line in s.lines) == s.quote_discount
    assert (s.lines[0].discount_percent, s.lines[1].discount_percent) == (Decimal(10), None)
    assert [line.one_time for line in s.lines] == [True, True, False, True]


async def test_the_snapshot_prints_the_organization_contact_and_owner(desk: Desk) -> None:
    s = snapshot(desk, await mixed_quote(desk))  # QUO-7
    assert (s.organization.id, s.organization.name, s.organization.phone) == (
        desk.organization.id,
        "Bayside Dental",
        "+1 510 555 0142",
    )
    assert s.organization.address == ("1200 Harbor Blvd", "Suite 300", "Oakland CA 94607", "US")
    assert s.contact is not None
    assert (s.contact.id, s.contact.name, s.contact.email) == (
        desk.contact.id,
        "Dana Whitfield",
        "dana@bayside.example",
    )
    assert (s.contact.first_name, s.contact.last_name) == ("Dana", "Whitfield")
    assert (s.owner.name, s.owner.email) == ("Sam Rivera", "sam@northwind.example")
    assert (s.number, s.currency, s.expires_on, s.issued_on) == ("Q-1001", "USD", EXPIRES, TODAY)
    assert (s.tenant_name, s.notes) == ("Northwind IT", "Prices valid for 30 days")


async def test_a_snapshot_without_a_contact_has_none(desk: Desk) -> None:
    quote = await desk.create(desk.tenant, header(desk, contact_id=None), [ad_hoc()])
    s = snapshot_of(quote, desk.organization, None, today=TODAY, tenant_name="Northwind IT")
    assert s.contact is None


@pytest.mark.parametrize(
    ("publish", "today", "status"),
    [
        (True, EXPIRES, "published"),
        (True, EXPIRES + timedelta(days=1), "expired"),
        (False, EXPIRES + timedelta(days=1), "draft"),
    ],
)
async def test_the_snapshots_status_is_the_one_on_its_day(
    desk: Desk, publish: bool, today: date, status: str
) -> None:
    quote = await draft(desk)
    if publish:
        quote.publish(NOW, TODAY)
    s = snapshot(desk, quote, today)  # QUO-1: a published quote past its expiry is expired
    assert (s.status, s.expired, s.issued_on) == (status, status == "expired", today)


async def test_render_quote_renders_the_stored_quote_as_of_today(desk: Desk) -> None:
    rendered: list[QuoteSnapshot] = []

    class Documents:
        def render(self, quote: QuoteSnapshot) -> bytes:
            rendered.append(quote)
            return f"PDF {quote.number} r{quote.revision}".encode()

    made = await draft(desk)
    quote, pdf = await RenderQuote(desk.uow, desk.clock, Documents())(desk.tenant, made.id)
    assert (quote.id, pdf) == (made.id, b"PDF Q-1001 r0")  # QUO-7
    assert [(s.id, s.issued_on, s.tenant_name) for s in rendered] == [
        (made.id, TODAY, f"Northwind IT {TENANT_A.int:x}")
    ]
