"""The quote aggregate: header, lines, discounts and draft → published → won | lost (QUO-1).

Every refused operation must leave the quote exactly as it was: ``refused`` compares a deep copy
of the whole aggregate before and after.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from domain.catalog.item import Period
from domain.crm.organization import ContactId, OrganizationId
from domain.identity.tenant import TenantId
from domain.quotes.quote import (
    MAX_LINES,
    Discount,
    DiscountKind,
    LineDetails,
    LineId,
    Quote,
    QuoteHeader,
    QuoteId,
    QuoteLost,
    QuotePublished,
    QuoteStatus,
    QuoteWon,
)
from domain.shared.errors import CurrencyMismatch, DomainError, InvalidValue
from domain.shared.money import Currency, Money

TENANT_ID = TenantId(UUID(int=1))
QUOTE_ID = QuoteId(UUID(int=2))
ORG_ID = OrganizationId(UUID(int=3))
CONTACT_ID = ContactId(UUID(int=4))
A, B, C = LineId(UUID(int=11)), LineId(UUID(int=12)), LineId(UUID(int=13))
UNKNOWN = LineId(UUID(int=99))
NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
LATER = datetime(2025, 3, 2, 9, 0, tzinfo=UTC)
EXPIRES = date(2025, 3, 31)
TODAY = date(2025, 3, 1)
AFTER_EXPIRY = date(2025, 4, 1)

Operation = Callable[[Quote], object]


def own_state(aggregate: object) -> dict[str, object]:
    """The aggregate's own attributes; once SQLAlchemy has mapped the class (another test
    used the database), instances also carry its ``_sa_instance_state``, which is not ours."""
    return {k: v for k, v in vars(aggregate).items() if not k.startswith("_sa_")}


def usd(amount: str) -> Money:
    return Money.of(amount, Currency.USD)


def header(**fields: Any) -> QuoteHeader:
    given: dict[str, Any] = {
        "organization_id": ORG_ID,
        "contact_id": CONTACT_ID,
        "owner_name": "Dana Seller",
        "title": "Network refresh",
        "currency": Currency.USD,
        "expires_on": EXPIRES,
    }
    return QuoteHeader(**{**given, **fields})


def line(**fields: Any) -> LineDetails:
    given: dict[str, Any] = {"name": "Firewall", "quantity": Decimal(1), "unit_price": usd("100")}
    return LineDetails(**{**given, **fields})


def new_quote(*line_ids: LineId) -> Quote:
    quote = Quote(id=QUOTE_ID, tenant_id=TENANT_ID, number="Q-1001", header=header(), now=NOW)
    for line_id in line_ids:
        quote.add_line(line_id, line(), NOW)
    return quote


def in_status(status: QuoteStatus) -> Quote:
    """A quote with lines A and B taken to ``status``, its events already pulled."""
    quote = new_quote(A, B)
    if status is not QuoteStatus.DRAFT:
        quote.publish(NOW, TODAY)
    if status is QuoteStatus.WON:
        quote.mark_won(NOW, TODAY)
    if status is QuoteStatus.LOST:
        quote.mark_lost(NOW)
    quote.pull_events()
    return quote


def published() -> Quote:
    return in_status(QuoteStatus.PUBLISHED)


def refused(quote: Quote, operation: Operation) -> DomainError:
    """Run an operation the quote must refuse; the quote must be exactly as it was."""
    before = copy.deepcopy(own_state(quote))
    with pytest.raises(DomainError) as caught:
        operation(quote)
    assert own_state(quote) == before
    return caught.value


def positions(quote: Quote) -> list[tuple[LineId, int]]:
    return [(each.id, each.position) for each in quote.lines]


# --- header and creation (QUO-1) ----------------------------------------------------------------


def test_new_quote_is_an_empty_draft() -> None:  # QUO-1
    quote = new_quote()
    assert (quote.id, quote.tenant_id, quote.number, quote.header) == (
        QUOTE_ID,
        TENANT_ID,
        "Q-1001",
        header(),
    )
    assert (quote.status, quote.revision, quote.changed_since_publish) == (
        QuoteStatus.DRAFT,
        0,
        False,
    )
    assert (quote.lines, quote.discount, quote.currency) == ([], None, Currency.USD)
    assert (quote.published_at, quote.decided_at, quote.lost_reason) == (None, None, None)
    assert (quote.created_at, quote.updated_at) == (NOW, NOW)
    assert quote.pull_events() == []


def test_header_is_trimmed_and_blank_optional_text_becomes_none() -> None:  # QUO-1
    made = header(owner_name=" Dana ", title=" Refresh ", notes="  ", opportunity_ref=" 42 ")
    assert (made.owner_name, made.title, made.notes, made.opportunity_ref) == (
        "Dana",
        "Refresh",
        None,
        "42",
    )
    assert header().opportunity_ref is None  # QUO-5: one is created on publish


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"owner_name": " "}, "owner_name"),
        ({"owner_name": "x" * 101}, "owner_name"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"owner_email": "not-an-email"}, "owner_email"),
        ({"notes": "x" * 4001}, "notes"),
        ({"opportunity_ref": "x" * 51}, "opportunity_ref"),
    ],
)
def test_header_refuses_bad_text_naming_the_field(fields: dict[str, Any], field: str) -> None:
    """QUO-1: each header check names its field and the rule."""
    with pytest.raises(InvalidValue) as caught:
        header(**fields)
    assert (caught.value.field, caught.value.rule) == (field, "QUO-1")


@pytest.mark.parametrize("number", ["", "  ", "x" * 31])
def test_quote_number_is_required_and_short(number: str) -> None:  # QUO-1
    with pytest.raises(InvalidValue) as caught:
        Quote(id=QUOTE_ID, tenant_id=TENANT_ID, number=number, header=header(), now=NOW)
    assert (caught.value.field, caught.value.rule) == ("number", "QUO-1")


def test_revise_header_replaces_it() -> None:  # QUO-1
    quote = new_quote(A)
    quote.revise_header(header(title="Firewall swap", expires_on=AFTER_EXPIRY), LATER)
    assert (quote.header.title, quote.header.expires_on, quote.updated_at) == (
        "Firewall swap",
        AFTER_EXPIRY,
        LATER,
    )


def test_revise_header_to_the_same_header_changes_nothing() -> None:  # QUO-1
    quote = new_quote(A)
    quote.revise_header(header(), LATER)
    assert quote.updated_at == NOW


def test_currency_may_change_while_the_quote_has_no_lines() -> None:  # QUO-1
    quote = new_quote()
    quote.revise_header(header(currency=Currency.EUR), LATER)
    assert quote.currency is Currency.EUR


def test_currency_is_locked_once_there_are_lines() -> None:  # QUO-1, MON-1
    quote = new_quote(A)
    error = refused(quote, lambda q: q.revise_header(header(currency=Currency.EUR), LATER))
    assert (error.code, error.field) == ("currency_locked", "currency")


# --- discounts (QUO-1) --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (DiscountKind.PERCENT, "0"),
        (DiscountKind.PERCENT, "-5"),
        (DiscountKind.PERCENT, "100.01"),
        (DiscountKind.PERCENT, "12.34567"),
        (DiscountKind.PERCENT, "NaN"),
        (DiscountKind.AMOUNT, "0"),
        (DiscountKind.AMOUNT, "-1.00"),
        (DiscountKind.AMOUNT, "1.005"),
        (DiscountKind.AMOUNT, "Infinity"),
    ],
)
def test_discount_out_of_range_is_refused(kind: DiscountKind, value: str) -> None:  # QUO-1
    with pytest.raises(InvalidValue) as caught:
        Discount(kind, Decimal(value))
    assert (caught.value.field, caught.value.rule) == ("discount.value", "QUO-1")


@pytest.mark.parametrize(
    ("made", "expected"),
    [
        (Discount.percent("100"), Discount(DiscountKind.PERCENT, Decimal(100))),
        (Discount.percent("12.3456"), Discount(DiscountKind.PERCENT, Decimal("12.3456"))),
        (Discount.amount("0.01"), Discount(DiscountKind.AMOUNT, Decimal("0.01"))),
        (Discount.amount(250), Discount(DiscountKind.AMOUNT, Decimal(250))),
    ],
)
def test_discount_at_its_limits_is_accepted(made: Discount, expected: Discount) -> None:  # QUO-1
    assert made == expected


def test_float_discount_is_a_programming_error() -> None:  # MON-1
    with pytest.raises(TypeError, match="never float"):
        Discount(DiscountKind.PERCENT, 10.0)  # type: ignore[arg-type]


# --- line details (QUO-1) -----------------------------------------------------------------------


def test_line_defaults_to_a_one_time_taxable_ad_hoc_product() -> None:  # QUO-1
    made = line()
    assert (made.item_id, made.source, made.period, made.discount) == (None, None, None, None)
    assert (made.kind.value, made.taxable, made.tax_rate, made.labor) == (
        "product",
        True,
        Decimal(0),
        False,
    )
    assert made.one_time


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": " "}, "lines[].name"),
        ({"name": "x" * 256}, "lines[].name"),
        ({"sku": "x" * 51}, "lines[].sku"),
        ({"mpn": "x" * 51}, "lines[].mpn"),
        ({"description": "x" * 2001}, "lines[].description"),
        ({"category": "x" * 101}, "lines[].category"),
        ({"subcategory": "x" * 101}, "lines[].subcategory"),
        ({"kaseya_item_type": "x" * 51}, "lines[].kaseya_item_type"),
        ({"tax_code": "x" * 51}, "lines[].tax_code"),
        ({"quantity": Decimal(0)}, "lines[].quantity"),
        ({"quantity": Decimal("-1")}, "lines[].quantity"),
        ({"quantity": Decimal("1.00001")}, "lines[].quantity"),
        ({"quantity": Decimal("NaN")}, "lines[].quantity"),
        ({"tax_rate": Decimal("-0.01")}, "lines[].tax_rate"),
        ({"tax_rate": Decimal("100.0001")}, "lines[].tax_rate"),
        ({"tax_rate": Decimal("8.00001")}, "lines[].tax_rate"),
        ({"unit_price": usd("-0.01")}, "lines[].unit_price"),
        ({"unit_cost": usd("-0.01")}, "lines[].unit_cost"),
        ({"unit_cost": Money.of("1", Currency.EUR)}, "lines[].unit_cost"),
        ({"discount": Discount.amount("100.01")}, "lines[].discount"),
    ],
)
def test_line_refuses_bad_values_naming_the_field(fields: dict[str, Any], field: str) -> None:
    """QUO-1: each line check names ``lines[].<field>`` and the rule."""
    with pytest.raises(InvalidValue) as caught:
        line(**fields)
    assert (caught.value.field, caught.value.rule) == (field, "QUO-1")


def test_item_discount_more_than_the_line_has_its_own_code() -> None:  # QUO-1
    with pytest.raises(InvalidValue) as caught:
        line(quantity=Decimal(2), unit_price=usd("10"), discount=Discount.amount("20.01"))
    assert caught.value.code == "discount_exceeds_line"


@pytest.mark.parametrize(
    "fields",
    [
        {"quantity": Decimal("0.0001")},
        {"quantity": Decimal("2.50000")},  # trailing zeros are not decimals
        {"tax_rate": Decimal(100)},
        {"tax_rate": Decimal("8.8750")},
        {"unit_price": usd("0"), "discount": Discount.percent(100)},
        {"discount": Discount.amount("100.00")},  # the whole line, not more
        {"quantity": 3},
    ],
)
def test_line_values_at_their_limits_are_accepted(fields: dict[str, Any]) -> None:  # QUO-1
    made = line(**fields)
    assert isinstance(made.quantity, Decimal)
    assert isinstance(made.tax_rate, Decimal)


def test_float_quantity_is_a_programming_error() -> None:  # MON-1
    with pytest.raises(TypeError, match="never float"):
        line(quantity=1.5)


# --- lines on the quote (QUO-1) -----------------------------------------------------------------


def test_lines_are_appended_and_numbered_from_one() -> None:  # QUO-1
    quote = new_quote()
    added = quote.add_line(A, line(), LATER)
    quote.add_line(B, line(name="Switch"), LATER)
    assert (added.id, added.position, added.details) == (A, 1, line())
    assert positions(quote) == [(A, 1), (B, 2)]
    assert quote.updated_at == LATER


def test_line_added_at_a_position_moves_the_others_down() -> None:  # QUO-1
    quote = new_quote(A, B)
    added = quote.add_line(C, line(), LATER, position=1)
    assert added.position == 1
    assert positions(quote) == [(C, 1), (A, 2), (B, 3)]


@pytest.mark.parametrize("position", [0, 4, -1])
def test_line_added_outside_the_quote_is_refused(position: int) -> None:  # QUO-1
    quote = new_quote(A, B)
    error = refused(quote, lambda q: q.add_line(C, line(), LATER, position=position))
    assert (error.field, error.rule) == ("position", "QUO-1")


def test_line_in_another_currency_is_refused() -> None:  # MON-1
    quote = new_quote(A)
    eur = line(unit_price=Money.of("5", Currency.EUR))
    error = refused(quote, lambda q: q.add_line(B, eur, LATER))
    assert isinstance(error, CurrencyMismatch)
    assert (error.rule, error.field) == ("MON-1", "lines[].unit_price")


def test_a_line_id_is_used_once() -> None:  # QUO-1
    quote = new_quote(A)
    error = refused(quote, lambda q: q.add_line(A, line(), LATER))
    assert (error.code, error.field) == ("line_exists", "line_id")


def test_a_quote_takes_at_most_500_lines() -> None:  # QUO-1
    quote = new_quote()
    for n in range(MAX_LINES):
        quote.add_line(LineId(UUID(int=1000 + n)), line(), NOW)
    error = refused(quote, lambda q: q.add_line(A, line(), LATER))
    assert (MAX_LINES, error.code, error.field) == (500, "too_many_lines", "lines")


def test_change_line_keeps_its_id_and_position() -> None:  # QUO-1
    quote = new_quote(A, B)
    changed = quote.change_line(B, line(name="Switch", quantity=Decimal(3)), LATER)
    assert (changed.id, changed.position, changed.details.name) == (B, 2, "Switch")
    assert quote.line(B) == changed
    assert quote.updated_at == LATER


def test_change_line_to_the_same_details_changes_nothing() -> None:  # QUO-1
    quote = new_quote(A)
    quote.change_line(A, line(), LATER)
    assert quote.updated_at == NOW


def test_change_line_into_another_currency_is_refused() -> None:  # MON-1
    quote = new_quote(A)
    eur = line(unit_price=Money.of("5", Currency.EUR))
    assert isinstance(refused(quote, lambda q: q.change_line(A, eur, LATER)), CurrencyMismatch)


def test_remove_line_closes_up_the_positions() -> None:  # QUO-1
    quote = new_quote(A, B, C)
    quote.remove_line(B, LATER)
    assert positions(quote) == [(A, 1), (C, 2)]
    assert quote.updated_at == LATER


@pytest.mark.parametrize(
    ("position", "expected"),
    [(1, [(C, 1), (A, 2), (B, 3)]), (2, [(A, 1), (C, 2), (B, 3)]), (3, [(A, 1), (B, 2), (C, 3)])],
)
def test_move_line(position: int, expected: list[tuple[LineId, int]]) -> None:  # QUO-1
    quote = new_quote(A, B, C)
    quote.move_line(C, position, LATER)
    assert positions(quote) == expected


def test_move_line_past_the_end_is_refused() -> None:  # QUO-1
    quote = new_quote(A, B)
    assert refused(quote, lambda q: q.move_line(A, 3, LATER)).field == "position"


@pytest.mark.parametrize(
    "operation",
    [
        lambda q: q.change_line(UNKNOWN, line(), LATER),
        lambda q: q.remove_line(UNKNOWN, LATER),
        lambda q: q.move_line(UNKNOWN, 1, LATER),
        lambda q: q.line(UNKNOWN),
    ],
    ids=["change", "remove", "move", "read"],
)
def test_unknown_line_is_not_found(operation: Operation) -> None:  # QUO-1
    error = refused(new_quote(A), operation)
    assert (error.code, error.field) == ("line_not_found", "line_id")


# --- quote-level discount (QUO-1, QUO-2) --------------------------------------------------------


def test_set_and_remove_the_quote_discount() -> None:  # QUO-1
    quote = new_quote(A)
    quote.set_discount(Discount.percent(10), LATER)
    assert (quote.discount, quote.updated_at) == (Discount.percent(10), LATER)
    quote.set_discount(None, NOW)
    assert quote.discount is None


def test_amount_discount_up_to_the_one_time_subtotal_is_accepted() -> None:  # QUO-2
    quote = new_quote(A, B)  # 2 x 100.00 one-time
    quote.set_discount(Discount.amount("200.00"), LATER)
    assert quote.totals().one_time_total == usd("0.00")


def test_amount_discount_above_the_one_time_subtotal_is_refused() -> None:  # QUO-2
    quote = new_quote(A)
    quote.add_line(
        B, line(unit_price=usd("500"), period=Period.MONTHLY), NOW
    )  # recurring: not counted
    error = refused(quote, lambda q: q.set_discount(Discount.amount("100.01"), LATER))
    assert (error.code, error.field, error.rule) == (
        "discount_exceeds_subtotal",
        "discount",
        "QUO-2",
    )


def test_percent_discount_fits_any_subtotal() -> None:  # QUO-2
    quote = new_quote()
    quote.set_discount(Discount.percent(100), LATER)
    assert quote.discount == Discount.percent(100)


@pytest.mark.parametrize(
    "operation",
    [
        lambda q: q.change_line(B, line(unit_price=usd("49.99")), LATER),
        lambda q: q.change_line(B, line(period=Period.MONTHLY), LATER),
        lambda q: q.remove_line(B, LATER),
    ],
    ids=["cheaper", "made-recurring", "removed"],
)
def test_line_change_that_leaves_the_amount_discount_too_large_is_refused(
    operation: Operation,
) -> None:  # QUO-2
    quote = new_quote(A, B)
    quote.set_discount(Discount.amount("150.00"), NOW)
    assert refused(quote, operation).code == "discount_exceeds_subtotal"


def test_line_change_that_keeps_the_amount_discount_within_is_accepted() -> None:  # QUO-2
    quote = new_quote(A, B)
    quote.set_discount(Discount.amount("150.00"), NOW)
    quote.change_line(B, line(unit_price=usd("50.00")), LATER)
    assert quote.totals().one_time_subtotal == usd("150.00")


# --- publishing (QUO-1) -------------------------------------------------------------------------


def test_publish_a_draft() -> None:  # QUO-1
    quote = new_quote(A)
    quote.publish(LATER, TODAY)
    assert (quote.status, quote.revision, quote.changed_since_publish) == (
        QuoteStatus.PUBLISHED,
        1,
        False,
    )
    assert (quote.published_at, quote.updated_at) == (LATER, LATER)
    assert quote.pull_events() == [
        QuotePublished(tenant_id=TENANT_ID, occurred_at=LATER, quote_id=QUOTE_ID, revision=1)
    ]


def test_publish_on_the_expiry_date_is_allowed() -> None:  # QUO-1
    quote = new_quote(A)
    quote.publish(NOW, EXPIRES)
    assert quote.status_on(EXPIRES) is QuoteStatus.PUBLISHED


def test_publish_an_empty_quote_is_refused() -> None:  # QUO-1
    error = refused(new_quote(), lambda q: q.publish(LATER, TODAY))
    assert (error.code, error.rule, error.field) == ("quote_empty", "QUO-1", "lines")


@pytest.mark.parametrize("make", [lambda: new_quote(A), published], ids=["draft", "published"])
def test_publish_past_expiry_is_refused(make: Callable[[], Quote]) -> None:  # QUO-1
    error = refused(make(), lambda q: q.publish(LATER, AFTER_EXPIRY))
    assert (error.code, error.rule, error.field) == ("quote_expired", "QUO-1", "expires_on")


@pytest.mark.parametrize(
    "edit",
    [
        lambda q: q.revise_header(header(title="New title"), LATER),
        lambda q: q.add_line(C, line(), LATER),
        lambda q: q.change_line(A, line(name="Router"), LATER),
        lambda q: q.remove_line(A, LATER),
        lambda q: q.move_line(B, 1, LATER),
        lambda q: q.set_discount(Discount.percent(5), LATER),
    ],
    ids=["header", "add", "change", "remove", "move", "discount"],
)
def test_editing_a_published_quote_keeps_it_published_and_marks_it_changed(
    edit: Operation,
) -> None:  # QUO-1
    quote = published()
    edit(quote)
    assert (quote.status, quote.changed_since_publish, quote.revision) == (
        QuoteStatus.PUBLISHED,
        True,
        1,
    )
    assert quote.updated_at == LATER
    assert quote.pull_events() == []


def test_editing_a_draft_does_not_mark_it_changed() -> None:  # QUO-1
    quote = new_quote(A)
    quote.add_line(B, line(), LATER)
    assert not quote.changed_since_publish


def test_an_edit_that_changes_nothing_does_not_mark_it_changed() -> None:  # QUO-1
    quote = published()
    quote.change_line(A, line(), LATER)
    quote.set_discount(None, LATER)
    assert not quote.changed_since_publish


def test_publishing_again_is_the_update_it_bumps_the_revision() -> None:  # QUO-1, QUO-3
    quote = published()
    quote.add_line(C, line(), LATER)
    quote.publish(LATER, TODAY)
    assert (quote.revision, quote.changed_since_publish, quote.published_at) == (2, False, LATER)
    quote.publish(LATER, TODAY)
    assert quote.revision == 3
    assert [e.revision for e in quote.pull_events() if isinstance(e, QuotePublished)] == [2, 3]


def test_extending_the_expiry_lets_an_expired_quote_be_published_again() -> None:  # QUO-1
    quote = published()
    quote.revise_header(header(expires_on=date(2025, 4, 30)), LATER)
    quote.publish(LATER, AFTER_EXPIRY)
    assert quote.status_on(AFTER_EXPIRY) is QuoteStatus.PUBLISHED


# --- expiry (QUO-1) -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "today", "seen"),
    [
        (QuoteStatus.DRAFT, AFTER_EXPIRY, QuoteStatus.DRAFT),
        (QuoteStatus.PUBLISHED, EXPIRES, QuoteStatus.PUBLISHED),
        (QuoteStatus.PUBLISHED, AFTER_EXPIRY, QuoteStatus.EXPIRED),
        (QuoteStatus.WON, AFTER_EXPIRY, QuoteStatus.WON),
        (QuoteStatus.LOST, AFTER_EXPIRY, QuoteStatus.LOST),
    ],
)
def test_only_a_published_quote_past_its_expiry_reads_as_expired(
    status: QuoteStatus, today: date, seen: QuoteStatus
) -> None:  # QUO-1
    quote = in_status(status)
    assert quote.status_on(today) is seen
    assert quote.status is status  # expired is never stored


# --- won and lost (QUO-1) -----------------------------------------------------------------------


def test_mark_won() -> None:  # QUO-1, QUO-4
    quote = published()
    quote.mark_won(LATER, EXPIRES)
    assert (quote.status, quote.decided_at, quote.updated_at) == (QuoteStatus.WON, LATER, LATER)
    assert quote.pull_events() == [
        QuoteWon(tenant_id=TENANT_ID, occurred_at=LATER, quote_id=QUOTE_ID)
    ]


def test_mark_won_past_expiry_is_refused() -> None:  # QUO-1
    error = refused(published(), lambda q: q.mark_won(LATER, AFTER_EXPIRY))
    assert (error.code, error.rule) == ("quote_expired", "QUO-1")


def test_mark_lost_with_a_reason_even_when_expired() -> None:  # QUO-1, QUO-4
    quote = published()
    quote.mark_lost(LATER, "  went with a competitor ")
    assert (quote.status, quote.decided_at, quote.lost_reason) == (
        QuoteStatus.LOST,
        LATER,
        "went with a competitor",
    )
    assert quote.status_on(AFTER_EXPIRY) is QuoteStatus.LOST
    assert quote.pull_events() == [
        QuoteLost(
            tenant_id=TENANT_ID,
            occurred_at=LATER,
            quote_id=QUOTE_ID,
            reason="went with a competitor",
        )
    ]


def test_mark_lost_without_a_reason() -> None:  # QUO-1
    quote = published()
    quote.mark_lost(LATER)
    assert (quote.status, quote.lost_reason) == (QuoteStatus.LOST, None)


def test_lost_reason_too_long_is_refused() -> None:  # QUO-1
    error = refused(published(), lambda q: q.mark_lost(LATER, "x" * 501))
    assert (error.field, error.rule) == ("reason", "QUO-1")


@pytest.mark.parametrize(
    "decide",
    [lambda q: q.mark_won(LATER, TODAY), lambda q: q.mark_lost(LATER, "no budget")],
    ids=["won", "lost"],
)
def test_a_draft_cannot_be_won_or_lost(decide: Operation) -> None:  # QUO-1
    error = refused(new_quote(A), decide)
    assert (error.code, error.field) == ("quote_not_published", "status")


ALL_OPERATIONS: dict[str, Operation] = {
    "revise_header": lambda q: q.revise_header(header(title="Other"), LATER),
    "add_line": lambda q: q.add_line(C, line(), LATER),
    "change_line": lambda q: q.change_line(A, line(name="Router"), LATER),
    "remove_line": lambda q: q.remove_line(A, LATER),
    "move_line": lambda q: q.move_line(B, 1, LATER),
    "set_discount": lambda q: q.set_discount(Discount.percent(5), LATER),
    "publish": lambda q: q.publish(LATER, TODAY),
    "mark_won": lambda q: q.mark_won(LATER, TODAY),
    "mark_lost": lambda q: q.mark_lost(LATER, "again"),
}


@pytest.mark.parametrize("status", [QuoteStatus.WON, QuoteStatus.LOST])
@pytest.mark.parametrize("operation", ALL_OPERATIONS.values(), ids=ALL_OPERATIONS.keys())
def test_a_won_or_lost_quote_is_closed(status: QuoteStatus, operation: Operation) -> None:
    """QUO-1: nothing changes on a decided quote, not even a republish or a second decision."""
    quote = in_status(status)
    error = refused(quote, operation)
    assert (error.code, error.rule, error.field) == ("quote_closed", "QUO-1", "status")
