"""KaseyaQuoting against the Kaseya BMS sandbox over real HTTP: the quote push (QUO-3, QUO-6,
KBMS-3..7), outcomes (QUO-4), the selector and product cloud (QUO-5, KBMS-8, KBMS-9, CAT-2),
the portal's open opportunities (PAY-14), and a push repeated through dropped answers (INT-4)."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from adapters.sandboxes.kaseya_bms.app import create_kaseya_sandbox
from adapters.sandboxes.kaseya_bms.seed import KaseyaInstance
from adapters.sandboxes.kit.base import Faults
from adapters.vendors.kaseya_bms.client import KaseyaClients
from adapters.vendors.kaseya_bms.quoting import KaseyaQuoting
from adapters.vendors.kaseya_bms.sync import KaseyaConnectionTester
from application.integrations.ports import ConnectionConfig, VendorError, VendorRejected
from application.quotes.ports import OpportunitySearch, Outcome, PsaQuoting, PublishResult
from application.quotes.snapshot import QuoteSnapshot
from domain.catalog.item import ItemKind, Period
from tests.support.autotask import InMemoryExternalLinks, UnlimitedLimits
from tests.support.kaseya import CONTOSO, KaseyaSandbox, kaseya_connection
from tests.support.quotes import many_lines, quote_line, sample_lines, sample_snapshot
from tests.support.sandboxes import sandbox_starter
from tests.support.timeouts import HONEST_ANSWER_SECONDS

PDF = b"%PDF-1.7 the quote, first revision"
SERVICE_QUOTATIONS = {"service_quotations": True, "default_warehouse": "Main Warehouse"}
LINE_ITEM_PATH = "/v2/crm/quotes/{quotationId}/lineItems/{lineItemId}"
ADD_LINE_PATH = "/v2/crm/quotes/{quotationId}/lineItems/{itemTypeId}/{distributerTypeId}"
SEEDED_OPPORTUNITIES = 5
StartSandbox = Callable[..., KaseyaSandbox]


@dataclass
class Kaseya:
    sandbox: KaseyaSandbox
    quoting: KaseyaQuoting
    connection: ConnectionConfig

    async def publish(self, quote: QuoteSnapshot, pdf: bytes = PDF) -> PublishResult:
        return await self.quoting.publish(quote, pdf, self.connection)

    async def state(self) -> dict[str, Any]:
        return await self.sandbox.state()


@pytest.fixture
def start_sandbox() -> Iterator[StartSandbox]:
    with sandbox_starter(KaseyaSandbox, create_kaseya_sandbox) as start:
        yield start


@pytest.fixture
async def clients() -> AsyncIterator[KaseyaClients]:
    made = KaseyaClients(UnlimitedLimits(), timeout=HONEST_ANSWER_SECONDS)
    yield made
    await made.aclose()


@pytest.fixture
def kaseya(start_sandbox: StartSandbox, clients: KaseyaClients) -> Callable[..., Kaseya]:
    def make(faults: Faults | None = None, **settings: Any) -> Kaseya:
        sandbox = start_sandbox(faults)
        connection = kaseya_connection(sandbox.url, settings={**SERVICE_QUOTATIONS, **settings})
        return Kaseya(sandbox, KaseyaQuoting(clients, InMemoryExternalLinks()), connection)

    return make


def current_quote(**overrides: Any) -> QuoteSnapshot:
    """The sample quote, issued today (Kaseya refuses quotations that expired: KBMS-7)."""
    today = datetime.now(UTC).date()  # the sandbox's today
    return sample_snapshot(issued_on=today, expires_on=today + timedelta(days=30), **overrides)


def backup_without_cost() -> Any:
    return quote_line(
        "Managed backup", "99.00", position=3, kind=ItemKind.SERVICE, period=Period.MONTHLY
    )


def of(state: dict[str, Any], table: str, **where: Any) -> list[dict[str, Any]]:
    return [r for r in state[table] if all(r.get(k) == v for k, v in where.items())]


def requests(state: dict[str, Any], path: str) -> int:
    return int(state["requests"].get(path, 0))


def _conforms(quoting: KaseyaQuoting) -> None:
    """Type-checked only: the adapter implements the port."""
    _port: PsaQuoting = quoting


# --- the push (QUO-3, KBMS-3..6) -----------------------------------------------------------


async def test_publish_sets_the_amount_and_pushes_quotation_lines_and_pdf_quo_3(
    kaseya: Callable[..., Kaseya],
) -> None:
    k = kaseya()
    quote = current_quote()

    result = await k.publish(quote)

    state = await k.state()
    (opportunity,) = of(state, "opportunities", Id=int(result.opportunity_ref))
    assert Decimal(str(opportunity["Amount"])) == quote.value
    assert opportunity["AccountName"] == quote.organization.name
    (quotation,) = state["quotes"]
    assert quotation["Id"] == int(result.quote_ref)
    assert quotation["OpportunityId"] == opportunity["Id"]
    assert quotation["WarehouseId"] == 1  # KBMS-6: "Main Warehouse", through the look-up
    lines = of(state, "line_items", QuotationId=quotation["Id"])
    assert len(lines) == len(quote.lines)
    (attachment,) = state["attachments"]
    assert attachment["ObjectId"] == opportunity["Id"]
    assert str(attachment["Id"]) == result.attachment_ref
    assert attachment["OriginalFileName"].startswith(quote.number)
    assert result.warnings == ()
    assert result.calls > 0


async def test_lines_carry_folded_prices_and_no_tax_or_discount_kbms_4_kbms_5(
    kaseya: Callable[..., Kaseya],
) -> None:
    k = kaseya()
    quote = current_quote()  # a 5% quote discount, item discounts, taxable lines

    await k.publish(quote)

    lines = {line["Name"]: line for line in (await k.state())["line_items"]}
    appliance = lines["Meraki MX68 security appliance"]
    assert appliance["UnitPrice"] == 989.10  # 1,099.00 less 10%
    laptops = lines["Dell Latitude 5450 laptop"]
    assert laptops["UnitPrice"] == 1199.00  # 1,249.00 x 5 less 250.00, per unit
    assert all(line["Discount"] == 0 for line in lines.values())
    assert all(line["Taxable"] is False for line in lines.values())
    total = sum(Decimal(str(line["Total"])) for line in lines.values())
    assert total == quote.value + quote.quote_discount  # the quote-level discount not posted


async def test_service_without_price_and_cost_is_left_out_with_a_warning_kbms_3(
    kaseya: Callable[..., Kaseya],
) -> None:
    k = kaseya()
    lines = (*sample_lines()[:2], backup_without_cost())

    result = await k.publish(current_quote(lines=lines))

    assert result.warnings == (
        "line 3 'Managed backup': Kaseya needs a unit price and unit cost for service items; "
        "not added",
    )
    names = [line["Name"] for line in (await k.state())["line_items"]]
    assert sorted(names) == sorted(line.name for line in lines[:2])


async def test_a_kaseya_service_without_a_cost_is_left_out_with_a_warning_kbms_3(
    kaseya: Callable[..., Kaseya],
) -> None:
    k = kaseya()
    workshop = quote_line(
        "Strategy Workshop", "900.00", position=2, kind=ItemKind.SERVICE, unit_cost="300.00"
    )  # Kaseya's own "Strategy Workshop" service has no unit cost

    result = await k.publish(current_quote(lines=(sample_lines()[0], workshop)))

    assert result.warnings == (
        "line 2 'Strategy Workshop': Kaseya needs a unit price and unit cost for service "
        "items; not added",
    )
    assert len((await k.state())["line_items"]) == 1


async def test_without_service_quotations_services_are_left_out_and_tax_is_posted_kbms_5(
    kaseya: Callable[..., Kaseya],
) -> None:
    k = kaseya(service_quotations=False, default_warehouse=None)
    quote = current_quote()

    result = await k.publish(quote)

    state = await k.state()
    assert state["quotes"][0]["WarehouseId"] is None
    products = [line for line in quote.lines if line.kind is ItemKind.PRODUCT]
    assert {line["Name"] for line in state["line_items"]} == {line.name for line in products}
    assert all(line["Taxable"] for line in state["line_items"])
    assert len(result.warnings) == len(quote.lines) - len(products)
    assert all("service quotations" in warning for warning in result.warnings)


async def test_expired_quote_is_refused_before_any_call_kbms_7(
    kaseya: Callable[..., Kaseya],
) -> None:
    k = kaseya()
    quote = current_quote(status="expired")
    before = await k.state()

    problems = k.quoting.check(quote, k.connection)
    with pytest.raises(VendorRejected, match="cannot backdate"):
        await k.publish(quote)

    assert [p.rule for p in problems] == ["KBMS-7"]
    assert (await k.state())["requests"] == before["requests"]


async def test_service_quotations_without_warehouse_are_refused_kbms_2(
    kaseya: Callable[..., Kaseya],
) -> None:
    k = kaseya(default_warehouse=None)

    with pytest.raises(VendorRejected, match="default warehouse"):
        await k.publish(current_quote())


# --- pushing again (QUO-6) --------------------------------------------------------------------


async def test_publishing_the_same_quote_again_makes_and_writes_nothing_quo_6(
    kaseya: Callable[..., Kaseya],
) -> None:
    k = kaseya()
    quote = current_quote()
    first = await k.publish(quote)
    before = await k.state()

    again = await k.publish(quote)

    after = await k.state()
    assert (again.opportunity_ref, again.quote_ref) == (first.opportunity_ref, first.quote_ref)
    assert again.attachment_ref == first.attachment_ref
    assert after["counts"] == before["counts"]
    assert after["line_items"] == before["line_items"]
    assert after["opportunities"] == before["opportunities"]
    assert again.calls == 1  # the opportunity; the links answer for the rest


async def test_a_one_line_edit_writes_that_line_and_replaces_the_pdf_quo_6(
    kaseya: Callable[..., Kaseya],
) -> None:
    k = kaseya()
    quote = current_quote()
    await k.publish(quote)
    before = await k.state()
    lines = list(quote.lines)
    lines[2] = quote_line(
        "Ubiquiti U7 Pro access point", "189.00", 6, position=3, unit_cost="149.00",
        sku="U7-PRO", category="Hardware",
    )  # fmt: skip
    edited = current_quote(lines=tuple(lines))
    revised = b"%PDF-1.7 the quote, second revision"

    result = await k.publish(edited, revised)

    after = await k.state()
    assert requests(after, LINE_ITEM_PATH) - requests(before, LINE_ITEM_PATH) == 1
    assert requests(after, ADD_LINE_PATH) == requests(before, ADD_LINE_PATH)
    changed = [line for line in after["line_items"] if line.get("ModifiedOn")]
    assert [(line["Name"], line["Quantity"]) for line in changed] == [(lines[2].name, 6.0)]
    (attachment,) = after["attachments"]
    assert attachment["Sha256"] == hashlib.sha256(revised).hexdigest()
    (opportunity,) = of(after, "opportunities", Id=int(result.opportunity_ref))
    assert Decimal(str(opportunity["Amount"])) == edited.value
    # The opportunity's read and amount, the line, the upload and the old PDF's delete (was 8).
    assert result.calls == 5


async def test_a_removed_line_is_deleted_from_the_quotation_quo_6(
    kaseya: Callable[..., Kaseya],
) -> None:
    k = kaseya()
    quote = current_quote()
    await k.publish(quote)

    await k.publish(current_quote(lines=quote.lines[:-1]))

    names = [line["Name"] for line in (await k.state())["line_items"]]
    assert len(names) == len(quote.lines) - 1
    assert not [name for name in names if name.startswith(quote.lines[-1].name)]


async def test_deleting_a_line_item_already_gone_is_done_not_an_error_quo_6(
    kaseya: Callable[..., Kaseya], clients: KaseyaClients
) -> None:
    """A retried delete whose first answer was lost meets a 404: the line is gone, as asked."""
    k = kaseya()
    await k.publish(current_quote())
    line = (await k.state())["line_items"][-1]
    client = await clients.client(k.connection)
    await client.delete_line_item(line["QuotationId"], line["Id"])

    await client.delete_line_item(line["QuotationId"], line["Id"])

    state = await k.state()
    assert line["Id"] not in [item["Id"] for item in state["line_items"]]
    assert requests(state, LINE_ITEM_PATH) == 2


async def test_repeating_a_push_through_dropped_answers_leaves_one_of_each_quo_6(
    kaseya: Callable[..., Kaseya],
) -> None:
    k = kaseya(Faults(drop_rate=0.1, malformed_rate=0.1, seed=7))
    quote = current_quote()
    attempts = 0
    result: PublishResult | None = None
    while result is None and attempts < 300:
        attempts += 1
        try:
            result = await k.publish(quote)
        except VendorError:
            continue

    assert result is not None
    state = await k.state()
    assert state["counts"]["opportunities"] == SEEDED_OPPORTUNITIES + 1
    assert state["counts"]["quotes"] == 1
    assert state["counts"]["attachments"] == 1
    assert state["counts"]["accounts"] == 3 + 1
    pushed = {line["ExtDistReference"] for line in state["line_items"]}
    assert len(state["line_items"]) == len(pushed) == len(quote.lines)
    assert len({p["ProductNumber"] for p in state["products"]}) == len(state["products"])
    assert len({s["Name"] for s in state["services"]}) == len(state["services"])


# --- a picked opportunity, outcomes (QUO-4, QUO-5) --------------------------------------------


async def test_publish_onto_a_picked_opportunity_updates_it_and_makes_no_other_quo_5(
    kaseya: Callable[..., Kaseya],
) -> None:
    k = kaseya()
    (picked,) = await k.quoting.search_opportunities(
        OpportunitySearch(text="network", company_ref=str(CONTOSO)), k.connection
    )

    result = await k.publish(current_quote(opportunity_ref=picked.external_id))

    state = await k.state()
    assert result.opportunity_ref == picked.external_id
    assert state["counts"]["opportunities"] == SEEDED_OPPORTUNITIES
    assert state["counts"]["accounts"] == 3  # the opportunity's account, none made
    (quotation,) = state["quotes"]
    assert quotation["AccountId"] == CONTOSO


async def test_a_quote_moved_onto_a_picked_opportunity_gets_a_quotation_there_quo_5(
    kaseya: Callable[..., Kaseya],
) -> None:
    k = kaseya()
    quote = current_quote()
    first = await k.publish(quote)
    (picked,) = await k.quoting.search_opportunities(
        OpportunitySearch(text="network", company_ref=str(CONTOSO)), k.connection
    )

    moved = await k.publish(replace(quote, opportunity_ref=picked.external_id))
    again = await k.publish(replace(quote, opportunity_ref=picked.external_id))

    assert moved.quote_ref != first.quote_ref
    assert again.quote_ref == moved.quote_ref
    (quotation,) = of(await k.state(), "quotes", Id=int(moved.quote_ref))
    assert quotation["OpportunityId"] == int(picked.external_id)


@pytest.mark.parametrize(("outcome", "status"), [(Outcome.WON, 5), (Outcome.LOST, 6)])
async def test_won_or_lost_sets_the_mapped_status_once_quo_4(
    kaseya: Callable[..., Kaseya], outcome: Outcome, status: int
) -> None:
    k = kaseya()
    quote = current_quote()
    result = await k.publish(quote)

    await k.quoting.set_outcome(quote, outcome, k.connection)
    first = await k.state()
    await k.quoting.set_outcome(quote, outcome, k.connection)

    (opportunity,) = of(await k.state(), "opportunities", Id=int(result.opportunity_ref))
    assert opportunity["StatusId"] == status
    assert of(first, "opportunities", Id=opportunity["Id"]) == [opportunity]  # idempotent


# --- look-ups (KBMS-8, KBMS-9, CAT-2, PAY-14) -------------------------------------------------


async def test_selector_offers_open_active_opportunities_whatever_the_mapping_kbms_8(
    kaseya: Callable[..., Kaseya],
) -> None:
    k = kaseya(status_mapping={"published": "Negotiation", "won": 5, "lost": 6})
    search = k.quoting.search_opportunities

    every = await search(OpportunitySearch(), k.connection)
    by_text = await search(OpportunitySearch(text="NETWORK"), k.connection)
    by_company = await search(OpportunitySearch(company_ref="1002"), k.connection)

    assert {o.title for o in every} == {"Contoso network refresh", "Fabrikam onboarding"}
    assert [o.title for o in by_text] == ["Contoso network refresh"]
    assert [o.title for o in by_company] == ["Fabrikam onboarding"]


async def test_product_cloud_gives_products_without_prices_and_priced_services_kbms_9(
    kaseya: Callable[..., Kaseya],
) -> None:
    k = kaseya()

    (switch,) = await k.quoting.search_items("UniFi", k.connection)
    (service,) = await k.quoting.search_items("Managed Services", k.connection)

    assert (switch.kind, switch.sku, switch.unit_price, switch.unit_cost) == (
        ItemKind.PRODUCT, "UBQ-USW-24-POE", None, None,
    )  # fmt: skip
    assert (service.kind, service.unit_price, service.unit_cost) == (
        ItemKind.SERVICE, Decimal("45"), Decimal("20"),
    )  # fmt: skip


async def test_contact_search_finds_by_name_and_by_email_quo_5(
    kaseya: Callable[..., Kaseya],
) -> None:
    k = kaseya()

    by_name = await k.quoting.search_contacts("ada", k.connection)
    by_email = await k.quoting.search_contacts("alan@fabrikam.example", k.connection)

    assert [(c.name, c.email) for c in by_name] == [("Ada Lovelace", "ada@contoso.example")]
    assert [c.name for c in by_email] == ["Alan Turing"]


async def test_portal_sees_open_opportunities_with_the_quote_url_pay_14(
    kaseya: Callable[..., Kaseya],
) -> None:
    k = kaseya()
    url = "https://hub.example/portal/quotes/q-2026-0042"
    quote = current_quote(extra={"quote_url": url})
    result = await k.publish(quote)
    state = await k.state()
    (opportunity,) = of(state, "opportunities", Id=int(result.opportunity_ref))

    found = await k.quoting.open_opportunities(str(opportunity["AccountId"]), k.connection)

    assert [(o.external_id, o.quote_url) for o in found] == [(result.opportunity_ref, url)]


async def test_a_quote_without_contact_still_publishes(kaseya: Callable[..., Kaseya]) -> None:
    k = kaseya()

    result = await k.publish(replace(current_quote(), contact=None))

    (opportunity,) = of(await k.state(), "opportunities", Id=int(result.opportunity_ref))
    assert opportunity["ContactId"] is None


# --- the calls Kaseya does not publish (unpublished.py) -------------------------------------


async def test_connection_test_names_the_unpublished_calls_an_instance_lacks(
    start_sandbox: StartSandbox, clients: KaseyaClients
) -> None:
    lacking = ("POST /v2/crm/quotes", "DELETE /v2/crm/quotes/{quotationId}/lineItems/{lineItemId}")
    full, partial = start_sandbox(), start_sandbox(without=lacking)
    tester = KaseyaConnectionTester(clients)

    assert await tester.test(kaseya_connection(full.url)) is None
    said = await tester.test(kaseya_connection(partial.url))

    assert said is not None
    assert all(what in said for what in lacking)
    assert "PUT /v2/crm/quotes/{quotationId}" not in said


async def test_without_deleting_line_items_a_removed_line_goes_to_quantity_zero(
    kaseya: Callable[..., Kaseya], start_sandbox: StartSandbox, clients: KaseyaClients
) -> None:
    sandbox = start_sandbox(without=("DELETE /v2/crm/quotes/{quotationId}/lineItems/{lineItemId}",))
    connection = kaseya_connection(sandbox.url, settings=SERVICE_QUOTATIONS)
    k = Kaseya(sandbox, KaseyaQuoting(clients, InMemoryExternalLinks()), connection)
    quote = current_quote()
    await k.publish(quote)

    result = await k.publish(current_quote(lines=quote.lines[:-1]))

    items = (await k.state())["line_items"]
    assert len(items) == len(quote.lines)
    gone = [i for i in items if i["Name"].startswith(quote.lines[-1].name)]
    assert [i["Quantity"] for i in gone] == [0.0]
    assert any("quantity 0" in w for w in result.warnings)


async def test_without_creating_quotations_the_quote_goes_on_the_opportunity_with_a_warning(
    start_sandbox: StartSandbox, clients: KaseyaClients
) -> None:
    sandbox = start_sandbox(without=("POST /v2/crm/quotes",))
    connection = kaseya_connection(sandbox.url, settings=SERVICE_QUOTATIONS)
    k = Kaseya(sandbox, KaseyaQuoting(clients, InMemoryExternalLinks()), connection)

    result = await k.publish(current_quote())

    state = await k.state()
    assert (state["quotes"], result.quote_ref) == ([], "")
    assert [a["ObjectId"] for a in state["attachments"]] == [int(result.opportunity_ref)]
    assert any("POST /v2/crm/quotes" in w for w in result.warnings)


async def test_a_one_line_edit_of_a_50_line_quote_costs_at_most_5_calls_quo_6(
    kaseya: Callable[..., Kaseya],
) -> None:
    """Counted by the sandbox: the opportunity's read and amount, the line, the PDF swap."""
    k = kaseya(service_quotations=False)
    lines = many_lines(50)
    await k.publish(current_quote(lines=lines))
    before = sum(int(n) for n in (await k.state())["requests"].values())
    edited = list(lines)
    edited[25] = replace(lines[25], quantity=lines[25].quantity + 1)

    await k.publish(current_quote(lines=tuple(edited)), b"%PDF-1.7 edited")

    after = sum(int(n) for n in (await k.state())["requests"].values())
    assert after - before <= 5


