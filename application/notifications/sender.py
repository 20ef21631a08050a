"""The worker's notification loop: sends what the policy wrote, retries what may pass (PAY-13)."""

from __future__ import annotations

import asyncio
import logging
from email.utils import parseaddr

from application.notifications.ports import (
    EmailMessage,
    Mailer,
    MailRejected,
    MailUnavailable,
    NotificationQueue,
)
from application.shared.loops import repeat
from application.shared.ports import Clock
from domain.notifications.notification import Notification

log = logging.getLogger("q2c.notifications")


def email_of(notification: Notification, sender: str) -> EmailMessage:
    """The email of a notification, from ``sender`` under the MSP's name where it has one."""
    name = notification.sender_name
    return EmailMessage(
        message_id=f"<{notification.id}@q2c>",
        sender=parseaddr(sender)[1] if name else sender,
        sender_name=name,
        to=notification.to_address,
        subject=notification.title,
        text=notification.body,
    )


class SendNotifications:
    def __init__(
        self,
        queue: NotificationQueue,
        mailer: Mailer,
        clock: Clock,
        owner: str,
        *,
        sender: str,
        batch: int = 50,
        lease_seconds: float = 120.0,
        interval_seconds: float = 2.0,
    ) -> None:
        self._queue, self._mailer, self._clock, self.owner = queue, mailer, clock, owner
        self._sender, self._batch = sender, batch
        self._lease, self._interval = lease_seconds, interval_seconds

    async def run(self, stop: asyncio.Event) -> None:
        # A full round may leave more due: the next one runs at once.
        await repeat(
            stop,
            self.round,
            pause_seconds=self._interval,
            log=log,
            failure="notification_round_failed",
        )

    async def round(self) -> int:
        """Send one batch of due notifications; returns how many were attempted."""
        claimed = await self._queue.claim(self.owner, self._batch, self._lease)
        for notification in claimed:
            try:
                await self._mailer.send(email_of(notification, self._sender))
            except MailUnavailable as error:
                notification.failed_for_now(error.message, self._clock.now())
            except MailRejected as error:
                notification.refused(error.message)
            else:
                notification.sent(self._clock.now())
            log.info(
                "notification_attempted",
                extra={"notification": str(notification.id), "status": notification.status},
            )
            await self._queue.save(notification, self.owner)
        return len(claimed)
