"""The port email goes through (PAY-13): an SMTP server, or the embedded local mailbox.

A mailer raises ``MailUnavailable`` for what may pass (the server is down, a 4xx reply) and
``MailRejected`` for what will not (a 5xx reply naming the recipient); the notification loop
retries the first and records the second.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable
from uuid import UUID

from domain.notifications.notification import Notification, NotificationKind


class MailError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MailUnavailable(MailError):
    """Transient: try again later."""


class MailRejected(MailError):
    """Permanent for this message: the server refused it (bad address, refused sender)."""


@dataclass(frozen=True)
class EmailMessage:
    message_id: str  # unique per notification, e.g. "<uuid@q2c>": a resend is recognisable
    sender: str
    to: str
    subject: str
    text: str
    sender_name: str | None = None  # the From header's display name: the MSP's name


@runtime_checkable
class Mailer(Protocol):
    async def send(self, message: EmailMessage) -> None:
        """Hand the message over for delivery; raises MailUnavailable or MailRejected."""
        ...


class NotificationRepository(Protocol):
    """The unit of work's tenant's notifications: written with the change they report."""

    async def add(self, notification: Notification) -> None: ...

    async def exists(self, kind: NotificationKind, subject_id: UUID) -> bool:
        """Whether a notification of ``kind`` about ``subject_id`` was ever written."""
        ...


class NotificationQueue(Protocol):
    """Every tenant's notifications due to be sent, leased to one sender at a time."""

    async def claim(self, owner: str, limit: int, lease_seconds: float) -> list[Notification]:
        """Pending notifications whose time has come, none leased to another sender."""
        ...

    async def save(self, notification: Notification, owner: str) -> None:
        """Store the outcome of one attempt and hand the lease back."""
        ...