# --- what differs between instances: module ids, look-up names, the API user -----------------


async def test_module_ids_lookup_names_and_the_default_user_come_from_the_instance_or_settings(
    start_sandbox: StartSandbox, clients: KaseyaClients
) -> None:
    """An instance numbering everything otherwise than the demo's: the hub reads its API user
    (``/v2/security/userinfo``) and item types (the look-up the settings name), and attaches
    the PDF under the module id the settings give."""
    other = KaseyaInstance(
        modules={"opportunity": 21, "quotation": 22},
        item_types_table="LineItemTypes",
        product_type=7,
        service_type=8,
        api_user_id=700,
    )
    sandbox = start_sandbox(instance=other)
    settings = {**SERVICE_QUOTATIONS, "item_types_table": "LineItemTypes"}
    settings |= {"attachment_module_ids": {"opportunity": 21, "quotation": 22}}
    connection = kaseya_connection(sandbox.url, settings=settings)
    k = Kaseya(sandbox, KaseyaQuoting(clients, InMemoryExternalLinks()), connection)

    result = await k.publish(current_quote())

    state = await k.state()
    (opportunity,) = of(state, "opportunities", Id=int(result.opportunity_ref))
    assert opportunity["SalesRepresentativeUserId"] == 700
    assert {line["ItemTypeId"] for line in state["line_items"]} == {7, 8}
    (attachment,) = state["attachments"]
    assert attachment["ModuleId"] == 21


