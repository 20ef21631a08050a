"""/v1/payment-settings over HTTP: the gateway, methods per environment, refund policy.

PAY-8 (kinds per environment, only those the gateway takes), PAY-6 (refunds at the gateway
only when asked), PAY-10 (one gateway per tenant).
"""

from __future__ import annotations

from typing import Any

from domain.identity.access import Role
from tests.e2e.conftest import Client, Paying, TenantKeys
from tests.support.billing import FakeGateway

URL = "/v1/payment-settings"


def settings(staff: list[str], portal: list[str], refund: bool = False) -> dict[str, Any]:
    return {"methods": {"staff": staff, "portal": portal}, "refund_at_gateway": refund}


async def test_any_staff_reads_the_defaults(paying: Paying) -> None:
    client, keys, _ = paying
    read = await client.get(URL, headers=keys.headers(Role.SALES))
    assert read.status_code == 200
    body = read.json()
    assert body["gateway"]["system"] == "bng"
    assert body["methods"] == {"staff": ["card", "echeck"], "portal": ["card", "echeck"]}
    assert body["refund_at_gateway"] is False  # PAY-6's default


async def test_admins_change_them_and_payments_follow(
    paying: Paying,
) -> None:  # PAY-8
    client, keys, b = paying
    body = settings([], ["card"], refund=True)
    assert (await client.put(URL, json=body, headers=keys.headers(Role.MANAGER))).status_code == 403
    changed = await client.put(URL, json=body, headers=keys.headers())
    assert changed.status_code == 200, changed.text
    assert changed.json()["methods"] == {"staff": [], "portal": ["card"]}
    read = (await client.get(URL, headers=keys.headers(Role.MANAGER))).json()
    assert read["methods"] == {"staff": [], "portal": ["card"]}
    assert read["refund_at_gateway"] is True
    invoice = await b.invoice("10.00")
    refused = await client.post(
        f"/v1/invoices/{invoice}/payments",
        json={"method_id": str(b.method), "contact_id": str(b.contact)},
        headers={**keys.headers(Role.MANAGER), "Idempotency-Key": "no-staff"},
    )
    assert refused.status_code == 422
    assert (refused.json()["rule"], refused.json()["type"]) == (
        "PAY-8",
        "/problems/payments_disabled",
    )


async def test_refunds_go_to_the_gateway_when_the_settings_say(
    paying: Paying, gateway: FakeGateway
) -> None:  # PAY-6
    client, keys, b = paying
    await client.put(URL, json=settings(["card"], ["card"], refund=True), headers=keys.headers())
    invoice = await b.invoice("40.00")
    manager = keys.headers(Role.MANAGER)
    taken = await client.post(
        f"/v1/invoices/{invoice}/payments",
        json={"method_id": str(b.method), "contact_id": str(b.contact)},
        headers={**manager, "Idempotency-Key": "refund-me"},
    )
    await b.settle(taken.json()["id"])  # collected: its money may be refunded (PAY-7)
    await client.post(f"/v1/invoices/{invoice}/void", headers=manager)
    refund = await client.post(f"/v1/payments/{taken.json()['id']}/refund", headers=manager)
    assert refund.json()["sent_to_gateway"] is True
    assert len(gateway.refunds) == 1


async def test_only_kinds_the_gateway_takes(paying: Paying) -> None:
    client, keys, _ = paying  # PAY-8
    refused = await client.put(URL, json=settings(["card"], ["bitcoin"]), headers=keys.headers())
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["rule"] == "PAY-8"
    assert problem["errors"][0]["field"] == "methods.portal"
    assert "bitcoin" in problem["detail"]
    unchanged = (await client.get(URL, headers=keys.headers())).json()
    assert unchanged["methods"]["portal"] == ["card", "echeck"]
    partial = await client.put(URL, json={"methods": {"staff": []}}, headers=keys.headers())
    assert partial.status_code == 400
    extra = await client.put(
        URL, json=settings([], []) | {"gateway": "stripe"}, headers=keys.headers()
    )
    assert extra.status_code == 400
    assert extra.json()["errors"][0]["field"] == "gateway"


