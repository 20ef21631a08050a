"""Quotes pushed to the Autotask sandbox over real HTTP (QUO-3..6, AT-1..10, CAT-2, PAY-14).

The links double keeps the first link of a hub entity, as the SQL table does (its primary key
refuses a second one), so nothing here leans on a link being replaced.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import httpx
import pytest

from adapters.sandboxes.autotask.app import create_autotask_sandbox
from adapters.sandboxes.autotask.seed import seeded_id
from adapters.sandboxes.kit.base import Faults
from adapters.vendors.autotask.client import AutotaskClients
from adapters.vendors.autotask.quoting import AutotaskQuoting
from application.integrations.ports import (
    ConnectionConfig,
    VendorError,
    VendorRejected,
)
from application.quotes.ports import OpportunitySearch, Outcome, PsaQuoting
from domain.catalog.item import ItemKind, ItemSource, Period
from domain.integrations.connection import ConnectionId
from tests.support.autotask import (
    AutotaskSandbox,
    InMemoryExternalLinks,
    autotask_connection,
    company_body,
)
from tests.support.quotes import ORGANIZATION, many_lines, quote_line, sample_snapshot
from tests.support.sandboxes import SemaphoreLimits, sandbox_starter

TODAY = date(2026, 11, 20)
PDF = b"%PDF-1.7 the quote"
SETTINGS = {"tax_code_mapping": {"TAX": "Standard"}}
STANDARD_TAX = seeded_id("TaxCategories", "Standard")


class FirstLinkWins(InMemoryExternalLinks):
    """Links as the SQL table keeps them: a second link of an entity or an id is ignored;
    ``crash_on`` makes the first link of that entity type fail, as a crash would."""

    def __init__(self, crash_on: str | None = None) -> None:
        super().__init__()
        self.crash_on = crash_on

    async def link(
        self, connection_id: ConnectionId, entity_type: str, entity_id: UUID, external_id: str
    ) -> None:
        if entity_type == self.crash_on:
            self.crash_on = None
            raise RuntimeError(f"crashed before linking {entity_type}")
        taken = await self.find_entity(connection_id, entity_type, external_id)
        if (connection_id, entity_type, entity_id) not in self.links and taken is None:
            self.links[(connection_id, entity_type, entity_id)] = external_id


@dataclass(frozen=True)
class Sandbox(AutotaskSandbox):
    def records(self, entity: str) -> list[dict[str, Any]]:
        return list(self.store.snapshot()["entities"][entity])

    def opportunity(self, company_id: int, title: str, close: str, **changes: Any) -> int:
        body = {
            "companyID": company_id,
            "title": title,
            "status": 1,
            "stage": 1,
            "amount": 100.0,
            "cost": 40.0,
            "ownerResourceID": seeded_id("Resources", "morgan.hale@msp.example"),
            "probability": 30,
            "projectedCloseDate": f"{close}T00:00:00",
            "startDate": "2026-11-01T00:00:00",
            "useQuoteTotals": False,
            **changes,
        }
        return self.store.create("Opportunities", body)


@dataclass
class Hub:
    quoting: AutotaskQuoting
    links: FirstLinkWins
    connection: ConnectionConfig
    sandbox: Sandbox
    sent: list[httpx.Request]
    limits: SemaphoreLimits
    clients: AutotaskClients

    def sent_since(self, start: int) -> Counter[tuple[str, str]]:
        """(method, entity or child collection) of the requests sent after ``start``."""
        return Counter(
            (r.method, r.url.path.split("/v1.0/")[1].split("/")[-1 if r.method != "DELETE" else -2])
            for r in self.sent[start:]
            if "/v1.0/" in r.url.path
        )


StartHub = Callable[..., Hub]


@pytest.fixture
async def start_hub() -> AsyncIterator[StartHub]:
    with sandbox_starter(Sandbox, create_autotask_sandbox) as start:
        opened: list[tuple[httpx.AsyncClient, AutotaskClients]] = []

        def make(links: FirstLinkWins | None = None, **settings: Any) -> Hub:
            sandbox = start()
            sent: list[httpx.Request] = []

            async def record(request: httpx.Request) -> None:
                sent.append(request)

            http = httpx.AsyncClient(event_hooks={"request": [record]})
            limits = SemaphoreLimits()
            clients = AutotaskClients(limits, http=http, timeout=5)
            links = links or FirstLinkWins()
            connection = autotask_connection(sandbox.url, settings={**SETTINGS, **settings})
            quoting = AutotaskQuoting(clients, links, today=lambda: TODAY)
            opened.append((http, clients))
            return Hub(quoting, links, connection, sandbox, sent, limits, clients)

        yield make
        for http, clients in opened:
            await clients.aclose()
            await http.aclose()


def items_by_sort(hub: Hub) -> dict[int, dict[str, Any]]:
    return {item["sortOrderID"]: item for item in hub.sandbox.records("QuoteItems")}


def only(records: list[dict[str, Any]]) -> dict[str, Any]:
    assert len(records) == 1, records
    return records[0]


def test_autotask_quoting_is_a_psa_quoting(start_hub: StartHub) -> None:
    quoting: PsaQuoting = start_hub().quoting
    assert quoting is not None


# --- publish (QUO-3) --------------------------------------------------------------------------


async def test_publish_makes_opportunity_quote_items_and_one_pdf_quo_3(start_hub: StartHub) -> None:
    hub = start_hub()
    quote = sample_snapshot()

    result = await hub.quoting.publish(quote, PDF, hub.connection)

    company = only(hub.sandbox.records("Companies"))
    assert (company["companyName"], company["phone"]) == (ORGANIZATION.name, ORGANIZATION.phone)
    contact = only(hub.sandbox.records("Contacts"))
    assert (contact["emailAddress"], contact["companyID"]) == (
        quote.contact and quote.contact.email,
        company["id"],
    )
    opportunity = only(hub.sandbox.records("Opportunities"))
    assert str(opportunity["id"]) == result.opportunity_ref
    assert (opportunity["amount"], opportunity["cost"]) == (
        float(quote.value),
        float(quote.cost_total),
    )
    assert (opportunity["status"], opportunity["stage"]) == (1, 3)  # Active, Proposal
    assert (opportunity["companyID"], opportunity["contactID"]) == (company["id"], contact["id"])
    assert opportunity["projectedCloseDate"].startswith("2026-12-20")
    assert (opportunity["monthlyRevenue"], opportunity["yearlyRevenue"]) == (1475.0, 6600.0)
    autotask_quote = only(hub.sandbox.records("Quotes"))
    assert str(autotask_quote["id"]) == result.quote_ref
    assert (autotask_quote["externalQuoteNumber"], autotask_quote["opportunityID"]) == (
        quote.number,
        opportunity["id"],
    )
    attachment = only(hub.sandbox.records("OpportunityAttachments"))
    assert (attachment["title"], attachment["fileSize"], attachment["publish"]) == (
        "Quote Q-2026-0042.pdf",
        len(PDF),
        1,
    )
    assert str(attachment["id"]) == result.attachment_ref


async def test_items_carry_types_references_periods_taxes_and_discounts_at_3_to_8(
    start_hub: StartHub,
) -> None:
    hub = start_hub()
    quote = sample_snapshot()

    await hub.quoting.publish(quote, PDF, hub.connection)

    items = items_by_sort(hub)
    assert len(items) == len(quote.lines) + 1
    products = {p["id"]: p for p in hub.sandbox.records("Products")}
    services = {s["id"]: s for s in hub.sandbox.records("Services")}
    firewall, laptop = items[1], items[2]
    assert (
        firewall["quoteItemType"],
        firewall["percentageDiscount"],
        firewall["lineDiscount"],
    ) == (1, 10.0, 0.0)
    assert (laptop["lineDiscount"], laptop["percentageDiscount"]) == (250.0, 0.0)
    assert products[firewall["productID"]]["sku"] == "MX68-HW"
    assert products[firewall["productID"]]["productCategory"] == 1  # "Hardware" matched, AT-3
    assert firewall["taxCategoryID"] == STANDARD_TAX  # AT-8
    labor = items[4]  # AT-4, AT-5
    assert (labor["quoteItemType"], labor["laborID"], labor["periodType"]) == (
        3,
        seeded_id("BillingCodes", "Remote Support"),
        1,
    )
    assert (labor["productID"], labor["taxCategoryID"]) == (None, None)
    licence, quarterly = items[5], items[8]  # AT-6: recurring hub items are Services
    assert (licence["quoteItemType"], licence["periodType"]) == (11, 5)
    assert services[licence["serviceID"]]["billingCodeID"] == seeded_id(
        "BillingCodes", "Recurring Services"
    )
    assert (quarterly["periodType"], services[quarterly["serviceID"]]["periodType"]) == (3, 3)
    discount = items[9]
    assert (discount["unitPrice"], products[discount["productID"]]["name"]) == (-552.46, "Discount")
    assert not [
        p for p in products.values() if p["name"] == "On-site installation and configuration"
    ]


async def test_autotask_items_are_used_as_is_and_one_time_services_become_products_at_6(
    start_hub: StartHub,
) -> None:
    hub = start_hub()
    m365 = seeded_id("Products", "Microsoft 365 Business Premium")
    workstation = seeded_id("Services", "Managed Workstation")
    lines = (
        quote_line(
            "M365",
            "22",
            10,
            period=Period.MONTHLY,
            source=ItemSource("autotask", "product", str(m365)),
        ),
        quote_line(
            "Managed Workstation",
            "45",
            3,
            position=2,
            period=Period.MONTHLY,
            source=ItemSource("autotask", "service", str(workstation)),
        ),
        quote_line(
            "Annual Security Audit",
            "1200",
            position=3,
            source=ItemSource(
                "autotask", "service", str(seeded_id("Services", "Annual Security Audit"))
            ),
        ),
    )
    products_before = len(hub.sandbox.records("Products"))

    await hub.quoting.publish(
        sample_snapshot(lines=lines, quote_discount_percent=None), PDF, hub.connection
    )

    items = items_by_sort(hub)
    assert (items[1]["productID"], items[1]["periodType"]) == (m365, 2)
    assert (items[2]["serviceID"], items[2]["periodType"]) == (workstation, 2)
    audit = {p["id"]: p for p in hub.sandbox.records("Products")}[items[3]["productID"]]
    assert (audit["name"], items[3]["periodType"]) == ("Annual Security Audit", 1)
    assert len(hub.sandbox.records("Products")) == products_before + 1


async def test_existing_products_are_matched_by_sku_not_created(start_hub: StartHub) -> None:
    hub = start_hub()
    line = quote_line("Laptop for reception", "1299", sku="dl-5450")
    before = len(hub.sandbox.records("Products"))

    await hub.quoting.publish(
        sample_snapshot(lines=(line,), quote_discount_percent=None), PDF, hub.connection
    )

    assert items_by_sort(hub)[1]["productID"] == seeded_id("Products", "Dell Latitude 5450 Laptop")
    assert len(hub.sandbox.records("Products")) == before


async def test_opportunity_owner_is_one_of_the_instances_resources_never_assumed_at_9(
    start_hub: StartHub,
) -> None:
    riley = seeded_id("Resources", "riley.chen@msp.example")
    default, chosen = start_hub(), start_hub(opportunity_owner_resource_id=riley)

    await default.quoting.publish(sample_snapshot(), PDF, default.connection)
    await chosen.quoting.publish(sample_snapshot(), PDF, chosen.connection)

    api_user = seeded_id("Resources", "sandbox@q2c.local")  # an Autotask API user is a resource
    assert only(default.sandbox.records("Opportunities"))["ownerResourceID"] == api_user
    assert only(default.sandbox.records("Companies"))["ownerResourceID"] == api_user
    assert only(chosen.sandbox.records("Opportunities"))["ownerResourceID"] == riley


async def test_picked_opportunity_is_updated_not_created_quo_5(start_hub: StartHub) -> None:
    hub = start_hub()
    company = hub.sandbox.store.create("Companies", company_body())
    assert ORGANIZATION.id is not None  # the organization was synced to this company before
    await hub.links.link(
        hub.connection.connection_id, "organization", ORGANIZATION.id, str(company)
    )
    picked = hub.sandbox.opportunity(company, "Network refresh", "2027-01-31")
    quote = sample_snapshot(opportunity_ref=str(picked))

    result = await hub.quoting.publish(quote, PDF, hub.connection)

    opportunity = only(hub.sandbox.records("Opportunities"))
    assert (result.opportunity_ref, opportunity["amount"]) == (str(picked), float(quote.value))
    assert opportunity["title"] == "Network refresh"


# --- idempotence (QUO-6) ----------------------------------------------------------------------


async def test_publishing_twice_changes_nothing_quo_6(start_hub: StartHub) -> None:
    hub = start_hub()
    quote = sample_snapshot()
    first = await hub.quoting.publish(quote, PDF, hub.connection)
    before = hub.sandbox.store.snapshot()
    start = len(hub.sent)

    second = await hub.quoting.publish(quote, PDF, hub.connection)

    after = hub.sandbox.store.snapshot()
    assert (second.opportunity_ref, second.quote_ref, second.attachment_ref) == (
        first.opportunity_ref,
        first.quote_ref,
        first.attachment_ref,
    )
    assert after["counts"] == before["counts"]
    assert (after["updates"], after["deleted"]) == (before["updates"], before["deleted"])
    reads = [r for r in hub.sent[start:] if r.method == "GET" or r.url.path.endswith("/query")]
    assert reads == hub.sent[start:]
    # The first makes the company (owned by the API user's resource, looked up once), then
    # reads back the first one made (a racing push may have made one too).
    # The second reads nothing either: the marks say what the first wrote.
    assert (first.calls, second.calls) == (41, 0)  # read back in the report


async def test_editing_one_line_of_50_patches_exactly_one_item_quo_6(start_hub: StartHub) -> None:
    hub = start_hub()
    lines = many_lines(50)
    await hub.quoting.publish(
        sample_snapshot(lines=lines, quote_discount_percent=None), PDF, hub.connection
    )
    edited = list(lines)
    edited[20] = quote_line(lines[20].name, "99.00", 3, position=21, sku=lines[20].sku)
    assert edited[20].id == lines[20].id
    start = len(hub.sent)

    result = await hub.quoting.publish(
        sample_snapshot(lines=tuple(edited), quote_discount_percent=None),
        PDF + b"v2",
        hub.connection,
    )

    sent = hub.sent_since(start)
    assert sent[("PATCH", "Items")] == 1
    assert (sent[("POST", "Items")], sent[("DELETE", "Items")]) == (0, 0)
    assert items_by_sort(hub)[21]["unitPrice"] == 99.0
    # The opportunity's amount, the line's tax category, the item, the PDF swap: no read of
    # what the hub's links and marks already answer.
    assert sent == Counter(
        {
            ("PATCH", "Opportunities"): 1,
            ("POST", "query"): 1,
            ("PATCH", "Items"): 1,
            ("POST", "Attachments"): 1,
            ("DELETE", "Attachments"): 1,
        }
    )
    assert result.calls == 5  # at most 5 (issue 14); read back in the report


async def test_a_one_line_edit_of_50_lines_costs_autotask_at_most_5_calls_quo_3(
    start_hub: StartHub,
) -> None:
    """Counted by the sandbox itself: the opportunity's amount, the line's tax category, the
    changed item, the PDF swap; nothing the hub's links and marks already answer (issue 14)."""
    hub = start_hub()
    lines = many_lines(50)
    no_discount = {"quote_discount_percent": None}  # else its item changes with the total
    await hub.quoting.publish(sample_snapshot(lines=lines, **no_discount), PDF, hub.connection)
    edited = list(lines)
    edited[7] = quote_line(lines[7].name, "12.00", 9, position=8, sku=lines[7].sku)
    before = await hub.sandbox.state()

    await hub.quoting.publish(
        sample_snapshot(lines=tuple(edited), **no_discount), PDF + b"v2", hub.connection
    )

    after = await hub.sandbox.state()
    counted = {
        endpoint: n - before["requests"].get(endpoint, 0)
        for endpoint, n in after["requests"].items()
        if n != before["requests"].get(endpoint, 0)
    }
    # Opportunities: its PATCH, and the PDF attached and the old one deleted under it.
    assert counted == {"Opportunities": 3, "TaxCategories": 1, "Quotes": 1}
    assert sum(counted.values()) <= 5
    assert items_by_sort(hub)[8]["quantity"] == 9.0
    assert len(hub.sandbox.records("OpportunityAttachments")) == 1


