"""The portal in a real browser (Debian's chromium, Playwright): the walk a client takes.

Open the invitation link from the mailbox, see the invoices, pay one partly with a new card
typed into the gateway's frames (the BNG sandbox on its own origin), pay the rest with the
card now saved, see it paid with its receipt; and /schema renders from the hub's files alone.
Everything the hub received, logged and stored is then searched for the card number: it is
not there (PAY-8). A keyboard-only pass pays on the payment page, and a quote pushed to the
Autotask sandbox is accepted beside its open opportunity: the worker delivers, and the sandbox's
opportunity, read over HTTP, is won (QUO-4).
Each page's screenshot is saved to ``test-artifacts/portal/``, and axe-core's rules run on it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect, sync_playwright

from adapters.notifications.mailbox import LocalMailbox
from adapters.sandboxes.autotask.app import SANDBOX_CREDENTIALS as AUTOTASK_CREDENTIALS
from adapters.sandboxes.autotask.app import create_autotask_sandbox
from adapters.sandboxes.bng.app import SANDBOX_SECURITY_KEY, create_bng_sandbox
from adapters.sandboxes.bng.tokenizer import TOKENIZATION_KEY
from adapters.sandboxes.kit.base import Faults
from application.integrations.connections import NewConnection
from application.notifications.sender import SendNotifications
from domain.billing.invoice import InvoiceId
from domain.integrations.connection import System
from entrypoints.containers import build_container
from entrypoints.http.app import create_app
from entrypoints.servers import serve_asgi
from entrypoints.settings import Settings
from tests.conftest import settings_for
from tests.e2e.conftest import TenantKeys, tenant_with_keys
from tests.e2e.portal.browser import ARGS, CHROMIUM, SHOTS
from tests.e2e.test_invoice_to_cash import AUTOTASK_HEADERS
from tests.support.billing import Billing, FakeAccounting, billing
from tests.support.card_scan import LeakWatch, card_numbers_in, leaks
from tests.support.databases import run_blocking
from tests.support.sync import set_aside_leftovers

pytestmark = [
    pytest.mark.xdist_group("browser"),  # one worker, one browser
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason=f"no {CHROMIUM}: apt-get install chromium"
    ),
]
CARD = "4111111111111111"
AXE = Axe()
LINK = re.compile(r"http://\S+/portal/sign-in\?token=\S+")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One browser for this module's tests (they are the only browser tests). Not for the
    session: Playwright's sync API keeps its event loop marked running on the thread while it
    is open, and the async tests after this module need the thread's loop free."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


class Recorder:
    """The hub as an ASGI app that keeps every request body it is sent."""

    def __init__(self, app: Any) -> None:
        self.app, self.bodies = app, bytearray()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def recorded() -> Any:
            message = await receive()
            self.bodies += message.get("body", b"")
            return message

        await self.app(scope, recorded, send)


@dataclass
class Hub:
    url: str
    database_url: str
    keys: TenantKeys
    own: Billing
    mailbox: LocalMailbox
    settings: Settings
    recorder: Recorder

    def invitation_link(self) -> str:
        invited = httpx.post(
            f"{self.url}/v1/contacts/{self.own.contact}/portal-invitations",
            headers=self.keys.headers(),
        )
        assert invited.status_code == 201, invited.text
        run_blocking(lambda: _send_mail(self.settings))
        found = LINK.search(self.mailbox.messages()[-1].text)
        assert found is not None
        return found.group(0)

    def invoice(self, total: str) -> str:
        return str(run_blocking(lambda: _invoice(self.settings, self.own, total)))


# Each set-up step runs on a loop of its own (the test is synchronous: Playwright's sync API),
# with a container of its own, closed after it.


async def _send_mail(settings: Settings) -> None:
    container = build_container(settings)
    notifications: SendNotifications = container.billing.notifications()
    await notifications.round()
    await container.persistence.probe().close()


async def _invoice(settings: Settings, own: Billing, total: str) -> InvoiceId:
    container = build_container(settings)
    made = await replace(own, container=container).invoice(total)
    await container.persistence.probe().close()
    return made


async def _tenant(settings: Settings, sandbox: str) -> tuple[TenantKeys, Billing]:
    container = build_container(settings)
    keys = await tenant_with_keys(container)
    own = await billing(
        container,
        tenant=keys.tenant_id,
        bng_url=sandbox,
        bng_key=SANDBOX_SECURITY_KEY,
        settings={"tokenization_key": TOKENIZATION_KEY},
    )
    async with container.persistence.uow()(own.tenant) as uow:  # no saved method to start with
        method = await uow.payment_methods.get(own.method)
        method.remove()
        await uow.commit()
    await container.persistence.probe().close()
    return keys, own


@pytest.fixture
def hub(database_url: str, tmp_path: Path) -> Iterator[Hub]:
    settings = settings_for(database_url, mailbox_dir=str(tmp_path))
    with serve_asgi(create_bng_sandbox(Faults())) as sandbox:
        keys, own = run_blocking(lambda: _tenant(settings, sandbox))
        app_container = build_container(settings)
        app_container.integrations.accounting.override(FakeAccounting())
        recorder = Recorder(create_app(app_container))
        with serve_asgi(recorder) as url:
            # The port is known once it serves: the invitation's link names it.
            invite: Any = app_container.identity.invite_portal_contact
            invite.add_kwargs(base_url=url)
            mailbox = LocalMailbox(tmp_path)
            yield Hub(url, database_url, keys, own, mailbox, settings, recorder)


def shot(page: Page, name: str) -> None:
    """The page's screenshot, and axe-core's accessibility rules run on it: none broken."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    if "schema" not in name:  # Swagger UI's page is not ours to fix
        results = AXE.run(page)
        assert results.violations_count == 0, f"{name}: {results.generate_report()}"