async def test_without_a_gateway_nothing_can_be_set(client: Client, acme: TenantKeys) -> None:
    read = (await client.get(URL, headers=acme.headers())).json()  # PAY-10, PAY-8
    assert read["gateway"] is None
    assert read["methods"] == {"staff": [], "portal": []}
    refused = await client.put(URL, json=settings(["card"], []), headers=acme.headers())
    assert refused.status_code == 409
    assert "PAY-10" in refused.json()["detail"]
    assert "PAY-8" in refused.json()["detail"]


async def test_one_gateway_per_tenant(paying: Paying) -> None:
    client, keys, _ = paying  # PAY-10
    gateway = (await client.get(URL, headers=keys.headers())).json()["gateway"]
    second = {
        "system": "bng",
        "name": "Another BNG",
        "base_url": "http://127.0.0.1:9",
        "credentials": {"security_key": "another-key"},
    }
    refused = await client.post("/v1/connections", json=second, headers=keys.headers())
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["field"] == "system"
    disabled = await client.patch(
        f"/v1/connections/{gateway['connection_id']}",
        json={"enabled": False},
        headers=keys.headers(),
    )
    assert disabled.status_code == 200
    gone = await client.put(URL, json=settings(["card"], []), headers=keys.headers())
    assert gone.status_code == 409
    assert (
        await client.post("/v1/connections", json=second, headers=keys.headers())
    ).status_code == 201
    now = (await client.get(URL, headers=keys.headers())).json()["gateway"]
    assert now["name"] == "Another BNG"


async def _unapplied_at_gateway(paying: Paying, total: str) -> tuple[str, dict[str, str]]:
    """A settled payment of ``total`` whose invoice was voided, refunds made at the gateway."""
    client, keys, b = paying
    await client.put(URL, json=settings(["card"], ["card"], refund=True), headers=keys.headers())
    invoice = await b.invoice(total)
    manager = keys.headers(Role.MANAGER)
    taken = await client.post(
        f"/v1/invoices/{invoice}/payments",
        json={"method_id": str(b.method), "contact_id": str(b.contact)},
        headers={**manager, "Idempotency-Key": f"gw-{invoice}"},
    )
    await b.settle(taken.json()["id"])
    await client.post(f"/v1/invoices/{invoice}/void", headers=manager)
    return taken.json()["id"], manager


async def test_a_refund_whose_answer_is_lost_is_accepted_and_moves_nothing_yet(
    paying: Paying, gateway: FakeGateway
) -> None:  # PAY-6, MON-4
    client, _, _ = paying
    payment, manager = await _unapplied_at_gateway(paying, "40.00")
    gateway.refund_answer = "lose"
    answer = await client.post(f"/v1/payments/{payment}/refund", headers=manager)
    assert answer.status_code == 202
    body = answer.json()
    assert body["refund_status"] == "pending"
    assert body["payment"]["pending_refund"]["amount"] == {"amount": "40.00", "currency": "USD"}
    assert body["payment"]["amounts"]["refund"] == "0.00"  # nothing moved until the gateway says
    again = await client.post(f"/v1/payments/{payment}/refund", headers=manager)
    assert again.status_code == 422
    assert again.json()["type"].endswith("/refund_in_flight")


async def test_a_refund_the_gateway_refuses_is_a_clear_refusal_that_changes_nothing(
    paying: Paying, gateway: FakeGateway
) -> None:  # PAY-6, MON-4
    client, _, _ = paying
    payment, manager = await _unapplied_at_gateway(paying, "40.00")
    gateway.refund_answer = "refuse"
    refused = await client.post(f"/v1/payments/{payment}/refund", headers=manager)
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["type"].endswith("/refund_refused")
    assert "Refund amount may not exceed" in problem["detail"]
    assert "nothing changed" in problem["detail"]
    shown = (await client.get(f"/v1/payments/{payment}", headers=manager)).json()
    assert shown["amounts"] == {
        "sale": "40.00",
        "refund": "0.00",
        "applied": "0.00",
        "unapplied": "40.00",
    }
    assert shown["pending_refund"] is None
    gateway.refund_answer = "rate_limit"
    limited = await client.post(f"/v1/payments/{payment}/refund", headers=manager)
    assert limited.status_code == 503
    assert limited.headers["Retry-After"]
    gateway.refund_answer = "approve"
    made = await client.post(f"/v1/payments/{payment}/refund", headers=manager)
    assert (made.status_code, made.json()["refund_status"]) == (200, "made")
    assert made.json()["payment"]["refunded_at_gateway"] == "40.00"