async def test_an_edit_undone_is_written_back_not_skipped_as_seen_before_quo_6(
    start_hub: StartHub,
) -> None:
    """The marks are ordered: a line back at a value it once had is still written again."""
    hub = start_hub()
    lines = many_lines(3)
    changed = (quote_line(lines[0].name, "77.00", 5, position=1, sku=lines[0].sku), *lines[1:])
    quotes = [sample_snapshot(lines=ls, quote_discount_percent=None) for ls in (lines, changed)]

    for n, quote in enumerate([quotes[0], quotes[1], quotes[0], quotes[1], quotes[0]]):
        await hub.quoting.publish(quote, PDF + bytes([n]), hub.connection)

    first = items_by_sort(hub)[1]
    assert (first["quantity"], first["unitPrice"]) == (float(lines[0].quantity), 41.5)
    assert len(hub.sandbox.records("QuoteItems")) == 3
    assert len(hub.sandbox.records("OpportunityAttachments")) == 1
    assert only(hub.sandbox.records("Opportunities"))["amount"] == float(quotes[0].value)


async def test_a_crash_after_a_new_pdf_is_attached_leaves_one_attachment_on_retry_quo_6(
    start_hub: StartHub,
) -> None:
    hub = start_hub()
    quote = sample_snapshot()
    await hub.quoting.publish(quote, PDF, hub.connection)
    hub.links.crash_on = "quote_pdf"  # the new PDF is attached; its link is never written

    with pytest.raises(RuntimeError, match="crashed"):
        await hub.quoting.publish(quote, PDF + b" v2", hub.connection)
    await hub.quoting.publish(quote, PDF + b" v2", hub.connection)

    attachment = only(hub.sandbox.records("OpportunityAttachments"))
    assert attachment["fileSize"] == len(PDF + b" v2")


