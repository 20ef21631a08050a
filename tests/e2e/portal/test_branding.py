"""The portal's pages in the MSP's branding: its name and logo in the header, its address and
contacts in the footer, its accent colour kept at WCAG AA; before sign-in, the plain portal."""

from __future__ import annotations

import base64
import re

from domain.identity.branding import contrast
from entrypoints.cli.demo_branding import demo_logo
from tests.e2e.portal.conftest import Pages
from tests.e2e.test_branding_api import branding

ACCENT = re.compile(r"--accent: (#[0-9A-F]{6});")


async def brand(pages: Pages, **changes: object) -> None:
    headers = pages.keys.headers()
    changed = await pages.client.put(
        "/v1/tenant/branding", json=branding(**changes), headers=headers
    )
    assert changed.status_code == 200, changed.text


async def test_signed_in_pages_show_the_msp_name_logo_contacts_and_accent(pages: Pages) -> None:
    await brand(pages)
    logo = {"content": base64.b64encode(demo_logo()).decode()}
    await pages.client.put("/v1/tenant/branding/logo", json=logo, headers=pages.keys.headers())
    await pages.sign_in(await pages.invite())
    page = await pages.client.get("/portal/invoices")
    assert page.status_code == 200
    html = page.text
    assert "Northwind IT billing portal" in html  # the title
    assert '<img class="logo" src="/portal/logo" alt="Northwind IT">' in html
    for shown in ("12 Harbour Road", "mailto:billing@northwind.example", "tel:+15035550100"):
        assert shown in html
    assert ACCENT.findall(html) == ["#0F766E"]  # dark enough already: kept
    served = await pages.client.get("/portal/logo")
    assert (served.status_code, served.content) == (200, demo_logo())
    # One URL for every tenant's logo: revalidated each time, never kept across sessions.
    assert served.headers["cache-control"] == "private, no-cache"
    assert "Cookie" in served.headers["vary"].split(",")
    again = await pages.client.get(
        "/portal/logo", headers={"if-none-match": served.headers["etag"]}
    )
    assert again.status_code == 304


async def test_a_light_accent_is_darkened_to_meet_aa_on_the_page(pages: Pages) -> None:
    await brand(pages, accent_colour="#FDE047")  # yellow: 1.2:1 under white text
    await pages.sign_in(await pages.invite())
    html = (await pages.client.get("/portal/invoices")).text
    (used,) = ACCENT.findall(html)
    assert contrast(used, "#FFFFFF") >= 4.5  # white text on the primary buttons
    assert contrast(used, "#F9FAFB") >= 4.5  # links on the page's background
    assert "<img" not in html  # no logo uploaded: the name stands alone


async def test_before_sign_in_the_portal_is_plain_and_the_logo_is_not_served(
    pages: Pages,
) -> None:
    await brand(pages)
    page = await pages.client.get("/portal/sign-in?token=x")
    assert "Northwind IT" not in page.text
    assert "--accent:" not in page.text
    assert (await pages.client.get("/portal/logo")).status_code == 401