def type_card(page: Page) -> None:
    """Typed key by key into the gateway's frames, as a person would."""
    page.frame_locator("#CollectJSccnumber").locator("input").press_sequentially(
        "4111 1111 1111 1111"
    )
    page.frame_locator("#CollectJSccexp").locator("input").press_sequentially("12/30")
    page.frame_locator("#CollectJScvv").locator("input").press_sequentially("123")


def schema_renders_offline(page: Page, hub_url: str) -> None:
    """The API docs render with nothing loaded from another origin (an offline network)."""
    elsewhere: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(hub_url) else elsewhere.append(r.url))
    page.set_viewport_size({"width": 1000, "height": 720})
    page.goto(f"{hub_url}/schema")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Quote-to-Cash Hub API")
    shot(page, "12-schema")
    assert elsewhere == []


def test_the_walk_invitation_invoices_a_partial_payment_the_rest_paid_pay_2_pay_8(
    hub: Hub, browser: Browser
) -> None:
    watch = LeakWatch()
    logging.getLogger().addHandler(watch)
    invoice = hub.invoice("250.00")
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    page = context.new_page()
    try:
        page.goto(hub.invitation_link())
        shot(page, "01-sign-in")
        page.get_by_role("button", name="Continue to the portal").click()
        expect(page.get_by_role("heading", name="Invoices")).to_be_visible()
        shot(page, "02-invoices")
        page.locator(f'a[href="/portal/invoices/{invoice}"]').click()
        expect(page.locator(".balance")).to_have_text("250.00 USD")
        shot(page, "03-invoice")
        page.get_by_role("link", name="Pay this invoice").click()
        page.get_by_label("Another amount").check()
        page.get_by_label("Amount in USD").fill("100.00")
        expect(page.get_by_label("A new card")).to_be_checked()
        type_card(page)
        shot(page, "04-pay-new-card")
        page.get_by_role("button", name="Pay now").click()
        expect(page.get_by_role("heading", name="Payment received")).to_be_visible()
        shot(page, "05-receipt-partial")
        page.get_by_role("link", name="Back to the invoice").click()
        expect(page.locator(".balance")).to_have_text("150.00 USD")
        page.get_by_role("link", name="Pay this invoice").click()
        expect(page.get_by_label("Visa ending 1111")).to_be_checked()  # the card just saved
        shot(page, "06-pay-saved-card")
        page.get_by_role("button", name="Pay now").click()
        expect(page.get_by_role("heading", name="Payment received")).to_be_visible()
        shot(page, "07-receipt-rest")
        page.get_by_role("link", name="Back to the invoice").click()
        expect(page.locator(".status").first).to_have_text("Paid")
        expect(page.get_by_role("link", name=re.compile("Visa ending 1111"))).to_have_count(2)
        shot(page, "08-invoice-paid")
        page.get_by_role("link", name="Payment methods").click()
        shot(page, "09-payment-methods")
        page.set_viewport_size({"width": 390, "height": 844})  # a phone
        page.get_by_role("link", name="Invoices").click()
        shot(page, "10-invoices-phone")
        schema_renders_offline(page, hub.url)
    finally:
        context.close()
        logging.getLogger().removeHandler(watch)
    # PAY-8: the card number went to the gateway only.
    assert CARD not in hub.recorder.bodies.decode("latin-1")
    assert b"payment_token=" in hub.recorder.bodies  # the recorder saw the forms
    assert leaks(hub.recorder.bodies.decode("latin-1")) == []
    assert watch.found == []
    assert run_blocking(lambda: card_numbers_in(hub.database_url)) == []


def test_paying_with_the_keyboard_alone(hub: Hub, browser: Browser) -> None:
    invoice = hub.invoice("80.00")
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    page = context.new_page()
    try:
        page.goto(hub.invitation_link())
        page.keyboard.press("Tab")  # the skip link
        page.keyboard.press("Tab")
        expect(page.get_by_role("button", name="Continue to the portal")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="Invoices")).to_be_visible()
        page.goto(f"{hub.url}/portal/invoices/{invoice}/pay")
        page.get_by_label("The full balance, 80.00 USD").focus()
        expect(page.get_by_label("The full balance, 80.00 USD")).to_be_checked()
        page.keyboard.press("Tab")  # into the methods' radio group: a new card
        expect(page.get_by_label("A new card")).to_be_focused()
        for chars in ("4111111111111111", "1230", "123"):
            page.keyboard.press("Tab")  # into the next gateway frame
            page.keyboard.type(chars)
        page.keyboard.press("Tab")
        expect(page.get_by_role("button", name="Pay now")).to_be_focused()
        shot(page, "11-keyboard-pay")
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="Payment received")).to_be_visible()
    finally:
        context.close()


