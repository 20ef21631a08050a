"""Payment methods: a browser-tokenized card or account vaulted at the gateway (PAY-8)."""

from __future__ import annotations

from dataclasses import dataclass

from application.billing.gateway import enabled_connection
from application.billing.ports import BillingContact, PaymentGateway
from application.integrations.connections import ConnectionConfigs
from application.shared.errors import ApplicationError
from application.shared.ports import Clock, IdGenerator
from application.shared.unit_of_work import UnitOfWorkFactory
from domain.billing.methods import PaymentMethod, PaymentMethodId
from domain.crm.organization import OrganizationId
from domain.identity.tenant import TenantId
from domain.integrations.connection import Family


class GatewayMissing(ApplicationError):
    code = "payments_disabled"


@dataclass(frozen=True, kw_only=True)
class NewMethod:
    organization_id: OrganizationId
    payment_token: str  # from the gateway's browser tokenization: never a card number
    contact: BillingContact


class AddPaymentMethod:
    """Vault a tokenized card or account at the gateway; keep its vault id and last four (PAY-8)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        configs: ConnectionConfigs,
        gateway: PaymentGateway,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._uow, self._configs, self._gateway = uow, configs, gateway
        self._clock, self._ids = clock, ids

    async def __call__(self, tenant_id: TenantId, new: NewMethod) -> PaymentMethod:
        async with self._uow(tenant_id) as uow:
            await uow.organizations.get(new.organization_id)
            connection = await enabled_connection(uow, Family.PAYMENTS)
        if connection is None:
            raise GatewayMissing("no payment gateway is enabled", field="payment_token")
        details = await self._gateway.add_method(
            self._configs.of(connection), payment_token=new.payment_token, contact=new.contact
        )
        method = PaymentMethod(
            id=PaymentMethodId(self._ids()),
            tenant_id=tenant_id,
            organization_id=new.organization_id,
            details=details,
            now=self._clock.now(),
        )
        async with self._uow(tenant_id) as uow:
            await uow.payment_methods.add(method)
            await uow.commit()
        return method