async def test_removed_line_deletes_its_item_and_new_line_adds_one(start_hub: StartHub) -> None:
    hub = start_hub()
    quote = sample_snapshot(quote_discount_percent=None)
    await hub.quoting.publish(quote, PDF, hub.connection)
    removed = items_by_sort(hub)[8]["id"]
    extra = quote_line("Spare toner", "80", position=9, sku="TONER")

    await hub.quoting.publish(replace(quote, lines=(*quote.lines[:7], extra)), PDF, hub.connection)

    items = items_by_sort(hub)
    assert sorted(items) == [1, 2, 3, 4, 5, 6, 7, 9]
    assert removed in hub.sandbox.store.snapshot()["deleted"]["QuoteItems"]


async def test_a_line_turned_labor_gets_a_new_item_once_at_4(start_hub: StartHub) -> None:
    hub = start_hub()
    quote = sample_snapshot(quote_discount_percent=None)
    await hub.quoting.publish(quote, PDF, hub.connection)
    old = items_by_sort(hub)[3]
    mapping = {"Hardware": {"subcategories": {"Access points": {"labor": True}}}}
    relabelled = replace(quote.lines[2], subcategory="Access points")
    labor_quote = replace(quote, lines=(*quote.lines[:2], relabelled, *quote.lines[3:]))
    hub.connection = replace(
        hub.connection, settings={**hub.connection.settings, "item_category_mapping": mapping}
    )

    await hub.quoting.publish(labor_quote, PDF, hub.connection)
    start = len(hub.sent)
    await hub.quoting.publish(labor_quote, PDF, hub.connection)  # the old link stays: adopted

    new = items_by_sort(hub)[3]
    assert (new["quoteItemType"], new["productID"]) == (3, None)
    assert old["id"] in hub.sandbox.store.snapshot()["deleted"]["QuoteItems"]
    assert [r for r in hub.sent[start:] if r.method != "GET" and "/query" not in r.url.path] == []
    assert len(items_by_sort(hub)) == len(quote.lines)


