"""Where an email's links lead: the client portal's pages, at the hub's public address.

The paths are the portal's (``entrypoints/http/portal_pages/pages.py``). An email to a contact
who has portal access already (staff invited them or issued them a portal token,
``has_portal_access``) links through a sign-in link of its own (``signed_in``): a single-use
invitation for that contact, for 72 hours (``issue_sign_in``), whose sign-in lands on the page,
so a contact who is not signed in can follow it (PAY-13). An email never lets in a contact staff
did not: any other contact, and text that goes elsewhere (a PSA ticket), gets the bare page,
which leads a signed-in contact there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from application.identity.portal_access import has_portal_access, issue_sign_in, sign_in_url
from application.identity.ports import ApiKeySecrets
from domain.crm.contact import Contact
from domain.identity.invitation import EMAILED_BY, EMAILED_LINK_LIFETIME
from domain.shared.ids import new_id

if TYPE_CHECKING:
    from application.shared.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class PortalLinks:
    base_url: str  # the hub's public address, without a trailing slash
    secrets: ApiKeySecrets | None = None  # none: bare links, the contact signs in first

    def pay(self, invoice_id: UUID) -> str:
        return f"{self.base_url.rstrip('/')}{self.pay_path(invoice_id)}"

    def receipt(self, payment_id: UUID) -> str:
        return f"{self.base_url.rstrip('/')}{self.receipt_path(payment_id)}"

    @staticmethod
    def pay_path(invoice_id: UUID) -> str:
        return f"/portal/invoices/{invoice_id}/pay"

    @staticmethod
    def receipt_path(payment_id: UUID) -> str:
        return f"/portal/payments/{payment_id}"

    async def signed_in(self, uow: UnitOfWork, contact: Contact, path: str, now: datetime) -> str:
        """A link for ``contact`` alone that signs them in once and lands on ``path``, where staff
        let them into the portal already; else the bare page."""
        bare = f"{self.base_url.rstrip('/')}{path}"
        if self.secrets is None or not await has_portal_access(uow, contact.id, now):
            return bare
        _, token = await issue_sign_in(
            uow,
            self.secrets,
            new_id(),
            contact,
            now=now,
            invited_by=EMAILED_BY,
            lifetime=EMAILED_LINK_LIFETIME,
        )
        return sign_in_url(self.base_url, token, path)
