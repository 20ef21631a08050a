"""A deliverer that does nothing: ``q2c bench outbox`` measures the engine without a vendor."""

from __future__ import annotations

from application.integrations.messages import PAYMENT_PUSH, PaymentPush
from application.integrations.ports import ConnectionConfig, OutboxMessage

# A kind no Autotask deliverer takes: the bench registers the no-op under it, on Autotask.
NOOP = PAYMENT_PUSH
NoopMessage = PaymentPush


class NoopDeliverer:
    async def deliver(self, message: OutboxMessage, connection: ConnectionConfig) -> None:
        del message, connection
