"""A deliverer that does nothing: ``q2c bench outbox`` measures the engine without a vendor."""

from __future__ import annotations

from application.integrations.ports import ConnectionConfig, OutboxMessage

NOOP = "bench.noop"


class NoopDeliverer:
    async def deliver(self, message: OutboxMessage, connection: ConnectionConfig) -> None:
        del message, connection
