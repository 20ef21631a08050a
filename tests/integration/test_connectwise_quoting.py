"""Quotes to ConnectWise opportunities over real HTTP (CW-4, CW-7, BSS-2, BSS-3, QUO-3..6,
CAT-2): the opportunity with its defaults and owner, product items with only changed lines
written, the PDF replaced never piled up, won and lost, products by MPN, the searches."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from decimal import Decimal
from typing import Any
from urllib.parse import unquote_plus
from uuid import uuid4

import pytest

from adapters.vendors.connectwise.client import ConnectWiseClients
from adapters.vendors.connectwise.quoting import ConnectWiseQuoting
from adapters.vendors.connectwise.quoting.parties import update_communications
from adapters.vendors.connectwise.sync import ConnectWiseOrganizationPush, create_company
from adapters.vendors.connectwise.translate.companies import ContactValues
from application.integrations.ports import ConnectionConfig, VendorRejected, VendorUnavailable
from application.quotes.ports import OpportunitySearch, Outcome
from application.quotes.snapshot import QuoteSnapshot
from domain.catalog.item import ItemSource
from tests.support.autotask import (
    InMemoryExternalLinks,
    UnlimitedLimits,
    organization_payload,
    push_message,
)
from tests.support.connectwise import (
    ConnectWiseSandbox,
    connectwise_connection,
    served_connectwise,
)
from tests.support.quotes import OWNER, many_lines, quote_line, sample_snapshot

SETTINGS = {
    "sync_opportunities": True,
    "sync_products": True,
    "new_quote": {"default_employee": "asmith"},
    "category_mapping": {"Software": {"category": "Software", "subcategory": "Licences"}},
}
PDF = b"%PDF-1.4 first"
ADDRESS = {
    "line1": "1 Main Street",
    "line2": None,
    "city": "Oakland",
    "state": "Washington",
    "postal_code": "94607",
    "country": "United States",
}


@pytest.fixture
def cw() -> Iterator[ConnectWiseSandbox]:
    yield from served_connectwise()


@pytest.fixture
async def clients() -> AsyncIterator[ConnectWiseClients]:
    made = ConnectWiseClients(UnlimitedLimits(), timeout=5)
    yield made
    await made.aclose()


@pytest.fixture
def quoting(clients: ConnectWiseClients) -> ConnectWiseQuoting:
    return ConnectWiseQuoting(clients, InMemoryExternalLinks())


def _connection(cw: ConnectWiseSandbox, **settings: Any) -> ConnectionConfig:
    return connectwise_connection(cw.url, settings={**SETTINGS, **settings})


def _quote(**changes: Any) -> QuoteSnapshot:
    lines = changes.pop("lines", None) or (
        quote_line("Firewall FW-200", "499.00", 2, position=1, unit_cost="380", mpn="FW-200-EU"),
        quote_line("Office licence", "12.00", 10, position=2, mpn="OFF-365", category="Software"),
        quote_line("Switch 24 port", "220.00", 1, position=3, mpn="SW-24"),
    )
    return sample_snapshot(lines=lines, **changes)


def _opportunity(cw: ConnectWiseSandbox) -> dict[str, Any]:
    [opportunity] = cw.store.records["sales/opportunities"].values()
    shown: dict[str, Any] = cw.call("GET", f"sales/opportunities/{opportunity['id']}").json()
    return shown


async def test_a_published_quote_lands_as_an_opportunity_with_its_defaults_cw_4(
    cw: ConnectWiseSandbox, quoting: ConnectWiseQuoting
) -> None:
    connection = _connection(cw)
    result = await quoting.publish(_quote(), PDF, connection)
    opportunity = _opportunity(cw)
    assert result.opportunity_ref == str(opportunity["id"])
    assert opportunity["name"] == "Q-2026-0042 Office network refresh and managed services"
    assert opportunity["stage"]["name"] == "Quote"
    assert opportunity["status"]["name"] == "Open"
    assert opportunity["type"]["description"] == "IT:Infrastructure"
    assert opportunity["probability"]["probability"] == 50
    assert opportunity["locationId"] == cw.lookup_id("system/locations", "Headquarters")
    assert opportunity["businessUnitId"] == cw.lookup_id("system/departments", "Sales")
    assert opportunity["expectedCloseDate"] == "2026-12-20T00:00:00Z"  # UTC, whole seconds
    # The owner (no member has the quote owner's email) is the default employee.
    assert opportunity["primarySalesRep"]["identifier"] == "asmith"
    contact = cw.call("GET", f"company/contacts/{opportunity['contact']['id']}").json()
    assert [t["description"] for t in contact["types"]] == ["Approver"]  # CW-2
    company = cw.call("GET", f"company/companies/{opportunity['company']['id']}").json()
    assert [t["name"] for t in company["types"]] == ["Customer"]
    items = cw.call(
        "GET", "procurement/products", params={"conditions": f"opportunity/id={opportunity['id']}"}
    ).json()
    assert [(i["description"], i["quantity"], i["price"]) for i in items] == [
        ("Firewall FW-200", 2.0, 499.0),
        ("Office licence", 10.0, 12.0),
        ("Switch 24 port", 1.0, 220.0),
    ]
    documents = cw.call(
        "GET",
        "system/documents",
        params={"recordType": "Opportunity", "recordId": opportunity["id"]},
    ).json()
    assert [d["title"] for d in documents] == ["Quote Q-2026-0042.pdf"]
    assert cw.store.files[documents[0]["id"]] == PDF


async def test_the_owner_is_the_member_with_the_quote_owners_email_cw_4(
    cw: ConnectWiseSandbox, quoting: ConnectWiseQuoting
) -> None:
    owner = replace(OWNER, email="BO@msp.example")
    await quoting.publish(_quote(owner=owner), PDF, _connection(cw))
    assert _opportunity(cw)["primarySalesRep"]["identifier"] == "bjones"


async def test_editing_one_line_writes_one_product_item_and_replaces_the_pdf_quo_6(
    cw: ConnectWiseSandbox, quoting: ConnectWiseQuoting
) -> None:
    connection = _connection(cw)
    quote = _quote()
    await quoting.publish(quote, PDF, connection)
    opportunity = _opportunity(cw)
    # A person adds an item of their own in ConnectWise: the hub never touches it.
    own = cw.call(
        "POST",
        "procurement/products",
        json={
            "catalogItem": {"id": next(iter(cw.store.records["procurement/catalog"]))},
            "opportunity": {"id": opportunity["id"]},
            "billableOption": "Billable",
            "quantity": 7,
        },
    ).json()
    start = len(cw.journal())
    edited = replace(
        quote, lines=(quote.lines[0], replace(quote.lines[1], quantity=Decimal(12)), quote.lines[2])
    )
    result = await quoting.publish(edited, b"%PDF-1.4 second", connection)
    writes = [
        (e["method"], e["path"].split("/")[0]) for e in cw.journal()[start:] if e["method"] != "GET"
    ]
    assert writes == [("PATCH", "procurement"), ("POST", "system"), ("DELETE", "system")]
    assert result.calls <= 5
    items = cw.store.records["procurement/products"]
    assert own["id"] in items
    assert items[own["id"]]["quantity"] == 7
    documents = list(cw.store.records["system/documents"].values())
    assert len(documents) == 1
    assert cw.store.files[documents[0]["id"]] == b"%PDF-1.4 second"
    # Pushing the same again makes nothing new and writes nothing (QUO-6).
    start = len(cw.journal())
    await quoting.publish(edited, b"%PDF-1.4 second", connection)
    assert [e for e in cw.journal()[start:] if e["method"] != "GET"] == []
    state = await cw.state()
    assert all(v == [] for v in state["duplicates"].values())


async def test_a_lost_answer_anywhere_never_makes_a_second_anything_quo_6(
    cw: ConnectWiseSandbox, clients: ConnectWiseClients
) -> None:
    connection = _connection(cw)
    quote = _quote()
    for _ in range(12):  # every write's answer lost in turn, each retried with fresh links
        cw.knobs(timeouts_after_write=1)
        try:
            await ConnectWiseQuoting(clients, InMemoryExternalLinks()).publish(
                quote, PDF, connection
            )
        except VendorUnavailable:  # the lost answer: the worker retries
            continue
    cw.knobs(timeouts_after_write=0)
    await ConnectWiseQuoting(clients, InMemoryExternalLinks()).publish(quote, PDF, connection)
    timeouts = [e for e in cw.journal() if e["status"] == 500]
    assert len(timeouts) == 12  # every one of the 12 rounds lost a write's answer
    state = await cw.state()
    assert state["duplicates"] == {k: [] for k in state["duplicates"]}
    counts = state["counts"]
    assert (counts["sales/opportunities"], counts["procurement/products"]) == (1, 3)
    assert (counts["company/companies"], counts["company/contacts"]) == (1, 1)
    assert counts["system/documents"] == 1
    assert counts["procurement/catalog"] == 3
    assert state["catalog_changes"] == []


async def test_won_and_lost_set_stage_and_status_from_their_mappings_quo_4(
    cw: ConnectWiseSandbox, quoting: ConnectWiseQuoting
) -> None:
    connection = _connection(cw, lost_quote={"stage": "Closed Lost", "status": "Lost"})
    quote = _quote()
    await quoting.publish(quote, PDF, connection)
    await quoting.set_outcome(quote, Outcome.WON, connection)
    won = _opportunity(cw)
    assert (won["stage"]["name"], won["status"]["name"]) == ("Closed Won", "Open")
    await quoting.set_outcome(quote, Outcome.LOST, connection)
    lost = _opportunity(cw)
    assert (lost["stage"]["name"], lost["status"]["name"]) == ("Closed Lost", "Lost")


async def test_an_item_without_a_match_by_mpn_is_made_once_and_never_changed_cw_7(
    cw: ConnectWiseSandbox, quoting: ConnectWiseQuoting
) -> None:
    existing = cw.call(
        "POST",
        "procurement/catalog",
        json={
            "identifier": "FW-200",
            "description": "Firewall (theirs)",
            "customerDescription": "Firewall",
            "type": {"id": cw.lookup_id("procurement/types", "Software")},
            "subcategory": {"id": cw.lookup_id("procurement/subcategories", "Servers")},
            "manufacturerPartNumber": "FW-200-EU",
            "price": 1,
        },
    ).json()
    connection = _connection(cw)
    await quoting.publish(_quote(), PDF, connection)
    catalog = cw.store.records["procurement/catalog"]
    assert catalog[existing["id"]]["description"] == "Firewall (theirs)"  # matched, untouched
    made = {c["manufacturerPartNumber"]: c for c in catalog.values() if c["id"] != existing["id"]}
    assert set(made) == {"OFF-365", "SW-24"}
    licence = cw.call("GET", f"procurement/catalog/{made['OFF-365']['id']}").json()
    assert (licence["category"]["name"], licence["subcategory"]["name"]) == ("Software", "Licences")
    switch = cw.call("GET", f"procurement/catalog/{made['SW-24']['id']}").json()
    # BSS-3: an unmapped category takes the default; type and class from the settings.
    assert (switch["category"]["name"], switch["subcategory"]["name"]) == ("Hardware", "Networking")
    assert (switch["type"]["name"], switch["productClass"]) == ("Hardware", "NonInventory")
    assert (switch["description"], switch["price"], switch["inactiveFlag"]) == (
        "Switch 24 port",
        220.0,
        False,
    )
    await quoting.publish(_quote(title="Changed title"), PDF, connection)
    assert (await cw.state())["catalog_changes"] == []


def _catalog_queries(cw: ConnectWiseSandbox) -> list[str]:
    return [
        unquote_plus(e["query"])
        for e in cw.journal()
        if e["method"] == "GET" and e["path"] == "procurement/catalog"
    ]


async def test_the_first_publish_looks_every_mpn_up_in_one_query_cw_7_bss_3(
    cw: ConnectWiseSandbox, quoting: ConnectWiseQuoting
) -> None:
    cw.record(
        "procurement/catalog",
        identifier="FW-200",
        description="Firewall (theirs)",
        manufacturerPartNumber="FW-200-EU",
        inactiveFlag=False,
    )
    twice = quote_line("Switch again", "220.00", 1, position=4, mpn="SW-24")
    labour = quote_line("Install and configure", "150.00", position=5)  # no SKU, no MPN
    await quoting.publish(_quote(lines=(*_quote().lines, twice, labour)), PDF, _connection(cw))
    by_mpn, by_identifier = _catalog_queries(cw)
    assert 'manufacturerPartNumber in ("FW-200-EU", "OFF-365", "SW-24")' in by_mpn
    assert "identifier in (" in by_identifier
    made = [e for e in cw.journal() if e["method"] == "POST" and e["path"] == "procurement/catalog"]
    assert [e["request"].get("manufacturerPartNumber") for e in made] == ["OFF-365", "SW-24", None]
    items = cw.store.records["procurement/products"].values()
    assert len({i["catalogItem"]["id"] for i in items}) == 4  # the two switch lines share one


async def test_many_mpns_are_looked_up_in_chunks_that_keep_the_url_short_cw_7(
    cw: ConnectWiseSandbox, quoting: ConnectWiseQuoting
) -> None:
    await quoting.publish(_quote(lines=many_lines(60)), PDF, _connection(cw))
    queries = _catalog_queries(cw)
    assert [q.count('"KIT-') for q in queries] == [50, 10]  # no line without an MPN: no more
    assert all(len(e["query"]) < 2000 for e in cw.journal())
    assert len(cw.store.records["procurement/catalog"]) == 60


async def test_mpns_full_of_characters_a_url_escapes_still_fit_in_its_2000_cw_7(
    cw: ConnectWiseSandbox, quoting: ConnectWiseQuoting
) -> None:
    """A quote, comma, space, slash, # or + is three characters once URL-encoded: fifty
    Cisco-style part numbers in one ``in (...)`` list would have made a 2,068-character URL
    (review), which ConnectWise refuses, and every retry of the publish with it."""
    lines = tuple(
        replace(line, sku=f"C9300-48P-A/K9#0{n:02d}+ACC")
        for n, line in enumerate(many_lines(50), start=1)
    )
    await quoting.publish(_quote(lines=lines), PDF, _connection(cw))
    sent = [
        e["query"]
        for e in cw.journal()
        if e["method"] == "GET" and e["path"] == "procurement/catalog"
    ]
    assert max(len(f"{cw.url}/v2025_1/apis/3.0/procurement/catalog?{q}") for q in sent) < 2000
    assert len(_catalog_queries(cw)) >= 2  # the fifty split by their length, not their count
    assert len(cw.store.records["procurement/catalog"]) == 50


async def test_two_first_publishes_at_once_make_each_catalog_item_once_cw_7(
    cw: ConnectWiseSandbox, quoting: ConnectWiseQuoting
) -> None:
    connection = _connection(cw)
    first, second = _quote(), _quote(id=uuid4(), number="Q-2026-0043")
    await asyncio.gather(*(quoting.publish(q, PDF, connection) for q in (first, second)))
    assert len(cw.store.records["procurement/catalog"]) == 3
    items = cw.store.records["procurement/products"].values()
    assert len({i["catalogItem"]["id"] for i in items}) == 3
    # A publish refused an identifier the other made meanwhile adopts it (and looks the
    # rest up again at once): no sync error, no twin.
    assert (await cw.state())["duplicates"]["procurement/catalog"] == []
    assert (await cw.state())["catalog_changes"] == []


async def test_with_products_off_a_missing_item_is_a_sync_error_naming_it_cw_7(
    cw: ConnectWiseSandbox, quoting: ConnectWiseQuoting
) -> None:
    with pytest.raises(VendorRejected, match="FW-200-EU"):
        await quoting.publish(_quote(), PDF, _connection(cw, sync_products=False))


async def test_a_quote_linked_with_the_selector_updates_that_opportunity_quo_5(
    cw: ConnectWiseSandbox, quoting: ConnectWiseQuoting
) -> None:
    connection = _connection(cw)
    await quoting.publish(_quote(), PDF, connection)
    first = _opportunity(cw)
    found = await quoting.search_opportunities(
        OpportunitySearch(text="network refresh"), connection
    )
    assert [o.external_id for o in found] == [str(first["id"])]
    assert found[0].company_name == "Bayside Dental & Orthodontics"
    other = replace(_quote(), id=uuid4(), number="Q-3", opportunity_ref=str(first["id"]))
    await quoting.publish(other, PDF, connection)
    assert len(cw.store.records["sales/opportunities"]) == 1
    contacts = await quoting.search_contacts("whitfield", connection)
    assert [c.email for c in contacts] == ["dana.whitfield@baysidedental.example"]


async def test_the_product_search_finds_catalog_items_in_real_time_cat_2(
    cw: ConnectWiseSandbox, quoting: ConnectWiseQuoting
) -> None:
    connection = _connection(cw)
    await quoting.publish(_quote(), PDF, connection)
    [item] = await quoting.search_items("sw-24", connection)
    assert (item.mpn, item.unit_price, item.name) == ("SW-24", Decimal("220.0"), "Switch 24 port")
    picked = quote_line(
        "Picked switch",
        "199.00",
        position=1,
        source=ItemSource("connectwise", "catalog", item.external_id),
    )
    start = len(cw.store.records["procurement/catalog"])
    await quoting.publish(_quote(lines=(picked,), number="Q-2"), PDF, connection)
    assert len(cw.store.records["procurement/catalog"]) == start  # the picked item, no new one


async def test_communication_items_are_updated_in_place_bss_2(
    cw: ConnectWiseSandbox, clients: ConnectWiseClients, quoting: ConnectWiseQuoting
) -> None:
    connection = _connection(cw)
    await quoting.publish(_quote(), PDF, connection)
    contact_id = _opportunity(cw)["contact"]["id"]
    client = await clients.client(connection)
    values = ContactValues("Dana", "Whitfield", email="dana@new.example", phone="555-0100")
    await update_communications(client, contact_id, values)
    await update_communications(client, contact_id, values)  # again: nothing new
    items = cw.call("GET", f"company/contacts/{contact_id}/communications").json()
    assert sorted((i["communicationType"], i["value"]) for i in items) == [
        ("Email", "dana@new.example"),
        ("Phone", "555-0100"),
    ]


async def test_fifty_lines_then_a_one_line_edit_costs_at_most_five_calls(
    cw: ConnectWiseSandbox, quoting: ConnectWiseQuoting
) -> None:
    connection = _connection(cw)
    lines = many_lines(50)
    quote = _quote(lines=lines)
    first = await quoting.publish(quote, PDF, connection)
    edited = replace(quote, lines=(*lines[:-1], replace(lines[-1], quantity=Decimal(9))))
    second = await quoting.publish(edited, b"%PDF-1.4 edited", connection)
    print(f"ConnectWise calls: publish of 50 lines {first.calls}, one-line edit {second.calls}")  # noqa: T201
    assert second.calls <= 5


async def test_a_company_made_meanwhile_is_adopted_not_refused_int_4(
    cw: ConnectWiseSandbox, clients: ConnectWiseClients
) -> None:
    # The organization's push and a quote's at once: each looked and found none; the second
    # create is refused (the identifier is taken) and adopts the first one's company.
    connection = _connection(cw, push_organizations=True)
    quote = _quote()
    organization = organization_payload(id=str(quote.organization.id), billing_address=ADDRESS)
    await ConnectWiseOrganizationPush(clients, InMemoryExternalLinks()).deliver(
        push_message(connection, organization), connection
    )
    [company] = cw.store.records["company/companies"].values()
    client = await clients.client(connection)
    body = {"identifier": company["identifier"], "name": "Twin", "city": "Oakland"}
    organization_id = quote.organization.id
    assert organization_id is not None
    assert await create_company(client, organization_id, body) == company["id"]
    with pytest.raises(VendorRejected, match="already in use"):  # a stranger's: refused
        await create_company(client, uuid4(), body)


async def test_an_item_without_a_part_number_is_found_again_by_its_identifier_cw_7(
    cw: ConnectWiseSandbox, quoting: ConnectWiseQuoting
) -> None:
    connection = _connection(cw)
    install = quote_line("Install and configure", "150.00", position=1)  # no SKU, no MPN
    await quoting.publish(_quote(lines=(install,)), PDF, connection)
    other = replace(install, id=uuid4())  # the same service on another quote
    await quoting.publish(_quote(lines=(other,), id=uuid4(), number="Q-9"), PDF, connection)
    assert [c["identifier"] for c in cw.store.records["procurement/catalog"].values()] == [
        "Install and configure"
    ]