async def test_a_new_pdf_replaces_the_old_attachment_quo_3(start_hub: StartHub) -> None:
    hub = start_hub()
    quote = sample_snapshot()
    first = await hub.quoting.publish(quote, PDF, hub.connection)

    second = await hub.quoting.publish(quote, PDF + b" revised", hub.connection)

    attachment = only(hub.sandbox.records("OpportunityAttachments"))
    assert str(attachment["id"]) == second.attachment_ref != first.attachment_ref


async def test_deleting_an_item_already_gone_is_done_not_an_error_quo_6(
    start_hub: StartHub,
) -> None:
    """A retried delete whose first answer was lost meets a 404: the item is gone, as asked."""
    hub = start_hub()
    quote = sample_snapshot(quote_discount_percent=None)
    await hub.quoting.publish(quote, PDF, hub.connection)
    item = items_by_sort(hub)[8]
    client = await hub.clients.client(hub.connection)
    await client.delete_child("Quotes", item["quoteID"], "Items", item["id"])

    await client.delete_child("Quotes", item["quoteID"], "Items", item["id"])

    assert 8 not in items_by_sort(hub)
    assert hub.sandbox.store.snapshot()["deleted"]["QuoteItems"].count(item["id"]) == 1
    assert [r.method for r in hub.sent[-2:]] == ["DELETE", "DELETE"]


