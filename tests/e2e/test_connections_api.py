"""/v1/connections and /v1/sync as a client sees them (INT-1..3, INT-6, PAY-10, PAY-12)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select

from adapters.persistence import tables
from adapters.sandboxes.autotask.app import create_autotask_sandbox
from adapters.sandboxes.kit.faults import Faults
from application.integrations.worker import OutboxWorker, WorkerSettings
from domain.identity.access import Role
from entrypoints.containers import Container
from entrypoints.servers import serve_asgi
from tests.e2e.conftest import Client, TenantKeys
from tests.support.sync import set_aside_leftovers

SECRET = "s3cr3t-value-that-must-never-show"


@pytest.fixture
def sandbox() -> Iterator[str]:
    with serve_asgi(create_autotask_sandbox(Faults())) as base:
        yield base


def autotask(base_url: str, secret: str = "sandbox-secret", **extra: Any) -> dict[str, Any]:
    return {
        "system": "autotask",
        "name": "Autotask",
        "base_url": base_url,
        "credentials": {
            "username": "sandbox@q2c.local",
            "secret": secret,
            "integration_code": "Q2CSANDBOX",
        },
        **extra,
    }


async def connect(client: Client, tenant: TenantKeys, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/v1/connections", json=body, headers=tenant.headers())
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_credentials_are_write_only_and_encrypted_at_rest(
    client: Client, acme: TenantKeys, container: Container
) -> None:  # INT-1
    created = await connect(client, acme, autotask("http://127.0.0.1:9", secret=SECRET))
    assert created["credentials"]["secret"] == "****show"
    for response in (
        created,
        (await client.get("/v1/connections", headers=acme.headers())).json(),
        (
            await client.get(f"/v1/connections/{created['id']}", headers=acme.headers(Role.SALES))
        ).json(),
    ):
        assert SECRET not in str(response)
    async with container.persistence.sessions()() as session:
        stored = await session.scalar(
            select(tables.connections.c.credentials_ciphertext).where(
                tables.connections.c.id == UUID(created["id"])
            )
        )
    assert stored is not None
    assert SECRET.encode() not in stored


async def test_connecting_gives_working_default_settings(client: Client, acme: TenantKeys) -> None:
    created = await connect(client, acme, autotask("http://127.0.0.1:9"))  # INT-3
    assert created["settings"]["push_organizations"] is True
    assert created["settings"]["hub_id_udf"] == "Q2C Hub ID"
    path = f"/v1/connections/{created['id']}/settings"
    changed = await client.patch(path, json={"company_type": 3}, headers=acme.headers())
    assert changed.json()["company_type"] == 3
    assert changed.json()["push_organizations"] is True


async def test_missing_credentials_are_named(client: Client, acme: TenantKeys) -> None:  # INT-1
    body = autotask("http://127.0.0.1:9")
    del body["credentials"]["secret"]
    response = await client.post("/v1/connections", json=body, headers=acme.headers())
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "credentials.secret"


async def test_one_psa_enabled_at_a_time(client: Client, acme: TenantKeys) -> None:  # PAY-10
    first = await connect(client, acme, autotask("http://127.0.0.1:9"))
    second = await client.post(
        "/v1/connections", json=autotask("http://127.0.0.1:8"), headers=acme.headers()
    )
    assert second.status_code == 409
    assert second.json()["errors"][0]["field"] == "system"
    await client.patch(
        f"/v1/connections/{first['id']}", json={"enabled": False}, headers=acme.headers()
    )
    assert (
        await client.post(
            "/v1/connections", json=autotask("http://127.0.0.1:8"), headers=acme.headers()
        )
    ).status_code == 201


async def test_only_admins_configure_and_other_tenants_see_nothing(
    client: Client, acme: TenantKeys, globex: TenantKeys
) -> None:
    denied = await client.post(
        "/v1/connections", json=autotask("http://127.0.0.1:9"), headers=acme.headers(Role.MANAGER)
    )
    assert denied.status_code == 403
    created = await connect(client, acme, autotask("http://127.0.0.1:9"))
    theirs = await client.get(f"/v1/connections/{created['id']}", headers=globex.headers())
    assert theirs.status_code == 404
    assert (await client.get("/v1/connections", headers=globex.headers())).json() == []


async def test_testing_a_connection_reports_the_vendors_reason(
    client: Client, acme: TenantKeys, sandbox: str
) -> None:  # INT-2
    good = await connect(client, acme, autotask(sandbox))
    tested = await client.post(f"/v1/connections/{good['id']}/test", headers=acme.headers())
    assert (tested.json()["status"], tested.json()["status_reason"]) == ("connected", None)
    await client.patch(
        f"/v1/connections/{good['id']}",
        json={"credentials": autotask(sandbox, secret="wrong")["credentials"]},
        headers=acme.headers(),
    )
    failing = (
        await client.post(f"/v1/connections/{good['id']}/test", headers=acme.headers())
    ).json()
    assert failing["status"] == "failing"
    assert "401" in failing["status_reason"] or "auth" in failing["status_reason"].lower()


async def test_sync_errors_are_listed_retried_and_dismissed(
    client: Client, acme: TenantKeys, container: Container, sandbox: str
) -> None:  # INT-6, CW-8
    await set_aside_leftovers(container)  # the worker below waits for this test's messages only
    await connect(client, acme, autotask(sandbox, settings={"hub_id_udf": "Missing"}))
    org = (
        await client.post(
            "/v1/organizations", json={"name": "Contoso", "phone": "555"}, headers=acme.headers()
        )
    ).json()
    worker: OutboxWorker = container.integrations.worker(settings=WorkerSettings(poll_seconds=0.02))
    await worker.run_until_idle()
    await container.integrations.vendors().aclose()
    listed = (
        await client.get(f"/v1/sync/errors?entity_id={org['id']}", headers=acme.headers(Role.SALES))
    ).json()["items"]
    assert len(listed) == 1
    assert "Missing" in listed[0]["message"]
    error = listed[0]["id"]
    assert (
        await client.post(f"/v1/sync/errors/{error}/retry", headers=acme.headers(Role.SALES))
    ).status_code == 403
    assert (
        await client.post(f"/v1/sync/errors/{error}/retry", headers=acme.headers(Role.MANAGER))
    ).status_code == 202
    dismissed = await client.post(
        f"/v1/sync/errors/{error}/dismiss", headers=acme.headers(Role.MANAGER)
    )
    assert dismissed.json()["status"] == "dismissed"
    assert (await client.get("/v1/sync/errors", headers=acme.headers())).json()["items"] == []


async def test_sync_now_requests_a_pull_per_connection(
    client: Client, acme: TenantKeys
) -> None:  # PAY-12
    connection = await connect(client, acme, autotask("http://127.0.0.1:9"))
    jobs = await client.post(
        "/v1/sync/run", json={"full": True}, headers=acme.headers(Role.MANAGER)
    )
    assert jobs.status_code == 202
    (job,) = jobs.json()
    assert (job["connection_id"], job["status"], job["full"]) == (
        connection["id"],
        "requested",
        True,
    )
    again = await client.post("/v1/sync/run", headers=acme.headers(Role.MANAGER))
    assert [j["id"] for j in again.json()] == [job["id"]]  # one pull at a time
    listed = (await client.get("/v1/sync/jobs", headers=acme.headers())).json()
    assert [j["id"] for j in listed] == [job["id"]]