async def _connect_autotask(settings: Settings, own: Billing, url: str) -> None:
    container = build_container(settings)
    await container.integrations.connect_system()(
        own.tenant,
        NewConnection(
            system=System.AUTOTASK,
            name="Autotask",
            base_url=url,
            credentials=dict(AUTOTASK_CREDENTIALS),
        ),
    )
    await set_aside_leftovers(container)  # what earlier tests left for sandboxes long gone
    await container.persistence.probe().close()


async def _deliver(settings: Settings) -> None:
    """What ``q2c worker`` does, until the outbox is empty."""
    container = build_container(settings)
    await container.integrations.worker().run_until_idle()
    await container.persistence.limits().close()
    await container.persistence.probe().close()


def _opportunity_status(autotask: str, opportunity_id: int) -> str:
    """The sandbox's opportunity, read over HTTP, and its status's label (not its number)."""
    state = httpx.get(f"{autotask}/_sandbox/state").json()["entities"]
    (found,) = [o for o in state["Opportunities"] if o["id"] == opportunity_id]
    url = f"{autotask}/atservicesrest/v1.0/Opportunities/entityInformation/fields"
    fields = httpx.get(url, headers=AUTOTASK_HEADERS).json()["fields"]
    (status,) = [f for f in fields if f["name"] == "status"]
    labels = {int(v["value"]): str(v["label"]) for v in status["picklistValues"]}
    return labels[found["status"]]


def test_accepting_a_quote_in_the_browser_wins_the_psa_opportunity_pay_14_quo_4(
    hub: Hub, browser: Browser
) -> None:
    with serve_asgi(create_autotask_sandbox(Faults())) as autotask:
        run_blocking(lambda: _connect_autotask(hub.settings, hub.own, autotask))
        accepted_in_the_browser(hub, browser, autotask)


def accepted_in_the_browser(hub: Hub, browser: Browser, autotask: str) -> None:
    staff = hub.keys.headers()
    contact = httpx.get(f"{hub.url}/v1/contacts/{hub.own.contact}", headers=staff).json()
    phoned = httpx.patch(
        f"{hub.url}/v1/organizations/{contact['organization_id']}",
        json={"phone": "555-0142"},  # AT-1: Autotask's opportunities need it
        headers=staff,
    )
    assert phoned.status_code == 200, phoned.text
    expires = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
    body = {
        "organization_id": contact["organization_id"],
        "contact_id": contact["id"],
        "owner_name": "Sam Seller",
        "title": "Firewall replacement",
        "currency": "USD",
        "expires_on": expires,
        "lines": [
            {"name": "Firewall", "quantity": "1", "unit_price": "1800.00", "kind": "product"},
            {"name": "Install", "quantity": "6", "unit_price": "150.00", "kind": "labor"},
        ],
    }
    quote = httpx.post(f"{hub.url}/v1/quotes", json=body, headers=staff).json()
    published = httpx.post(f"{hub.url}/v1/quotes/{quote['id']}/publish", headers=staff)
    assert published.status_code == 202, published.text
    run_blocking(lambda: _deliver(hub.settings))  # the opportunity and quote in Autotask
    pushed = httpx.get(f"{hub.url}/v1/quotes/{quote['id']}", headers=staff).json()["psa"][0]
    opportunity = int(pushed["opportunity_ref"])
    assert _opportunity_status(autotask, opportunity) == "Active"
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    page = context.new_page()
    try:
        page.goto(hub.invitation_link())
        page.get_by_role("button", name="Continue to the portal").click()
        page.get_by_role("link", name="Quotes").click()
        opportunities = page.get_by_role("table", name="Open opportunities")
        expect(opportunities.get_by_role("link", name=quote["number"])).to_be_visible()
        shot(page, "13-quotes")
        opportunities.get_by_role("link", name=quote["number"]).click()  # its quote
        page.get_by_label("Your full name").fill("Pat Payer")
        page.get_by_label(re.compile("I have read the quote")).check()
        shot(page, "14-quote-accept")
        page.get_by_role("button", name="Accept the quote").click()
        expect(page.locator(".status").first).to_have_text("Won")
        shot(page, "15-quote-accepted")
        decided = httpx.get(f"{hub.url}/v1/quotes/{quote['id']}", headers=staff).json()
        assert decided["status"] == "won"
        run_blocking(lambda: _deliver(hub.settings))  # quote.outcome: QUO-4
        assert _opportunity_status(autotask, opportunity) in {"Closed", "Implemented"}
        page.get_by_role("link", name="Quotes", exact=True).click()  # won: not open any more
        expect(page.get_by_role("table", name="Open opportunities")).to_have_count(0)
        expect(page.get_by_text("No open opportunities.")).to_be_visible()
        expect(page.get_by_role("link", name=quote["number"])).to_be_visible()
        shot(page, "16-quotes-after-the-win")
    finally:
        context.close()
