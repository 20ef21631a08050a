"""The client portal over HTTP: portal tokens, one organization's billing, paying for itself.

A portal token sees its contact's organization only; anything else is a 404. Staff keys are
refused on the portal and portal tokens on every staff route (403). The gateway and accounting
adapters are the in-memory fakes, as in test_payments_api.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

import pytest
from litestar import Litestar

from domain.billing.methods import MethodDetails, MethodKind, PaymentMethod, PaymentMethodId
from domain.crm.contact import Contact, ContactProfile
from domain.crm.organization import ContactId
from domain.identity.access import Role
from domain.shared.ids import new_id
from entrypoints.containers import Container
from tests.e2e.conftest import Client, TenantKeys, app_client, tenant_with_keys
from tests.support.billing import Billing, FakeGateway, billing
from tests.support.factories import NOW, organization

# On SQLite; the tests marked both_databases, where the database shows through, on PostgreSQL too.


@dataclass(frozen=True)
class Portal:
    client: Client
    keys: TenantKeys
    own: Billing  # the token's contact, organization and method
    other: Billing  # another organization of the same tenant
    token: str
    token_id: str

    def headers(self, idempotency_key: str | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"}
        return headers | ({"Idempotency-Key": idempotency_key} if idempotency_key else {})


async def another_organization(b: Billing) -> Billing:
    """The same tenant's other organization, with a contact and a card of its own."""
    async with b.container.persistence.uow()(b.tenant) as uow:
        org = organization(b.tenant, "Elsewhere Inc")
        await uow.organizations.add(org)
        await uow.commit()
    async with b.container.persistence.uow()(b.tenant) as uow:
        contact = Contact(
            id=ContactId(new_id()),
            tenant_id=b.tenant,
            organization_id=org.id,
            profile=ContactProfile(first_name="Oli", last_name="Other"),
            now=NOW,
        )
        method = PaymentMethod(
            id=PaymentMethodId(new_id()),
            tenant_id=b.tenant,
            organization_id=org.id,
            details=MethodDetails("vault-9", MethodKind.CARD, "visa", "9999"),
            now=NOW,
        )
        await uow.contacts.add(contact)
        await uow.payment_methods.add(method)
        await uow.commit()
    return replace(b, contact=contact.id, method=method.id)


async def issue_token(client: Client, keys: TenantKeys, contact: ContactId) -> dict[str, str]:
    issued = await client.post(f"/v1/contacts/{contact}/portal-tokens", headers=keys.headers())
    assert issued.status_code == 201, issued.text
    body: dict[str, str] = issued.json()
    return body


@pytest.fixture
async def portal(
    database_url: str, container: Container, gateway: FakeGateway
) -> AsyncIterator[Portal]:
    keys = await tenant_with_keys(container)
    own = await billing(container, tenant=keys.tenant_id)
    other = await another_organization(own)
    async with app_client(database_url, gateway) as client:
        token = await issue_token(client, keys, own.contact)
        yield Portal(client, keys, own, other, token["key"], token["id"])


def pay(method: PaymentMethodId, amount: str | None = None) -> dict[str, object]:
    body: dict[str, object] = {"method_id": str(method)}
    if amount:
        body["amount"] = {"amount": amount, "currency": "USD"}
    return body


def routes(app: Litestar, prefix: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for route in app.routes:
        if route.path.startswith(prefix):
            path = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), route.path)
            found += [(m, path) for m in sorted(route.methods) if m not in ("HEAD", "OPTIONS")]
    return found


# --- portal tokens ------------------------------------------------------------------------------


async def test_admins_issue_a_portal_token_shown_once_and_revoked_like_a_key(
    portal: Portal,
) -> None:
    client, keys, contact = portal.client, portal.keys, portal.own.contact
    url = f"/v1/contacts/{contact}/portal-tokens"
    for role in (Role.MANAGER, Role.SALES):
        assert (await client.post(url, headers=keys.headers(role))).status_code == 403
    listed = (await client.get("/v1/api-keys", headers=keys.headers())).json()
    token = next(k for k in listed if k["id"] == portal.token_id)
    assert (token["role"], token["contact_id"]) == ("portal", str(contact))
    assert "key" not in token
    assert (await client.get("/portal/v1/invoices", headers=portal.headers())).status_code == 200
    revoked = await client.post(f"/v1/api-keys/{portal.token_id}/revoke", headers=keys.headers())
    assert revoked.status_code == 200
    assert (await client.get("/portal/v1/invoices", headers=portal.headers())).status_code == 401


