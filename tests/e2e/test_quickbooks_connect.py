"""Connecting QuickBooks Online as an admin does: Intuit's authorization-code flow, through the
hub's API and the sandbox's consent page, the tokens kept sealed and rotated ones kept too (INT-1,
INT-2). The sandbox rotates the refresh token on every refresh and refuses a superseded one, as
Intuit does.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import httpx
import pytest
from sqlalchemy import select

from adapters.persistence import tables
from adapters.sandboxes.kit.faults import Faults
from adapters.sandboxes.quickbooks.app import (
    SANDBOX_CLIENT,
    SANDBOX_REALM_ID,
    create_quickbooks_sandbox,
)
from adapters.sandboxes.quickbooks.store import QuickBooksStore
from domain.identity.access import Role
from entrypoints.containers import Container
from entrypoints.servers import serve_asgi
from tests.e2e.conftest import Client, TenantKeys, app_client

CALLBACK = "http://testserver.local/oauth/callback"


class Sandbox:
    def __init__(self, url: str, store: QuickBooksStore) -> None:
        self.url, self.store = url, store


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    app = create_quickbooks_sandbox(Faults(), rotate_refresh_tokens=True)
    with serve_asgi(app) as url:
        yield Sandbox(url, app.state.sandbox.state)


async def _connect(client: Client, tenant: TenantKeys, sandbox: Sandbox) -> dict[str, Any]:
    body = {
        "system": "quickbooks",
        "name": "QuickBooks",
        "base_url": sandbox.url,
        "credentials": dict(SANDBOX_CLIENT),
    }
    response = await client.post("/v1/connections", json=body, headers=tenant.headers())
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def _consent(authorize_url: str) -> str:
    """The admin's browser on the sandbox's consent page: Connect. Returns where it is sent."""
    async with httpx.AsyncClient() as browser:
        page = await browser.get(authorize_url)
        assert page.status_code == 200, page.text
        assert '<form method="post" action="oauth2/approve">' in page.text
        query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
        form = {k: query[k] for k in ("client_id", "scope", "redirect_uri", "state")}
        approved = await browser.post(
            authorize_url.split("?", maxsplit=1)[0] + "/approve",
            data={**form, "decision": "approve"},
        )
    assert approved.status_code == 302, approved.text
    return approved.headers["location"]


async def _authorized(client: Client, tenant: TenantKeys, sandbox: Sandbox) -> dict[str, Any]:
    """A QuickBooks connection an admin connected at Intuit's page, back through the callback."""
    created = await _connect(client, tenant, sandbox)
    started = await client.post(
        f"/v1/connections/{created['id']}/authorize", headers=tenant.headers()
    )
    assert started.status_code == 200, started.text
    back = await _consent(started.json()["authorize_url"])
    assert back.startswith(f"{CALLBACK}?")
    done = await client.get(f"/oauth/callback?{urlsplit(back).query}")  # no API key: the state
    assert done.status_code == 200, done.text
    connected: dict[str, Any] = done.json()
    return connected


async def test_an_admin_connects_quickbooks_at_intuits_page_and_the_tokens_stay_sealed_int_1(
    client: Client, acme: TenantKeys, container: Container, sandbox: Sandbox
) -> None:
    created = await _connect(client, acme, sandbox)
    started = await client.post(
        f"/v1/connections/{created['id']}/authorize", headers=acme.headers()
    )
    authorize_url = started.json()["authorize_url"]
    query = parse_qs(urlsplit(authorize_url).query)
    back = await _consent(authorize_url)
    answer = parse_qs(urlsplit(back).query)
    done = await client.get(f"/oauth/callback?{urlsplit(back).query}")

    assert authorize_url.startswith(f"{sandbox.url}/connect/oauth2?")
    assert {k: v[0] for k, v in query.items() if k != "state"} == {
        "client_id": SANDBOX_CLIENT["client_id"],
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "scope": "com.intuit.quickbooks.accounting",
    }
    assert query["state"][0].startswith(f"{acme.tenant_id.hex}.{UUID(created['id']).hex}.")
    assert started.json()["redirect_uri"] == CALLBACK
    assert set(answer) == {"code", "state", "realmId"}
    assert answer["realmId"] == [SANDBOX_REALM_ID]
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "connected"  # tested at once: CompanyInfo read (INT-2)
    shown = (await client.get(f"/v1/connections/{created['id']}", headers=acme.headers())).json()
    assert set(shown["credentials"]) == {"client_id", "client_secret", "realm_id", "refresh_token"}
    assert all(value.startswith("****") for value in shown["credentials"].values())
    snapshot = sandbox.store.snapshot()["tokens"]
    assert snapshot["codes_exchanged"] == 1
    issued = snapshot["refresh_tokens_used"]
    async with container.persistence.sessions()() as session:
        stored = await session.scalar(
            select(tables.connections.c.credentials_ciphertext).where(
                tables.connections.c.id == UUID(created["id"])
            )
        )
    assert stored is not None
    for token in issued:
        assert token not in str(shown)
        assert token.encode() not in stored


