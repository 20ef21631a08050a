"""The organization aggregate: validation, partial updates, links and credit limit (BSS-1)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from domain.crm.organization import (
    Address,
    Organization,
    OrganizationChanges,
    OrganizationCreated,
    OrganizationDeactivated,
    OrganizationId,
    OrganizationProfile,
    OrganizationStatus,
    OrganizationType,
    OrganizationUpdated,
)
from domain.identity.tenant import TenantId
from domain.shared.errors import DomainError, InvalidValue
from domain.shared.money import Currency, Money

TENANT_ID = TenantId(UUID(int=1))
ORG_ID = OrganizationId(UUID(int=100))
OTHER_ORG_ID = OrganizationId(UUID(int=200))
NOW = datetime(2025, 1, 2, 3, 4, tzinfo=UTC)
LATER = datetime(2025, 2, 3, 4, 5, tzinfo=UTC)

LIMITS = [("name", 100), ("account_number", 50), ("phone", 30), ("fax", 30), ("website", 255)]


def profile(**fields: Any) -> OrganizationProfile:
    return OrganizationProfile(**{"name": "Contoso", **fields})


def new_org(**fields: Any) -> Organization:
    return Organization(id=ORG_ID, tenant_id=TENANT_ID, profile=profile(**fields), now=NOW)


def usd(amount: str) -> Money:
    return Money.of(amount, Currency.USD)


# --- creation -----------------------------------------------------------------------------------


def test_creation_trims_text_and_blanks_become_none() -> None:  # BSS-1
    made = profile(name="  Contoso  ", phone=" 555-0100 ", website="   ", fax="")
    assert (made.name, made.phone, made.website, made.fax) == ("Contoso", "555-0100", None, None)


@pytest.mark.parametrize("name", ["", "   "])
def test_blank_name_is_refused(name: str) -> None:  # BSS-1
    with pytest.raises(InvalidValue) as caught:
        profile(name=name)
    assert caught.value.field == "name"


@pytest.mark.parametrize(("field", "limit"), LIMITS)
def test_too_long_field_is_refused_naming_it(field: str, limit: int) -> None:  # BSS-1
    with pytest.raises(InvalidValue) as caught:
        profile(**{field: "x" * (limit + 1)})
    assert caught.value.field == field


@pytest.mark.parametrize(("field", "limit"), LIMITS)
def test_field_at_its_limit_is_accepted(field: str, limit: int) -> None:  # BSS-1
    assert getattr(profile(**{field: "x" * limit}), field) == "x" * limit


def test_too_long_address_line_names_the_address_field() -> None:  # BSS-1
    with pytest.raises(InvalidValue) as caught:
        Address(city="x" * 101)
    assert caught.value.field == "billing_address.city"


def test_address_is_trimmed() -> None:  # BSS-1
    assert Address(line1=" 1 Main St ", state="  ") == Address(line1="1 Main St")


def test_creation_records_an_event_and_starts_active() -> None:  # BSS-1
    org = new_org()
    assert org.active
    assert org.status is OrganizationStatus.ACTIVE
    assert (org.created_at, org.updated_at) == (NOW, NOW)
    assert org.pull_events() == [
        OrganizationCreated(tenant_id=TENANT_ID, occurred_at=NOW, organization_id=ORG_ID)
    ]


def test_profile_reads_back_what_was_given() -> None:  # BSS-1
    given = profile(
        type=OrganizationType.VENDOR,
        account_number="A-1",
        billing_address=Address(city="Leeds"),
        currency=Currency.GBP,
    )
    org = Organization(id=ORG_ID, tenant_id=TENANT_ID, profile=given, now=NOW)
    assert org.profile == given


# --- links to itself ----------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["parent_id", "bill_to_id"])
def test_organization_cannot_be_created_as_its_own_link(field: str) -> None:  # BSS-1
    with pytest.raises(InvalidValue) as caught:
        new_org(**{field: ORG_ID})
    assert caught.value.field == field


@pytest.mark.parametrize("field", ["parent_id", "bill_to_id"])
def test_organization_cannot_be_revised_into_its_own_link(field: str) -> None:  # BSS-1
    org = new_org()
    own: dict[str, Any] = {field: ORG_ID}
    with pytest.raises(InvalidValue) as caught:
        org.revise(OrganizationChanges(**own), LATER)
    assert caught.value.field == field
    assert getattr(org, field) is None


def test_another_organization_may_be_parent_and_bill_to() -> None:  # BSS-1
    org = new_org(parent_id=OTHER_ORG_ID, bill_to_id=OTHER_ORG_ID)
    assert (org.parent_id, org.bill_to_id) == (OTHER_ORG_ID, OTHER_ORG_ID)


# --- credit limit (MON-1, MON-4) ----------------------------------------------------------------


def test_negative_credit_limit_is_refused() -> None:  # MON-4
    with pytest.raises(InvalidValue) as caught:
        profile(credit_limit=usd("-0.01"))
    assert (caught.value.field, caught.value.rule) == ("credit_limit", "MON-4")


def test_zero_credit_limit_is_accepted() -> None:  # MON-4
    assert profile(credit_limit=usd("0")).credit_limit == usd("0.00")


def test_credit_limit_in_another_currency_is_refused() -> None:  # MON-1
    with pytest.raises(InvalidValue) as caught:
        profile(currency=Currency.EUR, credit_limit=usd("500"))
    assert caught.value.field == "credit_limit"


def test_changing_currency_away_from_the_credit_limit_is_refused() -> None:  # MON-1
    org = new_org(currency=Currency.USD, credit_limit=usd("500"))
    with pytest.raises(InvalidValue):
        org.revise(OrganizationChanges(currency=Currency.CAD), LATER)
    assert (org.currency, org.credit_limit) == (Currency.USD, usd("500"))


def test_currency_and_credit_limit_change_together() -> None:  # MON-1
    org = new_org(currency=Currency.USD, credit_limit=usd("500"))
    cad = Money.of("750", Currency.CAD)
    org.revise(OrganizationChanges(currency=Currency.CAD, credit_limit=cad), LATER)
    assert (org.currency, org.credit_limit) == (Currency.CAD, cad)


# --- partial updates ----------------------------------------------------------------------------


def test_revise_changes_only_the_given_fields() -> None:  # BSS-1
    org = new_org(phone="111", fax="222", account_number="A-1")
    before = org.profile
    org.revise(OrganizationChanges(phone=" 333 "), LATER)
    assert org.profile == replace(before, phone="333")


def test_revise_with_none_clears_an_optional_field() -> None:  # BSS-1
    org = new_org(fax="222", parent_id=OTHER_ORG_ID)
    org.revise(OrganizationChanges(fax=None, parent_id=None), LATER)
    assert (org.fax, org.parent_id) == (None, None)


def test_revise_records_an_event_listing_the_changed_fields() -> None:  # BSS-1
    org = new_org()
    org.pull_events()
    org.revise(OrganizationChanges(website="example.com", name="Contoso Ltd"), LATER)
    assert org.pull_events() == [
        OrganizationUpdated(
            tenant_id=TENANT_ID,
            occurred_at=LATER,
            organization_id=ORG_ID,
            changed=("name", "website"),
        )
    ]
    assert (org.created_at, org.updated_at) == (NOW, LATER)


def test_revise_with_nothing_given_changes_and_records_nothing() -> None:  # BSS-1
    org = new_org()
    org.pull_events()
    org.revise(OrganizationChanges(), LATER)
    assert org.updated_at == NOW
    assert org.pull_events() == []


@pytest.mark.parametrize(
    "bad",
    [
        OrganizationChanges(name="New name", phone="x" * 31),
        OrganizationChanges(name="   ", phone="999"),
        OrganizationChanges(phone="999", parent_id=ORG_ID),
        OrganizationChanges(phone="999", bill_to_id=ORG_ID),
        OrganizationChanges(name="New name", credit_limit=Money.of("-1", Currency.USD)),
        OrganizationChanges(name="New name", credit_limit=Money.of("1", Currency.EUR)),
        OrganizationChanges(name="New name", currency=Currency.EUR),
    ],
    ids=[
        "long phone",
        "blank name",
        "own parent",
        "own bill-to",
        "negative limit",
        "limit currency",
        "currency off limit",
    ],
)
def test_rejected_revise_changes_nothing_at_all(bad: OrganizationChanges) -> None:  # MON-4
    org = new_org(phone="111", currency=Currency.USD, credit_limit=usd("100"))
    before = org.profile
    org.pull_events()
    with pytest.raises(InvalidValue):
        org.revise(bad, LATER)
    assert org.profile == before
    assert org.updated_at == NOW
    assert org.pull_events() == []


# --- deactivation -------------------------------------------------------------------------------


def test_deactivate_makes_inactive_and_records_an_event() -> None:  # BSS-1
    org = new_org()
    org.pull_events()
    org.deactivate(LATER)
    assert (org.active, org.status, org.updated_at) == (False, OrganizationStatus.INACTIVE, LATER)
    assert org.pull_events() == [
        OrganizationDeactivated(tenant_id=TENANT_ID, occurred_at=LATER, organization_id=ORG_ID)
    ]


def test_deactivate_twice_is_refused() -> None:  # BSS-1
    org = new_org()
    org.deactivate(NOW)
    with pytest.raises(DomainError) as caught:
        org.deactivate(LATER)
    assert caught.value.code == "already_inactive"
    assert (org.status, org.updated_at) == (OrganizationStatus.INACTIVE, NOW)
