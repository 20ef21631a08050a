"""A portal token acts for its contact's organization: it works while both are active.

Deactivating the organization shuts its contacts' portal at once (401, as a revoked key),
without revoking the tokens; no token is issued for a contact of an inactive organization.
"""

from __future__ import annotations

from tests.e2e.test_portal_api import Portal, portal  # noqa: F401 - the fixture


async def test_deactivating_the_organization_shuts_its_contacts_portal(
    portal: Portal,  # noqa: F811 - the fixture
) -> None:  # SPEC section 0: portal contacts see their own organization's invoices
    client, keys = portal.client, portal.keys
    assert (await client.get("/portal/v1/invoices", headers=portal.headers())).status_code == 200
    organization = await client.get(f"/v1/contacts/{portal.own.contact}", headers=keys.headers())
    org_id = organization.json()["organization_id"]
    done = await client.post(f"/v1/organizations/{org_id}/deactivate", headers=keys.headers())
    assert done.status_code == 200
    for path in ("/portal/v1/invoices", "/portal/v1/payment-methods", "/portal/v1/opportunities"):
        shut = await client.get(path, headers=portal.headers())
        assert shut.status_code == 401, (path, shut.status_code)
    refused = await client.post(
        f"/v1/contacts/{portal.own.contact}/portal-tokens", headers=keys.headers()
    )
    assert refused.status_code == 422
    assert refused.json()["type"] == "/problems/organization_inactive"
