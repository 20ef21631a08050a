"""Paying on the portal's pages (fake gateway): full or partial (PAY-2), saved or new methods,
only the portal's kinds (PAY-8), a second submit of one form charging once (PAY-15), receipts,
and the methods page."""

from __future__ import annotations

import re

from tests.e2e.portal.conftest import CSRF, Pages
from tests.support.billing import FakeGateway

KEY = re.compile(r'name="idempotency_key" value="([0-9a-f]{32})"')


async def pay_form(pages: Pages, invoice: object) -> dict[str, str]:
    page = await pages.client.get(f"/portal/invoices/{invoice}/pay")
    assert page.status_code == 200, page.text
    csrf, key = CSRF.search(page.text), KEY.search(page.text)
    assert csrf is not None
    assert key is not None
    return {"_csrf_token": csrf.group(1), "idempotency_key": key.group(1)}


async def test_a_partial_payment_then_the_rest_with_the_saved_card(pages: Pages) -> None:
    invoice = await pages.own.invoice("100.00")
    await pages.sign_in(await pages.invite())
    form = await pay_form(pages, invoice)
    part = await pages.client.post(
        f"/portal/invoices/{invoice}/pay",
        data={**form, "amount_choice": "other", "amount": "40.00", "method": str(pages.own.method)},
    )
    assert part.status_code == 303, part.text
    receipt = await pages.client.get(part.headers["location"])
    assert "Payment received" in receipt.text
    assert "40.00 USD" in receipt.text
    assert "60.00 USD" in receipt.text
    rest = await pages.client.post(
        f"/portal/invoices/{invoice}/pay",
        data={**(await pay_form(pages, invoice)), "method": str(pages.own.method)},
    )
    assert rest.status_code == 303
    paid = await pages.client.get(f"/portal/invoices/{invoice}")
    assert "status-paid" in paid.text
    assert "Pay this invoice" not in paid.text
    assert paid.text.count("/portal/payments/") == 2  # the history: both payments


async def test_a_second_submit_of_one_form_charges_once_pay_15(
    pages: Pages, gateway: FakeGateway
) -> None:
    invoice = await pages.own.invoice("100.00")
    await pages.sign_in(await pages.invite())
    form = {**(await pay_form(pages, invoice)), "method": str(pages.own.method)}
    first = await pages.client.post(f"/portal/invoices/{invoice}/pay", data=form)
    second = await pages.client.post(f"/portal/invoices/{invoice}/pay", data=form)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert sum(gateway.sales.values()) == 1


async def test_a_second_submit_with_a_new_card_shows_the_one_receipt_pay_15(
    pages: Pages, gateway: FakeGateway
) -> None:
    """The card's token is spent by the first submit: the second finds the payment its key
    made and shows its receipt, rather than vault the card again and call the key misused."""
    invoice = await pages.own.invoice("80.00")
    await pages.sign_in(await pages.invite())
    form = {**(await pay_form(pages, invoice)), "method": "new-card", "payment_token": "tok-2x"}
    first = await pages.client.post(f"/portal/invoices/{invoice}/pay", data=form)
    second = await pages.client.post(f"/portal/invoices/{invoice}/pay", data=form)
    assert first.status_code == second.status_code == 303, second.text
    assert first.headers["location"] == second.headers["location"]
    assert sum(gateway.sales.values()) == 1
    methods = await pages.client.get("/portal/payment-methods")
    assert methods.text.count('<li id="method-') == 2  # the fixture's card and this one, once


async def test_a_new_method_from_the_gateways_token_is_vaulted_and_charged(pages: Pages) -> None:
    invoice = await pages.own.invoice("30.00")
    await pages.sign_in(await pages.invite())
    form = await pay_form(pages, invoice)
    paid = await pages.client.post(
        f"/portal/invoices/{invoice}/pay",
        data={**form, "method": "new-card", "payment_token": "tok-123"},
    )
    assert paid.status_code == 303, paid.text
    methods = await pages.client.get("/portal/payment-methods")
    assert methods.text.count('<li id="method-') == 2  # the billing fixture's card, and this
    missing = await pages.client.post(
        f"/portal/invoices/{await pages.own.invoice('5.00')}/pay",
        data={**form, "method": "new-card", "payment_token": ""},
    )
    assert missing.status_code == 422


