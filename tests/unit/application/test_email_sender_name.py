"""An email is sent from the MSP's name (PAY-13): the hub's address, the tenant's display name,
written so a comma or an accent in the name survives the trip through a mail server."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parseaddr
from pathlib import Path
from uuid import uuid4

from adapters.notifications.mailbox import LocalMailbox
from application.notifications.sender import email_of
from domain.identity.tenant import TenantId
from domain.notifications.notification import Notification, NotificationKind


def notification(sender_name: str | None) -> Notification:
    return Notification(
        id=uuid4(),
        tenant_id=TenantId(uuid4()),
        kind=NotificationKind.PAYMENT_RECEIVED,
        subject_id=uuid4(),
        to_address="pat@payer.test",
        title="Payment received for invoice 1001",
        body="Thank you.\n",
        created_at=datetime(2026, 12, 6, tzinfo=UTC),
        sender_name=sender_name,
    )


async def test_the_msps_name_is_the_senders_display_name(tmp_path: Path) -> None:
    box = LocalMailbox(tmp_path)
    named = email_of(notification("Łódź IT, Inc."), "Billing <billing@hub.test>")
    await box.send(named)
    (stored,) = box.messages()
    assert parseaddr(stored.sender) == ("Łódź IT, Inc.", "billing@hub.test")
    plain = email_of(notification(None), "billing@hub.test")
    assert plain.sender == "billing@hub.test"  # no branding: the hub's address as configured
