"""Quotes on the portal's pages (PAY-14, QUO-4, QUO-7): the organization's published ones,
accepted with a typed name and the terms (name, time, address and the PDF's hash recorded; the
quote won), or declined with a reason; drafts and other organizations' quotes are not found."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any
from uuid import UUID

import httpx

from adapters.sandboxes.autotask.app import SANDBOX_CREDENTIALS, create_autotask_sandbox
from adapters.sandboxes.autotask.seed import seeded_id
from adapters.sandboxes.kit.base import Faults
from application.integrations.connections import NewConnection
from domain.integrations.connection import System
from domain.quotes.quote import QuoteId
from entrypoints.servers import serve_asgi
from tests.e2e.portal.conftest import CSRF, Pages
from tests.e2e.test_invoice_to_cash import AUTOTASK_HEADERS
from tests.support.clock import FixedClock
from tests.support.sync import set_aside_leftovers

HASH = re.compile(r'name="pdf_sha256" value="([0-9a-f]{64})"')
ISSUED = re.compile(r'name="issued_on" value="([0-9-]+)"')


async def a_quote(
    pages: Pages, *, of_other: bool = False, publish: bool = True, expires_on: date | None = None
) -> str:
    billing = pages.other if of_other else pages.own
    async with billing.container.persistence.uow()(billing.tenant) as uow:
        contact = await uow.contacts.get(billing.contact)
    body: dict[str, Any] = {
        "organization_id": str(contact.organization_id),
        "contact_id": str(contact.id),
        "owner_name": "Sam Seller",
        "owner_email": "sam@msp.test",
        "title": "Office refresh",
        "currency": "USD",
        "expires_on": (expires_on or datetime.now(UTC).date() + timedelta(days=30)).isoformat(),
        "lines": [{"name": "Install", "quantity": "4", "unit_price": "150.00", "kind": "labor"}],
    }
    made = await pages.client.post("/v1/quotes", json=body, headers=pages.keys.headers())
    assert made.status_code == 201, made.text
    quote_id: str = made.json()["id"]
    if publish:
        url = f"/v1/quotes/{quote_id}/publish"
        published = await pages.client.post(url, headers=pages.keys.headers())
        assert published.status_code == 202, published.text
    return quote_id


async def shown(pages: Pages, quote: str) -> dict[str, str]:
    page = await pages.client.get(f"/portal/quotes/{quote}")
    assert page.status_code == 200, page.text
    csrf, digest = CSRF.search(page.text), HASH.search(page.text)
    assert csrf is not None
    assert digest is not None
    issued = ISSUED.search(page.text)
    return {
        "_csrf_token": csrf.group(1),
        "pdf_sha256": digest.group(1),
        **({"issued_on": issued.group(1)} if issued else {}),
    }


async def test_accepting_records_who_when_where_and_the_pdf_and_wins_the_quote(
    pages: Pages,
) -> None:
    quote = await a_quote(pages)
    await pages.sign_in(await pages.invite())
    listed = await pages.client.get("/portal/quotes")
    assert f"/portal/quotes/{quote}" in listed.text
    form = await shown(pages, quote)
    pdf = await pages.client.get(f"/portal/quotes/{quote}/document.pdf")
    assert hashlib.sha256(pdf.content).hexdigest() == form["pdf_sha256"]
    accepted = await pages.client.post(
        f"/portal/quotes/{quote}/accept", data={**form, "name": "Pat Payer", "terms": "yes"}
    )
    assert accepted.status_code == 303, accepted.text
    staff = await pages.client.get(f"/v1/quotes/{quote}", headers=pages.keys.headers())
    assert staff.json()["status"] == "won"
    async with pages.own.container.persistence.uow()(pages.own.tenant) as uow:
        (record,) = await uow.quote_acceptances.of_quote(QuoteId(UUID(quote)))
    assert (record.signed_name, record.pdf_sha256) == ("Pat Payer", form["pdf_sha256"])
    assert record.ip_address == "testclient"
    assert record.contact_id == pages.own.contact
    await pages.send_due()
    mails = {m.to: m for m in pages.mailbox.messages() if "accepted" in m.subject}
    assert set(mails) == {"pat@payer.test", "sam@msp.test"}  # PAY-13: contact and owner
    assert "Pat Payer" in mails["sam@msp.test"].text
    assert form["pdf_sha256"] in mails["sam@msp.test"].text
    page = await pages.client.get(f"/portal/quotes/{quote}")
    assert "Accepted by" in page.text
    assert "Pat Payer" in page.text


async def test_no_acceptance_without_the_terms_or_of_a_changed_document(pages: Pages) -> None:
    quote = await a_quote(pages)
    await pages.sign_in(await pages.invite())
    form = await shown(pages, quote)
    unticked = await pages.client.post(
        f"/portal/quotes/{quote}/accept", data={**form, "name": "Pat Payer"}
    )
    assert unticked.status_code == 422
    other_pdf = {**form, "pdf_sha256": "0" * 64, "name": "Pat Payer", "terms": "yes"}
    changed = await pages.client.post(f"/portal/quotes/{quote}/accept", data=other_pdf)
    assert changed.status_code == 422
    assert "changed" in changed.text
    staff = await pages.client.get(f"/v1/quotes/{quote}", headers=pages.keys.headers())
    assert staff.json()["status"] == "published"


async def test_declining_with_a_reason_loses_the_quote(pages: Pages) -> None:
    quote = await a_quote(pages)
    await pages.sign_in(await pages.invite())
    form = await shown(pages, quote)
    declined = await pages.client.post(
        f"/portal/quotes/{quote}/decline",
        data={"_csrf_token": form["_csrf_token"], "reason": "Over budget this year"},
    )
    assert declined.status_code == 303
    staff = (await pages.client.get(f"/v1/quotes/{quote}", headers=pages.keys.headers())).json()
    assert staff["status"] == "lost"
    assert "Over budget this year" in (await pages.client.get(f"/portal/quotes/{quote}")).text


async def test_drafts_and_other_organizations_quotes_are_not_found(pages: Pages) -> None:
    draft = await a_quote(pages, publish=False)
    theirs = await a_quote(pages, of_other=True)
    await pages.sign_in(await pages.invite())
    listed = await pages.client.get("/portal/quotes")
    assert draft not in listed.text
    assert "Open opportunities" not in listed.text  # no PSA connected
    assert theirs not in listed.text
    for quote in (draft, theirs):
        assert (await pages.client.get(f"/portal/quotes/{quote}")).status_code == 404
        assert (await pages.client.get(f"/portal/quotes/{quote}/document.pdf")).status_code == 404
    csrf = await pages.csrf("/portal/quotes")
    refused = await pages.client.post(
        f"/portal/quotes/{theirs}/decline", data={"_csrf_token": csrf, "reason": "x"}
    )
    assert refused.status_code == 404


async def test_a_page_shown_before_midnight_utc_is_accepted_after_it(pages: Pages) -> None:
    """The PDF prints the day it is issued: the one the page showed is checked, not today's."""
    quote = await a_quote(pages)
    day = datetime.now(UTC).date() + timedelta(days=1)
    pages.app_container.core.clock.override(FixedClock(datetime.combine(day, time(23, 59), UTC)))
    await pages.sign_in(await pages.invite())
    last_second = datetime.combine(day, time(23, 59, 59), UTC)
    pages.app_container.core.clock.override(FixedClock(last_second))
    form = await shown(pages, quote)
    midnight = datetime.combine(day + timedelta(days=1), time(0, 0, 0), UTC)
    pages.app_container.core.clock.override(FixedClock(midnight))
    pdf = await pages.client.get(f"/portal/quotes/{quote}/document.pdf?issued_on={day}")
    assert hashlib.sha256(pdf.content).hexdigest() == form["pdf_sha256"]  # the one linked
    accepted = await pages.client.post(
        f"/portal/quotes/{quote}/accept", data={**form, "name": "Pat Payer", "terms": "yes"}
    )
    assert accepted.status_code == 303, accepted.text
    async with pages.own.container.persistence.uow()(pages.own.tenant) as uow:
        (record,) = await uow.quote_acceptances.of_quote(QuoteId(UUID(quote)))
    assert record.accepted_at == midnight
    assert record.pdf_sha256 == form["pdf_sha256"]
    staff = await pages.client.get(f"/v1/quotes/{quote}", headers=pages.keys.headers())
    assert staff.json()["status"] == "won"