async def test_more_than_the_balance_is_refused_on_an_error_page_pay_2(pages: Pages) -> None:
    invoice = await pages.own.invoice("10.00")
    await pages.sign_in(await pages.invite())
    form = await pay_form(pages, invoice)
    refused = await pages.client.post(
        f"/portal/invoices/{invoice}/pay",
        data={**form, "amount_choice": "other", "amount": "10.01", "method": str(pages.own.method)},
    )
    assert refused.status_code == 422
    assert "text/html" in refused.headers["content-type"]


async def test_only_the_kinds_enabled_for_the_portal_are_offered_pay_8(pages: Pages) -> None:
    invoice = await pages.own.invoice("10.00")
    settings = {"methods": {"staff": ["card"], "portal": ["echeck"]}, "refund_at_gateway": False}
    put = await pages.client.put(
        "/v1/payment-settings", json=settings, headers=pages.keys.headers()
    )
    assert put.status_code == 200, put.text
    await pages.sign_in(await pages.invite())
    page = await pages.client.get(f"/portal/invoices/{invoice}/pay")
    assert "Visa ending 1111" not in page.text
    assert "A new card" not in page.text
    form = await pay_form(pages, invoice)
    refused = await pages.client.post(
        f"/portal/invoices/{invoice}/pay", data={**form, "method": str(pages.own.method)}
    )
    assert refused.status_code == 422


async def test_a_new_card_is_refused_before_the_gateway_when_the_portal_takes_echeck_only_pay_8(
    pages: Pages, gateway: FakeGateway
) -> None:
    settings = {"methods": {"staff": ["card"], "portal": ["echeck"]}, "refund_at_gateway": False}
    put = await pages.client.put(
        "/v1/payment-settings", json=settings, headers=pages.keys.headers()
    )
    assert put.status_code == 200, put.text
    invoice = await pages.own.invoice("10.00")
    await pages.sign_in(await pages.invite())
    csrf = await pages.csrf("/portal/payment-methods")
    added = await pages.client.post(
        "/portal/payment-methods",
        data={"_csrf_token": csrf, "method": "new-card", "payment_token": "tok-card"},
    )
    assert added.status_code == 422
    assert "card payments are not enabled for the portal" in added.text
    paying = await pages.client.post(
        f"/portal/invoices/{invoice}/pay",
        data={**(await pay_form(pages, invoice)), "method": "new-card", "payment_token": "tok-c"},
    )
    assert paying.status_code == 422
    issued = await pages.client.post(
        f"/v1/contacts/{pages.own.contact}/portal-tokens", headers=pages.keys.headers()
    )
    bearer = {"Authorization": f"Bearer {issued.json()['key']}"}
    body = {"payment_token": "tok-api", "first_name": "Pat", "last_name": "Payer"}
    for kind in ("card", None):
        portal = await pages.client.post(
            "/portal/v1/payment-methods", json={**body, "kind": kind}, headers=bearer
        )
        assert portal.status_code == 422, portal.text
        assert portal.json()["errors"][0]["field"] == "kind"
    assert gateway.vaulted == []  # the gateway was never asked
    assert not gateway.sales


async def test_removing_a_method_with_htmx_swaps_its_row(pages: Pages) -> None:
    await pages.sign_in(await pages.invite())
    csrf = await pages.csrf("/portal/payment-methods")
    removed = await pages.client.post(
        f"/portal/payment-methods/{pages.own.method}/remove",
        headers={"hx-request": "true", "x-csrf-token": csrf},
    )
    assert removed.status_code == 200
    assert "Visa ending 1111 removed" in removed.text
    listed = await pages.client.get("/portal/payment-methods")
    assert "No saved payment methods" in listed.text
    theirs = await pages.client.post(
        f"/portal/payment-methods/{pages.other.method}/remove", data={"_csrf_token": csrf}
    )
    assert theirs.status_code == 404
