"""/v1/organizations and /v1/contacts as a client sees them (BSS-1, BSS-2)."""

from __future__ import annotations

from typing import Any

import pytest

from domain.identity.access import Role
from tests.e2e.conftest import Client, TenantKeys

PROBLEM = "application/problem+json"

FULL = {
    "name": "Contoso Ltd",
    "type": "customer",
    "account_number": "C-1001",
    "billing_address": {
        "line1": "1 Main St",
        "line2": "Suite 5",
        "city": "Springfield",
        "state": "Illinois",
        "postal_code": "62701",
        "country": "United States",
    },
    "phone": "+1 555 0100",
    "fax": "+1 555 0101",
    "website": "https://contoso.example",
    "currency": "USD",
    "credit_limit": {"amount": "25000.00", "currency": "USD"},
}


async def count(client: Client, tenant: TenantKeys) -> int:
    page = await client.get("/v1/organizations?limit=200", headers=tenant.headers())
    return len(page.json()["items"])


async def create(client: Client, tenant: TenantKeys, **body: Any) -> dict[str, Any]:
    response = await client.post("/v1/organizations", json=body, headers=tenant.headers())
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_create_and_read_every_field(client: Client, acme: TenantKeys) -> None:  # BSS-1
    created = await create(client, acme, **FULL)
    read = await client.get(f"/v1/organizations/{created['id']}", headers=acme.headers())
    assert read.json() == created
    assert {k: created[k] for k in FULL} == FULL
    assert created["status"] == "active"


async def test_partial_update_changes_only_given_fields(client: Client, acme: TenantKeys) -> None:
    created = await create(client, acme, **FULL)
    patched = await client.patch(
        f"/v1/organizations/{created['id']}",
        json={"phone": "+1 555 0199", "fax": None},
        headers=acme.headers(Role.SALES),
    )
    assert patched.status_code == 200
    after = patched.json()
    assert after["phone"] == "+1 555 0199"
    assert after["fax"] is None
    unchanged = {k: v for k, v in created.items() if k not in ("phone", "fax", "updated_at")}
    assert {k: after[k] for k in unchanged} == unchanged


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"name": ""}, "name", 400),
        ({"name": "   "}, "name", 422),
        ({"name": "X", "nickname": "unknown field"}, "nickname", 400),
        ({"name": "X", "type": "alien"}, "type", 400),
        ({"name": "X", "phone": "1" * 31}, "phone", 400),
        ({"name": "X", "currency": "JPY"}, "currency", 422),
        (
            {"name": "X", "credit_limit": {"amount": "1.001", "currency": "USD"}},
            "credit_limit.amount",
            422,
        ),
        ({"name": "X", "credit_limit": {"amount": "-5", "currency": "USD"}}, "credit_limit", 422),
        (
            {"name": "X", "credit_limit": {"amount": "ten", "currency": "USD"}},
            "credit_limit.amount",
            400,
        ),
        ({"name": "X", "parent_id": "not-a-uuid"}, "parent_id", 400),
    ],
)
async def test_bad_input_is_a_problem_naming_the_field_and_creates_nothing(
    client: Client, acme: TenantKeys, body: dict[str, Any], field: str, status: int
) -> None:
    response = await client.post("/v1/organizations", json=body, headers=acme.headers())
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == status
    assert problem["type"].startswith("/problems/")
    assert field in [e["field"] for e in problem["errors"]]
    assert await count(client, acme) == 0


async def test_unsupported_currency_names_rule(client: Client, acme: TenantKeys) -> None:  # MON-2
    response = await client.post(
        "/v1/organizations", json={"name": "X", "currency": "BTC"}, headers=acme.headers()
    )
    assert response.json()["rule"] == "MON-2"
    assert "USD" in response.json()["detail"]


