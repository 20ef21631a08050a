"""What billing's use cases share about the tenant's gateway: its connection and its policy."""

from __future__ import annotations

from application.billing.ports import PaymentGateway
from application.integrations.connections import ConnectionConfigs
from application.integrations.settings import GatewaySettings
from application.shared.ports import Clock
from application.shared.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.billing.methods import MethodKind, PaymentPolicy
from domain.integrations.connection import Connection, Family


def payment_policy(connection: Connection) -> PaymentPolicy:
    settings = GatewaySettings.read(connection.settings)
    return PaymentPolicy(
        staff=frozenset(MethodKind(k) for k in settings.staff_methods),
        portal=frozenset(MethodKind(k) for k in settings.portal_methods),
        refund_at_gateway=settings.refund_at_gateway,
    )


async def enabled_connection(uow: UnitOfWork, family: Family) -> Connection | None:
    return await uow.connections.enabled_of(family)


def refunds_at_gateway(connection: Connection | None) -> bool:
    """PAY-6: the hub sends refunds to the gateway only when the tenant asks it to."""
    return connection is not None and payment_policy(connection).refund_at_gateway


class OverGateway:
    """A use case that works through the tenant's units of work, connections and gateway."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        configs: ConnectionConfigs,
        gateway: PaymentGateway,
        clock: Clock,
    ) -> None:
        self._uow, self._configs, self._gateway, self._clock = uow, configs, gateway, clock