@pytest.mark.parametrize(
    "crash_on",
    ["organization", "contact", "quote_opportunity", "quote_location", "quote_line", "quote_pdf"],
)
async def test_crash_between_create_and_link_creates_nothing_twice_quo_6(
    start_hub: StartHub, crash_on: str
) -> None:
    hub = start_hub(FirstLinkWins(crash_on=crash_on))
    quote = sample_snapshot()
    with pytest.raises(RuntimeError, match="crashed"):
        await hub.quoting.publish(quote, PDF, hub.connection)

    await hub.quoting.publish(quote, PDF, hub.connection)

    counts = hub.sandbox.store.snapshot()["counts"]
    assert {
        e: counts[e] for e in ("Companies", "Contacts", "Opportunities", "Quotes")
    } == dict.fromkeys(("Companies", "Contacts", "Opportunities", "Quotes"), 1)
    assert (counts["QuoteItems"], counts["OpportunityAttachments"]) == (len(quote.lines) + 1, 1)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
async def test_lost_answers_and_retries_leave_one_of_each_quo_6(
    start_hub: StartHub, seed: int
) -> None:
    hub = start_hub()
    quote = sample_snapshot()
    edited = replace(quote, lines=(*quote.lines[:6], replace(quote.lines[6], quantity=Decimal(2))))
    hub.sandbox.runtime.replace_faults(Faults(drop_rate=0.1, malformed_rate=0.1, seed=seed))

    for snapshot, pdf in ((quote, PDF), (edited, PDF + b"v2")):
        for _attempt in range(200):
            try:
                await hub.quoting.publish(snapshot, pdf, hub.connection)
                break
            except VendorError:
                continue
        else:
            pytest.fail("the publish never got through")

    hub.sandbox.runtime.replace_faults(Faults())
    state = hub.sandbox.store.snapshot()
    assert {
        e: state["counts"][e] for e in ("Opportunities", "Quotes", "OpportunityAttachments")
    } == {
        "Opportunities": 1,
        "Quotes": 1,
        "OpportunityAttachments": 1,
    }
    items = hub.sandbox.records("QuoteItems")
    assert sorted(i["sortOrderID"] for i in items) == [1, 2, 3, 4, 5, 6, 7, 8]  # 8: discount
    names = Counter(
        p["name"] for p in [*hub.sandbox.records("Products"), *hub.sandbox.records("Services")]
    )
    assert [name for name, n in names.items() if n > 1] == [
        "Microsoft 365 Business Premium"
    ]  # seeded product + our service
    assert state["duplicate_count"]["Opportunities"] == 0


