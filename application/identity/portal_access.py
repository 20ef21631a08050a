"""Signing a contact in to the client portal's pages: an invitation by email, then a session.

An admin or manager invites an active contact with an email address; the contact gets an email
(a notification, sent by the worker's loop like every other, PAY-13) with a sign-in link. The
link's token is used once and expires (``PortalInvitation``); redeemed, it becomes a portal token
(``IssuePortalToken``'s key: the same principal, tenant and organization scoping as
``/portal/v1``), which the pages keep in a session cookie. It expires on the server after
``PORTAL_SESSION_LIFETIME`` whatever the cookie says. Signing out revokes that token.

An email that links to a portal page (an invoice's pay page, a receipt) carries the same kind of
sign-in link (``issue_sign_in``, for 72 hours), with a ``next`` page to land on after signing in,
but only for a contact who has portal access already (``has_portal_access``): one staff invited
or gave a portal token. Any other contact's email names the bare page. Only a relative path
under ``/portal/`` is honoured as ``next`` (``portal_next``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote
from uuid import UUID

from application.identity.branding import branding_of
from application.identity.ports import ApiKeySecrets
from application.identity.use_cases import IssuedKey, _KeyMaker
from application.notifications.signature import signed
from application.shared.errors import NotFound
from application.shared.ports import Clock, IdGenerator
from application.shared.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.crm.contact import Contact
from domain.crm.organization import ContactId
from domain.identity.access import PORTAL_SESSION_LIFETIME, Role
from domain.identity.invitation import INVITATION_LIFETIME, PortalInvitation, PortalInvitationId
from domain.identity.tenant import TenantId
from domain.notifications.notification import Notification, NotificationKind
from domain.shared.errors import DomainError

SIGN_IN_PATH = "/portal/sign-in"
PORTAL_HOME = "/portal/invoices"
# A page of the portal, relative: no scheme, host, backslash, percent-escape, space or "..".
_NEXT_SHAPE = re.compile(r"/portal/[A-Za-z0-9_\-./?=&]*")


def portal_next(path: str) -> str:
    """``path`` where it is a relative path of the portal's pages (not the API, ``/portal/v1``),
    else the invoices: the sign-in form's ``next`` never leads off the portal."""
    page = path.split("?", 1)[0]
    if (
        not _NEXT_SHAPE.fullmatch(path)
        or "//" in path
        or ".." in page.split("/")
        or "." in page.split("/")
        or page == "/portal/v1"
        or page.startswith("/portal/v1/")
    ):
        return PORTAL_HOME
    return path


def sign_in_url(base_url: str, token: str, next_path: str | None = None) -> str:
    """The sign-in page's address for ``token``, landing on ``next_path`` once signed in."""
    link = f"{base_url.rstrip('/')}{SIGN_IN_PATH}?token={token}"
    if next_path is not None:
        link += f"&next={quote(portal_next(next_path), safe='/')}"
    return link


async def issue_sign_in(
    uow: UnitOfWork,
    secrets: ApiKeySecrets,
    invitation_id: UUID,
    contact: Contact,
    *,
    now: datetime,
    invited_by: str,
    lifetime: timedelta = INVITATION_LIFETIME,
) -> tuple[PortalInvitation, str]:
    """A single-use, expiring invitation for ``contact``, added to ``uow``, and its token (the
    plaintext, shown once: only its hash is kept)."""
    secret = secrets.issue()
    invitation = PortalInvitation(
        id=PortalInvitationId(invitation_id),
        tenant_id=uow.tenant_id,
        contact_id=contact.id,
        secret_hash=secret.secret_hash,
        created_at=now,
        invited_by=invited_by,
        lifetime=lifetime,
    )
    await uow.portal_invitations.add(invitation)
    return invitation, f"{uow.tenant_id.hex}.{invitation.id.hex}.{secret.plaintext}"


async def has_portal_access(uow: UnitOfWork, contact_id: ContactId, now: datetime) -> bool:
    """Whether staff let ``contact_id`` into the portal: an invitation an admin or manager made
    (used or not, expired or not), or a portal token they issued that is still usable.

    An email's own sign-in links never count, nor the sessions they were exchanged for: every
    session comes from an invitation, so a staff-invited contact's is counted by its invitation.
    Otherwise an uninvited contact signed in once by an email would get sign-in links for good.
    """
    if any(i.staff_made for i in await uow.portal_invitations.of_contact(contact_id)):
        return True
    keys = await uow.api_keys.of_contact(contact_id)
    return any(k.role is Role.PORTAL and k.expires_at is None and k.usable(now) for k in keys)


@dataclass(frozen=True)
class SentInvitation:
    invitation: PortalInvitation
    link: str  # shown once, to the inviting admin too (a contact without working mail)
    to_address: str


