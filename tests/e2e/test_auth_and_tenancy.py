"""Every /v1 route needs a key; roles are checked; another tenant's objects do not exist."""

from __future__ import annotations

import re
import uuid

from litestar import Litestar

from domain.identity.access import Role
from tests.e2e.conftest import Client, TenantKeys

PROBLEM = "application/problem+json"


def v1_routes(app: Litestar) -> list[tuple[str, str]]:
    routes: list[tuple[str, str]] = []
    for route in app.routes:
        if not route.path.startswith("/v1"):
            continue
        path = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), route.path)
        routes.extend(
            (method, path) for method in sorted(route.methods) if method not in ("HEAD", "OPTIONS")
        )
    return routes


async def test_every_v1_route_refuses_a_missing_or_bad_key(
    client: Client,
    acme: TenantKeys,
) -> None:
    routes = v1_routes(client.app)
    assert len(routes) >= 12
    bad = {"Authorization": "Bearer q2c_000000000000_" + "x" * 43}
    for method, path in routes:
        for headers in ({}, bad, {"Authorization": acme.keys[Role.ADMIN]}):
            response = await client.request(method, path, headers=headers, json={})
            assert response.status_code == 401, (method, path, headers)
            assert response.headers["content-type"] == PROBLEM
            assert response.headers["www-authenticate"] == "Bearer"


async def test_revoked_key_stops_working_at_once(client: Client, acme: TenantKeys) -> None:
    created = await client.post(
        "/v1/api-keys", json={"name": "temp", "role": "sales"}, headers=acme.headers()
    )
    assert created.status_code == 201
    temp = {"Authorization": f"Bearer {created.json()['key']}"}
    assert (await client.get("/v1/organizations", headers=temp)).status_code == 200
    revoked = await client.post(
        f"/v1/api-keys/{created.json()['id']}/revoke", headers=acme.headers()
    )
    assert revoked.status_code == 200
    assert (await client.get("/v1/organizations", headers=temp)).status_code == 401


async def test_key_is_shown_once_and_listed_without_secret(
    client: Client, acme: TenantKeys
) -> None:
    created = (
        await client.post(
            "/v1/api-keys", json={"name": "ci", "role": "manager"}, headers=acme.headers()
        )
    ).json()
    listed = (await client.get("/v1/api-keys", headers=acme.headers())).json()
    assert created["key"].startswith(f"q2c_{created['prefix']}_")
    assert all("key" not in k and "secret_hash" not in k for k in listed)
    assert created["key"] not in str(listed)


async def test_roles_are_checked_on_routes(client: Client, acme: TenantKeys) -> None:
    sales, manager = acme.headers(Role.SALES), acme.headers(Role.MANAGER)
    org = (await client.post("/v1/organizations", json={"name": "Initech"}, headers=sales)).json()
    denied = await client.post(f"/v1/organizations/{org['id']}/deactivate", headers=sales)
    assert denied.status_code == 403
    assert denied.headers["content-type"] == PROBLEM
    assert (await client.get(f"/v1/organizations/{org['id']}", headers=sales)).json()[
        "status"
    ] == "active"
    for path, body in (
        ("/v1/api-keys", {"name": "x", "role": "admin"}),
        ("/v1/tenant/currency", {"currency": "USD"}),
    ):
        assert (await client.post(path, json=body, headers=manager)).status_code == 403
    assert (await client.get("/v1/api-keys", headers=sales)).status_code == 403
    allowed = await client.post(f"/v1/organizations/{org['id']}/deactivate", headers=manager)
    assert allowed.status_code == 200
    assert allowed.json()["status"] == "inactive"


async def test_another_tenants_organization_is_not_found(
    client: Client, acme: TenantKeys, globex: TenantKeys
) -> None:
    theirs = (
        await client.post(
            "/v1/organizations", json={"name": "Globex Corp"}, headers=globex.headers()
        )
    ).json()
    path = f"/v1/organizations/{theirs['id']}"
    mine = acme.headers()
    assert (await client.get(path, headers=mine)).status_code == 404
    assert (await client.patch(path, json={"name": "Hijacked"}, headers=mine)).status_code == 404
    assert (await client.post(f"{path}/deactivate", headers=mine)).status_code == 404
    listed = (await client.get("/v1/organizations?limit=200", headers=mine)).json()["items"]
    assert theirs["id"] not in {o["id"] for o in listed}
    contact = await client.post(
        "/v1/contacts",
        json={"organization_id": theirs["id"], "first_name": "Eve", "last_name": "Spy"},
        headers=mine,
    )
    assert contact.status_code == 422
    assert contact.json()["errors"][0]["field"] == "organization_id"
    child = await client.post(
        "/v1/organizations", json={"name": "Sub", "parent_id": theirs["id"]}, headers=mine
    )
    assert child.status_code == 422
    assert child.json()["errors"][0]["field"] == "parent_id"
    unchanged = (await client.get(path, headers=globex.headers())).json()
    assert unchanged == theirs


async def test_tenant_currency_is_set_once(client: Client, acme: TenantKeys) -> None:  # MON-3
    tenant = (await client.get("/v1/tenant", headers=acme.headers(Role.SALES))).json()
    assert tenant["currency"] == "USD"
    for currency in ("EUR", "USD"):
        again = await client.post(
            "/v1/tenant/currency", json={"currency": currency}, headers=acme.headers()
        )
        assert again.status_code == 422
        assert again.json()["rule"] == "MON-3"
        assert again.json()["errors"][0]["field"] == "currency"
    assert (await client.get("/v1/tenant", headers=acme.headers())).json()["currency"] == "USD"