# --- refusals and errors (AT-1, INT-7) --------------------------------------------------------


async def test_quote_without_phone_is_refused_before_any_call_at_1(start_hub: StartHub) -> None:
    hub = start_hub()
    quote = sample_snapshot(organization=replace(ORGANIZATION, phone=None))

    with pytest.raises(VendorRejected, match="needs a phone number for an Autotask opportunity"):
        await hub.quoting.publish(quote, PDF, hub.connection)

    assert hub.sent == []


async def test_autotask_refusal_comes_back_with_its_message_int_7(start_hub: StartHub) -> None:
    hub = start_hub()
    line = quote_line("Ghost", "1", source=ItemSource("autotask", "product", "1"))

    with pytest.raises(VendorRejected, match="productID: there is no Product with id 1"):
        await hub.quoting.publish(sample_snapshot(lines=(line,)), PDF, hub.connection)


async def test_unknown_billing_code_in_settings_is_refused_by_name_at_9(
    start_hub: StartHub,
) -> None:
    hub = start_hub(labor_billing_code="Plumbing")

    with pytest.raises(VendorRejected, match="no active billing code named 'Plumbing'"):
        await hub.quoting.publish(sample_snapshot(), PDF, hub.connection)


async def test_every_call_stays_inside_autotasks_limits_at_10(start_hub: StartHub) -> None:
    hub = start_hub()

    await hub.quoting.publish(sample_snapshot(lines=many_lines(30)), PDF, hub.connection)

    traffic = hub.sandbox.runtime.traffic.snapshot()
    assert traffic["limit_violations"] == 0
    assert max(hub.limits.max_in_flight.values()) <= 3


