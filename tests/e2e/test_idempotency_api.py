"""Idempotency-Key on creating POSTs: replay, conflict, and one effect under concurrency."""

from __future__ import annotations

import asyncio

from tests.e2e.conftest import Client, TenantKeys


def keyed(tenant: TenantKeys, key: str) -> dict[str, str]:
    return {**tenant.headers(), "Idempotency-Key": key}


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
