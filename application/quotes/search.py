"""Real-time searches of the tenant's PSA: the opportunity selector (QUO-5), the product cloud
(CAT-2), and the portal's open opportunities (PAY-14)."""

from __future__ import annotations

from collections.abc import Mapping

from application.integrations.appliers import ORGANIZATION
from application.integrations.connections import ConnectionConfigs
from application.integrations.ports import ConnectionConfig, ExternalLinks
from application.quotes.ports import (
    OpportunitySearch,
    PsaContact,
    PsaItem,
    PsaOpportunity,
    PsaQuoting,
)
from application.shared.errors import Conflict
from application.shared.unit_of_work import UnitOfWorkFactory
from domain.crm.organization import OrganizationId
from domain.identity.tenant import TenantId
from domain.integrations.connection import Family, System


class NoPsa(Conflict):
    """The tenant has no enabled PSA connection that quotes can use."""

    code = "no_psa_connection"


class PsaSearch:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        configs: ConnectionConfigs,
        quoting: Mapping[System, PsaQuoting],
        links: ExternalLinks,
    ) -> None:
        self._uow = uow
        self._configs = configs
        self._quoting = quoting
        self._links = links

    async def _psa(self, tenant_id: TenantId) -> tuple[PsaQuoting, ConnectionConfig]:
        async with self._uow(tenant_id) as uow:
            connection = await uow.connections.enabled_of(Family.PSA)
        quoting = None if connection is None else self._quoting.get(connection.system)
        if connection is not None and quoting is not None:
            return quoting, self._configs.of(connection)
        raise NoPsa("no PSA that takes quotes is connected and enabled", field="connection")

    async def opportunities(
        self,
        tenant_id: TenantId,
        text: str | None,
        organization_id: OrganizationId | None = None,
        limit: int = 25,
    ) -> list[PsaOpportunity]:
        quoting, config = await self._psa(tenant_id)
        company = None
        if organization_id is not None:
            company = await self._links.find(config.connection_id, ORGANIZATION, organization_id)
            if company is None:
                return []  # not in the PSA yet: nothing to pick
        search = OpportunitySearch(text=text, company_ref=company, limit=limit)
        return await quoting.search_opportunities(search, config)

    async def contacts(self, tenant_id: TenantId, text: str, limit: int = 25) -> list[PsaContact]:
        quoting, config = await self._psa(tenant_id)
        return await quoting.search_contacts(text, config, limit=limit)

    async def items(
        self, tenant_id: TenantId, text: str, limit: int = 25
    ) -> tuple[str, list[PsaItem]]:
        """The PSA's system name, and its items matching ``text``."""
        quoting, config = await self._psa(tenant_id)
        return config.system.value, await quoting.search_items(text, config, limit=limit)

    async def open_for(
        self, tenant_id: TenantId, organization_id: OrganizationId
    ) -> list[PsaOpportunity]:
        """PAY-14: the organization's open opportunities, with their quote links."""
        quoting, config = await self._psa(tenant_id)
        company = await self._links.find(config.connection_id, ORGANIZATION, organization_id)
        if company is None:
            return []
        return await quoting.open_opportunities(company, config)
