"""ConnectWise through the hub's API, against the sandbox over HTTP (CW-1, INT-2, INT-3)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from adapters.sandboxes.connectwise.app import SANDBOX_CREDENTIALS
from domain.identity.access import Role
from entrypoints.containers import build_container
from entrypoints.http.app import create_app
from entrypoints.servers import serve_asgi
from tests.conftest import settings_for
from tests.e2e.conftest import Client, TenantKeys
from tests.support.connectwise import ConnectWiseSandbox, served_connectwise


@pytest.fixture
def cw() -> Iterator[ConnectWiseSandbox]:
    yield from served_connectwise()


def connectwise(base_url: str, **credentials: str) -> dict[str, Any]:
    return {
        "system": "connectwise",
        "name": "ConnectWise",
        "base_url": base_url,
        "credentials": {**SANDBOX_CREDENTIALS, **credentials},
    }


async def connect(client: Client, tenant: TenantKeys, body: dict[str, Any]) -> str:
    response = await client.post("/v1/connections", json=body, headers=tenant.headers())
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_the_choices_offered_come_from_the_instances_own_lookups_cw_1(
    client: Client, acme: TenantKeys, cw: ConnectWiseSandbox
) -> None:
    connection = await connect(client, acme, connectwise(cw.url))
    cw.record("company/companies/types", name="Managed Client")  # the instance's own entry
    response = await client.get(
        f"/v1/connections/{connection}/choices", headers=acme.headers(Role.MANAGER)
    )
    assert response.status_code == 200, response.text
    offered = response.json()["settings"]
    assert offered["company_type"] == ["Customer", "Prospect", "Vendor", "Managed Client"]
    assert offered["pull_company_types"] == offered["company_type"]
    assert offered["company_status"] == ["Active", "Inactive"]  # Not-Approved is inactive
    assert offered["contact_type"] == ["Approver", "End User", "Decision Maker"]
    assert offered["new_quote.stage"] == ["Prospect", "Quote", "Closed Won", "Closed Lost"]
    assert offered["new_quote.status"] == ["Open", "Won", "Lost"]
    assert offered["new_quote.type"] == ["IT:Infrastructure", "Managed Services"]
    assert offered["new_quote.location"] == ["Headquarters", "Branch"]
    assert offered["new_quote.department"] == ["Sales", "Professional Services"]
    assert offered["new_quote.default_employee"] == ["q2capi", "asmith", "bjones"]
    assert offered["product_type"] == ["Hardware", "Miscellaneous", "Software"]
    assert offered["default_category.category"] == ["Hardware", "Software", "Services"]
    assert "Networking" in offered["default_category.subcategory"]


async def test_choices_are_for_managers_of_the_tenant_only(
    client: Client, acme: TenantKeys, globex: TenantKeys, cw: ConnectWiseSandbox
) -> None:
    connection = await connect(client, acme, connectwise(cw.url))
    path = f"/v1/connections/{connection}/choices"
    sales = await client.get(path, headers=acme.headers(Role.SALES))
    assert sales.status_code == 403
    other = await client.get(path, headers=globex.headers())
    assert other.status_code == 404
    assert other.headers["content-type"].startswith("application/problem+json")


async def test_choices_failing_at_connectwise_carry_its_message(
    client: Client, acme: TenantKeys, cw: ConnectWiseSandbox
) -> None:
    connection = await connect(client, acme, connectwise(cw.url, private_key="wrong"))
    response = await client.get(f"/v1/connections/{connection}/choices", headers=acme.headers())
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"].startswith("ConnectWise did not accept the keys")


async def test_a_system_without_lookup_choices_answers_a_conflict(
    client: Client, acme: TenantKeys
) -> None:
    body = {
        "system": "autotask",
        "name": "Autotask",
        "base_url": "http://127.0.0.1:9",
        "credentials": {"username": "u@x", "secret": "s", "integration_code": "C"},
    }
    connection = await connect(client, acme, body)
    response = await client.get(f"/v1/connections/{connection}/choices", headers=acme.headers())
    assert response.status_code == 409
    assert "offers no choices" in response.json()["detail"]


@pytest.fixture
async def served_hub(database_url: str) -> AsyncIterator[str]:
    """The hub's app over real HTTP, for a sandbox to call back (its own container)."""
    app_container = build_container(settings_for(database_url))
    with serve_asgi(create_app(app_container)) as url:
        yield url


async def _jobs(http: httpx.AsyncClient, tenant: TenantKeys) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (await http.get("/v1/sync/jobs", headers=tenant.headers())).json()
    return found


KEY = "hook-secret-0123456789ab-1234"  # 24 characters at least (CW-8)


async def test_a_connectwise_callback_pulls_the_changed_company_now_cw_8(
    served_hub: str, acme: TenantKeys, cw: ConnectWiseSandbox
) -> None:
    async with httpx.AsyncClient(base_url=served_hub, timeout=10) as http:
        body = connectwise(cw.url, callback_key=KEY)
        body["settings"] = {"pull_organizations": True}
        made = await http.post("/v1/connections", json=body, headers=acme.headers())
        assert made.status_code == 201, made.text
        connection = made.json()["id"]
        assert made.json()["credentials"]["callback_key"] == "****1234"  # write-only
        short = connectwise(cw.url, callback_key="1234")
        refused = await http.post("/v1/connections", json=short, headers=acme.headers())
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "credentials.callback_key"
        hook = f"{served_hub}/hooks/connectwise/{connection}"
        entry = {
            "url": f"{hook}?key=hook-secret-0123456789ab-1234",
            "objectId": 1,
            "level": "owner",
        }
        for kind in ("company", "ticket"):
            cw.call("POST", "system/callbacks", json={**entry, "type": kind}).raise_for_status()
        assert await _jobs(http, acme) == []
        cw.record(  # entered by a ConnectWise user: the sandbox calls the hook back
            "company/companies",
            identifier="HARBOR",
            name="Harbor Clinic",
            city="Perth",
            deletedFlag=False,
            status={"id": cw.lookup_id("company/companies/statuses", "Active")},
            types=[{"id": cw.lookup_id("company/companies/types", "Customer")}],
        )
        for _ in range(100):
            if jobs := await _jobs(http, acme):
                break
            await asyncio.sleep(0.05)
        assert [(j["connection_id"], j["entity"]) for j in jobs] == [
            (connection, "organization+contact")
        ]
        # Not the key: 404, as for a connection that takes no callbacks; a type not pulled: 200.
        payload = {"Action": "updated", "Type": "company", "ID": 1, "Entity": "{}"}
        wrong = await http.post(f"{hook}?key=guessed-key", json=payload)
        assert wrong.status_code == 404
        assert wrong.headers["content-type"].startswith("application/problem+json")
        ticket = await http.post(
            f"{hook}?key=hook-secret-0123456789ab-1234", json={**payload, "Type": "ticket"}
        )
        assert (ticket.status_code, ticket.json()) == (200, {"pull_requested": False})


async def test_a_connection_without_a_callback_key_takes_no_callbacks_cw_8(
    served_hub: str, acme: TenantKeys, cw: ConnectWiseSandbox
) -> None:
    async with httpx.AsyncClient(base_url=served_hub, timeout=10) as http:
        body = {**connectwise(cw.url), "settings": {"pull_organizations": True}}
        made = await http.post("/v1/connections", json=body, headers=acme.headers())
        hook = f"/hooks/connectwise/{made.json()['id']}?key=anything"
        answer = await http.post(hook, json={"Action": "added", "Type": "company", "ID": 7})
        assert answer.status_code == 404
