"""Idempotency-Key on creating POSTs: replay, conflict, one effect, and never borrowed.

A kept answer is replayed to the API key that asked for it only, after its role is checked
again (SPEC section 0); answers carrying a secret are kept sealed (INT-1's rule for secrets).
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from adapters.persistence import tables
from domain.identity.access import Role
from entrypoints.containers import Container
from tests.e2e.conftest import Client, TenantKeys

pytestmark = pytest.mark.both_databases  # the database shows through here


def keyed(tenant: TenantKeys, key: str, role: Role = Role.ADMIN) -> dict[str, str]:
    return {**tenant.headers(role), "Idempotency-Key": key}


async def a_contact(client: Client, tenant: TenantKeys) -> str:
    org = await client.post(
        "/v1/organizations", json={"name": "Portal Co"}, headers=keyed(tenant, "o")
    )
    contact = await client.post(
        "/v1/contacts",
        json={"organization_id": org.json()["id"], "first_name": "Pat", "last_name": "Payer"},
        headers=tenant.headers(),
    )
    assert contact.status_code == 201, contact.text
    contact_id: str = contact.json()["id"]
    return contact_id


async def organizations_named(client: Client, tenant: TenantKeys, name: str) -> int:
    page = await client.get(f"/v1/organizations?q={name}&limit=200", headers=tenant.headers())
    return sum(o["name"] == name for o in page.json()["items"])


async def test_same_key_and_body_replays_the_first_answer(
    client: Client, acme: TenantKeys
) -> None:  # PAY-15
    first = await client.post(
        "/v1/organizations", json={"name": "Once"}, headers=keyed(acme, "k-1")
    )
    second = await client.post(
        "/v1/organizations", json={"name": "Once"}, headers=keyed(acme, "k-1")
    )
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert await organizations_named(client, acme, "Once") == 1


async def test_same_key_with_another_body_is_a_conflict(client: Client, acme: TenantKeys) -> None:
    await client.post("/v1/organizations", json={"name": "First"}, headers=keyed(acme, "k-2"))
    other = await client.post(
        "/v1/organizations", json={"name": "Second"}, headers=keyed(acme, "k-2")
    )
    assert other.status_code == 409
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["type"] == "/problems/idempotency_key_reused"
    assert await organizations_named(client, acme, "Second") == 0


async def test_keys_belong_to_one_tenant(
    client: Client, acme: TenantKeys, globex: TenantKeys
) -> None:
    mine = await client.post("/v1/organizations", json={"name": "Ours"}, headers=keyed(acme, "k"))
    theirs = await client.post(
        "/v1/organizations", json={"name": "Ours"}, headers=keyed(globex, "k")
    )
    assert theirs.status_code == 201
    assert theirs.json()["id"] != mine.json()["id"]


async def test_rejected_request_is_replayed_as_rejected(client: Client, acme: TenantKeys) -> None:
    bad = {"name": "X", "currency": "XYZ"}
    first = await client.post("/v1/organizations", json=bad, headers=keyed(acme, "k-bad"))
    again = await client.post("/v1/organizations", json=bad, headers=keyed(acme, "k-bad"))
    assert first.status_code == again.status_code == 422
    assert again.json() == first.json()


async def test_concurrent_requests_with_one_key_create_one_organization(
    client: Client, acme: TenantKeys
) -> None:  # PAY-15
    responses = await asyncio.gather(
        *(
            client.post("/v1/organizations", json={"name": "Racer"}, headers=keyed(acme, "race"))
            for _ in range(8)
        )
    )
    codes = sorted(r.status_code for r in responses)
    assert set(codes) <= {201, 409}
    assert 201 in codes
    created_ids = {r.json()["id"] for r in responses if r.status_code == 201}
    assert len(created_ids) == 1
    assert await organizations_named(client, acme, "Racer") == 1


async def test_overlong_key_is_refused(client: Client, acme: TenantKeys) -> None:
    response = await client.post(
        "/v1/organizations", json={"name": "X"}, headers=keyed(acme, "k" * 300)
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"


# --- never borrowed (SPEC section 0, PAY-15) ---------------------------------------------------


async def test_an_admins_new_api_key_is_not_replayed_to_a_sales_key(
    client: Client, acme: TenantKeys
) -> None:
    body = {"name": "ops robot", "role": "admin"}
    made = await client.post("/v1/api-keys", json=body, headers=keyed(acme, "ops-1"))
    assert made.status_code == 201
    borrowed = await client.post(
        "/v1/api-keys", json=body, headers=keyed(acme, "ops-1", Role.SALES)
    )
    assert borrowed.status_code == 403
    assert "idempotent-replayed" not in borrowed.headers
    assert made.json()["key"] not in borrowed.text
    assert made.json()["id"] not in borrowed.text


async def test_a_portal_token_is_not_replayed_to_a_sales_key(
    client: Client, acme: TenantKeys
) -> None:
    url = f"/v1/contacts/{await a_contact(client, acme)}/portal-tokens"
    made = await client.post(url, headers=keyed(acme, "pt-1"))
    assert made.status_code == 201
    borrowed = await client.post(url, headers=keyed(acme, "pt-1", Role.SALES))
    assert borrowed.status_code == 403
    assert made.json()["key"] not in borrowed.text


async def test_a_403_is_never_kept_so_an_admin_is_not_replayed_it(
    client: Client, acme: TenantKeys
) -> None:
    body = {"name": "asked by sales first", "role": "sales"}
    refused = await client.post("/v1/api-keys", json=body, headers=keyed(acme, "ops-3", Role.SALES))
    assert refused.status_code == 403
    again = await client.post("/v1/api-keys", json=body, headers=keyed(acme, "ops-3", Role.SALES))
    assert again.status_code == 403
    assert "idempotent-replayed" not in again.headers
    admin = await client.post("/v1/api-keys", json=body, headers=keyed(acme, "ops-3"))
    assert admin.status_code == 201
    assert "idempotent-replayed" not in admin.headers


async def test_another_api_keys_same_idempotency_key_is_another_request(
    client: Client, acme: TenantKeys
) -> None:
    second_admin = await client.post(
        "/v1/api-keys", json={"name": "second admin", "role": "admin"}, headers=acme.headers()
    )
    other = {"Authorization": f"Bearer {second_admin.json()['key']}", "Idempotency-Key": "k-9"}
    mine = await client.post("/v1/organizations", json={"name": "Mine"}, headers=keyed(acme, "k-9"))
    theirs = await client.post("/v1/organizations", json={"name": "Mine"}, headers=other)
    assert mine.status_code == theirs.status_code == 201
    assert "idempotent-replayed" not in theirs.headers
    assert theirs.json()["id"] != mine.json()["id"]


# --- no secret kept in clear -------------------------------------------------------------------


async def kept_bodies(container: Container, tenant: TenantKeys) -> list[bytes]:
    rows = tables.idempotency_keys
    async with container.persistence.sessions()() as session:
        found = await session.scalars(
            select(rows.c.body).where(rows.c.tenant_id == tenant.tenant_id)
        )
        return [body for body in found if body is not None]


async def test_answers_carrying_a_secret_are_kept_sealed_and_replayed_to_their_key(
    client: Client, acme: TenantKeys, container: Container
) -> None:  # INT-1: secrets are never stored in clear
    made = await client.post(
        "/v1/api-keys", json={"name": "robot", "role": "manager"}, headers=keyed(acme, "sec-1")
    )
    token = await client.post(
        f"/v1/contacts/{await a_contact(client, acme)}/portal-tokens", headers=keyed(acme, "sec-2")
    )
    secrets = [made.json()["key"].encode(), token.json()["key"].encode()]
    kept = await kept_bodies(container, acme)
    assert kept
    assert not [body for body in kept for secret in secrets if secret in body]
    assert not [body for body in kept if b"robot" in body]  # every kept answer is sealed
    replay = await client.post(
        "/v1/api-keys", json={"name": "robot", "role": "manager"}, headers=keyed(acme, "sec-1")
    )
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == made.json()