async def test_the_acceptance_day_is_the_utc_one_whatever_the_clocks_zone(pages: Pages) -> None:
    """QUO-1: a quote valid until day D cannot be accepted at 00:00:00 UTC on D+1, even by a
    clock that answers 19:00 of D in New York's winter zone."""
    last_day = datetime.now(UTC).date() + timedelta(days=2)
    quote = await a_quote(pages, expires_on=last_day)
    new_york = timezone(timedelta(hours=-5))
    before = datetime.combine(last_day, time(18, 59, 59), new_york)  # 23:59:59 UTC
    pages.app_container.core.clock.override(FixedClock(before))
    await pages.sign_in(await pages.invite())
    form = await shown(pages, quote)
    after = datetime.combine(last_day, time(19, 0, 0), new_york)  # 00:00:00 UTC, D+1
    pages.app_container.core.clock.override(FixedClock(after))
    late = await pages.client.post(
        f"/portal/quotes/{quote}/accept", data={**form, "name": "Pat Payer", "terms": "yes"}
    )
    assert late.status_code == 422, late.text
    assert "expired" in late.text
    staff = await pages.client.get(f"/v1/quotes/{quote}", headers=pages.keys.headers())
    assert staff.json()["status"] == "expired"  # as the staff see it: the UTC day too


