"""Inviting a contact to the portal's pages: ``POST /v1/contacts/{id}/portal-invitations``.

An admin or a manager invites; the contact gets an email with a single-use, expiring sign-in
link. The answer does not carry the link: it goes to the contact only (``q2c portal invite``,
run on the hub's machine, prints it for a demo).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from application.identity.portal_access import InvitePortalContact, SentInvitation
from application.identity.ports import Principal
from domain.crm.organization import ContactId
from entrypoints.http.auth import MANAGERS
from entrypoints.http.schemas.common import Output


class PortalInvitationOut(Output, frozen=True):
    id: UUID
    contact_id: UUID
    sent_to: str
    expires_at: datetime

    @classmethod
    def of(cls, sent: SentInvitation) -> PortalInvitationOut:
        invitation = sent.invitation
        return cls(
            id=invitation.id,
            contact_id=invitation.contact_id,
            sent_to=sent.to_address,
            expires_at=invitation.expires_at,
        )


class PortalInvitationController(Controller):
    path = "/v1/contacts"
    tags = ["portal"]  # noqa: RUF012
    guards = [MANAGERS]  # noqa: RUF012

    @post(
        "/{contact_id:uuid}/portal-invitations",
        status_code=201,
        summary="Email a contact a single-use, expiring sign-in link to the portal's pages",
    )
    async def invite(
        self,
        contact_id: FromPath[UUID],
        principal: NamedDependency[Principal],
        invite_portal_contact: NamedDependency[InvitePortalContact],
    ) -> PortalInvitationOut:
        sent = await invite_portal_contact(
            principal.tenant_id, ContactId(contact_id), invited_by=f"key:{principal.key_id}"
        )
        return PortalInvitationOut.of(sent)
