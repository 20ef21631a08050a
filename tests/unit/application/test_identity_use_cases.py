"""Identity use cases against the in-memory fakes: tenants, API keys, authentication (MON-3)."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from adapters.persistence.memory import (
    InMemoryDatabase,
    InMemoryDirectory,
    InMemoryUnitOfWorkFactory,
)
from adapters.security.api_keys import Sha256ApiKeySecrets
from application.identity.ports import Principal
from application.identity.queries import IdentityQueries
from application.identity.use_cases import (
    Authenticate,
    CreateTenant,
    IssueApiKey,
    NewTenant,
    RevokeApiKey,
    SetTenantCurrency,
)
from application.shared.errors import Conflict
from application.shared.unit_of_work import UnitOfWorkFactory
from domain.identity.access import STAFF_ROLES, ApiKey, Role
from domain.identity.tenant import Tenant
from domain.shared.errors import CurrencyAlreadySet, DomainError, InvalidValue
from domain.shared.money import Currency
from tests.support.clock import FixedClock

NOW = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Identity:
    db: InMemoryDatabase
    create_tenant: CreateTenant
    issue_key: IssueApiKey
    revoke_key: RevokeApiKey
    set_currency: SetTenantCurrency
    authenticate: Authenticate
    queries: IdentityQueries


@pytest.fixture
def identity() -> Identity:
    db = InMemoryDatabase()
    uow: UnitOfWorkFactory = InMemoryUnitOfWorkFactory(db)  # checked against the port
    directory, secrets, clock = InMemoryDirectory(db), Sha256ApiKeySecrets(), FixedClock(NOW)
    return Identity(
        db,
        CreateTenant(uow, directory, secrets, clock, uuid.uuid4),
        IssueApiKey(uow, secrets, clock, uuid.uuid4),
        RevokeApiKey(uow, clock),
        SetTenantCurrency(uow, clock),
        Authenticate(directory, secrets, clock),
        IdentityQueries(uow),
    )


@pytest.fixture
async def acme(identity: Identity) -> NewTenant:
    return await identity.create_tenant("Acme IT", None)


def stored_keys(identity: Identity) -> list[ApiKey]:
    return list(identity.db.table(ApiKey).values())


# --- tenants ------------------------------------------------------------------------------------


async def test_create_tenant_stores_it_with_its_currency(identity: Identity) -> None:  # MON-3
    made = await identity.create_tenant("Globex MSP", Currency.EUR)
    read = await identity.queries.tenant(made.tenant.id)
    assert (read.name, read.currency, read.created_at) == ("Globex MSP", Currency.EUR, NOW)


async def test_create_tenant_issues_a_first_admin_key(acme: NewTenant, identity: Identity) -> None:
    keys = await identity.queries.api_keys(acme.tenant.id)
    assert [(k.id, k.role, k.active) for k in keys] == [(acme.admin_key.key.id, Role.ADMIN, True)]


@pytest.mark.parametrize("name", ["Acme IT", "  Acme IT  "])
async def test_duplicate_tenant_name_is_a_conflict(
    acme: NewTenant, identity: Identity, name: str
) -> None:
    with pytest.raises(Conflict) as caught:
        await identity.create_tenant(name, Currency.USD)
    assert caught.value.field == "name"
    assert len(identity.db.table(Tenant)) == 1


async def test_blank_tenant_name_is_refused_and_nothing_stored(identity: Identity) -> None:
    with pytest.raises(InvalidValue) as caught:
        await identity.create_tenant("   ", None)
    assert caught.value.field == "name"
    assert identity.db.table(Tenant) == {}
    assert stored_keys(identity) == []


# --- currency (MON-3) ---------------------------------------------------------------------------


async def test_set_currency_once_is_stored(acme: NewTenant, identity: Identity) -> None:  # MON-3
    await identity.set_currency(acme.tenant.id, Currency.GBP)
    assert (await identity.queries.tenant(acme.tenant.id)).currency is Currency.GBP


@pytest.mark.parametrize("second", [Currency.USD, Currency.CAD])
async def test_second_currency_set_is_refused(
    acme: NewTenant, identity: Identity, second: Currency
) -> None:  # MON-3
    await identity.set_currency(acme.tenant.id, Currency.USD)
    with pytest.raises(CurrencyAlreadySet) as caught:
        await identity.set_currency(acme.tenant.id, second)
    assert caught.value.rule == "MON-3"
    assert (await identity.queries.tenant(acme.tenant.id)).currency is Currency.USD


async def test_currency_given_at_creation_cannot_be_set_again(identity: Identity) -> None:  # MON-3
    made = await identity.create_tenant("Initech", Currency.AUD)
    with pytest.raises(CurrencyAlreadySet):
        await identity.set_currency(made.tenant.id, Currency.NZD)
    assert (await identity.queries.tenant(made.tenant.id)).currency is Currency.AUD


# --- authentication -----------------------------------------------------------------------------


async def test_issued_admin_key_authenticates_as_its_tenant(
    acme: NewTenant, identity: Identity
) -> None:
    principal = await identity.authenticate(acme.admin_key.plaintext)
    assert principal == Principal(
        tenant_id=acme.tenant.id, key_id=acme.admin_key.key.id, role="admin"
    )


@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
async def test_issued_key_carries_its_role(acme: NewTenant, identity: Identity, role: Role) -> None:
    issued = await identity.issue_key(acme.tenant.id, "bot", role)
    principal = await identity.authenticate(issued.plaintext)
    assert principal is not None
    assert (principal.tenant_id, principal.role) == (acme.tenant.id, role.value)


async def test_revoked_key_does_not_authenticate(acme: NewTenant, identity: Identity) -> None:
    issued = await identity.issue_key(acme.tenant.id, "laptop", Role.SALES)
    await identity.revoke_key(acme.tenant.id, issued.key.id)
    assert await identity.authenticate(issued.plaintext) is None
    assert await identity.authenticate(acme.admin_key.plaintext) is not None


async def test_revoking_twice_is_refused(acme: NewTenant, identity: Identity) -> None:
    key_id = acme.admin_key.key.id
    await identity.revoke_key(acme.tenant.id, key_id)
    with pytest.raises(DomainError) as caught:
        await identity.revoke_key(acme.tenant.id, key_id)
    assert caught.value.code == "key_revoked"


async def test_unknown_well_shaped_key_does_not_authenticate(
    acme: NewTenant, identity: Identity
) -> None:
    never_stored = Sha256ApiKeySecrets().issue().plaintext
    assert await identity.authenticate(never_stored) is None


async def test_known_prefix_with_a_wrong_secret_does_not_authenticate(
    acme: NewTenant, identity: Identity
) -> None:
    plaintext = acme.admin_key.plaintext
    forged = plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B")
    assert await identity.authenticate(forged) is None


@pytest.mark.parametrize(
    "presented",
    [
        "",
        "Bearer",
        "not-a-key",
        "q2c_short_secret",
        "q2c_abcdefabcdef_tooshort",
        "Q2C_abcdefabcdef_" + "a" * 43,
        "q2c_abcdefabcdef_" + "a" * 44,
    ],
)
async def test_malformed_key_does_not_authenticate(
    acme: NewTenant, identity: Identity, presented: str
) -> None:
    assert await identity.authenticate(presented) is None


async def test_key_with_trailing_garbage_does_not_authenticate(
    acme: NewTenant, identity: Identity
) -> None:
    assert await identity.authenticate(acme.admin_key.plaintext + "x") is None


# --- secrets are never stored -------------------------------------------------------------------


async def test_only_the_hash_of_the_key_is_stored(acme: NewTenant, identity: Identity) -> None:
    plaintext = acme.admin_key.plaintext
    [stored] = stored_keys(identity)
    assert stored.secret_hash != plaintext
    assert stored.secret_hash == hashlib.sha256(plaintext.encode()).hexdigest()


async def test_the_plaintext_appears_in_no_stored_attribute(
    acme: NewTenant, identity: Identity
) -> None:
    second = await identity.issue_key(acme.tenant.id, "second", Role.MANAGER)
    plaintexts = [acme.admin_key.plaintext, second.plaintext]
    for row in [*stored_keys(identity), *identity.db.table(Tenant).values()]:
        for value in vars(row).values():
            assert all(p not in repr(value) for p in plaintexts)


async def test_issued_key_plaintext_is_not_on_the_key_object(
    acme: NewTenant, identity: Identity
) -> None:
    issued = await identity.issue_key(acme.tenant.id, "ci", Role.SALES)
    assert all(issued.plaintext not in repr(v) for v in vars(issued.key).values())
    [listed] = [k for k in await identity.queries.api_keys(acme.tenant.id) if k.id == issued.key.id]
    assert all(issued.plaintext not in repr(v) for v in vars(listed).values())


# --- tenant isolation (SPEC §0) -----------------------------------------------------------------


async def test_api_key_listing_is_scoped_to_the_tenant(
    acme: NewTenant, identity: Identity
) -> None:  # SPEC §0
    other = await identity.create_tenant("Umbrella IT", None)
    keys = await identity.queries.api_keys(other.tenant.id)
    assert [k.id for k in keys] == [other.admin_key.key.id]