async def test_the_quotes_page_shows_the_organizations_open_opportunities_pay_14(
    pages: Pages,
) -> None:
    """Beside its quotes, the organization's open opportunities read from the PSA now: the one
    a hub quote was pushed to links that quote, the PSA's own links the quote URL its field
    holds. A PSA that does not answer leaves the quotes and says so."""
    with serve_asgi(create_autotask_sandbox(Faults())) as autotask:
        await pages.own.container.integrations.connect_system()(
            pages.own.tenant,
            NewConnection(
                system=System.AUTOTASK,
                name="Autotask",
                base_url=autotask,
                credentials=dict(SANDBOX_CREDENTIALS),
            ),
        )
        async with pages.own.container.persistence.uow()(pages.own.tenant) as uow:
            organization = (await uow.contacts.get(pages.own.contact)).organization_id
        phoned = await pages.client.patch(
            f"/v1/organizations/{organization}",
            json={"phone": "555-0142"},  # AT-1
            headers=pages.keys.headers(),
        )
        assert phoned.status_code == 200, phoned.text
        await set_aside_leftovers(pages.app_container)
        quote = await a_quote(pages)
        await pages.own.container.integrations.worker().run_until_idle()  # the test's loop
        api = f"{autotask}/atservicesrest/v1.0/Opportunities"
        async with httpx.AsyncClient(headers=AUTOTASK_HEADERS) as psa:
            state = (await psa.get(f"{autotask}/_sandbox/state")).json()["entities"]
            (pushed,) = state["Opportunities"]
            own = {
                "companyID": pushed["companyID"], "title": "Backup renewal", "status": 1,
                "stage": 1, "amount": 2400.0, "cost": 1200.0, "probability": 50,
                "ownerResourceID": seeded_id("Resources", "morgan.hale@msp.example"),
                "projectedCloseDate": "2027-01-15T00:00:00", "startDate": "2026-12-01T00:00:00",
                "useQuoteTotals": False,
                "userDefinedFields": [{"name": "Quote URL", "value": "https://quotes.example/b"}],
            }  # fmt: skip
            made = await psa.post(api, json=own)
            assert made.status_code == 200, made.text
        await pages.sign_in(await pages.invite())
        listed = await pages.client.get("/portal/quotes")
        assert listed.status_code == 200, listed.text
        opportunities = listed.text.split("Open opportunities", 1)[1]
        assert "Backup renewal" in opportunities
        assert "2,400.00" in opportunities
        assert 'href="https://quotes.example/b"' in opportunities
        assert pushed["title"] in opportunities
        assert f'href="/portal/quotes/{quote}"' in opportunities  # the hub quote pushed to it
    unreachable = await pages.client.get("/portal/quotes")  # the sandbox has stopped
    assert unreachable.status_code == 200
    assert "cannot be read right now" in unreachable.text
    assert f"/portal/quotes/{quote}" in unreachable.text
