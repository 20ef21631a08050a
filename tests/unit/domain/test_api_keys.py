"""API keys: a portal token is bound to one contact, a staff key to none."""

from __future__ import annotations

import uuid

import pytest

from domain.crm.organization import ContactId
from domain.identity.access import STAFF_ROLES, ApiKey, ApiKeyId, Role
from domain.identity.tenant import TenantId
from domain.shared.errors import DomainError
from tests.support.factories import NOW


def key(role: Role, contact: ContactId | None) -> ApiKey:
    return ApiKey(
        id=ApiKeyId(uuid.uuid4()),
        tenant_id=TenantId(uuid.uuid4()),
        name="k",
        role=role,
        prefix="p",
        secret_hash="h",
        created_at=NOW,
        contact_id=contact,
    )


def test_a_portal_token_names_its_contact() -> None:
    contact = ContactId(uuid.uuid4())
    assert key(Role.PORTAL, contact).contact_id == contact
    with pytest.raises(DomainError) as caught:
        key(Role.PORTAL, None)
    assert caught.value.code == "portal_token_contact"


@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
def test_a_staff_key_belongs_to_no_contact(role: Role) -> None:
    assert key(role, None).contact_id is None
    with pytest.raises(DomainError):
        key(role, ContactId(uuid.uuid4()))


def test_the_portal_is_not_a_staff_role() -> None:
    assert Role.PORTAL not in STAFF_ROLES
