"""An email's portal link is a sign-in link for its contact alone, and only for a contact staff
let into the portal (an invitation they made, or a portal token they issued); any other contact,
and the PSA ticket's text about the same payment, get the bare page, which signs nobody in
(PAY-13)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from adapters.security.api_keys import Sha256ApiKeySecrets
from application.billing.payments import TakePaymentCommand
from application.identity.portal_access import SignInWithInvitation, issue_sign_in
from application.notifications.links import PortalLinks
from application.notifications.messages import Notice, notice_for
from domain.billing.methods import Environment
from domain.billing.payment_events import PaymentApproved
from domain.identity.invitation import EMAILED_BY
from domain.shared.errors import DomainError
from domain.shared.ids import new_id
from entrypoints.containers import Container
from tests.support.billing import Billing, billing

TOKEN = re.compile(r"/portal/sign-in\?token=(\S+)&next=/portal/payments/[0-9a-f-]+\n")


@pytest.fixture
async def setup(memory_container: Container) -> Billing:
    return await billing(memory_container)


async def receipt(setup: Billing, key: str) -> tuple[Notice, str]:
    """The notice of an approved payment by the billing contact, and the receipt's bare link."""
    invoice = await setup.invoice("20.00")
    payment = await setup.take(
        setup.tenant,
        TakePaymentCommand(
            invoice_id=invoice,
            method_id=setup.method,
            contact_id=setup.contact,
            environment=Environment.STAFF,
            idempotency_key=key,
            actor="key:test",
        ),
    )
    links = PortalLinks("https://hub.test", Sha256ApiKeySecrets())
    now = setup.container.core.clock().now()
    approved = PaymentApproved(
        tenant_id=setup.tenant, payment_id=payment.id, invoice_id=invoice, occurred_at=now
    )
    async with setup.container.persistence.uow()(setup.tenant) as uow:
        notice = await notice_for(uow, approved, links)
        await uow.commit()
    assert notice is not None
    assert notice.email is not None
    return notice, f"https://hub.test/portal/payments/{payment.id}\n"


async def invite(setup: Billing) -> None:
    invite_contact = setup.container.identity.invite_portal_contact()
    await invite_contact(setup.tenant, setup.contact, invited_by="key:test")


def sign_in(setup: Billing) -> SignInWithInvitation:
    return SignInWithInvitation(
        setup.container.persistence.uow(),
        Sha256ApiKeySecrets(),
        setup.container.core.clock(),
        setup.container.core.ids(),
    )


async def invitations(setup: Billing) -> int:
    async with setup.container.persistence.uow()(setup.tenant) as uow:
        return len(await uow.portal_invitations.of_contact(setup.contact))


async def test_an_invited_contacts_receipt_signs_it_in_once_and_its_ticket_does_not(
    setup: Billing,
) -> None:
    # PAY-13
    await invite(setup)
    notice, bare = await receipt(setup, "links-1")
    assert notice.email is not None
    assert bare in notice.body  # the ticket's
    assert "token=" not in notice.body
    found = TOKEN.search(notice.email.body)
    assert found is not None, notice.email.body
    await sign_in(setup)(found.group(1))
    with pytest.raises(DomainError, match="used already"):
        await sign_in(setup)(found.group(1))


async def test_an_uninvited_contacts_receipt_names_the_bare_page_and_makes_no_invitation(
    setup: Billing,
) -> None:
    # PAY-13: an email lets nobody into the portal whom staff did not
    notice, bare = await receipt(setup, "links-2")
    assert notice.email is not None
    assert "token=" not in notice.email.body
    assert f"Your receipt: {bare}" in notice.email.body
    assert await invitations(setup) == 0


async def test_an_emailed_links_own_invitation_and_session_give_no_access(setup: Billing) -> None:
    # A contact signed in by an email's link before (made for the email, not by staff): no more.
    async with setup.container.persistence.uow()(setup.tenant) as uow:
        contact = await uow.contacts.get(setup.contact)
        now = setup.container.core.clock().now()
        _, token = await issue_sign_in(
            uow, Sha256ApiKeySecrets(), new_id(), contact, now=now, invited_by=EMAILED_BY
        )
        await uow.commit()
    await sign_in(setup)(token)  # a portal session for the contact, from the email's link
    notice, _ = await receipt(setup, "links-3")
    assert notice.email is not None
    assert "token=" not in notice.email.body


async def test_a_staff_issued_portal_token_counts_until_revoked(setup: Billing) -> None:
    issued = await setup.container.identity.issue_portal_token()(setup.tenant, setup.contact)
    notice, _ = await receipt(setup, "links-4")
    assert notice.email is not None
    assert TOKEN.search(notice.email.body) is not None
    await setup.container.identity.revoke_api_key()(setup.tenant, issued.key.id)
    notice, _ = await receipt(setup, "links-5")
    assert notice.email is not None
    assert "token=" not in notice.email.body


async def test_an_emailed_sign_in_link_lasts_72_hours_and_an_invitation_7_days(
    setup: Billing,
) -> None:
    await invite(setup)
    await receipt(setup, "links-6")
    async with setup.container.persistence.uow()(setup.tenant) as uow:
        made = await uow.portal_invitations.of_contact(setup.contact)
    lifetimes = {i.invited_by: i.expires_at - i.created_at for i in made}
    assert lifetimes == {"key:test": timedelta(days=7), EMAILED_BY: timedelta(hours=72)}
