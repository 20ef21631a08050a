"""Payments over HTTP: problem+json naming the rule or field, roles, tenancy, history.

The app's gateway and accounting adapters are swapped for the in-memory fakes (as an
architect would in tests); the vendors' adapters are tested against their sandboxes.
"""

from __future__ import annotations

import pytest

from domain.identity.access import Role
from entrypoints.containers import Container
from tests.e2e.conftest import Paying, TenantKeys, tenant_with_keys
from tests.support.billing import Billing, FakeGateway

pytestmark = pytest.mark.both_databases  # the database shows through here


def pay_body(b: Billing, amount: str | None = None) -> dict[str, object]:
    body: dict[str, object] = {"method_id": str(b.method), "contact_id": str(b.contact)}
    if amount:
        body["amount"] = {"amount": amount, "currency": "USD"}
    return body


def keyed(keys: TenantKeys, key: str, role: Role = Role.MANAGER) -> dict[str, str]:
    return {**keys.headers(role), "Idempotency-Key": key}


async def test_take_a_payment_and_read_it_with_its_history(
    paying: Paying, gateway: FakeGateway
) -> None:  # PAY-2, PAY-9, PAY-11, PAY-15
    client, keys, b = paying
    invoice = await b.invoice("75.00")
    url = f"/v1/invoices/{invoice}/payments"
    first = await client.post(url, json=pay_body(b, "25.00"), headers=keyed(keys, "pay-1"))
    assert first.status_code == 201, first.text
    payment = first.json()
    assert payment["status"] == "approved"
    assert payment["amounts"] == {
        "sale": "25.00",
        "refund": "0.00",
        "applied": "25.00",
        "unapplied": "0.00",
    }
    assert payment["method"] == {"kind": "card", "brand": "visa", "last4": "1111"}
    again = await client.post(url, json=pay_body(b, "25.00"), headers=keyed(keys, "pay-1"))
    assert again.json()["id"] == payment["id"]
    assert sum(gateway.sales.values()) == 1
    shown = (await client.get(f"/v1/payments/{payment['id']}", headers=keys.headers())).json()
    assert [h["action"] for h in shown["history"]] == ["requested", "approved"]
    assert shown["history"][0]["actor"].startswith("key:")
    inv = (await client.get(f"/v1/invoices/{invoice}", headers=keys.headers())).json()
    assert inv["balance"] == {"amount": "50.00", "currency": "USD"}
    listed = (await client.get(url, headers=keys.headers(Role.SALES))).json()
    assert [p["id"] for p in listed["items"]] == [payment["id"]]


async def test_an_overpayment_is_a_problem_naming_the_rule_and_field(
    paying: Paying, gateway: FakeGateway
) -> None:  # PAY-2, MON-4
    client, keys, b = paying
    invoice = await b.invoice("10.00")
    refused = await client.post(
        f"/v1/invoices/{invoice}/payments", json=pay_body(b, "10.01"), headers=keyed(keys, "o-1")
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["rule"] == "PAY-2"
    assert problem["errors"][0]["field"] == "amount.amount"
    assert not gateway.sales
    inv = (await client.get(f"/v1/invoices/{invoice}", headers=keys.headers())).json()
    assert inv["balance"]["amount"] == "10.00"


async def test_a_payment_needs_an_idempotency_key_and_a_contact(
    paying: Paying,
) -> None:  # PAY-11, PAY-15
    client, keys, b = paying
    invoice = await b.invoice("10.00")
    url = f"/v1/invoices/{invoice}/payments"
    no_key = await client.post(url, json=pay_body(b), headers=keys.headers(Role.MANAGER))
    assert no_key.status_code == 400
    assert no_key.json()["errors"][0]["field"] == "Idempotency-Key"
    no_contact = await client.post(
        url, json={"method_id": str(b.method)}, headers=keyed(keys, "c-1")
    )
    assert no_contact.status_code == 400
    assert no_contact.json()["errors"][0]["field"] == "contact_id"


async def test_only_managers_move_money_and_other_tenants_see_nothing(
    paying: Paying, container: Container
) -> None:
    client, keys, b = paying
    invoice = await b.invoice("10.00")
    url = f"/v1/invoices/{invoice}/payments"
    sales = await client.post(url, json=pay_body(b), headers=keyed(keys, "s-1", Role.SALES))
    assert sales.status_code == 403
    other = await tenant_with_keys(container)
    hidden = await client.get(f"/v1/invoices/{invoice}", headers=other.headers())
    assert hidden.status_code == 404
    foreign = await client.post(url, json=pay_body(b), headers=keyed(other, "f-1", Role.ADMIN))
    assert foreign.status_code == 404


async def test_void_then_refund_tells_the_user_to_issue_it_at_the_gateway(
    paying: Paying,
) -> None:  # PAY-3, PAY-5, PAY-6
    client, keys, b = paying
    invoice = await b.invoice("40.00")
    taken = await client.post(
        f"/v1/invoices/{invoice}/payments", json=pay_body(b), headers=keyed(keys, "v-1")
    )
    payment_id = taken.json()["id"]
    await b.settle(payment_id)  # collected: its money may be refunded (PAY-7)
    manager = keys.headers(Role.MANAGER)
    voided = await client.post(f"/v1/invoices/{invoice}/void", headers=manager)
    assert voided.json()["status"] == "void"
    refund = await client.post(f"/v1/payments/{payment_id}/refund", headers=manager)
    assert refund.status_code == 200
    body = refund.json()
    assert body["sent_to_gateway"] is False
    assert "at the payment gateway" in body["instruction"]
    assert body["payment"]["amounts"]["refund"] == "40.00"
    again = await client.post(f"/v1/payments/{payment_id}/refund", headers=manager)
    assert again.status_code == 422
    assert again.json()["rule"] == "PAY-5"