def _bad_link() -> DomainError:
    return DomainError("this sign-in link is not valid", code="invitation_invalid", field="token")


async def _active_contact(uow: UnitOfWork, contact_id: ContactId) -> Contact:
    contact = await uow.contacts.get(contact_id)  # another tenant's: not found
    organization = await uow.organizations.get(contact.organization_id)
    if not contact.active or not organization.active:
        raise DomainError(
            "an inactive contact, or one of an inactive organization, cannot use the portal",
            code="contact_inactive",
            field="contact_id",
        )
    return contact


class InvitePortalContact:
    """An invitation for an active contact with an email address, and the email carrying it."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        secrets: ApiKeySecrets,
        clock: Clock,
        ids: IdGenerator,
        *,
        base_url: str,
    ) -> None:
        self._uow = uow
        self._secrets = secrets
        self._clock = clock
        self._ids = ids
        self._base_url = base_url.rstrip("/")

    async def __call__(
        self, tenant_id: TenantId, contact_id: ContactId, invited_by: str
    ) -> SentInvitation:
        now = self._clock.now()
        async with self._uow(tenant_id) as uow:
            contact = await _active_contact(uow, contact_id)
            if not contact.email:
                raise DomainError(
                    "the contact has no email address to send the sign-in link to",
                    code="contact_email_missing",
                    field="contact_id",
                )
            branding = await branding_of(uow)
            invitation, token = await issue_sign_in(
                uow, self._secrets, self._ids(), contact, now=now, invited_by=invited_by
            )
            link = sign_in_url(self._base_url, token)
            await uow.notifications.add(
                Notification(
                    id=self._ids(),
                    tenant_id=tenant_id,
                    kind=NotificationKind.PORTAL_INVITATION,
                    subject_id=invitation.id,
                    to_address=contact.email,
                    title=f"{branding.name}: your sign-in link to the billing portal",
                    body=signed(
                        f"Hello {contact.full_name},\n\n"
                        f"{branding.name} invites you to its billing portal, where you can see "
                        "and pay your invoices and see your quotes.\n\n"
                        f"Sign in with this link (it works once, until "
                        f"{invitation.expires_at:%Y-%m-%d %H:%M} UTC):\n\n{link}\n",
                        branding,
                    ),
                    created_at=now,
                    sender_name=branding.name,
                )
            )
            await uow.commit()
        return SentInvitation(invitation, link, contact.email)


def _parts(token: str) -> tuple[TenantId, PortalInvitationId, str]:
    """A link's token: its tenant, its invitation and the secret; a bad link otherwise."""
    tenant_hex, _, rest = token.strip().partition(".")
    invitation_hex, _, secret = rest.partition(".")
    try:
        return TenantId(UUID(hex=tenant_hex)), PortalInvitationId(UUID(hex=invitation_hex)), secret
    except ValueError:
        raise _bad_link() from None


class SignInWithInvitation(_KeyMaker):
    """Redeems a sign-in link's token (once, before it expires) for a portal token."""

    def __init__(
        self, uow: UnitOfWorkFactory, secrets: ApiKeySecrets, clock: Clock, ids: IdGenerator
    ) -> None:
        super().__init__(secrets, clock, ids)
        self._uow = uow
        self._secrets = secrets
        self._clock = clock

    async def whose(self, token: str) -> tuple[TenantId, ContactId] | None:
        """The tenant and contact a link is for, read without spending it; None for a string
        that is not a link of this hub (the sign-in page asks before it sends a person on)."""
        try:
            tenant_id, invitation_id, secret = _parts(token)
        except DomainError:
            return None
        async with self._uow(tenant_id) as uow:
            try:
                invitation = await uow.portal_invitations.get(invitation_id)
            except NotFound:
                return None
        if not self._secrets.matches(secret, invitation.secret_hash):
            return None
        return tenant_id, invitation.contact_id

    async def __call__(self, token: str) -> IssuedKey:
        tenant_id, invitation_id, secret = _parts(token)
        async with self._uow(tenant_id) as uow:
            try:
                invitation = await uow.portal_invitations.get(invitation_id)
            except NotFound:
                raise _bad_link() from None
            if not self._secrets.matches(secret, invitation.secret_hash):
                raise _bad_link()
            now = self._clock.now()
            invitation.redeem(now)
            contact = await _active_contact(uow, invitation.contact_id)
            issued = self.make(
                tenant_id,
                f"portal session: {contact.full_name}"[:100],
                Role.PORTAL,
                contact.id,
                expires_at=now + PORTAL_SESSION_LIFETIME,
            )
            await uow.api_keys.add(issued.key)
            await uow.commit()
        return issued
