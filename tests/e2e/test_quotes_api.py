"""/v1/catalog and /v1/quotes as a client sees them (CAT-1, QUO-1, QUO-2, QUO-7)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from domain.identity.access import Role
from tests.e2e.conftest import Client, TenantKeys

PROBLEM = "application/problem+json"


async def post(client: Client, tenant: TenantKeys, path: str, body: Any, **kw: Any) -> Any:
    response = await client.post(path, json=body, headers=tenant.headers(**kw))
    assert response.status_code in (200, 201, 202), response.text
    return response.json()


async def organization(client: Client, tenant: TenantKeys) -> tuple[str, str]:
    org = await post(
        client, tenant, "/v1/organizations", {"name": "Contoso Ltd", "phone": "+1 555 0100"}
    )
    contact = await post(
        client,
        tenant,
        "/v1/contacts",
        {"organization_id": org["id"], "first_name": "Ada", "last_name": "Lovelace",
         "email": "ada@contoso.example"},
    )  # fmt: skip
    return org["id"], contact["id"]


async def catalog(client: Client, tenant: TenantKeys) -> dict[str, Any]:
    hardware = await post(client, tenant, "/v1/catalog/categories", {"name": "Hardware"})
    labor = await post(client, tenant, "/v1/catalog/categories", {"name": "Labor", "labor": True})
    onsite = await post(
        client, tenant, "/v1/catalog/categories", {"name": "Onsite", "parent_id": labor["id"]}
    )
    laptop = await post(
        client,
        tenant,
        "/v1/catalog/items",
        {"kind": "product", "sku": "LT-14", "name": "Laptop 14", "currency": "USD",
         "unit_price": "1200.00", "unit_cost": "950.00", "mpn": "X1C-G12",
         "category_id": hardware["id"]},
    )  # fmt: skip
    backup = await post(
        client,
        tenant,
        "/v1/catalog/items",
        {"kind": "service", "sku": "BK-1", "name": "Managed backup", "currency": "USD",
         "unit_price": "25.00", "unit_cost": "10.00", "period": "monthly"},
    )  # fmt: skip
    return {"laptop": laptop, "backup": backup, "onsite": onsite, "labor": labor}


LINES: list[dict[str, Any]] = [
    {"item_id": None, "quantity": "3", "tax_rate": "8.25",
     "discount": {"kind": "percent", "value": "10"}},
    {"item_id": None, "quantity": "10"},
    {"name": "Install", "quantity": "4", "unit_price": "150.00", "kind": "labor",
     "category": "Labor", "subcategory": "Onsite", "taxable": False},
]  # fmt: skip


def quote_body(org: str, contact: str, items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    lines = [dict(line) for line in LINES]
    lines[0]["item_id"], lines[1]["item_id"] = items["laptop"]["id"], items["backup"]["id"]
    return {
        "organization_id": org,
        "contact_id": contact,
        "owner_name": "Sam Seller",
        "title": "Office refresh",
        "currency": "USD",
        "expires_on": (datetime.now(UTC).date() + timedelta(days=30)).isoformat(),
        "lines": lines,
        "discount": {"kind": "amount", "value": "100.00"},
        **extra,
    }


async def test_catalog_items_keep_every_field(client: Client, acme: TenantKeys) -> None:
    items = await catalog(client, acme)  # CAT-1
    laptop = items["laptop"]
    read = await client.get(f"/v1/catalog/items/{laptop['id']}", headers=acme.headers(Role.SALES))
    assert read.json() == laptop
    assert (laptop["sku"], laptop["mpn"], laptop["unit_cost"]) == ("LT-14", "X1C-G12", "950.00")
    assert items["backup"]["recurring"] is True
    assert items["backup"]["period"] == "monthly"
    found = await client.get("/v1/catalog/items?q=x1c", headers=acme.headers())
    assert [i["sku"] for i in found.json()["items"]] == ["LT-14"]


async def test_sales_cannot_change_the_catalog(client: Client, acme: TenantKeys) -> None:
    response = await client.post(
        "/v1/catalog/categories", json={"name": "X"}, headers=acme.headers(Role.SALES)
    )
    assert response.status_code == 403


async def test_a_quote_from_the_catalog_has_its_totals(client: Client, acme: TenantKeys) -> None:
    org, contact = await organization(client, acme)
    items = await catalog(client, acme)
    quote = await post(client, acme, "/v1/quotes", quote_body(org, contact, items))
    assert quote["number"] == "Q-1001"  # QUO-1
    assert quote["status"] == "draft"
    laptop, backup, install = quote["lines"]
    assert (laptop["gross"], laptop["discount_amount"], laptop["net"]) == (
        "3600.00", "360.00", "3240.00",
    )  # fmt: skip
    assert install["labor"] is True  # the subcategory under a labor category (AT-4)
    assert backup["period"] == "monthly"
    assert backup["unit_cost"] == "10.00"
    totals = quote["totals"]  # QUO-2
    assert totals["one_time_subtotal"] == "3840.00"  # 3240 + 600
    assert totals["quote_discount"] == "100.00"
    # The laptop's share of the 100.00 discount is 3240/3840 of it: 84.38; tax 8.25% of 3155.62.
    assert totals["one_time_tax"] == "260.34"
    assert totals["one_time_total"] == "4000.34"
    assert totals["recurring"] == [
        {"period": "monthly", "subtotal": "250.00", "tax": "0.00", "total": "250.00"}
    ]
    assert totals["grand_total"] == "4250.34"
    assert totals["value"] == "3990.00"


async def test_bad_lines_are_refused_naming_the_field(client: Client, acme: TenantKeys) -> None:
    org, contact = await organization(client, acme)
    items = await catalog(client, acme)
    body = quote_body(org, contact, items)
    body["lines"][1]["quantity"] = "0"
    response = await client.post("/v1/quotes", json=body, headers=acme.headers())
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert "lines[1].quantity" in response.text
    listed = await client.get("/v1/quotes", headers=acme.headers())
    assert listed.json()["items"] == []  # nothing half-made


async def test_edit_publish_and_win(client: Client, acme: TenantKeys) -> None:
    org, contact = await organization(client, acme)
    items = await catalog(client, acme)
    quote = await post(client, acme, "/v1/quotes", quote_body(org, contact, items))
    qid = quote["id"]
    published = await post(client, acme, f"/v1/quotes/{qid}/publish", None, role=Role.SALES)
    assert (published["status"], published["revision"]) == ("published", 1)  # QUO-1
    line = quote["lines"][1]["id"]
    changed = await client.put(
        f"/v1/quotes/{qid}/lines/{line}",
        json={"item_id": items["backup"]["id"], "quantity": "12"},
        headers=acme.headers(),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["changed_since_publish"] is True
    again = await post(client, acme, f"/v1/quotes/{qid}/publish", None)
    assert again["revision"] == 2
    won = await post(client, acme, f"/v1/quotes/{qid}/won", None)
    assert won["status"] == "won"
    refused = await client.delete(f"/v1/quotes/{qid}/lines/{line}", headers=acme.headers())
    assert refused.status_code in (409, 422), refused.text
    assert "quote_closed" in refused.text


async def test_the_pdf_is_served(client: Client, acme: TenantKeys) -> None:  # QUO-7
    org, contact = await organization(client, acme)
    items = await catalog(client, acme)
    quote = await post(client, acme, "/v1/quotes", quote_body(org, contact, items))
    response = await client.get(f"/v1/quotes/{quote['id']}/pdf", headers=acme.headers())
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "Q-1001.pdf" in response.headers["content-disposition"]


async def test_another_tenants_quote_is_not_found(
    client: Client, acme: TenantKeys, globex: TenantKeys
) -> None:
    org, contact = await organization(client, acme)
    items = await catalog(client, acme)
    quote = await post(client, acme, "/v1/quotes", quote_body(org, contact, items))
    for path in (f"/v1/quotes/{quote['id']}", f"/v1/quotes/{quote['id']}/pdf"):
        response = await client.get(path, headers=globex.headers())
        assert response.status_code == 404


async def test_publishing_without_a_psa_needs_no_connection(
    client: Client, acme: TenantKeys
) -> None:
    org, contact = await organization(client, acme)
    items = await catalog(client, acme)
    quote = await post(client, acme, "/v1/quotes", quote_body(org, contact, items))
    search = await client.get("/v1/opportunities?search=x", headers=acme.headers())
    assert search.status_code in (409, 422), search.text
    assert "no_psa_connection" in search.text
    published = await post(client, acme, f"/v1/quotes/{quote['id']}/publish", None)
    assert published["status"] == "published"


async def test_an_inactive_item_goes_on_no_new_line(client: Client, acme: TenantKeys) -> None:
    org, contact = await organization(client, acme)
    items = await catalog(client, acme)  # CAT-1: deactivated, never deleted
    laptop = items["laptop"]
    body = {k: laptop[k] for k in ("kind", "sku", "name", "currency", "unit_price")}
    retired = await client.put(
        f"/v1/catalog/items/{laptop['id']}", json={**body, "active": False}, headers=acme.headers()
    )
    assert retired.json()["active"] is False
    response = await client.post(
        "/v1/quotes", json=quote_body(org, contact, items), headers=acme.headers()
    )
    assert response.status_code == 422
    assert "lines[0].item_id" in response.text


async def test_expired_is_listed_apart_from_published(client: Client, acme: TenantKeys) -> None:
    org, contact = await organization(client, acme)  # QUO-1: expired is read, not stored
    items = await catalog(client, acme)
    current = await post(client, acme, "/v1/quotes", quote_body(org, contact, items))
    await post(client, acme, f"/v1/quotes/{current['id']}/publish", None)
    old = await post(client, acme, "/v1/quotes", quote_body(org, contact, items))
    await post(client, acme, f"/v1/quotes/{old['id']}/publish", None)
    yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    aged = await client.patch(
        f"/v1/quotes/{old['id']}", json={"expires_on": yesterday}, headers=acme.headers()
    )
    assert aged.json()["status"] == "expired"

    async def listed(status: str) -> list[str]:
        page = await client.get(f"/v1/quotes?status={status}", headers=acme.headers())
        return [q["number"] for q in page.json()["items"]]

    assert await listed("expired") == [old["number"]]
    assert await listed("published") == [current["number"]]
