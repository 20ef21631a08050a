"""An email's portal link signs its contact in (PAY-13): "your invoice is ready" and a receipt
carry a single-use, expiring sign-in link for the contact they go to (an invitation, made and
spent as one), landing on the invoice's pay page or the receipt, where staff invited that
contact; an uninvited contact's emails name the bare page. The sign-in form's ``next`` is
honoured only as a relative path of the portal's pages; a contact signed in already goes
straight to the page; a link never shows another organization's invoice."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from domain.billing.invoice import InvoiceId
from domain.identity.access import Role
from tests.e2e.portal.conftest import CSRF, Pages
from tests.e2e.portal.test_emails import PAY_LINK, RECEIPT_LINK, brand, mails_titled, number

SIGN_IN_LINK = re.compile(r"https?://\S+/portal/sign-in\?\S+")
NEXT_FIELD = re.compile(r'name="next" value="([^"]*)"')


def sign_in_link(text: str) -> tuple[str, str, str]:
    """The mailed link's page (path and query), token and ``next``."""
    found = SIGN_IN_LINK.search(text)
    assert found is not None, text
    parts = urlsplit(found.group(0))
    query = parse_qs(parts.query)
    return f"{parts.path}?{parts.query}", query["token"][0], query["next"][0]


async def ready_mail_link(
    pages: Pages, total: str, doc_number: str, *, invited: bool = True
) -> tuple[InvoiceId, str]:
    """The ready email's text, to the billing contact, invited by staff first (``invited``)."""
    await brand(pages)
    if invited:
        await pages.invite()
    invoice = await pages.own.invoice(total, numbered=False)
    await number(pages, invoice, doc_number)
    (mail,) = await mails_titled(pages, "ready to pay", invoice)
    assert mail.to == "pat@payer.test"
    return invoice, mail.text


async def follow(pages: Pages, page: str, token: str, next_page: str) -> str:
    """Open the sign-in page as mailed and press its button; the page landed on."""
    shown = await pages.client.get(page)
    assert shown.status_code == 200, shown.text
    csrf = CSRF.search(shown.text)
    assert csrf is not None, shown.text
    signed = await pages.client.post(
        "/portal/sign-in", data={"token": token, "next": next_page, "_csrf_token": csrf.group(1)}
    )
    assert signed.status_code == 303, signed.text
    return signed.headers["location"]


def sign_out_here(pages: Pages) -> None:
    """Another browser: no session cookie, no CSRF cookie."""
    pages.client.cookies.clear()


async def test_a_signed_out_client_follows_the_ready_link_once_to_the_pay_page(
    pages: Pages,
) -> None:
    # PAY-13
    invoice, text = await ready_mail_link(pages, "480.00", "3001")
    page, token, next_page = sign_in_link(text)
    pay = f"/portal/invoices/{invoice}/pay"
    assert next_page == pay
    shown = await pages.client.get(page)
    found = NEXT_FIELD.search(shown.text)
    assert found is not None
    assert found.group(1) == pay  # the form carries where to land
    landed = await follow(pages, page, token, next_page)
    assert landed == pay
    paying = await pages.client.get(landed)
    assert paying.status_code == 200
    assert "480.00" in paying.text
    sign_out_here(pages)
    shown = await pages.client.get(page)
    csrf = CSRF.search(shown.text)
    assert csrf is not None
    again = await pages.client.post(
        "/portal/sign-in", data={"token": token, "next": next_page, "_csrf_token": csrf.group(1)}
    )
    assert again.status_code == 422  # single use: spent by the first sign-in
    assert "used already" in again.text
    assert (await pages.client.get(pay)).status_code == 401


async def test_a_signed_in_client_following_the_link_gets_the_pay_page(pages: Pages) -> None:
    # PAY-13: a GET spends nothing (mail scanners fetch links); the session is enough.
    invoice, text = await ready_mail_link(pages, "125.00", "3002")
    page, token, next_page = sign_in_link(text)
    await pages.sign_in(await pages.invite())
    opened = await pages.client.get(page)
    assert opened.status_code == 303
    assert opened.headers["location"] == f"/portal/invoices/{invoice}/pay"
    sign_out_here(pages)
    assert await follow(pages, page, token, next_page) == next_page  # the token still unspent


async def receipt_mail(pages: Pages, total: str) -> tuple[str, str]:
    """A payment's id and its receipt email's text."""
    await brand(pages, ready_emails=False)
    invoice = await pages.own.invoice(total)
    paid = await pages.client.post(
        f"/v1/invoices/{invoice}/payments",
        json={"method_id": str(pages.own.method), "contact_id": str(pages.own.contact)},
        headers={**pages.keys.headers(Role.MANAGER), "Idempotency-Key": f"signed-{invoice}"},
    )
    assert paid.status_code == 201, paid.text
    (mail,) = await mails_titled(pages, "Payment received", paid.json()["id"])
    return paid.json()["id"], mail.text