async def test_the_default_attachment_module_is_a_setting_an_instance_may_refuse(
    start_sandbox: StartSandbox, clients: KaseyaClients
) -> None:
    sandbox = start_sandbox(instance=KaseyaInstance(modules={"opportunity": 21}))
    connection = kaseya_connection(sandbox.url, settings=SERVICE_QUOTATIONS)
    k = Kaseya(sandbox, KaseyaQuoting(clients, InMemoryExternalLinks()), connection)

    with pytest.raises(VendorRejected, match="module 3 takes no attachments"):
        await k.publish(current_quote())


async def test_an_edit_of_a_line_item_deleted_in_kaseya_adds_it_again_quo_6(
    kaseya: Callable[..., Kaseya], clients: KaseyaClients
) -> None:
    """The links said what Kaseya held; Kaseya's 404 says otherwise: the push reads it all."""
    k = kaseya()
    quote = current_quote()
    await k.publish(quote)
    first = quote.lines[0]
    (item,) = [i for i in (await k.state())["line_items"] if i["Name"] == first.name]
    client = await clients.client(k.connection)
    await client.delete_line_item(item["QuotationId"], item["Id"])
    lines = (replace(first, quantity=first.quantity + 1), *quote.lines[1:])

    await k.publish(current_quote(lines=lines))

    items = (await k.state())["line_items"]
    assert len(items) == len(quote.lines)
    assert [i["Quantity"] for i in items if i["Name"] == first.name] == [float(first.quantity + 1)]
