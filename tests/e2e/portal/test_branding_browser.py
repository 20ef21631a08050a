"""The branded portal in a real browser (Debian's chromium): the MSP's logo and name in the
header, its contacts in the footer, a light accent colour darkened until axe-core's contrast
rules pass (WCAG AA). Screenshots go to ``test-artifacts/portal/``."""

from __future__ import annotations

import base64

import httpx
import pytest
from playwright.sync_api import Browser, expect

from entrypoints.cli.demo_branding import demo_logo
from tests.e2e.portal.test_browser import Hub, browser, hub, shot  # noqa: F401
from tests.e2e.test_branding_api import branding

pytestmark = pytest.mark.xdist_group("browser")


def test_a_branded_portal_passes_axe_with_a_light_accent(hub: Hub, browser: Browser) -> None:  # noqa: F811
    headers = hub.keys.headers()
    body = branding(accent_colour="#FDE047")  # yellow: 1.2:1 under white text as it is
    assert httpx.put(f"{hub.url}/v1/tenant/branding", json=body, headers=headers).is_success
    logo = {"content": base64.b64encode(demo_logo()).decode()}
    assert httpx.put(f"{hub.url}/v1/tenant/branding/logo", json=logo, headers=headers).is_success
    hub.invoice("120.00")
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    page = context.new_page()
    try:
        page.goto(hub.invitation_link())
        page.get_by_role("button", name="Continue to the portal").click()
        expect(page.get_by_role("heading", name="Invoices")).to_be_visible()
        expect(page.get_by_role("img", name="Northwind IT")).to_be_visible()
        expect(page.locator("footer.msp")).to_contain_text("billing@northwind.example")
        shot(page, "20-branded-invoices")  # axe-core: no contrast or other violation
        page.get_by_role("link", name="Payment methods").click()
        expect(page.get_by_role("button", name="Save the method")).to_be_visible()
        shot(page, "21-branded-methods")  # white on the darkened accent: the primary button
    finally:
        context.close()