# --- outcome (QUO-4) --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "status", "stage", "day"),
    [(Outcome.WON, 3, 5, "closedDate"), (Outcome.LOST, 2, 6, "lostDate")],
)
async def test_won_or_lost_sets_status_and_stage_once_quo_4(
    start_hub: StartHub, outcome: Outcome, status: int, stage: int, day: str
) -> None:
    hub = start_hub()
    quote = sample_snapshot()
    await hub.quoting.publish(quote, PDF, hub.connection)

    await hub.quoting.set_outcome(quote, outcome, hub.connection)
    start = len(hub.sent)
    await hub.quoting.set_outcome(quote, outcome, hub.connection)

    opportunity = only(hub.sandbox.records("Opportunities"))
    assert (opportunity["status"], opportunity["stage"]) == (status, stage)
    assert str(opportunity[day]).startswith(TODAY.isoformat())
    assert [r.method for r in hub.sent[start:]] == ["GET"]


async def test_outcome_of_an_unpublished_quote_is_refused(start_hub: StartHub) -> None:
    hub = start_hub()

    with pytest.raises(VendorRejected, match="has no Autotask opportunity"):
        await hub.quoting.set_outcome(sample_snapshot(), Outcome.WON, hub.connection)


# --- look-ups (AT-2, CAT-2, AT-7, PAY-14) -----------------------------------------------------


async def test_selector_shows_only_active_opportunities_closing_after_today_at_2(
    start_hub: StartHub,
) -> None:
    hub = start_hub()
    acme = hub.sandbox.store.create("Companies", company_body(companyName="Acme"))
    other = hub.sandbox.store.create("Companies", company_body(companyName="Other"))
    shown = hub.sandbox.opportunity(acme, "Firewall upgrade", "2026-12-01")
    hub.sandbox.opportunity(acme, "Firewall past", "2026-11-19")
    hub.sandbox.opportunity(acme, "Firewall today", TODAY.isoformat())
    hub.sandbox.opportunity(acme, "Firewall lost", "2026-12-01", status=2)
    hub.sandbox.opportunity(other, "Firewall elsewhere", "2026-12-01")

    found = await hub.quoting.search_opportunities(
        OpportunitySearch(text="firewall", company_ref=str(acme)), hub.connection
    )

    assert [(o.external_id, o.title, o.company_name, o.status, o.stage) for o in found] == [
        (str(shown), "Firewall upgrade", "Acme", "Active", "Prospecting")
    ]
    assert found[0].close_date == date(2026, 12, 1)
    everything = await hub.quoting.search_opportunities(OpportunitySearch(), hub.connection)
    assert len(everything) == 2