async def test_a_receipts_link_signs_its_contact_in_to_the_receipt(pages: Pages) -> None:
    # PAY-13
    await pages.invite()
    payment, text = await receipt_mail(pages, "60.00")
    page, token, next_page = sign_in_link(text)
    assert next_page == f"/portal/payments/{payment}"
    landed = await follow(pages, page, token, next_page)
    assert landed == next_page
    receipt = await pages.client.get(landed)
    assert receipt.status_code == 200
    assert "60.00" in receipt.text


async def test_an_uninvited_billing_contacts_emails_carry_no_sign_in_link(pages: Pages) -> None:
    # PAY-13: only staff let a contact into the portal; the emails name the bare pages, which
    # ask a signed-out contact to sign in and lead a signed-in one there.
    invoice, ready = await ready_mail_link(pages, "210.00", "3004", invited=False)
    payment, paid = await receipt_mail(pages, "70.00")
    for text, bare in (
        (ready, f"/portal/invoices/{invoice}/pay"),
        (paid, f"/portal/payments/{payment}"),
    ):
        assert "token=" not in text
        assert SIGN_IN_LINK.search(text) is None
        found = (PAY_LINK if bare.endswith("/pay") else RECEIPT_LINK).search(text)
        assert found is not None, text
        assert found.group(1) == bare
        assert (await pages.client.get(bare)).status_code == 401
    await pages.sign_in(await pages.invite())
    for bare, total in (
        (f"/portal/invoices/{invoice}/pay", "210.00"),
        (f"/portal/payments/{payment}", "70.00"),
    ):
        shown = await pages.client.get(bare)
        assert shown.status_code == 200
        assert total in shown.text


REFUSED = [
    "https://evil.example/portal/invoices",
    "//evil.example/portal/invoices",
    "/\\evil.example/portal/",
    "/portal\\..\\v1",
    "\\\\evil.example",
    "/portal//evil.example",
    "javascript:alert(1)",
    "/portal/v1/invoices",
    "/portal/v1",
    "/portal/../v1/invoices",
    "/portal/%2e%2e/v1/invoices",
    "/v1/invoices",
    " /portal/quotes",
    "/portal/quotes\r\nLocation: https://evil.example",
]


async def test_the_sign_in_forms_next_is_only_a_page_of_the_portal(pages: Pages) -> None:
    token = await pages.invite()
    honoured = await follow(pages, f"/portal/sign-in?token={token}", token, "/portal/quotes")
    assert honoured == "/portal/quotes"
    for refused in REFUSED:
        sign_out_here(pages)
        token = await pages.invite()
        shown = await pages.client.get("/portal/sign-in", params={"token": token, "next": refused})
        found = NEXT_FIELD.search(shown.text)
        assert found is not None, refused
        assert found.group(1) == "/portal/invoices", refused
        landed = await follow(pages, f"/portal/sign-in?token={token}", token, refused)
        assert landed == "/portal/invoices", refused
    # signed in already: the link's next is refused the same way
    opened = await pages.client.get("/portal/sign-in", params={"next": "//evil.example/"})
    assert opened.status_code == 303
    assert opened.headers["location"] == "/portal/invoices"


async def test_a_link_never_shows_another_organizations_invoice(pages: Pages) -> None:
    theirs = await pages.other.invoice("777.00")
    _, text = await ready_mail_link(pages, "90.00", "3003")
    page, token, _ = sign_in_link(text)
    landed = await follow(pages, page, token, f"/portal/invoices/{theirs}/pay")
    assert landed == f"/portal/invoices/{theirs}/pay"  # a page of the portal: honoured...
    shown = await pages.client.get(landed)
    assert shown.status_code == 404  # ...as the signed-in contact's, who may not see it
    assert "777.00" not in shown.text


async def test_a_link_of_another_contact_offers_its_sign_in_not_the_page(pages: Pages) -> None:
    """Review: a browser where one contact is signed in sent another contact's link straight to
    the page under the first one's session. It now offers the link's own sign-in."""
    organization = (
        await pages.client.get(f"/v1/contacts/{pages.own.contact}", headers=pages.keys.headers())
    ).json()["organization_id"]
    sam = await pages.client.post(
        "/v1/contacts",
        json={"organization_id": organization, "first_name": "Sam", "last_name": "Payer",
              "email": "sam@payer.test"},
        headers=pages.keys.headers(),
    )  # fmt: skip
    assert sam.status_code == 201, sam.text
    await pages.sign_in(await pages.invite())  # Pat, on this browser
    invited = await pages.client.post(
        f"/v1/contacts/{sam.json()['id']}/portal-invitations", headers=pages.keys.headers()
    )
    assert invited.status_code == 201, invited.text
    sams = await pages.mailed_token("sam@payer.test")
    offered = await pages.client.get(f"/portal/sign-in?token={sams}&next=/portal/quotes")
    assert offered.status_code == 200
    assert CSRF.search(offered.text) is not None  # the form that signs Sam in
    pats = await pages.invite()  # Pat's own link, Pat signed in: straight to the page
    own = await pages.client.get(f"/portal/sign-in?token={pats}&next=/portal/quotes")
    assert (own.status_code, own.headers["location"]) == (303, "/portal/quotes")
