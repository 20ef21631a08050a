"""A notification email waiting to be sent, sent, or given up on (PAY-13).

Written in the same transaction as the payment change it reports, so none is lost and none is
sent for a change that rolled back; a loop in the worker sends them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from domain.identity.tenant import TenantId
from domain.shared.events import Aggregate

MAX_ATTEMPTS = 8


class NotificationKind(StrEnum):
    PAYMENT_RECEIVED = "payment_received"
    PAYMENT_FAILED = "payment_failed"
    SETTLEMENT_FAILED = "settlement_failed"
    PORTAL_INVITATION = "portal_invitation"  # subject: the invitation
    QUOTE_ACCEPTED = "quote_accepted"  # subject: the quote
    INVOICE_READY = "invoice_ready"  # subject: the invoice, now payable; at most one each


class NotificationStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(eq=False, kw_only=True)
class Notification(Aggregate):
    id: UUID
    tenant_id: TenantId
    kind: NotificationKind
    subject_id: UUID  # the payment (invoice, quote, invitation) it is about
    to_address: str
    title: str
    body: str
    created_at: datetime
    sender_name: str | None = None  # the MSP's name: the From header's display name
    status: NotificationStatus = NotificationStatus.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    error: str | None = None
    sent_at: datetime | None = None

    def sent(self, now: datetime) -> None:
        self.status, self.sent_at, self.error = NotificationStatus.SENT, now, None
        self.attempts += 1

    def failed_for_now(self, error: str, now: datetime) -> None:
        """A transient failure: try again later, a while longer each time, then give up."""
        self.attempts += 1
        self.error = error
        if self.attempts >= MAX_ATTEMPTS:
            self.status = NotificationStatus.FAILED
            self.next_attempt_at = None
            return
        self.next_attempt_at = now + timedelta(seconds=min(30 * 2 ** (self.attempts - 1), 3600))

    def refused(self, error: str) -> None:
        """The mail server refused it for good (a bad address): kept, with the reason."""
        self.attempts += 1
        self.status, self.error, self.next_attempt_at = NotificationStatus.FAILED, error, None