async def test_no_token_for_another_tenants_or_an_inactive_contact(
    portal: Portal, container: Container
) -> None:
    client, keys, contact = portal.client, portal.keys, portal.own.contact
    globex = await tenant_with_keys(container)
    foreign = await client.post(f"/v1/contacts/{contact}/portal-tokens", headers=globex.headers())
    assert foreign.status_code == 404
    unknown = await client.post(
        f"/v1/contacts/{uuid.uuid4()}/portal-tokens", headers=keys.headers()
    )
    assert unknown.status_code == 404
    deactivated = await client.post(f"/v1/contacts/{contact}/deactivate", headers=keys.headers())
    assert deactivated.status_code == 200
    refused = await client.post(f"/v1/contacts/{contact}/portal-tokens", headers=keys.headers())
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "contact_id"
    # The token issued before stops working with its contact.
    assert (await client.get("/portal/v1/invoices", headers=portal.headers())).status_code == 401


async def test_a_portal_role_key_needs_a_contact(portal: Portal) -> None:
    made = await portal.client.post(
        "/v1/api-keys", json={"name": "sneaky", "role": "portal"}, headers=portal.keys.headers()
    )
    assert made.status_code == 422
    assert made.json()["type"] == "/problems/portal_token_contact"


# --- who may go where ---------------------------------------------------------------------------


async def test_staff_keys_are_refused_on_the_portal(portal: Portal) -> None:
    paths = routes(portal.client.app, "/portal/v1")
    assert len(paths) >= 6
    for method, path in paths:
        for role in (Role.ADMIN, Role.MANAGER, Role.SALES):
            answer = await portal.client.request(
                method, path, headers=portal.keys.headers(role), json={}
            )
            assert answer.status_code == 403, (method, path, role)
        assert (await portal.client.request(method, path, json={})).status_code == 401


async def test_a_portal_token_is_refused_on_every_staff_route(portal: Portal) -> None:
    paths = routes(portal.client.app, "/v1")
    assert len(paths) >= 30
    for method, path in paths:
        answer = await portal.client.request(method, path, headers=portal.headers(), json={})
        assert answer.status_code in (403, 404), (method, path, answer.status_code)
        assert answer.status_code == 403, (method, path)


# --- reading ------------------------------------------------------------------------------------


@pytest.mark.both_databases  # the scoping query
async def test_the_portal_lists_only_its_own_organizations_invoices(portal: Portal) -> None:
    client = portal.client
    mine = [await portal.own.invoice("10.00"), await portal.own.invoice("20.00")]
    theirs = await portal.other.invoice("30.00")
    listed = await client.get("/portal/v1/invoices", headers=portal.headers())
    assert listed.status_code == 200
    assert sorted(i["id"] for i in listed.json()["items"]) == sorted(str(i) for i in mine)
    filtered = await client.get(
        "/portal/v1/invoices", params={"status": "void"}, headers=portal.headers()
    )
    assert filtered.json()["items"] == []
    shown = await client.get(f"/portal/v1/invoices/{mine[0]}", headers=portal.headers())
    assert shown.json()["total"] == {"amount": "10.00", "currency": "USD"}
    for path in (f"/portal/v1/invoices/{theirs}", f"/portal/v1/invoices/{theirs}/payments"):
        hidden = await client.get(path, headers=portal.headers())
        assert hidden.status_code == 404, path
        assert hidden.json()["type"] == "/problems/not_found"


async def test_another_organizations_payment_is_not_found(portal: Portal) -> None:
    theirs = await portal.other.invoice("30.00")
    staff = {**portal.keys.headers(Role.MANAGER), "Idempotency-Key": "staff-1"}
    body = pay(portal.other.method) | {"contact_id": str(portal.other.contact)}
    taken = await portal.client.post(f"/v1/invoices/{theirs}/payments", json=body, headers=staff)
    assert taken.status_code == 201, taken.text
    hidden = await portal.client.get(
        f"/portal/v1/payments/{taken.json()['id']}", headers=portal.headers()
    )
    assert hidden.status_code == 404


async def test_payment_methods_are_the_organizations_own(portal: Portal) -> None:
    client = portal.client
    listed = (await client.get("/portal/v1/payment-methods", headers=portal.headers())).json()
    assert [m["id"] for m in listed] == [str(portal.own.method)]
    added = await client.post(
        "/portal/v1/payment-methods",
        json={
            "payment_token": "tok-123",
            "first_name": "Pat",
            "last_name": "Payer",
            "kind": "card",
        },
        headers=portal.headers(),
    )
    assert added.status_code == 201, added.text
    assert added.json()["organization_id"] == listed[0]["organization_id"]
    assert added.json()["last4"] == "1111"
    elsewhere = await client.post(
        "/portal/v1/payment-methods",
        json={
            "payment_token": "tok-456",
            "first_name": "Pat",
            "last_name": "Payer",
            "organization_id": str(uuid.uuid4()),
        },
        headers=portal.headers(),
    )
    assert elsewhere.status_code == 400
    assert elsewhere.json()["errors"][0]["field"] == "organization_id"


# --- paying -------------------------------------------------------------------------------------


