"""``/v1/organizations``: thin handlers; the use cases hold the rules."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from litestar import Controller, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from application.crm.ports import OrganizationFilter
from application.crm.queries import CrmQueries
from application.crm.use_cases import (
    CreateOrganization,
    DeactivateOrganization,
    UpdateOrganization,
)
from application.identity.ports import Principal
from application.shared.pagination import PageRequest
from domain.crm.organization import OrganizationId, OrganizationStatus, OrganizationType
from entrypoints.http.auth import ANY_STAFF, MANAGERS
from entrypoints.http.schemas.common import Limit, PageOut
from entrypoints.http.schemas.crm import OrganizationCreate, OrganizationOut, OrganizationPatch


class OrganizationController(Controller):
    path = "/v1/organizations"
    tags = ["organizations"]  # noqa: RUF012
    guards = [ANY_STAFF]  # noqa: RUF012

    @post("/", summary="Create an organization")
    async def create(
        self,
        data: JSONBody[OrganizationCreate],
        principal: NamedDependency[Principal],
        create_organization: NamedDependency[CreateOrganization],
    ) -> OrganizationOut:
        organization = await create_organization(principal.tenant_id, data.to_profile())
        return OrganizationOut.of(organization)

    @get("/", summary="List organizations, filtered, one page at a time")
    async def list_organizations(
        self,
        principal: NamedDependency[Principal],
        crm_queries: NamedDependency[CrmQueries],
        status: FromQuery[OrganizationStatus | None] = None,
        kind: Annotated[OrganizationType | None, QueryParameter(name="type")] = None,
        q: Annotated[
            str | None,
            QueryParameter(max_length=100, description="name or account number contains"),
        ] = None,
        parent_id: FromQuery[UUID | None] = None,
        created_from: FromQuery[datetime | None] = None,
        created_to: FromQuery[datetime | None] = None,
        limit: Limit = None,
        cursor: FromQuery[str | None] = None,
    ) -> PageOut[OrganizationOut]:
        where = OrganizationFilter(
            status=status,
            type=kind,
            search=q,
            parent_id=OrganizationId(parent_id) if parent_id else None,
            created_from=created_from,
            created_to=created_to,
        )
        page = await crm_queries.organizations(
            principal.tenant_id, where, PageRequest.parse(limit, cursor)
        )
        return PageOut.of(page, OrganizationOut.of)

    @get("/{organization_id:uuid}", summary="Read an organization")
    async def read(
        self,
        organization_id: FromPath[UUID],
        principal: NamedDependency[Principal],
        crm_queries: NamedDependency[CrmQueries],
    ) -> OrganizationOut:
        organization = await crm_queries.organization(
            principal.tenant_id, OrganizationId(organization_id)
        )
        return OrganizationOut.of(organization)

    @patch("/{organization_id:uuid}", summary="Change some fields of an organization")
    async def update(
        self,
        organization_id: FromPath[UUID],
        data: JSONBody[OrganizationPatch],
        principal: NamedDependency[Principal],
        update_organization: NamedDependency[UpdateOrganization],
    ) -> OrganizationOut:
        organization = await update_organization(
            principal.tenant_id, OrganizationId(organization_id), data.to_changes()
        )
        return OrganizationOut.of(organization)

    @post(
        "/{organization_id:uuid}/deactivate",
        guards=[MANAGERS],
        status_code=200,
        summary="Deactivate an organization (managers and admins)",
    )
    async def deactivate(
        self,
        organization_id: FromPath[UUID],
        principal: NamedDependency[Principal],
        deactivate_organization: NamedDependency[DeactivateOrganization],
    ) -> OrganizationOut:
        organization = await deactivate_organization(
            principal.tenant_id, OrganizationId(organization_id)
        )
        return OrganizationOut.of(organization)
