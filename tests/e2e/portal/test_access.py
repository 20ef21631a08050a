"""Access to the portal's pages: invitation by email, single-use expiring link, session cookie,
sign-out, CSRF on every form, and one organization's invoices only (a 404 page otherwise)."""

from __future__ import annotations

from datetime import timedelta

from domain.identity.access import PORTAL_SESSION_LIFETIME, Role
from tests.e2e.portal.conftest import Pages
from tests.integration.test_quote_pdf import pages_of
from tests.support.clock import FixedClock


async def test_a_manager_invites_and_the_contact_signs_in_with_the_mailed_link(
    pages: Pages,
) -> None:
    invoice = await pages.own.invoice("120.00")
    token = await pages.invite()
    await pages.sign_in(token)
    cookie = next(c for c in pages.client.cookies.jar if c.name == "q2c_portal")
    assert cookie.path == "/portal"
    assert cookie.has_nonstandard_attr("HttpOnly")
    listed = await pages.client.get("/portal/invoices")
    assert listed.status_code == 200
    assert "text/html" in listed.headers["content-type"]
    assert f"/portal/invoices/{invoice}" in listed.text
    assert "120.00 USD" in listed.text


async def test_only_admins_and_managers_invite(pages: Pages) -> None:
    url = f"/v1/contacts/{pages.own.contact}/portal-invitations"
    sales = await pages.client.post(url, headers=pages.keys.headers(Role.SALES))
    assert sales.status_code == 403
    manager = await pages.client.post(url, headers=pages.keys.headers(Role.MANAGER))
    assert manager.status_code == 201
    assert manager.json()["sent_to"] == "pat@payer.test"
    assert "token" not in manager.text  # the link goes to the contact only


async def test_the_sign_in_cookie_is_secure_behind_https(pages: Pages) -> None:
    token = await pages.invite()
    csrf = await pages.csrf(f"/portal/sign-in?token={token}")
    signed = await pages.client.post(
        "https://testserver.local/portal/sign-in",
        data={"token": token, "_csrf_token": csrf},
        headers={"cookie": f"q2c_portal_csrf={pages.client.cookies.get('q2c_portal_csrf')}"},
    )
    assert signed.status_code == 303, signed.text
    header = signed.headers["set-cookie"].lower()
    assert "secure" in header
    assert "httponly" in header
    assert "samesite=lax" in header


async def test_a_link_signs_in_once(pages: Pages) -> None:
    token = await pages.invite()
    await pages.sign_in(token)
    pages.client.cookies.delete("q2c_portal")
    csrf = await pages.csrf(f"/portal/sign-in?token={token}")
    again = await pages.client.post("/portal/sign-in", data={"token": token, "_csrf_token": csrf})
    assert again.status_code == 422
    assert "used already" in again.text
    assert "text/html" in again.headers["content-type"]


async def test_an_expired_or_forged_link_signs_nobody_in(pages: Pages) -> None:
    token = await pages.invite()
    forged = token[:-4] + ("aaaa" if not token.endswith("aaaa") else "bbbb")
    csrf = await pages.csrf(f"/portal/sign-in?token={forged}")
    refused = await pages.client.post(
        "/portal/sign-in", data={"token": forged, "_csrf_token": csrf}
    )
    assert refused.status_code == 422
    assert "not valid" in refused.text
    later = pages.app_container.core.clock().now() + timedelta(days=7, seconds=1)
    pages.app_container.core.clock.override(FixedClock(later))
    expired = await pages.client.post("/portal/sign-in", data={"token": token, "_csrf_token": csrf})
    assert expired.status_code == 422
    assert "expired" in expired.text


async def test_signing_out_ends_the_session(pages: Pages) -> None:
    await pages.sign_in(await pages.invite())
    session = pages.client.cookies.get("q2c_portal")
    csrf = await pages.csrf("/portal/invoices")
    out = await pages.client.post("/portal/sign-out", data={"_csrf_token": csrf})
    assert out.status_code == 303
    assert out.headers["location"] == "/portal/signed-out"
    assert pages.client.cookies.get("q2c_portal") is None
    pages.client.cookies.set("q2c_portal", session or "", path="/portal")
    replayed = await pages.client.get("/portal/invoices")
    assert replayed.status_code == 401  # the session's token is revoked, not only forgotten
    assert "sign in" in replayed.text.lower()


