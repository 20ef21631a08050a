"""What a vendor's refusal shows the caller: the input to fix, never a credential (INT-1).

The hub's own app (Litestar's test client) talks to the vendor sandboxes over real HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapters.sandboxes.autotask.app import SANDBOX_CREDENTIALS
from domain.identity.access import Role
from entrypoints.sandboxes import AUTOTASK_PATH, BNG, create_sandboxes_app
from tests.e2e.conftest import Client, TenantKeys
from tests.support.servers import serve_asgi

WRONG_USER = "jane.doe.integration@msp.example"


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[str]:
    with serve_asgi(create_sandboxes_app({})) as base:
        yield base


async def connect(client: Client, tenant: TenantKeys, body: dict[str, object]) -> str:
    made = await client.post("/v1/connections", json=body, headers=tenant.headers())
    assert made.status_code == 201, made.text
    connection_id: str = made.json()["id"]
    return connection_id


async def test_an_unknown_payment_token_is_a_422_naming_it(
    client: Client, acme: TenantKeys, sandboxes: str
) -> None:  # PAY-8: a 502 before, as if the gateway had failed
    bng = BNG.connection(sandboxes)
    await connect(
        client,
        acme,
        {"system": "bng", "name": "BNG", "base_url": bng.base_url, "credentials": bng.credentials},
    )
    org = await client.post("/v1/organizations", json={"name": "Token Co"}, headers=acme.headers())
    body = {
        "organization_id": org.json()["id"],
        "payment_token": "00000000-not-a-token",
        "first_name": "Pat",
        "last_name": "Payer",
    }
    refused = await client.post("/v1/payment-methods", json=body, headers=acme.headers())
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "payment_token"


async def test_payment_method_fields_have_length_limits(
    client: Client, acme: TenantKeys
) -> None:  # a 1,000,000-character name went to the gateway
    body = {
        "organization_id": "00000000-0000-0000-0000-000000000000",
        "payment_token": "t",
        "first_name": "x" * 1_000_000,
        "last_name": "Payer",
    }
    refused = await client.post("/v1/payment-methods", json=body, headers=acme.headers())
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "first_name"


async def test_a_wrong_autotask_user_is_not_shown_whole_to_anyone(
    client: Client, acme: TenantKeys, sandboxes: str
) -> None:  # INT-1: shown masked on the connection, so masked in what the vendor said
    credentials = {**SANDBOX_CREDENTIALS, "username": WRONG_USER}
    connection = await connect(
        client,
        acme,
        {
            "system": "autotask",
            "name": "Autotask",
            "base_url": sandboxes + AUTOTASK_PATH,
            "credentials": credentials,
        },
    )
    tested = await client.post(f"/v1/connections/{connection}/test", headers=acme.headers())
    shown = await client.get(f"/v1/connections/{connection}", headers=acme.headers(Role.SALES))
    search = await client.get("/v1/opportunities?search=acme", headers=acme.headers(Role.SALES))
    assert "could not be determined" in tested.text  # the vendor's words still come through
    for answer in (tested, shown, search):
        assert WRONG_USER not in answer.text
        assert "integration@msp.example" not in answer.text
    assert search.status_code == 502
