"""``/v1/contacts``."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from application.crm.ports import ContactFilter
from application.crm.queries import CrmQueries
from application.crm.use_cases import CreateContact, DeactivateContact, UpdateContact
from application.identity.ports import Principal
from application.shared.pagination import PageRequest
from domain.crm.organization import ContactId, OrganizationId
from entrypoints.http.auth import ANY_STAFF, MANAGERS
from entrypoints.http.schemas.common import Limit, PageOut
from entrypoints.http.schemas.crm import ContactCreate, ContactOut, ContactPatch


class ContactController(Controller):
    path = "/v1/contacts"
    tags = ["contacts"]  # noqa: RUF012
    guards = [ANY_STAFF]  # noqa: RUF012

    @post("/", summary="Create a contact at an organization")
    async def create(
        self,
        data: JSONBody[ContactCreate],
        principal: NamedDependency[Principal],
        create_contact: NamedDependency[CreateContact],
    ) -> ContactOut:
        contact = await create_contact(
            principal.tenant_id, OrganizationId(data.organization_id), data.to_profile()
        )
        return ContactOut.of(contact)

    @get("/", summary="List contacts, filtered, one page at a time")
    async def list_contacts(
        self,
        principal: NamedDependency[Principal],
        crm_queries: NamedDependency[CrmQueries],
        organization_id: FromQuery[UUID | None] = None,
        active: FromQuery[bool | None] = None,
        q: Annotated[
            str | None, QueryParameter(max_length=100, description="name or email contains")
        ] = None,
        limit: Limit = None,
        cursor: FromQuery[str | None] = None,
    ) -> PageOut[ContactOut]:
        where = ContactFilter(
            organization_id=OrganizationId(organization_id) if organization_id else None,
            active=active,
            search=q,
        )
        page = await crm_queries.contacts(
            principal.tenant_id, where, PageRequest.parse(limit, cursor)
        )
        return PageOut.of(page, ContactOut.of)

    @get("/{contact_id:uuid}", summary="Read a contact")
    async def read(
        self,
        contact_id: FromPath[UUID],
        principal: NamedDependency[Principal],
        crm_queries: NamedDependency[CrmQueries],
    ) -> ContactOut:
        return ContactOut.of(await crm_queries.contact(principal.tenant_id, ContactId(contact_id)))

    @patch("/{contact_id:uuid}", summary="Change some fields of a contact")
    async def update(
        self,
        contact_id: FromPath[UUID],
        data: JSONBody[ContactPatch],
        principal: NamedDependency[Principal],
        update_contact: NamedDependency[UpdateContact],
    ) -> ContactOut:
        contact = await update_contact(
            principal.tenant_id, ContactId(contact_id), data.to_changes()
        )
        return ContactOut.of(contact)

    @post(
        "/{contact_id:uuid}/deactivate",
        guards=[MANAGERS],
        status_code=200,
        summary="Deactivate a contact (managers and admins)",
    )
    async def deactivate(
        self,
        contact_id: FromPath[UUID],
        principal: NamedDependency[Principal],
        deactivate_contact: NamedDependency[DeactivateContact],
    ) -> ContactOut:
        contact = await deactivate_contact(principal.tenant_id, ContactId(contact_id))
        return ContactOut.of(contact)
