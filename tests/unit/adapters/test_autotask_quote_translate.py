"""A hub quote → Autotask Opportunity, Quote, QuoteItems, Products and Services, without I/O
(AT-1, AT-3..9, QUO-3), and every body held to Autotask's contract."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from adapters.sandboxes.autotask.picklists import (
    PERIOD_TYPES,
    PRODUCT_CATEGORIES,
    QUOTE_ITEM_TYPES,
)
from adapters.vendors.autotask.settings import (
    QUOTE_SETTINGS_DEFAULTS,
    check_quote_settings,
    quote_settings,
)
from adapters.vendors.autotask.translate.catalog import (
    category_candidates,
    hub_category,
    period_of_label,
    product_category,
)
from adapters.vendors.autotask.translate.quote_items import (
    DISCOUNTS,
    REFERENCES,
    ItemPlan,
    RefKind,
    item_body,
    item_picklists,
    plan_items,
    product_body,
    service_body,
)
from adapters.vendors.autotask.translate.quotes import (
    attachment_body,
    check_quote,
    differences,
    opportunity_body,
    opportunity_money,
    pdf_key,
    quote_body,
)
from application.quotes.snapshot import SnapshotLine
from domain.catalog.item import ItemKind, ItemSource, Period
from tests.support.autotask import contracts_dir
from tests.support.quotes import ORGANIZATION, quote_line, sample_snapshot

PICKLISTS = item_picklists(
    [
        {"name": name, "picklistValues": [{"value": str(v), "label": t} for v, t in values]}
        for name, values in (("quoteItemType", QUOTE_ITEM_TYPES), ("periodType", PERIOD_TYPES))
    ]
)
CATEGORIES = {str(value): label for value, label in PRODUCT_CATEGORIES}
LABOR_MAPPING = {
    "Professional services": {"labor": True, "labor_billing_code": "Onsite Labor"},
    "Hardware": {
        "autotask_category": "Hardware",
        "subcategories": {"Installation": {"labor": True}, "Cables": {"labor": False}},
    },
}


def plans_of(lines: tuple[SnapshotLine, ...], **settings: Any) -> tuple[ItemPlan, ...]:
    return plan_items(
        sample_snapshot(lines=lines, quote_discount_percent=None), quote_settings(settings)
    )


def plan_of(line: SnapshotLine, **settings: Any) -> ItemPlan:
    return plans_of((line,), **settings)[0]


def body_of(plan: ItemPlan, tax_category_id: int | None = None) -> dict[str, Any]:
    return item_body(
        plan, ref_id=7, quote_id=1, picklists=PICKLISTS, tax_category_id=tax_category_id
    )


def autotask(kind: str, external_id: str = "29683003") -> ItemSource:
    return ItemSource(system="autotask", kind=kind, external_id=external_id)


# AT-1 and the other refusals before any call


def test_organization_without_phone_is_refused_before_any_call_at_1() -> None:
    quote = sample_snapshot(organization=replace(ORGANIZATION, phone=None))

    problems = check_quote(quote, {})

    assert [(p.rule, p.field, p.message) for p in problems] == [
        (
            "AT-1",
            "organization.phone",
            "the organization needs a phone number for an Autotask opportunity",
        )
    ]


def test_organization_without_name_is_refused_at_1() -> None:
    quote = sample_snapshot(organization=replace(ORGANIZATION, name="  "))

    assert [(p.rule, p.field) for p in check_quote(quote, {})] == [("AT-1", "organization.name")]


def test_quote_without_lines_is_refused_quo_3() -> None:
    problems = check_quote(sample_snapshot(lines=()), {})

    assert [(p.rule, p.field) for p in problems] == [("QUO-3", "lines")]


def test_taxable_line_whose_code_the_mapping_lacks_is_refused_once_codes_are_mapped_at_8() -> None:
    quote = sample_snapshot()

    assert check_quote(quote, {}) == []  # no mapping: Autotask's default tax category
    problems = check_quote(quote, {"tax_code_mapping": {"OTHER": "Standard"}})

    assert {(p.rule, p.field) for p in problems} == {
        ("AT-8", f"lines[{i}].tax_code") for i, line in enumerate(quote.lines) if line.taxable
    }
    assert check_quote(quote, {"tax_code_mapping": {"tax": "Standard"}}) == []


def test_line_pulled_from_autotask_without_an_autotask_id_is_refused_at_6() -> None:
    line = quote_line("Laptop", "10", source=autotask("product", "DL-5450"))

    problems = check_quote(sample_snapshot(lines=(line,)), {})

    assert [p.rule for p in problems] == ["AT-6"]


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"quote_status_mapping": {"won": {"stage": "Closed Won"}}}, "quote_status_mapping"),
        ({"item_category_mapping": {"Hardware": {"labor": "yes"}}}, "item_category_mapping"),
        ({"tax_code_mapping": ["TAX"]}, "tax_code_mapping"),
        ({"opportunity_probability": 120}, "opportunity_probability"),
        ({"labor_billing_code": " "}, "labor_billing_code"),
    ],
)
def test_malformed_settings_are_refused_naming_the_setting_at_9(
    settings: dict[str, Any], field: str
) -> None:
    problems = check_quote_settings(settings)

    assert [(p.rule, p.field) for p in problems] == [("AT-9", field)]
    assert [p.rule for p in check_quote(sample_snapshot(), settings)] == ["AT-9"]


def test_defaults_are_complete_settings_at_9() -> None:
    settings = quote_settings(QUOTE_SETTINGS_DEFAULTS)

    assert settings.status_labels("published").status == "Active"
    assert settings.status_labels("won").stage == "Closed Won"
    assert settings.labor_billing_code == "Remote Support"
    assert settings.owner_resource_id is None  # no assumed id: the instance's (resources.py)


# AT-3: categories are matched, never created


@pytest.mark.parametrize(
    ("category", "subcategory", "mapped", "expected"),
    [
        ("Hardware", "Laptops", None, 2),  # "Category - Subcategory"
        ("Devices", "hardware - servers", None, 4),  # the subcategory, any case
        ("Software", "Office", None, 5),  # the category
        ("Hardware", "Laptops", "Networking", 7),  # the mapping's label first
        ("Furniture", "Chairs", None, None),  # no match: left unset
        (None, None, None, None),
    ],
)
def test_hub_category_is_matched_to_an_existing_product_category_at_3(
    category: str | None, subcategory: str | None, mapped: str | None, expected: int | None
) -> None:
    candidates = category_candidates(category, subcategory, mapped)

    assert product_category(CATEGORIES, candidates) == expected


def test_new_product_without_a_matching_category_leaves_it_unset_at_3() -> None:
    plan = plan_of(quote_line("Chair", "90", category="Furniture"))

    body = product_body(
        plan, billing_code_id=5, category=product_category(CATEGORIES, plan.categories)
    )

    assert "productCategory" not in body
    assert product_body(plan, billing_code_id=5, category=1)["productCategory"] == 1


def test_category_mapping_label_is_tried_first_at_3() -> None:
    line = quote_line("Cable", "5", category="Hardware", subcategory="Cables")

    assert plan_of(line, item_category_mapping=LABOR_MAPPING).categories == (
        "Hardware",
        "Hardware - Cables",
        "Cables",
    )


# AT-4, AT-5: labor


def test_line_of_a_labor_category_becomes_a_labor_item_with_the_settings_code_at_4() -> None:
    line = quote_line("Setup", "145", 4, category="Professional services")

    plan = plan_of(line, item_category_mapping=LABOR_MAPPING)

    assert (plan.kind, plan.ref_id, plan.labor_code) == (RefKind.LABOR, None, "Onsite Labor")
    body = body_of(plan)
    assert (body["quoteItemType"], body["laborID"]) == (3, 7)
    assert "productID" not in body


def test_subcategory_labor_flag_overrides_its_category_at_4() -> None:
    install = quote_line("Rack install", "90", category="Hardware", subcategory="installation")
    cable = quote_line("Cat6 cable", "9", category="Hardware", subcategory="Cables")

    plans = plans_of((install, cable), item_category_mapping=LABOR_MAPPING)

    assert [p.kind for p in plans] == [RefKind.LABOR, RefKind.PRODUCT]
    assert plans[0].labor_code == "Remote Support"  # the default labor code


def test_line_flagged_labor_by_the_hub_category_is_labor_without_mapping_at_4() -> None:
    flagged = replace(quote_line("Helpdesk", "80", kind=ItemKind.SERVICE), labor=True)

    assert plan_of(flagged).kind is RefKind.LABOR
    assert plan_of(quote_line("Helpdesk", "80", kind=ItemKind.LABOR)).kind is RefKind.LABOR


def test_labor_code_pulled_from_autotask_is_used_as_is_at_4() -> None:
    line = quote_line(
        "Remote Support", "125", 2, kind=ItemKind.LABOR, source=autotask("labor", "5")
    )

    assert (plan_of(line).kind, plan_of(line).ref_id) == (RefKind.LABOR, 5)


def test_recurring_labor_is_pushed_one_time_at_5() -> None:
    line = quote_line("Monthly on-site day", "900", period=Period.MONTHLY, kind=ItemKind.LABOR)

    plan = plan_of(line)

    assert plan.period is None
    assert body_of(plan)["periodType"] == 1  # One-Time


# AT-6: recurring items


def test_recurring_line_from_the_hub_becomes_a_service_at_6() -> None:
    plan = plan_of(quote_line("Backup", "50", period=Period.MONTHLY, kind=ItemKind.PRODUCT))

    assert (plan.kind, plan.ref_id, plan.period) == (RefKind.SERVICE, None, Period.MONTHLY)
    assert (body_of(plan)["quoteItemType"], body_of(plan)["periodType"]) == (11, 2)


def test_recurring_autotask_product_is_used_as_is_at_6() -> None:
    line = quote_line("M365", "22", period=Period.MONTHLY, source=autotask("product"))

    plan = plan_of(line)

    assert (plan.kind, plan.ref_id) == (RefKind.PRODUCT, 29683003)
    assert (body_of(plan)["productID"], body_of(plan)["periodType"]) == (7, 2)


def test_autotask_service_stays_a_service_while_recurring_at_6() -> None:
    line = quote_line(
        "Managed Workstation", "45", period=Period.MONTHLY, source=autotask("service", "29683101")
    )

    assert (plan_of(line).kind, plan_of(line).ref_id) == (RefKind.SERVICE, 29683101)


def test_autotask_service_one_time_on_the_quote_is_pushed_as_a_product_at_6() -> None:
    line = quote_line("Managed Workstation", "45", source=autotask("service", "29683101"))

    plan = plan_of(line)

    assert (plan.kind, plan.ref_id, plan.period) == (RefKind.PRODUCT, None, None)


def test_one_time_line_is_a_product_at_6() -> None:
    assert plan_of(quote_line("Switch", "429", sku="USW-24")).kind is RefKind.PRODUCT


def test_new_service_carries_the_billing_code_and_period() -> None:
    plan = plan_of(quote_line("Backup", "50", period=Period.YEARLY, unit_cost="20"))

    assert service_body(plan, billing_code_id=8, period_type=5) == {
        "name": "Backup",
        "description": None,
        "billingCodeID": 8,
        "periodType": 5,
        "unitPrice": 50.0,
        "unitCost": 20.0,
        "isActive": True,
    }


# AT-7: pulled products map their category back


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Hardware - Laptops", ("Hardware", "Laptops")),
        ("Networking", ("Networking", None)),
        (None, (None, None)),
    ],
)
def test_autotask_category_splits_into_hub_category_and_subcategory_at_7(
    label: str | None, expected: tuple[str | None, str | None]
) -> None:
    assert hub_category(label, quote_settings({})) == expected


def test_category_mapping_maps_an_autotask_category_back_at_7() -> None:
    mapping = {
        "Devices": {"subcategories": {"Laptops": {"autotask_category": "Hardware - Laptops"}}}
    }

    settings = quote_settings({"item_category_mapping": mapping})

    assert hub_category("hardware - laptops", settings) == ("Devices", "Laptops")


@pytest.mark.parametrize(
    ("label", "period"),
    [("Monthly", Period.MONTHLY), ("Semi-Annual", Period.SEMIANNUAL), ("One-Time", None)],
)
def test_autotask_period_labels_become_hub_periods_at_7(label: str, period: Period | None) -> None:
    assert period_of_label(label) is period


# AT-8: tax categories


def test_tax_category_goes_on_the_item_and_untaxed_lines_carry_no_code_at_8() -> None:
    taxed, untaxed = plans_of(
        (quote_line("A", "1"), quote_line("B", "1", position=2, taxable=False))
    )

    assert (taxed.tax_code, untaxed.tax_code) == ("TAX", None)
    assert body_of(taxed, tax_category_id=3)["taxCategoryID"] == 3
    assert body_of(untaxed)["isTaxable"] is False


# One reference, one discount


def test_every_item_has_exactly_one_reference_and_at_most_one_discount() -> None:
    quote = sample_snapshot()

    for plan in plan_items(quote, quote_settings({})):
        body = body_of(plan)
        assert [name for name in REFERENCES if body.get(name) is not None] == [plan.kind.field]
        assert sum(1 for name in DISCOUNTS if body[name] > 0) <= 1


def test_percent_discount_is_a_percentage_and_amount_a_line_discount() -> None:
    percent = plan_of(quote_line("A", "100", 2, discount_percent="10"))
    amount = plan_of(quote_line("B", "100", 2, discount_amount="15.00"))

    assert {k: body_of(percent)[k] for k in DISCOUNTS} == {
        "unitDiscount": 0.0,
        "lineDiscount": 0.0,
        "percentageDiscount": 10.0,
    }
    assert {k: body_of(amount)[k] for k in DISCOUNTS} == {
        "unitDiscount": 0.0,
        "lineDiscount": 15.0,
        "percentageDiscount": 0.0,
    }


def test_quote_discount_is_one_negative_product_item_after_the_lines() -> None:
    quote = sample_snapshot()

    discount = plan_items(quote, quote_settings({}))[-1]

    assert (discount.kind, discount.catalog_name, discount.name) == (
        RefKind.PRODUCT,
        "Discount",
        "Quote discount (5%)",
    )
    assert (discount.unit_price, discount.quantity) == (-quote.quote_discount, Decimal(1))
    assert discount.sort_order == max(line.position for line in quote.lines) + 1
    assert product_body(discount, billing_code_id=1, category=None)["unitPrice"] == 0.0


# The opportunity, the quote, the attachment


def test_opportunity_amount_is_the_quote_value_and_cost_its_cost_quo_3() -> None:
    quote = sample_snapshot()

    money = opportunity_money(quote)

    assert (money["amount"], money["cost"]) == (float(quote.value), float(quote.cost_total))
    assert money["onetimeRevenue"] == float(quote.one_time_subtotal - quote.quote_discount)
    assert (money["monthlyRevenue"], money["yearlyRevenue"]) == (1475.0, 6600.0)
    assert money["semiannualRevenue"] == 0.0


def test_same_pdf_of_the_same_quote_has_the_same_key() -> None:
    quote = sample_snapshot()

    assert pdf_key(quote, b"%PDF-1") == pdf_key(quote, b"%PDF-1") != pdf_key(quote, b"%PDF-2")


def test_differences_ignore_number_noise_empty_text_and_time_of_day() -> None:
    current = {
        "amount": 19171.740000001,
        "description": "",
        "projectedCloseDate": "2026-12-20T00:00:00Z",
    }
    wanted = {"amount": 19171.74, "description": None, "projectedCloseDate": "2026-12-20T00:00:00"}

    assert differences(current, wanted, {"projectedCloseDate"}) == {}
    assert differences(current, {"amount": 1.0}) == {"amount": 1.0}


# The contract: only fields of the entity, every required one


def bodies() -> dict[str, list[dict[str, Any]]]:
    quote = sample_snapshot()
    settings = quote_settings({"opportunity_owner_resource_id": 29682702})
    plans = plan_items(quote, settings)
    picked = {"status": 1, "stage": 3}
    return {
        "Opportunities": [
            opportunity_body(
                quote, settings, company_id=1, contact_id=2, picked=picked, hub_id_udf="Q2C Hub ID"
            )
        ],
        "Quotes": [quote_body(quote, opportunity_id=1, company_id=2, contact_id=3, location_id=4)],
        "QuoteItems": [body_of(plan, tax_category_id=1) for plan in plans],
        "Products": [product_body(p, billing_code_id=1, category=2) for p in plans],
        "Services": [service_body(p, billing_code_id=1, period_type=2) for p in plans],
        "OpportunityAttachments": [attachment_body(quote, b"%PDF", opportunity_id=1, publish=1)],
    }


@pytest.mark.parametrize("entity", sorted(bodies()))
def test_bodies_use_only_contract_fields_and_every_required_one(entity: str) -> None:
    contract = json.loads((contracts_dir() / "autotask_entities.json").read_text())
    fields = contract["entities"][entity]
    required = {name for name, spec in fields.items() if not spec["nullable"] and name != "id"}

    for body in bodies()[entity]:
        assert set(body) <= set(fields), set(body) - set(fields)
        assert required <= {name for name, value in body.items() if value is not None}


def test_item_amounts_are_json_numbers() -> None:
    body = body_of(plan_of(quote_line("A", "12.50", "1.5", unit_cost="3.25")))

    assert (body["unitPrice"], body["quantity"], body["unitCost"]) == (12.5, 1.5, 3.25)
    assert all(not isinstance(value, Decimal) for value in body.values())
