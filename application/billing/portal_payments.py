"""What a portal contact may pay with, and the methods it keeps (PAY-8).

Only the kinds enabled for the portal are offered: the organization's stored methods of those
kinds, and a new card or account through the gateway's browser tokenizer, whose script and
public key come from the gateway connection. No number ever passes through here: the browser
sends the gateway the details and the hub a one-use token.
"""

from __future__ import annotations

from dataclasses import dataclass

from application.billing.gateway import enabled_connection, payment_policy
from application.billing.methods import GatewayMissing
from application.billing.ports import PaymentGateway
from application.integrations.connections import ConnectionConfigs
from application.integrations.settings import GatewaySettings
from application.shared.errors import NotFound
from application.shared.unit_of_work import UnitOfWorkFactory
from domain.billing.methods import MethodKind, PaymentMethod, PaymentMethodId
from domain.crm.organization import OrganizationId
from domain.identity.tenant import TenantId
from domain.integrations.connection import Family

TOKENIZER_PATH = "/token/Collect.js"  # where NMI-style gateways serve their tokenizer


@dataclass(frozen=True)
class PaymentOptions:
    kinds: frozenset[MethodKind]  # enabled for the portal; empty: no online payment
    methods: tuple[PaymentMethod, ...]  # the organization's, of those kinds
    tokenizer_url: str | None  # the gateway's script; None: no new methods from the browser
    tokenization_key: str

    @property
    def new_methods(self) -> bool:
        return bool(self.kinds) and self.tokenizer_url is not None


class PortalPaymentOptions:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(
        self, tenant_id: TenantId, organization_id: OrganizationId
    ) -> PaymentOptions:
        async with self._uow(tenant_id) as uow:
            await uow.organizations.get(organization_id)
            gateway = await enabled_connection(uow, Family.PAYMENTS)
            methods = await uow.payment_methods.of_organization(organization_id)
        if gateway is None:
            return PaymentOptions(frozenset(), (), None, "")
        kinds = payment_policy(gateway).portal
        key = GatewaySettings.read(gateway.settings).tokenization_key
        url = f"{gateway.base_url.rstrip('/')}{TOKENIZER_PATH}" if key else None
        usable = tuple(m for m in methods if m.kind in kinds)
        return PaymentOptions(kinds, usable, url, key)


class RemovePaymentMethod:
    """The method leaves the gateway's vault and the organization's list (PAY-8)."""

    def __init__(
        self, uow: UnitOfWorkFactory, configs: ConnectionConfigs, gateway: PaymentGateway
    ) -> None:
        self._uow, self._configs, self._gateway = uow, configs, gateway

    async def __call__(
        self, tenant_id: TenantId, organization_id: OrganizationId, method_id: PaymentMethodId
    ) -> PaymentMethod:
        async with self._uow(tenant_id) as uow:
            method = await uow.payment_methods.get(method_id)
            if method.organization_id != organization_id or not method.active:
                raise NotFound(f"payment method {method_id} not found")
            connection = await enabled_connection(uow, Family.PAYMENTS)
        if connection is None:
            # Hidden here but still chargeable in the vault would be worse than neither: the
            # method stays where it is on both sides until the gateway is back (PAY-8).
            raise GatewayMissing("no payment gateway is enabled", field="method_id")
        await self._gateway.delete_method(self._configs.of(connection), method.vault_id)
        async with self._uow(tenant_id) as uow:
            method = await uow.payment_methods.get(method_id)
            method.remove()
            await uow.commit()
        return method