async def test_malformed_json_is_a_problem(client: Client, acme: TenantKeys) -> None:
    response = await client.post(
        "/v1/organizations",
        content=b'{"name": ',
        headers={**acme.headers(), "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM


async def test_rejected_update_leaves_the_organization_as_it_was(
    client: Client, acme: TenantKeys
) -> None:  # MON-4
    created = await create(client, acme, **FULL)
    path = f"/v1/organizations/{created['id']}"
    bad = await client.patch(
        path,
        json={"name": "Renamed", "credit_limit": {"amount": "10.00", "currency": "EUR"}},
        headers=acme.headers(),
    )
    assert bad.status_code == 422
    assert (await client.get(path, headers=acme.headers())).json() == created


async def test_parent_and_self_reference(client: Client, acme: TenantKeys) -> None:
    parent = await create(client, acme, name="Holding")
    child = await create(client, acme, name="Subsidiary", parent_id=parent["id"])
    assert child["parent_id"] == parent["id"]
    own = await client.patch(
        f"/v1/organizations/{parent['id']}",
        json={"bill_to_id": parent["id"]},
        headers=acme.headers(),
    )
    assert own.status_code == 422
    assert own.json()["errors"][0]["field"] == "bill_to_id"
    children = await client.get(
        f"/v1/organizations?parent_id={parent['id']}", headers=acme.headers()
    )
    assert [o["id"] for o in children.json()["items"]] == [child["id"]]


async def test_pagination_walks_every_row_exactly_once(client: Client, acme: TenantKeys) -> None:
    names = {f"Org {i:02}" for i in range(31)}
    for name in names:
        await create(client, acme, name=name)
    seen: list[str] = []
    cursor: str | None = None
    while True:
        query = "/v1/organizations?limit=7" + (f"&cursor={cursor}" if cursor else "")
        page = (await client.get(query, headers=acme.headers())).json()
        seen.extend(o["name"] for o in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(names)
    assert set(seen) == names


async def test_list_filters_by_status_type_and_search(client: Client, acme: TenantKeys) -> None:
    vendor = await create(client, acme, name="Ingram Micro", type="vendor")
    gone = await create(client, acme, name="Gone Ltd")
    await client.post(f"/v1/organizations/{gone['id']}/deactivate", headers=acme.headers())
    await create(client, acme, name="Contoso")

    async def ids(query: str) -> list[str]:
        page = await client.get(f"/v1/organizations?{query}", headers=acme.headers())
        return [o["id"] for o in page.json()["items"]]

    assert await ids("type=vendor") == [vendor["id"]]
    assert await ids("status=inactive") == [gone["id"]]
    assert await ids("q=INGRAM") == [vendor["id"]]
    assert len(await ids("status=active")) == 2


async def test_deactivate_twice_is_refused(client: Client, acme: TenantKeys) -> None:
    created = await create(client, acme, name="Once")
    path = f"/v1/organizations/{created['id']}/deactivate"
    assert (await client.post(path, headers=acme.headers())).status_code == 200
    again = await client.post(path, headers=acme.headers())
    assert again.status_code == 422
    assert again.json()["type"] == "/problems/already_inactive"


async def test_contacts_lifecycle(client: Client, acme: TenantKeys) -> None:  # BSS-2
    org = await create(client, acme, name="Contoso")
    body = {
        "organization_id": org["id"],
        "first_name": "Ada",
        "last_name": "Lovelace",
        "title": "CFO",
        "email": "ada@contoso.example",
        "phone": "555-0100",
        "mobile": "555-0101",
        "fax": "555-0102",
    }
    created = await client.post("/v1/contacts", json=body, headers=acme.headers(Role.SALES))
    assert created.status_code == 201
    contact = created.json()
    assert {k: contact[k] for k in body} == body
    patched = await client.patch(
        f"/v1/contacts/{contact['id']}", json={"mobile": None}, headers=acme.headers()
    )
    assert patched.json()["mobile"] is None
    assert patched.json()["email"] == body["email"]
    bad = await client.patch(
        f"/v1/contacts/{contact['id']}", json={"email": "not-an-email"}, headers=acme.headers()
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "email"
    listed = await client.get(f"/v1/contacts?organization_id={org['id']}", headers=acme.headers())
    assert [c["id"] for c in listed.json()["items"]] == [contact["id"]]
    done = await client.post(f"/v1/contacts/{contact['id']}/deactivate", headers=acme.headers())
    assert done.json()["active"] is False


async def test_default_contact_must_belong_to_the_organization(
    client: Client, acme: TenantKeys
) -> None:
    mine = await create(client, acme, name="Mine")
    other = await create(client, acme, name="Other")
    stranger = await client.post(
        "/v1/contacts",
        json={"organization_id": other["id"], "first_name": "Bo", "last_name": "Stranger"},
        headers=acme.headers(),
    )
    response = await client.patch(
        f"/v1/organizations/{mine['id']}",
        json={"default_contact_id": stranger.json()["id"]},
        headers=acme.headers(),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "default_contact_id"