async def test_the_callback_works_once_and_only_with_the_state_the_hub_gave_int_1(
    client: Client, acme: TenantKeys, globex: TenantKeys, sandbox: Sandbox
) -> None:
    created = await _connect(client, acme, sandbox)
    path = f"/v1/connections/{created['id']}/authorize"
    refused_roles = [
        (await client.post(path, headers=acme.headers(role))).status_code
        for role in (Role.MANAGER, Role.SALES)
    ]
    anonymous = (await client.post(path)).status_code
    foreign = (await client.post(path, headers=globex.headers())).status_code
    started = (await client.post(path, headers=acme.headers())).json()
    back = urlsplit(await _consent(started["authorize_url"])).query
    answer = {k: v[0] for k, v in parse_qs(back).items()}
    tenant, connection, secret = answer["state"].split(".")
    forged = [
        {**answer, "state": f"{tenant}.{connection}.{'x' * len(secret)}"},
        {**answer, "state": f"{globex.tenant_id.hex}.{connection}.{secret}"},
        {**answer, "state": "not-a-state"},
        {k: v for k, v in answer.items() if k != "state"},
    ]
    refusals = [await client.get("/oauth/callback", params=params) for params in forged]
    first = await client.get(f"/oauth/callback?{back}")
    again = await client.get(f"/oauth/callback?{back}")

    assert refused_roles == [403, 403]
    assert anonymous == 401
    assert foreign == 404
    for refusal in refusals:
        assert refusal.status_code == 422, refusal.text
        assert refusal.json()["errors"][0]["field"] == "state"
    assert first.status_code == 200, first.text
    assert again.status_code == 422  # single use
    assert again.json()["errors"][0]["field"] == "state"


async def test_an_admin_who_cancels_at_intuit_leaves_the_connection_unauthorized(
    client: Client, acme: TenantKeys, sandbox: Sandbox
) -> None:
    created = await _connect(client, acme, sandbox)
    started = await client.post(
        f"/v1/connections/{created['id']}/authorize", headers=acme.headers()
    )
    query = {k: v[0] for k, v in parse_qs(urlsplit(started.json()["authorize_url"]).query).items()}
    async with httpx.AsyncClient() as browser:
        cancelled = await browser.post(
            f"{sandbox.url}/connect/oauth2/approve",
            data={**query, "decision": "deny"},
        )
    back = urlsplit(cancelled.headers["location"]).query
    done = await client.get(f"/oauth/callback?{back}")
    tested = await client.post(f"/v1/connections/{created['id']}/test", headers=acme.headers())

    assert parse_qs(back)["error"] == ["access_denied"]
    assert done.status_code == 502
    assert "access_denied" in done.json()["detail"]
    assert tested.json()["status"] == "failing"
    assert "lacks realm_id, refresh_token" in tested.json()["status_reason"]


@pytest.mark.parametrize(
    "given",
    [
        {"refresh_token": "RT1-pasted"},
        {"realm_id": SANDBOX_REALM_ID},
        {"authorization_state": "x"},
    ],
)
async def test_tokens_are_no_longer_pasted_by_hand_int_1(
    client: Client, acme: TenantKeys, sandbox: Sandbox, given: dict[str, str]
) -> None:
    body = {
        "system": "quickbooks",
        "name": "QuickBooks",
        "base_url": sandbox.url,
        "credentials": {**SANDBOX_CLIENT, **given},
    }
    created = await client.post("/v1/connections", json=body, headers=acme.headers())
    made = await _connect(client, acme, sandbox)
    path = f"/v1/connections/{made['id']}"
    patched = await client.patch(
        path, json={"credentials": body["credentials"]}, headers=acme.headers()
    )
    as_settings = await client.patch(f"{path}/settings", json=given, headers=acme.headers())

    [name] = given
    for refused in (created, patched):
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == f"credentials.{name}"
    if name != "authorization_state":
        assert as_settings.status_code == 422
        assert as_settings.json()["errors"][0]["field"] == f"settings.{name}"


@pytest.mark.both_databases  # the rotated token is written by the adapter, mid-call
async def test_a_rotated_refresh_token_is_kept_and_survives_a_restart_int_1(
    database_url: str, acme: TenantKeys, container: Container, sandbox: Sandbox
) -> None:
    async with app_client(database_url, fresh=True) as first:
        connected = await _authorized(first, acme, sandbox)
        path = f"/v1/connections/{connected['id']}/test"
        sandbox.store.tokens.expire_all()  # an hour later: a refresh, and a rotation
        assert (await first.post(path, headers=acme.headers())).json()["status"] == "connected"
    async with app_client(database_url, fresh=True) as restarted:  # a new container, same database
        tested = await restarted.post(path, headers=acme.headers())

    tokens = sandbox.store.snapshot()["tokens"]
    assert tested.json()["status"] == "connected", tested.json()["status_reason"]
    assert tokens["refreshes"] == 3  # the callback's test, the hour later, the restart
    assert tokens["superseded"] == 3
    for old in tokens["refresh_tokens_used"]:  # each superseded: Intuit would refuse it now
        with pytest.raises(Exception, match="invalid_grant"):
            sandbox.store.tokens.refresh(old)


async def test_new_keys_of_the_same_app_keep_the_authorization_another_app_needs_its_own(
    client: Client, acme: TenantKeys, sandbox: Sandbox
) -> None:
    connected = await _authorized(client, acme, sandbox)
    path = f"/v1/connections/{connected['id']}"
    resaved = await client.patch(
        path, json={"credentials": dict(SANDBOX_CLIENT)}, headers=acme.headers()
    )
    same_app = await client.post(f"{path}/test", headers=acme.headers())
    other = {"client_id": "ANOTHERAPP", "client_secret": "another-secret"}
    await client.patch(path, json={"credentials": other}, headers=acme.headers())
    other_app = await client.post(f"{path}/test", headers=acme.headers())

    assert set(resaved.json()["credentials"]) == {
        "client_id",
        "client_secret",
        "realm_id",
        "refresh_token",
    }
    assert same_app.json()["status"] == "connected"
    assert set(other_app.json()["credentials"]) == {"client_id", "client_secret"}
    assert other_app.json()["status"] == "failing"
    assert "POST /v1/connections/{id}/authorize" in other_app.json()["status_reason"]
