"""An email's portal link is a sign-in link for its contact alone; the PSA ticket's text about
the same payment names the bare page, which signs nobody in (PAY-13)."""

from __future__ import annotations

import re

import pytest

from adapters.security.api_keys import Sha256ApiKeySecrets
from application.billing.payments import TakePaymentCommand
from application.identity.portal_access import SignInWithInvitation
from application.notifications.links import PortalLinks
from application.notifications.messages import notice_for
from domain.billing.methods import Environment
from domain.billing.payment_events import PaymentApproved
from domain.shared.errors import DomainError
from entrypoints.containers import Container
from tests.support.billing import Billing, billing

TOKEN = re.compile(r"/portal/sign-in\?token=(\S+)&next=/portal/payments/[0-9a-f-]+\n")


@pytest.fixture
async def setup(memory_container: Container) -> Billing:
    return await billing(memory_container)


async def test_a_receipts_email_signs_its_contact_in_once_and_its_ticket_does_not(
    setup: Billing,
) -> None:
    invoice = await setup.invoice("20.00")
    payment = await setup.take(
        setup.tenant,
        TakePaymentCommand(
            invoice_id=invoice,
            method_id=setup.method,
            contact_id=setup.contact,
            environment=Environment.STAFF,
            idempotency_key="links-1",
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
    assert f"https://hub.test/portal/payments/{payment.id}\n" in notice.body  # the ticket's
    assert "token=" not in notice.body
    found = TOKEN.search(notice.email.body)
    assert found is not None, notice.email.body
    sign_in = SignInWithInvitation(
        setup.container.persistence.uow(),
        Sha256ApiKeySecrets(),
        setup.container.core.clock(),
        setup.container.core.ids(),
    )
    await sign_in(found.group(1))
    with pytest.raises(DomainError, match="used already"):
        await sign_in(found.group(1))
