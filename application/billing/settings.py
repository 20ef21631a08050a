"""Payment settings: the tenant's gateway, the methods each environment takes, the refund policy.

They are kept in the enabled gateway connection's settings (PAY-10: there is one), where taking
a payment (PAY-8) and refunding it (PAY-6) read them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from application.billing.gateway import enabled_connection, payment_policy
from application.shared.errors import Conflict
from application.shared.ports import Clock
from application.shared.unit_of_work import UnitOfWorkFactory
from domain.billing.methods import Environment, MethodKind, PaymentPolicy
from domain.identity.tenant import TenantId
from domain.integrations.connection import Connection, Family, System
from domain.shared.errors import DomainError

# The kinds each gateway can charge; an environment may enable only these (PAY-8).
GATEWAY_KINDS: Mapping[System, frozenset[MethodKind]] = {System.BNG: frozenset(MethodKind)}

NO_METHODS = PaymentPolicy(staff=frozenset(), portal=frozenset())


class NoGateway(Conflict):
    code = "no_gateway"


@dataclass(frozen=True, kw_only=True)
class SettingsChange:
    """The whole payment settings, as asked: kinds by name, checked against the gateway."""

    staff_methods: frozenset[str]
    portal_methods: frozenset[str]
    refund_at_gateway: bool


@dataclass(frozen=True)
class PaymentSettings:
    gateway: Connection | None  # None: no payments are possible at all
    policy: PaymentPolicy


class PaymentSettingsQueries:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, tenant_id: TenantId) -> PaymentSettings:
        async with self._uow(tenant_id) as uow:
            gateway = await enabled_connection(uow, Family.PAYMENTS)
        if gateway is None:
            return PaymentSettings(None, NO_METHODS)
        return PaymentSettings(gateway, payment_policy(gateway))


class ChangePaymentSettings:
    """Choose the kinds staff and the portal take (PAY-8) and where refunds go (PAY-6).

    Only kinds the enabled gateway supports; with no gateway there is nothing to set (PAY-10).
    """

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, tenant_id: TenantId, change: SettingsChange) -> PaymentSettings:
        async with self._uow(tenant_id) as uow:
            gateway = await enabled_connection(uow, Family.PAYMENTS)
            if gateway is None:
                raise NoGateway(
                    "no payment gateway is connected and enabled: connect the tenant's one "
                    "gateway (PAY-10) before choosing its payment methods (PAY-8)"
                )
            policy = PaymentPolicy(
                staff=_supported(gateway.system, Environment.STAFF, change.staff_methods),
                portal=_supported(gateway.system, Environment.PORTAL, change.portal_methods),
                refund_at_gateway=change.refund_at_gateway,
            )
            gateway.change_settings(
                {
                    "staff_methods": sorted(k.value for k in policy.staff),
                    "portal_methods": sorted(k.value for k in policy.portal),
                    "refund_at_gateway": policy.refund_at_gateway,
                },
                self._clock.now(),
            )
            await uow.commit()
        return PaymentSettings(gateway, payment_policy(gateway))


def _supported(
    system: System, environment: Environment, kinds: frozenset[str]
) -> frozenset[MethodKind]:
    supported = {kind.value: kind for kind in GATEWAY_KINDS.get(system, frozenset())}
    unsupported = sorted(kinds - supported.keys())
    if unsupported:
        raise DomainError(
            f"{system} does not take {', '.join(unsupported)} payments; "
            f"it takes {', '.join(sorted(supported)) or 'none'}",
            code="method_unsupported",
            rule="PAY-8",
            field=f"methods.{environment}",
        )
    return frozenset(supported[kind] for kind in kinds)
