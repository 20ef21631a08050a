"""The contact aggregate: names, four communication items, partial updates (BSS-2)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from domain.crm.contact import (
    Contact,
    ContactChanges,
    ContactCreated,
    ContactProfile,
    ContactUpdated,
)
from domain.crm.organization import ContactId, OrganizationId
from domain.identity.tenant import TenantId
from domain.shared.errors import DomainError, InvalidValue

TENANT_ID = TenantId(UUID(int=1))
ORG_ID = OrganizationId(UUID(int=100))
CONTACT_ID = ContactId(UUID(int=300))
NOW = datetime(2025, 1, 2, 3, 4, tzinfo=UTC)
LATER = datetime(2025, 2, 3, 4, 5, tzinfo=UTC)

LIMITS = [
    ("first_name", 50),
    ("last_name", 50),
    ("title", 100),
    ("phone", 30),
    ("mobile", 30),
    ("fax", 30),
]


def profile(**fields: Any) -> ContactProfile:
    return ContactProfile(**{"first_name": "Ada", "last_name": "Lovelace", **fields})


def new_contact(**fields: Any) -> Contact:
    return Contact(
        id=CONTACT_ID,
        tenant_id=TENANT_ID,
        organization_id=ORG_ID,
        profile=profile(**fields),
        now=NOW,
    )


# --- creation -----------------------------------------------------------------------------------


def test_creation_trims_and_blank_optionals_become_none() -> None:  # BSS-2
    made = profile(first_name="  Ada ", title="  ", email=" ada@example.com ", mobile="")
    assert (made.first_name, made.title, made.email, made.mobile) == (
        "Ada",
        None,
        "ada@example.com",
        None,
    )


@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_blank_name_is_refused_naming_it(field: str) -> None:  # BSS-2
    with pytest.raises(InvalidValue) as caught:
        profile(**{field: "  "})
    assert caught.value.field == field


@pytest.mark.parametrize(("field", "limit"), LIMITS)
def test_too_long_field_is_refused_naming_it(field: str, limit: int) -> None:  # BSS-2
    with pytest.raises(InvalidValue) as caught:
        profile(**{field: "x" * (limit + 1)})
    assert caught.value.field == field


@pytest.mark.parametrize(("field", "limit"), LIMITS)
def test_field_at_its_limit_is_accepted(field: str, limit: int) -> None:  # BSS-2
    assert getattr(profile(**{field: "x" * limit}), field) == "x" * limit


@pytest.mark.parametrize("email", ["nobody", "a@b", "a b@c.de", "@c.de", "a@@c.de", "a@c.de x"])
def test_malformed_email_is_refused(email: str) -> None:  # BSS-2
    with pytest.raises(InvalidValue) as caught:
        profile(email=email)
    assert caught.value.field == "email"


def test_too_long_email_is_refused() -> None:  # BSS-2
    with pytest.raises(InvalidValue) as caught:
        profile(email="a" * 250 + "@b.co")
    assert caught.value.field == "email"


def test_creation_records_an_event_and_starts_active() -> None:  # BSS-2
    contact = new_contact()
    assert contact.active
    assert contact.full_name == "Ada Lovelace"
    assert contact.pull_events() == [
        ContactCreated(
            tenant_id=TENANT_ID, occurred_at=NOW, contact_id=CONTACT_ID, organization_id=ORG_ID
        )
    ]


# --- partial updates ----------------------------------------------------------------------------


def test_revise_changes_only_the_given_fields() -> None:  # BSS-2
    contact = new_contact(email="ada@example.com", phone="111", title="CTO")
    before = contact.profile
    contact.revise(ContactChanges(phone="222", title=None), NOW)
    assert contact.profile == replace(before, phone="222", title=None)


def test_revise_records_an_event_listing_the_changed_fields() -> None:  # BSS-2
    contact = new_contact()
    contact.pull_events()
    contact.revise(ContactChanges(mobile="07700 900123", email="ada@example.org"), LATER)
    assert contact.pull_events() == [
        ContactUpdated(
            tenant_id=TENANT_ID,
            occurred_at=LATER,
            contact_id=CONTACT_ID,
            changed=("email", "mobile"),
        )
    ]
    assert (contact.created_at, contact.updated_at) == (NOW, LATER)


def test_revise_with_nothing_given_records_nothing() -> None:  # BSS-2
    contact = new_contact()
    contact.pull_events()
    contact.revise(ContactChanges(), LATER)
    assert contact.updated_at == NOW
    assert contact.pull_events() == []


@pytest.mark.parametrize(
    "bad",
    [
        ContactChanges(first_name="Grace", email="not-an-email"),
        ContactChanges(first_name="", phone="999"),
        ContactChanges(last_name="Hopper", fax="x" * 31),
    ],
    ids=["bad email", "blank first name", "long fax"],
)
def test_rejected_revise_changes_nothing_at_all(bad: ContactChanges) -> None:  # BSS-2
    contact = new_contact(email="ada@example.com", phone="111")
    before = contact.profile
    contact.pull_events()
    with pytest.raises(InvalidValue):
        contact.revise(bad, LATER)
    assert contact.profile == before
    assert contact.updated_at == NOW
    assert contact.pull_events() == []


# --- deactivation -------------------------------------------------------------------------------


def test_deactivate_makes_the_contact_inactive() -> None:  # BSS-2
    contact = new_contact()
    contact.deactivate(LATER)
    assert (contact.active, contact.updated_at) == (False, LATER)


def test_deactivate_twice_is_refused() -> None:  # BSS-2
    contact = new_contact()
    contact.deactivate(NOW)
    with pytest.raises(DomainError) as caught:
        contact.deactivate(LATER)
    assert (caught.value.code, caught.value.field) == ("already_inactive", "active")
    assert (contact.active, contact.updated_at) == (False, NOW)