@pytest.mark.both_databases  # locks and the unique key
async def test_the_portal_pays_for_itself_once_per_key(
    portal: Portal, gateway: FakeGateway
) -> None:  # PAY-2, PAY-11, PAY-15
    client = portal.client
    invoice = await portal.own.invoice("60.00")
    url = f"/portal/v1/invoices/{invoice}/payments"
    first = await client.post(
        url, json=pay(portal.own.method, "20.00"), headers=portal.headers("k1")
    )
    assert first.status_code == 201, first.text
    payment = first.json()
    assert payment["status"] == "approved"
    assert payment["contact_id"] == str(portal.own.contact)  # the token's contact (PAY-11)
    assert payment["environment"] == "portal"
    assert payment["created_by"] == f"portal:{portal.own.contact}"
    again = await client.post(
        url, json=pay(portal.own.method, "20.00"), headers=portal.headers("k1")
    )
    assert again.status_code == 201
    assert again.json()["id"] == payment["id"]
    assert sum(gateway.sales.values()) == 1
    other_body = await client.post(
        url, json=pay(portal.own.method, "21.00"), headers=portal.headers("k1")
    )
    assert other_body.status_code == 409
    shown = await client.get(f"/portal/v1/payments/{payment['id']}", headers=portal.headers())
    assert [h["action"] for h in shown.json()["history"]] == ["requested", "approved"]
    listed = (await client.get(url, headers=portal.headers())).json()
    assert [p["id"] for p in listed["items"]] == [payment["id"]]
    balance = (await client.get(f"/portal/v1/invoices/{invoice}", headers=portal.headers())).json()
    assert balance["balance"]["amount"] == "40.00"


async def test_a_portal_payment_needs_an_idempotency_key(portal: Portal) -> None:  # PAY-15
    invoice = await portal.own.invoice("10.00")
    refused = await portal.client.post(
        f"/portal/v1/invoices/{invoice}/payments",
        json=pay(portal.own.method),
        headers=portal.headers(),
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "Idempotency-Key"


async def test_another_organizations_invoice_is_not_paid_nor_charged(
    portal: Portal, gateway: FakeGateway
) -> None:
    client = portal.client
    theirs = await portal.other.invoice("30.00")
    url = f"/portal/v1/invoices/{theirs}/payments"
    for method in (portal.own.method, portal.other.method):
        refused = await client.post(url, json=pay(method), headers=portal.headers(f"x-{method}"))
        assert refused.status_code == 404, refused.text
    assert not gateway.sales
    staff_view = await client.get(f"/v1/invoices/{theirs}/payments", headers=portal.keys.headers())
    assert staff_view.json()["items"] == []
    invoice = (await client.get(f"/v1/invoices/{theirs}", headers=portal.keys.headers())).json()
    assert (invoice["balance"]["amount"], invoice["held"]["amount"]) == ("30.00", "0.00")


@pytest.mark.both_databases  # the kept answers
async def test_an_idempotency_key_replays_only_to_the_contact_that_used_it(
    portal: Portal, gateway: FakeGateway
) -> None:  # PAY-15
    invoice = await portal.own.invoice("10.00")
    url, body = f"/portal/v1/invoices/{invoice}/payments", pay(portal.own.method)
    first = await portal.client.post(url, json=body, headers=portal.headers("shared-key"))
    assert first.status_code == 201
    stranger = await issue_token(portal.client, portal.keys, portal.other.contact)
    replayed = await portal.client.post(
        url,
        json=body,
        headers={"Authorization": f"Bearer {stranger['key']}", "Idempotency-Key": "shared-key"},
    )
    assert replayed.status_code in (404, 409)
    assert first.json()["id"] not in replayed.text
    assert sum(gateway.sales.values()) == 1


async def test_a_kind_disabled_for_the_portal_is_refused(
    portal: Portal, gateway: FakeGateway
) -> None:  # PAY-8
    client, keys = portal.client, portal.keys
    settings = {"methods": {"staff": ["card"], "portal": ["echeck"]}, "refund_at_gateway": False}
    changed = await client.put("/v1/payment-settings", json=settings, headers=keys.headers())
    assert changed.status_code == 200, changed.text
    invoice = await portal.own.invoice("10.00")
    refused = await client.post(
        f"/portal/v1/invoices/{invoice}/payments",
        json=pay(portal.own.method),
        headers=portal.headers("card-1"),
    )
    assert refused.status_code == 422
    assert refused.json()["rule"] == "PAY-8"
    assert refused.json()["errors"][0]["field"] == "method_id"
    assert not gateway.sales
    staff = await client.post(
        f"/v1/invoices/{invoice}/payments",
        json=pay(portal.own.method) | {"contact_id": str(portal.own.contact)},
        headers={**keys.headers(Role.MANAGER), "Idempotency-Key": "card-2"},
    )
    assert staff.status_code == 201, staff.text
