"""An invitation to the client portal: a sign-in link for one contact, used once, for a while.

Only a hash of its secret is kept. Redeeming it (the contact follows the link and signs in)
spends it; an expired or spent invitation signs nobody in.

Staff (an admin or manager) invite a contact; an email's sign-in link is an invitation too, made
for the email (``invited_by`` is ``EMAILED_BY``), and lives shorter. Only an invitation staff
made gives a contact portal access (``staff_made``): one made for an email never does.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NewType
from uuid import UUID

from domain.crm.organization import ContactId
from domain.identity.tenant import TenantId
from domain.shared.errors import DomainError
from domain.shared.events import Aggregate

PortalInvitationId = NewType("PortalInvitationId", UUID)
INVITATION_LIFETIME = timedelta(days=7)
EMAILED_LINK_LIFETIME = timedelta(hours=72)  # an email's sign-in link
EMAILED_BY = "a link in an email"  # the ``invited_by`` of an email's sign-in link


class PortalInvitation(Aggregate):
    def __init__(
        self,
        *,
        id: PortalInvitationId,
        tenant_id: TenantId,
        contact_id: ContactId,
        secret_hash: str,
        created_at: datetime,
        invited_by: str,
        lifetime: timedelta = INVITATION_LIFETIME,
    ) -> None:
        self.id = id
        self.tenant_id = tenant_id
        self.contact_id = contact_id
        self.secret_hash = secret_hash
        self.created_at = created_at
        self.expires_at = created_at + lifetime
        self.invited_by = invited_by[:100]
        self.used_at: datetime | None = None

    @property
    def staff_made(self) -> bool:
        """Made by staff inviting the contact, not for an email's link."""
        return self.invited_by != EMAILED_BY

    def redeem(self, now: datetime) -> None:
        """Spend the invitation; a spent or expired one is refused (single use, expiring)."""
        if self.used_at is not None:
            raise DomainError(
                "this sign-in link has been used already", code="invitation_used", field="token"
            )
        if now >= self.expires_at:
            raise DomainError(
                "this sign-in link has expired", code="invitation_expired", field="token"
            )
        self.used_at = now
