"""Payment methods: a browser-tokenized card or account vaulted at the gateway (PAY-8)."""

from __future__ import annotations

from dataclasses import dataclass

from application.billing.gateway import enabled_connection, payment_policy
from application.billing.ports import BillingContact, PaymentGateway
from application.integrations.connections import ConnectionConfigs
from application.shared.errors import ApplicationError
from application.shared.ports import Clock, IdGenerator
from application.shared.unit_of_work import UnitOfWorkFactory
from domain.billing.methods import Environment, MethodKind, PaymentMethod, PaymentMethodId
from domain.crm.organization import OrganizationId
from domain.identity.tenant import TenantId
from domain.integrations.connection import Family
from domain.shared.errors import DomainError


class GatewayMissing(ApplicationError):
    code = "payments_disabled"


@dataclass(frozen=True, kw_only=True)
class NewMethod:
    organization_id: OrganizationId
    payment_token: str  # from the gateway's browser tokenization: never a card number
    contact: BillingContact
    # What the browser tokenized (the gateway's tokenizer says): checked against the kinds
    # enabled for ``environment`` before anything is vaulted (PAY-8). The portal must say it;
    # staff may leave it out (their kinds are checked when they pay).
    kind: MethodKind | None = None
    environment: Environment = Environment.STAFF


class AddPaymentMethod:
    """Vault a tokenized card or account at the gateway; keep its vault id and last four (PAY-8).

    A kind not enabled for the environment is refused before the gateway is called; a token
    that turns out to be of another kind than the one named is deleted from the vault again.
    """

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
        if new.kind is None and new.environment is Environment.PORTAL:
            raise DomainError(
                "say whether the method is a card or a bank account (eCheck)",
                code="method_kind_missing",
                rule="PAY-8",
                field="kind",
            )
        if new.kind is not None:
            payment_policy(connection).check(new.environment, new.kind, field="kind")
        config = self._configs.of(connection)
        details = await self._gateway.add_method(
            config, payment_token=new.payment_token, contact=new.contact
        )
        if new.kind is not None and details.kind is not new.kind:
            await self._gateway.delete_method(config, details.vault_id)
            raise DomainError(
                f"the details given are not of the kind named ({new.kind})",
                code="method_kind_mismatch",
                rule="PAY-8",
                field="kind",
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
