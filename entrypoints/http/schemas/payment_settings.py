"""Bodies of ``/v1/payment-settings``: the gateway, methods per environment, refund policy."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from msgspec import Meta

from application.billing.settings import PaymentSettings, SettingsChange
from entrypoints.http.schemas.common import Input, Output

Kind = Annotated[str, Meta(min_length=1, max_length=30, examples=["card", "echeck"])]


class MethodsIn(Input, frozen=True):
    staff: list[Kind]  # empty: staff take no payments
    portal: list[Kind]  # empty: the portal takes no payments


class PaymentSettingsIn(Input, frozen=True):
    methods: MethodsIn
    refund_at_gateway: bool  # PAY-6: send refunds to the gateway, or tell the user to

    def to_change(self) -> SettingsChange:
        return SettingsChange(
            staff_methods=frozenset(self.methods.staff),
            portal_methods=frozenset(self.methods.portal),
            refund_at_gateway=self.refund_at_gateway,
        )


class GatewayOut(Output, frozen=True):
    connection_id: UUID
    system: str
    name: str


class MethodsOut(Output, frozen=True):
    staff: list[str]
    portal: list[str]


class PaymentSettingsOut(Output, frozen=True):
    gateway: GatewayOut | None  # none connected and enabled: no payments at all (PAY-10)
    methods: MethodsOut
    refund_at_gateway: bool

    @classmethod
    def of(cls, found: PaymentSettings) -> PaymentSettingsOut:
        gateway = found.gateway
        policy = found.policy
        return cls(
            gateway=None
            if gateway is None
            else GatewayOut(
                connection_id=gateway.id, system=gateway.system.value, name=gateway.name
            ),
            methods=MethodsOut(
                staff=sorted(k.value for k in policy.staff),
                portal=sorted(k.value for k in policy.portal),
            ),
            refund_at_gateway=policy.refund_at_gateway,
        )
