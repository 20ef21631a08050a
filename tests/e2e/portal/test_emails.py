"""Emails with links, from the MSP (PAY-13): "your invoice is ready" with the pay link once an
invoice is payable (a tenant setting, off by default; once per invoice however often it is
numbered), a receipt for each payment linking to its page, a confirmation of an accepted
quote; each from the MSP's name with its contact details. Read in the dev mailbox."""

from __future__ import annotations

import re
from datetime import datetime

from adapters.notifications.mailbox import StoredMail
from domain.billing.invoice import InvoiceId
from domain.identity.access import Role
from tests.e2e.portal.conftest import Pages
from tests.e2e.portal.test_quotes import a_quote, shown
from tests.e2e.test_branding_api import branding

PAY_LINK = re.compile(r"https?://\S+(/portal/invoices/[0-9a-f-]+/pay)")
RECEIPT_LINK = re.compile(r"https?://\S+(/portal/payments/[0-9a-f-]+)")
CONTACTS = "billing@northwind.example \u00b7 +1 503 555 0100 \u00b7 https://northwind.example"
SIGNATURE = f"-- \nNorthwind IT\n12 Harbour Road\nPortland, OR 97201\n{CONTACTS}"


async def brand(pages: Pages, *, ready_emails: bool = True) -> None:
    body = branding(invoice_ready_emails=ready_emails)
    changed = await pages.client.put("/v1/tenant/branding", json=body, headers=pages.keys.headers())
    assert changed.status_code == 200, changed.text


async def number(pages: Pages, invoice: InvoiceId, doc_number: str) -> None:
    """What PushInvoice does when QuickBooks holds the invoice: it becomes payable (PAY-1)."""
    async with pages.own.container.persistence.uow()(pages.own.tenant) as uow:
        found = await uow.invoices.get(invoice, lock=True)
        found.numbered(doc_number, f"qb-{doc_number}", datetime.now(found.created_at.tzinfo))
        await uow.commit()


async def mails_titled(pages: Pages, words: str, about: object = "") -> list[StoredMail]:
    """The mails sent so far whose subject has ``words`` and whose text names ``about`` (the
    notification loop sends every tenant's: another test's leftovers are told apart)."""
    await pages.send_due()
    return [m for m in pages.mailbox.messages() if words in m.subject and str(about) in m.text]


async def test_a_payable_invoice_is_mailed_once_with_a_pay_link_that_works(pages: Pages) -> None:
    quiet = await pages.own.invoice("75.00", numbered=False)
    await number(pages, quiet, "1001")  # no branding yet: the setting's default is off
    await brand(pages, ready_emails=False)
    also_quiet = await pages.own.invoice("75.00", numbered=False)
    await number(pages, also_quiet, "1002")
    assert await mails_titled(pages, "ready to pay", quiet) == []
    assert await mails_titled(pages, "ready to pay", also_quiet) == []
    await brand(pages)
    invoice = await pages.own.invoice("480.00", numbered=False)
    assert await mails_titled(pages, "ready to pay", invoice) == []  # not payable: no number
    await number(pages, invoice, "2001")
    await number(pages, invoice, "2001")  # the same push delivered again
    await number(pages, invoice, "2001-A")  # renumbered in QuickBooks
    (mail,) = await mails_titled(pages, "ready to pay", invoice)
    assert mail.subject == "Invoice 2001 from Northwind IT is ready to pay"
    assert mail.to == "pat@payer.test"
    assert mail.sender.startswith("Northwind IT <")
    assert "USD 480.00 to pay" in mail.text
    assert "Net 30." in mail.text
    assert mail.text.endswith(SIGNATURE)
    found = PAY_LINK.search(mail.text)
    assert found is not None
    assert found.group(1) == f"/portal/invoices/{invoice}/pay"
    signed_out = await pages.client.get(found.group(1))
    assert signed_out.status_code == 401  # the sign-in page, not a dead link
    assert "Please sign in" in signed_out.text
    await pages.sign_in(await pages.invite())
    invitation = (await mails_titled(pages, "sign-in link", "Northwind IT invites"))[-1]
    assert invitation.subject == "Northwind IT: your sign-in link to the billing portal"
    assert invitation.sender.startswith("Northwind IT <")
    assert invitation.text.endswith(SIGNATURE)
    pay = await pages.client.get(found.group(1))
    assert pay.status_code == 200
    assert "480.00" in pay.text


async def test_each_payment_is_receipted_with_a_link_to_its_receipt_page(pages: Pages) -> None:
    await brand(pages, ready_emails=False)
    invoice = await pages.own.invoice("90.00")
    taken = await pages.client.post(
        f"/v1/invoices/{invoice}/payments",
        json={"method_id": str(pages.own.method), "contact_id": str(pages.own.contact)},
        headers={**pages.keys.headers(Role.MANAGER), "Idempotency-Key": "receipt-1"},
    )
    assert taken.status_code == 201, taken.text
    (mail,) = await mails_titled(pages, "Payment received", taken.json()["id"])
    assert mail.sender.startswith("Northwind IT <")
    assert mail.text.endswith(SIGNATURE)
    found = RECEIPT_LINK.search(mail.text)
    assert found is not None
    assert found.group(1) == f"/portal/payments/{taken.json()['id']}"
    await pages.sign_in(await pages.invite())
    receipt = await pages.client.get(found.group(1))  # through its sign-in: test_email_sign_in
    assert receipt.status_code == 200
    assert "90.00" in receipt.text


async def test_an_accepted_quote_is_confirmed_from_the_msp(pages: Pages) -> None:
    await brand(pages, ready_emails=False)
    quote = await a_quote(pages)
    await pages.sign_in(await pages.invite())
    form = await shown(pages, quote)
    accepted = await pages.client.post(
        f"/portal/quotes/{quote}/accept", data={**form, "name": "Pat Payer", "terms": "yes"}
    )
    assert accepted.status_code == 303, accepted.text
    mails = await mails_titled(pages, "accepted", form["pdf_sha256"])
    assert {m.to for m in mails} == {"pat@payer.test", "sam@msp.test"}
    for mail in mails:
        assert mail.sender.startswith("Northwind IT <")
        assert mail.text.endswith(SIGNATURE)
