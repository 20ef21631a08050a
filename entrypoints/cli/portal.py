"""``q2c portal invite``: email a contact a sign-in link to the client portal's pages."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from typing import Any

import click

from application.crm.ports import ContactFilter
from application.crm.queries import CrmQueries
from application.identity.portal_access import InvitePortalContact
from application.notifications.sender import SendNotifications
from application.shared.pagination import PageRequest
from domain.crm.contact import Contact
from domain.identity.tenant import TenantId
from entrypoints.containers import Container
from entrypoints.settings import Settings

Opened = Callable[[Settings], AbstractAsyncContextManager[Container]]
Run = Callable[[Callable[[], Coroutine[Any, Any, str]]], str]


def portal_group(opened: Opened, run: Run) -> click.Group:
    @click.group("portal")
    def group() -> None:
        """The client portal's pages (/portal/)."""

    @group.command("invite")
    @click.argument("email", required=False)
    @click.option("--tenant", "tenant_name", default="Demo MSP", show_default=True)
    @click.pass_obj
    def invite(settings: Settings, email: str | None, tenant_name: str) -> None:
        """Email EMAIL's contact (else the tenant's first contact with an email) a sign-in
        link, and print it: it works once, for 7 days. The mail is in ``q2c mailbox list``."""

        async def work() -> str:
            async with opened(settings) as container:
                found = await container.persistence.directory().find_tenant(tenant_name)
                if found is None:
                    raise click.ClickException(f"no tenant named {tenant_name!r}")
                contact = await _contact(container.crm.queries(), found.id, email)
                invite_contact: InvitePortalContact = container.identity.invite_portal_contact()
                sent = await invite_contact(found.id, contact.id, invited_by="cli")
                sender: SendNotifications = container.billing.notifications()
                await sender.round()  # into the mailbox now, not at the worker's next round
                return (
                    f"invited {contact.full_name} <{sent.to_address}>; sign-in link:\n{sent.link}"
                )

        click.echo(run(work))

    return group


async def _contact(queries: CrmQueries, tenant_id: TenantId, email: str | None) -> Contact:
    where = ContactFilter(active=True, search=email)
    page = await queries.contacts(tenant_id, where, PageRequest.parse(100, None))
    for contact in page.items:
        if contact.email and (email is None or contact.email.lower() == email.lower()):
            return contact
    wanted = f"with the email {email}" if email else "with an email address"
    raise click.ClickException(
        f"no active contact {wanted}: start `q2c serve` and let it sync the demo's PSA first"
    )