async def test_a_session_past_its_expiry_is_signed_out_on_the_server(pages: Pages) -> None:
    await pages.sign_in(await pages.invite())
    signed_in_at = pages.app_container.core.clock().now()
    last = signed_in_at + PORTAL_SESSION_LIFETIME - timedelta(minutes=1)
    pages.app_container.core.clock.override(FixedClock(last))
    assert (await pages.client.get("/portal/invoices")).status_code == 200
    later = signed_in_at + PORTAL_SESSION_LIFETIME + timedelta(seconds=1)
    pages.app_container.core.clock.override(FixedClock(later))
    expired = await pages.client.get("/portal/invoices")  # the cookie is still sent
    assert expired.status_code == 401
    assert "sign in" in expired.text.lower()
    assert "text/html" in expired.headers["content-type"]


async def test_forms_without_the_csrf_token_are_refused(pages: Pages) -> None:
    token = await pages.invite()
    await pages.csrf(f"/portal/sign-in?token={token}")  # the cookie half is set
    missing = await pages.client.post("/portal/sign-in", data={"token": token})
    assert missing.status_code == 403
    wrong = await pages.client.post(
        "/portal/sign-in", data={"token": token, "_csrf_token": "0" * 128}
    )
    assert wrong.status_code == 403
    await pages.sign_in(token)  # the token was not spent by the refused posts
    out = await pages.client.post("/portal/sign-out", data={})
    assert out.status_code == 403
    assert (await pages.client.get("/portal/invoices")).status_code == 200


async def test_a_csrf_refusal_is_the_portals_error_page_and_the_apis_stays_a_problem(
    pages: Pages,
) -> None:
    await pages.sign_in(await pages.invite())
    invoice = await pages.own.invoice("30.00")
    for form in ({}, {"_csrf_token": "0" * 128}):
        refused = await pages.client.post(f"/portal/invoices/{invoice}/pay", data=form)
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("text/html")
        assert "This form has expired: reload the page and send it again." in refused.text
        assert 'href="/portal/invoices"' in refused.text  # still signed in: a way back
    role = await pages.client.post(
        f"/v1/contacts/{pages.own.contact}/portal-invitations",
        headers=pages.keys.headers(Role.SALES),
    )
    assert role.status_code == 403
    assert role.headers["content-type"] == "application/problem+json"


async def test_another_organizations_invoice_is_the_404_page(pages: Pages) -> None:
    theirs = await pages.other.invoice("50.00")
    ours = await pages.own.invoice("60.00")
    await pages.sign_in(await pages.invite())
    listed = await pages.client.get("/portal/invoices")
    assert str(ours) in listed.text
    assert str(theirs) not in listed.text
    page = await pages.client.get(f"/portal/invoices/{theirs}")
    assert page.status_code == 404
    assert "text/html" in page.headers["content-type"]
    assert "50.00" not in page.text


async def test_pages_need_a_session(pages: Pages) -> None:
    invoice = await pages.own.invoice("70.00")
    for path in ("/portal/invoices", f"/portal/invoices/{invoice}"):
        page = await pages.client.get(path)
        assert page.status_code == 401
        assert "70.00" not in page.text
    staff = await pages.client.get("/portal/invoices", headers=pages.keys.headers())
    assert staff.status_code == 401  # a bearer key is not a session


async def test_the_invoice_document_is_a_hub_rendered_pdf_of_ones_own_invoices_only(
    pages: Pages,
) -> None:
    ours = await pages.own.invoice("80.00")
    theirs = await pages.other.invoice("90.00")
    await pages.sign_in(await pages.invite())
    pdf = await pages.client.get(f"/portal/invoices/{ours}/document.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert pdf.headers["x-q2c-document-source"] == "hub"  # no QuickBooks PDF here
    text = "\n".join(pages_of(pdf.content))
    assert "INVOICE" in text
    assert "$80.00" in text
    assert "Payer Ltd" in text
    other = await pages.client.get(f"/portal/invoices/{theirs}/document.pdf")
    assert other.status_code == 404