async def test_contacts_are_found_by_name_or_email_active_only(start_hub: StartHub) -> None:
    hub = start_hub()
    company = hub.sandbox.store.create("Companies", company_body(companyName="Contoso"))
    ada = hub.sandbox.store.create_child(
        "Companies",
        company,
        "Contacts",
        {
            "firstName": "Ada",
            "lastName": "Lovelace",
            "emailAddress": "ada@contoso.example",
            "isActive": 1,
        },
    )
    hub.sandbox.store.create_child(
        "Companies",
        company,
        "Contacts",
        {
            "firstName": "Ada",
            "lastName": "Gone",
            "emailAddress": "gone@contoso.example",
            "isActive": 0,
        },
    )

    by_name = await hub.quoting.search_contacts("ada love", hub.connection)
    by_email = await hub.quoting.search_contacts("contoso.example", hub.connection)

    assert [(c.external_id, c.name, c.company_name) for c in by_name] == [
        (str(ada), "Ada Lovelace", "Contoso")
    ]
    assert [c.email for c in by_email] == ["ada@contoso.example"]


async def test_product_search_gives_prices_periods_and_hub_categories_cat_2_at_7(
    start_hub: StartHub,
) -> None:
    hub = start_hub()
    hub.sandbox.store.create(
        "Products",
        {
            "name": "Dell Latitude old",
            "productBillingCodeID": seeded_id("BillingCodes", "Hardware"),
            "isActive": False,
            "isSerialized": False,
        },
    )

    laptops = await hub.quoting.search_items("latitude", hub.connection)
    managed = await hub.quoting.search_items("managed", hub.connection)
    by_sku = await hub.quoting.search_items("m365", hub.connection)
    labor = await hub.quoting.search_items("remote", hub.connection)

    [laptop] = laptops
    assert (laptop.kind, laptop.source_kind, laptop.sku) == (ItemKind.PRODUCT, "product", "DL-5450")
    assert (laptop.unit_price, laptop.unit_cost, laptop.period) == (
        Decimal("1299.0"),
        Decimal("980.0"),
        None,
    )
    assert (laptop.category, laptop.subcategory) == ("Hardware", "Laptops")
    assert {(i.name, i.kind, i.period) for i in managed} == {
        ("Managed Workstation", ItemKind.SERVICE, Period.MONTHLY),
        ("Managed Server", ItemKind.SERVICE, Period.MONTHLY),
    }
    assert [(i.name, i.period, i.category) for i in by_sku] == [
        ("Microsoft 365 Business Premium", Period.MONTHLY, "Cloud Services")
    ]
    assert [(i.external_id, i.kind, i.unit_price) for i in labor] == [
        (str(seeded_id("BillingCodes", "Remote Support")), ItemKind.LABOR, Decimal("125.0"))
    ]


async def test_portal_sees_open_opportunities_with_their_quote_url_pay_14(
    start_hub: StartHub,
) -> None:
    hub = start_hub()
    company = hub.sandbox.store.create("Companies", company_body())
    url = "https://quotes.example/q/42"
    udfs = [{"name": "Quote URL", "value": url}]
    with_url = hub.sandbox.opportunity(company, "Backup", "2027-01-01", userDefinedFields=udfs)
    without = hub.sandbox.opportunity(company, "Phones", "2027-01-01")
    hub.sandbox.opportunity(company, "Old", "2027-01-01", status=3)

    found = await hub.quoting.open_opportunities(str(company), hub.connection)

    assert sorted((o.external_id, o.quote_url) for o in found) == sorted(
        [(str(with_url), url), (str(without), None)]
    )
