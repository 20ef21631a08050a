"""The Autotask sandbox's quoting entities over HTTP, held to Autotask's rules (AT-3..AT-10,
QUO-3..QUO-6, PAY-14): what a quote publish may send is accepted, what Autotask refuses is
refused with ``{"errors": [...]}``, so the hub's tests cannot pass against a lax fake."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from adapters.sandboxes.autotask.app import (
    SANDBOX_CREDENTIALS,
    api_headers,
    create_autotask_sandbox,
)
from adapters.sandboxes.autotask.seed import SEEDS, seeded_id
from adapters.sandboxes.kit.base import Faults
from tests.support.autotask import company_body, contact_body
from tests.support.sandboxes import RunningSandbox, sandbox_starter

API = "/atservicesrest/v1.0"
LAPTOP = seeded_id("Products", "Dell Latitude 5450 Laptop")
M365 = seeded_id("Products", "Microsoft 365 Business Premium")
WORKSTATION = seeded_id("Services", "Managed Workstation")
BUNDLE = seeded_id("ServiceBundles", "Managed IT Essentials")
REMOTE_SUPPORT = seeded_id("BillingCodes", "Remote Support")
HARDWARE_CODE = seeded_id("BillingCodes", "Hardware")
TRAVEL = seeded_id("BillingCodes", "Travel Expense")
OWNER = seeded_id("Resources", "morgan.hale@msp.example")
PDF = base64.b64encode(b"%PDF-1.7 quote Q-1001").decode()


@dataclass(frozen=True)
class Sandbox(RunningSandbox):
    async def call(self, method: str, path: str, body: Any = None) -> httpx.Response:
        headers = api_headers(SANDBOX_CREDENTIALS)
        async with httpx.AsyncClient(base_url=f"{self.url}{API}", headers=headers) as http:
            return await http.request(method, path, json=body)

    async def ok(self, method: str, path: str, body: Any = None) -> Any:
        response = await self.call(method, path, body)
        assert response.status_code == 200, response.text
        return response.json()

    async def refused(self, method: str, path: str, body: Any = None, status: int = 500) -> str:
        response = await self.call(method, path, body)
        assert response.status_code == status, response.text
        return " / ".join(response.json()["errors"])

    async def create(self, path: str, body: dict[str, Any]) -> int:
        item_id: int = (await self.ok("POST", path, body))["itemId"]
        return item_id

    async def find(self, entity: str, *conditions: dict[str, Any]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = (
            await self.ok("POST", f"/{entity}/query", {"filter": list(conditions)})
        )["items"]
        return items

    async def item(self, entity: str, item_id: int) -> dict[str, Any]:
        record: dict[str, Any] = (await self.ok("GET", f"/{entity}/{item_id}"))["item"]
        return record


StartSandbox = Callable[..., Sandbox]


def eq(field: str, value: Any, **more: Any) -> dict[str, Any]:
    return {"op": "eq", "field": field, "value": value, **more}


def sent(body: dict[str, Any]) -> dict[str, Any]:
    """A body without the fields a test set to None: None means "leave it out"."""
    return {name: value for name, value in body.items() if value is not None}


@pytest.fixture
def start_sandbox() -> Iterator[StartSandbox]:
    with sandbox_starter(Sandbox, create_autotask_sandbox) as start:
        yield start


@pytest.fixture
def sandbox(start_sandbox: StartSandbox) -> Sandbox:
    return start_sandbox()


def opportunity_body(company_id: int, **changes: Any) -> dict[str, Any]:
    """An Opportunity with every field the contract requires."""
    return sent(
        {
            "companyID": company_id,
            "title": "Contoso refresh",
            "amount": 0,
            "cost": 0,
            "probability": 50,
            "projectedCloseDate": "2030-06-30T00:00:00",
            "startDate": "2026-04-01T00:00:00",
            "ownerResourceID": OWNER,
            "status": 1,
            "stage": 3,
            "useQuoteTotals": False,
            **changes,
        }
    )


def quote_body(opportunity_id: int, location_id: int, **changes: Any) -> dict[str, Any]:
    return sent(
        {
            "opportunityID": opportunity_id,
            "name": "Q-1001 Contoso refresh",
            "effectiveDate": "2026-04-01T00:00:00",
            "expirationDate": "2026-04-30T00:00:00",
            "billToLocationID": location_id,
            "shipToLocationID": location_id,
            "soldToLocationID": location_id,
            **changes,
        }
    )


def item_body(**changes: Any) -> dict[str, Any]:
    return sent(
        {
            "quoteItemType": 1,
            "productID": LAPTOP,
            "quantity": 2,
            "isOptional": False,
            "unitDiscount": 0,
            "lineDiscount": 0,
            "percentageDiscount": 0,
            **changes,
        }
    )


def attachment_body(**changes: Any) -> dict[str, Any]:
    return sent(
        {
            "id": 0,
            "title": "Quote Q-1001",
            "fullPath": "Q-1001.pdf",
            "attachmentType": "FILE_ATTACHMENT",
            "publish": 1,
            "data": PDF,
            **changes,
        }
    )


async def opportunity(sandbox: Sandbox, **changes: Any) -> int:
    company = await sandbox.create("/Companies", company_body())
    return await sandbox.create("/Opportunities", opportunity_body(company, **changes))


async def quote(sandbox: Sandbox, **changes: Any) -> int:
    location = await sandbox.create("/QuoteLocations", {"address1": "1 Main St", "city": "Nome"})
    return await sandbox.create(
        "/Quotes", quote_body(await opportunity(sandbox), location, **changes)
    )


# --- the catalog a new instance holds (CAT-2, AT-3, AT-8) ---------------------------------------


async def test_seeded_catalog_is_found_by_name_through_the_api_cat_2(sandbox: Sandbox) -> None:
    [labor] = await sandbox.find("BillingCodes", eq("name", "Remote Support"))
    laptops = await sandbox.find("Products", {"op": "contains", "field": "name", "value": "laptop"})
    taxes = await sandbox.find("TaxCategories", {"op": "exist", "field": "id"})
    recurring = await sandbox.find("Products", {"op": "gt", "field": "periodType", "value": 1})

    assert labor["id"] == REMOTE_SUPPORT
    assert labor["useType"] == 1
    assert [p["id"] for p in laptops] == [LAPTOP]
    assert laptops[0]["productCategory"] == 2  # Hardware - Laptops
    assert {t["name"] for t in taxes} == {"Standard", "Exempt", "Services"}
    assert [p["id"] for p in recurring] == [M365]
    assert (await sandbox.item("ServiceBundles", BUNDLE))["periodType"] == 2


async def test_reset_brings_back_the_seeded_catalog_and_nothing_else(sandbox: Sandbox) -> None:
    await quote(sandbox)
    await sandbox.control("reset")

    counts = (await sandbox.state())["counts"]

    seeded = {entity for entity, _, _ in SEEDS}
    assert {e: n for e, n in counts.items() if n} == {
        e: sum(1 for s, _, _ in SEEDS if s == e) for e in seeded
    }


async def test_billing_codes_are_read_only_and_tax_categories_as_the_contract_offers(
    sandbox: Sandbox,
) -> None:
    code = {"name": "New", "isActive": True, "unitCost": 0, "unitPrice": 0}

    await sandbox.refused("POST", "/BillingCodes", code, status=405)
    await sandbox.refused("PATCH", "/BillingCodes", {"id": REMOTE_SUPPORT, "name": "X"}, status=405)
    assert await sandbox.create("/TaxCategories", {"name": "Reduced"}) > 0


# --- opportunities (AT-1, AT-2, QUO-4, QUO-5, PAY-14) -------------------------------------------


async def test_opportunity_with_the_required_fields_is_created_and_queried_at_2(
    sandbox: Sandbox,
) -> None:
    opportunity_id = await opportunity(sandbox)

    record = await sandbox.item("Opportunities", opportunity_id)
    active = await sandbox.find(
        "Opportunities",
        eq("status", 1),
        {"op": "gt", "field": "projectedCloseDate", "value": "2026-01-01"},
    )
    assert record["createDate"]
    assert record["lastActivity"]
    assert [u["name"] for u in record["userDefinedFields"]] == ["Q2C Hub ID", "Quote URL"]
    assert [o["id"] for o in active] == [opportunity_id]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"amount": None}, "amount: a value is required"),
        ({"startDate": None}, "startDate: a value is required"),
        ({"useQuoteTotals": None}, "useQuoteTotals: a value is required"),
        ({"stage": None}, "stage: a value is required"),
        ({"status": 9}, "status: 9 is not a value of its picklist"),
        ({"rating": 7}, "rating: 7 is not a value of its picklist"),
        ({"probability": 150}, "probability: must be between 0 and 100"),
        ({"companyID": 1}, "companyID: there is no Company with id 1"),
        # The owner is one of the instance's own resources, and an active one.
        ({"ownerResourceID": 29682885}, "ownerResourceID: there is no Resource with id 29682885"),
        (
            {"ownerResourceID": seeded_id("Resources", "former@msp.example")},
            "ownerResourceID: the resource 29682704 is not active",
        ),
        ({"quoteUrl": "x"}, "Unable to find quoteUrl in the Opportunity entity"),
    ],
)
async def test_opportunity_refusals_at_1(
    sandbox: Sandbox, change: dict[str, Any], words: str
) -> None:
    company = await sandbox.create("/Companies", company_body())
    body = opportunity_body(company, **change)

    assert words in await sandbox.refused("POST", "/Opportunities", body)
    assert (await sandbox.state())["counts"]["Opportunities"] == 0


async def test_opportunity_contact_must_belong_to_its_company(sandbox: Sandbox) -> None:
    company, other = [await sandbox.create("/Companies", company_body()) for _ in range(2)]
    contact = await sandbox.create(f"/Companies/{other}/Contacts", contact_body())

    words = await sandbox.refused(
        "POST", "/Opportunities", opportunity_body(company, contactID=contact)
    )

    assert f"is not of company {company}" in words


async def test_won_and_lost_statuses_are_set_by_patch_and_stamped_quo_4(sandbox: Sandbox) -> None:
    won, lost = await opportunity(sandbox), await opportunity(sandbox)

    await sandbox.ok("PATCH", "/Opportunities", {"id": won, "status": 3, "stage": 5})
    await sandbox.ok("PATCH", "/Opportunities", {"id": lost, "status": 2, "stage": 6})
    await sandbox.refused("PATCH", "/Opportunities", {"id": lost, "stage": 42})

    won_record, lost_record = [await sandbox.item("Opportunities", i) for i in (won, lost)]
    assert (won_record["status"], won_record["stage"], lost_record["stage"]) == (3, 5, 6)
    assert won_record["closedDate"]
    assert not won_record["lostDate"]
    assert lost_record["lostDate"]


async def test_quote_url_udf_is_written_and_queried_on_opportunities_pay_14(
    sandbox: Sandbox,
) -> None:
    opportunity_id = await opportunity(sandbox)
    url = "https://portal.example/q/abc"

    await sandbox.ok(
        "PATCH",
        "/Opportunities",
        {"id": opportunity_id, "userDefinedFields": [{"name": "Quote URL", "value": url}]},
    )

    [found] = await sandbox.find("Opportunities", eq("Quote URL", url, udf=True))
    assert found["id"] == opportunity_id
    udfs = (await sandbox.ok("GET", "/Opportunities/entityInformation/userDefinedFields"))["fields"]
    assert [f["name"] for f in udfs] == ["Q2C Hub ID", "Quote URL"]


async def test_opportunity_udf_names_are_configurable_and_only_on_opportunities(
    start_sandbox: StartSandbox,
) -> None:
    sandbox = start_sandbox(opportunity_udf_names=("Proposal Link",))
    company = await sandbox.create("/Companies", company_body())
    udf = [{"name": "Quote URL", "value": "x"}]

    await sandbox.refused(
        "POST", "/Opportunities", opportunity_body(company, userDefinedFields=udf)
    )
    udf = [{"name": "Proposal Link", "value": "x"}]
    await sandbox.refused("PATCH", "/Companies", {"id": company, "userDefinedFields": udf})
    assert await sandbox.create("/Opportunities", opportunity_body(company, userDefinedFields=udf))


# --- quotes and their locations (QUO-3, QUO-6) --------------------------------------------------


async def test_quote_takes_its_company_number_and_primary_flag_from_autotask_quo_3(
    sandbox: Sandbox,
) -> None:
    first = await quote(sandbox, externalQuoteNumber="HUB-Q-1")
    record = await sandbox.item("Quotes", first)
    second = await sandbox.create(
        "/Quotes",
        quote_body(record["opportunityID"], record["billToLocationID"], primaryQuote=True),
    )

    opportunity_record = await sandbox.item("Opportunities", record["opportunityID"])
    assert record["companyID"] == opportunity_record["companyID"]
    assert (record["quoteNumber"], record["primaryQuote"], record["isActive"]) == (1001, True, True)
    assert record["effectiveDate"] == "2026-04-01T00:00:00"
    [found] = await sandbox.find("Quotes", eq("externalQuoteNumber", "HUB-Q-1"))
    assert found["id"] == first
    # One primary quote per opportunity: making the second primary demotes the first.
    assert (await sandbox.item("Quotes", first))["primaryQuote"] is False
    assert (await sandbox.item("Quotes", second))["quoteNumber"] == 1002


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"opportunityID": 5}, "opportunityID: there is no Opportunity with id 5"),
        ({"billToLocationID": 5}, "billToLocationID: there is no QuoteLocation with id 5"),
        ({"soldToLocationID": None}, "soldToLocationID: a value is required"),
        ({"name": None}, "name: a value is required"),
        ({"expirationDate": "2026-03-01T00:00:00"}, "must not be before effectiveDate"),
        ({"quoteNumber": 7, "title": "x"}, "Unable to find title in the Quote entity"),
    ],
)
async def test_quote_refusals(sandbox: Sandbox, change: dict[str, Any], words: str) -> None:
    opportunity_id = await opportunity(sandbox)
    location = await sandbox.create("/QuoteLocations", {"city": "Nome"})
    body = quote_body(opportunity_id, location, **change)

    assert words in await sandbox.refused("POST", "/Quotes", body)
    assert (await sandbox.state())["counts"]["Quotes"] == 0


async def test_a_quote_is_for_its_opportunitys_company(sandbox: Sandbox) -> None:
    opportunity_id = await opportunity(sandbox)
    location = await sandbox.create("/QuoteLocations", {"city": "Nome"})
    stranger = await sandbox.create("/Companies", company_body())
    body = quote_body(opportunity_id, location, companyID=stranger)

    words = await sandbox.refused("POST", "/Quotes", body)

    assert "companyID: must be the company of the quote's opportunity" in words


async def test_quote_fields_autotask_cannot_filter_on_are_refused_in_a_query(
    sandbox: Sandbox,
) -> None:
    words = await sandbox.refused(
        "POST", "/Quotes/query", {"filter": [eq("showTaxCategory", True)]}
    )

    assert "cannot be queried" in words


# --- quote items (AT-4, AT-5, AT-6, AT-8) -------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({}, {"name": "Dell Latitude 5450 Laptop", "unitPrice": 1299.0, "periodType": 1}),
        (
            {"productID": M365, "periodType": 2},
            {"name": "Microsoft 365 Business Premium", "periodType": 2},
        ),
        (
            {"quoteItemType": 11, "productID": None, "serviceID": WORKSTATION},
            {"name": "Managed Workstation", "periodType": 2, "unitPrice": 45.0},
        ),
        (
            {"quoteItemType": 12, "productID": None, "serviceBundleID": BUNDLE},
            {"name": "Managed IT Essentials", "periodType": 2},
        ),
        (
            {"quoteItemType": 3, "productID": None, "laborID": REMOTE_SUPPORT, "name": "Setup"},
            {"name": "Setup", "periodType": 1, "unitPrice": 125.0},
        ),
        (
            {"quoteItemType": 2, "productID": None, "chargeID": HARDWARE_CODE, "unitPrice": 40},
            {"unitPrice": 40, "periodType": 1},
        ),
        ({"quoteItemType": 4, "productID": None, "expenseID": TRAVEL}, {"periodType": 1}),
        ({"quoteItemType": 6, "productID": None, "shippingID": 1}, {"name": "Ground"}),
        ({"taxCategoryID": 1, "percentageDiscount": 10, "isTaxable": True}, {"taxCategoryID": 1}),
    ],
    ids=["product", "recurring-product", "service", "bundle", "labor", "cost", "expense",
         "shipping", "tax-category"],
)  # fmt: skip
async def test_quote_item_of_each_type_is_created_under_its_quote_at_4(
    sandbox: Sandbox, change: dict[str, Any], expected: dict[str, Any]
) -> None:
    quote_id = await quote(sandbox)

    item_id = await sandbox.create(f"/Quotes/{quote_id}/Items", item_body(**change))

    record = await sandbox.item("QuoteItems", item_id)
    assert record["quoteID"] == quote_id
    assert {k: record[k] for k in expected} == expected


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"serviceID": WORKSTATION}, "needs exactly one of productID"),
        ({"productID": None}, "(found: none)"),
        ({"quoteItemType": 11}, "quoteItemType 11 (Service) needs serviceID, not productID"),
        ({"quoteItemType": 5}, "quoteItemType: 5 is not a value of its picklist"),
        ({"productID": 12345}, "productID: there is no Product with id 12345"),
        (
            {"quoteItemType": 3, "productID": None, "laborID": HARDWARE_CODE},
            "is not of use type Work Type",
        ),
        (
            {"quoteItemType": 6, "productID": None, "shippingID": 99},
            "shippingID: 99 is not a shipping type",
        ),
        ({"unitDiscount": 5, "lineDiscount": 1}, "only one discount"),
        ({"lineDiscount": -1}, "lineDiscount: must not be negative"),
        ({"percentageDiscount": 120}, "percentageDiscount: must not be above 100"),
        ({"lineDiscount": None}, "lineDiscount: a value is required"),
        ({"isOptional": None}, "isOptional: a value is required"),
        ({"taxCategoryID": 77}, "taxCategoryID: there is no TaxCategory with id 77"),
        ({"periodType": 2}, "product 29683001 is one-time; it cannot be quoted recurring"),
        (
            {"quoteItemType": 3, "productID": None, "laborID": REMOTE_SUPPORT, "periodType": 2},
            "labor quote items are one-time",
        ),
        (
            {"quoteItemType": 11, "productID": None, "serviceID": WORKSTATION, "periodType": 1},
            "a service or bundle recurs; it cannot be quoted one-time",
        ),
        ({"quoteID": 1}, "quoteID: must be the parent's id"),
    ],
)
async def test_quote_item_refusals_at_5_at_6(
    sandbox: Sandbox, change: dict[str, Any], words: str
) -> None:
    """Labor is one-time (AT-5); only recurring products or services recur (AT-6)."""
    quote_id = await quote(sandbox)
    body = item_body(**change)

    assert words in await sandbox.refused("POST", f"/Quotes/{quote_id}/Items", body)
    assert (await sandbox.state())["counts"]["QuoteItems"] == 0


async def test_quote_items_are_written_listed_and_deleted_only_under_their_quote_quo_6(
    sandbox: Sandbox,
) -> None:
    quote_id, other = await quote(sandbox), await quote(sandbox)
    items = f"/Quotes/{quote_id}/Items"
    first, second = [await sandbox.create(items, item_body(sortOrderID=n)) for n in (1, 2)]

    await sandbox.refused("POST", "/QuoteItems", item_body(quoteID=quote_id), status=405)
    await sandbox.ok("PATCH", items, {"id": first, "quantity": 5})
    await sandbox.refused("PATCH", f"/Quotes/{other}/Items", {"id": first, "quantity": 1})
    await sandbox.refused("PATCH", items, {"id": first, "unitDiscount": 1, "lineDiscount": 1})
    await sandbox.refused("DELETE", f"/Quotes/{other}/Items/{second}", status=404)
    assert (await sandbox.ok("DELETE", f"{items}/{second}"))["itemId"] == second

    listed = (await sandbox.ok("GET", items))["items"]
    assert [(i["id"], i["quantity"]) for i in listed] == [(first, 5)]
    assert [i["id"] for i in await sandbox.find("QuoteItems", eq("quoteID", quote_id))] == [first]
    assert (await sandbox.ok("GET", f"{items}/{first}"))["item"]["quantity"] == 5
    state = await sandbox.state()
    assert (state["counts"]["QuoteItems"], state["deleted"]["QuoteItems"]) == (1, [second])
    assert [u["fields"] for u in state["updates"]["QuoteItems"][str(first)]] == [{"quantity": 5}]


async def test_a_service_bundle_in_use_cannot_be_deleted(sandbox: Sandbox) -> None:
    quote_id = await quote(sandbox)
    code = seeded_id("BillingCodes", "Recurring Services")
    bundle = {"name": "Spare", "billingCodeID": code, "periodType": 2}
    spare = await sandbox.create("/ServiceBundles", bundle)
    body = item_body(quoteItemType=12, productID=None, serviceBundleID=BUNDLE)
    await sandbox.create(f"/Quotes/{quote_id}/Items", body)

    assert "QuoteItem" in await sandbox.refused("DELETE", f"/ServiceBundles/{BUNDLE}")
    assert (await sandbox.ok("DELETE", f"/ServiceBundles/{spare}"))["itemId"] == spare
    await sandbox.refused("DELETE", f"/Products/{LAPTOP}", status=405)


# --- products and services (AT-3, AT-6, AT-7) ---------------------------------------------------


def product_body(**changes: Any) -> dict[str, Any]:
    return sent(
        {
            "name": "ThinkPad X1",
            "sku": "TP-X1",
            "productBillingCodeID": HARDWARE_CODE,
            "productCategory": 2,
            "isActive": True,
            "isSerialized": False,
            "unitPrice": 1500,
            **changes,
        }
    )


def service_body(**changes: Any) -> dict[str, Any]:
    code = seeded_id("BillingCodes", "Recurring Services")
    body = {"name": "Managed Firewall", "billingCodeID": code, "periodType": 2, "unitPrice": 60}
    return sent(body | changes)


@pytest.mark.parametrize(
    ("path", "body", "words"),
    [
        ("/Products", product_body(productCategory=42), "productCategory: 42 is not a value"),
        ("/Products", product_body(productBillingCodeID=1), "there is no BillingCode with id 1"),
        ("/Products", product_body(productBillingCodeID=REMOTE_SUPPORT), "use type Material"),
        ("/Products", product_body(isSerialized=None), "isSerialized: a value is required"),
        ("/Products", product_body(periodType=9), "periodType: 9 is not a value"),
        ("/Services", service_body(periodType=1), "periodType: 1 is not a value"),
        ("/Services", service_body(unitPrice=None), "unitPrice: a value is required"),
        ("/Services", service_body(billingCodeID=HARDWARE_CODE), "use type Recurring"),
    ],
)
async def test_catalog_refusals_at_3(sandbox: Sandbox, path: str, body: Any, words: str) -> None:
    """No API creates a product category (AT-3): an unknown one is refused, not made."""
    assert words in await sandbox.refused("POST", path, body)


async def test_products_and_services_are_created_and_updated(sandbox: Sandbox) -> None:
    product = await sandbox.create("/Products", product_body())
    service = await sandbox.create("/Services", service_body())

    await sandbox.ok("PATCH", "/Products", {"id": product, "productCategory": 1, "periodType": 2})
    await sandbox.ok("PUT", "/Services", {**service_body(unitPrice=65), "id": service})

    assert (await sandbox.item("Products", product))["productCategory"] == 1
    assert (await sandbox.item("Services", service))["unitPrice"] == 65
    [found] = await sandbox.find("Products", eq("sku", "tp-x1"))
    assert found["id"] == product


# --- opportunity attachments: the quote PDF (QUO-3, QUO-6) --------------------------------------


async def test_quote_pdf_is_attached_listed_without_data_read_with_it_and_deleted_quo_3(
    sandbox: Sandbox,
) -> None:
    opportunity_id = await opportunity(sandbox)
    path = f"/Opportunities/{opportunity_id}/Attachments"

    attachment = await sandbox.create(path, attachment_body())

    [listed] = await sandbox.find("OpportunityAttachments", eq("opportunityID", opportunity_id))
    assert listed["data"] is None
    assert (listed["fileSize"], listed["contentType"]) == (21, "application/pdf")
    assert (listed["parentID"], listed["title"], listed["attachDate"] is not None) == (
        opportunity_id, "Quote Q-1001", True,
    )  # fmt: skip
    assert (await sandbox.item("OpportunityAttachments", attachment))["data"] == PDF
    assert (await sandbox.ok("GET", f"{path}/{attachment}"))["item"]["data"] == PDF
    assert [a["data"] for a in (await sandbox.ok("GET", path))["items"]] == [None]
    await sandbox.refused("PATCH", path, {"id": attachment, "title": "v2"}, status=405)
    await sandbox.refused("POST", "/OpportunityAttachments", attachment_body(), status=405)
    assert (await sandbox.ok("DELETE", f"{path}/{attachment}"))["itemId"] == attachment
    assert (await sandbox.state())["counts"]["OpportunityAttachments"] == 0


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"data": "not base64!"}, "data: is not valid base64"),
        ({"data": None}, "a FILE_ATTACHMENT needs the file's content"),
        ({"attachmentType": "PDF"}, "attachmentType: 'PDF' is not a value of its picklist"),
        ({"publish": 3}, "publish: 3 is not a value of its picklist"),
        ({"title": None}, "title: a value is required"),
        ({"attachmentType": "URL"}, "only a FILE_ATTACHMENT carries data"),
        ({"attachmentType": "URL", "data": None}, "needs an http or https address"),
    ],
)
async def test_attachment_refusals(sandbox: Sandbox, change: dict[str, Any], words: str) -> None:
    opportunity_id = await opportunity(sandbox)
    body = attachment_body(**change)

    assert words in await sandbox.refused(
        "POST", f"/Opportunities/{opportunity_id}/Attachments", body
    )
    assert (await sandbox.state())["counts"]["OpportunityAttachments"] == 0


async def test_attachment_under_an_opportunity_that_does_not_exist_is_refused(
    sandbox: Sandbox,
) -> None:
    words = await sandbox.refused("POST", "/Opportunities/404/Attachments", attachment_body())

    assert "Could not find a Opportunity with id 404" in words


# --- entityInformation: picklists the adapter resolves labels from (AT-9) -----------------------


async def _picklist(sandbox: Sandbox, entity: str, name: str) -> dict[str, tuple[str, bool]]:
    fields = (await sandbox.ok("GET", f"/{entity}/entityInformation/fields"))["fields"]
    [spec] = [f for f in fields if f["name"] == name]
    assert spec["isPickList"] is True
    return {v["label"]: (v["value"], v["isDefaultValue"]) for v in spec["picklistValues"]}


async def test_picklists_carry_labels_values_and_defaults_at_9(sandbox: Sandbox) -> None:
    statuses = await _picklist(sandbox, "Opportunities", "status")
    stages = await _picklist(sandbox, "Opportunities", "stage")
    types = await _picklist(sandbox, "QuoteItems", "quoteItemType")
    periods = await _picklist(sandbox, "QuoteItems", "periodType")
    categories = await _picklist(sandbox, "Products", "productCategory")

    assert statuses["Active"] == ("1", True)
    assert {statuses[s][0] for s in ("Lost", "Closed", "Implemented")} == {"2", "3", "4"}
    assert [stages[s][0] for s in ("Prospecting", "Proposal", "Closed Won", "Closed Lost")] == [
        "1", "3", "5", "6",
    ]  # fmt: skip
    assert {label: value for label, (value, _) in types.items()} == {
        "Product": "1", "Cost": "2", "Labor": "3", "Expense": "4", "Shipping": "6",
        "Service": "11", "Service Bundle": "12",
    }  # fmt: skip
    assert periods == {
        "One-Time": ("1", True), "Monthly": ("2", False), "Quarterly": ("3", False),
        "Semi-Annual": ("4", False), "Yearly": ("5", False),
    }  # fmt: skip
    assert {"Hardware", "Hardware - Laptops", "Software", "Networking", "Cloud Services"} <= set(
        categories
    )
    assert "One-Time" not in await _picklist(sandbox, "Services", "periodType")


async def test_an_instance_with_its_own_picklist_values_refuses_the_usual_ones_at_9(
    start_sandbox: StartSandbox,
) -> None:
    """Picklist ids differ between Autotask databases; those Autotask fixes do not."""
    sandbox = start_sandbox(picklist_offset=500)
    company = await sandbox.create("/Companies", company_body())

    stages = await _picklist(sandbox, "Opportunities", "stage")
    refused = await sandbox.refused("POST", "/Opportunities", opportunity_body(company, stage=3))
    await sandbox.create("/Opportunities", opportunity_body(company, stage=503))

    assert stages["Proposal"] == ("503", False)
    assert (await _picklist(sandbox, "Opportunities", "status"))["Active"] == ("1", True)
    assert (await _picklist(sandbox, "QuoteItems", "quoteItemType"))["Product"][0] == "1"
    assert refused == "stage: 3 is not a value of its picklist"
    laptop = await sandbox.item("Products", LAPTOP)
    assert laptop["productCategory"] == 502  # seeded as "Hardware - Laptops", in its own value


async def test_entity_information_says_what_the_api_allows(sandbox: Sandbox) -> None:
    async def info(entity: str) -> dict[str, Any]:
        answer: dict[str, Any] = (await sandbox.ok("GET", f"/{entity}/entityInformation"))["info"]
        return answer

    fields = (await sandbox.ok("GET", "/Quotes/entityInformation/fields"))["fields"]
    [opportunity_field] = [f for f in fields if f["name"] == "opportunityID"]

    assert (opportunity_field["isReference"], opportunity_field["referenceEntityType"]) == (
        True, "Opportunities",
    )  # fmt: skip
    assert (await info("BillingCodes"))["canCreate"] is False
    assert (await info("QuoteItems"))["canDelete"] is True
    attachments = await info("OpportunityAttachments")
    assert (attachments["canCreate"], attachments["canUpdate"]) == (True, False)


# --- limits and faults on the new routes (AT-10, INT-6) -----------------------------------------


async def test_three_calls_at_once_per_quoting_endpoint_and_a_fourth_is_refused_at_10(
    start_sandbox: StartSandbox,
) -> None:
    sandbox = start_sandbox(Faults(latency_ms=200))
    quote_id = await quote(sandbox)

    answers = await asyncio.gather(*[sandbox.call("GET", f"/Quotes/{quote_id}") for _ in range(6)])
    items = await asyncio.gather(
        *[sandbox.call("GET", f"/Quotes/{quote_id}/Items") for _ in range(2)]
    )

    statuses = sorted(a.status_code for a in answers)
    assert statuses.count(200) >= 3
    assert 429 in statuses
    assert {a.status_code for a in items} == {200}  # later: the Quotes slots were free again
    state = await sandbox.state()
    assert state["max_concurrency"]["Quotes"] == 4
    assert "QuoteItems" not in state["max_concurrency"]  # children count against the parent


async def test_faults_strike_quoting_routes_but_not_the_state(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox(Faults(error_rate=1))

    response = await sandbox.call("POST", "/Products/query", {"filter": [eq("id", LAPTOP)]})

    assert response.status_code in (502, 503)
    assert (await sandbox.state())["counts"]["Products"] == 4
