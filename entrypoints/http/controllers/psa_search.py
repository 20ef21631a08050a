"""Real-time searches of the tenant's PSA (QUO-5, CAT-2), and the portal's opportunities (PAY-14).

Each call goes to the PSA now, through the adapter's limits; nothing is stored.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery, QueryParameter

from application.identity.ports import Principal
from application.quotes.search import PsaSearch
from domain.crm.organization import OrganizationId
from entrypoints.http.auth import ANY_STAFF, PORTAL
from entrypoints.http.controllers.portal import PortalCaller, portal_caller
from entrypoints.http.schemas.psa_search import PsaContactOut, PsaItemOut, PsaOpportunityOut

Text = Annotated[str, QueryParameter(min_length=1, max_length=100)]
Few = Annotated[int, QueryParameter(ge=1, le=100)]


class PsaSearchController(Controller):
    path = "/v1"
    tags = ["quotes"]  # noqa: RUF012
    guards = [ANY_STAFF]  # noqa: RUF012

    @get(
        "/opportunities",
        summary="The opportunity selector: the PSA's opportunities a quote can be linked to",
    )
    async def opportunities(
        self,
        principal: NamedDependency[Principal],
        psa_search: NamedDependency[PsaSearch],
        search: Annotated[str | None, QueryParameter(max_length=100)] = None,
        organization_id: FromQuery[UUID | None] = None,
        limit: Few = 25,
    ) -> list[PsaOpportunityOut]:
        found = await psa_search.opportunities(
            principal.tenant_id,
            search,
            OrganizationId(organization_id) if organization_id else None,
            limit,
        )
        return [PsaOpportunityOut.of(o) for o in found]

    @get("/contacts/psa-search", summary="The PSA's contacts matching a name or email")
    async def contacts(
        self,
        principal: NamedDependency[Principal],
        psa_search: NamedDependency[PsaSearch],
        q: Text,
        limit: Few = 25,
    ) -> list[PsaContactOut]:
        found = await psa_search.contacts(principal.tenant_id, q, limit)
        return [PsaContactOut.of(c) for c in found]

    @get("/products/psa-search", summary="The product cloud: the PSA's items, with prices")
    async def products(
        self,
        principal: NamedDependency[Principal],
        psa_search: NamedDependency[PsaSearch],
        q: Text,
        limit: Few = 25,
    ) -> list[PsaItemOut]:
        system, found = await psa_search.items(principal.tenant_id, q, limit)
        return [PsaItemOut.of(system, i) for i in found]


class PortalOpportunityController(Controller):
    path = "/portal/v1/opportunities"
    tags = ["portal"]  # noqa: RUF012
    guards = [PORTAL]  # noqa: RUF012
    dependencies = {"caller": Provide(portal_caller, sync_to_thread=False)}  # noqa: RUF012

    @get("/", summary="The organization's open opportunities, with links to their quotes")
    async def opportunities(
        self, caller: NamedDependency[PortalCaller], psa_search: NamedDependency[PsaSearch]
    ) -> list[PsaOpportunityOut]:
        found = await psa_search.open_for(caller.tenant_id, caller.organization_id)
        return [PsaOpportunityOut.of(o) for o in found]
