"""Kaseya BMS quoting rules without I/O: settings (KBMS-1, KBMS-2), the refusals before any call
(KBMS-7), the lines (KBMS-3..6), statuses (QUO-4), the quote URL (PAY-14) and what the product
cloud reads (KBMS-9)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from adapters.vendors.kaseya_bms.quoting.search import product_item, service_item
from adapters.vendors.kaseya_bms.settings import (
    QUOTE_SETTINGS_DEFAULTS,
    check_settings,
    kaseya_settings_policy,
    quote_settings,
)
from adapters.vendors.kaseya_bms.translate.quotation import (
    is_pdf_of,
    item_type,
    item_type_id,
    item_type_ids,
    line_item_body,
    pdf_name,
    quotation_body,
    skipped_line,
)
from adapters.vendors.kaseya_bms.translate.quotes import (
    description,
    outcome_update,
    problems,
    quote_url,
    status_id,
    updated_opportunity,
)
from application.integrations.ports import SettingsPolicy, VendorRejected
from application.quotes.snapshot import SnapshotLine
from domain.catalog.item import ItemKind, ItemSource, Period
from domain.shared.errors import InvalidValue
from tests.support.quotes import quote_line, sample_snapshot

STATUSES = [
    {"Id": 1, "Name": "Prospecting", "IsActive": True, "StatusActionName": "Open"},
    {"Id": 4, "Name": "On Hold", "IsActive": False, "StatusActionName": "Open"},
    {"Id": 5, "Name": "Closed Won", "IsActive": True, "StatusActionName": "Closed Won"},
    {"Id": 7, "Name": "Lost (legacy)", "IsActive": False, "StatusActionName": "Closed Lost"},
    {"Id": 6, "Name": "Deal lost", "IsActive": True, "StatusActionName": "Closed Lost"},
]


def settings(**changes: Any) -> Any:
    return quote_settings({**QUOTE_SETTINGS_DEFAULTS, **changes})


def on() -> Any:
    return settings(service_quotations=True, default_warehouse="Main Warehouse")


def service(name: str = "Managed backup", **changes: Any) -> SnapshotLine:
    values: dict[str, Any] = {"position": 3, "kind": ItemKind.SERVICE, "unit_cost": "40.00"}
    values |= {"unit_price": "99.00", **changes}
    return quote_line(name, **values)


# --- settings (KBMS-1, KBMS-2) ------------------------------------------------------------


def test_default_settings_pass_their_own_check_kbms_1() -> None:
    assert check_settings({}) == []
    assert check_settings(QUOTE_SETTINGS_DEFAULTS) == []


def test_service_quotations_without_default_warehouse_are_refused_kbms_2() -> None:
    policy: SettingsPolicy[object] = kaseya_settings_policy()

    with pytest.raises(InvalidValue) as refused:
        policy.check({"service_quotations": True, "default_warehouse": None})

    assert (refused.value.rule, refused.value.field) == ("KBMS-2", "settings.default_warehouse")
    assert "default warehouse" in refused.value.message


@pytest.mark.parametrize("warehouse", ["Main Warehouse", 1])
def test_service_quotations_with_a_warehouse_name_or_id_are_accepted_kbms_2(
    warehouse: str | int,
) -> None:
    assert check_settings({"service_quotations": True, "default_warehouse": warehouse}) == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"account_type_id": "one"}, "account_type_id"),
        ({"service_quotations": "yes"}, "service_quotations"),
        ({"status_mapping": {"won": "Closed Won"}}, "status_mapping"),
        ({"opportunity_probability": 150}, "opportunity_probability"),
        ({"opportunity_close_days": -1}, "opportunity_close_days"),
        ({"item_type_ids": {"Product": 1}, "item_types": {"service": "Service"}}, "item_types"),
        ({"item_type_overrides": {"Hardware": 7}}, "item_type_overrides"),
    ],
)
def test_settings_of_the_wrong_shape_are_refused_naming_the_field_kbms_1(
    changes: dict[str, Any], field: str
) -> None:
    assert [(p.rule, p.field) for p in check_settings(changes)] == [("KBMS-1", field)]


# --- before any call (KBMS-7) ----------------------------------------------------------------


def test_an_expired_quote_is_refused_as_kaseya_cannot_backdate_kbms_7() -> None:
    (problem,) = problems(sample_snapshot(status="expired"))

    assert (problem.rule, problem.field) == ("KBMS-7", "expires_on")
    assert "cannot backdate" in problem.message


def test_a_quote_expiring_before_it_was_issued_is_refused_kbms_7() -> None:
    quote = sample_snapshot(issued_on=date(2026, 5, 2), expires_on=date(2026, 5, 1))

    assert [p.rule for p in problems(quote)] == ["KBMS-7"]


def test_a_published_quote_in_date_passes() -> None:
    assert problems(sample_snapshot()) == []


# --- lines (KBMS-3..6) -------------------------------------------------------------------------


def test_item_discount_is_folded_into_the_unit_price_kbms_4() -> None:
    line = quote_line("Appliance", "1099.00", 2, discount_percent="10")

    body = line_item_body(line, sample_snapshot(), settings())

    assert (body["UnitPrice"], body["Quantity"], body["Discount"]) == (989.10, 2.0, 0.0)


@pytest.mark.parametrize(
    ("price", "quantity", "off", "unit"),
    [
        ("33.33", 3, "10.00", 30.00),  # 89.99 / 3 = 29.9966…
        ("0.05", 2, "0.05", 0.03),  # 0.05 / 2 = 0.025: half-up, not half-even
        ("19.99", 4, "11.99", 16.99),  # 67.97 / 4 = 16.9925
    ],
)
def test_folded_unit_price_is_exact_to_the_cent_half_up_kbms_4(
    price: str, quantity: int, off: str, unit: float
) -> None:
    line = quote_line("Item", price, quantity, discount_amount=off)

    assert line_item_body(line, sample_snapshot(), settings())["UnitPrice"] == unit


def test_no_quote_level_discount_is_posted_anywhere_kbms_4() -> None:
    quote = sample_snapshot()  # a 5% quote-level discount
    opportunity = {"Id": 7, "AccountId": 1, "AccountLocationId": 2}

    bodies = [line_item_body(line, quote, on()) for line in quote.lines]
    bodies.append(quotation_body(quote, opportunity, 1))

    assert quote.quote_discount > 0
    assert all(not any("discount" in k.casefold() and v for k, v in b.items()) for b in bodies)


def test_service_quotations_post_no_tax_kbms_5() -> None:
    quote = sample_snapshot()
    taxable = [line for line in quote.lines if line.taxable]

    with_service = [line_item_body(line, quote, on())["Taxable"] for line in taxable]
    without = [line_item_body(line, quote, settings())["Taxable"] for line in taxable]

    assert with_service == [False] * len(taxable)
    assert without == [True] * len(taxable)


def test_the_quotation_takes_the_one_default_warehouse_kbms_6() -> None:
    opportunity = {"Id": 7, "AccountId": 1, "AccountLocationId": 2}

    body = quotation_body(sample_snapshot(), opportunity, 3)

    assert body["WarehouseId"] == 3
    assert body["Name"].startswith("Q-2026-0042 ")


def test_service_line_without_unit_cost_is_left_out_with_a_warning_kbms_3() -> None:
    line = service(unit_cost=None)

    assert skipped_line(line, "Service", on()) == (
        "line 3 'Managed backup': Kaseya needs a unit price and unit cost for service items; "
        "not added"
    )


@pytest.mark.parametrize("changes", [{"unit_cost": "0"}, {"unit_price": "0"}])
def test_a_zero_price_or_cost_counts_as_none_kbms_3(changes: dict[str, Any]) -> None:
    assert skipped_line(service(**changes), "Service", on()) is not None


def test_priced_service_lines_and_product_lines_are_pushed_kbms_3() -> None:
    assert skipped_line(service(), "Service", on()) is None
    assert skipped_line(quote_line("Switch", "300.00"), "Product", on()) is None


def test_without_service_quotations_service_lines_are_left_out_kbms_2() -> None:
    warning = skipped_line(service(), "Service", settings())

    assert warning is not None
    assert "service quotations" in warning


def test_item_type_comes_from_the_kind_then_the_category_then_the_override_kbms_1() -> None:
    labor = quote_line("Install", "145.00", kind=ItemKind.LABOR, category="Projects")
    typed = quote_line("Licence", "20.00", category="Software", kaseya_item_type="Service")

    assert item_type(labor, settings()) == "Service"
    assert item_type(quote_line("Switch", "300.00"), settings()) == "Product"
    assert item_type(typed, settings()) == "Service"
    overridden = settings(item_type_overrides={"Software": "Product"})
    assert item_type(typed, overridden) == "Product"


def test_an_item_pulled_from_kaseya_keeps_its_kaseya_type_kbms_1() -> None:
    source = ItemSource(system="kaseya_bms", kind="service", external_id="6001")
    line = quote_line("Managed", "45.00", source=source, category="Hardware")

    assert item_type(line, settings(item_type_overrides={"Hardware": "Product"})) == "Service"


def test_item_type_ids_come_from_the_setting_or_the_lookup_kbms_1() -> None:
    lookup = [{"Id": 1, "Name": "Product"}, {"Id": 2, "Name": "Service", "IsActive": True}]

    assert item_type_ids(settings(), lookup) == {"product": 1, "service": 2}
    assert item_type_ids(settings(item_type_ids={"Service": 9}), lookup) == {"service": 9}
    with pytest.raises(VendorRejected, match="no item type 'Bundle'"):
        item_type_id("Bundle", {"product": 1})


def test_recurring_line_keeps_its_period_in_the_name() -> None:
    line = quote_line("Managed support", "45.00", period=Period.MONTHLY)

    assert line_item_body(line, sample_snapshot(), settings())["Name"] == (
        "Managed support (monthly)"
    )


# --- the opportunity (QUO-3, QUO-4, QUO-6, PAY-14) --------------------------------------------


def test_status_mapping_resolves_a_name_a_base_status_or_an_id_quo_4() -> None:
    assert status_id(STATUSES, "Closed Won", "won") == 5
    assert status_id(STATUSES, "closed lost", "lost") == 6  # the active one of that base
    assert status_id(STATUSES, "Open", "published") == 1
    assert status_id(STATUSES, 4, "published") == 4
    with pytest.raises(VendorRejected, match="no opportunity status 'Won'"):
        status_id(STATUSES, "Won", "won")


def test_outcome_sets_the_status_and_its_probability_once_quo_4() -> None:
    current = {"Id": 9, "StatusId": 1, "Probability": 50.0, "RatingId": None, "Amount": 10.0}
    won = {"Id": 5, "Name": "Closed Won", "Probability": 100.0}

    body = updated_status(current, won)

    assert body is not None
    assert (body["StatusId"], body["Probability"], body["Amount"]) == (5, 100.0, 10.0)
    assert body["RatingId"] == QUOTE_SETTINGS_DEFAULTS["opportunity_rating_id"]  # PUT needs it
    assert updated_status({**current, "StatusId": 5}, won) is None


def updated_status(current: dict[str, Any], status: dict[str, Any]) -> dict[str, Any] | None:
    return outcome_update(current, settings(), status)


def test_opportunity_at_the_quote_value_needs_no_update_quo_6() -> None:
    quote = sample_snapshot()
    current = {
        "Id": 9,
        "Amount": float(quote.value),
        "Description": description(quote, settings(), None),
    }

    assert updated_opportunity(quote, settings(), current) is None
    changed = updated_opportunity(quote, settings(), {**current, "Amount": 1.0})
    assert changed is not None
    assert changed["Amount"] == float(quote.value)


def test_quote_url_is_written_to_and_read_from_the_description_pay_14() -> None:
    quote = sample_snapshot(extra={"quote_url": "https://hub.example/q/42"})
    mine = "Call back in May.\nQuote URL: https://old.example/q/1"

    text = description(quote, settings(), mine)

    assert text.splitlines()[0] == "Call back in May."
    assert f"[q2c:{quote.id}]" in text
    assert quote_url(text) == "https://hub.example/q/42"
    assert quote_url("no link here") is None


# --- the PDF (QUO-6) ---------------------------------------------------------------------------


def test_pdf_name_tells_this_pdf_and_this_quote_only() -> None:
    quote = sample_snapshot()
    name = pdf_name(quote, b"%PDF one")

    assert name != pdf_name(quote, b"%PDF two")
    assert is_pdf_of(quote, name)
    assert not is_pdf_of(quote, f"{quote.number} signed by the client.pdf")
    assert not is_pdf_of(sample_snapshot(number="Q-2026-0043"), name)


# --- the product cloud (KBMS-9) ------------------------------------------------------------


def test_products_come_without_pricing_kbms_9() -> None:
    record = {"ProductIndexId": 5001, "ProductNumber": "SW-24", "ProductName": "Switch"}

    item = product_item({**record, "WeightedLandedCost": 180.0, "Warehouse": "Main"})

    assert (item.kind, item.sku, item.unit_price, item.unit_cost) == (
        ItemKind.PRODUCT, "SW-24", None, None,
    )  # fmt: skip


def test_services_come_with_unit_price_and_cost_kbms_9() -> None:
    item = service_item({"Id": 6001, "Name": "Managed", "UnitPrice": 45.1, "UnitCost": 20.0})

    assert (item.kind, item.unit_price, item.unit_cost) == (
        ItemKind.SERVICE, Decimal("45.1"), Decimal("20.0"),
    )  # fmt: skip


def test_a_service_without_a_cost_comes_without_pricing_kbms_9() -> None:
    item = service_item({"Id": 6003, "Name": "Workshop", "UnitPrice": 900.0, "UnitCost": 0.0})

    assert (item.unit_price, item.unit_cost) == (None, None)
