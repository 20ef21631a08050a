"""/v1/tenant/branding over HTTP: staff read it, admins change it and upload the logo; bad
input is a problem naming the field (QUO-7, PAY-13)."""

from __future__ import annotations

import base64
from io import BytesIO
from typing import Any

import pytest
from PIL import Image

from domain.identity.access import Role
from tests.e2e.conftest import Client, TenantKeys

pytestmark = pytest.mark.both_databases
URL = "/v1/tenant/branding"


def image(kind: str = "PNG", size: tuple[int, int] = (40, 20)) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", size, (29, 78, 216)).save(buffer, kind)
    return buffer.getvalue()


def branding(**changes: Any) -> dict[str, Any]:
    return {
        "name": "Northwind IT",
        "address": ["12 Harbour Road", "Portland, OR 97201"],
        "email": "billing@northwind.example",
        "phone": "+1 503 555 0100",
        "website": "https://northwind.example",
        "quote_terms": "Prices valid 30 days.\nHardware is non-refundable.",
        "payment_terms": "Net 30.",
        "accent_colour": "#0F766E",
        "default_tax_rate": "8.25",
        "invoice_ready_emails": True,
        **changes,
    }


async def test_a_tenant_without_branding_reads_its_name_and_the_defaults(
    client: Client, acme: TenantKeys
) -> None:
    read = await client.get(URL, headers=acme.headers(Role.SALES))
    assert read.status_code == 200, read.text
    body = read.json()
    assert body["name"].startswith("MSP ")  # the tenant's own name
    assert (body["accent_colour"], body["default_tax_rate"], body["logo"]) == ("#1D4ED8", "0", None)
    assert body["invoice_ready_emails"] is False


async def test_admins_change_it_and_other_roles_are_refused(
    client: Client, acme: TenantKeys, globex: TenantKeys
) -> None:
    for role in (Role.MANAGER, Role.SALES):
        refused = await client.put(URL, json=branding(), headers=acme.headers(role))
        assert refused.status_code == 403
    changed = await client.put(URL, json=branding(), headers=acme.headers())
    assert changed.status_code == 200, changed.text
    read = (await client.get(URL, headers=acme.headers(Role.MANAGER))).json()
    assert read["address"] == ["12 Harbour Road", "Portland, OR 97201"]
    assert (read["default_tax_rate"], read["accent_colour"]) == ("8.25", "#0F766E")
    assert read["invoice_ready_emails"] is True
    other = (await client.get(URL, headers=globex.headers())).json()
    assert other["name"] != "Northwind IT"  # every tenant its own


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"accent_colour": "#12345"}, "accent_colour"),
        ({"accent_colour": "blue"}, "accent_colour"),
        ({"email": "not-an-address"}, "email"),
        ({"website": "northwind.example"}, "website"),
        ({"default_tax_rate": "120"}, "default_tax_rate"),
        ({"name": "   "}, "name"),
    ],
)
async def test_bad_values_are_problems_naming_the_field(
    client: Client, acme: TenantKeys, changes: dict[str, Any], field: str
) -> None:
    refused = await client.put(URL, json=branding(**changes), headers=acme.headers())
    assert refused.status_code in (400, 422), refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert field in refused.text


async def test_the_logo_is_a_real_png_or_jpeg_within_the_size_limit(
    client: Client, acme: TenantKeys
) -> None:
    def upload(content: bytes, role: Role = Role.ADMIN) -> Any:
        body = {"content": base64.b64encode(content).decode()}
        return client.put(f"{URL}/logo", json=body, headers=acme.headers(role))

    assert (await upload(image(), Role.MANAGER)).status_code == 403
    stored = await upload(image("JPEG", (64, 32)))
    assert stored.status_code == 200, stored.text
    assert stored.json()["logo"] | {"sha256": ""} == {
        "media_type": "image/jpeg", "width": 64, "height": 32,
        "bytes": len(image("JPEG", (64, 32))), "sha256": "",
    }  # fmt: skip
    served = await client.get(f"{URL}/logo", headers=acme.headers(Role.SALES))
    assert served.headers["content-type"] == "image/jpeg"
    assert served.content == image("JPEG", (64, 32))
    gif, cut, fake = b"GIF89a" + bytes(40), image()[:60], b"\x89PNG\r\n\x1a\n" + bytes(100)
    for bad in (gif, cut, fake, image(size=(1200, 900)) + bytes(600 * 1024)):
        refused = await upload(bad)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "logo"
    removed = await client.delete(f"{URL}/logo", headers=acme.headers())
    assert removed.json()["logo"] is None
    assert (await client.get(f"{URL}/logo", headers=acme.headers())).status_code == 404
